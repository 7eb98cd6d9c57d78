"""DefaultPreemption (PostFilter): make room for a pod by evicting lower-priority pods.

When no node fits, preemption looks at the nodes that failed with ``Unschedulable``
(a node that failed ``UnschedulableAndUnresolvable``, e.g. an untolerated taint, cannot
be fixed by evicting pods). On each, it removes every pod of lower priority, checks the
pod would fit, then puts back ("reprieves") as many as it can, most important first;
the rest are the victims. Among the candidate nodes it picks, in order: fewest PDB
violations, the lowest highest-victim priority, the smallest sum of victim priorities,
the fewest victims, the latest start time of the most important victims. Victims get a
``DisruptionTarget`` condition, are deleted (gracefully) and get a ``Preempted`` event;
the pod gets ``status.nominatedNodeName`` and waits for the space.

Notes
-----
Mirrors ``pkg/scheduler/framework/plugins/defaultpreemption/default_preemption.go`` and
``pkg/scheduler/framework/preemption`` (``Evaluator.Preempt``, ``DryRunPreemption``,
``pickOneNodeForPreemption``, ``prepareCandidate``). Preemption runs synchronously in
the scheduling cycle here (upstream 1.33+ runs the API calls asynchronously).
PodDisruptionBudgets are not simulated, so no victim violates one.
Used in: 02_scheduling.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..framework import (
    Code,
    CycleState,
    Diagnosis,
    Plugin,
    PostFilterResult,
    Status,
    fit_error_message,
    is_success,
)
from .helpers import pod_priority

__all__ = [
    "DefaultPreemption",
    "NAME",
    "NO_VICTIMS",
    "NOT_HELPFUL",
    "Candidate",
    "calculate_num_candidates",
    "more_important_pod",
    "pick_one_node_for_preemption",
]

NAME = "DefaultPreemption"
NO_VICTIMS = "No preemption victims found for incoming pod"
NOT_HELPFUL = "Preemption is not helpful for scheduling"
NOT_ELIGIBLE_NEVER = "not eligible due to preemptionPolicy=Never."
NOT_ELIGIBLE_TERMINATING = "not eligible due to a terminating pod on the nominated node."
_MAX_INT32 = 2**31 - 1


@dataclass
class Candidate:
    """A node where the pod would fit after evicting ``victims`` (most important first)."""

    node: str
    victims: list[Any]
    num_pdb_violations: int = 0


def calculate_num_candidates(num_nodes: int, min_percentage: int = 10, min_absolute: int = 100) -> int:
    """How many candidate nodes the dry run looks for: 10% of nodes, at least 100, at most all.

    Examples
    --------
    >>> calculate_num_candidates(50), calculate_num_candidates(5000)
    (50, 500)
    """
    n = num_nodes * min_percentage // 100
    n = max(n, min_absolute)
    return min(n, num_nodes)


def _start_time(pi: Any) -> str:
    # RFC3339 timestamps sort as strings; a pod that has not started counts as "now"
    return pi.start_time or "9999-12-31T23:59:59Z"


def more_important_pod(a: Any, b: Any) -> bool:
    """Higher priority first; on equal priority, the pod that started earlier."""
    if a.priority != b.priority:
        return a.priority > b.priority
    return _start_time(a) < _start_time(b)


def _sort_by_importance(pods: list[Any]) -> list[Any]:
    import functools

    def cmp(a: Any, b: Any) -> int:
        if more_important_pod(a, b):
            return -1
        if more_important_pod(b, a):
            return 1
        return 0

    return sorted(pods, key=functools.cmp_to_key(cmp))


def _earliest_start_of_most_important(victims: Sequence[Any]) -> str:
    earliest = _start_time(victims[0])
    top = victims[0].priority
    for v in victims:
        if v.priority == top:
            earliest = min(earliest, _start_time(v))
        elif v.priority > top:
            top = v.priority
            earliest = _start_time(v)
    return earliest


def pick_one_node_for_preemption(candidates: Sequence[Candidate]) -> Candidate | None:
    """The best candidate by upstream's five tie-breaking rules (then the first one)."""
    if not candidates:
        return None
    rules = (
        lambda c: -c.num_pdb_violations,
        lambda c: -c.victims[0].priority,
        lambda c: -sum(v.priority + _MAX_INT32 + 1 for v in c.victims),
        lambda c: -len(c.victims),
    )
    pool = list(candidates)
    for rule in rules:
        best = max(rule(c) for c in pool)
        pool = [c for c in pool if rule(c) == best]
        if len(pool) == 1:
            return pool[0]
    latest = max(_earliest_start_of_most_important(c.victims) for c in pool)
    pool = [c for c in pool if _earliest_start_of_most_important(c.victims) == latest]
    return pool[0]


