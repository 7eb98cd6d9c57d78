"""Lesson 08 checks: each passes on the lesson's solution and fails with a hint otherwise."""

from __future__ import annotations

import base64

import pytest

import k8slearn as kl
from k8slearn import check
from k8slearn.check import lesson08
from k8slearn.check.core import NOT_ANSWERED

NOTES = """
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: notes}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
"""


@pytest.mark.parametrize(
    "ex", [lesson08.ex1, lesson08.ex2, lesson08.ex3, lesson08.ex4], ids=["8.1", "8.2", "8.3", "8.4"]
)
def test_unanswered(ex):
    feedback = ex(None)
    assert not feedback.ok and feedback.message == NOT_ANSWERED


def test_reachable_as_check_lesson08():
    assert check.lesson08.ex2 is lesson08.ex2


def test_ex1_waits_for_the_config_map():
    c = kl.Cluster.demo(nodes=1, seed=8)
    c.apply(lesson08.API_POD)
    c.run(20)
    stuck = lesson08.ex1(c.get("pod", "api"))
    assert not stuck.ok and "api-config" in stuck.message
    c.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "api-config"}, "data": {"MODE": "x"}})
    c.run(20)
    assert lesson08.ex1(c.get("pod", "api")).ok


@pytest.mark.parametrize(
    "answer, ok, hint",
    [
        (lesson08.DB_PASSWORD, True, "base64 is an encoding"),
        (lesson08.DB_PASSWORD.encode(), True, "RBAC"),
        (base64.b64encode(lesson08.DB_PASSWORD.encode()).decode(), False, "still base64-encoded"),
        ("28 bytes", False, "only shows the size"),
        (28, False, "only shows the size"),
        ("hunter2", False, "b64decode"),
    ],
)
def test_ex2(answer, ok, hint):
    feedback = lesson08.ex2(answer)
    assert feedback.ok is ok and hint in feedback.message


def test_ex2_matches_the_secret_the_lesson_creates():
    c = kl.Cluster(seed=0)
    c.apply(lesson08.DB_CREDS)
    decoded = base64.b64decode(c.get("secret", "db-creds")["data"]["password"]).decode()
    assert lesson08.ex2(decoded).ok


def test_ex3_matches_the_binder():
    c = kl.Cluster.demo(nodes=1)
    c.apply(lesson08.EX3_VOLUMES)
    c.apply(lesson08.EX3_CLAIM)
    c.run(1)
    bound = c.get("pvc", "claim-c")["spec"]["volumeName"]
    assert lesson08.ex3(bound).ok
    for wrong, hint in (("vol-a", "class"), ("vol-c", "ReadOnlyMany"), ("vol-e", "too small"), ("vol-d", "smallest")):
        feedback = lesson08.ex3(wrong)
        assert not feedback.ok and hint in feedback.message


def test_ex4_needs_retain_and_a_deleted_claim():
    c = kl.Cluster.demo(nodes=1)
    c.apply(NOTES)
    c.run(1)
    # what the scheduler's VolumeBinding writes when a pod using the claim is placed on node-1
    c.api.patch("PersistentVolumeClaim", "notes", "default",
                {"metadata": {"annotations": {"volume.kubernetes.io/selected-node": "node-1"}}})  # fmt: skip
    c.run(2)
    name = c.get("pvc", "notes")["spec"]["volumeName"]
    assert "Retain" in lesson08.ex4(c.get("pv", name)).message
    c.api.patch("PersistentVolume", name, None, {"spec": {"persistentVolumeReclaimPolicy": "Retain"}})
    assert "delete" in lesson08.ex4(c.get("pv", name)).message
    c.delete("pvc", "notes")
    c.run(5)
    assert lesson08.ex4(c.get("pv", name)).ok
