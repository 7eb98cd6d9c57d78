"""The HorizontalPodAutoscaler controller (autoscaling/v2) and its replica calculator.

Every ``--horizontal-pod-autoscaler-sync-period`` (15 s) each HPA reads its target's
scale (a Deployment's or ReplicaSet's ``spec.replicas`` and selector), the resource
metrics of the target's pods (metrics.k8s.io PodMetrics, fed by each node's cAdvisor),
and computes::

    utilization = sum(usage) * 100 // sum(requests)          (an integer percentage)
    desired     = ceil(ready pods * utilization / target)    (unchanged within ±10 %)

then bounds the result (stabilization window, scale rate, minReplicas/maxReplicas),
writes ``spec.replicas`` of the target and records status, conditions and events.

Notes
-----
Mirrors ``pkg/controller/podautoscaler``: ``replica_calculator.go``
(``GetResourceReplicas``, ``GetRawResourceReplicas``, ``groupPods``,
``calculatePodRequests``), ``metrics/utilization.go`` (``GetResourceUtilizationRatio``)
and ``horizontal.go`` (``reconcileAutoscaler``, ``stabilizeRecommendation``,
``normalizeDesiredReplicas``, ``stabilizeRecommendationWithBehaviors``,
``convertDesiredReplicasWithBehaviorRate``, ``calculateScaleUpLimitWithScalingRules``,
``calculateScaleDownLimitWithBehaviors``, ``storeScaleEvent``), including the
per-direction ``tolerance`` of ``behavior.scaleUp``/``scaleDown`` (HPAConfigurableTolerance,
beta and on by default since 1.35). Recommendation and scale-event history live in the
controller's memory, as upstream (a restart forgets them). Pods and Object/External
metrics need a custom-metrics adapter that k8slearn does not run: they fail with the
message a cluster without an adapter gives.
Used in: 09_autoscaling.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ...api.errors import ApiError
from ...api.objects import key_of, set_condition
from ...api.quantity import Quantity, format_cpu_millis
from ...clock import parse_timestamp
from ..apiserver import WatchEvent
from .base import Controller

if TYPE_CHECKING:
    from ...cluster import Cluster

__all__ = [
    "HorizontalController",
    "PodMetric",
    "MetricsError",
    "Tolerances",
    "ScaleEvent",
    "ReplicaHistory",
    "group_pods",
    "pod_requests",
    "resource_utilization_ratio",
    "resource_replicas",
    "raw_resource_replicas",
    "stabilize_recommendation",
    "convert_desired_replicas_with_rules",
    "calculate_scale_up_limit",
    "stabilize_recommendation_with_behaviors",
    "scale_up_limit_with_rules",
    "scale_down_limit_with_rules",
    "convert_desired_replicas_with_behavior_rate",
    "store_scale_event",
    "replicas_change_per_period",
    "SCALE_UP_LIMIT_FACTOR",
    "SCALE_UP_LIMIT_MINIMUM",
]

SCALE_UP_LIMIT_FACTOR = 2.0
SCALE_UP_LIMIT_MINIMUM = 4.0
_SCALABLE = {"Deployment": "apps", "ReplicaSet": "apps", "StatefulSet": "apps", "ReplicationController": ""}


class MetricsError(Exception):
    """A metric could not be computed; the message is upstream's error text."""


@dataclass(frozen=True)
class PodMetric:
    """One pod's usage of one resource, in milli-units (millicores, milli-bytes)."""

    value: int
    timestamp: float = 0.0
    window: float = 60.0


@dataclass(frozen=True)
class Tolerances:
    """How far usage may stray from the target before the HPA acts (0.1 = 10 %).

    ``scale_down`` applies below the target, ``scale_up`` above it.
    """

    scale_down: float = 0.1
    scale_up: float = 0.1

    def is_within(self, ratio: float) -> bool:
        return 1.0 - self.scale_down <= ratio <= 1.0 + self.scale_up


# -- the replica calculator -----------------------------------------------------------


def _condition(pod: Mapping, type_: str) -> Mapping | None:
    for cond in (pod.get("status") or {}).get("conditions") or ():
        if cond.get("type") == type_:
            return cond
    return None


def _ts(value: Any) -> float | None:
    if value in (None, ""):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    return parse_timestamp(str(value))


