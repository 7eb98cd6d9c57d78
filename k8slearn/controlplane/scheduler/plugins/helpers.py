"""Pure rules several scheduler plugins share: requests, tolerations, node selectors.

Notes
-----
Mirrors ``k8s.io/component-helpers`` (``resource.PodRequests``,
``scheduling/corev1.TolerationsTolerateTaint``, ``scheduling/corev1/nodeaffinity``) and
``pkg/scheduler/framework/plugins/helper`` (``DefaultNormalizeScore``,
``BuildBrokenLinearFunction``). Integer arithmetic follows Go: division truncates toward
zero (:func:`go_div`), which differs from Python's ``//`` for negative numbers.
Used in: 02_scheduling, 03_bin_packing.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any

from ....api.quantity import cpu_millis, memory_bytes

__all__ = [
    "MAX_NODE_SCORE",
    "DEFAULT_MILLI_CPU_REQUEST",
    "DEFAULT_MEMORY_REQUEST",
    "HOSTNAME_LABEL",
    "ZONE_LABEL",
    "REGION_LABEL",
    "go_div",
    "go_round",
    "is_scalar_resource",
    "quantity_value",
    "pod_requests",
    "pod_priority",
    "tolerates_taint",
    "find_untolerated_taint",
    "match_node_selector_requirement",
    "match_node_selector_term",
    "match_node_selector_terms",
    "required_node_affinity_matches",
    "default_normalize_score",
    "default_normalize_vector",
    "broken_linear_function",
    "normalized_image_name",
    "pod_images",
    "namespaces_for_term",
]

#: framework.MaxNodeScore: every normalized score lies in [0, 100].
MAX_NODE_SCORE = 100
#: util.DefaultMilliCPURequest: what scoring counts for a container without a cpu request.
DEFAULT_MILLI_CPU_REQUEST = 100
#: util.DefaultMemoryRequest: 200 MiB for a container without a memory request.
DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024

HOSTNAME_LABEL = "kubernetes.io/hostname"
ZONE_LABEL = "topology.kubernetes.io/zone"
REGION_LABEL = "topology.kubernetes.io/region"


def go_div(a: int, b: int) -> int:
    """Integer division as Go does it: truncated toward zero.

    Examples
    --------
    >>> go_div(-7, 2), -7 // 2
    (-3, -4)
    """
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def go_round(x: float) -> int:
    """Go's ``math.Round``: halves away from zero (Python's ``round`` goes to even).."""
    t = math.trunc(x)
    if abs(x - t) >= 0.5:
        t += 1 if x > 0 else -1
    return int(t)


def is_scalar_resource(name: str) -> bool:
    """Extended (``example.com/foo``), hugepages and other non-core resources.

    Notes
    -----
    Mirrors ``schedutil.IsScalarResourceName``: everything but cpu, memory, pods and
    ephemeral-storage that the scheduler accounts per node.
    """
    return "/" in name or name.startswith(("hugepages-", "attachable-volumes-"))


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


def pod_priority(pod: Mapping) -> int:
    """``spec.priority`` (set by the Priority admission plugin), 0 when absent."""
    return int((pod.get("spec") or {}).get("priority") or 0)


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


# -- scores ---------------------------------------------------------------------------------


def default_normalize_score(scores: Sequence[int], reverse: bool, max_priority: int = MAX_NODE_SCORE) -> list[int]:
    """Scale raw scores to 0..max by the largest one; ``reverse`` turns "most" into "least".

    Examples
    --------
    >>> default_normalize_score([0, 1, 2], reverse=False)
    [0, 50, 100]
    >>> default_normalize_score([0, 1, 2], reverse=True)
    [100, 50, 0]
    >>> default_normalize_score([0, 0], reverse=True)
    [100, 100]

    Notes
    -----
    Mirrors ``helper.DefaultNormalizeScore``.
    """
    max_count = max([0, *scores])
    if max_count == 0:
        return [max_priority if reverse else s for s in scores]
    out = []
    for s in scores:
        v = go_div(max_priority * s, max_count)
        out.append(max_priority - v if reverse else v)
    return out


def default_normalize_vector(scores: Any, reverse: bool) -> Any:
    """numpy twin of :func:`default_normalize_score` for non-negative int64 scores."""
    import numpy as np

    if len(scores) == 0:
        return scores
    max_count = int(scores.max())
    if max_count <= 0:
        return np.full(len(scores), MAX_NODE_SCORE, dtype=np.int64) if reverse else scores
    v = (MAX_NODE_SCORE * scores) // max_count
    return MAX_NODE_SCORE - v if reverse else v


def broken_linear_function(shape: Sequence[tuple[int, int]], p: int) -> int:
    """Evaluate a piecewise-linear function given by ``(x, y)`` points at ``p``.

    Below the first point it is flat at the first score, above the last at the last.

    Notes
    -----
    Mirrors ``helper.BuildBrokenLinearFunction`` (Go integer division).
    """
    for i, (x, y) in enumerate(shape):
        if p <= x:
            if i == 0:
                return shape[0][1]
            x0, y0 = shape[i - 1]
            return y0 + go_div((y - y0) * (p - x0), x - x0)
    return shape[-1][1]


# -- images ---------------------------------------------------------------------------------


def normalized_image_name(name: str) -> str:
    """``nginx`` -> ``nginx:latest``: an image without a tag means ``:latest``.

    Examples
    --------
    >>> normalized_image_name("nginx"), normalized_image_name("localhost:5000/app")
    ('nginx:latest', 'localhost:5000/app:latest')
    """
    if name.rfind(":") <= name.rfind("/"):
        return name + ":latest"
    return name


def pod_images(pod: Mapping) -> list[str]:
    """Normalized images of init containers then containers (what ImageLocality scores)."""
    spec = pod.get("spec") or {}
    out = []
    for c in (*(spec.get("initContainers") or ()), *(spec.get("containers") or ())):
        if c.get("image"):
            out.append(normalized_image_name(c["image"]))
    return out


# -- pod affinity terms ---------------------------------------------------------------------


def namespaces_for_term(term: Mapping, pod_namespace: str) -> tuple[frozenset[str], Any]:
    """The namespaces a pod affinity term selects: its list, or the pod's own.

    Returns the explicit namespace set and the namespaceSelector (or None). A term with
    neither selects the pod's namespace; an empty ``namespaceSelector`` selects all.
    """
    names = frozenset(term.get("namespaces") or ())
    selector = term.get("namespaceSelector")
    if not names and selector is None:
        names = frozenset((pod_namespace,))
    return names, selector
