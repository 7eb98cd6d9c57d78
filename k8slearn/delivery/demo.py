"""The fleet, applications, policy and pipeline of lesson 11, ready-made and seeded.

The lesson, its exercise checks and the tests build the same scenario from here:
three clusters (``staging``, ``production-a``, ``production-b``), one environment on
each (namespace ``shop``), the ``web`` and ``cache`` applications, the layered
policy and the staging -> prod-a -> prod-b pipeline.

Used in: 11_delivery_workflow.
"""

from __future__ import annotations

from .environments import Environment, Fleet
from .pipeline import Pipeline, Stage
from .policy import Policy, PolicyException, PolicyLayer
from .release import Release

__all__ = [
    "WEB_MANIFEST",
    "CACHE_MANIFEST",
    "demo_fleet",
    "demo_policy",
    "demo_stages",
    "demo_pipeline",
    "web_release",
    "cache_release",
    "CACHE_CPU_EXCEPTION",
]

#: The shop's web front end: a Deployment and its Service. ``IMAGE`` is replaced by the release image.
WEB_MANIFEST = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 3
  progressDeadlineSeconds: 120
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: nginx
        image: IMAGE
        ports: [{containerPort: 80}]
        resources:
          requests: {cpu: 100m, memory: 64Mi}
          limits: {cpu: 500m, memory: 128Mi}
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 80}]
"""

#: A single-replica cache with a memory limit but, on purpose, no CPU limit.
CACHE_MANIFEST = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: cache
  labels: {app: cache}
spec:
  replicas: 1
  selector:
    matchLabels: {app: cache}
  template:
    metadata:
      labels: {app: cache}
    spec:
      containers:
      - name: redis
        image: IMAGE
        ports: [{containerPort: 6379}]
        resources:
          requests: {cpu: 100m, memory: 128Mi}
          limits: {memory: 256Mi}
"""

#: The exception of exercise 11.3: the cache runs without a CPU limit everywhere.
CACHE_CPU_EXCEPTION = PolicyException(
    "resource-limits", "cache", field="limits.cpu",
    reason="no CPU limit, to avoid CFS throttling of a latency-sensitive cache (approved: SRE-231)",
)  # fmt: skip


def demo_fleet(seed: int = 0) -> Fleet:
    """Three clusters and an environment on each: staging (2 nodes), prod-a and prod-b (3 nodes each)."""
    from ..cluster import Cluster

    fleet = Fleet(
        {
            "staging": Cluster.demo(nodes=2, seed=seed),
            "production-a": Cluster.demo(nodes=3, seed=seed + 1),
            "production-b": Cluster.demo(nodes=3, seed=seed + 2),
        }
    )
    fleet.add_environment(Environment("staging", "staging", "shop"))
    fleet.add_environment(Environment("prod-a", "production-a", "shop", production=True))
    fleet.add_environment(Environment("prod-b", "production-b", "shop", production=True))
    return fleet


def demo_policy() -> Policy:
    """The layered policy of the lesson (no exceptions yet).

    - global: pinned images, CPU and memory limits, no privileged containers, 1 replica;
    - clusters production-a and production-b: images pinned by digest, 2 replicas;
    - environment prod-b (the busiest region): 3 replicas;
    - application cache: 1 replica everywhere (a cache rebuilds itself).
    """
    return Policy(
        [
            PolicyLayer("global", "*", {"image-tag": "pinned", "resource-limits": "required", "privileged": "deny",
                                        "min-replicas": 1}),
            PolicyLayer("cluster", "production-a", {"image-tag": "digest", "min-replicas": 2}),
            PolicyLayer("cluster", "production-b", {"image-tag": "digest", "min-replicas": 2}),
            PolicyLayer("environment", "prod-b", {"min-replicas": 3}),
            PolicyLayer("application", "cache", {"min-replicas": 1}),
        ]
    )  # fmt: skip


def demo_stages() -> list[Stage]:
    """staging (soak 60 s) -> prod-a (approval) -> prod-b."""
    return [Stage("staging", soak=60), Stage("prod-a", approval=True), Stage("prod-b")]


def demo_pipeline(fleet: Fleet, policy: Policy | None = None) -> Pipeline:
    """The lesson's pipeline over ``fleet``."""
    return Pipeline(fleet, demo_stages(), policy)


def web_release(image: str = "nginx:1.27") -> Release:
    return Release("web", WEB_MANIFEST, image)


def cache_release(image: str = "redis:7.2") -> Release:
    return Release("cache", CACHE_MANIFEST, image)
