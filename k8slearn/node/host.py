"""One worker machine and the agents that run on it.

A :class:`NodeHost` is the simulated computer behind a Node object: its hardware
(capacity), its addresses, and its four agents - the kubelet, the container runtime,
cAdvisor and kube-proxy. Only the kubelet and kube-proxy talk to the API server; the
kubelet drives the runtime (CRI) and reads cAdvisor, the runtime tells cAdvisor which
containers run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..cluster import Cluster

__all__ = ["NodeHost", "NodeSpec"]


@dataclass
class NodeSpec:
    """What ``Cluster.add_node`` was asked for."""

    name: str
    cpu: str = "4"
    memory: str = "8Gi"
    pods: int = 110
    labels: dict[str, str] = field(default_factory=dict)
    taints: list[dict] = field(default_factory=list)
    capacity: dict[str, str] = field(default_factory=dict)
    ephemeral_storage: str = "100Gi"
    index: int = 0
    address: str = ""
    pod_cidr: str = ""
    unschedulable: bool = False


class NodeHost:
    """A worker machine: kubelet, container runtime, cAdvisor and kube-proxy."""

    def __init__(self, cluster: Cluster, spec: NodeSpec) -> None:
        from .cadvisor import CAdvisor
        from .kubelet import Kubelet
        from .kubeproxy import KubeProxy
        from .runtime import ContainerRuntime

        self.cluster = cluster
        self.spec = spec
        self.name = spec.name
        self.runtime = ContainerRuntime(cluster, self)
        self.cadvisor = CAdvisor(cluster, self)
        self.kubelet = Kubelet(cluster, self)
        self.kube_proxy = KubeProxy(cluster, self)

    def start(self) -> None:
        """Boot the machine: the kubelet registers the Node, kube-proxy starts syncing rules."""
        self.kubelet.start()
        self.kube_proxy.start()

    def __repr__(self) -> str:
        return f"<NodeHost {self.name} {self.spec.address}>"

    def components(self) -> dict[str, Any]:
        """The agents by their upstream names."""
        return {
            "kubelet": self.kubelet,
            "container-runtime": self.runtime,
            "cadvisor": self.cadvisor,
            "kube-proxy": self.kube_proxy,
        }
