"""Policy rules: field errors worded like the API server's (k8s.io/apimachinery/pkg/util/validation/field)."""

from __future__ import annotations

import pytest

from k8slearn.delivery.rules import (
    Violation,
    check_image_tag,
    check_min_replicas,
    check_privileged,
    check_resource_limits,
    containers,
    validate_setting,
)


def deployment(image: str = "nginx:1.27", replicas: int | None = 2, **container: object) -> dict:
    spec: dict = {"template": {"spec": {"containers": [{"name": "web", "image": image, **container}]}}}
    if replicas is not None:
        spec["replicas"] = replicas
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}, "spec": spec}


DIGEST = "sha256:" + "ab" * 32


@pytest.mark.parametrize(
    ("image", "setting", "details"),
    [
        ("nginx:1.27", "pinned", []),
        ("registry.example.com:5000/team/api:2.1", "pinned", []),
        (f"nginx@{DIGEST}", "pinned", []),
        ("nginx", "pinned", ['must name a version tag or a digest; without one, the runtime pulls "latest"']),
        ("registry.example.com:5000/team/api", "pinned",
         ['must name a version tag or a digest; without one, the runtime pulls "latest"']),
        ("nginx:latest", "pinned", ['must not use the "latest" tag: pin a version']),
        ("nginx:1.27", "digest", ["must be pinned by digest (name@sha256:...): a tag can be moved to other bytes"]),
        (f"nginx:1.27@{DIGEST}", "digest", []),
        ("nginx:latest", "any", []),
    ],
    ids=[
        "a version tag is pinned",
        "a registry port is not a tag",
        "a digest is pinned",
        "no tag means latest",
        "no tag after a registry with a port",
        "latest is not pinned",
        "production wants a digest, a tag is not enough",
        "tag and digest satisfy the digest rule",
        "any image when the rule is off",
    ],
)  # fmt: skip
def test_image_tag_rule(image, setting, details):
    found = check_image_tag(deployment(image), setting)
    assert [v.detail for v in found] == details
    for v in found:
        assert v.field == "spec.template.spec.containers[0].image" and v.type == "Invalid value" and v.value == image


def test_image_rule_checks_init_containers_too():
    d = deployment("nginx:1.27")
    d["spec"]["template"]["spec"]["initContainers"] = [{"name": "init", "image": "busybox"}]
    assert [v.field for v in check_image_tag(d, "pinned")] == ["spec.template.spec.initContainers[0].image"]


def test_resource_limits_require_cpu_and_memory_on_every_container():
    d = deployment(resources={"limits": {"memory": "128Mi"}})
    [v] = check_resource_limits(d, "required")
    assert (
        v.error_text()
        == "spec.template.spec.containers[0].resources.limits.cpu: Required value: a CPU limit is required"
    )
    assert len(check_resource_limits(deployment(), "required")) == 2
    assert check_resource_limits(deployment(), "off") == []


def test_privileged_containers_are_forbidden_when_denied():
    d = deployment(securityContext={"privileged": True})
    [v] = check_privileged(d, "deny")
    assert v.error_text() == (
        "spec.template.spec.containers[0].securityContext.privileged: Forbidden: privileged containers are not allowed"
    )
    assert check_privileged(d, "allow") == []
    assert check_privileged(deployment(securityContext={"privileged": False}), "deny") == []


@pytest.mark.parametrize(
    ("replicas", "minimum", "texts"),
    [
        (1, 2, ["spec.replicas: Invalid value: 1: must be at least 2"]),
        (None, 2, ["spec.replicas: Invalid value: 1: must be at least 2"]),
        (3, 3, []),
        (0, 0, []),
    ],
    ids=["too few", "unset counts as the API default of 1", "exactly the minimum", "rule off"],
)
def test_min_replicas(replicas, minimum, texts):
    assert [v.error_text() for v in check_min_replicas(deployment(replicas=replicas), minimum)] == texts


def test_a_pod_has_no_replicas_and_its_containers_are_under_spec():
    pod = {"kind": "Pod", "spec": {"containers": [{"name": "a", "image": "nginx"}]}}
    assert check_min_replicas(pod, 3) == []
    assert [p for p, _ in containers(pod)] == ["spec.containers[0]"]


def test_invalid_value_quotes_strings_like_field_invalid():
    v = Violation("image-tag", "f", "Invalid value", "nginx", "d")
    assert v.error_text() == 'f: Invalid value: "nginx": d'


@pytest.mark.parametrize(
    ("rule", "value", "message"),
    [
        ("image-tag", "strict", 'rule "image-tag": unsupported value "strict": supported values: "any", "pinned", "digest"'),
        ("min-replicas", -1, 'rule "min-replicas": must be an integer >= 0, got -1'),
        ("min-replicas", True, 'rule "min-replicas": must be an integer >= 0, got True'),
        ("run-as-root", "deny", 'unknown rule "run-as-root": known rules: "image-tag", "resource-limits", "privileged", '
         '"min-replicas"'),
    ],
    ids=["unknown value", "negative count", "a bool is not a count", "unknown rule"],
)  # fmt: skip
def test_settings_are_validated(rule, value, message):
    with pytest.raises(ValueError) as err:
        validate_setting(rule, value)
    assert str(err.value) == message
