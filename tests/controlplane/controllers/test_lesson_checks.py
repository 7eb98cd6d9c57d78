"""The exercise checks of lessons 05 and 07: the solutions pass, typical mistakes get hints.

The checks build their own clusters with real node agents (the lessons run on them too).
"""

from __future__ import annotations

import pytest

import k8slearn as kl
from conftest import FakeKubelet, FakeScheduler, Sim, deployment
from k8slearn import check


@pytest.fixture
def fake_nodes(monkeypatch):
    original = kl.Cluster.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        FakeScheduler(self)
        FakeKubelet(self)

    monkeypatch.setattr(kl.Cluster, "__init__", init)


API = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  replicas: 3
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      tolerations:
      - {key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, tolerationSeconds: SECONDS}
      containers: [{name: api, image: "nginx:1.27"}]
"""


def test_lesson05_ex1_names_the_replicaset():
    sim = Sim()
    c = sim.c
    c.apply(deployment())
    c.run(5)
    c.delete("pod", sim.pods()[0]["metadata"]["name"])
    c.run(2)
    rs = c.list("rs")[0]["metadata"]["name"]
    assert check.lesson05.ex1(f"replicaset/{rs}", c).ok
    assert "Deployment only manages" in check.lesson05.ex1("deployment/web", c).message
    assert not check.lesson05.ex1(None, c).ok


def test_lesson05_ex2_measures_the_eviction():
    assert check.lesson05.ex2(API.replace("SECONDS", "60")).ok
    wrong = check.lesson05.ex2(API.replace("SECONDS", "120"))
    assert not wrong.ok and "120 s after the taint" in wrong.message
    assert "Add a toleration" in check.lesson05.ex2(deployment()).message


def test_lesson05_ex3_measures_not_ready():
    assert check.lesson05.ex3({"node-monitor-grace-period": "20s"}).ok
    slow = check.lesson05.ex3({"node-monitor-grace-period": "40s"})
    assert not slow.ok and "40 s of grace" in slow.message
    untouched = check.lesson05.ex3({"node-monitor-period": "20s"})
    assert not untouched.ok and "default 50s" in untouched.message
    assert not check.lesson05.ex3({"no-such-flag": 1}).ok
    assert not check.lesson05.ex3("20s").ok


@pytest.mark.parametrize("grace", ["5s", "10s"], ids=["below the renew interval", "equal to the renew interval"])
def test_lesson05_ex3_refuses_a_grace_period_a_healthy_kubelet_cannot_meet(grace):
    """The kubelet renews its Lease every 10 s (renewInterval = 25% of the 40 s lease duration, with jitter)."""
    result = check.lesson05.ex3({"node-monitor-grace-period": grace})
    assert not result.ok and "10 s between two Lease renewals" in result.message


@pytest.mark.parametrize(
    "answer,ok,hint",
    [((7, 4), True, "rounds up"), ((6, 4), False, "rounded UP"), ((7, 3), False, "rounded DOWN"), ("x", False, "two")],
    ids=["right", "surge rounded down", "unavailable rounded up", "not two numbers"],
)
def test_lesson07_ex1_rounding(answer, ok, hint):
    result = check.lesson07.ex1(answer)
    assert result.ok is ok and hint in result.message


def test_lesson07_ex2_runs_the_strategy():
    good = {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 2, "maxUnavailable": 0}}
    assert check.lesson07.ex2(good).ok
    dipping = check.lesson07.ex2({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 2, "maxUnavailable": 1}})
    assert not dipping.ok and "Ready" in dipping.message
    frozen = check.lesson07.ex2({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 0}})
    assert not frozen.ok and "may not be 0" in frozen.message


def test_lesson07_ex2_recreate_gets_its_own_hint():
    result = check.lesson07.ex2({"type": "Recreate"})
    assert not result.ok and "Recreate stops every old pod" in result.message


def test_lesson07_ex2_praise_counts_the_surge_it_measured():
    result = check.lesson07.ex2({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}})
    assert result.ok and "at most 1 extra pod " in result.message


def test_lesson07_ex3_replays_the_rollback():
    assert check.lesson07.ex3("kubectl rollout undo deployment/shop --to-revision=1").ok
    previous = check.lesson07.ex3("kubectl rollout undo deployment/shop")
    assert not previous.ok and "nginx:1.26" in previous.message
    assert not check.lesson07.ex3("kubectl rollout undo deployment/nope").ok
