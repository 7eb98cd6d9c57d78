"""Builders for the kubectl tests: objects with hand-made statuses in a quiet cluster.

The kubectl tests check how objects are *printed*, so they fake the statuses that
kubelets and controllers would write (through ``api.replace_status``) and move the
virtual clock with :func:`travel`, which changes "now" without running any component
(so nothing overwrites the faked statuses).
"""

from __future__ import annotations

from typing import Any

import k8slearn as kl
from k8slearn.clock import format_timestamp


def ts(seconds: float) -> str:
    """The RFC 3339 timestamp of virtual second ``seconds``."""
    return format_timestamp(seconds)


def travel(cluster: kl.Cluster, seconds: float) -> None:
    """Move virtual time forward without running any component."""
    cluster.clock.now += seconds


def new_cluster() -> kl.Cluster:
    return kl.Cluster(seed=0)


def make_node(
    cluster: kl.Cluster,
    name: str,
    *,
    ready: str | None = "True",
    unschedulable: bool = False,
    labels: dict | None = None,
    taints: list | None = None,
    cpu: str = "4",
    memory: str = "8Gi",
    address: str = "192.168.0.10",
) -> dict:
    """A Node object (no kubelet behind it) with a Ready condition of ``ready`` (None: none)."""
    spec: dict[str, Any] = {}
    if unschedulable:
        spec["unschedulable"] = True
    if taints:
        spec["taints"] = taints
    cluster.api.create(
        {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name, "labels": labels or {}}, "spec": spec}
    )
    now = cluster.clock.timestamp()
    conditions = []
    if ready is not None:
        conditions.append(
            {
                "type": "Ready",
                "status": ready,
                "lastHeartbeatTime": now,
                "lastTransitionTime": now,
                "reason": "KubeletReady",
            }
        )
    capacity = {"cpu": cpu, "memory": memory, "pods": "110"}
    status = {
        "capacity": capacity,
        "allocatable": dict(capacity),
        "conditions": conditions,
        "addresses": [{"type": "InternalIP", "address": address}, {"type": "Hostname", "address": name}],
        "nodeInfo": {
            "kubeletVersion": "v1.36.0",
            "osImage": "Ubuntu 24.04 LTS",
            "kernelVersion": "6.8.0-45-generic",
            "containerRuntimeVersion": "containerd://2.1.0",
            "operatingSystem": "linux",
            "architecture": "amd64",
        },
    }
    return cluster.api.replace_status("Node", name, None, status, user="test")


def running(started: float) -> dict:
    return {"running": {"startedAt": ts(started)}}


def waiting(reason: str) -> dict:
    return {"waiting": {"reason": reason}}


def terminated(reason: str | None, exit_code: int = 0, *, started: float = 0, finished: float = 0, signal: int = 0):
    state: dict[str, Any] = {"exitCode": exit_code, "startedAt": ts(started), "finishedAt": ts(finished)}
    if reason:
        state["reason"] = reason
    if signal:
        state["signal"] = signal
    return {"terminated": state}


def cstatus(name: str, state: dict, *, ready: bool = False, restarts: int = 0, last: dict | None = None, **extra):
    """A containerStatus."""
    out: dict[str, Any] = {"name": name, "state": state, "ready": ready, "restartCount": restarts, "image": "nginx"}
    if last:
        out["lastState"] = last
    out.update(extra)
    return out


def make_pod(
    cluster: kl.Cluster,
    name: str,
    *,
    containers: tuple[str, ...] = ("app",),
    init: tuple[str, ...] = (),
    node: str | None = "node-1",
    namespace: str = "default",
    labels: dict | None = None,
    phase: str = "Running",
    statuses: list | None = None,
    init_statuses: list | None = None,
    conditions: dict | None = None,
    reason: str | None = None,
    ip: str | None = None,
    spec_extra: dict | None = None,
    container_extra: dict | None = None,
) -> dict:
    """Create a pod (bound to ``node`` at creation) and give it a hand-made status."""
    spec: dict[str, Any] = {
        "containers": [{"name": c, "image": "nginx", **(container_extra or {})} for c in containers],
    }
    if init:
        spec["initContainers"] = [{"name": c, "image": "busybox"} for c in init]
    if node:
        spec["nodeName"] = node
    spec.update(spec_extra or {})
    cluster.api.create(
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": labels or {}}, "spec": spec},
        namespace=namespace,
    )
    status: dict[str, Any] = {"phase": phase}
    if reason:
        status["reason"] = reason
    if conditions:
        status["conditions"] = [{"type": k, "status": v} for k, v in conditions.items()]
    if statuses is not None:
        status["containerStatuses"] = statuses
    if init_statuses is not None:
        status["initContainerStatuses"] = init_statuses
    if ip:
        status["podIP"] = ip
        status["podIPs"] = [{"ip": ip}]
    return cluster.api.replace_status("Pod", name, namespace, status, user="test")


def delete_pod_gracefully(cluster: kl.Cluster, name: str, namespace: str = "default") -> dict:
    """Start a graceful deletion (the pod stays, with a deletionTimestamp)."""
    return cluster.api.delete("Pod", name, namespace)
