"""Benchmark: kube-proxy rule rendering and request routing for many Services.

Builds the proxier's input directly (no cluster): ``services`` ClusterIP Services with
``endpoints`` endpoints each, then measures

- rendering the iptables-restore input, the nftables transaction and the IPVS tables;
- the rule walk for one Service near the end of ``KUBE-SERVICES`` (iptables checks the
  Services in order, so the last one costs the most), and sending ``requests`` requests
  through the precomputed walk;
- optionally (``--cluster``) a real cluster: how long every kube-proxy takes to follow
  a burst of EndpointSlice changes.

Usage::

    PYTHONPATH=. python3 bench/bench_proxy.py
    PYTHONPATH=. python3 bench/bench_proxy.py --services 5000 --endpoints 10 --cluster
"""

from __future__ import annotations

import argparse
import random
import time

from k8slearn.node.proxy.iptables import ProxyContext, build_iptables
from k8slearn.node.proxy.ipvs import build_ipvs
from k8slearn.node.proxy.model import Endpoint, ServicePort
from k8slearn.node.proxy.netfilter import KernelState, NodeView, Packet, evaluate, walk_iptables
from k8slearn.node.proxy.nftables import build_nftables


def service_ports(services: int, endpoints: int) -> list[tuple[ServicePort, list[Endpoint]]]:
    pairs = []
    for s in range(services):
        ip = f"10.96.{s // 250}.{s % 250 + 2}"
        sp = ServicePort("default", f"svc-{s:05d}", "http", "TCP", 80, ip)
        eps = [
            Endpoint(
                f"10.{(s * endpoints + e) // 65000 + 1}.{(s * endpoints + e) // 250 % 250}.{(s * endpoints + e) % 250 + 2}",
                8080,
                node_name=f"node-{e % 3 + 1}",
                pod=f"svc-{s:05d}-{e}",
            )  # fmt: skip
            for e in range(endpoints)
        ]
        pairs.append((sp, eps))
    return pairs


def timed(label: str, fn, *args):
    t = time.perf_counter()
    out = fn(*args)
    print(f"{label:<48} {time.perf_counter() - t:8.3f} s")
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--services", type=int, default=1000)
    ap.add_argument("--endpoints", type=int, default=5)
    ap.add_argument("--requests", type=int, default=30_000)
    ap.add_argument("--cluster", action="store_true")
    args = ap.parse_args()
    ctx = ProxyContext("node-1", "192.168.0.10", "10.0.0.0/8", random_fully=True)
    pairs = timed(f"build {args.services} services x {args.endpoints} endpoints", service_ports, args.services,
                  args.endpoints)  # fmt: skip
    rules = timed("iptables rules", build_iptables, pairs, ctx)
    text = timed("  render iptables-restore input", rules.restore_text)
    print(f"  {len(text.splitlines()):,} lines, {len(text) / 1e6:.1f} MB")
    nft = timed("nftables transaction", build_nftables, pairs, ctx)
    timed("  render nft -f input", nft.transaction)
    ipvs = timed("IPVS virtual servers", build_ipvs, pairs, ctx)
    timed("  render ipvsadm -Ln", ipvs.ipvsadm)
    sp, eps = pairs[-1]
    endpoints = {e.address: e for e in eps}
    pkt = Packet("10.1.0.250", sp.cluster_ip, sp.port, "tcp", "pod")
    plan = timed("walk the rules for the last service (tree)", walk_iptables, rules, NodeView("node-1", ctx.node_ip),
                 endpoints, pkt)  # fmt: skip
    rng, state = random.Random(0), KernelState()

    def send() -> None:
        for _ in range(args.requests):
            evaluate(plan, rng, state, 0.0, pkt.src)

    timed(f"send {args.requests:,} requests through the tree", send)
    if args.cluster:
        cluster_bench()


def cluster_bench() -> None:
    import k8slearn as kl

    c = kl.Cluster(seed=0, record_events=False)
    for i in range(20):
        c.add_node(f"node-{i + 1}", cpu="16", memory="64Gi")
    c.run(5)
    for s in range(200):
        c.api.create({"apiVersion": "v1", "kind": "Service", "metadata": {"name": f"svc-{s}"},
                      "spec": {"selector": {"app": f"a{s % 50}"}, "ports": [{"port": 80}]}})  # fmt: skip
    t = time.perf_counter()
    c.apply({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
             "spec": {"replicas": 200, "selector": {"matchLabels": {"app": "a0"}},
                      "template": {"metadata": {"labels": {"app": "a0"}},
                                   "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27"}]}}}})  # fmt: skip
    c.run(60)
    print(f"{'cluster: 200 pods behind 4 services, 20 nodes, 60 s':<48} {time.perf_counter() - t:8.3f} s")
    t = time.perf_counter()
    text = c.kube_proxy("node-1").rules()
    print(f"{'  rules() on node-1':<48} {time.perf_counter() - t:8.3f} s ({len(text.splitlines()):,} lines)")
    t = time.perf_counter()
    c.send_traffic("svc-0", 30_000)
    print(f"{'  send_traffic 30,000 requests':<48} {time.perf_counter() - t:8.3f} s")


if __name__ == "__main__":
    main()
