"""Releases: manifests rendered per environment with the release image, pinned by digest on request."""

from __future__ import annotations

import pytest

from k8slearn.delivery import Release
from k8slearn.delivery.demo import WEB_MANIFEST, web_release
from k8slearn.node.images import DEFAULT_REGISTRY, PullError


def test_render_sets_the_namespace_and_the_image_of_the_first_container():
    objs = web_release("nginx:1.28").render("shop")
    assert [(o["kind"], o["metadata"]["namespace"]) for o in objs] == [("Deployment", "shop"), ("Service", "shop")]
    assert objs[0]["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.28"
    # rendering again starts from the original manifests
    assert web_release().render("other")[0]["metadata"]["namespace"] == "other"


def test_a_named_container_gets_the_image_and_the_others_keep_theirs():
    two = WEB_MANIFEST.replace(
        "      - name: nginx\n", "      - name: sidecar\n        image: busybox:1.36\n      - name: nginx\n"
    )
    [d, _] = Release("web", two, "nginx:1.28", container="nginx").render("shop")
    assert [c["image"] for c in d["spec"]["template"]["spec"]["containers"]] == ["busybox:1.36", "nginx:1.28"]
    with pytest.raises(ValueError, match='no container "app"'):
        Release("web", two, "nginx:1.28", container="app").render("shop")


def test_pinned_resolves_the_tag_to_the_registry_digest():
    pinned = web_release("nginx:1.27").pinned()
    assert pinned.image == f"nginx:1.27@{DEFAULT_REGISTRY.lookup('nginx:1.27').digest}"
    assert pinned.pinned() is pinned
    assert pinned.version == "1.27"
    with pytest.raises(PullError, match="not found"):
        web_release("nginx:1.99").pinned()


def test_a_release_needs_a_workload():
    with pytest.raises(ValueError, match="hold no Deployment, StatefulSet, DaemonSet"):
        Release("svc", {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"}}, "nginx:1.27")


def test_version_without_a_tag_is_the_short_digest():
    digest = "sha256:" + "0123456789ab" * 5 + "cdef"
    assert web_release(f"nginx@{digest}").version == "0123456789ab"
    assert str(web_release()) == "web@nginx:1.27"
