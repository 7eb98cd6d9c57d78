"""The HorizontalPodAutoscaler: replica calculator, stabilization, behavior policies, controller.

Worked examples come from upstream ``pkg/controller/podautoscaler/replica_calculator_test.go``
(``TestReplicaCalc*``: two containers per pod, each requesting the listed CPU, metrics for
both; "hot" pods started within the CPU initialization period) and ``horizontal_test.go``
(``TestNormalizeDesiredReplicas``, ``TestConvertDesiredReplicasWithRules``); the behavior
cases follow ``calculateScaleUpLimitWithScalingRules`` /
``calculateScaleDownLimitWithBehaviors`` in ``horizontal.go``. Controller messages are
upstream's (``SuccessfulRescale``: ``New size: 4; reason: cpu resource utilization
(percentage of request) above target``).
"""

from __future__ import annotations

import math

import pytest

from conftest import Sim
from k8slearn.controlplane.controllers import hpa as h

NOW = 1000.0
COOL, HOT = NOW - 180.0, NOW  # started before / within the (2 min) initialization period


def pods_for(n, requests=None, readiness=None, phases=None, start=None, deleting=None, containers=2):
    out = []
    for i in range(n):
        req = (requests or ["1"] * n)[i] if requests is not None and i < len(requests) else None
        conts = []
        for j in range(containers):
            c = {"name": f"container{j + 1}"}
            if req is not None:
                c["resources"] = {"requests": {"cpu": req}}
            conts.append(c)
        pod = {
            "metadata": {"name": f"test-pod-{i}"},
            "spec": {"containers": conts},
            "status": {
                "phase": (phases or ["Running"] * n)[i],
                "startTime": (start or [0.0] * n)[i],
                "conditions": [{"type": "Ready", "status": (readiness or ["True"] * n)[i], "lastTransitionTime": 0.0}],
            },
        }
        if deleting and deleting[i]:
            pod["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z"
        out.append(pod)
    return out


def metrics_for(levels, containers=2):
    """``levels`` per pod: one number (each container uses it) or a list per container."""
    out = {}
    for i, level in enumerate(levels):
        per = level if isinstance(level, list) else [level] * containers
        out[f"test-pod-{i}"] = h.PodMetric(sum(per), timestamp=0.0, window=60.0)
    return out


def calc(current, pods, metrics, target, container=""):
    return h.resource_replicas(
        current, target, "cpu", pods, metrics, NOW,
        tolerances=h.Tolerances(0.1, 0.1), cpu_initialization_period=120.0, delay_of_initial_readiness_status=10.0,
        container=container,
    )  # fmt: skip


# (name, current, pods kwargs, levels, target, expected replicas, expected utilization, expected raw value)
CASES = [
    ("TestReplicaCalcScaleUp", 3, {}, [300, 500, 700], 30, 5, 50, 2 * 500),
    ("TestReplicaCalcScaleUpUnreadyLessScale", 3, {"readiness": ["False", "True", "True"]}, [300, 500, 700], 30, 4, 60, 2 * 600),
    ("TestReplicaCalcScaleUpHotCpuLessScale", 3, {"start": [HOT, COOL, COOL]}, [300, 500, 700], 30, 4, 60, 2 * 600),
    ("TestReplicaCalcScaleUpUnreadyNoScale", 3, {"readiness": ["True", "False", "False"]}, [400, 500, 700], 30, 3, 40, 2 * 400),
    ("TestReplicaCalcScaleHotCpuNoScale", 3, {"readiness": ["True", "False", "False"], "start": [COOL, HOT, HOT]},
     [400, 500, 700], 30, 3, 40, 2 * 400),
    ("TestReplicaCalcScaleUpIgnoresFailedPods", 2, {"n": 4, "readiness": ["True", "True", "False", "False"],
     "phases": ["Running", "Running", "Failed", "Failed"]}, [500, 700], 30, 4, 60, 2 * 600),
    ("TestReplicaCalcScaleUpIgnoresDeletionPods", 2, {"n": 4, "readiness": ["True", "True", "False", "False"],
     "deleting": [False, False, True, True]}, [500, 700], 30, 4, 60, 2 * 600),
    ("TestReplicaCalcScaleDown", 5, {}, [100, 300, 500, 250, 250], 50, 3, 28, 2 * 280),
    ("TestReplicaCalcScaleDownExcludeUnreadyPods", 5, {"readiness": ["True", "True", "True", "False", "False"]},
     [100, 300, 500, 250, 250], 50, 2, 30, 2 * 300),
    ("TestReplicaCalcScaleDownExcludeUnscheduledPods", 5, {"readiness": ["True"] + ["False"] * 4,
     "phases": ["Running"] + ["Pending"] * 4}, [100], 50, 1, 10, 2 * 100),
    ("TestReplicaCalcScaleDownIgnoreHotCpuPods", 5, {"start": [COOL, COOL, COOL, HOT, HOT]},
     [100, 300, 500, 250, 250], 50, 2, 30, 2 * 300),
    ("TestReplicaCalcTolerance", 3, {"requests": ["0.9", "1.0", "1.1"]}, [1010, 1030, 1020], 100, 3, 102, 2 * 1020),
    ("TestReplicaCalcSuperfluousMetrics", 4, {}, [4000, 9500, 3000, 7000, 3200, 2000], 100, 24, 587, 2 * 5875),
    ("TestReplicaCalcMissingMetrics", 4, {}, [400, 95], 100, 3, 24, 495),
    ("TestReplicaCalcMissingMetricsNoChangeEq", 2, {}, [1000], 100, 2, 100, 2 * 1000),
    ("TestReplicaCalcMissingMetricsNoChangeGt", 2, {}, [1900], 100, 2, 190, 2 * 1900),
    ("TestReplicaCalcMissingMetricsNoChangeLt", 2, {}, [600], 100, 2, 60, 2 * 600),
    ("TestReplicaCalcMissingMetricsUnreadyChange", 3, {"readiness": ["False", "True", "True"]}, [100, 450], 50, 3, 45,
     2 * 450),
]  # fmt: skip


@pytest.mark.parametrize(
    "name, current, kw, levels, target, replicas, utilization, raw", CASES, ids=[c[0] for c in CASES]
)
def test_replica_calculator_matches_upstream(name, current, kw, levels, target, replicas, utilization, raw):
    kw = dict(kw)
    n = kw.pop("n", current)
    requests = kw.pop("requests", ["1.0"] * n)
    pods = pods_for(n, requests=requests, **kw)
    assert calc(current, pods, metrics_for(levels), target) == (replicas, utilization, raw)


def test_container_metric_counts_only_that_container():
    """``TestReplicaCalcContainerScaleUp``: container2 uses 300/500/700m of its 1-CPU request."""
    pods = pods_for(3, requests=["1.0"] * 3)
    metrics = {f"test-pod-{i}": h.PodMetric(v) for i, v in enumerate((300, 500, 700))}
    assert calc(3, pods, metrics, 30, container="container2") == (5, 50, 500)


@pytest.mark.parametrize(
    "pods, metrics, message",
    [
        pytest.param(pods_for(4, requests=["1.0"] * 4), {}, "unable to get metrics for resource cpu: no metrics returned "
                     "from resource metrics API", id="TestReplicaCalcEmptyMetrics"),
        pytest.param(pods_for(1, requests=None), metrics_for([200]), "missing request for cpu in container container1 "
                     "of Pod test-pod-0", id="TestReplicaCalcEmptyCPURequest"),
        pytest.param(pods_for(1, requests=["1.0"]), {"an-older-pod-name": h.PodMetric(200)},
                     "no metrics returned matched known pods", id="TestReplicaCalcDisjointResourcesMetrics"),
        pytest.param(pods_for(1, requests=["1.0"], readiness=["False"], start=[HOT]), metrics_for([200]),
                     "did not receive metrics for targeted pods (pods might be unready)", id="only initializing pods"),
    ],
)  # fmt: skip
def test_replica_calculator_errors(pods, metrics, message):
    with pytest.raises(h.MetricsError) as err:
        calc(len(pods), pods, metrics, 100)
    assert str(err.value) == message


def test_tolerance_is_ten_percent_and_per_direction():
    pods = pods_for(4, requests=["1.0"] * 4)
    metrics = metrics_for([1080] * 4)  # 2 × 1080m of 2 × 1 CPU: 108 % of a 100 % target
    assert calc(4, pods, metrics, 100)[0] == 4
    tight = h.resource_replicas(4, 100, "cpu", pods, metrics, NOW, tolerances=h.Tolerances(0.1, 0.05))
    assert tight[0] == math.ceil(4 * 1.08) == 5


# -- stabilization and rules ----------------------------------------------------------------


@pytest.mark.parametrize(
    "recommendations, desired, expected, log_length",
    [
        pytest.param([], 5, 5, 1, id="empty log"),
        pytest.param([(4, NOW - 120), (5, NOW - 60)], 3, 5, 3, id="stabilize"),
        pytest.param([(1, NOW - 120), (2, NOW - 60)], 3, 3, 3, id="no stabilize"),
        pytest.param([(10, NOW - 600), (9, NOW - 540)], 3, 3, 2, id="no stabilize - old recommendations"),
        pytest.param([(10, NOW - 600), (4, NOW - 60), (5, NOW - 120), (9, NOW - 540)], 3, 5, 4,
                     id="stabilize - old recommendations"),
    ],
)  # fmt: skip
def test_stabilize_recommendation_like_upstream(recommendations, desired, expected, log_length):
    """``TestNormalizeDesiredReplicas`` with the default 5 minute window."""
    history = h.ReplicaHistory(recommendations=list(recommendations))
    assert h.stabilize_recommendation(history, NOW, desired, 300) == expected
    assert len(history.recommendations) == log_length


@pytest.mark.parametrize(
    "current, desired, lo, hi, expected, reason",
    [
        (5, 7, 3, 8, 7, "DesiredWithinRange"),
        (3, 1, 2, 8, 2, "TooFewReplicas"),
        (1, 0, 0, 10, 0, "DesiredWithinRange"),
        (20, 1000, 1, 10, 10, "TooManyReplicas"),
        (3, 1000, 1, 2000, 6, "ScaleUpLimit"),
    ],
)
def test_convert_desired_replicas_with_rules_like_upstream(current, desired, lo, hi, expected, reason):
    """``TestConvertDesiredReplicasWithRules``: without behavior a step is at most max(2 × current, 4)."""
    assert h.convert_desired_replicas_with_rules(current, desired, lo, hi)[:2] == (expected, reason)


DEFAULT_UP = {"stabilizationWindowSeconds": 0, "selectPolicy": "Max",
              "policies": [{"type": "Pods", "value": 4, "periodSeconds": 15},
                           {"type": "Percent", "value": 100, "periodSeconds": 15}]}  # fmt: skip
DEFAULT_DOWN = {"selectPolicy": "Max", "policies": [{"type": "Percent", "value": 100, "periodSeconds": 15}]}


def rules(select="Max", *policies):
    return {"selectPolicy": select, "policies": [{"type": t, "value": v, "periodSeconds": p} for t, v, p in policies]}


@pytest.mark.parametrize(
    "current, desired, up, down, events_up, events_down, expected, reason",
    [
        pytest.param(10, 50, DEFAULT_UP, DEFAULT_DOWN, [], [], 20, "ScaleUpLimit",
                     id="default scale-up: the larger of +4 pods and +100 % per 15 s"),
        pytest.param(1, 50, DEFAULT_UP, DEFAULT_DOWN, [], [], 5, "ScaleUpLimit", id="from 1 pod +4 pods beats +100 %"),
        pytest.param(10, 50, rules("Min", ("Pods", 4, 15), ("Percent", 100, 15)), DEFAULT_DOWN, [], [], 14,
                     "ScaleUpLimit", id="selectPolicy Min takes the smaller change"),
        pytest.param(10, 50, rules("Max", ("Pods", 4, 60)), DEFAULT_DOWN, [h.ScaleEvent(4, NOW - 30)], [], 10,
                     "ScaleUpLimit", id="pods added within the period count against the policy"),
        pytest.param(10, 50, rules("Max", ("Pods", 4, 60)), DEFAULT_DOWN, [h.ScaleEvent(4, NOW - 61)], [], 14,
                     "ScaleUpLimit", id="events older than the period do not count"),
        pytest.param(10, 12, DEFAULT_UP, DEFAULT_DOWN, [], [], 12, "DesiredWithinRange", id="within the rate"),
        pytest.param(10, 50, rules("Disabled", ("Pods", 4, 15)), DEFAULT_DOWN, [], [], 10, "ScaleUpLimit",
                     id="selectPolicy Disabled stops scaling up"),
        pytest.param(10, 2, DEFAULT_UP, rules("Max", ("Percent", 50, 60)), [], [], 5, "ScaleDownLimit",
                     id="scale-down by at most 50 % per minute"),
        pytest.param(10, 2, DEFAULT_UP, rules("Max", ("Percent", 50, 60), ("Pods", 3, 60)), [], [], 5,
                     "ScaleDownLimit", id="scale-down Max takes the bigger change"),
        pytest.param(10, 2, DEFAULT_UP, rules("Min", ("Percent", 50, 60), ("Pods", 3, 60)), [], [], 7,
                     "ScaleDownLimit", id="scale-down Min takes the smaller change"),
        pytest.param(10, 2, DEFAULT_UP, DEFAULT_DOWN, [], [], 3, "TooFewReplicas",
                     id="minReplicas bounds a free scale-down"),
        pytest.param(10, 50, DEFAULT_UP, DEFAULT_DOWN, [], [], 20, "ScaleUpLimit", id="the rate binds before maxReplicas"),
    ],
)  # fmt: skip
def test_behavior_rate_limits(current, desired, up, down, events_up, events_down, expected, reason):
    history = h.ReplicaHistory(scale_up_events=list(events_up), scale_down_events=list(events_down))
    result = h.convert_desired_replicas_with_behavior_rate(history, NOW, current, desired, 3, 100, up, down)
    assert result[:2] == (expected, reason)


def test_behavior_stabilization_windows():
    """``stabilizeRecommendationWithBehaviors``: up window takes the lowest, down window the highest."""
    history = h.ReplicaHistory(recommendations=[(4, NOW - 120), (5, NOW - 60)])
    assert h.stabilize_recommendation_with_behaviors(history, NOW, 100, 3, 0, 300)[:2] == (5, "ScaleDownStabilized")
    history = h.ReplicaHistory(recommendations=[(4, NOW - 120), (5, NOW - 60)])
    assert h.stabilize_recommendation_with_behaviors(history, NOW, 1, 7, 150, 300)[:2] == (4, "ScaleUpStabilized")
    history = h.ReplicaHistory(recommendations=[(10, NOW - 600), (9, NOW - 540)])
    assert h.stabilize_recommendation_with_behaviors(history, NOW, 100, 3, 0, 300)[0] == 3
    assert history.recommendations == [(10, NOW - 600), (3, NOW)]  # the older slot is reused


def test_scale_events_reuse_outdated_slots():
    """``TestStoreScaleUpEvents``: an event older than the longest period is replaced."""
    behavior = {"scaleUp": rules("Max", ("Pods", 4, 60)), "scaleDown": DEFAULT_DOWN}
    history = h.ReplicaHistory(scale_up_events=[h.ScaleEvent(7, NOW - 61), h.ScaleEvent(6, NOW - 59)])
    assert h.replicas_change_per_period(60, history.scale_up_events, NOW) == 6
    h.store_scale_event(history, behavior, NOW, 5, 10)
    assert [(e.replica_change, e.timestamp) for e in history.scale_up_events] == [(5, NOW), (6, NOW - 59)]
    h.store_scale_event(history, None, NOW, 5, 10)  # without behavior nothing is remembered
    assert len(history.scale_up_events) == 2


# -- the controller ---------------------------------------------------------------------------

APP = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: nginx
        resources: {requests: {cpu: 200m}}
"""

HPA = """
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: %(min)s
  maxReplicas: %(max)s
  metrics:
  - type: Resource
    resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}
