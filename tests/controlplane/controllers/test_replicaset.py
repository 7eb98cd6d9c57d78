"""ReplicaSet controller: counts, names, events, expectations, adoption and the scale-down ranking.

Upstream: pkg/controller/replicaset/replica_set.go (syncReplicaSet, manageReplicas,
getPodsToDelete), pkg/controller/controller_utils.go (ActivePodsWithRanks.Less,
slowStartBatch, ControllerExpectations).
"""

from __future__ import annotations

import re

import pytest

from k8slearn.api.errors import ApiError
from k8slearn.clock import format_timestamp
from k8slearn.controlplane.controllers.podcontrol import (
    Expectations,
    pods_to_delete,
    rank_pods_for_deletion,
    slow_start_batch,
)

RS = {
    "apiVersion": "apps/v1",
    "kind": "ReplicaSet",
    "metadata": {"name": "web"},
    "spec": {
        "replicas": 3,
        "selector": {"matchLabels": {"app": "web"}},
        "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "c", "image": "nginx"}]}},
    },
}


def _scale(c, n: int) -> None:
    rs = c.get("rs", "web")
    rs["spec"]["replicas"] = n
    c.update(rs)


def test_missing_pods_are_created_with_generated_names_and_events(sim):
    c = sim.c
    c.apply(RS)
    c.run(5)
    pods = sim.pods("app=web")
    assert len(pods) == 3
    for pod in pods:
        # generateName "<rs>-" + 5 chars from apimachinery's rand alphabet (no vowels, no 0/1/3)
        assert re.fullmatch(r"web-[bcdfghjklmnpqrstvwxz2456789]{5}", pod["metadata"]["name"])
        ref = pod["metadata"]["ownerReferences"][0]
        assert ref["kind"] == "ReplicaSet" and ref["controller"] is True and ref["blockOwnerDeletion"] is True
    events = c.events()
    created = events[events.reason == "SuccessfulCreate"]
    assert sorted(created.message) == sorted(f"Created pod: {p['metadata']['name']}" for p in pods)
    assert set(created.source) == {"replicaset-controller"}


def test_status_counts_ready_and_available_pods(sim):
    c = sim.c
    c.apply(RS)
    c.run(5)
    status = c.get("rs", "web")["status"]
    assert status == {
        "replicas": 3,
        "fullyLabeledReplicas": 3,
        "readyReplicas": 3,
        "availableReplicas": 3,
        "observedGeneration": 1,
    }


def test_min_ready_seconds_delays_availability(sim):
    c = sim.c
    body = dict(RS, spec=dict(RS["spec"], minReadySeconds=10))
    c.apply(body)
    c.run(3)  # pods ready after 1 s, available 10 s later
    status = c.get("rs", "web")["status"]
    assert status["readyReplicas"] == 3 and "availableReplicas" not in status
    c.run(10)
    assert c.get("rs", "web")["status"]["availableReplicas"] == 3


def test_a_deleted_pod_is_replaced(sim):
    c = sim.c
    c.apply(RS)
    c.run(5)
    victim = sim.pods("app=web")[0]["metadata"]["name"]
    c.delete("pod", victim)
    c.run(0.001)  # the replacement comes as soon as the pod is Terminating, before it is gone
    active = [p for p in sim.pods("app=web") if not p["metadata"].get("deletionTimestamp")]
    assert len(active) == 3
    assert victim not in {p["metadata"]["name"] for p in active}


def test_scale_down_deletes_and_records_events(sim):
    c = sim.c
    c.apply(RS)
    c.run(5)
    _scale(c, 1)
    c.run(5)
    assert len(sim.pods("app=web")) == 1
    events = c.events()
    assert len(events[events.reason == "SuccessfulDelete"]) == 2
    assert all(m.startswith("Deleted pod: web-") for m in events[events.reason == "SuccessfulDelete"].message)


def test_orphans_matching_the_selector_are_adopted(sim):
    c = sim.c
    orphan = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "stray", "labels": {"app": "web"}},
              "spec": {"containers": [{"name": "c", "image": "nginx"}]}}  # fmt: skip
    c.apply(orphan)
    c.run(2)
    c.apply(RS)
    c.run(2)
    pods = sim.pods("app=web")
    assert len(pods) == 3  # the stray pod counts as one of the three
    stray = c.get("pod", "stray")
    assert stray["metadata"]["ownerReferences"][0]["name"] == "web"


def test_a_relabelled_pod_is_released_and_replaced(sim):
    c = sim.c
    c.apply(RS)
    c.run(5)
    pod = sim.pods("app=web")[0]
    name = pod["metadata"]["name"]
    c.api.patch("Pod", name, "default", {"metadata": {"labels": {"app": "debug"}}})
    c.run(2)
    released = c.get("pod", name)
    assert not released["metadata"].get("ownerReferences")
    assert len(sim.pods("app=web")) == 3


