"""Benchmark: how long (wall time) the kubelets take to bring many bound pods to Running.

Creates ``pods`` pods with ``spec.nodeName`` already set (no scheduler involved), spread
round-robin over ``nodes`` nodes, then runs virtual time until every pod is Running.
Prints the wall time of the node-side work and the virtual time it took.

Run: ``PYTHONPATH=. python3 bench/bench_kubelet.py [--events]``
"""

from __future__ import annotations

import argparse
import time

import k8slearn as kl


def bench(pods: int, nodes: int, record_events: bool) -> tuple[float, float, float]:
    c = kl.Cluster(seed=0, record_events=record_events, cluster_cidr="10.0.0.0/8")
    for i in range(nodes):
        c.add_node(f"node-{i + 1}", cpu="16", memory="64Gi", pods=110)
    c.run(5)
    t0 = time.perf_counter()
    for i in range(pods):
        c.api.create(
            {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {"name": f"web-{i}", "labels": {"app": "web"}},
                "spec": {
                    "nodeName": f"node-{i % nodes + 1}",
                    "containers": [
                        {
                            "name": "nginx",
                            "image": "nginx:1.27",
                            "resources": {"requests": {"cpu": "50m", "memory": "64Mi"}},
                        }
                    ],
                },
            }
        )
    t1 = time.perf_counter()
    start = c.now

    def running() -> int:
        n = 0
        for host in c.hosts.values():
            for w in host.kubelet.workers.values():
                if w.last_status is not None and w.last_status.get("phase") == "Running":
                    n += 1
        return n

    while running() < pods and c.now - start < 600:
        c.run(0.5)  # check twice per virtual second: the check itself is not the kubelet's cost
    t2 = time.perf_counter()
    return t1 - t0, t2 - t1, c.now - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", action="store_true", help="record Event objects too (slower)")
    args = parser.parse_args()
    for pods, nodes in ((1000, 100), (7000, 1200)):
        create, run, virtual = bench(pods, nodes, args.events)
        print(f"{pods:>5} pods on {nodes:>4} nodes: create {create:6.2f} s, to Running {run:6.2f} s wall "
              f"({virtual:.1f} s virtual), events={'on' if args.events else 'off'}")  # fmt: skip


if __name__ == "__main__":
    main()