def group_pods(
    pods: Sequence[Mapping],
    metrics: Mapping[str, PodMetric],
    resource: str,
    now: float,
    cpu_initialization_period: float,
    delay_of_initial_readiness_status: float,
) -> tuple[int, set[str], set[str], set[str]]:
    """Sort the target's pods: ``(ready count, unready, missing, ignored)`` by name.

    Pods being deleted or Failed are ignored; Pending pods are unready; pods without a
    metric are missing. For CPU only, a pod counts as unready while it is in its
    initialization period (``status.startTime`` + 300 s) and either not Ready or Ready
    for less than one metric window, or after that period when it is not Ready and never
    was (Ready=False set within 30 s of its start).
    """
    unready: set[str] = set()
    missing: set[str] = set()
    ignored: set[str] = set()
    ready = 0
    for pod in pods:
        meta = pod.get("metadata") or {}
        name = meta.get("name", "")
        phase = (pod.get("status") or {}).get("phase")
        if meta.get("deletionTimestamp") or phase == "Failed":
            ignored.add(name)
            continue
        if phase == "Pending":
            unready.add(name)
            continue
        metric = metrics.get(name)
        if metric is None:
            missing.add(name)
            continue
        if resource == "cpu":
            cond = _condition(pod, "Ready")
            start = _ts((pod.get("status") or {}).get("startTime"))
            if cond is None or start is None:
                is_unready = True
            else:
                transition = _ts(cond.get("lastTransitionTime")) or 0.0
                if start + cpu_initialization_period > now:
                    is_unready = cond.get("status") == "False" or metric.timestamp < transition + metric.window
                else:
                    is_unready = (
                        cond.get("status") == "False" and start + delay_of_initial_readiness_status > transition
                    )
            if is_unready:
                unready.add(name)
                continue
        ready += 1
    return ready, unready, missing, ignored


def pod_requests(pods: Sequence[Mapping], resource: str, container: str = "") -> dict[str, int]:
    """Each pod's request of ``resource`` in milli-units (containers and sidecars summed).

    Raises :class:`MetricsError` ``missing request for cpu in container web of Pod web-1``
    when a container sets no request: utilization is relative to requests.
    """
    out: dict[str, int] = {}
    for pod in pods:
        spec = pod.get("spec") or {}
        name = (pod.get("metadata") or {}).get("name", "")
        containers = list(spec.get("containers") or [])
        containers += [c for c in spec.get("initContainers") or () if c.get("restartPolicy") == "Always"]
        total = 0
        for c in containers:
            if container and c.get("name") != container:
                continue
            req = ((c.get("resources") or {}).get("requests") or {}).get(resource)
            if req is None:
                raise MetricsError(f"missing request for {resource} in container {c.get('name', '')} of Pod {name}")
            total += Quantity.parse(str(req)).milli_value()
        out[name] = total
    return out


def resource_utilization_ratio(
    metrics: Mapping[str, PodMetric], requests: Mapping[str, int], target_utilization: int
) -> tuple[float, int, int]:
    """``(usage ratio, utilization %, average usage)`` over pods with both a metric and a request.

    The utilization is an integer percentage (truncated), and the ratio is computed from
    that integer, as upstream does.
    """
    metrics_total = requests_total = entries = 0
    for name, metric in metrics.items():
        if name not in requests:
            continue
        metrics_total += metric.value
        requests_total += requests[name]
        entries += 1
    if requests_total == 0:
        raise MetricsError("no metrics returned matched known pods")
    utilization = metrics_total * 100 // requests_total
    return utilization / target_utilization, utilization, metrics_total // entries


def _usable_metrics(
    pods: Any,
    metrics: Mapping[str, Any],
    resource: str,
    now: float,
    cpu_initialization_period: float,
    delay_of_initial_readiness_status: float,
) -> tuple[dict, set, set, set, set]:
    """The samples a replica count may use (unready and ignored pods dropped), plus the pod groups.

    Raises MetricsError with the replica calculator's messages when nothing usable is left.
    """
    if not metrics:
        raise MetricsError(
            f"unable to get metrics for resource {resource}: no metrics returned from resource metrics API"
        )
    if not pods:
        raise MetricsError("no pods returned by selector while calculating replica count")
    metrics = dict(metrics)
    ready, unready, missing, ignored = group_pods(
        pods, metrics, resource, now, cpu_initialization_period, delay_of_initial_readiness_status
    )
    for name in ignored | unready:
        metrics.pop(name, None)
    if not metrics:
        raise MetricsError("did not receive metrics for targeted pods (pods might be unready)")
    return metrics, ready, unready, missing, ignored


