"""The kubelet's own admission check for pods bound straight to a node.

Upstream: ``pkg/kubelet/lifecycle/predicate.go`` (``OutOfcpu``, ``OutOfmemory``,
``OutOfpods``, ``InsufficientResourceError.Error()``: ``Node didn't have enough resource:
%s, requested: %d, used: %d, capacity: %d``; ``Predicate %s failed: %s``) and
``pkg/kubelet/kubelet.go`` ``rejectPod`` (phase Failed, message prefixed ``Pod was
rejected: ``, a Warning event with the reason).
"""

from __future__ import annotations

import pytest
from nodetest import container, events_of, pod, status_of

import k8slearn as kl
from k8slearn.node.admission import pod_requests


def _req(cpu: str | None = None, memory: str | None = None) -> dict:
    requests = {}
    if cpu:
        requests["cpu"] = cpu
    if memory:
        requests["memory"] = memory
    return {"requests": requests}


@pytest.mark.parametrize(
    ("resources", "reason", "message"),
    [
        (_req(cpu="5"), "OutOfcpu", "Node didn't have enough resource: cpu, requested: 5000, used: 1000, capacity: 4000"),
        (_req(memory="9Gi"), "OutOfmemory",
         "Node didn't have enough resource: memory, requested: 9663676416, used: 0, capacity: 8589934592"),
    ],
    ids=["too much cpu (millicores)", "too much memory (bytes)"],
)  # fmt: skip
def test_a_pod_that_does_not_fit_is_rejected(cluster, resources, reason, message):
    cluster.create(pod("first", [container(command=["sleep", "3600"], resources=_req(cpu="1"))]))
    cluster.create(pod("big", [container("app", "nginx:1.27", resources=resources)]))
    cluster.run(3)
    status = status_of(cluster, "big")
    assert (status["phase"], status["reason"], status["message"]) == ("Failed", reason, "Pod was rejected: " + message)
    assert ("Warning", reason, message) in events_of(cluster, "big")
    assert cluster.kubectl("get pod big").splitlines()[1].split()[2] == reason


def test_max_pods_is_enforced():
    c = kl.Cluster(seed=0)
    c.add_node("small", pods=2)
    c.run(2)
    for i in range(3):
        c.create(pod(f"p{i}", [container(command=["sleep", "3600"])], node="small"))
    c.run(3)
    status = c.get("pod", "p2")["status"]
    assert status["reason"] == "OutOfpods"
    assert (
        status["message"]
        == "Pod was rejected: Node didn't have enough resource: pods, requested: 1, used: 2, capacity: 2"
    )


def test_a_node_selector_that_does_not_match_is_rejected(cluster):
    cluster.create(pod("picky", [container("app", "nginx:1.27")], nodeSelector={"disktype": "ssd"}))
    cluster.run(2)
    status = status_of(cluster, "picky")
    assert status["reason"] == "NodeAffinity"
    assert status["message"] == (
        "Pod was rejected: Predicate NodeAffinity failed: node(s) didn't match Pod's node affinity/selector"
    )


def test_finished_pods_free_their_requests(cluster):
    cluster.create(pod("job", [container(command=["true"], resources=_req(cpu="3"))], restartPolicy="Never"))
    cluster.run(5)
    cluster.create(pod("next", [container(command=["sleep", "3600"], resources=_req(cpu="3"))]))
    cluster.run(3)
    assert status_of(cluster, "next")["phase"] == "Running"


def test_effective_requests_take_the_largest_init_container():
    p = {
        "spec": {
            "initContainers": [{"name": "i", "resources": {"requests": {"cpu": "2"}}}],
            "containers": [{"name": "a", "resources": {"requests": {"cpu": "500m"}}},
                           {"name": "b", "resources": {"requests": {"cpu": "500m", "memory": "1Gi"}}}],
        }
    }  # fmt: skip
    assert pod_requests(p) == {"cpu": 2000, "memory": 2**30}