"""


class Load:
    """A fake metrics pipeline: ``total`` millicores spread evenly over Running pods of ``web``."""

    def __init__(self, sim: Sim, total: int) -> None:
        self.sim = sim
        self.total = total

    def __call__(self, ns):
        c = self.sim.c
        pods = [
            p for p in c.api.list("Pod", ns, selector="app=web") if (p.get("status") or {}).get("phase") == "Running"
        ]
        return [
            {
                "metadata": {"name": p["metadata"]["name"], "namespace": ns},
                "timestamp": c.clock.timestamp(),
                "window": "15s",
                "containers": [{"name": "web", "usage": {"cpu": f"{self.total // len(pods)}m"}}],
            }
            for p in pods
        ]


def autoscaled(total, lo=1, hi=10, extra=""):
    sim = Sim()
    c = sim.c
    c.apply(APP)
    c.apply(HPA % {"min": lo, "max": hi} + extra)
    load = Load(sim, total)
    c.controller_manager["horizontal-pod-autoscaler"].metrics_source = load
    return sim, c, load


def rescales(c):
    frame = c.events()
    return list(frame[frame["reason"] == "SuccessfulRescale"]["message"])


def conditions(c):
    return {x["type"]: (x["status"], x["reason"]) for x in c.get("hpa", "web")["status"]["conditions"]}


def test_scale_up_to_meet_the_target():
    sim, c, load = autoscaled(400)  # 2 pods × 200m requested, 400m used = 100 % of request
    c.run(14)
    assert c.get("hpa", "web").get("status", {}) == {}  # the first sync comes one period after creation
    c.run(60)
    assert c.get("deploy", "web")["spec"]["replicas"] == 4
    assert rescales(c) == ["New size: 4; reason: cpu resource utilization (percentage of request) above target"]
    status = c.get("hpa", "web")["status"]
    assert status["currentMetrics"] == [
        {"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": 50, "averageValue": "100m"}}}
    ]
    assert (status["currentReplicas"], status["desiredReplicas"]) == (4, 4) and "lastScaleTime" in status
    assert conditions(c) == {
        "AbleToScale": ("True", "ReadyForNewScale"),
        "ScalingActive": ("True", "ValidMetricFound"),
        "ScalingLimited": ("False", "DesiredWithinRange"),
    }


def test_scale_down_waits_for_the_stabilization_window():
    sim, c, load = autoscaled(400)
    c.run(60)
    assert c.get("deploy", "web")["spec"]["replicas"] == 4
    drop = c.now
    load.total = 40  # 10 % of what 4 pods request
    c.run(60)
    assert c.get("deploy", "web")["spec"]["replicas"] == 4
    assert conditions(c)["AbleToScale"] == ("True", "ScaleDownStabilized")
    c.run_until(lambda c: c.get("deploy", "web")["spec"]["replicas"] < 4, timeout=400)
    assert 300 <= c.now - drop <= 300 + 15 + 15
    assert rescales(c)[-1] == "New size: 1; reason: All metrics below target"


def test_max_replicas_bound():
    sim, c, load = autoscaled(2000, hi=3)
    c.run(60)
    assert c.get("deploy", "web")["spec"]["replicas"] == 3
    assert conditions(c)["ScalingLimited"] == ("True", "TooManyReplicas")
    message = next(x for x in c.get("hpa", "web")["status"]["conditions"] if x["type"] == "ScalingLimited")["message"]
    assert message == "the desired replica count is more than the maximum replica count"


def test_min_replicas_bound_and_replicas_below_min_are_raised():
    sim, c, load = autoscaled(10, lo=3)
    c.run(30)
    assert c.get("deploy", "web")["spec"]["replicas"] == 3
    assert rescales(c) == ["New size: 3; reason: Current number of replicas below Spec.MinReplicas"]


def test_behavior_scale_up_policy_limits_the_rate():
    extra = """  behavior:
    scaleUp:
      policies:
      - {type: Pods, value: 1, periodSeconds: 60}
