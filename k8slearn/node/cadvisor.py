"""cAdvisor: per-container resource usage samples."""

from __future__ import annotations

from typing import Any

__all__ = ["CAdvisor"]


class CAdvisor:
    def __init__(self, cluster: Any, host: Any) -> None:
        self.cluster = cluster
        self.host = host
