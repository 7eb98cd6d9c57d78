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

from ..api.componenthelpers import find_untolerated_taint, pod_requests, quantity_value, required_node_affinity_matches

__all__ = ["pod_requests", "admit", "REJECT_PREFIX"]

REJECT_PREFIX = "Pod was rejected: "
_REASONS = {"cpu": "OutOfcpu", "memory": "OutOfmemory", "ephemeral-storage": "OutOfephemeral-storage",
            "pods": "OutOfpods"}  # fmt: skip


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
        cap = quantity_value(name, allocatable.get(name, "0"))
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
        cap = quantity_value(name, allocatable[name])
        have = used.get(name, 0)
        if want > cap - have:
            return "OutOf" + name, _insufficient(name, want, have, cap)
    if not required_node_affinity_matches(pod, node):
        return "NodeAffinity", "Predicate NodeAffinity failed: node(s) didn't match Pod's node affinity/selector"
    tolerations = (pod.get("spec") or {}).get("tolerations") or []
    if find_untolerated_taint((node.get("spec") or {}).get("taints") or [], tolerations, ("NoExecute",)):
        return "TaintToleration", "Predicate TaintToleration failed: node(s) had untolerated taint(s)"
    return None


def _insufficient(name: str, requested: int, used: int, capacity: int) -> str:
    return f"Node didn't have enough resource: {name}, requested: {requested}, used: {used}, capacity: {capacity}"
