"""DaemonSet: one pod per eligible node, taints and tolerations, node affinity pinning, updates.

Upstream: pkg/controller/daemon/daemon_controller.go (NodeShouldRunDaemonPod, podsShouldBeOnNode,
syncNodes, updateDaemonSetStatus), pkg/controller/daemon/update.go (rollingUpdate) and
pkg/controller/daemon/util/daemonset_util.go (AddOrUpdateDaemonPodTolerations,
ReplaceDaemonSetPodNodeNameNodeAffinity).
"""

from __future__ import annotations

import pytest

from conftest import Sim
from k8slearn.controlplane.controllers.daemonset import daemon_pod_tolerations, node_matches_affinity, node_should_run


def _ds(name: str = "agent", **pod_spec) -> dict:
    spec = {"containers": [{"name": "a", "image": "agent:1"}]}
    spec.update(pod_spec)
    return {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": {"name": name, "namespace": "kube-system"},
        "spec": {
            "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}}, "spec": spec},
        },
    }


def _placement(c) -> dict[str, str]:
    return {
        p["spec"].get("nodeName"): p["metadata"]["name"]
        for p in c.api.list("Pod", "kube-system")
        if not p["metadata"].get("deletionTimestamp")
    }


@pytest.fixture
def mixed() -> Sim:
    sim = Sim(nodes=0)
    c = sim.c
    sim.add_node("node-1")
    sim.add_node("node-2", taints=["dedicated=gpu:NoSchedule"])
    sim.add_node("node-3", unschedulable=True)
    sim.add_node("node-4", labels={"disk": "ssd"})
    c.run(5)
    return sim


def test_one_pod_per_node_that_tolerates_its_taints(mixed):
    c = mixed.c
    c.apply(_ds())
    c.run(5)
    # node-2's dedicated taint is not tolerated; the cordoned node-3 is (node.kubernetes.io/unschedulable)
    assert sorted(_placement(c)) == ["node-1", "node-3", "node-4"]
    status = c.get("ds", "agent", "kube-system")["status"]
    assert status == {
        "currentNumberScheduled": 3,
        "numberMisscheduled": 0,
        "desiredNumberScheduled": 3,
        "numberReady": 3,
        "observedGeneration": 1,
        "updatedNumberScheduled": 3,
        "numberAvailable": 3,
    }
    events = c.events()
    assert sorted(events[events.reason == "SuccessfulCreate"].message) == sorted(
        f"Created pod: {name}" for name in _placement(c).values()
    )


def test_a_toleration_and_a_node_selector(mixed):
    c = mixed.c
    c.apply(_ds("gpu", tolerations=[{"key": "dedicated", "operator": "Equal", "value": "gpu", "effect": "NoSchedule"}]))
    c.apply(_ds("ssd", nodeSelector={"disk": "ssd"}))
    c.run(5)
    pods = c.api.list("Pod", "kube-system")
    gpu_nodes = sorted(p["spec"]["nodeName"] for p in pods if p["metadata"]["labels"]["app"] == "gpu")
    ssd_nodes = sorted(p["spec"]["nodeName"] for p in pods if p["metadata"]["labels"]["app"] == "ssd")
    assert gpu_nodes == ["node-1", "node-2", "node-3", "node-4"] and ssd_nodes == ["node-4"]


