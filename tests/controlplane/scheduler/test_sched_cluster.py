"""kube-scheduler in a cluster: events, conditions, messages, preemption, explain.

Messages follow ``FitError.Error`` (pkg/scheduler/framework/types.go): the reasons
histogram sorted as strings, then the PostFilter message, which in 1.34+ begins with
DynamicResources' ``no new claims to deallocate`` and continues with DefaultPreemption's
``preemption: 0/N nodes are available: ...`` (default_preemption.go prefixes
"preemption: "). Events: ``Scheduled`` ("Successfully assigned <ns>/<pod> to <node>")
from schedule_one.go ``finishBinding``; ``Preempted`` ("Preempted by pod <uid> on node
<node>") from preemption/executor.go.
"""

from __future__ import annotations

import pytest

import k8slearn as kl


def _pod(name: str, cpu: str = "100m", memory: str | None = None, **spec) -> dict:
    req = {"cpu": cpu}
    if memory:
        req["memory"] = memory
    body = {"containers": [{"name": "c", "image": "nginx", "resources": {"requests": req}}]}
    body.update(spec)
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": body}


def _events(c: kl.Cluster, reason: str, obj: str | None = None) -> list[str]:
    ev = c.events()
    ev = ev[ev.reason == reason]
    if obj is not None:
        ev = ev[ev.object == f"Pod/{obj}"]
    return ev.message.tolist()


@pytest.fixture
def three() -> kl.Cluster:
    c = kl.Cluster(seed=3)
    for i in (1, 2, 3):
        c.add_node(f"node-{i}", cpu="2", memory="4Gi")
    c.run(2)
    return c


def test_scheduled_event_and_binding(three):
    three.apply(_pod("web"))
    three.run(1)
    pod = three.get("pod", "web")
    node = pod["spec"]["nodeName"]
    assert _events(three, "Scheduled", "web") == [f"Successfully assigned default/web to {node}"]
    cond = next(c for c in pod["status"]["conditions"] if c["type"] == "PodScheduled")
    assert cond["status"] == "True"


def test_failed_scheduling_counts_each_reason_of_a_node(three):
    """A node failing for cpu and memory counts once for each reason."""
    three.apply(_pod("huge", cpu="3", memory="5Gi"))
    three.run(1)
    msg = (
        "0/3 nodes are available: 3 Insufficient cpu, 3 Insufficient memory. no new claims to deallocate, "
        "preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod."
    )
    assert _events(three, "FailedScheduling", "huge") == [msg]
    cond = next(c for c in three.get("pod", "huge")["status"]["conditions"] if c["type"] == "PodScheduled")
    assert (cond["status"], cond["reason"], cond["message"]) == ("False", "Unschedulable", msg)


def test_failed_scheduling_sorts_counts_as_strings():
    """10 tainted nodes and 2 full ones: "10 ..." sorts before "2 ..." (sort.Strings)."""
    c = kl.Cluster(seed=0)
    for i in range(10):
        c.add_node(f"t{i:02d}", cpu="4", taints=["dedicated=infra:NoSchedule"])
    c.add_node("small-1", cpu="1")
    c.add_node("small-2", cpu="1")
    c.run(2)
    c.apply(_pod("big", cpu="2"))
    c.run(1)
    assert _events(c, "FailedScheduling", "big") == [
        "0/12 nodes are available: 10 node(s) had untolerated taint(s), 2 Insufficient cpu. "
        "no new claims to deallocate, preemption: 0/12 nodes are available: "
        "10 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod."
    ]


def test_preemption_policy_never_is_not_eligible(three):
    """The PriorityClass sets ``preemptionPolicy: Never`` (admission copies it to the pod)."""
    never = {"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": {"name": "batch"},
             "value": 100, "preemptionPolicy": "Never"}  # fmt: skip
    three.apply([never, _pod("never", cpu="3", priorityClassName="batch")])
    three.run(1)
    assert _events(three, "FailedScheduling", "never") == [
        "0/3 nodes are available: 3 Insufficient cpu. no new claims to deallocate, "
        "preemption: not eligible due to preemptionPolicy=Never."
    ]


def test_no_nodes_at_all_retries_with_doubling_back_off():
    """With no rejecting plugin the pod waits its back-off: 1 s doubling to 10 s."""
    c = kl.Cluster(seed=0)
    c.apply(_pod("lonely"))
    c.run(40)
    ev = c.events()
    ev = ev[(ev.reason == "FailedScheduling") & (ev.object == "Pod/lonely")]
    assert set(ev.message) == {"no nodes available to schedule pods"}
    assert ev.time.tolist() == [0.0, 1.0, 3.0, 7.0, 15.0, 25.0, 35.0]


def test_pod_with_node_name_is_bound_without_the_scheduler(three):
    three.apply(_pod("pinned", nodeName="node-2"))
    three.run(2)
    assert three.get("pod", "pinned")["spec"]["nodeName"] == "node-2"
    assert _events(three, "Scheduled", "pinned") == []
    assert three.scheduler.cache.get("node-2").pods.get(("default", "pinned")) is not None


