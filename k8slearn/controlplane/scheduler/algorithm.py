"""Finding a node for one pod: PreFilter, Filter (on a sample of nodes), Score, pick one.

``percentageOfNodesToScore``: in a big cluster the scheduler stops filtering once it has
found enough feasible nodes (all nodes below 100; otherwise ``50 - N/125`` percent, at
least 5 %, at least 100 nodes) and scores only those. The search starts where the
previous one stopped (a round-robin start index). When exactly one node fits it wins
without scoring; ties on the best total are broken at random (the cluster's seeded
generator, among the tied nodes in name order).

Notes
-----
Mirrors ``pkg/scheduler/schedule_one.go`` (``schedulePod``, ``findNodesThatFitPod``,
``findNodesThatPassFilters``, ``numFeasibleNodesToFind``, ``prioritizeNodes``). Nodes
are checked one after another here (upstream checks them in parallel, so which extra
nodes it looked at varies). The filter loop uses the plugins' numpy fast paths when they
have one; the answers are the same as the per-node rules.
Used in: 02_scheduling, 03_bin_packing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .cache import NodeList
from .framework import (
    ERR_NO_NODES_AVAILABLE,
    Code,
    CycleState,
    Diagnosis,
    Framework,
    ScoreResult,
    Status,
    fit_error_message,
)
from .plugins.helpers import pod_priority

__all__ = [
    "MIN_FEASIBLE_NODES_TO_FIND",
    "MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND",
    "num_feasible_nodes_to_find",
    "ScheduleResult",
    "FitError",
    "NoNodesAvailable",
    "SchedulingError",
    "CycleRecord",
    "find_nodes_that_fit",
    "prioritize_nodes",
    "select_host",
    "schedule_pod",
]

MIN_FEASIBLE_NODES_TO_FIND = 100
MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5
_NONE = 1 << 30
#: CycleState key: table slots of the feasible nodes, in order (saves a lookup per node)
_FEASIBLE_SLOTS = "k8slearn/FeasibleSlots"


def num_feasible_nodes_to_find(percentage: int | None, num_all_nodes: int) -> int:
    """How many feasible nodes to find before scoring.

    Examples
    --------
    >>> [num_feasible_nodes_to_find(0, n) for n in (50, 100, 500, 1000, 5000, 10000)]
    [50, 100, 230, 420, 500, 500]
    """
    if num_all_nodes < MIN_FEASIBLE_NODES_TO_FIND:
        return num_all_nodes
    pct = percentage or 0
    if pct == 0:
        pct = 50 - num_all_nodes // 125
        if pct < MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND:
            pct = MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND
    num = num_all_nodes * pct // 100
    return max(num, MIN_FEASIBLE_NODES_TO_FIND)


@dataclass
class ScheduleResult:
    suggested_host: str
    evaluated_nodes: int
    feasible_nodes: int


class FitError(Exception):
    """No node fits: the FailedScheduling message is ``str(err)``."""

    def __init__(self, pod: Mapping, num_all_nodes: int, diagnosis: Diagnosis) -> None:
        super().__init__()
        self.pod = pod
        self.num_all_nodes = num_all_nodes
        self.diagnosis = diagnosis

    def __str__(self) -> str:
        return fit_error_message(self.num_all_nodes, self.diagnosis)


class NoNodesAvailable(Exception):
    def __str__(self) -> str:
        return ERR_NO_NODES_AVAILABLE


class SchedulingError(Exception):
    """A plugin returned Error: the pod is retried after its back-off."""


@dataclass
class CycleRecord:
    """What one scheduling attempt saw, kept for ``Scheduler.last_result``."""

    namespace: str
    name: str
    time: float
    prefilter: dict[str, Any] = field(default_factory=dict)
    filter_plugins: list[str] = field(default_factory=list)
    feasible: list[str] = field(default_factory=list)
    node_to_status: dict[str, Status] = field(default_factory=dict)
    postfilter: tuple[list[str], str, list[str]] | None = None
    prescore: dict[str, Status | None] = field(default_factory=dict)
    scores: ScoreResult | None = None
    selected: str = ""
    reserve: dict[str, str] = field(default_factory=dict)
    permit: dict[str, str] = field(default_factory=dict)
    prebind: dict[str, str] = field(default_factory=dict)
    bind: dict[str, str] = field(default_factory=dict)
    message: str = ""


def _nominated_nodes(sched: Any, pod: Mapping) -> set[str]:
    """Nodes with pods nominated there of at least the pod's priority (other than itself)."""
    nominator = getattr(sched, "nominator", None)
    if not nominator:
        return set()
    prio = pod_priority(pod)
    uid = (pod.get("metadata") or {}).get("uid")
    out = set()
    for node in nominator.nodes():
        if any(pi.priority >= prio and pi.uid != uid for pi in nominator.pods_for_node(node)):
            out.add(node)
    return out