def test_daemon_pods_are_pinned_by_node_affinity_and_tolerate_node_problems(mixed):
    c = mixed.c
    c.apply(_ds())
    c.run(5)
    pod = next(p for p in c.api.list("Pod", "kube-system") if p["spec"]["nodeName"] == "node-4")
    terms = pod["spec"]["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
    assert terms["nodeSelectorTerms"] == [
        {"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["node-4"]}]}
    ]
    assert [(t["key"], t["effect"]) for t in pod["spec"]["tolerations"]] == [
        ("node.kubernetes.io/not-ready", "NoExecute"),
        ("node.kubernetes.io/unreachable", "NoExecute"),
        ("node.kubernetes.io/disk-pressure", "NoSchedule"),
        ("node.kubernetes.io/memory-pressure", "NoSchedule"),
        ("node.kubernetes.io/pid-pressure", "NoSchedule"),
        ("node.kubernetes.io/unschedulable", "NoSchedule"),
    ]
    assert all("tolerationSeconds" not in t for t in pod["spec"]["tolerations"])
    labels = pod["metadata"]["labels"]
    assert labels["pod-template-generation"] == "1" and len(labels["controller-revision-hash"]) >= 8


def test_a_new_node_gets_a_pod_and_an_untolerated_noexecute_taint_removes_it(mixed):
    c = mixed.c
    c.apply(_ds())
    c.run(5)
    mixed.add_node("node-5")
    c.run(5)
    assert "node-5" in _placement(c)
    node = c.get("node", "node-1")
    node["spec"]["taints"] = [{"key": "drain", "effect": "NoExecute"}]
    c.update(node)
    c.run(5)
    assert "node-1" not in _placement(c)


def test_daemon_pods_survive_a_node_failure():
    sim = Sim()
    c = sim.c
    c.apply(_ds())
    c.run(5)
    sim.fail("node-2")
    c.run(400)
    assert "node-2" in _placement(c)


def test_a_rolling_update_replaces_one_node_at_a_time():
    sim = Sim(nodes=4)
    c = sim.c
    c.apply(_ds())
    c.run(5)
    ds = c.get("ds", "agent", "kube-system")
    ds["spec"]["template"]["spec"]["containers"][0]["image"] = "agent:2"
    c.update(ds)
    worst = []

    def check(entry):
        pods = [p for p in c.api.list("Pod", "kube-system") if not p["metadata"].get("deletionTimestamp")]
        ready = sum(
            1
            for p in pods
            if any(x["type"] == "Ready" and x["status"] == "True" for x in p["status"].get("conditions", []))
        )
        worst.append(ready)

    c.clock.hooks.append(check)
    c.run(30)
    c.clock.hooks.remove(check)
    images = {p["spec"]["containers"][0]["image"] for p in c.api.list("Pod", "kube-system")}
    assert images == {"agent:2"}
    assert min(worst) == 3  # maxUnavailable 1 of 4
    assert c.get("ds", "agent", "kube-system")["status"]["updatedNumberScheduled"] == 4


@pytest.mark.parametrize(
    "spec,labels,expected",
    [
        ({}, {}, True),
        ({"nodeSelector": {"disk": "ssd"}}, {"disk": "hdd"}, False),
        ({"affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
            {"matchExpressions": [{"key": "zone", "operator": "In", "values": ["a", "b"]}]}]}}}}, {"zone": "b"}, True),
        ({"affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
            {"matchExpressions": [{"key": "gen", "operator": "Gt", "values": ["3"]}]}]}}}}, {"gen": "2"}, False),
        ({"affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
            {"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["n1"]}]}]}}}}, {}, True),
    ],
    ids=["no constraints", "nodeSelector mismatch", "In expression", "Gt expression", "matchFields on the name"],
)  # fmt: skip
def test_node_matches_affinity(spec, labels, expected):
    node = {"metadata": {"name": "n1", "labels": labels}}
    assert node_matches_affinity(spec, node) is expected


def test_should_run_and_should_continue():
    node = {"metadata": {"name": "n1"}, "spec": {"taints": [{"key": "k", "effect": "NoSchedule"}]}}
    assert node_should_run({}, node) == (False, True)  # not placed, but an existing pod may stay
    node["spec"]["taints"] = [{"key": "k", "effect": "NoExecute"}]
    assert node_should_run({}, node) == (False, False)
    node["spec"]["taints"] = [{"key": "node.kubernetes.io/unreachable", "effect": "NoExecute"}]
    assert node_should_run({}, node) == (True, True)
    assert [t["key"] for t in daemon_pod_tolerations({"hostNetwork": True})][
        -1
    ] == "node.kubernetes.io/network-unavailable"


def test_on_delete_waits_for_you():
    sim = Sim(nodes=2)
    c = sim.c
    ds = _ds()
    ds["spec"]["updateStrategy"] = {"type": "OnDelete"}
    c.apply(ds)
    c.run(5)
    ds = c.get("ds", "agent", "kube-system")
    ds["spec"]["template"]["spec"]["containers"][0]["image"] = "agent:2"
    c.update(ds)
    c.run(10)
    pods = c.api.list("Pod", "kube-system")
    assert {p["spec"]["containers"][0]["image"] for p in pods} == {"agent:1"}
    assert "updatedNumberScheduled" not in c.get("ds", "agent", "kube-system")["status"]
    c.delete("pod", pods[0]["metadata"]["name"], "kube-system")
    c.run(5)
    images = sorted(p["spec"]["containers"][0]["image"] for p in c.api.list("Pod", "kube-system"))
    assert images == ["agent:1", "agent:2"]