def test_unknown_scheduler_name_stays_pending(three):
    three.apply(_pod("other", schedulerName="my-scheduler"))
    three.run(30)
    pod = three.get("pod", "other")
    assert "nodeName" not in pod["spec"]
    assert pod["status"]["phase"] == "Pending"
    assert _events(three, "FailedScheduling", "other") == [] and _events(three, "Scheduled", "other") == []
    assert ("default", "other") not in three.scheduler.queue


PRIORITY = {"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": {"name": "high"}, "value": 1000}


def test_preemption_evicts_the_lower_priority_pod_and_nominates_the_node():
    c = kl.Cluster(seed=0)
    c.add_node("node-1", cpu="2", memory="4Gi")
    c.run(2)
    c.apply([PRIORITY, _pod("low", cpu="1500m")])
    c.run(3)
    c.apply(_pod("vip", cpu="1", priorityClassName="high"))
    c.step()  # the API write
    c.run_until(lambda cl: bool(_events(cl, "Preempted")), timeout=5)
    uid = c.get("pod", "vip")["metadata"]["uid"]
    assert _events(c, "Preempted", "low") == [f"Preempted by pod {uid} on node node-1"]
    assert _events(c, "FailedScheduling", "vip") == ["0/1 nodes are available: 1 Insufficient cpu."]
    low = c.api.get_or_none("Pod", "low", "default")
    if low is not None:  # still terminating: marked as the scheduler's disruption target
        cond = next(x for x in low["status"]["conditions"] if x["type"] == "DisruptionTarget")
        assert (cond["reason"], cond["message"]) == (
            "PreemptionByScheduler",
            "default-scheduler: preempting to accommodate a higher priority pod",
        )
        assert low["metadata"].get("deletionTimestamp")
        assert c.get("pod", "vip")["status"]["nominatedNodeName"] == "node-1"
        c.api.delete("Pod", "low", "default", grace_period_seconds=0)  # the kubelet's final delete
    c.run(15)
    assert c.get("pod", "vip")["spec"]["nodeName"] == "node-1"


def test_pod_retried_when_a_node_is_added():
    c = kl.Cluster(seed=0)
    c.add_node("small", cpu="1")
    c.run(2)
    c.apply(_pod("needs-2", cpu="2"))
    c.run(5)
    assert c.scheduler.queue.where(("default", "needs-2")) == "unschedulable"
    c.add_node("big", cpu="4")
    c.run(3)
    assert c.get("pod", "needs-2")["spec"].get("nodeName") == "big"


def test_explain_table_and_last_result_shape(three):
    three.add_node("tainted", cpu="2", memory="4Gi", taints=["x=y:NoSchedule"])
    three.run(2)
    three.apply(_pod("web", memory="128Mi"))
    three.run(1)
    frame = three.scheduler.explain("web")
    assert list(frame.columns) == [
        "filter", "TaintToleration", "NodeAffinity", "NodeResourcesFit", "PodTopologySpread",
        "InterPodAffinity", "NodeResourcesBalancedAllocation", "ImageLocality", "total",
    ]  # fmt: skip
    assert frame.loc["tainted", "filter"] == "node(s) had untolerated taint(s)"
    assert frame.loc["node-1", "filter"] == "ok"
    assert frame["NodeAffinity"].isna().all()  # skipped: no preferred terms
    assert frame.loc["node-1", "TaintToleration"] == 100
    weights = frame.attrs["weights"]
    row = frame.loc["node-2"]
    assert row["total"] == sum(row[p] * w for p, w in weights.items() if row[p] == row[p])
    result = three.scheduler.last_result("web")
    prefix = "kube-scheduler-simulator.sigs.k8s.io/"
    node = three.get("pod", "web")["spec"]["nodeName"]
    assert result[prefix + "selected-node"] == node
    assert result[prefix + "bind-result"] == {"DefaultBinder": "success"}
    assert result[prefix + "filter-result"]["tainted"]["TaintToleration"] == "node(s) had untolerated taint(s)"
    assert result[prefix + "filter-result"][node]["NodeResourcesFit"] == "passed"
    final = result[prefix + "finalscore-result"][node]
    raw = result[prefix + "score-result"][node]
    assert final["TaintToleration"] == "300" and raw["TaintToleration"] == "0"


def test_explain_a_manifest_does_not_bind_or_consume_randomness(three):
    state = three.rng.getstate()
    frame = three.scheduler.explain(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: what-if}\nspec:\n  containers: [{name: c, image: nginx}]\n"
    )
    assert (frame["filter"] == "ok").all()
    assert three.api.get_or_none("Pod", "what-if", "default") is None
    assert three.rng.getstate() == state


def test_same_seed_same_placements():
    def run() -> list:
        c = kl.Cluster(seed=7)
        for i in range(4):
            c.add_node(f"n{i}", cpu="4")
        c.run(2)
        for i in range(12):
            c.apply(_pod(f"p{i}", cpu="300m"))
        c.run(3)
        return [(p["metadata"]["name"], p["spec"].get("nodeName")) for p in c.list("pods")]

    assert run() == run()
