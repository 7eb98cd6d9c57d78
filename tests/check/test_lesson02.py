"""Lesson 02 checks: the hints a student meets on the usual wrong answers (more cases in
tests/controlplane/scheduler/test_sched_lessons.py)."""

from __future__ import annotations

import pytest

from k8slearn.check import lesson02
from k8slearn.check.core import NOT_ANSWERED

CACHE = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: cache}
spec:
  replicas: 3
  selector: {matchLabels: {app: cache}}
  template:
    metadata: {labels: {app: cache}}
    spec:
      containers: [{name: redis, image: "redis:7.4"}]
"""


@pytest.fixture(scope="module")
def report_cluster():
    c = lesson02.gpu_cluster()
    c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "report"},
             "spec": {"containers": [{"name": "r", "image": "nginx",
                                      "resources": {"requests": {"cpu": "5", "memory": "12Gi"}}}]}})  # fmt: skip
    c.run(2)
    return c


def test_ex1_passes_and_names_the_nodes(report_cluster):
    result = lesson02.ex1(["node-2", "node-1"], report_cluster)
    assert result.ok and result.message.startswith("node-1, node-2: the event only counts them")


def test_ex1_without_an_answer_asks_for_one(report_cluster):
    assert lesson02.ex1(None, report_cluster).message == NOT_ANSWERED


def test_ex3_without_any_rule_points_at_required_anti_affinity():
    # Three pods on three nodes only because of the default spreading; the fourth joins a sibling.
    result = lesson02.ex3(CACHE)
    assert not result.ok
    assert "default spreading leans that way" in result.message
    assert "requiredDuringSchedulingIgnoredDuringExecution" in result.message
