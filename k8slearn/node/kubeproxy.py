"""kube-proxy: programs each node's Service rules."""

from __future__ import annotations

from typing import Any

__all__ = ["KubeProxy"]


class KubeProxy:
    def __init__(self, cluster: Any, host: Any) -> None:
        self.cluster = cluster
        self.host = host

    def start(self) -> None:
        pass
