"""Offered load: schedules, the even spread over ready endpoints, and the CPU it costs.

The load term is what ``cluster.load_model(namespace, pod, container, t)`` answers to the
kubelet's cAdvisor (extra CPU cores); with a real kubelet it shows in ``kubectl top`` and
drives the HorizontalPodAutoscaler.
"""

from __future__ import annotations

import math

import pytest

import k8slearn as kl
from k8slearn.api.errors import ApiError
from k8slearn.node.load import LoadModel, Schedule, offered_rps

APP = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: %(replicas)d
  selector: {matchLabels: {app: web}}
  template:
    metadata:
      labels: {app: web}
      annotations: %(annotations)s
    spec:
      containers:
      - name: web
        image: nginx
        ports: [{containerPort: 80}]
        resources: {requests: {cpu: 200m}%(limits)s}
      - name: sidecar
        image: busybox
        command: [sleep, "100000"]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80}]
"""


def cluster(replicas=2, annotations='{k8slearn.io/cpu-per-request: "2m"}', limits=""):
    c = kl.Cluster.demo(nodes=2)
    c.apply(APP % {"replicas": replicas, "annotations": annotations, "limits": limits})
    c.run(30)
    return c


def web_pods(c):
    return sorted(p["metadata"]["name"] for p in c.list("pods", selector="app=web"))


@pytest.mark.parametrize(
    "rate, at, expected",
    [
        pytest.param(300, [0, 10, 1000], [300, 300, 300], id="a constant"),
        pytest.param([(0, 50), (120, 400), (600, 50)], [0, 119, 120, 599, 600, 10_000], [50, 50, 400, 400, 50, 50],
                     id="a schedule of steps"),
        pytest.param([(60, 100)], [0, 60], [100, 100], id="the first step applies before its time too"),
        pytest.param(lambda t: 10 * t, [0, 5], [0, 50], id="a function of seconds since set_load"),
        pytest.param(lambda t: -5, [1], [0], id="negative rates count as no load"),
    ],
)  # fmt: skip
def test_schedule_values(rate, at, expected):
    s = Schedule(start=100.0, rate=rate if callable(rate) or not isinstance(rate, list) else sorted(rate))
    assert [s.at(100.0 + t) for t in at] == expected


def test_set_load_needs_an_existing_service():
    c = kl.Cluster.demo(nodes=1)
    with pytest.raises(ApiError, match='services "nope" not found'):
        c.set_load("nope", 10)
    c.apply({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"}, "spec": {"ports": [{"port": 80}]}})
    with pytest.raises(ValueError):
        c.set_load("web", -1)


def test_load_is_spread_evenly_over_ready_endpoints():
    c = cluster(replicas=2)
    c.set_load("web", 300)
    model = c.load_model
    assert isinstance(model, LoadModel)
    pods = web_pods(c)
    assert model.endpoints("web") == tuple(pods)
    # 150 rps each at 2m per request per second = 0.3 cores, in the serving container only
    for name in pods:
        assert model("default", name, "web", c.now) == pytest.approx(0.3)
        assert model("default", name, "sidecar", c.now) == 0.0
    assert offered_rps(c, "web") == 300


def test_new_endpoints_take_their_share_and_history_is_kept():
    c = cluster(replicas=2)
    c.set_load("web", 300)
    before = c.now
    c.api.patch("Deployment", "web", "default", {"spec": {"replicas": 3}})
    c.run(30)
    pods = web_pods(c)
    assert len(c.load_model.endpoints("web")) == 3
    assert c.load_model("default", pods[0], "web", c.now) == pytest.approx(0.2)
    # the past is answered from the recorded endpoint history
    assert len(c.load_model.endpoints("web", t=before)) == 2


def test_cpu_shows_in_the_metrics_api():
    c = cluster(replicas=2)
    c.set_load("web", 300)
    c.run(30)
    top = c.kubectl("top pods")
    for name in web_pods(c):
        line = next(x for x in top.splitlines() if x.startswith(name))
        millicores = int(line.split()[1].rstrip("m"))
        assert 280 <= millicores <= 340  # 300m of load plus idle nginx, ±4 % measurement jitter


def test_cpu_limit_caps_the_load_term():
    c = cluster(replicas=1, limits=", limits: {cpu: 250m}")
    c.set_load("web", 1000)  # would be 2 cores
    (name,) = web_pods(c)
    assert c.load_model("default", name, "web", c.now) == pytest.approx(0.25)


def test_capacity_annotation_refuses_the_excess():
    c = cluster(
        replicas=1,
        annotations='{k8slearn.io/cpu-per-request: "2m", k8slearn.io/requests-per-second-capacity: "100"}',
    )
    c.set_load("web", 400)
    (name,) = web_pods(c)
    assert c.load_model("default", name, "web", c.now) == pytest.approx(0.2)


def test_default_cost_comes_from_the_program():
    c = cluster(replicas=1, annotations="{}")
    c.set_load("web", 1000)
    (name,) = web_pods(c)
    per_request = c.load_model("default", name, "web", c.now) / 1000
    assert 0 < per_request <= 0.001  # nginx is cheaper than the 1m default
    assert not math.isnan(per_request)


def test_pods_outside_the_service_get_no_load():
    c = cluster(replicas=1)
    c.set_load("web", 100)
    assert c.load_model("default", "someone-else", "web", c.now) == 0.0
    assert c.load_model("kube-system", web_pods(c)[0], "web", c.now) == 0.0


def test_same_seed_same_load_metrics():
    def run():
        c = cluster(replicas=2)
        c.set_load("web", [(0, 100), (60, 300)])
        c.run(120)
        return c.metrics().to_csv(index=False)

    assert run() == run()
