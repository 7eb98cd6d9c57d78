"""The scheduling pictures and the schedule-next widget: their data functions and that they draw.

The pictures are checked through the frames they draw from (requests per node,
utilization, fragmentation) and by drawing with the Agg backend; the widget through
its plain functions (pending pods, one cycle, the contributions table, the verdict).
"""

from __future__ import annotations

import math

import matplotlib
import pytest

import k8slearn as kl
from k8slearn.viz import scheduling as viz
from k8slearn.widgets import scheduling as ws

matplotlib.use("Agg")


def _pod(name: str, cpu: str | None = "500m", app: str = "web", **spec) -> dict:
    res = {"requests": {"cpu": cpu}} if cpu else {}
    body = {"containers": [{"name": "c", "image": "nginx", "resources": res}]}
    body.update(spec)
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": {"app": app}}, "spec": body}


@pytest.fixture
def cluster() -> kl.Cluster:
    c = kl.Cluster(seed=1)
    c.add_node("node-1", cpu="2", memory="4Gi")
    c.add_node("node-2", cpu="4", memory="8Gi")
    c.run(2)
    return c


def test_node_requests_frame_lists_each_pod_with_its_request(cluster):
    cluster.apply(_pod("a", "500m", nodeName="node-1"))
    cluster.apply(_pod("b", None, app="db", nodeName="node-1"))
    cluster.run(1)
    frame = viz.node_requests_frame(cluster, "cpu")
    assert frame.attrs["allocatable"] == {"node-1": 2000.0, "node-2": 4000.0}
    assert sorted(zip(frame.pod, frame.workload, frame.request)) == [("a", "web", 500.0), ("b", "db", 0.0)]
    # Scoring counts a container without requests as 100m cpu (DefaultMilliCPURequest).
    non_zero = viz.node_requests_frame(cluster, "cpu", non_zero=True)
    assert dict(zip(non_zero.pod, non_zero.request)) == {"a": 500.0, "b": 100.0}


def test_utilization_frame_is_requested_over_allocatable(cluster):
    cluster.apply(_pod("a", "1", nodeName="node-1"))
    cluster.run(1)
    util = viz.utilization_frame(cluster)
    assert util.loc["node-1", "cpu"] == pytest.approx(0.5)
    assert util.loc["node-2", "cpu"] == 0.0
    assert util["pods"].to_dict() == {"node-1": 1, "node-2": 0}


@pytest.mark.parametrize(
    "placed, fits, pooled",
    [
        pytest.param({"node-1": "1500m", "node-2": "1500m"}, 1, 1, id="spread: 500m + 2500m free, one 2-cpu pod fits"),
        pytest.param({"node-1": "1", "node-2": "1"}, 1, 2, id="1 + 3 free: pooled room would take two"),
        pytest.param({}, 3, 3, id="empty nodes: no fragmentation"),
    ],
)
def test_fragmentation_counts_probe_pods_per_node(cluster, placed, fits, pooled):
    for node, cpu in placed.items():
        cluster.apply(_pod(f"p-{node}", cpu, nodeName=node))
    cluster.run(1)
    got = viz.fragmentation(cluster, {"cpu": "2"})
    assert (got["fits"], got["fits_if_pooled"]) == (fits, pooled)
    assert got["fragmentation"] == pytest.approx(1 - fits / pooled)


def test_workload_of_prefers_app_label_then_controller_name():
    rs_pod = {"metadata": {"name": "web-7d9-abcde", "labels": {"pod-template-hash": "7d9"},
                           "ownerReferences": [{"kind": "ReplicaSet", "name": "web-7d9", "controller": True}]}}  # fmt: skip
    assert viz.workload_of(rs_pod) == "web"
    assert viz.workload_of({"metadata": {"name": "x", "labels": {"app": "db"}}}) == "db"
    assert viz.workload_of({"metadata": {"name": "solo"}}) == "solo"


def test_pictures_draw(cluster):
    import matplotlib.pyplot as plt

    cluster.apply(_pod("a", "1"))
    cluster.run(1)
    ax = viz.draw_node_resources(cluster)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["node-1", "node-2"]
    frame = cluster.scheduler.explain(_pod("probe", "1"))
    ax = viz.draw_score_heatmap(frame)
    assert len(ax.get_yticklabels()) == 2
    cluster.apply(_pod("too-big", "8"))
    cluster.run(1)
    ax = viz.draw_queue(cluster.scheduler)
    texts = [t.get_text() for t in ax.texts]
    assert "too-big" in texts and "unschedulable (1)" in texts
    fig = viz.draw_utilization_comparison({"one": cluster, "same": cluster})
    assert len(fig.axes) == 2
    plt.close("all")


def test_schedule_next_runs_one_cycle_while_paused(cluster):
    widget = ws.ScheduleNext(cluster)
    cluster.apply(_pod("a", "1"))
    cluster.apply(_pod("b", "1"))
    cluster.run(1)
    assert ws.pending_pods(cluster) == ["a", "b"]
    outcome = ws.schedule_next(cluster)
    assert outcome.pod == "a" and outcome.node == cluster.get("pod", "a")["spec"]["nodeName"]
    assert ws.pending_pods(cluster) == ["b"]
    table = outcome.table
    assert table.attrs["selected"] == outcome.node
    assert list(table.columns)[-2:] == ["total", "filter"]
    plugins = [c for c in table.columns if c not in ("total", "filter")]
    for node, row in table.iterrows():
        assert row["total"] == sum(row[p] for p in plugins), node
    assert widget.cluster is cluster


def test_question_reveals_the_node_and_keeps_the_outcome(cluster):
    widget = ws.ScheduleNext(cluster)
    cluster.apply(_pod("big", "3"))
    cluster.run(1)
    q = widget.question()
    assert q.choices == ["node-1", "node-2", "stays Pending"]
    assert q.verdict("node-1").startswith("❌ You predicted node-1; the answer is node-2.")
    assert q.answer == "node-2" and len(widget.history) == 1  # the cycle ran once
    assert widget.question() is None


def test_question_for_a_pod_that_fits_nowhere(cluster):
    widget = ws.ScheduleNext(cluster)
    cluster.apply(_pod("huge", "16"))
    cluster.run(1)
    q = widget.question()
    assert q.verdict("stays Pending").startswith("✅")
    table = widget.history[0].table
    assert table["filter"].tolist() == ["Insufficient cpu", "Insufficient cpu"]
    assert all(math.isnan(v) for v in table["total"])
    cluster.scheduler.resume()
