"""Conformance: score plugins reproduce upstream's worked cases.

Sources (kubernetes/kubernetes, pkg/scheduler/framework/plugins/): the tables of
``noderesources/least_allocated_test.go``, ``most_allocated_test.go``,
``requested_to_capacity_ratio_test.go``, ``balanced_allocation_test.go``,
``tainttoleration/taint_toleration_test.go``, ``nodeaffinity/node_affinity_test.go``
and ``imagelocality/image_locality_test.go``; the formulas of section 1 of
k8s-reference.md. Quantities like ``cpu: "4000"`` are upstream's (4000 cores); only
the ratios matter. Every case also checks the numpy fast path gives the same numbers.
"""

from __future__ import annotations

import pytest
from _sched_fixtures import MB, FakeScheduler, node, pod, scores

from k8slearn.controlplane.scheduler.plugins.helpers import broken_linear_function, default_normalize_score

TWO_CONTAINERS = [{"cpu": "1000", "memory": "2000"}, {"cpu": "2000", "memory": "3000"}]


def fit_config(strategy: str, resources: list | None = None, shape: list | None = None) -> dict:
    ss: dict = {"type": strategy}
    if resources is not None:
        ss["resources"] = resources
    if shape is not None:
        ss["requestedToCapacityRatio"] = {"shape": shape}
    return {"profiles": [{"pluginConfig": [{"name": "NodeResourcesFit", "args": {"scoringStrategy": ss}}]}]}


LEAST = [
    pytest.param(
        [node("node1", "4000", "10000"), node("node2", "4000", "10000")], [], pod("p"), {"node1": 100, "node2": 100},
        None, id="nothing scheduled, nothing requested: every node scores 100",
    ),
    pytest.param(
        [node("node1", "4000", "10000"), node("node2", "6000", "10000")], [], pod("p", TWO_CONTAINERS),
        {"node1": 37, "node2": 50}, None,
        id="resources requested, differently sized nodes: (25 + 50) / 2 = 37 and 50",
    ),
    pytest.param(
        [node("node1", "10000", "20000"), node("node2", "10000", "20000")],
        [pod("e1", {"cpu": "3000", "memory": "0"}, "node1"), pod("e2", {"cpu": "3000", "memory": "0"}, "node1"),
         pod("e3", {"cpu": "3000", "memory": "0"}, "node2"), pod("e4", {"cpu": "3000", "memory": "5000"}, "node2")],
        pod("p"), {"node1": 70, "node2": 57}, None,
        id="no resources requested, pods scheduled with resources: 70 and 57",
    ),
    pytest.param(
        [node("node1", "10000", "20000"), node("node2", "10000", "20000")],
        [pod("e1", {"cpu": "3000", "memory": "0"}, "node1"), pod("e2", {"cpu": "3000", "memory": "5000"}, "node2")],
        pod("p", TWO_CONTAINERS), {"node1": 57, "node2": 45}, None,
        id="resources requested, pods scheduled with resources: 57 and 45",
    ),
    pytest.param(
        [node("node1", "10000", "20000"), node("node2", "10000", "50000")],
        [pod("e1", {"cpu": "3000", "memory": "0"}, "node1"), pod("e2", {"cpu": "3000", "memory": "5000"}, "node2")],
        pod("p", TWO_CONTAINERS), {"node1": 57, "node2": 60}, None,
        id="resources requested, differently sized nodes with pods: 57 and 60",
    ),
    pytest.param(
        [node("node1", "4000", "10000"), node("node2", "4000", "10000")],
        [pod("e1", {"cpu": "3000", "memory": "0"}, "node1"), pod("e2", {"cpu": "3000", "memory": "5000"}, "node2")],
        pod("p", {"cpu": "3000", "memory": "0"}), {"node1": 50, "node2": 25}, None,
        id="requested resources exceed node capacity: that resource scores 0",
    ),
    pytest.param(
        [node("node1", "4000", "10000"), node("node2", "6000", "10000")], [], pod("p", TWO_CONTAINERS),
        {"node1": 41, "node2": 50}, [{"name": "memory", "weight": 2}, {"name": "cpu", "weight": 1}],
        id="memory weighs 2, cpu 1: (25 + 50*2) / 3 = 41",
    ),
]  # fmt: skip


@pytest.mark.parametrize("nodes, existing, the_pod, want, resources", LEAST)
def test_least_allocated(nodes, existing, the_pod, want, resources):
    sched = FakeScheduler(nodes, existing, fit_config("LeastAllocated", resources))
    assert scores(sched, "NodeResourcesFit", the_pod) == want


