"""Self-checking exercises of lesson 03 (bin packing).

Each check returns ✅ with a one-line why or ❌ with a hint; none raises. The
configuration exercise runs the lesson's workload on four fresh nodes under your
KubeSchedulerConfiguration and measures how the pods were packed.

Used in: 03_bin_packing.
"""

from __future__ import annotations

from typing import Any

from .core import Feedback, check, fail, passed

__all__ = ["ex1", "ex2", "ex3", "WORKLOAD", "run_workload", "least_allocated_example"]

#: The lesson's three Deployments: 6 x 500m/512Mi, 4 x 750m/1Gi, 2 x 1/2Gi (8 cpu, 9Gi in all).
WORKLOAD = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 6
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: nginx, image: "nginx:1.27", resources: {requests: {cpu: 500m, memory: 512Mi}}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  replicas: 4
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
      - {name: httpd, image: "httpd:2.4", resources: {requests: {cpu: 750m, memory: 1Gi}}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: cache}
spec:
  replicas: 2
  selector: {matchLabels: {app: cache}}
  template:
    metadata: {labels: {app: cache}}
    spec:
      containers:
      - {name: redis, image: "redis:7.4", resources: {requests: {cpu: "1", memory: 2Gi}}}
"""


def run_workload(config: Any = None, seed: int = 4, nodes: int = 4) -> Any:
    """A fresh cluster of ``nodes`` x (4 cpu, 8Gi) under ``config`` running :data:`WORKLOAD`."""
    import k8slearn as kl

    c = kl.Cluster(seed=seed, scheduler_config=config)
    for i in range(1, nodes + 1):
        c.add_node(f"node-{i}", cpu="4", memory="8Gi")
    c.run(5)
    c.apply(WORKLOAD)
    c.run(10)
    return c


def least_allocated_example() -> int:
    """The exercise's node: 4 cpu / 8Gi, 1500m / 2Gi requested; the pod asks 500m / 1Gi."""
    from ..controlplane.scheduler.plugins.node_resources_fit import least_allocated_scorer

    gi = 1024**3
    return least_allocated_scorer([1500 + 500, 2 * gi + 1 * gi], [4000, 8 * gi], [1, 1])


@check
def ex1(answer: Any) -> Feedback:
    """NodeResourcesFit's LeastAllocated score of the exercise's node (an integer)."""
    want = least_allocated_example()
    if isinstance(answer, float) and not answer.is_integer():
        return fail(
            "Scores are integers: each resource's score is (allocatable - requested) * 100 // allocatable "
            "(integer division), then the weighted average is divided with // too."
        )
    try:
        value = int(answer)
    except (TypeError, ValueError):
        return fail("Give the score as a number, e.g. 42.")
    if value == want:
        return passed(
            f"{want}: cpu (4000-2000)*100//4000 = 50, memory (8-3)*100//8 = 62, and (50*1 + 62*1) // 2 = {want}."
        )
    if value in (50, 62):
        return fail("That is one resource's score. The node score is the weighted average of cpu and memory.")
    if value == 68:
        return fail("Count the incoming pod too: the score is about the node *after* the pod is placed.")
    return fail(
        "Per resource: (allocatable - requested) * 100 // allocatable, where requested includes the new pod; "
        "then average cpu and memory (weight 1 each)."
    )


@check
def ex2(answer: Any, cluster: Any, node: str = "node-1") -> Feedback:
    """(cpu the Filter counts, cpu the Score counts) on ``node``, in millicores."""
    from ..viz.scheduling import node_requests_frame

    if not isinstance(answer, (tuple, list)) or len(answer) != 2:
        return fail("Answer with two numbers in millicores: (what the filter counts, what scoring counts).")
    real = node_requests_frame(cluster, "cpu")
    scored = node_requests_frame(cluster, "cpu", non_zero=True)
    want = (round(real[real.node == node].request.sum()), round(scored[scored.node == node].request.sum()))
    try:
        got = tuple(round(float(a)) for a in answer)
    except (TypeError, ValueError):
        return fail("Both values must be numbers of millicores, e.g. (250, 1250).")
    if got == want:
        return passed(
            f"{want[0]}m for Filter, {want[1]}m for Score: a container without a cpu request counts as 0 when "
            "checking fit, but as 100m when scoring, so empty-looking nodes are not all piled onto."
        )
    if got[0] == want[0]:
        return fail(
            "The Filter number is right. For scoring, every container (not pod) without a cpu request counts as "
            "100m: count the containers."
        )
    if got[1] == want[1]:
        return fail("The Score number is right. The Filter uses only the requests written in the pod specs.")
    return fail(f"Look at the pods on {node} (`kubectl describe node {node}`): which containers have requests?")


def _empty_nodes(c: Any) -> list[str]:
    from ..viz.scheduling import utilization_frame

    util = utilization_frame(c)
    return [str(n) for n, pods in util["pods"].items() if pods == 0]


@check
def ex3(answer: Any) -> Feedback:
    """A KubeSchedulerConfiguration that packs the lesson's workload so that a node stays empty."""
    from ..controlplane.scheduler.config import SchedulerConfigError

    try:
        c = run_workload(answer)
    except SchedulerConfigError as err:
        return fail(f"kube-scheduler would not start: {err}")
    pending = [p["metadata"]["name"] for p in c.list("pods") if not p["spec"].get("nodeName")]
    if pending:
        return fail(f"{len(pending)} pod(s) stay Pending ({pending[0]} ...): packing must still schedule them all.")
    empty = _empty_nodes(c)
    if empty:
        return passed(
            f"All 12 pods run and {', '.join(empty)} is empty: a cluster autoscaler could remove it. Packing needs "
            "a score that prefers full nodes and no stronger score (default spreading) pulling the other way."
        )
    strategy = c.scheduler.config.profiles[0].plugin_args["NodeResourcesFit"].scoring_strategy.type
    if strategy == "LeastAllocated":
        return fail(
            "NodeResourcesFit still uses LeastAllocated, which prefers empty nodes. Set "
            "pluginConfig NodeResourcesFit args.scoringStrategy.type to MostAllocated."
        )
    return fail(
        f"{strategy} is set, but every node got pods. PodTopologySpread's default constraints (weight 2) spread a "
        "Deployment's pods across nodes and outweigh it: stop PodTopologySpread from scoring "
        "(plugins.score.disabled), or turn its default constraints off (args defaultingType: List)."
    )
