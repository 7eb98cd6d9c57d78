"""Offered load: requests per second sent to a Service, and the CPU it costs its pods.

``cluster.set_load("web", 300)`` makes clients send 300 requests per second to the
Service ``web``. The requests are spread evenly over the Service's *ready* endpoints (the
pods kube-proxy routes to), and each request costs its pod CPU time, so cAdvisor sees the
CPU usage of every serving container rise and fall with the traffic, and so do
``kubectl top pods`` and the HorizontalPodAutoscaler. The load may change over time::

    c.set_load("web", 300)  # constant
    c.set_load("web", [(0, 50), (120, 400), (600, 50)])  # a schedule: (seconds from now, rps)
    c.set_load("web", lambda t: 100 + 300 * (t > 60))  # any function of seconds from now

Per request a container spends ``k8slearn.io/cpu-per-request`` of CPU (a CPU quantity
per request per second: ``"5m"`` means 100 rps cost 500m), defaulting to the program's
own figure (1m for an unknown program, 0.2m for nginx); one pod serves at most
``k8slearn.io/requests-per-second-capacity`` requests per second (the rest is refused).
The load term is capped at the container's CPU limit, like CFS throttling.

Notes
-----
Simplification: a real load generator opens connections that kube-proxy balances per
connection; here every ready endpoint gets exactly its share, with no latency model. The
load term plugs into the kubelet's behaviour model through ``cluster.load_model``
(``load_model(namespace, pod, container, t) -> extra CPU cores``), which cAdvisor adds
to each container's own usage curve.
Used in: 09_autoscaling.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..api.errors import ApiError
from ..api.objects import pod_is_ready
from ..api.quantity import Quantity

if TYPE_CHECKING:
    from ..cluster import Cluster

__all__ = [
    "set_load",
    "LoadModel",
    "Schedule",
    "load_model",
    "offered_rps",
    "CPU_PER_REQUEST_ANNOTATION",
    "RPS_CAPACITY_ANNOTATION",
    "DEFAULT_CPU_PER_REQUEST",
]

CPU_PER_REQUEST_ANNOTATION = "k8slearn.io/cpu-per-request"
RPS_CAPACITY_ANNOTATION = "k8slearn.io/requests-per-second-capacity"
#: Cores one request per second costs when neither the annotation nor the program says (1m).
DEFAULT_CPU_PER_REQUEST = 0.001

Rate = float | Callable[[float], float] | Sequence[tuple[float, float]]


@dataclass
class Schedule:
    """A load curve: requests per second as a function of virtual time.

    ``start`` is when :func:`set_load` was called; ``rate`` is a number, a function of
    the seconds since ``start``, or ``(seconds since start, rps)`` steps (the first step
    applies before its time too).
    """

    start: float
    rate: Any

    def at(self, t: float) -> float:
        """Requests per second at virtual time ``t``."""
        rel = t - self.start
        rate = self.rate
        if callable(rate):
            value = float(rate(rel))
        elif isinstance(rate, (int, float)):
            value = float(rate)
        else:
            times = [float(p[0]) for p in rate]
            i = bisect.bisect_right(times, rel) - 1
            value = float(rate[max(i, 0)][1])
        if math.isnan(value) or value < 0:
            return 0.0
        return value


@dataclass
class _ServiceLoad:
    schedules: list[Schedule] = field(default_factory=list)
    # change points of the ready endpoint set: (time, pod names)
    endpoints: list[tuple[float, tuple[str, ...]]] = field(default_factory=list)
    selector: Any = None
    ready: set[str] = field(default_factory=set)

    def rps(self, t: float) -> float:
        current = None
        for s in self.schedules:
            if s.start <= t:
                current = s
        return current.at(t) if current is not None else 0.0

    def ready_at(self, t: float) -> tuple[str, ...]:
        times = [p[0] for p in self.endpoints]
        i = bisect.bisect_right(times, t) - 1
        return self.endpoints[i][1] if i >= 0 else ()

    def record(self, now: float) -> bool:
        current = tuple(sorted(self.ready))
        if self.endpoints and self.endpoints[-1][1] == current:
            return False
        if self.endpoints and self.endpoints[-1][0] == now:
            self.endpoints[-1] = (now, current)
        else:
            self.endpoints.append((now, current))
        if len(self.endpoints) > 10_000:
            del self.endpoints[: len(self.endpoints) - 10_000]
        return True


def _validate(rate: Any) -> Any:
    if callable(rate):
        return rate
    if isinstance(rate, bool):
        raise TypeError("rps must be a number, a function of time or a list of (seconds, rps)")
    if isinstance(rate, (int, float)):
        if rate < 0:
            raise ValueError(f"rps must not be negative, got {rate}")
        return float(rate)
    steps = [(float(t), float(v)) for t, v in rate]
    if not steps:
        raise ValueError("a load schedule needs at least one (seconds, rps) step")
    if any(v < 0 for _, v in steps):
        raise ValueError("rps must not be negative")
    return sorted(steps)


def _serves(pod: Mapping) -> bool:
    """A ready endpoint: Running, Ready and not being deleted."""
    return (
        pod_is_ready(pod)
        and not (pod.get("metadata") or {}).get("deletionTimestamp")
        and (pod.get("status") or {}).get("phase") == "Running"
    )


class LoadModel:
    """The cluster's offered load: per Service, a load curve and which pods served it when.

    An instance is installed as ``cluster.load_model``; calling it answers the kubelet's
    question "how much extra CPU does this container burn at time t?". It follows the
    Service's ready endpoints through a watch on pods (as a client of the cluster would
    see them through kube-proxy), so it can answer for any past instant.
    """

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self.services: dict[tuple[str, str], _ServiceLoad] = {}
        self._cost_cache: dict[tuple[str, str, str], tuple[float, float | None, float | None]] = {}
        self._watches: list[Any] = []

    # -- configuration ------------------------------------------------------------
    def set(self, namespace: str, service: str, rate: Rate) -> None:
        """Start sending ``rate`` to ``namespace/service`` from now on."""
        if not self._watches:
            api = self.cluster.api
            self._watches = [api.watch("Pod", self._on_pod), api.watch("Service", self._on_service)]
        load = self.services.setdefault((namespace, service), _ServiceLoad())
        load.schedules.append(Schedule(self.cluster.clock.now, _validate(rate)))
        self._resync(namespace, service)

    def rps(self, service: str, t: float | None = None, namespace: str = "default") -> float:
        """Requests per second offered to the Service at time ``t`` (default now)."""
        load = self.services.get((namespace, service))
        if load is None:
            return 0.0
        return load.rps(self.cluster.clock.now if t is None else t)

    def endpoints(self, service: str, t: float | None = None, namespace: str = "default") -> tuple[str, ...]:
        """Names of the ready pods that served the Service at time ``t`` (default now)."""
        load = self.services.get((namespace, service))
        if load is None:
            return ()
        return load.ready_at(self.cluster.clock.now if t is None else t)

    # -- following the endpoints (watch handlers: cheap, no writes) ----------------
    def _resync(self, namespace: str, service: str) -> None:
        from ..api.labels import selector_from_set

        load = self.services[(namespace, service)]
        api = self.cluster.api
        svc = api.get_or_none("Service", service, namespace)
        selector = ((svc or {}).get("spec") or {}).get("selector")
        load.selector = selector_from_set(selector) if selector else None
        load.ready = set()
        if load.selector is not None:
            load.ready = {
                p["metadata"]["name"] for p in api.list("Pod", namespace, selector=dict(selector)) if _serves(p)
            }
        if load.record(self.cluster.clock.now):
            self._cost_cache.clear()

    def _on_service(self, event: Any) -> None:
        m = event.object.get("metadata") or {}
        key = (m.get("namespace", ""), m.get("name", ""))
        if key in self.services:
            self._resync(*key)

    def _on_pod(self, event: Any) -> None:
        pod = event.object
        m = pod.get("metadata") or {}
        ns, name = m.get("namespace", ""), m.get("name", "")
        labels = m.get("labels") or {}
        serving = event.type != "DELETED" and _serves(pod)
        now = self.cluster.clock.now
        for (load_ns, _), load in self.services.items():
            if load_ns != ns or load.selector is None:
                continue
            member = serving and load.selector.matches(labels)
            if member == (name in load.ready):
                continue
            if member:
                load.ready.add(name)
            else:
                load.ready.discard(name)
            if load.record(now):
                self._cost_cache.clear()

    # -- the kubelet's hook -------------------------------------------------------
    def __call__(self, namespace: str, pod: Any, container: str, t: float) -> float:
        """Extra CPU cores ``container`` of ``pod`` spends serving load at time ``t``."""
        pod_name = pod if isinstance(pod, str) else (pod.get("metadata") or {}).get("name", "")
        total = 0.0
        limit = None
        for (ns, svc), load in self.services.items():
            if ns != namespace:
                continue
            ready = load.ready_at(t)
            if pod_name not in ready:
                continue
            cost, capacity, limit = self._cost(namespace, pod_name, container, svc)
            if cost <= 0:
                continue
            share = load.rps(t) / len(ready)
            served = min(share, capacity) if capacity is not None else share
            total += served * cost
        return min(total, limit) if limit is not None else total

    # -- what one request costs ---------------------------------------------------
    def _cost(self, namespace: str, pod: str, container: str, service: str) -> tuple[float, float | None, float | None]:
        """``(cores per rps, rps capacity, cpu limit cores)`` for the serving container (0 cost otherwise)."""
        key = (namespace, pod, container + "|" + service)
        cached = self._cost_cache.get(key)
        if cached is not None:
            return cached
        obj = self.cluster.api.get_or_none("Pod", pod, namespace)
        if obj is None:
            return 0.0, None, None
        containers = (obj.get("spec") or {}).get("containers") or []
        spec = next((c for c in containers if c.get("name") == container), None)
        if spec is None:
            return 0.0, None, None
        limit_raw = ((spec.get("resources") or {}).get("limits") or {}).get("cpu")
        limit = Quantity.parse(str(limit_raw)).milli_value() / 1000 if limit_raw is not None else None
        if spec is not _serving_container(obj, containers, service, self.cluster):
            result: tuple[float, float | None, float | None] = (0.0, None, limit)
        else:
            annotations = (obj.get("metadata") or {}).get("annotations") or {}
            behaviour = _behaviour(self.cluster, obj, container)
            cost = _annotation(annotations, CPU_PER_REQUEST_ANNOTATION, container)
            if cost is not None:
                per = Quantity.parse(cost).milli_value() / 1000
            elif behaviour is not None and getattr(behaviour, "cpu_per_request", None) is not None:
                per = float(behaviour.cpu_per_request)
            else:
                per = DEFAULT_CPU_PER_REQUEST
            cap_raw = _annotation(annotations, RPS_CAPACITY_ANNOTATION, container)
            if cap_raw is not None:
                capacity: float | None = float(cap_raw)
            else:
                capacity = getattr(behaviour, "rps_capacity", None) if behaviour is not None else None
            result = (per, capacity, limit)
        if len(self._cost_cache) > 50_000:
            self._cost_cache.clear()
        self._cost_cache[key] = result
        return result

    def __repr__(self) -> str:
        now = self.cluster.clock.now
        parts = [f"{ns}/{svc}={load.rps(now):g}rps" for (ns, svc), load in sorted(self.services.items())]
        return f"<LoadModel t={now:g}s {' '.join(parts) or 'idle'}>"


def _annotation(annotations: Mapping[str, str], name: str, container: str) -> str | None:
    return annotations.get(f"{name}.{container}", annotations.get(name))


def _serving_container(pod: Mapping, containers: list[Mapping], service: str, cluster: Cluster) -> Mapping | None:
    """The container that listens on the Service's targetPort (else the first one)."""
    ns = (pod.get("metadata") or {}).get("namespace", "default")
    svc = cluster.api.get_or_none("Service", service, ns)
    for port in ((svc or {}).get("spec") or {}).get("ports") or []:
        target = port.get("targetPort", port.get("port"))
        for c in containers:
            for cp in c.get("ports") or []:
                if target in (cp.get("containerPort"), cp.get("name")):
                    return c
    return containers[0] if containers else None


