"""``kubectl patch``: strategic merge (lists merged by key), JSON merge and JSON patches (pkg/cmd/patch)."""

from __future__ import annotations

import pytest

import k8slearn as kl
from k8slearn.kubectl.patch import json_patch, strategic_merge

DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: nginx, image: "nginx:1.27"}, {name: side, image: busybox}]
"""


@pytest.fixture
def c() -> kl.Cluster:
    c = kl.Cluster(seed=0)
    c.apply(DEPLOYMENT)
    return c


def test_a_strategic_merge_patch_merges_containers_by_name(c):
    out = c.kubectl(
        """patch deployment web -p '{"spec":{"template":{"spec":{"containers":[{"name":"nginx","image":"nginx:1.28"}]}}}}'"""
    )
    assert out.stdout == "deployment.apps/web patched\n"
    containers = c.get("deploy", "web")["spec"]["template"]["spec"]["containers"]
    assert [(x["name"], x["image"]) for x in containers] == [("nginx", "nginx:1.28"), ("side", "busybox")]


def test_a_merge_patch_that_changes_nothing_says_so(c):
    c.kubectl("""patch deploy web --type merge -p '{"spec":{"replicas":3}}'""")
    out = c.kubectl("""patch deploy web --type merge -p '{"spec":{"replicas":3}}'""")
    assert out.stdout == "deployment.apps/web patched (no change)\n"
    assert c.get("deploy", "web")["spec"]["replicas"] == 3


def test_a_json_patch_applies_operations_in_order(c):
    ops = (
        '[{"op":"replace","path":"/spec/replicas","value":2},{"op":"add","path":"/metadata/labels","value":{"a":"b"}}]'
    )
    assert c.kubectl(f"patch deploy web --type json -p '{ops}'").exit_code == 0
    d = c.get("deploy", "web")
    assert d["spec"]["replicas"] == 2 and d["metadata"]["labels"] == {"a": "b"}


def test_patch_errors_read_like_kubectl(c):
    assert str(c.kubectl("patch deploy web")) == (
        "error: must specify --patch or --patch-file containing the contents of the patch\n"
    )
    assert str(c.kubectl("""patch deploy nope -p '{"spec":{}}'""")) == (
        'Error from server (NotFound): deployments.apps "nope" not found\n'
    )
    bad = c.kubectl("""patch deploy web --type merge -p '{"spec":{"replicas":-1}}'""")
    assert bad.exit_code == 1
    assert 'The Deployment "web" is invalid: spec.replicas: Invalid value: -1' in str(bad)
    assert c.get("deploy", "web")["spec"]["replicas"] == 1


def test_pure_patch_functions():
    assert strategic_merge({"env": [{"name": "A", "value": "1"}]}, {"env": [{"name": "B", "value": "2"}]}) == {
        "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]
    }
    assert strategic_merge({"a": 1, "b": 2}, {"b": None}) == {"a": 1}
    assert json_patch({"items": [1, 2]}, [{"op": "add", "path": "/items/-", "value": 3}]) == {"items": [1, 2, 3]}
    assert json_patch({"a": {"b": 1}}, [{"op": "move", "from": "/a/b", "path": "/c"}]) == {"a": {}, "c": 1}