def resource_replicas(
    current_replicas: int,
    target_utilization: int,
    resource: str,
    pods: Sequence[Mapping],
    metrics: Mapping[str, PodMetric],
    now: float,
    *,
    tolerances: Tolerances = Tolerances(),
    cpu_initialization_period: float = 300.0,
    delay_of_initial_readiness_status: float = 30.0,
    container: str = "",
) -> tuple[int, int, int]:
    """Desired replicas for a ``Utilization`` target: ``(replicas, utilization %, average usage)``.

    Examples
    --------
    Three ready pods requesting 1 CPU each and using 300m, 500m and 700m against a 30 %
    target (upstream ``TestReplicaCalcScaleUp``): utilization 50 %, ceil(3 × 50/30) = 5.

    >>> pods = [
    ...     {
    ...         "metadata": {"name": f"p{i}"},
    ...         "status": {
    ...             "phase": "Running",
    ...             "startTime": 0,
    ...             "conditions": [{"type": "Ready", "status": "True", "lastTransitionTime": 0}],
    ...         },
    ...         "spec": {"containers": [{"name": "c", "resources": {"requests": {"cpu": "1"}}}]},
    ...     }
    ...     for i in range(3)
    ... ]
    >>> metrics = {f"p{i}": PodMetric(v) for i, v in enumerate((300, 500, 700))}
    >>> resource_replicas(3, 30, "cpu", pods, metrics, now=1000.0)
    (5, 50, 500)
    """
    metrics, ready, unready, missing, ignored = _usable_metrics(
        pods, metrics, resource, now, cpu_initialization_period, delay_of_initial_readiness_status
    )
    requests = pod_requests(pods, resource, container)
    ratio, utilization, raw = resource_utilization_ratio(metrics, requests, target_utilization)
    scale_up_with_unready = bool(unready) and ratio > 1.0
    if not scale_up_with_unready and not missing:
        if tolerances.is_within(ratio):
            return current_replicas, utilization, raw
        return math.ceil(ratio * ready), utilization, raw
    if missing:
        if ratio < 1.0:
            fallback = max(100, target_utilization)
            for name in missing:
                metrics[name] = PodMetric(requests[name] * fallback // 100)
        elif ratio > 1.0:
            for name in missing:
                metrics[name] = PodMetric(0)
    if scale_up_with_unready:
        for name in unready:
            metrics[name] = PodMetric(0)
    new_ratio, _, _ = resource_utilization_ratio(metrics, requests, target_utilization)
    if tolerances.is_within(new_ratio) or (ratio < 1.0 < new_ratio) or (ratio > 1.0 > new_ratio):
        return current_replicas, utilization, raw
    new_replicas = math.ceil(new_ratio * len(metrics))
    if (new_ratio < 1.0 and new_replicas > current_replicas) or (new_ratio > 1.0 and new_replicas < current_replicas):
        return current_replicas, utilization, raw
    return new_replicas, utilization, raw


def raw_resource_replicas(
    current_replicas: int,
    target_usage: int,
    resource: str,
    pods: Sequence[Mapping],
    metrics: Mapping[str, PodMetric],
    now: float,
    *,
    tolerances: Tolerances = Tolerances(),
    cpu_initialization_period: float = 300.0,
    delay_of_initial_readiness_status: float = 30.0,
) -> tuple[int, int]:
    """Desired replicas for an ``AverageValue`` target (milli-units per pod): ``(replicas, average usage)``."""
    metrics, ready, unready, missing, ignored = _usable_metrics(
        pods, metrics, resource, now, cpu_initialization_period, delay_of_initial_readiness_status
    )

    def usage_ratio(values: Mapping[str, PodMetric]) -> tuple[float, int]:
        average = sum(m.value for m in values.values()) // len(values)
        return average / target_usage, average

    ratio, usage = usage_ratio(metrics)
    scale_up_with_unready = bool(unready) and ratio > 1.0
    if not scale_up_with_unready and not missing:
        if tolerances.is_within(ratio):
            return current_replicas, usage
        return math.ceil(ratio * ready), usage
    if missing:
        for name in missing:
            metrics[name] = PodMetric(target_usage if ratio < 1.0 else 0)
    if scale_up_with_unready:
        for name in unready:
            metrics[name] = PodMetric(0)
    new_ratio, _ = usage_ratio(metrics)
    if tolerances.is_within(new_ratio) or (ratio < 1.0 < new_ratio) or (ratio > 1.0 > new_ratio):
        return current_replicas, usage
    new_replicas = math.ceil(new_ratio * len(metrics))
    if (new_ratio < 1.0 and new_replicas > current_replicas) or (new_ratio > 1.0 and new_replicas < current_replicas):
        return current_replicas, usage
    return new_replicas, usage


# -- stabilization and scaling rules ---------------------------------------------------


@dataclass
class ScaleEvent:
    """A past change of replicas (absolute value) for the behavior policies' periods."""

    replica_change: int
    timestamp: float
    outdated: bool = False


@dataclass
class ReplicaHistory:
    """What the controller remembers about one HPA: recommendations and scale events."""

    recommendations: list[tuple[int, float]] = field(default_factory=list)
    scale_up_events: list[ScaleEvent] = field(default_factory=list)
    scale_down_events: list[ScaleEvent] = field(default_factory=list)


def stabilize_recommendation(history: ReplicaHistory, now: float, desired: int, window: float) -> int:
    """Without ``behavior``: the highest recommendation of the last ``window`` seconds (scale-down only).

    The newest recommendation replaces one older than the window, else is appended.
    """
    highest = desired
    cutoff = now - window
    old_index = None
    for i, (rec, ts) in enumerate(history.recommendations):
        if ts < cutoff:
            old_index = i
        elif rec > highest:
            highest = rec
    if old_index is not None:
        history.recommendations[old_index] = (desired, now)
    else:
        history.recommendations.append((desired, now))
    return highest


def calculate_scale_up_limit(current_replicas: int) -> int:
    """Without ``behavior``: at most max(2 × current, 4) replicas in one step."""
    return int(max(SCALE_UP_LIMIT_FACTOR * current_replicas, SCALE_UP_LIMIT_MINIMUM))


def _upper_bound(rate_limit: int, max_replicas: int) -> tuple[int, str, str]:
    """The tighter of the scale-up rate limit and maxReplicas, with its ScalingLimited reason."""
    if max_replicas > rate_limit:
        return rate_limit, "ScaleUpLimit", "the desired replica count is increasing faster than the maximum scale rate"
    return max_replicas, "TooManyReplicas", "the desired replica count is more than the maximum replica count"


def convert_desired_replicas_with_rules(
    current_replicas: int, desired: int, min_replicas: int, max_replicas: int
) -> tuple[int, str, str]:
    """Without ``behavior``: bound ``desired`` by min/max and the scale-up limit.

    Returns ``(replicas, ScalingLimited reason, message)``.
    """
    maximum, reason, message = _upper_bound(calculate_scale_up_limit(current_replicas), max_replicas)
    if desired < min_replicas:
        return min_replicas, "TooFewReplicas", "the desired replica count is less than the minimum replica count"
    if desired > maximum:
        return maximum, reason, message
    return desired, "DesiredWithinRange", "the desired count is within the acceptable range"


def stabilize_recommendation_with_behaviors(
    history: ReplicaHistory, now: float, current: int, desired: int, up_window: float, down_window: float
) -> tuple[int, str, str]:
    """With ``behavior``: keep the recommendation between the lowest recent one (scale-up
    window) and the highest recent one (scale-down window).

    Returns ``(replicas, AbleToScale reason, message)`` (the reason is used only when the
    result differs from ``desired``).
    """
    up_cutoff, down_cutoff = now - up_window, now - down_window
    up_rec = down_rec = desired
    old_index = None
    for i, (rec, ts) in enumerate(history.recommendations):
        if ts > up_cutoff:
            up_rec = min(rec, up_rec)
        if ts > down_cutoff:
            down_rec = max(rec, down_rec)
        if ts < up_cutoff and ts < down_cutoff:
            old_index = i
    recommendation = current
    recommendation = max(recommendation, up_rec)
    recommendation = min(recommendation, down_rec)
    if old_index is not None:
        history.recommendations[old_index] = (desired, now)
    else:
        history.recommendations.append((desired, now))
    if desired >= current:
        return (
            recommendation,
            "ScaleUpStabilized",
            "recent recommendations were lower than current one, applying the lowest recent recommendation",
        )
    return (
        recommendation,
        "ScaleDownStabilized",
        "recent recommendations were higher than current one, applying the highest recent recommendation",
    )


def replicas_change_per_period(period_seconds: float, events: Iterable[ScaleEvent], now: float) -> int:
    """Replicas added (or removed) by events newer than ``period_seconds``."""
    cutoff = now - period_seconds
    return sum(e.replica_change for e in events if e.timestamp > cutoff)


def _policies(rules: Mapping) -> list[Mapping]:
    return list(rules.get("policies") or [])


def scale_up_limit_with_rules(
    current: int, up_events: Sequence[ScaleEvent], down_events: Sequence[ScaleEvent], rules: Mapping, now: float
) -> int:
    """Most replicas the ``scaleUp`` policies allow now (``selectPolicy`` Max, Min or Disabled).

    Each policy counts from the replicas at the start of its period: ``Pods`` adds its
    value, ``Percent`` multiplies by (1 + value/100), rounded up.
    """
    return _limit_with_rules(current, up_events, down_events, rules, now, up=True)


def scale_down_limit_with_rules(
    current: int, up_events: Sequence[ScaleEvent], down_events: Sequence[ScaleEvent], rules: Mapping, now: float
) -> int:
    """Fewest replicas the ``scaleDown`` policies allow now (``Percent`` rounds the remainder down)."""
    return _limit_with_rules(current, up_events, down_events, rules, now, up=False)


def _limit_with_rules(
    current: int,
    up_events: Sequence[ScaleEvent],
    down_events: Sequence[ScaleEvent],
    rules: Mapping,
    now: float,
    *,
    up: bool,
) -> int:
    select = rules.get("selectPolicy") or "Max"
    if select == "Disabled":
        return current
    most = (select == "Min") != up  # the highest limit: Max scaling up, Min scaling down
    pick = max if most else min
    result = None
    for policy in _policies(rules):
        period = policy.get("periodSeconds") or 0
        start = (
            current
            - replicas_change_per_period(period, up_events, now)
            + replicas_change_per_period(period, down_events, now)
        )
        value = policy.get("value") or 0
        if policy.get("type") == "Pods":
            proposed = start + value if up else start - value
        else:
            proposed = math.ceil(start * (1 + value / 100)) if up else int(start * (1 - value / 100))
        result = proposed if result is None else pick(result, proposed)
    return result if result is not None else (-(2**31) if most else 2**31 - 1)


def convert_desired_replicas_with_behavior_rate(
    history: ReplicaHistory,
    now: float,
    current: int,
    desired: int,
    min_replicas: int,
    max_replicas: int,
    scale_up: Mapping,
    scale_down: Mapping,
) -> tuple[int, str, str]:
    """With ``behavior``: bound ``desired`` by the scale-rate policies and min/max.

    Returns ``(replicas, ScalingLimited reason, message)``.
    """
    if desired > current:
        limit = scale_up_limit_with_rules(current, history.scale_up_events, history.scale_down_events, scale_up, now)
        maximum, reason, message = _upper_bound(max(limit, current), max_replicas)
        if desired > maximum:
            return maximum, reason, message
    elif desired < current:
        limit = scale_down_limit_with_rules(
            current, history.scale_up_events, history.scale_down_events, scale_down, now
        )
        limit = min(limit, current)
        if min_replicas < limit:
            minimum, reason, message = (
                limit,
                "ScaleDownLimit",
                "the desired replica count is decreasing faster than the maximum scale rate",
            )
        else:
            minimum, reason, message = (
                min_replicas,
                "TooFewReplicas",
                "the desired replica count is less than the minimum replica count",
            )
        if desired < minimum:
            return minimum, reason, message
    return desired, "DesiredWithinRange", "the desired count is within the acceptable range"


def store_scale_event(history: ReplicaHistory, behavior: Mapping | None, now: float, prev: int, new: int) -> None:
    """Remember a rescale for the policies' periods (only when ``behavior`` is set).

    Events older than the longest policy period are marked outdated and the newest
    outdated slot is reused.
    """
    if behavior is None:
        return
    if new > prev:
        events, rules, change = history.scale_up_events, behavior.get("scaleUp") or {}, new - prev
    else:
        events, rules, change = history.scale_down_events, behavior.get("scaleDown") or {}, prev - new
    longest = max((p.get("periodSeconds") or 0 for p in _policies(rules)), default=0)
    cutoff = now - longest
    reuse = None
    for i, event in enumerate(events):
        if event.timestamp < cutoff:
            event.outdated = True
        if event.outdated:
            reuse = i
    if reuse is not None:
        events[reuse] = ScaleEvent(change, now)
    else:
        events.append(ScaleEvent(change, now))


# -- reading metrics ------------------------------------------------------------------

_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)")
_UNIT = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def _duration(value: Any, default: float = 60.0) -> float:
    """A Go duration (``"15s"``, ``"1m0s"``) or a number of seconds."""
    if value is None:
        return default
    if isinstance(value, (int, float)):
        return float(value)
    parts = _DURATION.findall(str(value))
    return sum(float(n) * _UNIT[u] for n, u in parts) if parts else default