MOST = [
    pytest.param(
        [node("node1", "4000", "10000"), node("node2", "4000", "10000")], [], pod("p"), {"node1": 0, "node2": 0},
        None, id="nothing scheduled, nothing requested: 0",
    ),
    pytest.param(
        [node("node1", "4000", "10000"), node("node2", "6000", "10000")], [], pod("p", TWO_CONTAINERS),
        {"node1": 62, "node2": 50}, None, id="resources requested, differently sized nodes: (75 + 50) / 2 = 62",
    ),
    pytest.param(
        [node("node1", "10000", "20000"), node("node2", "10000", "20000")],
        [pod("e1", {"cpu": "3000", "memory": "0"}, "node1"), pod("e2", {"cpu": "3000", "memory": "0"}, "node1"),
         pod("e3", {"cpu": "3000", "memory": "0"}, "node2"), pod("e4", {"cpu": "3000", "memory": "5000"}, "node2")],
        pod("p"), {"node1": 30, "node2": 42}, None, id="no resources requested, pods with resources: 30 and 42",
    ),
    pytest.param(
        [node("node1", "10000", "20000"), node("node2", "10000", "20000")],
        [pod("e1", {"cpu": "3000", "memory": "0"}, "node1"), pod("e2", {"cpu": "3000", "memory": "5000"}, "node2")],
        pod("p", TWO_CONTAINERS), {"node1": 42, "node2": 55}, None, id="resources requested, pods scheduled: 42 and 55",
    ),
    pytest.param(
        [node("node1", "5000", "10000"), node("node2", "10000", "9000")], [],
        pod("p", [{"cpu": "2000", "memory": "4000"}, {"cpu": "3000", "memory": "5000"}]),
        {"node1": 95, "node2": 75}, None, id="requests equal node capacity: 95 and 75",
    ),
    pytest.param(
        [node("node1", "4000", "10000"), node("node2", "6000", "10000")], [], pod("p", TWO_CONTAINERS),
        {"node1": 58, "node2": 50}, [{"name": "memory", "weight": 2}, {"name": "cpu", "weight": 1}],
        id="memory weighs 2: (75 + 50*2) / 3 = 58",
    ),
    pytest.param(
        [node("node1", "250m", "1000Mi"), node("node2", "250m", "1000Mi")],
        [pod("e1", None, "node1", containers=1), pod("e2", None, "node1", containers=1)],
        pod("p", None, containers=1), {"node1": 80, "node2": 30}, None,
        id="containers without requests count 100m and 200Mi (non-zero requests): 80 and 30",
    ),
]  # fmt: skip


@pytest.mark.parametrize("nodes, existing, the_pod, want, resources", MOST)
def test_most_allocated(nodes, existing, the_pod, want, resources):
    sched = FakeScheduler(nodes, existing, fit_config("MostAllocated", resources))
    assert scores(sched, "NodeResourcesFit", the_pod) == want


LEAST_FIRST_SHAPE = [{"utilization": 0, "score": 10}, {"utilization": 100, "score": 0}]


def test_requested_to_capacity_ratio_rounds_the_weighted_average():
    """RTCR with shape 0->10, 100->0: (25 + 50) / 2 = 37.5 rounds to 38 (requested_to_capacity_ratio_test.go)."""
    nodes = [node("node1", "4000", "10000"), node("node2", "6000", "10000")]
    sched = FakeScheduler(nodes, [], fit_config("RequestedToCapacityRatio", shape=LEAST_FIRST_SHAPE))
    assert scores(sched, "NodeResourcesFit", pod("p", TWO_CONTAINERS)) == {"node1": 38, "node2": 50}


def test_requested_to_capacity_ratio_bin_packing_shape():
    """Shape 0->0, 100->10 packs like MostAllocated but rounds: cpu 75, memory 50 -> 62.5 -> 63."""
    nodes = [node("node1", "4000", "10000"), node("node2", "6000", "10000")]
    shape = [{"utilization": 0, "score": 0}, {"utilization": 100, "score": 10}]
    sched = FakeScheduler(nodes, [], fit_config("RequestedToCapacityRatio", shape=shape))
    assert scores(sched, "NodeResourcesFit", pod("p", TWO_CONTAINERS)) == {"node1": 63, "node2": 50}


@pytest.mark.parametrize(
    "shape, p, want",
    [
        pytest.param([(10, 100), (90, 900)], 5, 100, id="below the first point: the first score"),
        pytest.param([(10, 100), (90, 900)], 50, 500, id="between points: linear"),
        pytest.param([(10, 100), (90, 900)], 95, 900, id="above the last point: the last score"),
        pytest.param([(0, 100), (100, 0)], 75, 25, id="a falling shape"),
        pytest.param([(0, 0), (3, 10)], 1, 3, id="integer division truncates (10/3)"),
        pytest.param([(0, 10), (3, 0)], 1, 7, id="a falling shape truncates toward zero like Go (10 - 10/3)"),
    ],
)
def test_broken_linear_function(shape, p, want):
    assert broken_linear_function(shape, p) == want


