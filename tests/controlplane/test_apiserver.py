"""kube-apiserver semantics: CRUD, optimistic concurrency, watches, graceful deletion.

Upstream behaviour checked: apimachinery pkg/api/errors (messages), apiserver generic
registry Store (Create/Update/Delete), the watch cache (410 "too old resource version").
"""

from __future__ import annotations

import pytest

import k8slearn as kl
from k8slearn.api.errors import ApiError


def pod(name: str, **spec_extra) -> dict:
    spec = {"containers": [{"name": "c", "image": "nginx:1.27"}]}
    spec.update(spec_extra)
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": {"app": name}}, "spec": spec}


def deployment(name: str, replicas: int = 1) -> dict:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}]},
            },
        },
    }


@pytest.fixture
def c() -> kl.Cluster:
    return kl.Cluster(seed=1)


def test_bootstrap_objects_exist(c):
    assert [n["metadata"]["name"] for n in c.list("namespaces")] == [
        "default",
        "kube-node-lease",
        "kube-public",
        "kube-system",
    ]
    svc = c.get("svc", "kubernetes")
    assert svc["spec"]["clusterIP"] == "10.96.0.1"
    assert {p["metadata"]["name"] for p in c.list("priorityclasses")} == {
        "system-cluster-critical",
        "system-node-critical",
    }


def test_create_sets_uid_timestamp_and_resource_version(c):
    obj = c.api.create(pod("web"))
    m = obj["metadata"]
    assert m["namespace"] == "default"
    assert len(m["uid"]) == 36
    assert m["creationTimestamp"] == "2026-01-01T00:00:00Z"
    assert m["resourceVersion"] == str(c.etcd.revision)
    assert obj["status"]["phase"] == "Pending"


def test_get_of_a_missing_object_is_404_with_the_upstream_message(c):
    with pytest.raises(ApiError) as err:
        c.get("pods", "nope")
    assert (err.value.code, err.value.reason, str(err.value)) == (404, "NotFound", 'pods "nope" not found')
    with pytest.raises(ApiError) as err:
        c.get("deploy", "web")
    assert str(err.value) == 'deployments.apps "web" not found'


def test_create_twice_is_409_already_exists(c):
    c.api.create(pod("web"))
    with pytest.raises(ApiError) as err:
        c.api.create(pod("web"))
    assert (err.value.code, str(err.value)) == (409, 'pods "web" already exists')


def test_create_in_a_missing_namespace_is_404_for_the_namespace(c):
    obj = pod("web")
    obj["metadata"]["namespace"] = "nowhere"
    with pytest.raises(ApiError) as err:
        c.api.create(obj)
    assert str(err.value) == 'namespaces "nowhere" not found'


def test_stale_resource_version_is_a_409_conflict_and_changes_nothing(c):
    stored = c.api.create(deployment("web"))
    fresh = c.get("deployment", "web")
    fresh["spec"]["replicas"] = 2
    c.update(fresh)
    stale = dict(stored, spec=dict(stored["spec"], replicas=5))
    before = c.etcd.revision
    with pytest.raises(ApiError) as err:
        c.update(stale)
    assert err.value.code == 409
    assert str(err.value) == (
        'Operation cannot be fulfilled on deployments.apps "web": the object has been modified; '
        "please apply your changes to the latest version and try again"
    )
    assert c.etcd.revision == before
    assert c.get("deployment", "web")["spec"]["replicas"] == 2


def test_invalid_object_is_422_and_stores_nothing(c):
    bad = deployment("web")
    bad["spec"]["replicas"] = -1
    before = c.etcd.revision
    with pytest.raises(ApiError) as err:
        c.apply(bad)
    assert err.value.code == 422
    assert str(err.value) == (
        'Deployment.apps "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0'
    )
    assert err.value.kubectl() == (
        'The Deployment "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0'
    )
    assert c.etcd.revision == before
    assert c.api.get_or_none("Deployment", "web") is None


def test_update_that_changes_nothing_does_not_write(c):
    c.api.create(deployment("web"))
    current = c.get("deployment", "web")
    before = c.etcd.revision
    c.update(current)
    assert c.etcd.revision == before


def test_spec_changes_bump_generation_but_status_updates_do_not(c):
    c.api.create(deployment("web"))
    obj = c.get("deploy", "web")
    assert obj["metadata"]["generation"] == 1
    obj["spec"]["replicas"] = 3
    assert c.update(obj)["metadata"]["generation"] == 2
    c.api.replace_status("Deployment", "web", "default", {"replicas": 0}, user="test")
    assert c.get("deploy", "web")["metadata"]["generation"] == 2


def test_main_resource_update_cannot_change_status(c):
    c.api.create(deployment("web"))
    obj = c.get("deploy", "web")
    obj["status"] = {"replicas": 99}
    assert c.update(obj).get("status", {}).get("replicas") != 99


