"""Same seed and same calls -> the same event log, byte for byte (DESIGN.md principle)."""

from __future__ import annotations

import k8slearn as kl

SCENARIO = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 6
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: nginx, image: nginx:1.27, resources: {requests: {cpu: 100m, memory: 64Mi}}}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80}]
"""


def run(seed: int) -> tuple[str, list, int]:
    c = kl.Cluster.demo(nodes=3, seed=seed)
    c.apply(SCENARIO)
    c.run(60)
    names = sorted(p["metadata"]["name"] for p in c.list("pods"))
    return c.events().to_csv(index=False), names, c.etcd.revision


def test_same_seed_same_event_log():
    assert run(7) == run(7)


def test_different_seeds_differ_in_random_choices():
    assert run(7)[1] != run(8)[1] or run(7)[0] != run(8)[0]
