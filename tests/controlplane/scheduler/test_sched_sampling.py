"""Conformance: how many nodes are examined, where the search starts, ties.

``numFeasibleNodesToFind`` and ``findNodesThatPassFilters`` in
pkg/scheduler/schedule_one.go (and TestNumFeasibleNodesToFind in
schedule_one_test.go): below 100 nodes all are searched; otherwise 50 - N/125 percent
(at least 5 %), at least 100 nodes; the next search starts where the last one stopped.
"""

from __future__ import annotations

import random

import pytest
from _sched_fixtures import FakeScheduler, node, pod

from k8slearn.controlplane.scheduler.algorithm import CycleRecord, num_feasible_nodes_to_find, schedule_pod
from k8slearn.controlplane.scheduler.cache import PodInfo
from k8slearn.controlplane.scheduler.framework import CycleState


@pytest.mark.parametrize(
    "n, percentage, want",
    [
        pytest.param(50, 0, 50, id="50 nodes: all of them"),
        pytest.param(100, 0, 100, id="100 nodes: 50-0=50% is 50, raised to the minimum 100"),
        pytest.param(500, 0, 230, id="500 nodes: 46% = 230"),
        pytest.param(1000, 0, 420, id="1000 nodes: 42% = 420"),
        pytest.param(5000, 0, 500, id="5000 nodes: 10% = 500"),
        pytest.param(10000, 0, 500, id="10000 nodes: 50-80 < 5, so 5% = 500"),
        pytest.param(6000, 0, 300, id="6000 nodes: 5% = 300 (upstream test)"),
        pytest.param(1000, 40, 400, id="explicit 40% of 1000"),
        pytest.param(6000, 40, 2400, id="explicit 40% of 6000"),
        pytest.param(10, 40, 10, id="below 100 nodes the percentage does not apply"),
        pytest.param(150, 10, 100, id="explicit 10% of 150 is raised to 100"),
    ],
)
def test_num_feasible_nodes_to_find(n, percentage, want):
    assert num_feasible_nodes_to_find(percentage, n) == want


def _cycle(sched: FakeScheduler, the_pod: dict) -> tuple[str, CycleRecord]:
    state = CycleState()
    state.write("PodInfo", PodInfo(the_pod))
    record = CycleRecord("default", the_pod["metadata"]["name"], 0.0)
    result = schedule_pod(sched, sched.fw, state, the_pod, record)
    return result.suggested_host, record


@pytest.mark.parametrize("n, want", [(50, 50), (100, 100), (500, 230), (1000, 420), (5000, 500), (10000, 500)])
def test_a_cycle_scores_only_the_feasible_nodes_it_needed(n, want):
    """All nodes fit: the cycle stops after ``want`` feasible nodes and scores just those."""
    sched = FakeScheduler([node(f"n{i:05d}") for i in range(n)])
    _, record = _cycle(sched, pod("p", {"cpu": "100m"}))
    assert len(record.feasible) == want
    assert len(record.scores.nodes) == want
    assert sched.next_start_node_index == want % n


def test_round_robin_start_index_moves_by_the_nodes_examined():
    """Filtered-out nodes count as examined: the next search starts after them."""
    nodes = [node(f"n{i:03d}", cpu="1" if i % 2 else "8") for i in range(300)]
    sched = FakeScheduler(nodes)
    _, record = _cycle(sched, pod("p", {"cpu": "2"}))
    # 300 nodes -> 48% = 144 feasible to find; every second node is too small
    assert len(record.feasible) == 144 and len(record.node_to_status) == 143
    assert sched.next_start_node_index == 287
    _, record = _cycle(sched, pod("q", {"cpu": "2"}))
    assert record.feasible[0] == "n288"


def test_single_feasible_node_is_chosen_without_scoring():
    sched = FakeScheduler([node("a", cpu="1"), node("b", cpu="8"), node("c", cpu="1")])
    host, record = _cycle(sched, pod("p", {"cpu": "2"}))
    assert host == "b" and record.scores is None


def test_ties_are_broken_by_the_seeded_generator():
    """Equal totals: a uniform choice among the tied nodes (name order), reproducible per seed."""
    picks = set()
    for seed in range(20):
        sched = FakeScheduler([node(f"n{i}") for i in range(4)], seed=seed)
        host, record = _cycle(sched, pod("p", {"cpu": "100m"}))
        assert len(set(record.scores.total.tolist())) == 1
        expected = sorted(record.scores.nodes)[random.Random(seed).randrange(4)]
        assert host == expected
        picks.add(host)
    assert len(picks) > 1


def test_without_score_plugins_the_first_feasible_node_wins():
    cfg = {"profiles": [{"plugins": {"score": {"disabled": [{"name": "*"}]}}}]}
    sched = FakeScheduler([node(f"n{i}") for i in range(150)], config=cfg)
    host, record = _cycle(sched, pod("p"))
    assert record.feasible == ["n0"] and host == "n0"