BALANCED = [
    pytest.param([node("n1", "8", "10000")], [], pod("p", {"cpu": "3", "memory": "5000"}), {"n1": 93},
                 id="reference example: f=0.375 and 0.5, std 0.0625, score 93"),
    pytest.param([node("n1", "4000", "10000"), node("n2", "6000", "10000")], [], pod("p", TWO_CONTAINERS),
                 {"n1": 87, "n2": 100}, id="differently sized nodes: std (0.75-0.5)/2 -> 87, balanced node 100"),
    pytest.param([node("n1", "10000", "20000"), node("n2", "10000", "20000")],
                 [pod("e1", [{"cpu": "1000", "memory": "0"}, {"cpu": "2000", "memory": "0"}], "n1"),
                  pod("e2", TWO_CONTAINERS, "n2")],
                 pod("p", TWO_CONTAINERS), {"n1": 82, "n2": 95},
                 id="pods scheduled with resources: std 0.175 -> 82, std 0.05 -> 95"),
    pytest.param([node("n1", "4000", "10000"), node("n2", "4000", "10000")],
                 [pod("e1", [{"cpu": "1000", "memory": "0"}, {"cpu": "2000", "memory": "0"}], "n1"),
                  pod("e2", TWO_CONTAINERS, "n2")],
                 pod("p", [{"cpu": "1000", "memory": "0"}, {"cpu": "2000", "memory": "0"}]), {"n1": 50, "n2": 75},
                 id="a fraction above 1 counts as 1"),
]  # fmt: skip


@pytest.mark.parametrize("nodes, existing, the_pod, want", BALANCED)
def test_balanced_allocation(nodes, existing, the_pod, want):
    assert scores(FakeScheduler(nodes, existing), "NodeResourcesBalancedAllocation", the_pod) == want


def test_balanced_allocation_skips_a_pod_that_requests_nothing():
    """PreScore returns Skip: the plugin does not score at all (explain shows NaN)."""
    sched = FakeScheduler([node("n1")], [])
    assert scores(sched, "NodeResourcesBalancedAllocation", pod("p", None, containers=1)) is None


def _pns(key: str, value: str) -> dict:
    return {"key": key, "value": value, "effect": "PreferNoSchedule"}


TAINT_SCORE = [
    pytest.param(
        [{"key": "foo", "operator": "Equal", "value": "bar", "effect": "PreferNoSchedule"}],
        [("nodeA", [_pns("foo", "bar")]), ("nodeB", [_pns("foo", "blah")])], {"nodeA": 100, "nodeB": 0},
        id="a node whose taints are tolerated beats one with an intolerable taint",
    ),
    pytest.param(
        [{"key": "cpu-type", "operator": "Equal", "value": "arm64", "effect": "PreferNoSchedule"},
         {"key": "disk-type", "operator": "Equal", "value": "ssd", "effect": "PreferNoSchedule"}],
        [("nodeA", []), ("nodeB", [_pns("cpu-type", "arm64")]),
         ("nodeC", [_pns("cpu-type", "arm64"), _pns("disk-type", "ssd")])],
        {"nodeA": 100, "nodeB": 100, "nodeC": 100},
        id="how many tolerated taints a node has does not matter",
    ),
    pytest.param(
        [{"key": "foo", "operator": "Equal", "value": "bar", "effect": "PreferNoSchedule"}],
        [("nodeA", []), ("nodeB", [_pns("cpu-type", "arm64")]),
         ("nodeC", [_pns("cpu-type", "arm64"), _pns("disk-type", "ssd")])],
        {"nodeA": 100, "nodeB": 50, "nodeC": 0},
        id="the more intolerable taints a node has, the lower its score (reverse normalization)",
    ),
    pytest.param(
        [{"key": "cpu-type", "operator": "Equal", "value": "arm64", "effect": "NoSchedule"},
         {"key": "disk-type", "operator": "Equal", "value": "ssd", "effect": "NoSchedule"}],
        [("nodeA", []), ("nodeB", [{"key": "cpu-type", "value": "arm64", "effect": "NoSchedule"}]),
         ("nodeC", [_pns("cpu-type", "arm64"), _pns("disk-type", "ssd")])],
        {"nodeA": 100, "nodeB": 100, "nodeC": 0},
        id="only PreferNoSchedule taints and tolerations count for the score",
    ),
    pytest.param([], [("nodeA", []), ("nodeB", [_pns("cpu-type", "arm64")])], {"nodeA": 100, "nodeB": 0},
                 id="no tolerations: the untainted node wins"),
]  # fmt: skip


