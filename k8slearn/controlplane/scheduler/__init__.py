"""kube-scheduler."""

from __future__ import annotations

from typing import Any

__all__ = ["Scheduler"]


class Scheduler:
    def __init__(self, cluster: Any, config: Any = None) -> None:
        self.cluster = cluster

    def start(self) -> None:
        pass
