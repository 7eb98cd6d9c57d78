"""Clusters with pods in chosen states for the picture tests (no clock run after set-up).

Pods are created bound to their node (``spec.nodeName``) and given a status through
``api.replace_status``; Services get an EndpointSlice in the discovery.k8s.io/v1 shape
listing their pods with an IP. Since the clock is not run afterwards, no kubelet or
controller changes what the test set up.
"""

from __future__ import annotations

import matplotlib
import pytest

import k8slearn as kl

matplotlib.use("Agg")

#: Status per pod index, cycled: mostly Running, one of each other colour.
CYCLE = ["Running"] * 7 + ["Pending", "CrashLoopBackOff", "Succeeded", "Running", "ContainerCreating"]


def pod_status(word: str, ip: str) -> dict:
    ready = word == "Running"
    if word == "Pending":
        return {"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "True"}]}
    if word == "Succeeded":
        state = {"terminated": {"reason": "Completed", "exitCode": 0}}
        return {"phase": "Succeeded", "podIP": ip,
                "containerStatuses": [{"name": "app", "ready": False, "restartCount": 0, "state": state}]}  # fmt: skip
    if word == "CrashLoopBackOff":
        state = {"waiting": {"reason": "CrashLoopBackOff"}}
    elif word == "ContainerCreating":
        state = {"waiting": {"reason": "ContainerCreating"}}
    else:
        state = {"running": {"startedAt": "2026-01-01T00:00:01Z"}}
    return {
        "phase": "Pending" if word == "ContainerCreating" else "Running",
        "podIP": "" if word == "ContainerCreating" else ip,
        "conditions": [{"type": "Ready", "status": "True" if ready else "False"}],
        "containerStatuses": [{"name": "app", "ready": ready, "restartCount": 0, "state": state}],
    }


def build(nodes: int = 3, pods: int = 12, services: tuple[str, ...] = ("web", "api"), *, unscheduled: int = 0,
          terminating: int = 1, seed: int = 0) -> kl.Cluster:  # fmt: skip
    c = kl.Cluster(seed=seed)
    for i in range(1, nodes + 1):
        c.add_node(f"node-{i}")
    c.run(5)
    api = c.api
    apps = list(services) or ["app"]
    for i in range(pods):
        app, node = apps[i % len(apps)], f"node-{i % nodes + 1}"
        name = f"{app}-{i}"
        api.create({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": {"app": app}},
                    "spec": {"nodeName": node, "containers": [{"name": "app", "image": "nginx:1.27"}]}})  # fmt: skip
        ip = f"10.244.{i % nodes}.{i // nodes + 2}"
        api.replace_status("Pod", name, "default", pod_status(CYCLE[i % len(CYCLE)], ip), user=f"kubelet/{node}")
    for j in range(unscheduled):
        api.create({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": f"queued-{j}", "labels": {"app": apps[0]}},
                    "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]}})  # fmt: skip
    for svc in services:
        api.create({"apiVersion": "v1", "kind": "Service", "metadata": {"name": svc},
                    "spec": {"selector": {"app": svc}, "ports": [{"port": 80, "targetPort": 8080}]}})  # fmt: skip
        endpoints = []
        for p in api.list("Pod", "default", selector={"app": svc}):
            st = p.get("status") or {}
            if not st.get("podIP") or st.get("phase") in ("Succeeded", "Failed"):
                continue
            ready = any(cd["type"] == "Ready" and cd["status"] == "True" for cd in st.get("conditions") or ())
            endpoints.append({"addresses": [st["podIP"]], "conditions": {"ready": ready, "serving": ready},
                              "nodeName": p["spec"]["nodeName"],
                              "targetRef": {"kind": "Pod", "name": p["metadata"]["name"], "namespace": "default"}})  # fmt: skip
        api.create({"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
                    "metadata": {"name": f"{svc}-test1", "labels": {"kubernetes.io/service-name": svc}},
                    "addressType": "IPv4", "endpoints": endpoints,
                    "ports": [{"name": "", "port": 8080, "protocol": "TCP"}]})  # fmt: skip
    for i in range(terminating):
        api.delete("Pod", f"{apps[0]}-{i * len(apps)}", "default")
    return c


@pytest.fixture
def make_cluster():
    return build


@pytest.fixture(autouse=True)
def _close_figures():
    import matplotlib.pyplot as plt

    yield
    plt.close("all")
