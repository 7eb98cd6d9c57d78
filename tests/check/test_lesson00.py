"""Lesson 00 checks: each passes on the solution and fails with a hint on typical wrong answers and on None."""

from __future__ import annotations

import pytest

import k8slearn as kl
from k8slearn import check
from k8slearn.check import lesson00
from k8slearn.check.core import NOT_ANSWERED
from k8slearn.widgets.journey import journey_steps

WEB = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: nginx, image: "nginx:1.27"}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80}]
"""


@pytest.fixture(scope="module")
def cluster() -> kl.Cluster:
    c = kl.Cluster.demo(nodes=3, seed=0)
    journey_steps(c, WEB)
    return c


@pytest.mark.parametrize(
    "ex", [lesson00.ex1, lesson00.ex2, lesson00.ex3, lesson00.ex4], ids=["0.1", "0.2", "0.3", "0.4"]
)
def test_an_unanswered_exercise_gets_the_not_answered_hint(ex):
    feedback = ex(None)
    assert not feedback.ok and feedback.message == NOT_ANSWERED


def test_checks_are_reachable_as_check_lesson00():
    assert check.lesson00.ex1 is lesson00.ex1


# -- 0.1 ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("answer", ["kube-scheduler", "scheduler", " Kube-Scheduler "], ids=["name", "short", "case"])
def test_ex1_passes_on_the_scheduler(answer):
    assert lesson00.ex1(answer).ok


@pytest.mark.parametrize(
    ("answer", "hint"),
    [
        ("kubelet", "spec.nodeName=<its node>"),
        ("replicaset-controller", "spec.nodeName empty"),
        ("kube-apiserver", "create binding"),
        ("etcd", "only stores"),
        ("the cloud", "create binding"),
        (3, "as a string"),
    ],
    ids=["kubelet", "a controller", "the API server", "etcd", "a guess", "not a string"],
)
def test_ex1_hints(answer, hint):
    feedback = lesson00.ex1(answer)
    assert not feedback.ok and hint in feedback.message


# -- 0.2 ---------------------------------------------------------------------------------------
def test_ex2_passes_on_the_agents_read_from_the_graph(cluster):
    G = cluster.graph
    answer = [u for u, _, d in G.in_edges("Node/node-2", data=True)
              if d["relation"] == "runs-on" and G.nodes[u]["kind"] == "NodeAgent"]  # fmt: skip
    assert lesson00.ex2(answer).ok


def test_ex2_hints_at_pods_other_nodes_and_missing_agents(cluster):
    agents = ["kubelet/node-2", "kube-proxy/node-2", "container-runtime/node-2", "cadvisor/node-2"]
    assert "NodeAgent" in lesson00.ex2([*agents, "Pod/default/web-1"]).message
    assert "does not run on node-2" in lesson00.ex2([*agents[:3], "cadvisor/node-1"]).message
    assert "One is missing (cadvisor/node-2)" in lesson00.ex2(agents[:3]).message
    assert "list of graph node ids" in lesson00.ex2("kubelet/node-2").message


# -- 0.3 ---------------------------------------------------------------------------------------
def test_ex3_passes_on_the_order_of_the_journey():
    assert lesson00.ex3(list(lesson00.HAND_OVERS)).ok


def test_ex3_names_the_first_wrong_position():
    order = list(lesson00.HAND_OVERS)
    order[4], order[5] = order[5], order[4]  # kubelet before the scheduler
    feedback = lesson00.ex3(order)
    assert not feedback.ok and feedback.message.startswith("Position 5 should be kube-scheduler")
    assert "not one of the names" in lesson00.ex3([*order[:-1], "cloud"]).message
    assert "exactly once" in lesson00.ex3(order[:-1]).message


# -- 0.4 ---------------------------------------------------------------------------------------
def test_ex4_passes_on_the_api_journey_and_reports_its_facts(cluster):
    steps = journey_steps(cluster, lesson00.API_MANIFEST)
    feedback = lesson00.ex4(steps)
    assert feedback.ok, feedback
    assert f"{len(steps)} steps" in feedback.message and "no kube-proxy rule changes" in feedback.message


def test_ex4_hints_at_the_wrong_journey(cluster):
    other = kl.Cluster.demo(nodes=2, seed=5)
    assert "not the journey of the api Deployment" in lesson00.ex4(journey_steps(other, WEB)).message
    with_svc = lesson00.API_MANIFEST + "---\n" + WEB.split("---\n")[1].replace("web", "api")
    assert "kube-proxy step" in lesson00.ex4(journey_steps(kl.Cluster.demo(nodes=2, seed=6), with_svc)).message
    assert "a list of steps" in lesson00.ex4(["step"]).message
