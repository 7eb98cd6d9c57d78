"""The kubelet's own admission check: does a pod bound to this node really fit?

Notes
-----
Mirrors ``pkg/kubelet/lifecycle/predicate.go`` (``predicateAdmitHandler.Admit`` and
``generalFilter``): the scheduler's resource fit (pods, cpu, memory, ephemeral-storage,
extended resources, against allocatable minus the requests of the pods already admitted
here), the node affinity / ``nodeSelector`` recheck and the untolerated ``NoExecute``
taints. The first failure rejects the pod: phase ``Failed``, reason ``OutOfcpu`` /
``OutOfmemory`` / ``OutOfpods`` / ``OutOf<resource>`` or the predicate name
(``NodeAffinity``, ``TaintToleration``), message ``Pod was rejected: Node didn't have
enough resource: cpu, requested: 3000, used: 2000, capacity: 4000`` (millicores for CPU,
bytes for memory), and a Warning event with the same reason. Pods that bypass the
scheduler (``spec.nodeName`` set by hand) meet this check only.

Used in: 02_scheduling (why ``nodeName`` is not a shortcut), 04_kubelet_and_runtime.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..api.quantity import cpu_millis, memory_bytes

__all__ = ["pod_requests", "admit", "node_affinity_matches", "REJECT_PREFIX"]

REJECT_PREFIX = "Pod was rejected: "
_REASONS = {"cpu": "OutOfcpu", "memory": "OutOfmemory", "ephemeral-storage": "OutOfephemeral-storage",
            "pods": "OutOfpods"}  # fmt: skip


def _value(name: str, q: Any) -> int:
    if name == "cpu":
        return cpu_millis(q)
    return memory_bytes(q)


def pod_requests(pod: Mapping) -> dict[str, int]:
    """Effective requests (millicores for cpu, integers otherwise): max(sum of containers, largest init) + overhead."""
    spec = pod.get("spec") or {}
    total: dict[str, int] = {}
    for c in spec.get("containers") or []:
        for name, q in ((c.get("resources") or {}).get("requests") or {}).items():
            total[name] = total.get(name, 0) + _value(name, q)
    sidecars: dict[str, int] = {}
    init_max: dict[str, int] = {}
    for c in spec.get("initContainers") or []:
        req = {n: _value(n, q) for n, q in ((c.get("resources") or {}).get("requests") or {}).items()}
        if c.get("restartPolicy") == "Always":
            for n, v in req.items():
                sidecars[n] = sidecars.get(n, 0) + v
            continue
        for n, v in req.items():
            init_max[n] = max(init_max.get(n, 0), v + sidecars.get(n, 0))
    for n, v in sidecars.items():
        total[n] = total.get(n, 0) + v
    for n, v in init_max.items():
        total[n] = max(total.get(n, 0), v)
    for n, q in (spec.get("overhead") or {}).items():
        total[n] = total.get(n, 0) + _value(n, q)
    return total


def _match_expression(expr: Mapping, value: str | None) -> bool:
    op = expr.get("operator")
    values = expr.get("values") or []
    if op == "In":
        return value is not None and value in values
    if op == "NotIn":
        return value is None or value not in values
    if op == "Exists":
        return value is not None
    if op == "DoesNotExist":
        return value is None
    if op in ("Gt", "Lt") and value is not None and values:
        try:
            a, b = int(value), int(values[0])
        except ValueError:
            return False
        return a > b if op == "Gt" else a < b
    return False


def node_affinity_matches(pod: Mapping, node_name: str, labels: Mapping[str, str]) -> bool:
    """``nodeSelector`` and required node affinity (terms ORed, expressions ANDed) against a node."""
    spec = pod.get("spec") or {}
    for k, v in (spec.get("nodeSelector") or {}).items():
        if labels.get(k) != v:
            return False
    required = (((spec.get("affinity") or {}).get("nodeAffinity") or {})
                .get("requiredDuringSchedulingIgnoredDuringExecution") or {})  # fmt: skip
    terms = required.get("nodeSelectorTerms")
    if not terms:
        return True
    for term in terms:
        exprs = term.get("matchExpressions") or []
        fields = term.get("matchFields") or []
        if not exprs and not fields:
            continue
        if all(_match_expression(e, labels.get(e.get("key", ""))) for e in exprs) and all(
            _match_expression(f, node_name if f.get("key") == "metadata.name" else None) for f in fields
        ):
            return True
    return False


def _tolerates(tolerations: list, taint: Mapping) -> bool:
    for t in tolerations or []:
        if t.get("effect") and t.get("effect") != taint.get("effect"):
            continue
        op = t.get("operator", "Equal")
        if not t.get("key") and op == "Exists":
            return True
        if t.get("key") != taint.get("key"):
            continue
        if op == "Exists" or t.get("value", "") == taint.get("value", ""):
            return True
    return False


def admit(pod: Mapping, node: Mapping, used: Mapping[str, int], pod_count: int) -> tuple[str, str] | None:
    """None if the pod fits, else ``(reason, message)`` (message without the rejection prefix)."""
    allocatable = (node.get("status") or {}).get("allocatable") or {}
    requests = pod_requests(pod)
    max_pods = int(allocatable.get("pods", "110"))
    if pod_count + 1 > max_pods:
        return "OutOfpods", _insufficient("pods", 1, pod_count, max_pods)
    for name in ("cpu", "memory", "ephemeral-storage"):
        want = requests.get(name, 0)
        if not want:
            continue
        cap = _value(name, allocatable.get(name, "0"))
        have = used.get(name, 0)
        if want > cap - have:
            return _REASONS[name], _insufficient(name, want, have, cap)
    for name in sorted(requests):
        if name in ("cpu", "memory", "ephemeral-storage", "pods") or name.startswith("hugepages-"):
            continue
        if "/" not in name and not name.startswith("requests."):
            continue
        if name not in allocatable:
            continue  # extended resources unknown to the node are not the kubelet's to check
        want = requests[name]
        cap = _value(name, allocatable[name])
        have = used.get(name, 0)
        if want > cap - have:
            return "OutOf" + name, _insufficient(name, want, have, cap)
    m = node.get("metadata") or {}
    if not node_affinity_matches(pod, m.get("name", ""), m.get("labels") or {}):
        return "NodeAffinity", "Predicate NodeAffinity failed: node(s) didn't match Pod's node affinity/selector"
    tolerations = (pod.get("spec") or {}).get("tolerations") or []
    for taint in (node.get("spec") or {}).get("taints") or []:
        if taint.get("effect") == "NoExecute" and not _tolerates(tolerations, taint):
            return "TaintToleration", "Predicate TaintToleration failed: node(s) had untolerated taint(s)"
    return None


def _insufficient(name: str, requested: int, used: int, capacity: int) -> str:
    return f"Node didn't have enough resource: {name}, requested: {requested}, used: {used}, capacity: {capacity}"
