"""cAdvisor samples and the metrics.k8s.io API (PodMetrics / NodeMetrics).

Upstream shapes: ``k8s.io/metrics/pkg/apis/metrics/v1beta1`` (``PodMetrics``:
metadata, timestamp, window, containers[].usage; ``NodeMetrics``: usage), metrics-server
(CPU from nanocores, memory = working set) and cAdvisor's 10 s housekeeping.
"""

from __future__ import annotations

import pytest
from nodetest import container, pod

from k8slearn.api.quantity import cpu_millis, memory_bytes
from k8slearn.node.cadvisor import FRAME_COLUMNS, NODE_SYSTEM_MEMORY, node_metrics, pod_metrics


def test_pod_metrics_have_the_metrics_api_shape(cluster):
    cluster.create(pod("web", [container("nginx", "nginx:1.27")], annotations={"k8slearn.io/cpu": "250m",
                                                                               "k8slearn.io/memory": "64Mi"}))  # fmt: skip
    cluster.run(30)
    (m,) = pod_metrics(cluster)
    assert list(m) == ["kind", "apiVersion", "metadata", "timestamp", "window", "containers"]
    assert (m["kind"], m["apiVersion"], m["window"]) == ("PodMetrics", "metrics.k8s.io/v1beta1", "10s")
    assert m["metadata"]["name"] == "web" and m["metadata"]["namespace"] == "default"
    assert m["timestamp"] == "2026-01-01T00:00:30Z"
    usage = m["containers"][0]["usage"]
    assert cpu_millis(usage["cpu"]) == pytest.approx(250, rel=0.05)
    assert memory_bytes(usage["memory"]) == pytest.approx(64 * 2**20, rel=0.02)
    assert usage["memory"].endswith("Ki")


def test_a_new_pod_needs_two_samples_before_it_has_metrics(cluster):
    cluster.create(pod("web", [container("nginx", "nginx:1.27")]))
    cluster.run(8)
    assert pod_metrics(cluster) == []
    cluster.run(20)
    assert [m["metadata"]["name"] for m in pod_metrics(cluster)] == ["web"]


def test_cpu_follows_the_curve_and_is_capped_by_the_limit(cluster):
    cluster.create(pod("ramp", [container("app", "nginx:1.27", resources={"limits": {"cpu": "400m"}})],
                       annotations={"k8slearn.io/cpu": "100m@0,1000m@100"}))  # fmt: skip
    cluster.run(200)
    frame = cluster.metrics()
    assert list(frame.columns) == FRAME_COLUMNS
    rows = frame[frame.pod == "ramp"]
    assert 0.09 < rows.cpu_cores.iloc[0] < 0.15  # ~100m just after the start
    assert rows.cpu_cores.max() == pytest.approx(0.4)  # throttled at the limit
    assert (rows.time.diff().dropna() == 10).all()


def test_a_load_model_adds_cpu(cluster):
    cluster.create(pod("web", [container("nginx", "nginx:1.27")]))
    cluster.run(30)
    base = cpu_millis(pod_metrics(cluster)[0]["containers"][0]["usage"]["cpu"])
    cluster.load_model = lambda ns, name, c, t: 0.3 if name == "web" else 0.0
    loaded = cpu_millis(pod_metrics(cluster)[0]["containers"][0]["usage"]["cpu"])
    assert loaded - base == pytest.approx(300, abs=20)


def test_node_metrics_sum_the_pods_and_the_system(cluster):
    cluster.create(pod("web", [container("nginx", "nginx:1.27")], annotations={"k8slearn.io/memory": "100Mi"}))
    cluster.run(30)
    metrics = {m["metadata"]["name"]: m for m in node_metrics(cluster)}
    assert set(metrics) == {"node-1", "node-2"}
    m1 = memory_bytes(metrics["node-1"]["usage"]["memory"])
    m2 = memory_bytes(metrics["node-2"]["usage"]["memory"])
    assert m2 == NODE_SYSTEM_MEMORY
    assert m1 - m2 == pytest.approx(100 * 2**20, rel=0.02)


def test_a_down_kubelet_serves_no_metrics(cluster):
    cluster.create(pod("web", [container("nginx", "nginx:1.27")]))
    cluster.run(30)
    cluster.fail_node("node-1")
    assert pod_metrics(cluster) == []
    assert [m["metadata"]["name"] for m in node_metrics(cluster)] == ["node-2"]


def test_samples_older_than_an_hour_are_dropped(cluster):
    cluster.create(pod("short", [container(command=["sleep", "20"])], restartPolicy="Never"))
    cluster.run(60)
    assert (cluster.metrics().pod == "short").any()
    cluster.run(3700)
    assert not (cluster.metrics().pod == "short").any()
    cluster.node_host("node-1").cadvisor.trim()
    assert cluster.node_host("node-1").cadvisor.instances == {}
