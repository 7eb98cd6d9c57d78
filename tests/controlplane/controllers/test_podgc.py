"""Pod GC: pods of deleted nodes, the terminated-pod threshold, unscheduled terminating pods.

Upstream: pkg/controller/podgc/gc_controller.go (gcOrphaned with a 40 s quarantine,
gcTerminated, gcTerminating, gcUnscheduledTerminating; runs every 20 s).
"""

from __future__ import annotations

from conftest import Sim, deployment
from k8slearn.api.objects import get_condition


def test_terminating_pods_of_a_deleted_node_are_force_deleted(sim):
    c = sim.c
    c.apply(deployment(replicas=6))
    c.run(5)
    stuck = sorted(p["metadata"]["name"] for p in c.api.pods_on_node("node-2"))
    sim.fail("node-2")
    c.run(400)  # evicted, but nobody on node-2 confirms: Terminating
    assert all(c.get("pod", n)["metadata"].get("deletionTimestamp") for n in stuck)
    seen = {}

    def watch(event):
        if event.object["metadata"]["name"] in stuck:
            seen[event.object["metadata"]["name"]] = event.object

    c.api.watch("Pod", watch)
    c.delete("node", "node-2")
    c.run(80)
    assert all(c.api.get_or_none("Pod", n, "default") is None for n in stuck)
    last = seen[stuck[0]]
    target = get_condition(last["status"], "DisruptionTarget")
    assert last["status"]["phase"] == "Failed" and target["reason"] == "DeletionByPodGC"
    assert target["message"] == "PodGC: node no longer exists"


def test_orphans_wait_for_the_quarantine(sim):
    c = sim.c
    c.apply(deployment(replicas=3))
    c.run(5)
    sim.fail("node-1")
    victims = [p["metadata"]["name"] for p in c.api.pods_on_node("node-1")]
    c.delete("node", "node-1")
    c.run(30)
    assert all(c.api.get_or_none("Pod", n, "default") is not None for n in victims)
    c.run(40)
    assert all(c.api.get_or_none("Pod", n, "default") is None for n in victims)


def test_terminated_pods_over_the_threshold_go_oldest_first():
    sim = Sim(controller_manager={"terminated-pod-gc-threshold": 2})
    c = sim.c
    for i in range(4):
        c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": f"done-{i}"},
                 "spec": {"restartPolicy": "Never",
                          "containers": [{"name": "c", "image": "busybox", "command": ["sleep", "1"]}]}})  # fmt: skip
        c.run(5)
    c.run(25)
    assert sorted(p["metadata"]["name"] for p in sim.pods()) == ["done-2", "done-3"]
