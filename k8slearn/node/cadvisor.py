"""cAdvisor: per-container CPU, memory, network and filesystem usage, and the metrics API.

cAdvisor samples every container on its node every :data:`SAMPLE_PERIOD` (10 s) of
virtual time. Usage comes from each container's behaviour
(:mod:`k8slearn.node.behaviour`): its CPU and memory curves, CPU capped at the
container's CPU limit (throttling), plus a load-driven CPU term when the cluster has a
``load_model``. metrics-server turns the samples into the ``metrics.k8s.io/v1beta1``
API that ``kubectl top`` and the HorizontalPodAutoscaler read: :func:`pod_metrics` and
:func:`node_metrics` return ``PodMetrics`` / ``NodeMetrics`` dicts of the latest
sample; :func:`metrics_frame` is the whole retained history as a pandas DataFrame
(``cluster.metrics()``).

Notes
-----
Samples are computed on demand from the behaviour model for the 10 s grid (no timer
per container, no stored series): memory is bounded by the retention window
(:data:`RETENTION_SECONDS`, 1 h) of container instances, however large the cluster.
A container appears in the metrics API once it has two samples (metrics-server needs
two to compute a rate), so a new pod shows ``metrics not available yet`` for 10-20 s.
CPU readings carry a small deterministic jitter (±4 %) so curves look measured.
Node usage adds the system daemons (kubelet, containerd, systemd):
:data:`NODE_SYSTEM_CPU` cores and :data:`NODE_SYSTEM_MEMORY` bytes.

A load model is ``cluster.load_model(namespace, pod, container, t) -> extra cores``
(read with ``getattr(cluster, "load_model", None)``), deterministic and able to answer
for any ``t`` in the last hour.

Used in: 04_kubelet_and_runtime, 09_autoscaling.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ..api.quantity import BINARY_SI, Quantity
from ..clock import format_timestamp

if TYPE_CHECKING:
    from ..cluster import Cluster
    from .host import NodeHost
    from .runtime import Container

__all__ = [
    "CAdvisor",
    "metrics_frame",
    "pod_metrics",
    "node_metrics",
    "SAMPLE_PERIOD",
    "RETENTION_SECONDS",
    "NODE_SYSTEM_CPU",
    "NODE_SYSTEM_MEMORY",
    "FRAME_COLUMNS",
]

SAMPLE_PERIOD = 10.0
RETENTION_SECONDS = 3600.0
NODE_SYSTEM_CPU = 0.06
NODE_SYSTEM_MEMORY = 600 * 2**20
WINDOW = "10s"
FRAME_COLUMNS = ["time", "node", "namespace", "pod", "container", "cpu_cores", "memory_bytes", "network_rx_bytes",
                 "network_tx_bytes", "fs_bytes"]  # fmt: skip
_MASK = (1 << 64) - 1


def _noise(seed: int, k: int) -> float:
    """A deterministic number in [-1, 1) for sample ``k`` of a container (splitmix64)."""
    z = (seed * 0x9E3779B97F4A7C15 + k * 0xBF58476D1CE4E5B9 + 0x94D049BB133111EB) & _MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    z ^= z >> 31
    return (z / 2**63) - 1.0


class CAdvisor:
    """The node's cAdvisor: knows every container instance of the last hour and its usage."""

    def __init__(self, cluster: Cluster, host: NodeHost) -> None:
        self.cluster = cluster
        self.host = host
        self.clock = cluster.clock
        self.instances: dict[str, list[Container]] = {}
        self._starts = 0

    def __repr__(self) -> str:
        return f"<CAdvisor {self.host.name} pods={len(self.instances)}>"

    # -- instance bookkeeping (called by the runtime) ----------------------------------------
    def container_started(self, c: Container) -> None:
        self.instances.setdefault(c.pod_uid, []).append(c)
        self._starts += 1
        if self._starts % 1000 == 0:
            self.trim()

    def container_stopped(self, c: Container) -> None:
        """Nothing to do: the instance keeps its history until it leaves the retention window."""

    def trim(self) -> None:
        """Forget instances that stopped more than :data:`RETENTION_SECONDS` ago."""
        horizon = self.clock.now - RETENTION_SECONDS
        for uid in list(self.instances):
            keep = [c for c in self.instances[uid] if c.finished_at is None or c.finished_at >= horizon]
            if keep:
                self.instances[uid] = keep
            else:
                del self.instances[uid]

    # -- usage ------------------------------------------------------------------------------
    def usage(self, c: Container, t: float, k: int | None = None) -> tuple[float, float]:
        """``(cpu cores, working-set bytes)`` of container ``c`` at virtual time ``t``."""
        start = c.started_at or 0.0
        rel = max(0.0, t - start)
        b = c.behaviour
        cpu = b.cpu_at(rel)
        load = getattr(self.cluster, "load_model", None)
        if load is not None:
            cpu += float(load(c.namespace, c.pod_name, c.name, t) or 0.0)
        kk = int(round(t / SAMPLE_PERIOD)) if k is None else k
        cpu *= 1.0 + 0.04 * _noise(c.seed, kk)
        if c.cpu_limit is not None:
            cpu = min(cpu, c.cpu_limit)
        memory = b.memory_at(rel)
        if c.memory_limit is not None:
            memory = min(memory, float(c.memory_limit))
        memory = float(int(memory * (1.0 + 0.01 * _noise(c.seed + 7, kk))) // 4096 * 4096)
        return max(cpu, 0.0), max(memory, 0.0)

    def container_usage(self, pod_uid: str, container: str, t: float | None = None) -> dict[str, float] | None:
        """Usage of a pod's container (the instance running at ``t``, default now), or None."""
        t = self.clock.now if t is None else t
        for c in reversed(self.instances.get(pod_uid, [])):
            if c.name == container and (c.started_at or 0) <= t and (c.finished_at is None or c.finished_at >= t):
                cpu, memory = self.usage(c, t)
                return {"cpu_cores": cpu, "memory_bytes": memory}
        return None

    def _extras(self, c: Container, t: float) -> tuple[int, int, int]:
        b = c.behaviour
        uptime = max(0.0, t - (c.started_at or 0.0))
        if b.profile.server:
            rx, tx = int(uptime * 120), int(uptime * 180)
        else:
            rx = tx = 0
        fs = 16384 + 128 * len(b.logs)
        return rx, tx, fs

    def samples(self, since: float | None = None) -> Iterator[tuple[float, Container]]:
        """``(sample time, container)`` for every retained sample on the 10 s grid, in time order per container."""
        now = self.clock.now
        horizon = now - RETENTION_SECONDS if since is None else max(since, now - RETENTION_SECONDS)
        for cs in self.instances.values():
            for c in cs:
                start = c.started_at
                if start is None:
                    continue
                end = c.finished_at if c.finished_at is not None else now
                if end < horizon:
                    continue
                first = math.ceil(round(max(start, horizon) / SAMPLE_PERIOD, 9))
                last = math.floor(round(end / SAMPLE_PERIOD, 9))
                for k in range(first, last + 1):
                    yield k * SAMPLE_PERIOD, c

    def latest(self) -> tuple[float, list[Container]]:
        """The latest sample time and the containers running then (with two samples)."""
        now = self.clock.now
        t = math.floor(round(now / SAMPLE_PERIOD, 9)) * SAMPLE_PERIOD
        out = []
        for cs in self.instances.values():
            for c in cs:
                start = c.started_at
                if start is None or start > t - SAMPLE_PERIOD:
                    continue
                if c.finished_at is not None and c.finished_at < t:
                    continue
                out.append(c)
        return t, out


def _hosts(cluster: Cluster) -> list[Any]:
    return [h for h in cluster.hosts.values() if getattr(h, "cadvisor", None) is not None]


def metrics_frame(cluster: Cluster, since: float | None = None) -> Any:
    """cAdvisor's retained samples (last hour, every 10 s) for every container, as a DataFrame.

    Columns: time (virtual s), node, namespace, pod, container, cpu_cores, memory_bytes,
    network_rx_bytes, network_tx_bytes, fs_bytes.
    """
    import pandas as pd

    rows = []
    for host in _hosts(cluster):
        adv = host.cadvisor
        for t, c in adv.samples(since):
            cpu, memory = adv.usage(c, t)
            rx, tx, fs = adv._extras(c, t)
            rows.append((t, host.name, c.namespace, c.pod_name, c.name, cpu, memory, rx, tx, fs))
    frame = pd.DataFrame(rows, columns=FRAME_COLUMNS)
    if len(frame):
        frame = frame.sort_values(["time", "node", "namespace", "pod", "container"], kind="stable")
        frame = frame.reset_index(drop=True)
    return frame


def _cpu_quantity(cores: float) -> str:
    return str(Quantity(int(round(cores * 1e9))))


def _memory_quantity(memory: float) -> str:
    return str(Quantity.from_value(int(memory), BINARY_SI))


def pod_metrics(cluster: Cluster, namespace: str | None = None) -> list[dict]:
    """``metrics.k8s.io/v1beta1`` PodMetrics of the latest sample (what ``kubectl top pods`` reads)."""
    now_ts = cluster.clock.timestamp()
    by_pod: dict[tuple[str, str], dict] = {}
    for host in _hosts(cluster):
        kubelet = host.kubelet
        if not kubelet.running:
            continue  # metrics-server cannot scrape a kubelet that is down
        adv = host.cadvisor
        t, containers = adv.latest()
        for c in containers:
            if namespace is not None and c.namespace != namespace:
                continue
            key = (c.namespace, c.pod_name)
            entry = by_pod.get(key)
            if entry is None:
                worker = kubelet.workers.get(c.pod_uid)
                metadata: dict[str, Any] = {"name": c.pod_name, "namespace": c.namespace, "creationTimestamp": now_ts}
                labels = (worker.pod["metadata"].get("labels") if worker is not None else None) or {}
                if labels:
                    metadata["labels"] = dict(labels)
                entry = {
                    "kind": "PodMetrics",
                    "apiVersion": "metrics.k8s.io/v1beta1",
                    "metadata": metadata,
                    "timestamp": format_timestamp(t),
                    "window": WINDOW,
                    "containers": [],
                    "_order": [],
                }
                by_pod[key] = entry
            cpu, memory = adv.usage(c, t)
            order = _container_order(kubelet, c)
            entry["_order"].append(order)
            entry["containers"].append({"name": c.name, "usage": {"cpu": _cpu_quantity(cpu),
                                                                  "memory": _memory_quantity(memory)}})  # fmt: skip
    out = []
    for key in sorted(by_pod):
        entry = by_pod[key]
        order = entry.pop("_order")
        entry["containers"] = [c for _, c in sorted(zip(order, entry["containers"]), key=lambda x: x[0])]
        out.append(entry)
    return out


def _container_order(kubelet: Any, c: Container) -> int:
    worker = kubelet.workers.get(c.pod_uid)
    if worker is None:
        return 0
    for i, slot in enumerate(worker.all_slots()):
        if slot.name == c.name:
            return i
    return 0


def node_metrics(cluster: Cluster) -> list[dict]:
    """``metrics.k8s.io/v1beta1`` NodeMetrics of the latest sample (``kubectl top nodes``)."""
    now_ts = cluster.clock.timestamp()
    out = []
    for name in sorted(cluster.hosts):
        host = cluster.hosts[name]
        if getattr(host, "cadvisor", None) is None or not host.kubelet.running:
            continue
        adv = host.cadvisor
        t, containers = adv.latest()
        if t < SAMPLE_PERIOD:
            continue
        cpu = NODE_SYSTEM_CPU * (1.0 + 0.04 * _noise(host.spec.index + 1, int(t / SAMPLE_PERIOD)))
        memory = float(NODE_SYSTEM_MEMORY)
        for c in containers:
            ccpu, cmem = adv.usage(c, t)
            cpu += ccpu
            memory += cmem
        node = cluster.api.get_or_none("Node", name)
        metadata: dict[str, Any] = {"name": name, "creationTimestamp": now_ts}
        labels = ((node or {}).get("metadata") or {}).get("labels")
        if labels:
            metadata["labels"] = dict(labels)
        out.append({
            "kind": "NodeMetrics",
            "apiVersion": "metrics.k8s.io/v1beta1",
            "metadata": metadata,
            "timestamp": format_timestamp(t),
            "window": WINDOW,
            "usage": {"cpu": _cpu_quantity(cpu), "memory": _memory_quantity(memory)},
        })  # fmt: skip
    return out