def _pass_filters(
    sched: Any,
    fw: Framework,
    state: CycleState,
    pod: Mapping,
    diagnosis: Diagnosis,
    nodes: Sequence[Any],
    slots: np.ndarray,
    start: int,
    num_to_find: int,
    record: CycleRecord | None,
) -> Sequence[Any]:
    n = len(nodes)
    active = fw.active_filter_plugins(state)
    if record is not None:
        record.filter_plugins = [pl.name for pl in active]
    rot_slots = np.concatenate((slots[start:], slots[:start])) if start else slots
    if not active:
        state.write(_FEASIBLE_SLOTS, rot_slots[:num_to_find])
        return [nodes[(start + i) % n] for i in range(min(num_to_find, n))]
    vector = [pl for pl in active if hasattr(pl, "filter_vector")]
    special = _nominated_nodes(sched, pod)
    if len(vector) == len(active) and not special:
        return _pass_filters_vector(sched, state, pod, diagnosis, active, rot_slots, num_to_find)
    rot_nodes = list(nodes[start:]) + list(nodes[:start])
    return _pass_filters_mixed(fw, state, pod, diagnosis, active, special, rot_nodes, rot_slots, num_to_find)


def _named(pl: Any, vf: Any) -> list:
    if vf.codes is None:
        return [vf.status.with_plugin(pl.name) if vf.status is not None else None]
    return [st.with_plugin(pl.name) for st in vf.statuses]


