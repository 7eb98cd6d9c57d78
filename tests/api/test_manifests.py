"""Manifests load like `kubectl apply -f`: real documentation YAML unchanged."""

from __future__ import annotations

from pathlib import Path

import pytest

import k8slearn as kl
from k8slearn.api.errors import ApiError
from k8slearn.api.manifests import dump_yaml, load_manifests

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "manifests"


def test_multi_document_text_and_lists_are_flattened():
    text = "kind: Namespace\n---\n\n---\nkind: List\nitems:\n- kind: Pod\n- kind: Service\n"
    assert [o["kind"] for o in load_manifests(text)] == ["Namespace", "Pod", "Service"]


def test_dicts_lists_and_paths_are_accepted():
    assert load_manifests({"kind": "Pod"}) == [{"kind": "Pod"}]
    assert [o["kind"] for o in load_manifests([{"kind": "Pod"}, "kind: Service"])] == ["Pod", "Service"]
    folder = load_manifests(FIXTURES)
    assert len(folder) >= 9
    assert load_manifests(str(FIXTURES / "nginx-deployment.yaml"))[0]["metadata"]["name"] == "nginx-deployment"


def test_broken_yaml_is_a_400_before_anything_is_written():
    c = kl.Cluster(seed=0)
    before = c.etcd.revision
    with pytest.raises(ApiError) as err:
        c.apply("kind: Pod\nmetadata: {name: [unclosed\n")
    assert err.value.code == 400
    assert "error converting YAML to JSON" in str(err.value)
    assert c.etcd.revision == before


@pytest.mark.parametrize(
    "fixture",
    [
        "nginx-deployment.yaml",
        "nginx-app.yaml",
        "configmap-game-demo.yaml",
        "pod-configmap-demo.yaml",
        "secret-dotfile.yaml",
        "exec-liveness.yaml",
    ],
)
def test_documentation_manifests_apply_unchanged(fixture):
    c = kl.Cluster.demo(nodes=2, seed=0)
    applied = c.apply(FIXTURES / fixture)
    assert all(op == "created" for op in applied.operations)
    for obj in applied:
        ns = obj["metadata"].get("namespace", "default")
        assert c.get(obj["kind"], obj["metadata"]["name"], ns)["metadata"]["uid"] == obj["metadata"]["uid"]


def test_a_manifest_in_a_missing_namespace_is_rejected():
    c = kl.Cluster(seed=0)
    with pytest.raises(ApiError) as err:
        c.apply(FIXTURES / "memory-request-limit.yaml")
    assert str(err.value) == 'namespaces "mem-example" not found'
    c.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "mem-example"}})
    assert c.apply(FIXTURES / "memory-request-limit.yaml").operations == ["created"]


def test_dump_yaml_sorts_keys_like_kubectl():
    assert dump_yaml({"kind": "Pod", "apiVersion": "v1", "metadata": {"name": "a"}}) == (
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n"
    )
