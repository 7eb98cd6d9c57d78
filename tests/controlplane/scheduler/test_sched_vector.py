"""The numpy fast paths give exactly the numbers of the readable per-node rules.

Random clusters (seeded) with mixed capacities, taints, labels, zones, images, extended
resources and placed pods; random pods. For every plugin with a fast path, and for the
whole filter pass, the vectorised answer must equal the readable one node by node.
"""

from __future__ import annotations

import random

import numpy as np
import pytest
from _sched_fixtures import MB, FakeApi, FakeScheduler, filter_statuses, node, pod, scores

from k8slearn.controlplane.scheduler.algorithm import find_nodes_that_fit, prioritize_nodes
from k8slearn.controlplane.scheduler.cache import PodInfo
from k8slearn.controlplane.scheduler.framework import CycleState

OWNER = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web", "controller": True, "uid": "rs-1"}
RS = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "web", "namespace": "default"},
      "spec": {"selector": {"matchLabels": {"app": "web"}}}}  # fmt: skip


def random_cluster(rnd: random.Random, n: int) -> tuple[list, list]:
    nodes, pods = [], []
    for i in range(n):
        labels = {"topology.kubernetes.io/zone": rnd.choice("abc")} if rnd.random() < 0.8 else {}
        if rnd.random() < 0.3:
            labels["disk"] = rnd.choice(["ssd", "hdd"])
        taints = []
        if rnd.random() < 0.2:
            taints.append({"key": "dedicated", "value": rnd.choice(["gpu", "infra"]), "effect": "NoSchedule"})
        if rnd.random() < 0.3:
            taints.append({"key": "spot", "value": "true", "effect": "PreferNoSchedule"})
        extra = {"example.com/fpga": str(rnd.randint(0, 2))} if rnd.random() < 0.3 else None
        images = (
            [(["nginx:latest", "docker.io/library/nginx:latest"], rnd.choice([50, 150, 600]) * MB)]
            if rnd.random() < 0.4
            else []
        )
        nodes.append(node(f"n{i:03d}", cpu=str(rnd.choice([1, 2, 4, 8])), memory=f"{rnd.choice([1, 2, 4, 16])}Gi",
                          pods=rnd.choice([3, 10, 110]), labels=labels, taints=taints, images=images,
                          unschedulable=rnd.random() < 0.05, extra=extra))  # fmt: skip
    for j in range(n * 3):
        target = rnd.choice(nodes)["metadata"]["name"]
        req = {"cpu": f"{rnd.choice([0, 100, 250, 500, 1000])}m", "memory": f"{rnd.choice([0, 64, 256, 1024])}Mi"}
        pods.append(pod(f"e{j}", req if rnd.random() < 0.8 else None, target, labels={"app": rnd.choice(["web", "db"])},
                        owner=OWNER if rnd.random() < 0.5 else None, containers=rnd.choice([1, 2]),
                        host_ports=[8080] if rnd.random() < 0.1 else None))  # fmt: skip
    return nodes, pods


def random_pod(rnd: random.Random, name: str) -> dict:
    req = {"cpu": f"{rnd.choice([100, 500, 1500, 3000])}m", "memory": f"{rnd.choice([128, 512, 2048])}Mi"}
    if rnd.random() < 0.2:
        req["example.com/fpga"] = "1"
    kwargs: dict = {}
    if rnd.random() < 0.4:
        kwargs["tolerations"] = [{"key": "dedicated", "operator": "Equal", "value": "gpu"}]
    if rnd.random() < 0.3:
        kwargs["node_selector"] = {"disk": "ssd"}
    if rnd.random() < 0.3:
        kwargs["affinity"] = {
            "nodeAffinity": {
                "preferredDuringSchedulingIgnoredDuringExecution": [
                    {
                        "weight": 5,
                        "preference": {"matchExpressions": [{"key": "disk", "operator": "In", "values": ["hdd"]}]},
                    }
                ]
            }
        }
    if rnd.random() < 0.3:
        kwargs["spread"] = [{"maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone",
                             "whenUnsatisfiable": rnd.choice(["DoNotSchedule", "ScheduleAnyway"]),
                             "labelSelector": {"matchLabels": {"app": "web"}}}]  # fmt: skip
    return pod(name, [req, None] if rnd.random() < 0.3 else req, labels={"app": "web"},
               owner=OWNER if rnd.random() < 0.5 else None, images=["nginx"],
               host_ports=[8080] if rnd.random() < 0.1 else None, **kwargs)  # fmt: skip


