"""The checks of lessons 02 and 03, and the lesson helpers they rely on.

Each check passes the lesson's solution and gives the hint meant for the usual
mistakes; the helpers agree with the scheduler's own numbers.
"""

from __future__ import annotations

import pytest

import k8slearn as kl
from k8slearn.check import lesson02, lesson03
from k8slearn.viz import scheduling as viz
from k8slearn.widgets.scheduling import ScheduleNext

TRAINER = """
apiVersion: v1
kind: Pod
metadata: {name: trainer}
spec:
  tolerations: [{key: nvidia.com/gpu, operator: Exists, effect: NoSchedule}]
  containers:
  - name: train
    image: "python:3.12"
    command: ["sleep", "infinity"]
    resources: {limits: {nvidia.com/gpu: 1}}
"""
TOLERATION = "  tolerations: [{key: nvidia.com/gpu, operator: Exists, effect: NoSchedule}]\n"
GPU_LIMIT = "    resources: {limits: {nvidia.com/gpu: 1}}\n"

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
      affinity:
        podAntiAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
          - labelSelector: {matchLabels: {app: cache}}
            topologyKey: kubernetes.io/hostname
      containers: [{name: redis, image: "redis:7.4"}]
"""
SPREAD_1 = """      topologySpreadConstraints:
      - {maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: DoNotSchedule,
         labelSelector: {matchLabels: {app: cache}}}
