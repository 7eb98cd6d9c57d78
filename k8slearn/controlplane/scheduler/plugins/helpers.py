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
from collections.abc import Mapping, Sequence
from typing import Any

from ....api.componenthelpers import (
    DEFAULT_MEMORY_REQUEST,
    DEFAULT_MILLI_CPU_REQUEST,
    find_untolerated_taint,
    match_node_selector_requirement,
    match_node_selector_term,
    match_node_selector_terms,
    pod_requests,
    quantity_value,
    required_node_affinity_matches,
    tolerates_taint,
)

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


def pod_priority(pod: Mapping) -> int:
    """``spec.priority`` (set by the Priority admission plugin), 0 when absent."""
    return int((pod.get("spec") or {}).get("priority") or 0)


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
