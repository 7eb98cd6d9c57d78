"""The Node object a kubelet registers and keeps up to date, and cAdvisor's machine info.

Notes
-----
Mirrors the kubelet's ``initialNode`` and ``setNodeStatus`` (``pkg/kubelet/nodestatus``):
labels (``kubernetes.io/hostname``, ``kubernetes.io/os``, ``kubernetes.io/arch`` and the
deprecated ``beta.`` ones), ``podCIDR``, capacity from the machine (cpu, memory,
ephemeral-storage, hugepages, pods = ``maxPods``), **allocatable equal to capacity** (no
``--kube-reserved``/``--system-reserved`` and no eviction threshold are simulated), the
four conditions with their upstream reasons and messages, addresses, ``nodeInfo``
(``machineID``, ``systemUUID`` and ``bootID`` from cAdvisor's MachineInfo) and the
pulled ``images`` (largest first, at most 50: ``nodeStatusMaxImages``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..api.quantity import cpu_millis, memory_bytes

if TYPE_CHECKING:
    from .host import NodeSpec
    from .images import ImageInfo

__all__ = ["node_object", "node_conditions", "node_images", "machine_info", "KUBELET_VERSION", "MAX_IMAGES",
           "MachineIdentity"]  # fmt: skip

KUBELET_VERSION = "v1.36.0"
MAX_IMAGES = 50
OS_IMAGE = "Debian GNU/Linux 12 (bookworm)"
KERNEL = "6.8.0-k8slearn"


class MachineIdentity:
    """The machine's IDs (``/etc/machine-id``, DMI product UUID, the boot ID)."""

    __slots__ = ("machine_id", "system_uuid", "boot_id", "mac")

    def __init__(self, rng: Any) -> None:
        self.machine_id = f"{rng.getrandbits(128):032x}"
        self.system_uuid = _uuid(rng)
        self.boot_id = _uuid(rng)
        octets = [0x52, 0x54, 0x00] + [rng.getrandbits(8) for _ in range(3)]
        self.mac = ":".join(f"{o:02x}" for o in octets)


def _uuid(rng: Any) -> str:
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def capacity_of(spec: NodeSpec) -> dict[str, str]:
    capacity = {
        "cpu": str(spec.cpu),
        "ephemeral-storage": spec.ephemeral_storage,
        "hugepages-1Gi": "0",
        "hugepages-2Mi": "0",
        "memory": str(spec.memory),
        "pods": str(spec.pods),
    }
    capacity.update({k: str(v) for k, v in spec.capacity.items()})
    return capacity


def _cond(type_: str, status: str, reason: str, message: str, heartbeat: str, transition: str) -> dict:
    return {
        "type": type_,
        "status": status,
        "lastHeartbeatTime": heartbeat,
        "lastTransitionTime": transition,
        "reason": reason,
        "message": message,
    }


def node_conditions(ready: bool, heartbeat: str, transitions: dict[str, str]) -> list[dict]:
    """MemoryPressure, DiskPressure, PIDPressure, Ready (reasons and messages as the kubelet writes them)."""
    ready_cond = (
        ("True", "KubeletReady", "kubelet is posting ready status")
        if ready
        else ("False", "KubeletNotReady", "container runtime status check may not have completed yet")
    )
    return [
        _cond("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available",
              heartbeat, transitions["MemoryPressure"]),
        _cond("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure", heartbeat,
              transitions["DiskPressure"]),
        _cond("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available", heartbeat,
              transitions["PIDPressure"]),
        _cond("Ready", *ready_cond, heartbeat, transitions["Ready"]),
    ]  # fmt: skip


def node_images(images: list[ImageInfo]) -> list[dict]:
    """``status.images``: names and sizes, largest first, at most :data:`MAX_IMAGES`."""
    ordered = sorted(images, key=lambda i: (-i.size, i.ref.full))[:MAX_IMAGES]
    return [{"names": i.names, "sizeBytes": i.size} for i in ordered]


def node_object(spec: NodeSpec, identity: MachineIdentity, runtime_version: str, status: dict) -> dict:
    """The Node the kubelet registers (``initialNode`` plus its first status)."""
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
        "status": status,
    }


def node_status(spec: NodeSpec, identity: MachineIdentity, runtime_version: str, conditions: list[dict],
                images: list[dict]) -> dict:  # fmt: skip
    """``status`` of the Node: capacity, allocatable (= capacity), conditions, addresses, nodeInfo, images."""
    capacity = capacity_of(spec)
    return {
        "capacity": capacity,
        "allocatable": dict(capacity),
        "conditions": conditions,
        "addresses": [{"type": "InternalIP", "address": spec.address}, {"type": "Hostname", "address": spec.name}],
        "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
        "nodeInfo": {
            "machineID": identity.machine_id,
            "systemUUID": identity.system_uuid,
            "bootID": identity.boot_id,
            "kernelVersion": KERNEL,
            "osImage": OS_IMAGE,
            "containerRuntimeVersion": runtime_version,
            "kubeletVersion": KUBELET_VERSION,
            "kubeProxyVersion": "",
            "operatingSystem": "linux",
            "architecture": "amd64",
        },
        "images": images,
    }


def machine_info(spec: NodeSpec, identity: MachineIdentity, timestamp: str) -> dict:
    """cAdvisor ``MachineInfo`` (the read-only port's ``/spec/``), fields in upstream order."""
    cores = max(1, -(-cpu_millis(spec.cpu) // 1000))
    memory = memory_bytes(spec.memory)
    disk = memory_bytes(spec.ephemeral_storage)
    hugepages = [{"page_size": 1048576, "num_pages": 0}, {"page_size": 2048, "num_pages": 0}]
    return {
        "timestamp": timestamp,
        "vendor_id": "GenuineIntel",
        "num_cores": cores,
        "num_physical_cores": cores,
        "num_sockets": 1,
        "cpu_frequency_khz": 2904000,
        "memory_capacity": memory,
        "swap_capacity": 0,
        "memory_by_type": {},
        "nvm": {"memory_mode_capacity": 0, "app direct_mode_capacity": 0, "avg_power_budget": 0},
        "hugepages": hugepages,
        "machine_id": identity.machine_id,
        "system_uuid": identity.system_uuid,
        "boot_id": identity.boot_id,
        "filesystems": [
            {"device": "/dev/sda1", "capacity": disk, "type": "vfs", "inodes": disk // 8192, "has_inodes": True}
        ],
        "disk_map": {"8:0": {"name": "sda", "major": 8, "minor": 0, "size": disk + 2**30, "scheduler": "mq-deadline"}},
        "network_devices": [{"name": "eth0", "mac_address": identity.mac, "speed": -1, "mtu": 1500}],
        "topology": [
            {
                "node_id": 0,
                "memory": memory,
                "hugepages": [dict(h) for h in hugepages],
                "cores": [
                    {
                        "core_id": i,
                        "thread_ids": [i],
                        "caches": [{"id": i, "size": 32768, "type": "Data", "level": 1}],
                        "uncore_caches": None,
                        "socket_id": 0,
                    }
                    for i in range(cores)
                ],
                "caches": [{"id": 0, "size": 33554432, "type": "Unified", "level": 3}],
                "distances": [10],
            }
        ],
        "cloud_provider": "Unknown",
        "instance_type": "Unknown",
        "instance_id": "None",
    }