"""
ANTI = CACHE[CACHE.index("      affinity:") : CACHE.index("      containers:")]

MOST = {
    "apiVersion": "kubescheduler.config.k8s.io/v1",
    "kind": "KubeSchedulerConfiguration",
    "profiles": [{"schedulerName": "default-scheduler", "pluginConfig": [
        {"name": "NodeResourcesFit", "args": {"scoringStrategy": {"type": "MostAllocated"}}}]}],
}  # fmt: skip


def _with(cfg: dict, **profile) -> dict:
    out = dict(cfg, profiles=[dict(cfg["profiles"][0])])
    for key, value in profile.items():
        if key == "pluginConfig":
            out["profiles"][0]["pluginConfig"] = [*cfg["profiles"][0]["pluginConfig"], *value]
        else:
            out["profiles"][0][key] = value
    return out


def test_ex1_names_the_nodes_short_of_memory():
    c = lesson02.gpu_cluster()
    c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "report"},
             "spec": {"containers": [{"name": "r", "image": "nginx",
                                      "resources": {"requests": {"cpu": "5", "memory": "12Gi"}}}]}})  # fmt: skip
    c.run(2)
    # node-1/node-2: 4 cpu, 8Gi -> both reasons; gpu-1: tainted (first filter wins).
    assert lesson02.ex1(["node-1", "node-2"], c).ok
    assert "gpu-1 rejected report for: node(s) had untolerated taint(s)" in lesson02.ex1(["node-1", "gpu-1"], c).message
    assert "You found 1 of 2" in lesson02.ex1(["node-1"], c).message
    assert not lesson02.ex1(42, c).ok


@pytest.mark.parametrize(
    "manifest, hint",
    [
        pytest.param(TRAINER, None, id="toleration and a GPU limit: on gpu-1"),
        pytest.param(TRAINER.replace(TOLERATION, ""), "add a toleration", id="no toleration: Pending for the taint"),
        pytest.param(
            TRAINER.replace(GPU_LIMIT, "").replace("spec:\n", "spec:\n  nodeSelector: {accelerator: nvidia-l4}\n"),
            "holds no GPU",
            id="selector without a GPU request: on gpu-1 with no GPU",
        ),  # fmt: skip
        pytest.param("apiVersion: v1\nkind: Service\nmetadata: {name: x}\n", "one Pod manifest", id="not a pod"),
    ],
)
def test_ex2_trainer_on_the_gpu_node(manifest, hint):
    result = lesson02.ex2(manifest)
    assert result.ok is (hint is None)
    if hint:
        assert hint in result.message


@pytest.mark.parametrize(
    "manifest, hint",
    [
        pytest.param(CACHE, None, id="required anti-affinity: the fourth pod stays Pending"),
        pytest.param(CACHE.replace(ANTI, SPREAD_1), "only leans", id="maxSkew 1 on hostname allows 2-1-1"),
        pytest.param(CACHE.replace("replicas: 3", "replicas: 2"), "spec.replicas is 2", id="wrong replica count"),
    ],
)
def test_ex3_replicas_apart(manifest, hint):
    result = lesson02.ex3(manifest)
    assert result.ok is (hint is None), result.message
    if hint:
        assert hint in result.message


@pytest.mark.parametrize(
    "answer, ok, hint",
    [
        pytest.param(56, True, "(50*1 + 62*1) // 2 = 56", id="56: integer division per resource and overall"),
        pytest.param(56.25, False, "integer division", id="not an integer"),
        pytest.param(62, False, "one resource", id="one resource only"),
        pytest.param(68, False, "Count the incoming pod", id="without the incoming pod"),
    ],
)
def test_lesson03_ex1_least_allocated_score(answer, ok, hint):
    result = lesson03.ex1(answer)
    assert result.ok is ok and hint in result.message


def test_lesson03_ex2_filter_and_score_requests():
    c = kl.Cluster(seed=1)
    c.add_node("node-1", cpu="2", memory="4Gi")
    c.run(5)
    c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "be"},
             "spec": {"containers": [{"name": "a", "image": "nginx"}, {"name": "b", "image": "nginx"}]}})  # fmt: skip
    c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "app"},
             "spec": {"containers": [{"name": "a", "image": "nginx", "resources": {"requests": {"cpu": "1"}}}]}})  # fmt: skip
    c.run(2)
    assert lesson03.ex2((1000, 1200), c, "node-1").ok
    assert "count the containers" in lesson03.ex2((1000, 1100), c, "node-1").message
    assert "Filter uses only the requests" in lesson03.ex2((1200, 1200), c, "node-1").message


def test_lesson03_ex3_packing_configurations():
    assert "LeastAllocated" in lesson03.ex3({"apiVersion": "kubescheduler.config.k8s.io/v1"}).message
    assert "defaultingType: List" in lesson03.ex3(MOST).message
    assert lesson03.ex3(
        _with(MOST, pluginConfig=[{"name": "PodTopologySpread", "args": {"defaultingType": "List"}}])
    ).ok
    assert lesson03.ex3(_with(MOST, plugins={"score": {"disabled": [{"name": "PodTopologySpread"}]}})).ok
    bad = _with(MOST, pluginConfig=[{"name": "NodeResourcesFit", "args": {"scoringStrategy": {"type": "Packed"}}}])
    assert "kube-scheduler would not start" in lesson03.ex3(bad).message


def test_score_breakdown_agrees_with_explain():
    c = lesson03.run_workload()
    probe = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "probe"},
             "spec": {"containers": [{"name": "c", "image": "nginx",
                                      "resources": {"requests": {"cpu": "500m", "memory": "1Gi"}}}]}}  # fmt: skip
    table = c.scheduler.explain(probe)
    for node in c.nodes():
        frame = viz.score_breakdown(c, probe, node)
        assert frame.attrs["LeastAllocated"] == table.loc[node, "NodeResourcesFit"], node
        assert list(frame["unit"]) == ["millicores", "MiB"]


def test_scoring_curves_match_the_strategies():
    curves = viz.scoring_curves({"pack": [{"utilization": 0, "score": 0}, {"utilization": 100, "score": 10}]})
    assert curves.loc[30].to_dict() == {"LeastAllocated": 70, "MostAllocated": 30, "pack": 30}
    assert (curves["pack"] == curves["MostAllocated"]).all()


def test_fragmentation_frame_rows_per_cluster():
    spread = lesson03.run_workload()
    frame = viz.fragmentation_frame({"spread": spread}, {"cpu": "3", "memory": "2Gi"})
    assert frame.loc["spread"].to_dict() == {"free cpu (m)": 8000, "free memory (MiB)": 21504,
                                             "probe pods that fit": 0, "would fit if pooled": 2}  # fmt: skip


def test_reveal_runs_the_open_question_once_and_finish_resumes():
    c = kl.Cluster.demo(nodes=2, seed=3)
    lab = ScheduleNext(c)
    c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
             "spec": {"containers": [{"name": "c", "image": "nginx"}]}})  # fmt: skip
    c.run(1)
    assert c.get("pod", "p")["spec"].get("nodeName") is None  # paused
    first = lab.reveal()
    assert first.node in ("node-1", "node-2") and lab.reveal() is first
    lab.finish()
    c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "q"},
             "spec": {"containers": [{"name": "c", "image": "nginx"}]}})  # fmt: skip
    c.run(1)
    assert c.get("pod", "q")["spec"].get("nodeName")