def test_list_filters_by_namespace_and_label_selector(c):
    c.api.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team-a"}})
    c.api.create(pod("a"))
    c.api.create(pod("b"))
    other = pod("a")
    other["metadata"]["namespace"] = "team-a"
    c.api.create(other)
    assert [p["metadata"]["name"] for p in c.list("pods", namespace="default")] == ["a", "b"]
    assert [(p["metadata"]["namespace"], p["metadata"]["name"]) for p in c.list("pods")] == [
        ("default", "a"),
        ("default", "b"),
        ("team-a", "a"),
    ]
    assert [p["metadata"]["name"] for p in c.list("pods", "default", selector="app in (b)")] == ["b"]
    assert [p["metadata"]["name"] for p in c.list("pods", "default", selector={"matchLabels": {"app": "a"}})] == ["a"]


def test_public_reads_are_copies(c):
    c.api.create(pod("web"))
    got = c.get("pod", "web")
    got["spec"]["containers"][0]["image"] = "hacked"
    assert c.get("pod", "web")["spec"]["containers"][0]["image"] == "nginx:1.27"


def test_generate_name_appends_five_characters_from_the_upstream_alphabet(c):
    obj = pod("")
    obj["metadata"] = {"generateName": "web-"}
    stored = c.api.create(obj)
    name = stored["metadata"]["name"]
    assert name.startswith("web-") and len(name) == 9
    assert set(name[4:]) <= set("bcdfghjklmnpqrstvwxz2456789")


def test_watch_delivers_added_modified_deleted_in_order(c):
    w = c.watch("pods")
    c.api.create(pod("web"))
    c.api.replace_status("Pod", "web", "default", {"phase": "Running"}, user="test")
    c.delete("pod", "web")
    assert [e.type for e in w.events] == ["ADDED", "MODIFIED", "DELETED"]
    rvs = [int(e.resource_version) for e in w.events]
    assert rvs == sorted(rvs)
    table = w.table()
    assert list(table["type"]) == ["ADDED", "MODIFIED", "DELETED"]


def test_watch_from_a_resource_version_replays_what_happened_after_it(c):
    c.api.create(pod("a"))
    rv = c.etcd.revision
    c.api.create(pod("b"))
    c.api.create(pod("c"))
    w = c.watch("pods", resource_version=rv)
    assert [e.object["metadata"]["name"] for e in w.events] == ["b", "c"]


def test_watch_from_a_compacted_revision_gets_a_410_expired_error_event(c):
    c.api.create(pod("a"))
    old = c.etcd.revision - 1
    c.api.create(pod("b"))
    c.etcd.compact(c.etcd.revision)
    w = c.watch("pods", resource_version=old)
    assert len(w.events) == 1 and w.events[0].type == "ERROR"
    status = w.events[0].object
    assert (status["code"], status["reason"]) == (410, "Expired")
    assert status["message"] == f"too old resource version: {old} ({c.etcd.revision})"
    assert not w.active


def test_watch_with_a_selector_sees_objects_enter_and_leave(c):
    w = c.watch("pods", selector="tier=web")
    c.api.create(pod("p"))
    c.api.patch("Pod", "p", "default", {"metadata": {"labels": {"tier": "web"}}})
    c.api.patch("Pod", "p", "default", {"metadata": {"labels": {"tier": None}}})
    assert [e.type for e in w.events] == ["ADDED", "DELETED"]


def test_apply_creates_then_configures_then_is_unchanged(c):
    first = c.apply(deployment("web"))
    assert repr(first) == "deployment.apps/web created"
    assert repr(c.apply(deployment("web"))) == "deployment.apps/web unchanged"
    assert repr(c.apply(deployment("web", replicas=4))) == "deployment.apps/web configured"
    assert c.get("deploy", "web")["spec"]["replicas"] == 4


def test_apply_removes_fields_dropped_from_the_manifest(c):
    d = deployment("web")
    d["metadata"]["labels"] = {"team": "a", "tier": "web"}
    c.apply(d)
    d["metadata"]["labels"] = {"team": "a"}
    c.apply(d)
    assert c.get("deploy", "web")["metadata"]["labels"] == {"team": "a"}


def test_apply_merges_keyed_lists_like_a_strategic_merge_patch(c):
    """kubectl apply's strategic merge (containers by name, env by name, volumeMounts by mountPath):
    items the server added - the kube-api-access-* token volume and its mounts - survive a second
    apply; an item dropped from the manifest is removed; a new one is added."""
    manifest = pod("web")
    manifest["spec"]["containers"][0]["env"] = [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]
    c.apply(manifest)
    token = c.get("pod", "web")["spec"]["volumes"][0]["name"]
    assert repr(c.apply(manifest)) == "pod/web unchanged"
    manifest["spec"]["containers"][0]["image"] = "nginx:1.28"
    assert repr(c.apply(manifest)) == "pod/web configured"
    (container,) = c.get("pod", "web")["spec"]["containers"]
    assert container["image"] == "nginx:1.28"
    assert container["volumeMounts"] == [
        {"name": token, "readOnly": True, "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount"}
    ]
    d = deployment("web")
    d["spec"]["template"]["spec"]["containers"][0]["env"] = [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]
    c.apply(d)
    live = c.get("deploy", "web")
    live["spec"]["template"]["spec"]["containers"][0]["env"].append({"name": "SET_BY_HAND", "value": "x"})
    c.api.update(live)
    d["spec"]["template"]["spec"]["containers"][0]["env"] = [{"name": "A", "value": "1"}, {"name": "C", "value": "3"}]
    c.apply(d)
    env = c.get("deploy", "web")["spec"]["template"]["spec"]["containers"][0]["env"]
    assert [e["name"] for e in env] == ["A", "C", "SET_BY_HAND"]