"""
    sim, c, load = autoscaled(4000, extra=extra)
    c.run(30)
    assert c.get("deploy", "web")["spec"]["replicas"] == 3
    assert conditions(c)["ScalingLimited"] == ("True", "ScaleUpLimit")
    c.run(45)
    assert c.get("deploy", "web")["spec"]["replicas"] == 3  # still within the 60 s period
    c.run(30)
    assert c.get("deploy", "web")["spec"]["replicas"] == 4


def test_missing_cpu_request_is_reported():
    sim, c, load = autoscaled(400)
    c.api.patch("Deployment", "web", "default", {"spec": {"template": {"spec": {"containers": [
        {"name": "web", "image": "nginx", "resources": None}]}}}})  # fmt: skip
    c.run(90)
    cond = next(x for x in c.get("hpa", "web")["status"]["conditions"] if x["type"] == "ScalingActive")
    assert cond["status"] == "False" and cond["reason"] == "FailedGetResourceMetric"
    assert cond["message"].startswith("the HPA was unable to compute the replica count: failed to get cpu utilization: "
                                      "missing request for cpu in container web of Pod web-")  # fmt: skip


def test_missing_target_is_failed_get_scale():
    sim = Sim()
    c = sim.c
    c.apply(HPA % {"min": 1, "max": 5})
    c.run(20)
    cond = next(x for x in c.get("hpa", "web")["status"]["conditions"] if x["type"] == "AbleToScale")
    assert (cond["status"], cond["reason"]) == ("False", "FailedGetScale")
    assert cond["message"] == (
        'the HPA controller was unable to get the target\'s current scale: deployments.apps "web" not found'
    )


def test_zero_replicas_disables_scaling():
    sim, c, load = autoscaled(400)
    c.api.patch("Deployment", "web", "default", {"spec": {"replicas": 0}})
    c.run(30)
    assert c.get("deploy", "web")["spec"]["replicas"] == 0
    assert conditions(c)["ScalingActive"] == ("False", "ScalingDisabled")


def test_same_seed_same_autoscaling():
    def run():
        sim, c, load = autoscaled(400)
        c.run(120)
        load.total = 50
        c.run(400)
        return c.events().to_csv(index=False)

    assert run() == run()
