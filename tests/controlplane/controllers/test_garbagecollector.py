"""Garbage collector: cascading deletion (background, foreground, orphan) and dangling owners.

Upstream: pkg/controller/garbagecollector/garbagecollector.go (attemptToDeleteItem,
processDeletingDependentsItem, orphanDependents) and the propagation policies of
``DeleteOptions`` (staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/types.go).
"""

from __future__ import annotations

from conftest import deployment


def _names(c, kind: str) -> list[str]:
    return sorted(o["metadata"]["name"] for o in c.api.list(kind, "default"))


def _ready(sim, replicas: int = 3):
    c = sim.c
    c.apply(deployment(replicas=replicas))
    c.run(5)
    return c


def test_background_deletes_the_owner_at_once_and_dependents_after(sim):
    c = _ready(sim)
    c.delete("deploy", "web")
    assert c.api.get_or_none("Deployment", "web", "default") is None
    c.run(0.001)
    assert _names(c, "ReplicaSet") == []  # the GC deleted the ReplicaSet right away
    c.run(5)
    assert _names(c, "Pod") == []


def test_foreground_keeps_the_owner_until_the_dependents_are_gone(sim):
    c = _ready(sim)
    pod_finalizers = []
    c.api.watch("Pod", lambda e: pod_finalizers.extend(e.object["metadata"].get("finalizers") or []))
    c.delete("deploy", "web", propagation_policy="Foreground")
    c.run(0.001)
    d = c.api.get("Deployment", "web", "default")
    assert d["metadata"]["deletionTimestamp"] and d["metadata"]["finalizers"] == ["foregroundDeletion"]
    (rs,) = c.api.list("ReplicaSet", "default")
    assert rs["metadata"]["deletionTimestamp"] and rs["metadata"]["finalizers"] == ["foregroundDeletion"]
    pods = c.api.list("Pod", "default")
    assert len(pods) == 3
    for pod in pods:  # Terminating, deleted in the background: a leaf needs no finalizer
        assert pod["metadata"]["deletionTimestamp"] and not pod["metadata"].get("finalizers")
    c.run(5)
    assert _names(c, "Pod") == [] and _names(c, "ReplicaSet") == []
    assert c.api.get_or_none("Deployment", "web", "default") is None
    assert pod_finalizers == []


def test_orphan_leaves_the_dependents_running(sim):
    c = _ready(sim)
    pods_before = _names(c, "Pod")
    c.delete("deploy", "web", propagation_policy="Orphan")
    c.run(5)
    assert c.api.get_or_none("Deployment", "web", "default") is None
    (rs,) = c.api.list("ReplicaSet", "default")
    assert not rs["metadata"].get("ownerReferences") and not rs["metadata"].get("finalizers")
    assert _names(c, "Pod") == pods_before
    assert all(p["metadata"]["ownerReferences"][0]["kind"] == "ReplicaSet" for p in c.api.list("Pod", "default"))


def test_orphaned_pods_are_adopted_by_a_new_replica_set(sim):
    c = _ready(sim)
    rs = c.api.list("ReplicaSet", "default")[0]
    pods_before = _names(c, "Pod")
    c.delete("deploy", "web", propagation_policy="Orphan")
    c.run(1)
    c.delete("rs", rs["metadata"]["name"], propagation_policy="Orphan")
    c.run(1)
    assert all(not p["metadata"].get("ownerReferences") for p in c.api.list("Pod", "default"))
    c.apply(deployment(replicas=3))
    c.run(5)
    # the new Deployment re-creates the same ReplicaSet name (same template hash), which adopts the pods
    assert _names(c, "Pod") == pods_before
    assert {p["metadata"]["ownerReferences"][0]["name"] for p in c.api.list("Pod", "default")} == {
        rs["metadata"]["name"]
    }


def test_an_object_created_with_a_missing_owner_is_collected(sim):
    c = sim.c
    ghost = {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "name": "gone",
        "uid": "00000000-dead-beef-0000-000000000000",
    }
    c.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "leftover", "ownerReferences": [ghost]}})
    c.run(1)
    assert c.api.get_or_none("ConfigMap", "leftover", "default") is None


def test_a_dependent_with_another_live_owner_only_loses_the_reference(sim):
    c = sim.c
    a = c.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}})[0]
    b = c.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "b"}})[0]
    refs = [
        {"apiVersion": "v1", "kind": "ConfigMap", "name": o["metadata"]["name"], "uid": o["metadata"]["uid"]}
        for o in (a, b)
    ]
    c.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "shared", "ownerReferences": refs}})
    c.run(1)
    c.delete("configmap", "a")
    c.run(1)
    shared = c.api.get("ConfigMap", "shared", "default")
    assert [r["name"] for r in shared["metadata"]["ownerReferences"]] == ["b"]
    c.delete("configmap", "b")
    c.run(1)
    assert c.api.get_or_none("ConfigMap", "shared", "default") is None
