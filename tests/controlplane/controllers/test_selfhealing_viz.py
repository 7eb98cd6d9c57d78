"""The self-healing and rollout pictures and the break-it lab: recorded data, not pixels."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

import k8slearn as kl  # noqa: E402
from conftest import Sim, deployment  # noqa: E402
from k8slearn.viz.rollout import RolloutHistory, plot_rollout  # noqa: E402
from k8slearn.viz.timeline import PodHistory, draw_pod_grid, plot_timeline, pod_state  # noqa: E402
from k8slearn.widgets.breakit import BreakIt, cluster_summary, kill_pod, step  # noqa: E402


def test_pod_state():
    pod = {"metadata": {}, "spec": {"nodeName": "n"}, "status": {"phase": "Running", "conditions": [
        {"type": "Ready", "status": "True"}]}}  # fmt: skip
    assert pod_state(pod) == "Running"
    pod["status"]["conditions"][0]["status"] = "False"
    assert pod_state(pod) == "NotReady"
    pod["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z"
    assert pod_state(pod) == "Terminating"
    assert pod_state({"metadata": {}, "spec": {}, "status": {"phase": "Pending"}}) == "Pending"


def test_pod_history_records_a_node_failure():
    sim = Sim()
    c = sim.c
    c.apply(deployment(replicas=6))
    c.apply(deployment("other", replicas=3))  # evicted too, but outside the history's selector
    c.run(10)
    history = PodHistory(c, selector="app=web")
    sim.fail("node-2")
    history.mark("node-2", "failure", "node-2 fails")
    c.run(400)
    markers = history.marker_frame()
    assert list(markers.kind) == ["heartbeat", "failure", "notready", "taint", "eviction"]
    assert set(markers.node) == {"node-2"}
    frame = history.frame()
    on_node2 = frame[frame.node == "node-2"]
    assert list(on_node2.groupby("pod").state.apply(list).iloc[0]) == ["Running", "NotReady", "Terminating"]
    assert set(frame[frame.node != "node-2"].state) >= {"Running"}
    ax = plot_timeline(history)
    assert ax.get_xlabel() == "virtual time (s)" and len(ax.get_yticklabels()) == 8
    plt.close("all")
    ax = draw_pod_grid(c)
    assert ax.get_title(loc="left") == f"t = {c.now:g} s"
    plt.close("all")


def test_rollout_history_steps_and_plot():
    sim = Sim()
    c = sim.c
    strategy = {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 3, "maxUnavailable": 2}}
    c.apply(deployment(replicas=10, strategy=strategy))
    c.run(10)
    history = RolloutHistory(c, "web")
    c.kubectl("set image deployment/web app=nginx:2")
    c.run(10)
    steps = history.steps()
    desired = [c for c in steps.columns if c.endswith("desired")]
    assert len(desired) == 2
    assert steps[desired].sum(axis=1).max() <= 13
    assert list(steps[desired].iloc[-1]) == [0, 10]
    ax = plot_rollout(history)
    assert ax.get_ylim()[1] >= 13
    plt.close("all")


def test_rollout_plot_draws_the_start_in_the_margin_and_new_replicasets_from_their_creation():
    """An update at the very instant the history starts: only the state found at the start sits in the margin."""
    sim = Sim()
    c = sim.c
    c.apply(deployment(replicas=10))
    c.run(10)
    history = RolloutHistory(c, "web")
    assert history.initial_rows == 1
    c.kubectl("set image deployment/web app=nginx:2")
    c.run(10)
    ax = plot_rollout(history)
    lines = {line.get_label(): line for line in ax.get_lines()}
    left = ax.get_xlim()[0]
    old = next(label for label in lines if label.endswith("(rev 1) desired"))
    new = next(label for label in lines if label.endswith("(rev 2) desired"))
    assert lines[old].get_xdata()[0] == left and lines[old].get_ydata()[0] == 10
    assert lines[new].get_xdata()[0] > left and lines[new].get_ydata()[0] == 0  # created during the update
    total = lines["all ReplicaSets desired"]
    assert total.get_xdata()[0] == left and total.get_ydata()[0] == 10 and max(total.get_ydata()) <= 13
    assert total.get_xdata()[-1] > history.rows[-1]["time"]  # a margin after the last change
    plt.close("all")


def test_break_it_actions_and_log():
    c = kl.Cluster.demo(nodes=3)  # real kubelets: the lab stops one
    c.apply(deployment(replicas=3))
    c.run(5)
    lab = BreakIt(c)
    assert lab.act("kill pod").startswith('pod "web-')
    assert lab.act("cordon node", "node-1") == "node/node-1 cordoned"
    assert lab.act("fail node", "node-2") == "node-2: kubelet stopped (no more heartbeats)"
    assert lab.act("step", 60) == f"t = {c.now:g} s"
    assert lab.log[0].startswith("t = 10 s: pod") and len(lab.log) == 4
    assert "node-2 (NotReady)" in cluster_summary(c)
    assert "node-1 (Ready,SchedulingDisabled)" in cluster_summary(c)
    assert kill_pod(c, "nope").startswith('Error from server (NotFound): pods "nope" not found')
    assert step(c, 1) == f"t = {c.now:g} s"
    assert lab.history.markers[0].kind == "failure"
    plt.close(lab.picture())
