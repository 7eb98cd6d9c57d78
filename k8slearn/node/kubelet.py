"""kubelet: the node agent (skeleton: registration and heartbeats; pods come next).

Notes
-----
Mirrors the kubelet's node registration (``registerWithAPIServer``), its node
status updates (``--node-status-update-frequency`` 10 s) and its Lease renewals in
``kube-node-lease`` (every 10 s, lease duration 40 s).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..api.errors import ApiError
from ..clock import Priority

if TYPE_CHECKING:
    from ..cluster import Cluster
    from .host import NodeHost

__all__ = ["Kubelet", "LEASE_DURATION", "STATUS_UPDATE_PERIOD", "LEASE_RENEW_PERIOD"]

LEASE_DURATION = 40
LEASE_RENEW_PERIOD = 10.0
STATUS_UPDATE_PERIOD = 10.0
KUBELET_VERSION = "v1.36.0"


class Kubelet:
    def __init__(self, cluster: Cluster, host: NodeHost) -> None:
        self.cluster = cluster
        self.api = cluster.api
        self.clock = cluster.clock
        self.host = host
        self.node_name = host.name
        self.component = f"kubelet/{host.name}"
        self.running = False

    def start(self) -> None:
        self.running = True
        self.register_node()
        self.renew_lease()

    def stop(self) -> None:
        """The kubelet stops: no more heartbeats or status updates."""
        self.running = False

    def register_node(self) -> None:
        spec = self.host.spec
        node = node_object(spec, self.clock.timestamp())
        try:
            self.api.create(node, user=self.component)
        except ApiError as err:
            if err.reason != "AlreadyExists":
                raise

    def renew_lease(self) -> None:
        if not self.running:
            return
        now = self.clock.micro_timestamp()
        lease = self.api.get_or_none("Lease", self.node_name, "kube-node-lease")
        if lease is None:
            node = self.api.get("Node", self.node_name)
            self.api.create(
                {
                    "apiVersion": "coordination.k8s.io/v1",
                    "kind": "Lease",
                    "metadata": {
                        "name": self.node_name,
                        "namespace": "kube-node-lease",
                        "ownerReferences": [
                            {"apiVersion": "v1", "kind": "Node", "name": self.node_name, "uid": node["metadata"]["uid"]}
                        ],
                    },
                    "spec": {
                        "holderIdentity": self.node_name,
                        "leaseDurationSeconds": LEASE_DURATION,
                        "renewTime": now,
                    },
                },
                user=self.component,
            )
        else:
            self.api.replace_fields(
                "Lease",
                self.node_name,
                "kube-node-lease",
                {"spec": dict(lease["spec"], renewTime=now)},
                user=self.component,
            )
        self.clock.schedule(
            LEASE_RENEW_PERIOD, self.renew_lease, priority=Priority.PERIODIC, label=f"{self.component} lease"
        )


def node_object(spec, now: str) -> dict:
    """The Node a kubelet registers: labels, podCIDR, taints, capacity, conditions, addresses."""
    capacity = {
        "cpu": str(spec.cpu),
        "ephemeral-storage": spec.ephemeral_storage,
        "hugepages-1Gi": "0",
        "hugepages-2Mi": "0",
        "memory": str(spec.memory),
        "pods": str(spec.pods),
    }
    capacity.update({k: str(v) for k, v in spec.capacity.items()})
    labels = {
        "beta.kubernetes.io/arch": "amd64",
        "beta.kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "kubernetes.io/hostname": spec.name,
        "kubernetes.io/os": "linux",
    }
    labels.update(spec.labels)
    node_spec: dict = {}
    if spec.pod_cidr:
        node_spec["podCIDR"] = spec.pod_cidr
        node_spec["podCIDRs"] = [spec.pod_cidr]
    if spec.taints:
        node_spec["taints"] = [dict(t) for t in spec.taints]
    if spec.unschedulable:
        node_spec["unschedulable"] = True
    conditions = [
        _cond("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available", now),
        _cond("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure", now),
        _cond("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available", now),
        _cond("Ready", "True", "KubeletReady", "kubelet is posting ready status", now),
    ]
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": spec.name,
            "labels": labels,
            "annotations": {
                "node.alpha.kubernetes.io/ttl": "0",
                "volumes.kubernetes.io/controller-managed-attach-detach": "true",
            },
        },
        "spec": node_spec,
        "status": {
            "capacity": capacity,
            "allocatable": dict(capacity),
            "conditions": conditions,
            "addresses": [{"type": "InternalIP", "address": spec.address}, {"type": "Hostname", "address": spec.name}],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "nodeInfo": {
                "architecture": "amd64",
                "bootID": "",
                "containerRuntimeVersion": "containerd://2.1.0",
                "kernelVersion": "6.8.0-k8slearn",
                "kubeProxyVersion": "",
                "kubeletVersion": KUBELET_VERSION,
                "machineID": "",
                "operatingSystem": "linux",
                "osImage": "k8slearn simulated node",
                "systemUUID": "",
            },
            "images": [],
        },
    }


def _cond(type_: str, status: str, reason: str, message: str, now: str) -> dict:
    return {
        "type": type_,
        "status": status,
        "lastHeartbeatTime": now,
        "lastTransitionTime": now,
        "reason": reason,
        "message": message,
    }
