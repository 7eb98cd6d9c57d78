"""Lesson 09 checks: each passes on the lesson's solution and fails with a hint otherwise."""

from __future__ import annotations

import pytest

import k8slearn as kl
from k8slearn import check
from k8slearn.check import lesson09
from k8slearn.check.core import NOT_ANSWERED

HPA = """
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: %(name)s}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: %(name)s}
  minReplicas: %(min)s
  maxReplicas: %(max)s
  metrics:
  - type: Resource
    resource: {name: cpu, target: {type: Utilization, averageUtilization: %(target)s}}
"""

APP = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: %(name)s}
spec:
  replicas: 2
  selector: {matchLabels: {app: %(name)s}}
  template:
    metadata:
      labels: {app: %(name)s}
      annotations: {k8slearn.io/cpu-per-request: 5m}
    spec:
      containers:
      - {name: worker, image: "nginx:1.27", ports: [{containerPort: 80}]%(resources)s}
---
apiVersion: v1
kind: Service
metadata: {name: %(name)s}
spec:
  selector: {app: %(name)s}
  ports: [{port: 80}]
"""


@pytest.fixture(scope="module")
def c() -> kl.Cluster:
    cluster = kl.Cluster.demo(nodes=2, seed=9)
    cluster.apply(APP % {"name": "api", "resources": ", resources: {requests: {cpu: 200m}}"})
    cluster.apply(APP % {"name": "batch", "resources": ""})
    cluster.apply(HPA % {"name": "batch", "min": 1, "max": 10, "target": 50})
    cluster.apply(HPA % {"name": "web", "min": 1, "max": 10, "target": 50})
    cluster.run(20)
    cluster.set_load("batch", 300)
    cluster.run(60)
    return cluster


@pytest.mark.parametrize(
    "ex", [lesson09.ex1, lesson09.ex2, lesson09.ex3, lesson09.ex4], ids=["9.1", "9.2", "9.3", "9.4"]
)
def test_unanswered(ex):
    feedback = ex(None)
    assert not feedback.ok and feedback.message == NOT_ANSWERED


def test_reachable_as_check_lesson09():
    assert check.lesson09.ex4 is lesson09.ex4


@pytest.mark.parametrize(
    "answer, ok, hint",
    [(6, True, "ceil(3 × 90/50) = 6"), (5.4, False, "rounds the product *up*"), (5, False, "rounds up"),
     (3, False, "tolerance"), ("6", False, "a number")],
)  # fmt: skip
def test_ex1(answer, ok, hint):
    feedback = lesson09.ex1(answer)
    assert feedback.ok is ok and hint in feedback.message


def test_ex2_passes_on_the_solution_and_names_wrong_fields(c):
    good = c.apply(HPA % {"name": "api", "min": 2, "max": 6, "target": 70})
    assert lesson09.ex2(good).ok
    assert "2 and 6" in lesson09.ex2([dict(good[0], spec=dict(good[0]["spec"], minReplicas=1))]).message
    assert "Utilization" in lesson09.ex2(c.apply(HPA % {"name": "api", "min": 2, "max": 6, "target": 80})).message
    assert "apply it" in lesson09.ex2("apiVersion: autoscaling/v2").message


def test_ex3(c):
    assert "300 s" in lesson09.ex3(c.get("hpa", "web")).message
    c.apply(
        (HPA % {"name": "web", "min": 1, "max": 10, "target": 50})
        + "  behavior:\n    scaleDown:\n      stabilizationWindowSeconds: 60\n"
    )
    assert lesson09.ex3(c.get("hpa", "web")).ok
    c.apply(
        (HPA % {"name": "web", "min": 1, "max": 10, "target": 50})
        + "  behavior:\n    scaleDown:\n      stabilizationWindowSeconds: 120\n"
    )
    assert not lesson09.ex3(c.get("hpa", "web")).ok


def test_ex4_matches_what_the_hpa_reports(c):
    cond = next(x for x in c.get("hpa", "batch")["status"]["conditions"] if x["type"] == "ScalingActive")
    assert lesson09.ex4(cond["reason"]).ok
    assert not lesson09.ex4("ValidMetricFound").ok
    assert "Reason" in lesson09.ex4(cond["message"]).message
