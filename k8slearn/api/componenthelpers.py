"""Pure rules the scheduler, the kubelet and controllers share: requests, tolerations, node selectors.

Notes
-----
Mirrors ``k8s.io/component-helpers`` (``resource.PodRequests``,
``scheduling/corev1.TolerationsTolerateTaint``, ``scheduling/corev1/nodeaffinity``), which upstream
kube-scheduler, the kubelet's admission check and the DaemonSet and taint-eviction controllers all
import, so every component agrees on whether a pod fits, tolerates a taint or matches a node.
Used in: 02_scheduling, 04_kubelet_and_runtime, 05_self_healing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any

from .quantity import cpu_millis, memory_bytes

__all__ = [
    "DEFAULT_MILLI_CPU_REQUEST",
    "DEFAULT_MEMORY_REQUEST",
    "quantity_value",
    "pod_requests",
    "tolerates_taint",
    "find_untolerated_taint",
    "match_node_selector_requirement",
    "match_node_selector_term",
    "match_node_selector_terms",
    "required_node_affinity_matches",
]

#: util.DefaultMilliCPURequest: what scoring counts for a container without a cpu request.
DEFAULT_MILLI_CPU_REQUEST = 100
#: util.DefaultMemoryRequest: 200 MiB for a container without a memory request.
DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024


@lru_cache(maxsize=65536)
def quantity_value(name: str, raw: Any) -> int:
    """A resource quantity as the scheduler counts it: millicores for cpu, else ``Value()``."""
    if name == "cpu":
        return cpu_millis(raw)
    return memory_bytes(raw)


def _container_requests(container: Mapping, non_zero: bool) -> dict[str, int]:
    requests = (container.get("resources") or {}).get("requests") or {}
    out = {name: quantity_value(name, str(raw)) for name, raw in requests.items()}
    if non_zero:
        # NonMissingContainerRequests: a missing request counts as the default;
        # a request explicitly set to 0 stays 0.
        out.setdefault("cpu", DEFAULT_MILLI_CPU_REQUEST)
        out.setdefault("memory", DEFAULT_MEMORY_REQUEST)
    return out


def _add(total: dict[str, int], more: Mapping[str, int]) -> None:
    for k, v in more.items():
        total[k] = total.get(k, 0) + v


def _max(total: dict[str, int], other: Mapping[str, int]) -> None:
    for k, v in other.items():
        if v > total.get(k, 0):
            total[k] = v


def pod_requests(pod: Mapping, non_zero: bool = False) -> dict[str, int]:
    """The pod's effective requests: ``{"cpu": millicores, "memory": bytes, ...}``.

    Containers add up; init containers run one at a time, so the pod needs the larger of
    the sum and each init container (plus the sidecars started before it); the pod
    overhead is added; pod-level ``spec.resources.requests`` win when set.

    Parameters
    ----------
    non_zero
        Count a container without a cpu (memory) request as 100m (200Mi), as the
        scoring plugins do so that request-less pods do not all pile onto one node.

    Examples
    --------
    >>> pod = {"spec": {"containers": [{"resources": {"requests": {"cpu": "250m"}}}, {}]}}
    >>> pod_requests(pod)
    {'cpu': 250}
    >>> pod_requests(pod, non_zero=True)["cpu"], pod_requests(pod, non_zero=True)["memory"]
    (350, 419430400)

    Notes
    -----
    Mirrors ``resourcehelper.PodRequests`` (with ``NonMissingContainerRequests`` for the
    non-zero variant, as ``PodInfo.CalculateResource`` and the scorers use it).
    """
    spec = pod.get("spec") or {}
    reqs: dict[str, int] = {}
    for c in spec.get("containers") or ():
        _add(reqs, _container_requests(c, non_zero))
    restartable: dict[str, int] = {}
    init_max: dict[str, int] = {}
    for c in spec.get("initContainers") or ():
        creqs = _container_requests(c, non_zero)
        if c.get("restartPolicy") == "Always":
            _add(reqs, creqs)
            _add(restartable, creqs)
            creqs = dict(restartable)
        else:
            creqs = dict(creqs)
            _add(creqs, restartable)
        _max(init_max, creqs)
    _max(reqs, init_max)
    pod_level = (spec.get("resources") or {}).get("requests") or {}
    for name in ("cpu", "memory"):
        if name in pod_level:
            reqs[name] = quantity_value(name, str(pod_level[name]))
    for name, raw in (spec.get("overhead") or {}).items():
        reqs[name] = reqs.get(name, 0) + quantity_value(name, str(raw))
    return reqs


# -- taints and tolerations ------------------------------------------------------------------


def tolerates_taint(toleration: Mapping, taint: Mapping) -> bool:
    """Whether one toleration tolerates one taint.

    An empty effect matches every effect; an empty key with ``Exists`` matches every
    key; ``Equal`` (or no operator) compares values; ``Exists`` ignores the value.

    Examples
    --------
    >>> tolerates_taint({"operator": "Exists"}, {"key": "gpu", "effect": "NoSchedule"})
    True
    >>> tolerates_taint({"key": "gpu", "value": "a"}, {"key": "gpu", "value": "b", "effect": "NoSchedule"})
    False

    Notes
    -----
    Mirrors ``v1.Toleration.ToleratesTaint``.
    """
    effect = toleration.get("effect") or ""
    if effect and effect != taint.get("effect"):
        return False
    key = toleration.get("key") or ""
    if key and key != taint.get("key"):
        return False
    op = toleration.get("operator") or ""
    if op in ("", "Equal"):
        return (toleration.get("value") or "") == (taint.get("value") or "")
    return op == "Exists"


def find_untolerated_taint(
    taints: Iterable[Mapping], tolerations: Sequence[Mapping], effects: tuple[str, ...]
) -> Mapping | None:
    """The first taint with one of ``effects`` that no toleration tolerates, else None.

    Notes
    -----
    Mirrors ``corev1helpers.FindMatchingUntoleratedTaint``.
    """
    for taint in taints:
        if taint.get("effect") not in effects:
            continue
        if not any(tolerates_taint(t, taint) for t in tolerations):
            return taint
    return None


# -- node selectors ---------------------------------------------------------------------------


def _int64(text: str) -> int | None:
    text = text.strip() if isinstance(text, str) else text
    try:
        value = int(str(text), 10)
    except (TypeError, ValueError):
        return None
    return value if -(2**63) <= value < 2**63 else None


def match_node_selector_requirement(req: Mapping, labels: Mapping[str, str]) -> bool:
    """One ``matchExpressions`` item against node labels (In, NotIn, Exists, DoesNotExist, Gt, Lt).

    ``NotIn`` and ``DoesNotExist`` match a node without the label; ``Gt``/``Lt``
    compare integers and never match a missing or non-integer label.

    Examples
    --------
    >>> match_node_selector_requirement({"key": "gpu", "operator": "Gt", "values": ["1"]}, {"gpu": "2"})
    True
    >>> match_node_selector_requirement({"key": "zone", "operator": "NotIn", "values": ["a"]}, {})
    True
    """
    key = req.get("key") or ""
    op = req.get("operator")
    values = req.get("values") or ()
    if op == "In":
        return key in labels and labels[key] in values
    if op == "NotIn":
        return key not in labels or labels[key] not in values
    if op == "Exists":
        return key in labels
    if op == "DoesNotExist":
        return key not in labels
    if op in ("Gt", "Lt"):
        if key not in labels or len(values) != 1:
            return False
        have, want = _int64(labels[key]), _int64(values[0])
        if have is None or want is None:
            return False
        return have > want if op == "Gt" else have < want
    return False


def _match_field(req: Mapping, node_name: str) -> bool:
    if req.get("key") != "metadata.name":
        return False
    values = req.get("values") or ()
    op = req.get("operator")
    if op == "In":
        return node_name in values
    if op == "NotIn":
        return node_name not in values
    return False


def match_node_selector_term(term: Mapping, labels: Mapping[str, str], node_name: str) -> bool:
    """A node selector term: every expression and every field requirement must match.

    A term without expressions and fields matches nothing.
    """
    exprs = term.get("matchExpressions") or ()
    fields = term.get("matchFields") or ()
    if not exprs and not fields:
        return False
    for req in exprs:
        if not match_node_selector_requirement(req, labels):
            return False
    return all(_match_field(req, node_name) for req in fields)


def match_node_selector_terms(terms: Sequence[Mapping], labels: Mapping[str, str], node_name: str) -> bool:
    """``nodeSelectorTerms`` are ORed: one matching term is enough (none matches nothing)."""
    return any(match_node_selector_term(t, labels, node_name) for t in terms)


def required_node_affinity_matches(pod: Mapping, node: Mapping) -> bool:
    """``spec.nodeSelector`` AND ``requiredDuringSchedulingIgnoredDuringExecution``.

    Notes
    -----
    Mirrors ``nodeaffinity.GetRequiredNodeAffinity(pod).Match(node)``.
    """
    spec = pod.get("spec") or {}
    meta = node.get("metadata") or {}
    labels = meta.get("labels") or {}
    for k, v in (spec.get("nodeSelector") or {}).items():
        if labels.get(k) != v:
            return False
    na = (spec.get("affinity") or {}).get("nodeAffinity") or {}
    required = na.get("requiredDuringSchedulingIgnoredDuringExecution")
    if required is None:
        return True
    return match_node_selector_terms(required.get("nodeSelectorTerms") or (), labels, meta.get("name", ""))
