"""Lesson 03 checks on the lesson's own clusters (more cases in tests/controlplane/scheduler/test_sched_lessons.py)."""

from __future__ import annotations

import pytest

import k8slearn as kl
from k8slearn.check import lesson03
from k8slearn.check.core import NOT_ANSWERED

AGENTS = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: agents}
spec:
  replicas: 5
  selector: {matchLabels: {app: agents}}
  template:
    metadata: {labels: {app: agents}}
    spec:
      containers:
      - {name: agent, image: "nginx:1.27"}
      - {name: shipper, image: "busybox:1.37", command: ["sleep", "infinity"]}
---
apiVersion: v1
kind: Pod
metadata: {name: app, labels: {app: app}}
spec:
  containers:
  - {name: app, image: "httpd:2.4", resources: {requests: {cpu: "1", memory: 1Gi}}}
"""


@pytest.fixture(scope="module")
def be() -> kl.Cluster:
    """Section 5 of the lesson: five request-less two-container pods and one 1-cpu pod on two nodes."""
    c = kl.Cluster(seed=1)
    c.add_node("node-1", cpu="2", memory="4Gi")
    c.add_node("node-2", cpu="2", memory="4Gi")
    c.run(5)
    c.apply(AGENTS)
    c.run(10)
    return c


def test_ex2_the_lesson_solution_passes_on_the_node_of_app(be):
    node = be.get("pod", "app")["spec"]["nodeName"]
    agents_there = sum(1 for p in be.list("pods", selector="app=agents") if p["spec"]["nodeName"] == node)
    assert lesson03.ex2((1000, 1000 + agents_there * 2 * 100), be, node).ok


@pytest.mark.parametrize(
    "answer, hint",
    [
        pytest.param(None, NOT_ANSWERED, id="None asks for an answer"),
        pytest.param(1400, "two numbers in millicores", id="one number is not a pair"),
        pytest.param((1000, 1000), "count the containers", id="the filter number also for scoring"),
    ],
)
def test_ex2_hints(be, answer, hint):
    node = be.get("pod", "app")["spec"]["nodeName"]
    result = lesson03.ex2(answer, be, node)
    assert not result.ok and hint in result.message


def test_ex3_hint_offers_both_ways_to_stop_default_spreading():
    most = {"apiVersion": "kubescheduler.config.k8s.io/v1", "kind": "KubeSchedulerConfiguration",
            "profiles": [{"schedulerName": "default-scheduler", "pluginConfig": [
                {"name": "NodeResourcesFit", "args": {"scoringStrategy": {"type": "MostAllocated"}}}]}]}  # fmt: skip
    message = lesson03.ex3(most).message
    assert "plugins.score.disabled" in message and "defaultingType: List" in message