class DefaultPreemption(Plugin):
    """PostFilter plugin: preemption of lower-priority pods."""

    name = NAME

    def __init__(self, args: Any = None, handle: Any = None) -> None:
        super().__init__(args, handle)
        self.min_percentage = int(getattr(args, "min_candidate_nodes_percentage", 10))
        self.min_absolute = int(getattr(args, "min_candidate_nodes_absolute", 100))

    # -- eligibility -----------------------------------------------------------------------------
    def eligible(self, pod: Mapping, nominated_status: Status) -> tuple[bool, str]:
        spec = pod.get("spec") or {}
        if spec.get("preemptionPolicy") == "Never":
            return False, NOT_ELIGIBLE_NEVER
        nominated = (pod.get("status") or {}).get("nominatedNodeName")
        if nominated:
            if nominated_status.code == Code.UNSCHEDULABLE_AND_UNRESOLVABLE:
                return True, ""
            ni = self.handle.snapshot.get(nominated)
            if ni is not None:
                prio = pod_priority(pod)
                for other in ni.pods.values():
                    if other.priority < prio and _terminating_by_preemption(other.pod):
                        return False, NOT_ELIGIBLE_TERMINATING
        return True, ""

    # -- victims on one node -------------------------------------------------------------------
    def select_victims_on_node(
        self, state: CycleState, pod: Mapping, node_info: Any
    ) -> tuple[list[Any], Status | None]:
        """The fewest, least important pods to evict from ``node_info`` so the pod fits."""
        fw = self.handle
        prio = pod_priority(pod)
        potential = [pi for pi in node_info.pods.values() if pi.priority < prio]
        for pi in potential:
            node_info.remove_pod_info(pi)
            fw.run_pre_filter_extension_remove_pod(state, pod, pi, node_info)
        if not potential:
            return [], Status.unresolvable(NO_VICTIMS)
        status = fw.run_filter_with_nominated_pods(state, pod, node_info)
        if not is_success(status):
            return [], status
        victims: list[Any] = []
        for pi in _sort_by_importance(potential):
            node_info.add_pod_info(pi)
            fw.run_pre_filter_extension_add_pod(state, pod, pi, node_info)
            if not is_success(fw.run_filter_with_nominated_pods(state, pod, node_info)):
                node_info.remove_pod_info(pi)
                fw.run_pre_filter_extension_remove_pod(state, pod, pi, node_info)
                victims.append(pi)
        return victims, None

    # -- PostFilter ----------------------------------------------------------------------------
    def post_filter(
        self, state: CycleState, pod: Mapping, diagnosis: Diagnosis
    ) -> tuple[PostFilterResult | None, Status]:
        result, status = self.preempt(state, pod, diagnosis)
        if status.reasons:
            return result, Status(status.code, ("preemption: " + status.message,))
        return result, status

    def preempt(self, state: CycleState, pod: Mapping, diagnosis: Diagnosis) -> tuple[PostFilterResult | None, Status]:
        meta = pod.get("metadata") or {}
        api = self.handle.api
        latest = api.get_or_none("Pod", meta.get("name", ""), meta.get("namespace")) if api is not None else None
        pod = latest or pod
        nominated = (pod.get("status") or {}).get("nominatedNodeName") or ""
        ok, msg = self.eligible(pod, diagnosis.status_of(nominated))
        if not ok:
            return None, Status.unschedulable(msg)
        cache = self.handle.snapshot
        all_nodes = cache.node_list()
        potential = [ni for ni in all_nodes if diagnosis.status_of(ni.name).code == Code.UNSCHEDULABLE]
        statuses: dict[str, Status] = {}
        candidates: list[Candidate] = []
        if potential:
            offset = self.handle.rng.randrange(len(potential))
            wanted = calculate_num_candidates(len(potential), self.min_percentage, self.min_absolute)
            for i in range(len(potential)):
                ni = potential[(offset + i) % len(potential)]
                victims, status = self.select_victims_on_node(state.clone(), pod, ni.clone())
                if status is None and victims:
                    candidates.append(Candidate(ni.name, victims))
                    if len(candidates) >= wanted:
                        break
                    continue
                if status is None:
                    status = Status.error(f'expected at least one victim pod on node "{ni.name}"')
                statuses[ni.name] = status
        elif nominated:
            self.handle.set_nominated_node(pod, "")
        if not candidates:
            d = Diagnosis(statuses, absent_status=Status.unresolvable(NOT_HELPFUL))
            return PostFilterResult(""), Status.unschedulable(fit_error_message(len(all_nodes), d))
        best = pick_one_node_for_preemption(candidates)
        assert best is not None
        self.prepare_candidate(best, pod)
        self.last_candidates = candidates
        return PostFilterResult(best.node), Status()

    def prepare_candidate(self, candidate: Candidate, pod: Mapping) -> None:
        """Evict the victims and clear lower-priority nominations on the node."""
        handle = self.handle
        uid = (pod.get("metadata") or {}).get("uid", "")
        scheduler_name = (pod.get("spec") or {}).get("schedulerName") or "default-scheduler"
        for victim in candidate.victims:
            if (victim.pod.get("metadata") or {}).get("deletionTimestamp"):
                continue
            handle.preempt_victim(victim, scheduler_name, f"Preempted by pod {uid} on node {candidate.node}")
        prio = pod_priority(pod)
        for pi in list(handle.nominated_pods_for_node(candidate.node)):
            if pi.priority < prio:
                handle.set_nominated_node(pi.pod, "")


def _terminating_by_preemption(pod: Mapping) -> bool:
    if not (pod.get("metadata") or {}).get("deletionTimestamp"):
        return False
    for cond in (pod.get("status") or {}).get("conditions") or ():
        if cond.get("type") == "DisruptionTarget":
            return cond.get("status") == "True" and cond.get("reason") == "PreemptionByScheduler"
    return False