def pod_resource_metrics(
    items: Iterable[Mapping], resource: str, pod_names: Iterable[str], container: str = ""
) -> dict[str, PodMetric]:
    """Per-pod usage of ``resource`` from metrics.k8s.io PodMetrics, in milli-units.

    A pod whose containers do not all report the resource is left out (it counts as
    missing), as the resource metrics client does.
    """
    wanted = set(pod_names)
    out: dict[str, PodMetric] = {}
    for item in items:
        name = (item.get("metadata") or {}).get("name", "")
        if name not in wanted:
            continue
        containers = item.get("containers") or []
        total, complete = 0, bool(containers)
        for c in containers:
            if container and c.get("name") != container:
                continue
            value = (c.get("usage") or {}).get(resource)
            if value is None:
                complete = False
                break
            total += Quantity.parse(str(value)).milli_value()
        if container and not any(c.get("name") == container for c in containers):
            complete = False
        if complete:
            out[name] = PodMetric(total, _ts(item.get("timestamp")) or 0.0, _duration(item.get("window")))
    return out


# -- the controller -------------------------------------------------------------------


class HorizontalController(Controller):
    """Scales Deployments and ReplicaSets to keep resource utilization near its target.

    Notes
    -----
    Mirrors kube-controller-manager's horizontal-pod-autoscaler controller. The first
    sync of a new HPA happens one sync period after it is created (upstream enqueues with
    the resync period), so ``kubectl get hpa`` shows ``<unknown>`` targets for ~15 s.
    Set :attr:`metrics_source` to a callable ``(namespace) -> [PodMetrics]`` to feed
    metrics from elsewhere (tests do). Used in: 09_autoscaling.
    """

    name = "horizontal-pod-autoscaler"
    watches = ("HorizontalPodAutoscaler",)

    def __init__(self, cluster: Cluster) -> None:
        super().__init__(cluster)
        self.histories: dict[tuple[str, str], ReplicaHistory] = {}
        self.metrics_source: Callable[[str], list[Mapping]] | None = None

    @property
    def sync_period(self) -> float:
        return float(self.cluster.flags.horizontal_pod_autoscaler_sync_period)

    def enqueue_for(self, kind: str, event: WatchEvent) -> None:
        key = key_of(event.object)
        if event.type == "DELETED":
            self.histories.pop(key, None)
            return
        self.queue.add_after(key, self.sync_period)

    def reconcile(self, key: Any) -> float | None:
        ns, name = key
        hpa = self.api.get_or_none("HorizontalPodAutoscaler", name, ns)
        if hpa is None:
            self.histories.pop(key, None)
            return None
        self.reconcile_autoscaler(hpa)
        return self.sync_period

    # -- metrics ----------------------------------------------------------------------
    def _pod_metrics(self, namespace: str) -> list[Mapping]:
        if self.metrics_source is not None:
            return list(self.metrics_source(namespace))
        from ...node.cadvisor import pod_metrics

        return [
            m for m in pod_metrics(self.cluster, namespace) if (m.get("metadata") or {}).get("namespace") == namespace
        ]

    # -- one sync ---------------------------------------------------------------------
    def reconcile_autoscaler(self, hpa: Mapping) -> None:
        """One HPA sync: read scale and metrics, compute, rescale, write status."""
        flags = self.cluster.flags
        now = self.clock.now
        ns, name = key_of(hpa)
        spec = hpa.get("spec") or {}
        old_status = hpa.get("status") or {}
        conditions = list(old_status.get("conditions") or [])
        ts = self.clock.timestamp()

        def cond(type_: str, status: str, reason: str, message: str) -> None:
            nonlocal conditions
            conditions = set_condition(
                conditions, {"type": type_, "status": status, "reason": reason, "message": message}, ts
            )

        def write_status(current: int, desired: int, metric_statuses: list | None, rescaled: bool) -> None:
            status: dict[str, Any] = {"currentReplicas": current, "desiredReplicas": desired}
            if metric_statuses:
                status["currentMetrics"] = metric_statuses
            last = ts if rescaled else old_status.get("lastScaleTime")
            if last:
                status["lastScaleTime"] = last
            status["conditions"] = conditions
            if status != old_status:
                self.api.replace_status("HorizontalPodAutoscaler", name, ns, status, user=self.component)

        ref = spec.get("scaleTargetRef") or {}
        kind, target_name = ref.get("kind", ""), ref.get("name", "")
        target = None
        error = ""
        if kind not in _SCALABLE:
            error = f'no matches for kind "{kind}" in group "{(ref.get("apiVersion") or "").rpartition("/")[0]}"'
        else:
            try:
                target = self.api.get(kind, target_name, ns)
            except ApiError as err:
                error = err.message
        if target is None:
            self.recorder.warning(hpa, "FailedGetScale", error)
            cond(
                "AbleToScale",
                "False",
                "FailedGetScale",
                f"the HPA controller was unable to get the target's current scale: {error}",
            )
            write_status(
                old_status.get("currentReplicas", 0),
                old_status.get("desiredReplicas", 0),
                old_status.get("currentMetrics"),
                False,
            )
            return
        cond(
            "AbleToScale", "True", "SucceededGetScale", "the HPA controller was able to get the target's current scale"
        )
        current = int((target.get("spec") or {}).get("replicas", 1) or 0)
        history = self.histories.setdefault((ns, name), ReplicaHistory())
        if not history.recommendations:
            history.recommendations.append((current, now))
        min_replicas = spec.get("minReplicas", 1)
        if min_replicas is None:
            min_replicas = 1
        max_replicas = spec.get("maxReplicas", 1)
        rescale_reason = ""
        metric_statuses: list | None = None
        if current == 0 and min_replicas != 0:
            desired, rescale = 0, False
            cond(
                "ScalingActive",
                "False",
                "ScalingDisabled",
                "scaling is disabled since the replica count of the target is zero",
            )
        elif current > max_replicas:
            rescale_reason, desired, rescale = "Current number of replicas above Spec.MaxReplicas", max_replicas, True
        elif current < min_replicas:
            rescale_reason, desired, rescale = "Current number of replicas below Spec.MinReplicas", min_replicas, True
        else:
            proposal, metric_name, metric_statuses, invalid, failure = self._compute_replicas_for_metrics(
                hpa, target, current, now
            )
            if failure is not None:
                cond(*failure)
            if proposal == -1:
                write_status(current, old_status.get("desiredReplicas", 0), metric_statuses, False)
                self.recorder.warning(hpa, "FailedComputeMetricsReplicas", invalid)
                return
            desired = 0
            rescale_metric = ""
            if proposal > desired:
                desired, rescale_metric = proposal, metric_name
            if desired > current:
                rescale_reason = f"{rescale_metric} above target"
            if desired < current:
                rescale_reason = "All metrics below target"
            behavior = spec.get("behavior")
            if behavior is None:
                stabilized = stabilize_recommendation(
                    history, now, desired, flags.horizontal_pod_autoscaler_downscale_stabilization
                )
                if stabilized != desired:
                    cond(
                        "AbleToScale",
                        "True",
                        "ScaleDownStabilized",
                        "recent recommendations were higher than current one, applying the highest recent recommendation",
                    )
                else:
                    cond("AbleToScale", "True", "ReadyForNewScale", "recommended size matches current size")
                normalized, reason, message = convert_desired_replicas_with_rules(
                    current, stabilized, min_replicas, max_replicas
                )
            else:
                up = behavior.get("scaleUp") or {}
                down = behavior.get("scaleDown") or {}
                down_window = down.get("stabilizationWindowSeconds")
                if down_window is None:
                    down_window = flags.horizontal_pod_autoscaler_downscale_stabilization
                stabilized, s_reason, s_message = stabilize_recommendation_with_behaviors(
                    history, now, current, desired, up.get("stabilizationWindowSeconds") or 0, down_window
                )
                if stabilized != desired:
                    cond("AbleToScale", "True", s_reason, s_message)
                else:
                    cond("AbleToScale", "True", "ReadyForNewScale", "recommended size matches current size")
                normalized, reason, message = convert_desired_replicas_with_behavior_rate(
                    history, now, current, stabilized, min_replicas, max_replicas, up, down
                )
            cond("ScalingLimited", "False" if normalized == stabilized else "True", reason, message)
            desired = normalized
            rescale = desired != current
        if rescale:
            try:
                self.api.patch(kind, target_name, ns, {"spec": {"replicas": desired}}, user=self.component)
            except ApiError as err:
                self.recorder.warning(
                    hpa, "FailedRescale", f"New size: {desired}; reason: {rescale_reason}; error: {err.message}"
                )
                cond(
                    "AbleToScale",
                    "False",
                    "FailedUpdateScale",
                    f"the HPA controller was unable to update the target scale: {err.message}",
                )
                write_status(current, old_status.get("desiredReplicas", 0), metric_statuses, False)
                return
            cond(
                "AbleToScale",
                "True",
                "SucceededRescale",
                f"the HPA controller was able to update the target scale to {desired}",
            )
            self.recorder.normal(hpa, "SuccessfulRescale", f"New size: {desired}; reason: {rescale_reason}")
            store_scale_event(history, spec.get("behavior"), now, current, desired)
        else:
            desired = current
        write_status(current, desired, metric_statuses, rescale)

    def _tolerances(self, hpa: Mapping) -> Tolerances:
        default = float(self.cluster.flags.horizontal_pod_autoscaler_tolerance)
        behavior = (hpa.get("spec") or {}).get("behavior") or {}

        def read(rules: Mapping | None) -> float:
            value = (rules or {}).get("tolerance")
            if value is None:
                return default
            return Quantity.parse(str(value)).milli_value() / 1000

        return Tolerances(read(behavior.get("scaleDown")), read(behavior.get("scaleUp")))

    def _compute_replicas_for_metrics(
        self, hpa: Mapping, target: Mapping, current: int, now: float
    ) -> tuple[int, str, list, str, tuple | None]:
        """Highest proposal over the metrics: ``(replicas, metric name, statuses, error, condition)``.

        ``replicas`` is -1 when no metric could be used (or some failed and the rest would
        scale down); the condition then says why (ScalingActive False).
        """
        ns = (hpa.get("metadata") or {}).get("namespace", "")
        metrics_spec = (hpa.get("spec") or {}).get("metrics") or []
        selector = (target.get("spec") or {}).get("selector")
        if not selector:
            self.recorder.warning(hpa, "SelectorRequired", "selector is required")
            return (
                -1,
                "",
                [],
                "selector is required",
                ("ScalingActive", "False", "InvalidSelector", "the HPA target's scale is missing a selector"),
            )
        pods = self.api.list("Pod", ns, selector=selector)
        statuses: list[dict] = []
        replicas, metric_name = 0, ""
        invalid_count, first_error, first_condition = 0, "", None
        pod_metrics_cache: list[Mapping] | None = None
        flags = self.cluster.flags
        tolerances = self._tolerances(hpa)
        for spec in metrics_spec:
            type_ = spec.get("type", "")
            try:
                if type_ in ("Resource", "ContainerResource"):
                    source = spec.get("resource" if type_ == "Resource" else "containerResource") or {}
                    resource = source.get("name", "")
                    container = source.get("container", "") if type_ == "ContainerResource" else ""
                    target_spec = source.get("target") or {}
                    if pod_metrics_cache is None:
                        pod_metrics_cache = self._pod_metrics(ns)
                    names = [p["metadata"]["name"] for p in pods]
                    metrics = pod_resource_metrics(pod_metrics_cache, resource, names, container)
                    reason = "FailedGetResourceMetric" if type_ == "Resource" else "FailedGetContainerResourceMetric"
                    try:
                        if target_spec.get("averageValue") is not None:
                            target_milli = Quantity.parse(str(target_spec["averageValue"])).milli_value()
                            try:
                                proposal, usage = raw_resource_replicas(
                                    current, target_milli, resource, pods, metrics, now,
                                    tolerances=tolerances,
                                    cpu_initialization_period=flags.horizontal_pod_autoscaler_cpu_initialization_period,
                                    delay_of_initial_readiness_status=flags.horizontal_pod_autoscaler_initial_readiness_delay,
                                )  # fmt: skip
                            except MetricsError as err:
                                raise MetricsError(f"failed to get {resource} usage: {err}") from None
                            current_value: dict[str, Any] = {"averageValue": format_cpu_millis(usage)}
                            name = f"{resource} resource"
                        elif target_spec.get("averageUtilization") is not None:
                            try:
                                proposal, utilization, raw = resource_replicas(
                                    current, int(target_spec["averageUtilization"]), resource, pods, metrics, now,
                                    tolerances=tolerances,
                                    cpu_initialization_period=flags.horizontal_pod_autoscaler_cpu_initialization_period,
                                    delay_of_initial_readiness_status=flags.horizontal_pod_autoscaler_initial_readiness_delay,
                                    container=container,
                                )  # fmt: skip
                            except MetricsError as err:
                                raise MetricsError(f"failed to get {resource} utilization: {err}") from None
                            current_value = {"averageUtilization": utilization, "averageValue": format_cpu_millis(raw)}
                            kind_word = "container resource" if type_ == "ContainerResource" else "resource"
                            name = f"{resource} {kind_word} utilization (percentage of request)"
                        else:
                            raise MetricsError(
                                "invalid resource metric source: neither an average utilization target nor an average "
                                "value (usage) target was set"
                            )
                    except MetricsError as err:
                        self.recorder.warning(hpa, reason, str(err))
                        condition = (
                            "ScalingActive",
                            "False",
                            reason,
                            f"the HPA was unable to compute the replica count: {err}",
                        )
                        raise _MetricFailure(
                            f"failed to get {container or resource} {'container' if container else 'resource'} metric value: {err}",
                            condition,
                        ) from None
                    body = {"name": resource, "current": current_value}
                    if type_ == "ContainerResource":
                        body = {"name": resource, "container": container, "current": current_value}
                        statuses.append({"type": type_, "containerResource": body})
                    else:
                        statuses.append({"type": type_, "resource": body})
                else:
                    self._unsupported_metric(hpa, spec)
            except _MetricFailure as failure:
                statuses.append({"type": ""})
                if invalid_count == 0:
                    first_error, first_condition = str(failure), failure.condition
                invalid_count += 1
                continue
            if replicas == 0 or proposal > replicas:
                replicas, metric_name = proposal, name
        error = ""
        if invalid_count:
            error = (
                f"invalid metrics ({invalid_count} invalid out of {len(metrics_spec)}), first error is: {first_error}"
            )
        if invalid_count >= len(metrics_spec) or (invalid_count > 0 and replicas < current):
            return -1, "", statuses, error, first_condition
        return replicas, metric_name, statuses, error, (
            "ScalingActive", "True", "ValidMetricFound",
            f"the HPA was able to successfully calculate a replica count from {metric_name}",
        )  # fmt: skip

    def _unsupported_metric(self, hpa: Mapping, spec: Mapping) -> None:
        """Pods/Object/External metrics: no custom or external metrics API is registered."""
        type_ = spec.get("type", "")
        if type_ in ("Pods", "Object"):
            metric = ((spec.get("pods" if type_ == "Pods" else "object") or {}).get("metric") or {}).get("name", "")
            err = (
                f"unable to get metric {metric}: unable to fetch metrics from custom metrics API: "
                "no custom metrics API (custom.metrics.k8s.io) registered"
            )
            reason = f"FailedGet{type_}Metric"
            wrapped = f"failed to get {'pods' if type_ == 'Pods' else 'object'} metric value: {err}"
        elif type_ == "External":
            metric = ((spec.get("external") or {}).get("metric") or {}).get("name", "")
            ns = (hpa.get("metadata") or {}).get("namespace", "")
            err = (
                f"unable to get external metric {ns}/{metric}/nil: unable to fetch metrics from external metrics API: "
                "no external metrics API (external.metrics.k8s.io) registered"
            )
            reason = "FailedGetExternalMetric"
            wrapped = f"failed to get {metric} external metric value: {err}"
        else:
            err = f'unknown metric source type "{type_}"'
            reason = "InvalidMetricSourceType"
            wrapped = err
        self.recorder.warning(hpa, reason, err)
        raise _MetricFailure(
            wrapped, ("ScalingActive", "False", reason, f"the HPA was unable to compute the replica count: {err}")
        )


class _MetricFailure(Exception):
    def __init__(self, message: str, condition: tuple) -> None:
        super().__init__(message)
        self.condition = condition
