"""Builders for scheduler tests: Node and Pod dicts, a cache-backed fake scheduler.

The fake scheduler has what the plugins and the algorithm use (cache, config, rng,
nominator, round-robin index) without a Cluster, so tests can build clusters of
thousands of nodes cheaply.
"""

from __future__ import annotations

import random
from typing import Any

import numpy as np

from k8slearn.controlplane.scheduler.cache import PodInfo, SchedulerCache
from k8slearn.controlplane.scheduler.config import load_config
from k8slearn.controlplane.scheduler.framework import CycleState, Framework
from k8slearn.controlplane.scheduler.queue import Nominator

MB = 1024 * 1024


def node(
    name: str,
    cpu: str = "4",
    memory: str = "8Gi",
    pods: int = 110,
    labels: dict | None = None,
    taints: list | None = None,
    images: list | None = None,
    unschedulable: bool = False,
    extra: dict | None = None,
) -> dict:
    alloc = {"cpu": str(cpu), "memory": str(memory), "pods": str(pods), "ephemeral-storage": "100Gi"}
    alloc.update(extra or {})
    spec: dict[str, Any] = {}
    if taints:
        spec["taints"] = taints
    if unschedulable:
        spec["unschedulable"] = True
    lab = {"kubernetes.io/hostname": name}
    lab.update(labels or {})
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": name, "labels": lab},
        "spec": spec,
        "status": {
            "capacity": dict(alloc),
            "allocatable": alloc,
            "images": [{"names": list(n), "sizeBytes": s} for n, s in images or ()],
        },
    }


_uid = 0


def pod(
    name: str,
    requests: list[dict] | dict | None = None,
    node_name: str | None = None,
    namespace: str = "default",
    labels: dict | None = None,
    priority: int = 0,
    tolerations: list | None = None,
    affinity: dict | None = None,
    spread: list | None = None,
    images: list[str] | None = None,
    host_ports: list[int] | None = None,
    node_selector: dict | None = None,
    owner: dict | None = None,
    containers: int | None = None,
) -> dict:
    global _uid
    _uid += 1
    if isinstance(requests, dict):
        requests = [requests]
    reqs = list(requests or [])
    n = containers if containers is not None else len(reqs)
    ctrs = []
    for i in range(n):
        c: dict[str, Any] = {"name": f"c{i}", "image": (images[i] if images and i < len(images) else "pause")}
        if i < len(reqs) and reqs[i] is not None:
            c["resources"] = {"requests": {k: str(v) for k, v in reqs[i].items()}}
        if host_ports and i == 0:
            c["ports"] = [{"containerPort": p, "hostPort": p, "protocol": "TCP"} for p in host_ports]
        ctrs.append(c)
    spec: dict[str, Any] = {"containers": ctrs, "schedulerName": "default-scheduler", "priority": priority}
    if node_name:
        spec["nodeName"] = node_name
    if tolerations is not None:
        spec["tolerations"] = tolerations
    if affinity is not None:
        spec["affinity"] = affinity
    if spread is not None:
        spec["topologySpreadConstraints"] = spread
    if node_selector is not None:
        spec["nodeSelector"] = node_selector
    meta: dict[str, Any] = {"name": name, "namespace": namespace, "uid": f"uid-{_uid}", "labels": labels or {}}
    if owner is not None:
        meta["ownerReferences"] = [owner]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec, "status": {"phase": "Pending"}}


class FakeApi:
    """Enough of the API server for PodTopologySpread's owner lookups."""

    def __init__(self, objects: list[dict] | None = None) -> None:
        self.objects = {(o["kind"], o["metadata"].get("namespace"), o["metadata"]["name"]): o for o in objects or ()}

    def get_or_none(self, kind: str, name: str, namespace: str | None = None) -> dict | None:
        return self.objects.get((kind, namespace, name))

    def list(self, kind: str, namespace: str | None = None, **_: Any) -> list[dict]:
        return [o for (k, _, _), o in sorted(self.objects.items()) if k == kind]


class FakeScheduler:
    """The parts of :class:`Scheduler` the algorithm and plugins use."""

    def __init__(self, nodes: list[dict], pods: list[dict] = (), config: Any = None, seed: int = 0,
                 api: FakeApi | None = None, services: list[dict] = ()) -> None:  # fmt: skip
        self.cache = SchedulerCache()
        for n in nodes:
            self.cache.add_node(n)
        for p in pods:
            self.cache.add_pod(p)
        self.config = load_config(config)
        self.rng = random.Random(seed)
        self.nominator = Nominator()
        self.next_start_node_index = 0
        self.api = api
        self._services = list(services)
        self.fw = Framework(self.config.profiles[0], self)

    def services_in(self, namespace: str) -> list[dict]:
        return [s for s in self._services if s["metadata"].get("namespace", "default") == namespace]

    def nominated_pods_for_node(self, name: str) -> list[PodInfo]:
        return self.nominator.pods_for_node(name)


def plugin(sched: FakeScheduler, name: str) -> Any:
    return sched.fw.plugins[name]


def scores(sched: FakeScheduler, name: str, the_pod: dict, normalize: bool = True) -> dict[str, int] | None:
    """Run one Score plugin over every node, checking the numpy path equals the readable one.

    Returns node -> score (normalized when the plugin normalizes), or None when the
    plugin's PreScore skipped the pod.
    """
    pl = plugin(sched, name)
    state = CycleState()
    state.write("PodInfo", PodInfo(the_pod))
    nodes = sched.cache.node_list()
    if hasattr(pl, "pre_filter"):
        pl.pre_filter(state, the_pod, nodes)
    if hasattr(pl, "pre_score"):
        st = pl.pre_score(state, the_pod, nodes)
        if st is not None and st.is_skip:
            return None
    raw = np.array([pl.score(state, the_pod, ni) for ni in nodes], dtype=np.int64)
    if hasattr(pl, "score_vector"):
        slots = np.array([ni.slot for ni in nodes], dtype=np.int64)
        vec = pl.score_vector(state, the_pod, slots)
        if vec is not None:
            assert vec.tolist() == raw.tolist(), f"{name}: numpy path {vec.tolist()} != readable {raw.tolist()}"
    out = raw
    if normalize and pl.has_normalize:
        out = pl.normalize_score(state, the_pod, [ni.name for ni in nodes], raw.copy())
    return {ni.name: int(v) for ni, v in zip(nodes, out)}


def filter_statuses(sched: FakeScheduler, name: str, the_pod: dict) -> dict[str, str]:
    """One Filter plugin over every node ("ok" or the message), checking the numpy path too."""
    pl = plugin(sched, name)
    state = CycleState()
    state.write("PodInfo", PodInfo(the_pod))
    nodes = sched.cache.node_list()
    if hasattr(pl, "pre_filter"):
        _, st = pl.pre_filter(state, the_pod, nodes)
        if st is not None and st.is_skip:
            return {ni.name: "skip" for ni in nodes}
        if st is not None and not st.is_success:
            return {ni.name: st.message for ni in nodes}
    out = {}
    for ni in nodes:
        st = pl.filter(state, the_pod, ni)
        out[ni.name] = "ok" if st is None or st.is_success else st.message
    if hasattr(pl, "filter_vector"):
        order = np.array([ni.slot for ni in nodes], dtype=np.int64)
        vf = pl.filter_vector(state, the_pod, order)
        if vf is not None:
            got = {ni.name: ("ok" if not vf.rejects(i) else vf.status_at(i).message) for i, ni in enumerate(nodes)}
            assert got == out, f"{name}: numpy path {got} != readable {out}"
    return out