def test_a_bound_pod_is_deleted_gracefully(c):
    c.api.create(pod("web", nodeName="node-1"))
    result = c.delete("pod", "web")
    assert result["metadata"]["deletionGracePeriodSeconds"] == 30
    assert result["metadata"]["deletionTimestamp"] == "2026-01-01T00:00:30Z"
    assert c.api.get_or_none("Pod", "web") is not None
    c.api.delete("Pod", "web", "default", grace_period_seconds=0)
    assert c.api.get_or_none("Pod", "web") is None


def test_an_unbound_pod_is_deleted_at_once(c):
    c.api.create(pod("web"))
    c.delete("pod", "web")
    assert c.api.get_or_none("Pod", "web") is None


def test_finalizers_hold_an_object_until_removed(c):
    obj = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm", "finalizers": ["example.com/hold"]}}
    c.api.create(obj)
    c.delete("configmap", "cm")
    held = c.get("configmap", "cm")
    assert held["metadata"]["deletionTimestamp"]
    held["metadata"]["finalizers"] = []
    c.update(held)
    assert c.api.get_or_none("ConfigMap", "cm") is None


def test_bind_sets_the_node_and_pod_scheduled_condition_once(c):
    c.api.create(pod("web"))
    bound = c.api.bind("default", "web", "node-1")
    assert bound["spec"]["nodeName"] == "node-1"
    assert [cond["type"] for cond in bound["status"]["conditions"]] == ["PodScheduled"]
    with pytest.raises(ApiError) as err:
        c.api.bind("default", "web", "node-2")
    assert err.value.code == 409
    assert [p["metadata"]["name"] for p in c.api.list("Pod", field_selector="spec.nodeName=node-1")] == ["web"]


def test_cascading_delete_removes_dependents_in_the_background(c):
    owner = c.api.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "owner"}})
    ref = {"apiVersion": "v1", "kind": "ConfigMap", "name": "owner", "uid": owner["metadata"]["uid"]}
    c.api.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "dep", "ownerReferences": [ref]}})
    c.delete("configmap", "owner")
    c.run(1)
    assert c.api.get_or_none("ConfigMap", "dep") is None


def test_orphan_delete_keeps_dependents_without_the_reference(c):
    owner = c.api.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "owner"}})
    ref = {"apiVersion": "v1", "kind": "ConfigMap", "name": "owner", "uid": owner["metadata"]["uid"]}
    c.api.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "dep", "ownerReferences": [ref]}})
    c.delete("configmap", "owner", propagation_policy="Orphan")
    c.run(1)
    assert c.api.get_or_none("ConfigMap", "owner") is None
    assert "ownerReferences" not in c.get("configmap", "dep")["metadata"]


def test_foreground_delete_removes_dependents_first(c):
    owner = c.api.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "owner"}})
    ref = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "name": "owner",
        "uid": owner["metadata"]["uid"],
        "blockOwnerDeletion": True,
    }
    c.api.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "dep", "ownerReferences": [ref]}})
    w = c.watch("configmaps")
    c.delete("configmap", "owner", propagation_policy="Foreground")
    c.run(1)
    deleted = [e.object["metadata"]["name"] for e in w.events if e.type == "DELETED"]
    assert deleted == ["dep", "owner"]


def test_deleting_a_namespace_empties_it_first(c):
    c.api.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "tmp"}})
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm", "namespace": "tmp"}}
    c.api.create(cm)
    c.delete("namespace", "tmp", namespace=None)
    assert c.get("namespace", "tmp", namespace=None)["status"]["phase"] == "Terminating"
    with pytest.raises(ApiError) as err:
        c.api.create(dict(cm, metadata={"name": "cm2", "namespace": "tmp"}))
    assert str(err.value) == (
        'configmaps "cm2" is forbidden: unable to create new content in namespace tmp because it is being terminated'
    )
    c.run(5)
    assert c.api.get_or_none("Namespace", "tmp") is None
    assert c.api.get_or_none("ConfigMap", "cm", "tmp") is None


def test_node_port_conflicts_are_rejected_with_the_upstream_wording(c):
    svc = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "a"},
        "spec": {"type": "NodePort", "selector": {"app": "a"}, "ports": [{"port": 80, "nodePort": 30080}]},
    }
    c.apply(svc)
    before = c.etcd.revision
    with pytest.raises(ApiError) as err:
        c.apply(dict(svc, metadata={"name": "b"}))
    assert str(err.value) == (
        'Service "b" is invalid: spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated'
    )
    assert c.etcd.revision == before


def test_the_audit_log_records_who_wrote_what(c):
    c.apply(pod("web"))
    last = c.api.audit[-1]
    assert (last.user, last.verb, last.kind, last.name) == ("kubectl", "create", "Pod", "web")