FILTERS = ["NodeUnschedulable", "NodeName", "TaintToleration", "NodeAffinity", "NodeResourcesFit", "PodTopologySpread"]
SCORES = ["TaintToleration", "NodeAffinity", "NodeResourcesFit", "PodTopologySpread", "InterPodAffinity",
          "NodeResourcesBalancedAllocation", "ImageLocality"]  # fmt: skip


@pytest.mark.parametrize("seed", range(12))
def test_plugin_fast_paths_equal_the_readable_rules(seed):
    rnd = random.Random(seed)
    nodes, pods = random_cluster(rnd, 40)
    sched = FakeScheduler(nodes, pods, api=FakeApi([RS]), seed=seed)
    for k in range(6):
        the_pod = random_pod(rnd, f"p{k}")
        for name in FILTERS:
            filter_statuses(sched, name, the_pod)  # asserts numpy == readable inside
        for name in SCORES:
            scores(sched, name, the_pod)


@pytest.mark.parametrize("strategy", ["LeastAllocated", "MostAllocated", "RequestedToCapacityRatio"])
def test_scoring_strategies_fast_path(strategy):
    rnd = random.Random(99)
    nodes, pods = random_cluster(rnd, 60)
    ss: dict = {"type": strategy, "resources": [{"name": "cpu", "weight": 3}, {"name": "memory", "weight": 1},
                                                {"name": "example.com/fpga", "weight": 2}]}  # fmt: skip
    if strategy == "RequestedToCapacityRatio":
        ss["requestedToCapacityRatio"] = {"shape": [{"utilization": 0, "score": 10}, {"utilization": 30, "score": 2},
                                                    {"utilization": 100, "score": 7}]}  # fmt: skip
    cfg = {"profiles": [{"pluginConfig": [{"name": "NodeResourcesFit", "args": {"scoringStrategy": ss}}]}]}
    sched = FakeScheduler(nodes, pods, config=cfg)
    for k in range(10):
        scores(sched, "NodeResourcesFit", random_pod(rnd, f"p{k}"))


@pytest.mark.parametrize("seed", range(8))
def test_whole_filter_pass_equals_running_every_filter_per_node(seed):
    """The first rejecting plugin per node, in profile order, as ``RunFilterPlugins``."""
    rnd = random.Random(1000 + seed)
    nodes, pods = random_cluster(rnd, 50)
    sched = FakeScheduler(nodes, pods, api=FakeApi([RS]))
    for k in range(5):
        the_pod = random_pod(rnd, f"p{k}")
        state = CycleState()
        state.write("PodInfo", PodInfo(the_pod))
        feasible, diagnosis = find_nodes_that_fit(sched, sched.fw, state, the_pod, explain=True)
        fast = {ni.name: "ok" for ni in feasible}
        fast.update({n: st.message for n, st in diagnosis.node_to_status.items()})
        slow = {}
        for ni in sched.cache.node_list():
            st = sched.fw.run_filter(state, the_pod, ni)
            slow[ni.name] = "ok" if st is None else st.message
        if diagnosis.pre_filter_msg:
            continue
        assert fast == slow
        if feasible:
            result = prioritize_nodes(sched.fw, state, the_pod, feasible)
            readable = sched.fw.run_score(state, the_pod, feasible, None)
            assert np.array_equal(result.total, readable.total)


@pytest.mark.parametrize("seed", range(6))
def test_topology_spread_counting_equals_the_node_by_node_count(seed):
    from k8slearn.controlplane.scheduler.plugins.pod_topology_spread import filter_state_readable

    rnd = random.Random(2000 + seed)
    nodes, pods = random_cluster(rnd, 40)
    sched = FakeScheduler(nodes, pods, api=FakeApi([RS]))
    pl = sched.fw.plugins["PodTopologySpread"]
    for k in range(5):
        the_pod = random_pod(rnd, f"p{k}")
        the_pod["spec"]["topologySpreadConstraints"] = [
            {"maxSkew": 1, "topologyKey": key, "whenUnsatisfiable": "DoNotSchedule",
             "labelSelector": {"matchLabels": {"app": "web"}}, "nodeTaintsPolicy": rnd.choice(["Honor", "Ignore"])}
            for key in ("topology.kubernetes.io/zone", "kubernetes.io/hostname")
        ]  # fmt: skip
        constraints = pl.constraints(the_pod, "DoNotSchedule")
        fast = pl._filter_state_vector(the_pod, constraints).pair_counts
        slow = filter_state_readable(the_pod, sched.cache.node_list(), constraints).pair_counts
        assert fast == slow
