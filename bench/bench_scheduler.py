"""Benchmark: kube-scheduler cycles per second on 500 and 5,000 nodes.

Builds the scheduler's node cache directly (no kubelets, no API server) and runs full
scheduling cycles: PreFilter, Filter over the sampled nodes, Score, pick, then Reserve
(assume the pod onto its node) for each of 1,000 pods, as kube-scheduler's
``scheduler_perf`` SchedulingBasic test does. Optionally (``--cluster``) also measures
the whole component in a Cluster: watch, queue, cycle, Binding write and events.

Usage::

    python bench/bench_scheduler.py            # 1,000 pods onto 500 and 5,000 nodes
    python bench/bench_scheduler.py --pods 3000 --nodes 5000 --profile

Upstream's own benchmark (5,000 nodes) reaches about 680-810 pods/s.
"""

from __future__ import annotations

import argparse
import random
import time

from k8slearn.controlplane.scheduler.algorithm import schedule_pod
from k8slearn.controlplane.scheduler.cache import PodInfo, SchedulerCache
from k8slearn.controlplane.scheduler.config import load_config
from k8slearn.controlplane.scheduler.framework import CycleState, Framework
from k8slearn.controlplane.scheduler.queue import Nominator


class Handle:
    """What the framework needs from the scheduler, without a cluster."""

    def __init__(self, n_nodes: int, seed: int = 0, zones: int = 0) -> None:
        self.cache = SchedulerCache()
        for i in range(n_nodes):
            labels = {"kubernetes.io/hostname": f"node-{i}"}
            if zones:
                labels["topology.kubernetes.io/zone"] = f"zone-{i % zones}"
            self.cache.add_node(
                {
                    "apiVersion": "v1",
                    "kind": "Node",
                    "metadata": {"name": f"node-{i}", "labels": labels},
                    "spec": {},
                    "status": {
                        "allocatable": {"cpu": "32", "memory": "128Gi", "pods": "110", "ephemeral-storage": "100Gi"}
                    },  # fmt: skip
                }
            )
        self.config = load_config(None)
        self.rng = random.Random(seed)
        self.nominator = Nominator()
        self.next_start_node_index = 0
        self.api = None
        self.fw = Framework(self.config.profiles[0], self)

    def services_in(self, namespace: str) -> list:
        return []

    def nominated_pods_for_node(self, name: str) -> list:
        return []


def make_pod(i: int) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": f"pod-{i}", "namespace": "default", "uid": f"uid-{i}", "labels": {"app": "bench"}},
        "spec": {
            "schedulerName": "default-scheduler",
            "priority": 0,
            "containers": [
                {
                    "name": "c",
                    "image": "registry.k8s.io/pause:3.10",
                    "resources": {"requests": {"cpu": "100m", "memory": "500Mi"}},
                }
            ],  # fmt: skip
        },
        "status": {"phase": "Pending"},
    }


def run_cycles(n_nodes: int, n_pods: int, zones: int = 0) -> tuple[float, float]:
    """Pods per second by wall clock and by this process's CPU time (other load excluded)."""
    handle = Handle(n_nodes, zones=zones)
    pods = [make_pod(i) for i in range(n_pods)]
    start, cpu = time.perf_counter(), time.process_time()
    for p in pods:
        pi = PodInfo(p)
        state = CycleState()
        state.write("PodInfo", pi)
        result = schedule_pod(handle, handle.fw, state, p)
        handle.cache.assume_pod(pi, result.suggested_host)
    return n_pods / (time.perf_counter() - start), n_pods / (time.process_time() - cpu)


def run_cluster(n_nodes: int, n_pods: int) -> tuple[float, float]:
    import k8slearn as kl

    t0 = time.perf_counter()
    c = kl.Cluster(seed=0, record_events=False, cluster_cidr="10.0.0.0/8")
    for i in range(n_nodes):
        c.add_node(f"node-{i}", cpu="32", memory="128Gi")
    c.run(1)
    build = time.perf_counter() - t0
    pods = [make_pod(i) for i in range(n_pods)]
    for p in pods:
        p["metadata"].pop("uid")
        c.api.create(p, user="bench")
    start = time.perf_counter()
    c.run_until(lambda cl: cl.scheduler.cycles >= n_pods and len(cl.scheduler.queue) == 0, timeout=60)
    return n_pods / (time.perf_counter() - start), build


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pods", type=int, default=1000)
    ap.add_argument("--nodes", type=int, nargs="*", default=[500, 5000])
    ap.add_argument("--zones", type=int, default=0, help="spread nodes over this many zones")
    ap.add_argument("--cluster", action="store_true", help="also run the whole component in a Cluster")
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--repeat", type=int, default=3, help="report the best of this many runs")
    args = ap.parse_args()
    for n in args.nodes:
        if args.profile:
            import cProfile
            import pstats

            prof = cProfile.Profile()
            prof.enable()
            wall, cpu = run_cycles(n, args.pods, args.zones)
            prof.disable()
            pstats.Stats(prof).sort_stats("cumulative").print_stats(25)
        else:
            run_cycles(n, min(args.pods, 50), args.zones)  # warm caches and imports
            runs = [run_cycles(n, args.pods, args.zones) for _ in range(args.repeat)]
            wall, cpu = max(r[0] for r in runs), max(r[1] for r in runs)
        print(f"scheduling cycles: {args.pods} pods onto {n} nodes: {wall:,.0f} pods/s wall, {cpu:,.0f} pods/s CPU")
        if args.cluster:
            rate, build = run_cluster(n, args.pods)
            print(f"whole component in a Cluster ({n} nodes built in {build:.1f} s): {rate:,.0f} pods/s")


if __name__ == "__main__":
    main()