def _pass_filters_vector(
    sched: Any,
    state: CycleState,
    pod: Mapping,
    diagnosis: Diagnosis,
    active: list,
    rot_slots: np.ndarray,
    num_to_find: int,
) -> Sequence[Any]:
    """Every filter has a numpy path: check the nodes chunk by chunk, in search order.

    The chunks only save work; the nodes examined are exactly those a node-by-node
    search examines (up to the one that completes ``num_to_find`` feasible nodes).
    """
    table = sched.cache.table
    n = len(rot_slots)
    statuses = diagnosis.node_to_status
    found: list[np.ndarray] = []
    count = 0
    begin = 0
    chunk = min(n, num_to_find + num_to_find // 4 + 32)
    while begin < n and count < num_to_find:
        end = min(n, begin + chunk)
        part = rot_slots[begin:end]
        results = [(pl, pl.filter_vector(state, pod, part)) for pl in active]
        fail = None
        for _, vf in results:
            if vf.fail is not None:
                fail = vf.fail if fail is None else fail | vf.fail
        need = num_to_find - count
        if fail is None:
            take = part[:need]
            cut = len(take)
        else:
            ok = np.flatnonzero(~fail)
            if len(ok) >= need:
                cut = int(ok[need - 1]) + 1
                ok = ok[:need]
            else:
                cut = end - begin
            take = part[ok]
            failing = np.flatnonzero(fail[:cut]).tolist()
            if failing:
                named = [(_named(pl, vf), vf) for pl, vf in results if vf.fail is not None]
                names = table.names
                fail_slots = part[failing].tolist()
                for i, slot in zip(failing, fail_slots):
                    for labels, vf in named:
                        if vf.fail[i]:
                            st = labels[0] if vf.codes is None else labels[int(vf.codes[i])]
                            break
                    statuses[names[slot]] = st
                    diagnosis.add_plugin_status(st)
        found.append(take)
        count += len(take)
        begin = end
        chunk *= 2
    feasible_slots = found[0] if len(found) == 1 else np.concatenate(found) if found else rot_slots[:0]
    state.write(_FEASIBLE_SLOTS, feasible_slots)
    return NodeList(table, feasible_slots)


def _pass_filters_mixed(
    fw: Framework,
    state: CycleState,
    pod: Mapping,
    diagnosis: Diagnosis,
    active: list,
    special: set[str],
    rot_nodes: list,
    rot_slots: np.ndarray,
    num_to_find: int,
) -> list[Any]:
    """Some filters have no numpy path (or nominated pods matter): node by node."""
    vector_results = {}
    for i, pl in enumerate(active):
        if hasattr(pl, "filter_vector"):
            vf = pl.filter_vector(state, pod, rot_slots)
            if vf is not None:
                vector_results[i] = (_named(pl, vf), vf)
    statuses = diagnosis.node_to_status
    feasible = []
    for p, ni in enumerate(rot_nodes):
        st = None
        if ni.name in special:
            st = fw.run_filter_with_nominated_pods(state, pod, ni)
        else:
            for i, pl in enumerate(active):
                hit = vector_results.get(i)
                if hit is not None:
                    names, vf = hit
                    if vf.rejects(p):
                        st = names[0] if vf.codes is None else names[int(vf.codes[p])]
                        break
                    continue
                s = pl.filter(state, pod, ni)
                if s is not None and s.code != Code.SUCCESS:
                    if not s.is_rejected:
                        s = Status.error(f'running "{pl.name}" filter plugin: {s.message}')
                    st = s.with_plugin(pl.name)
                    break
        if st is None or st.code == Code.SUCCESS:
            feasible.append(ni)
            if len(feasible) >= num_to_find:
                break
            continue
        if st.code == Code.ERROR:
            raise SchedulingError(st.message)
        statuses[ni.name] = st
        diagnosis.add_plugin_status(st)
    return feasible


def find_nodes_that_fit(
    sched: Any,
    fw: Framework,
    state: CycleState,
    pod: Mapping,
    record: CycleRecord | None = None,
    *,
    explain: bool = False,
) -> tuple[list[Any], Diagnosis]:
    """PreFilter, the nominated node first, then Filter over the nodes from the start index.

    With ``explain`` every node is examined from the first one and the round-robin
    index is left alone.
    """
    cache = sched.cache
    diagnosis = Diagnosis()
    all_nodes = cache.node_list()
    result, status, with_nodes, pf_record = fw.run_pre_filter(state, pod, all_nodes)
    if record is not None:
        record.prefilter = pf_record
    diagnosis.unschedulable_plugins = set(with_nodes)
    if status is not None and not status.is_success:
        if not status.is_rejected:
            raise SchedulingError(status.message)
        diagnosis.absent_status = status
        diagnosis.pre_filter_msg = status.message
        diagnosis.add_plugin_status(status)
        return [], diagnosis
    if not explain:
        nominated = (pod.get("status") or {}).get("nominatedNodeName")
        ni = cache.get(nominated) if nominated else None
        if ni is not None:
            st = fw.run_filter_with_nominated_pods(state, pod, ni)
            if st is None or st.is_success:
                if record is not None:
                    record.filter_plugins = [pl.name for pl in fw.active_filter_plugins(state)]
                return [ni], diagnosis
            if st.code == Code.ERROR:
                raise SchedulingError(st.message)
            diagnosis.node_to_status[ni.name] = st
            diagnosis.add_plugin_status(st)
    nodes: Sequence[Any] = all_nodes
    slots = cache.order()
    if result is not None and not result.all_nodes:
        nodes = [cache.nodes[n] for n in sorted(result.node_names) if n in cache.nodes]
        slots = np.fromiter((ni.slot for ni in nodes), dtype=np.int64, count=len(nodes))
        names = sorted(with_nodes)
        diagnosis.absent_status = Status.unresolvable(f"node(s) didn't satisfy plugin(s) [{' '.join(names)}]")
    if not nodes:
        return [], diagnosis
    if explain:
        start, num_to_find = 0, len(nodes)
    else:
        start = sched.next_start_node_index % len(nodes)
        pct = fw.percentage_of_nodes_to_score
        if pct is None:
            pct = sched.config.percentage_of_nodes_to_score
        num_to_find = num_feasible_nodes_to_find(pct, len(nodes))
        if not fw.score_plugins:
            num_to_find = 1
    feasible = _pass_filters(sched, fw, state, pod, diagnosis, nodes, slots, start, num_to_find, record)
    if not explain:
        processed = len(feasible) + len(diagnosis.node_to_status)
        sched.next_start_node_index = (sched.next_start_node_index + processed) % len(all_nodes)
    if record is not None:
        if isinstance(feasible, NodeList):
            names = cache.table.names
            record.feasible = [names[s] for s in feasible.slots.tolist()]
        else:
            record.feasible = [ni.name for ni in feasible]
        record.node_to_status = diagnosis.node_to_status
    return feasible, diagnosis


def prioritize_nodes(fw: Framework, state: CycleState, pod: Mapping, nodes: Sequence[Any],
                     record: CycleRecord | None = None) -> ScoreResult:  # fmt: skip
    """PreScore and Score (with NormalizeScore and weights) over the feasible nodes."""
    if not fw.score_plugins:
        return ScoreResult([ni.name for ni in nodes], [], {}, {}, {}, np.ones(len(nodes), dtype=np.int64))
    status, ps_record = fw.run_pre_score(state, pod, nodes)
    if record is not None:
        record.prescore = ps_record
    if status is not None and not status.is_success:
        raise SchedulingError(status.message)
    slots = nodes.slots if isinstance(nodes, NodeList) else state.read(_FEASIBLE_SLOTS)
    if slots is None or len(slots) != len(nodes):
        slots = np.fromiter((ni.slot for ni in nodes), dtype=np.int64, count=len(nodes))
    if (slots < 0).any():
        slots = None
    result = fw.run_score(state, pod, nodes, slots)
    if record is not None:
        record.scores = result
    return result


def select_host(result: ScoreResult, rng: Any, table: Any = None) -> str:
    """The node with the highest total; ties broken at random among them (name order)."""
    totals = result.total
    tied = np.flatnonzero(totals == totals.max())
    if len(tied) == 1:
        return result.names[int(tied[0])]
    if table is not None and result.slots is not None:
        ranks = table.name_rank()[result.slots[tied]]
        pick = int(tied[np.argsort(ranks)[rng.randrange(len(tied))]])
        return result.names[pick]
    names = result.names
    ordered = sorted(names[i] for i in tied.tolist())
    return ordered[rng.randrange(len(ordered))]


def schedule_pod(sched: Any, fw: Framework, state: CycleState, pod: Mapping,
                 record: CycleRecord | None = None) -> ScheduleResult:  # fmt: skip
    """Pick a node for ``pod`` or raise :class:`FitError` / :class:`NoNodesAvailable`."""
    cache = sched.cache
    if cache.num_nodes() == 0:
        raise NoNodesAvailable()
    feasible, diagnosis = find_nodes_that_fit(sched, fw, state, pod, record)
    if not feasible:
        raise FitError(pod, cache.num_nodes(), diagnosis)
    if len(feasible) == 1:
        return ScheduleResult(feasible[0].name, 1 + len(diagnosis.node_to_status), 1)
    scores = prioritize_nodes(fw, state, pod, feasible, record)
    host = select_host(scores, sched.rng, cache.table)
    return ScheduleResult(host, len(feasible) + len(diagnosis.node_to_status), len(feasible))