@pytest.mark.parametrize("tolerations, node_taints, want", TAINT_SCORE)
def test_taint_toleration_score(tolerations, node_taints, want):
    sched = FakeScheduler([node(n, taints=t) for n, t in node_taints], [])
    assert scores(sched, "TaintToleration", pod("p", tolerations=tolerations)) == want


def _pref(weight: int, *exprs: tuple[str, str]) -> dict:
    return {
        "weight": weight,
        "preference": {"matchExpressions": [{"key": k, "operator": "In", "values": [v]} for k, v in exprs]},
    }


AFFINITY1 = [_pref(2, ("foo", "bar"))]
AFFINITY2 = [
    _pref(2, ("foo", "bar")),
    _pref(4, ("key", "value")),
    _pref(5, ("foo", "bar"), ("key", "value"), ("az", "az1")),
]
L1, L2, L3 = {"foo": "bar"}, {"key": "value"}, {"az": "az1"}
L4, L5 = {"abc": "az11", "def": "az22"}, {"foo": "bar", "key": "value", "az": "az1"}

NODE_AFFINITY_SCORE = [
    pytest.param(AFFINITY1, [("m1", L4), ("m2", L2), ("m3", L3)], {"m1": 0, "m2": 0, "m3": 0},
                 id="no node matches a preferred term: every node scores 0"),
    pytest.param(AFFINITY1, [("m1", L1), ("m2", L2), ("m3", L3)], {"m1": 100, "m2": 0, "m3": 0},
                 id="only machine1 matches: 100 for it"),
    pytest.param(AFFINITY2, [("m1", L1), ("m5", L5), ("m2", L2)], {"m1": 18, "m5": 100, "m2": 36},
                 id="weights 2, 11 and 4 normalize to 18, 100 and 36"),
]  # fmt: skip


@pytest.mark.parametrize("terms, nodes, want", NODE_AFFINITY_SCORE)
def test_node_affinity_score(terms, nodes, want):
    sched = FakeScheduler([node(n, labels=lab) for n, lab in nodes], [])
    the_pod = pod("p", affinity={"nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": terms}})
    assert scores(sched, "NodeAffinity", the_pod) == want


def test_node_affinity_skips_a_pod_without_preferred_terms():
    sched = FakeScheduler([node("m1", labels=L1)], [])
    assert scores(sched, "NodeAffinity", pod("p")) is None


IMAGE_NODES = [
    node("node1", images=[(["gcr.io/40:latest"], 40 * MB), (["gcr.io/300:latest"], 300 * MB),
                          (["gcr.io/2000:latest"], 2000 * MB)]),
    node("node2", images=[(["gcr.io/250:latest"], 250 * MB), (["gcr.io/10:latest"], 10 * MB)]),
]  # fmt: skip


@pytest.mark.parametrize(
    "images, want",
    [
        pytest.param(["gcr.io/40", "gcr.io/250"], {"node1": 0, "node2": 5},
                     id="two images spread on two nodes: 40MB/2 < 23MB -> 0; 100*(125MB-23MB)/(2000MB-23MB) = 5"),
        pytest.param(["gcr.io/40", "gcr.io/300"], {"node1": 7, "node2": 0},
                     id="two images on one node: 100*((40+300)MB/2-23MB)/(2000MB-23MB) = 7"),
        pytest.param(["gcr.io/2000", "gcr.io/10"], {"node1": 49, "node2": 0},
                     id="a big image: 100*(1000MB-23MB)/(2000MB-23MB) = 49 (the max grows per container)"),
        pytest.param(["gcr.io/2000"], {"node1": 100, "node2": 0},
                     id="one container: 1000MB is the maximum, the node scores 100"),
    ],
)  # fmt: skip
def test_image_locality(images, want):
    """Image names without a tag mean ``:latest`` (image_locality_test.go)."""
    sched = FakeScheduler(IMAGE_NODES, [])
    assert scores(sched, "ImageLocality", pod("p", containers=len(images), images=images)) == want


@pytest.mark.parametrize(
    "raw, reverse, want",
    [
        pytest.param([0, 1, 2, 4], False, [0, 25, 50, 100], id="forward: 100*raw/max"),
        pytest.param([0, 1, 3], True, [100, 67, 0], id="reverse: 100 - 100*raw/max"),
        pytest.param([0, 0, 0], False, [0, 0, 0], id="all zero stays zero"),
        pytest.param([0, 0, 0], True, [100, 100, 100], id="all zero reversed is 100 everywhere"),
    ],
)
def test_default_normalize_score(raw, reverse, want):
    assert default_normalize_score(raw, reverse) == want
