"""Taint eviction: who tolerates what, for how long, and the events around it.

Upstream: pkg/controller/tainteviction/taint_eviction.go (processPodOnNode,
getMinTolerationTime, emitPodDeletionEvent) and k8s.io/api core/v1 toleration.go
(ToleratesTaint).
"""

from __future__ import annotations

import pytest

from k8slearn.api.objects import get_condition
from k8slearn.controlplane.controllers.taint_eviction import (
    matching_tolerations,
    min_toleration_seconds,
    tolerates,
    untolerated_taint,
)

TAINT = {"key": "example.com/maintenance", "value": "yes", "effect": "NoExecute"}


@pytest.mark.parametrize(
    "toleration,expected",
    [
        ({"key": "example.com/maintenance", "operator": "Exists"}, True),
        ({"key": "example.com/maintenance", "value": "yes"}, True),
        ({"key": "example.com/maintenance", "operator": "Equal", "value": "no"}, False),
        ({"operator": "Exists"}, True),
        ({"key": "example.com/maintenance", "operator": "Exists", "effect": "NoSchedule"}, False),
        ({"key": "other", "operator": "Exists"}, False),
    ],
    ids=[
        "Exists ignores the value",
        "no operator means Equal",
        "Equal compares values",
        "an empty key with Exists tolerates everything",
        "another effect does not match",
        "another key does not match",
    ],
)
def test_tolerates(toleration, expected):
    assert tolerates(toleration, TAINT) is expected


def test_tolerations_used_and_the_shortest_time():
    taints = [TAINT, {"key": "node.kubernetes.io/unreachable", "effect": "NoExecute"}]
    tolerations = [
        {
            "key": "node.kubernetes.io/unreachable",
            "operator": "Exists",
            "effect": "NoExecute",
            "tolerationSeconds": 300,
        },
        {"key": "example.com/maintenance", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 60},
    ]
    ok, used = matching_tolerations(taints, tolerations)
    assert ok and min_toleration_seconds(used) == 60
    assert min_toleration_seconds([{"operator": "Exists"}]) == -1  # forever
    assert min_toleration_seconds([{"operator": "Exists", "tolerationSeconds": 0}]) == 0
    assert matching_tolerations(taints, tolerations[:1]) == (False, [])
    assert untolerated_taint(taints, tolerations[:1]) == TAINT


def _pod(name: str, tolerations: list[dict]) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name},
        "spec": {"nodeName": "node-1", "tolerations": tolerations, "containers": [{"name": "c", "image": "x"}]},
    }


def _taint_node(c, taints: list[dict]) -> None:
    node = c.get("node", "node-1")
    node["spec"]["taints"] = taints
    c.update(node)


def test_evicts_now_later_or_never_by_toleration(sim):
    c = sim.c
    c.apply(_pod("plain", []))
    c.apply(
        _pod(
            "minute",
            [{"key": "example.com/maintenance", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 60}],
        )
    )
    c.apply(_pod("forever", [{"key": "example.com/maintenance", "operator": "Exists"}]))
    c.run(3)
    t0 = c.now
    _taint_node(c, [TAINT])
    c.run(0.5)
    plain = c.get("pod", "plain")
    assert plain["metadata"].get("deletionTimestamp")
    assert get_condition(plain["status"], "DisruptionTarget")["reason"] == "DeletionByTaintManager"
    assert not c.get("pod", "minute")["metadata"].get("deletionTimestamp")
    c.run(60)
    assert c.get("pod", "minute")["metadata"].get("deletionTimestamp")
    assert not c.get("pod", "forever")["metadata"].get("deletionTimestamp")
    events = c.events()
    marked = events[events.reason == "TaintManagerEviction"]
    assert list(zip(marked.time - t0, marked.message)) == [
        (0, "Marking for deletion Pod default/plain"),
        (60, "Marking for deletion Pod default/minute"),
    ]


def test_removing_the_taint_in_time_cancels_the_eviction(sim):
    c = sim.c
    c.apply(
        _pod(
            "minute",
            [{"key": "example.com/maintenance", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 60}],
        )
    )
    c.run(3)
    _taint_node(c, [TAINT])
    c.run(30)
    _taint_node(c, [])
    c.run(60)
    assert not c.get("pod", "minute")["metadata"].get("deletionTimestamp")
    events = c.events()
    assert list(events[events.reason == "TaintManagerEviction"].message) == [
        "Cancelling deletion of Pod default/minute"
    ]
