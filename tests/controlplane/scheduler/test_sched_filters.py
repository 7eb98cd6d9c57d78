"""Conformance: Filter plugins give upstream's verdicts and exact reason strings.

Reason strings are the ``ErrReason*`` constants of the upstream plugins
(pkg/scheduler/framework/plugins/*) and section 1 of k8s-reference.md; toleration
matching follows ``v1.Toleration.ToleratesTaint``, node selector operators
``nodeaffinity.NodeSelectorRequirementsAsSelector``. Every case also checks the numpy
fast path agrees with the readable per-node rule.
"""

from __future__ import annotations

import pytest
from _sched_fixtures import FakeApi, FakeScheduler, filter_statuses, node, pod, scores

from k8slearn.controlplane.scheduler.framework import Code, CycleState
from k8slearn.controlplane.scheduler.plugins.helpers import match_node_selector_requirement, tolerates_taint
from k8slearn.controlplane.scheduler.plugins.node_affinity import node_names_from_terms

TAINT = {"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}


@pytest.mark.parametrize(
    "toleration, taint, want",
    [
        pytest.param({"key": "dedicated", "operator": "Equal", "value": "gpu", "effect": "NoSchedule"}, TAINT, True,
                     id="Equal with the same key, value and effect tolerates"),
        pytest.param({"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}, TAINT, True,
                     id="an empty operator means Equal"),
        pytest.param({"key": "dedicated", "operator": "Equal", "value": "cpu", "effect": "NoSchedule"}, TAINT, False,
                     id="Equal with another value does not tolerate"),
        pytest.param({"key": "dedicated", "operator": "Exists", "effect": "NoSchedule"}, TAINT, True,
                     id="Exists ignores the value"),
        pytest.param({"key": "dedicated", "operator": "Exists"}, TAINT, True, id="an empty effect matches every effect"),
        pytest.param({"operator": "Exists"}, TAINT, True, id="an empty key with Exists tolerates every taint"),
        pytest.param({"key": "dedicated", "operator": "Exists", "effect": "NoExecute"}, TAINT, False,
                     id="another effect does not tolerate"),
        pytest.param({"key": "other", "operator": "Exists"}, TAINT, False, id="another key does not tolerate"),
    ],
)  # fmt: skip
def test_tolerates_taint(toleration, taint, want):
    assert tolerates_taint(toleration, taint) is want


def test_taint_toleration_filter_reason_and_code():
    """Only NoSchedule/NoExecute filter; the reason no longer names the taint (1.35+)."""
    sched = FakeScheduler(
        [node("a", taints=[TAINT]), node("b", taints=[{"key": "x", "effect": "PreferNoSchedule"}]), node("c")]
    )
    assert filter_statuses(sched, "TaintToleration", pod("p")) == {
        "a": "node(s) had untolerated taint(s)",
        "b": "ok",
        "c": "ok",
    }
    status = sched.fw.plugins["TaintToleration"].filter(CycleState(), pod("p"), sched.cache.get("a"))
    assert status.code == Code.UNSCHEDULABLE_AND_UNRESOLVABLE


def test_node_unschedulable():
    sched = FakeScheduler([node("cordoned", unschedulable=True), node("open")])
    assert filter_statuses(sched, "NodeUnschedulable", pod("p")) == {
        "cordoned": "node(s) were unschedulable",
        "open": "ok",
    }
    tolerant = pod("p", tolerations=[{"key": "node.kubernetes.io/unschedulable", "operator": "Exists"}])
    assert filter_statuses(sched, "NodeUnschedulable", tolerant) == {"cordoned": "ok", "open": "ok"}


@pytest.mark.parametrize(
    "req, labels, want",
    [
        pytest.param({"key": "zone", "operator": "In", "values": ["a", "b"]}, {"zone": "b"}, True, id="In matches a listed value"),
        pytest.param({"key": "zone", "operator": "In", "values": ["a"]}, {}, False, id="In needs the label"),
        pytest.param({"key": "zone", "operator": "NotIn", "values": ["a"]}, {"zone": "b"}, True, id="NotIn another value"),
        pytest.param({"key": "zone", "operator": "NotIn", "values": ["a"]}, {}, True, id="NotIn matches a missing label"),
        pytest.param({"key": "gpu", "operator": "Exists"}, {"gpu": ""}, True, id="Exists with an empty value"),
        pytest.param({"key": "gpu", "operator": "DoesNotExist"}, {}, True, id="DoesNotExist"),
        pytest.param({"key": "cores", "operator": "Gt", "values": ["8"]}, {"cores": "16"}, True, id="Gt compares integers"),
        pytest.param({"key": "cores", "operator": "Gt", "values": ["8"]}, {"cores": "8"}, False, id="Gt is strict"),
        pytest.param({"key": "cores", "operator": "Lt", "values": ["8"]}, {"cores": "abc"}, False, id="Lt needs an integer label"),
        pytest.param({"key": "cores", "operator": "Lt", "values": ["8"]}, {}, False, id="Lt never matches a missing label"),
    ],
)  # fmt: skip
def test_node_selector_operators(req, labels, want):
    assert match_node_selector_requirement(req, labels) is want


def _required(*terms: dict) -> dict:
    return {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": list(terms)}}}


def test_node_affinity_filter_selector_and_terms():
    nodes = [node("ssd", labels={"disk": "ssd"}), node("hdd", labels={"disk": "hdd"}), node("none")]
    sched = FakeScheduler(nodes)
    reason = "node(s) didn't match Pod's node affinity/selector"
    assert filter_statuses(sched, "NodeAffinity", pod("p", node_selector={"disk": "ssd"})) == {
        "ssd": "ok", "hdd": reason, "none": reason,
    }  # fmt: skip
    either = _required(
        {"matchExpressions": [{"key": "disk", "operator": "In", "values": ["ssd"]}]},
        {"matchExpressions": [{"key": "disk", "operator": "DoesNotExist"}]},
    )
    assert filter_statuses(sched, "NodeAffinity", pod("p", affinity=either)) == {
        "ssd": "ok", "hdd": reason, "none": "ok",
    }  # fmt: skip
    assert filter_statuses(sched, "NodeAffinity", pod("p")) == {"ssd": "skip", "hdd": "skip", "none": "skip"}


def test_node_affinity_prefilter_narrows_to_named_nodes():
    """``matchFields: metadata.name In`` lets PreFilter name the nodes (DaemonSet pods)."""
    terms = [{"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["b", "c"]}]},
             {"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["a"]}]}]  # fmt: skip
    assert node_names_from_terms(terms) == frozenset({"a", "b", "c"})
    terms.append({"matchExpressions": [{"key": "x", "operator": "Exists"}]})
    assert node_names_from_terms(terms) is None


def test_node_ports():
    nodes = [node("busy"), node("free")]
    sched = FakeScheduler(nodes, [pod("web", {"cpu": "100m"}, "busy", host_ports=[8080])])
    assert filter_statuses(sched, "NodePorts", pod("p", {"cpu": "100m"}, host_ports=[8080])) == {
        "busy": "node(s) didn't have free ports for the requested pod ports",
        "free": "ok",
    }
    assert filter_statuses(sched, "NodePorts", pod("p", {"cpu": "100m"}, host_ports=[9090])) == {
        "busy": "ok", "free": "ok",
    }  # fmt: skip
    assert filter_statuses(sched, "NodePorts", pod("p", {"cpu": "100m"})) == {"busy": "skip", "free": "skip"}


def test_node_resources_fit_reports_every_failing_resource():
    nodes = [
        node("small", cpu="1", memory="1Gi"),
        node("full", cpu="4", memory="8Gi", pods=1),
        node("gpu", cpu="4", memory="8Gi", extra={"nvidia.com/gpu": "1"}),
    ]
    sched = FakeScheduler(nodes, [pod("x", {"cpu": "100m"}, "full")])
    got = filter_statuses(sched, "NodeResourcesFit", pod("p", {"cpu": "2", "memory": "2Gi", "nvidia.com/gpu": "1"}))
    assert got == {
        "small": "Insufficient cpu, Insufficient memory, Insufficient nvidia.com/gpu",
        "full": "Too many pods, Insufficient nvidia.com/gpu",
        "gpu": "ok",
    }


def test_node_resources_fit_uses_real_requests_not_defaults():
    """A pod without requests fits a node with no cpu left; only the pod count limits it."""
    sched = FakeScheduler([node("n", cpu="1", memory="1Gi")], [pod("hog", {"cpu": "1", "memory": "1Gi"}, "n")])
    assert filter_statuses(sched, "NodeResourcesFit", pod("p", None, containers=1)) == {"n": "ok"}


ZONES = [
    node("a1", labels={"topology.kubernetes.io/zone": "a"}),
    node("a2", labels={"topology.kubernetes.io/zone": "a"}),
    node("b1", labels={"topology.kubernetes.io/zone": "b"}),
    node("nolabel"),
]


def _spread(max_skew: int = 1, key: str = "topology.kubernetes.io/zone", action: str = "DoNotSchedule") -> list:
    return [{"maxSkew": max_skew, "topologyKey": key, "whenUnsatisfiable": action,
             "labelSelector": {"matchLabels": {"app": "web"}}}]  # fmt: skip


def test_pod_topology_spread_filter_skew_and_missing_label():
    existing = [pod("w1", {"cpu": "100m"}, "a1", labels={"app": "web"}),
                pod("w2", {"cpu": "100m"}, "a2", labels={"app": "web"})]  # fmt: skip
    sched = FakeScheduler(ZONES, existing)
    got = filter_statuses(sched, "PodTopologySpread", pod("p", labels={"app": "web"}, spread=_spread(1)))
    assert got == {
        "a1": "node(s) didn't match pod topology spread constraints",
        "a2": "node(s) didn't match pod topology spread constraints",
        "b1": "ok",
        "nolabel": "node(s) didn't match pod topology spread constraints (missing required label)",
    }
    assert (
        filter_statuses(sched, "PodTopologySpread", pod("p", labels={"app": "web"}, spread=_spread(3)))["a1"] == "ok"
    )  # 2 + 1 - 0 <= 3


def test_pod_topology_spread_score_prefers_the_emptier_domain():
    existing = [pod("w1", {"cpu": "100m"}, "a1", labels={"app": "web"})]
    sched = FakeScheduler(ZONES[:3], existing)
    got = scores(
        sched, "PodTopologySpread", pod("p", labels={"app": "web"}, spread=_spread(1, action="ScheduleAnyway"))
    )
    assert got["b1"] == 100 and got["a1"] == got["a2"] < 100


def test_pod_topology_spread_system_default_uses_the_replicaset_selector():
    """A bare pod is not spread; a ReplicaSet's pod gets hostname (maxSkew 3) and zone (5) spreading."""
    rs = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "web", "namespace": "default"},
          "spec": {"selector": {"matchLabels": {"app": "web"}}}}  # fmt: skip
    owner = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web", "controller": True, "uid": "rs"}
    existing = [pod(f"w{i}", {"cpu": "100m"}, "a1", labels={"app": "web"}, owner=owner) for i in range(4)]
    sched = FakeScheduler(ZONES[:3], existing, api=FakeApi([rs]))
    assert scores(sched, "PodTopologySpread", pod("bare", labels={"app": "web"})) is None
    got = scores(sched, "PodTopologySpread", pod("p", labels={"app": "web"}, owner=owner))
    assert got["a1"] < got["a2"] <= got["b1"] == 100


def _anti(key: str = "kubernetes.io/hostname") -> dict:
    term = {"labelSelector": {"matchLabels": {"app": "db"}}, "topologyKey": key}
    return {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [term]}}


def _aff(key: str = "kubernetes.io/hostname") -> dict:
    term = {"labelSelector": {"matchLabels": {"app": "db"}}, "topologyKey": key}
    return {"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [term]}}


def test_inter_pod_affinity_filters():
    nodes = [node("n1"), node("n2")]
    sched = FakeScheduler(nodes, [pod("db", {"cpu": "100m"}, "n1", labels={"app": "db"})])
    assert filter_statuses(sched, "InterPodAffinity", pod("p", affinity=_anti())) == {
        "n1": "node(s) didn't match pod anti-affinity rules",
        "n2": "ok",
    }
    assert filter_statuses(sched, "InterPodAffinity", pod("p", affinity=_aff())) == {
        "n1": "ok",
        "n2": "node(s) didn't match pod affinity rules",
    }


def test_inter_pod_affinity_first_pod_of_a_group_may_go_anywhere():
    sched = FakeScheduler([node("n1"), node("n2")])
    first = pod("p", labels={"app": "db"}, affinity=_aff())
    assert filter_statuses(sched, "InterPodAffinity", first) == {"n1": "ok", "n2": "ok"}


def test_existing_pods_anti_affinity_keeps_matching_pods_away():
    sched = FakeScheduler([node("n1"), node("n2")], [pod("guard", {"cpu": "100m"}, "n1", affinity=_anti())])
    assert filter_statuses(sched, "InterPodAffinity", pod("p", labels={"app": "db"})) == {
        "n1": "node(s) didn't satisfy existing pods anti-affinity rules",
        "n2": "ok",
    }
    assert filter_statuses(sched, "InterPodAffinity", pod("p", labels={"app": "web"})) == {"n1": "skip", "n2": "skip"}