def test_a_failing_create_sets_replica_failure(sim):
    c = sim.c
    body = dict(RS, metadata={"name": "web", "namespace": "default"})
    c.apply(body)
    c.run(2)
    api = c.api
    original = api.create

    def refuse(obj, **kwargs):
        if obj.get("kind") == "Pod":
            raise ApiError.forbidden("pods", "web-", "exceeded quota: pods")
        return original(obj, **kwargs)

    api.create = refuse
    try:
        _scale(c, 5)
        c.run(0.5)
        status = c.get("rs", "web")["status"]
    finally:
        api.create = original
    failure = status["conditions"][0]
    assert failure["type"] == "ReplicaFailure" and failure["reason"] == "FailedCreate"
    events = c.events()
    assert (events.reason == "FailedCreate").any()
    c.run(5)
    assert "conditions" not in c.get("rs", "web")["status"]


# -- pure pieces -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "count,failures_at,expected",
    [
        (10, None, (10, [1, 2, 4, 3])),
        (10, 2, (2, [1, 2])),  # one call of the batch of 2 fails: the batch ends, no batch of 4
        (0, None, (0, [])),
    ],
    ids=["batches double until the count is reached", "a failure stops after its batch", "nothing to do"],
)
def test_slow_start_batch(count, failures_at, expected):
    calls = []
    batches: list[int] = []

    def fn():
        calls.append(1)
        if failures_at is not None and len(calls) == failures_at:
            raise ApiError.forbidden("pods", "x", "no")

    successes, error = slow_start_batch(count, 1, fn)
    size, done = 1, 0
    while done < len(calls):
        batches.append(min(size, len(calls) - done))
        done += batches[-1]
        size *= 2
    assert (successes, batches) == expected
    assert (error is None) == (failures_at is None)


def test_expectations_wait_for_own_creations_and_deletions():
    e = Expectations()
    e.expect("k", 2, ["a"], now=0)
    assert not e.satisfied("k", 1)
    e.creation_observed("k")
    e.creation_observed("k")
    assert not e.satisfied("k", 1)
    e.deletion_observed("k", "a")
    e.deletion_observed("k", "a")  # the same pod seen twice counts once
    assert e.satisfied("k", 1)
    e.expect("k", 1, [], now=10)
    assert not e.satisfied("k", 300) and e.satisfied("k", 311)  # ExpectationsTimeout: 5 min


def _pod(name, node="n1", phase="Running", ready=True, ready_at=0, created=0, restarts=0, cost=None, uid=None):
    status = {"phase": phase, "containerStatuses": [{"name": "c", "restartCount": restarts}]}
    if ready is not None:
        status["conditions"] = [
            {"type": "Ready", "status": "True" if ready else "False", "lastTransitionTime": format_timestamp(ready_at)}
        ]
    meta = {"name": name, "uid": uid or name, "creationTimestamp": format_timestamp(created)}
    if cost is not None:
        meta["annotations"] = {"controller.kubernetes.io/pod-deletion-cost": str(cost)}
    return {"metadata": meta, "spec": {"nodeName": node}, "status": status}


@pytest.mark.parametrize(
    "first,second,related",
    [
        (_pod("a", node=""), _pod("b"), []),
        (_pod("a", phase="Pending"), _pod("b", phase="Running"), []),
        (_pod("a", phase="Unknown"), _pod("b", phase="Running"), []),
        (_pod("a", ready=False), _pod("b"), []),
        (_pod("a", cost=-5), _pod("b", cost=10), []),
        (_pod("a", node="busy"), _pod("b", node="calm"), [_pod("x", node="busy")]),
        (_pod("a", ready_at=900), _pod("b", ready_at=100), []),
        (_pod("a", restarts=3), _pod("b", restarts=0), []),
        (_pod("a", created=900, ready=None), _pod("b", created=100, ready=None), []),
    ],
    ids=[
        "unassigned before assigned",
        "Pending before Running",
        "Unknown before Running",
        "not ready before ready",
        "lower pod-deletion-cost first",
        "more pods of the same owner on the node first",
        "ready for less time first",
        "more restarts first",
        "newer first",
    ],
)
def test_scale_down_ranking(first, second, related):
    """ActivePodsWithRanks.Less (PodDeletionCost, LogarithmicScaleDown on)."""
    pods = [second, first]
    ranked = rank_pods_for_deletion(pods, [*pods, *related], now=1000)
    assert [p["metadata"]["name"] for p in ranked] == ["a", "b"]


def test_log_scale_ties_break_by_uid():
    # ready 300 s and 400 s ago: both in the same log2 bucket of nanoseconds -> smaller uid first
    a = _pod("a", ready_at=700, uid="zz")
    b = _pod("b", ready_at=600, uid="aa")
    ranked = rank_pods_for_deletion([a, b], [a, b], now=1000)
    assert [p["metadata"]["name"] for p in ranked] == ["b", "a"]


def test_deleting_all_pods_needs_no_ranking():
    pods = [_pod("a"), _pod("b", node="")]
    assert pods_to_delete(pods, pods, 2, now=10) == pods
