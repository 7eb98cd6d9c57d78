"""Container runtime (CRI-like): pulls images, creates, starts and stops containers."""

from __future__ import annotations

from typing import Any

__all__ = ["ContainerRuntime"]


class ContainerRuntime:
    def __init__(self, cluster: Any, host: Any) -> None:
        self.cluster = cluster
        self.host = host
