"""Lesson 01 checks: each passes on the solution and fails with a hint on wrong answers and on None."""

from __future__ import annotations

import pytest

import k8slearn as kl
from k8slearn import check
from k8slearn.check import lesson01
from k8slearn.check.core import NOT_ANSWERED
from k8slearn.viz.apimachinery import audit_frame

WEB = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: nginx, image: "nginx:1.27"}]
"""


@pytest.fixture(scope="module")
def cluster() -> kl.Cluster:
    c = kl.Cluster.demo(nodes=3, seed=1)
    c.apply(WEB)
    c.run(20)
    return c


@pytest.mark.parametrize(
    "ex", [lesson01.ex1, lesson01.ex2, lesson01.ex3, lesson01.ex4], ids=["1.1", "1.2", "1.3", "1.4"]
)
def test_an_unanswered_exercise_gets_the_not_answered_hint(ex):
    feedback = ex(None)
    assert not feedback.ok
    assert feedback.message == NOT_ANSWERED
    assert str(feedback).startswith("❌ Not yet. Hint: ")


def test_checks_are_reachable_as_check_lesson01():
    assert check.lesson01.ex1 is lesson01.ex1


# -- 1.1 the etcd key -------------------------------------------------------------------------
def test_ex1_passes_on_the_key_kube_apiserver_wrote(cluster):
    [key] = cluster.etcd.keys("/registry/deployments/")
    feedback = lesson01.ex1(key)
    assert feedback.ok, feedback
    assert str(feedback).startswith("✅ Correct. ")


@pytest.mark.parametrize(
    ("answer", "hint"),
    [
        (42, "as a string"),
        ("deployments/default/web", "starts with /registry/"),
        ("/registry/Deployment/default/web", "plural and lower case"),
        ("/registry/deployments/web", "namespaced"),
        ("/registry/deployments/kube-system/web", "namespace default"),
    ],
    ids=["not a string", "no /registry prefix", "kind instead of resource", "no namespace", "wrong namespace"],
)
def test_ex1_hints_say_what_is_wrong(answer, hint):
    feedback = lesson01.ex1(answer)
    assert not feedback.ok and hint in feedback.message


# -- 1.2 fix the manifest -------------------------------------------------------------------------
def test_ex2_passes_when_the_fixed_manifest_is_stored():
    c = kl.Cluster(seed=0)
    fixed = lesson01.BROKEN_MANIFEST.replace("Shop-Frontend", "shop-frontend").replace("replicas: -2", "replicas: 2")
    feedback = lesson01.ex2(c.apply(fixed))
    assert feedback.ok, feedback


def test_ex2_hints_at_the_field_errors_when_given_the_refusal():
    c = kl.Cluster(seed=0)
    with pytest.raises(kl.ApiError) as err:
        c.apply(lesson01.BROKEN_MANIFEST)
    assert {cause.path for cause in err.value.causes} == {"metadata.name", "spec.replicas"}
    feedback = lesson01.ex2(err.value)
    assert not feedback.ok
    assert "422 Invalid" in feedback.message and "metadata.name" in feedback.message


@pytest.mark.parametrize(
    ("name", "replicas", "hint"),
    [("shop", 2, "shop-frontend"), ("shop-frontend", 0, "two copies")],
    ids=["accepted under another name", "accepted with zero replicas"],
)
def test_ex2_hints_when_the_fix_changes_the_intent(name, replicas, hint):
    c = kl.Cluster(seed=0)
    fixed = lesson01.BROKEN_MANIFEST.replace("Shop-Frontend", name).replace("replicas: -2", f"replicas: {replicas}")
    feedback = lesson01.ex2(c.apply(fixed))
    assert not feedback.ok and hint in feedback.message


@pytest.mark.parametrize(
    ("answer", "hint"),
    [(lesson01.BROKEN_MANIFEST, "apply it"), ([], "c.apply(...) returns"), ([{"kind": "Service"}], "no Deployment")],
    ids=["the manifest text", "an empty list", "another kind"],
)
def test_ex2_hints_on_other_answers(answer, hint):
    feedback = lesson01.ex2(answer)
    assert not feedback.ok and hint in feedback.message


# -- 1.3 survive a conflict -----------------------------------------------------------------------
def _teammate_labels_web(c: kl.Cluster) -> dict:
    mine = c.get("deploy", "web")
    theirs = c.get("deploy", "web")
    theirs["metadata"].setdefault("labels", {})["team"] = "blue"
    c.update(theirs)
    return mine


def test_ex3_passes_after_a_read_and_retry():
    c = kl.Cluster.demo(nodes=1, seed=2)
    c.apply(WEB)
    mine = _teammate_labels_web(c)
    mine["spec"]["replicas"] = 5
    with pytest.raises(kl.ApiError) as err:
        c.update(mine)
    assert err.value.code == 409
    assert not lesson01.ex3(err.value).ok
    fresh = c.get("deploy", "web")
    fresh["spec"]["replicas"] = 5
    feedback = lesson01.ex3(c.update(fresh))
    assert feedback.ok, feedback


def test_ex3_catches_a_forced_write_that_lost_the_teammates_label():
    c = kl.Cluster.demo(nodes=1, seed=2)
    c.apply(WEB)
    mine = _teammate_labels_web(c)
    mine["spec"]["replicas"] = 5
    del mine["metadata"]["resourceVersion"]  # an unconditional update: last write wins
    feedback = lesson01.ex3(c.update(mine))
    assert not feedback.ok and "team=blue is gone" in feedback.message


def test_ex3_hints_on_wrong_replicas_and_wrong_objects():
    c = kl.Cluster.demo(nodes=1, seed=2)
    c.apply(WEB)
    _teammate_labels_web(c)
    assert "set it to 5" in lesson01.ex3(c.get("deploy", "web")).message
    assert "Deployment web" in lesson01.ex3({"kind": "Pod"}).message


# -- 1.4 read the audit log -----------------------------------------------------------------------
def test_ex4_passes_on_what_the_audit_log_says(cluster):
    pod = cluster.list("pods", selector="app=web")[0]["metadata"]["name"]
    log = audit_frame(cluster, kinds=["Pod"], name=pod)
    answer = {
        "created": log[log["verb"] == "create"]["user"].iloc[0],
        "bound": log[log["verb"] == "create binding"]["user"].iloc[0],
        "status": log[log["verb"] == "update"]["user"].iloc[0],
    }
    feedback = lesson01.ex4(answer)
    assert feedback.ok, feedback


@pytest.mark.parametrize(
    ("answer", "hint"),
    [
        ("kube-scheduler", "Answer with a dict"),
        ({"created": "kube-controller-manager/replicaset-controller"}, "missing: bound, status"),
        (
            {
                "created": "kube-controller-manager/deployment-controller",
                "bound": "kube-scheduler",
                "status": "kubelet/node-1",
            },
            "ReplicaSet's controller",
        ),  # fmt: skip
        (
            {
                "created": "kube-controller-manager/replicaset-controller",
                "bound": "kubelet/node-1",
                "status": "kubelet/node-1",
            },
            "create binding",
        ),  # fmt: skip
        (
            {
                "created": "kube-controller-manager/replicaset-controller",
                "bound": "kube-scheduler",
                "status": "kube-scheduler",
            },
            "agent on the chosen node",
        ),  # fmt: skip
    ],
    ids=["not a dict", "keys missing", "the deployment controller", "the kubelet binds", "the scheduler reports"],
)
def test_ex4_hints_point_at_the_audit_row_to_read(answer, hint):
    feedback = lesson01.ex4(answer)
    assert not feedback.ok and hint in feedback.message
