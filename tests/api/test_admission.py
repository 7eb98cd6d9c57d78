"""Admission plugins: ServiceAccount, Priority, DefaultTolerationSeconds (plugin/pkg/admission)."""

from __future__ import annotations

import pytest

from k8slearn.api.admission import admit
from k8slearn.api.errors import ApiError

NOT_READY = {
    "key": "node.kubernetes.io/not-ready",
    "operator": "Exists",
    "effect": "NoExecute",
    "tolerationSeconds": 300,
}
UNREACHABLE = {
    "key": "node.kubernetes.io/unreachable",
    "operator": "Exists",
    "effect": "NoExecute",
    "tolerationSeconds": 300,
}


def _pod(**spec):
    return {"kind": "Pod", "metadata": {"name": "web", "namespace": "default"},
            "spec": {"containers": [{"name": "c", "image": "x"}], **spec}}  # fmt: skip


def _lookup(classes=()):
    by_name = {c["metadata"]["name"]: c for c in classes}

    def lookup(kind, name, namespace):
        if kind != "PriorityClass":
            return None
        return list(classes) if name == "" else by_name.get(name)

    return lookup


def test_a_plain_pod_gets_the_default_service_account_priority_and_tolerations():
    pod = _pod()
    assert admit("Pod", pod, _lookup()) is None
    spec = pod["spec"]
    assert (spec["serviceAccountName"], spec["serviceAccount"]) == ("default", "default")
    assert (spec["priority"], spec["preemptionPolicy"]) == (0, "PreemptLowerPriority")
    assert spec["tolerations"] == [NOT_READY, UNREACHABLE]
    assert "priorityClassName" not in spec


@pytest.mark.parametrize(
    "tolerations,added",
    [([{"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute"}], [UNREACHABLE]),
     ([{"operator": "Exists"}], []),
     ([{"key": "node.kubernetes.io/unreachable", "operator": "Exists"}], [NOT_READY]),
     ([{"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoSchedule"}], [NOT_READY, UNREACHABLE])],
    ids=["an own not-ready toleration is kept", "tolerate everything", "an empty effect tolerates NoExecute",
         "a NoSchedule toleration does not count"],
)  # fmt: skip
def test_default_toleration_seconds(tolerations, added):
    pod = _pod(tolerations=list(tolerations))
    admit("Pod", pod, _lookup())
    assert pod["spec"]["tolerations"] == list(tolerations) + added


def test_priority_class_name_resolves_to_priority():
    high = {"metadata": {"name": "high"}, "value": 1000, "preemptionPolicy": "Never"}
    pod = _pod(priorityClassName="high")
    admit("Pod", pod, _lookup([high]))
    assert (pod["spec"]["priority"], pod["spec"]["preemptionPolicy"]) == (1000, "Never")


def test_built_in_system_classes_exist():
    pod = _pod(priorityClassName="system-node-critical")
    admit("Pod", pod, _lookup())
    assert pod["spec"]["priority"] == 2000001000
    pod = _pod(priorityClassName="system-cluster-critical")
    admit("Pod", pod, _lookup())
    assert pod["spec"]["priority"] == 2000000000


def test_global_default_applies_without_a_name():
    default = {"metadata": {"name": "normal"}, "value": 7, "globalDefault": True}
    pod = _pod()
    admit("Pod", pod, _lookup([default]))
    assert (pod["spec"]["priorityClassName"], pod["spec"]["priority"]) == ("normal", 7)


def test_a_missing_class_is_forbidden_with_the_upstream_text():
    with pytest.raises(ApiError) as err:
        admit("Pod", _pod(priorityClassName="gold"), _lookup())
    assert (err.value.code, err.value.reason) == (403, "Forbidden")
    assert str(err.value) == 'pods "web" is forbidden: no PriorityClass with name gold was found'


def test_generate_name_is_used_in_the_forbidden_message():
    pod = _pod(priorityClassName="gold")
    pod["metadata"] = {"generateName": "web-7d4b9c-"}
    with pytest.raises(ApiError, match='pods "web-7d4b9c-" is forbidden'):
        admit("Pod", pod, _lookup())


def test_a_given_priority_must_match():
    with pytest.raises(ApiError) as err:
        admit("Pod", _pod(priority=5), _lookup())
    assert str(err.value) == (
        'pods "web" is forbidden: the integer value of priority (5) must not be provided in pod spec; '
        "priority admission controller computed 0 from the given PriorityClass name"
    )


def test_other_kinds_and_junk_pass_through():
    assert admit("Deployment", {"spec": {}}, _lookup()) is None
    assert admit("Pod", {"spec": "junk"}, _lookup()) is None
    assert admit("Pod", {"spec": {"tolerations": "junk"}}, _lookup()) is None
