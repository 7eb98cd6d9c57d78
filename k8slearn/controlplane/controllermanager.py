"""kube-controller-manager: one process running many controllers, and its flags.

Notes
-----
The flags keep upstream names and defaults (``kube-controller-manager --help``);
``Cluster(controller_manager={"node-monitor-grace-period": 40})`` overrides them.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..cluster import Cluster
    from .controllers.base import Controller

__all__ = ["ControllerManager", "ControllerManagerFlags"]


@dataclass(frozen=True)
class ControllerManagerFlags:
    """kube-controller-manager flags (seconds as numbers)."""

    node_monitor_grace_period: float = 50.0
    node_monitor_period: float = 5.0
    node_startup_grace_period: float = 60.0
    node_eviction_rate: float = 0.1
    secondary_node_eviction_rate: float = 0.01
    large_cluster_size_threshold: int = 50
    unhealthy_zone_threshold: float = 0.55
    horizontal_pod_autoscaler_sync_period: float = 15.0
    horizontal_pod_autoscaler_tolerance: float = 0.1
    horizontal_pod_autoscaler_downscale_stabilization: float = 300.0
    horizontal_pod_autoscaler_cpu_initialization_period: float = 300.0
    horizontal_pod_autoscaler_initial_readiness_delay: float = 30.0
    terminated_pod_gc_threshold: int = 12500

    @classmethod
    def from_mapping(cls, values: Any) -> ControllerManagerFlags:
        """Build from ``{"node-monitor-grace-period": 40, ...}`` (dashes or underscores)."""
        if values is None:
            return cls()
        if isinstance(values, cls):
            return values
        known = {f.name for f in fields(cls)}
        kwargs = {}
        for key, value in dict(values).items():
            name = str(key).lstrip("-").replace("-", "_")
            if name not in known:
                raise ValueError(f"unknown flag: --{str(key).lstrip('-').replace('_', '-')}")
            kwargs[name] = _seconds(value)
        return cls(**kwargs)


def _seconds(value: Any) -> float:
    """``40``, ``"40s"``, ``"5m"`` -> seconds."""
    if isinstance(value, (int, float)):
        return value
    text = str(value).strip()
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}
    for suffix in ("ms", "s", "m", "h"):
        if text.endswith(suffix):
            return float(text[: -len(suffix)]) * units[suffix]
    return float(text)


class ControllerManager:
    """Starts every controller in :data:`~k8slearn.controlplane.controllers.CONTROLLERS`."""

    name = "kube-controller-manager"

    def __init__(self, cluster: Cluster, flags: ControllerManagerFlags) -> None:
        from .controllers import CONTROLLERS

        self.cluster = cluster
        self.flags = flags
        self.controllers: dict[str, Controller] = {cls.name: cls(cluster) for cls in CONTROLLERS}

    def start(self) -> None:
        for controller in self.controllers.values():
            controller.start()

    def __getitem__(self, name: str) -> Controller:
        return self.controllers[name]