def _behaviour(cluster: Cluster, pod: Mapping, container: str) -> Any:
    """The running container's behaviour (program profile), if the node's runtime has it."""
    node = (pod.get("spec") or {}).get("nodeName")
    host = cluster.hosts.get(node) if node else None
    runtime = getattr(host, "runtime", None)
    containers = getattr(runtime, "containers", None)
    if not containers:
        return None
    m = pod.get("metadata") or {}
    best = None
    for c in containers.values():
        if (
            getattr(c, "pod_uid", None) == m.get("uid")
            and getattr(c, "name", None) == container
            and (best is None or getattr(c, "created_at", 0) >= getattr(best, "created_at", 0))
        ):
            best = c
    return getattr(best, "behaviour", None)


def load_model(cluster: Cluster) -> LoadModel:
    """The cluster's :class:`LoadModel`, installed as ``cluster.load_model`` on first use."""
    model = getattr(cluster, "load_model", None)
    if not isinstance(model, LoadModel):
        model = LoadModel(cluster)
        cluster.load_model = model
    return model


def set_load(cluster: Cluster, service: str, rps: Rate, namespace: str = "default") -> None:
    """Send ``rps`` requests per second to a Service from now on.

    Parameters
    ----------
    service
        Name of the Service; it must exist.
    rps
        A number, a function of the seconds since this call, or a schedule
        ``[(seconds since this call, rps), ...]`` (steps).

    Raises
    ------
    ApiError
        NotFound when the Service does not exist.
    """
    if cluster.api.get_or_none("Service", service, namespace) is None:
        raise ApiError.not_found("services", service)
    load_model(cluster).set(namespace, service, rps)


def offered_rps(cluster: Cluster, service: str, t: float | None = None, namespace: str = "default") -> float:
    """Requests per second sent to ``service`` at virtual time ``t`` (0 without load)."""
    model = getattr(cluster, "load_model", None)
    if not isinstance(model, LoadModel):
        return 0.0
    return model.rps(service, t, namespace)
