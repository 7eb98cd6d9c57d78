"""The EndpointSlice controller against upstream behaviour.

Upstream: ``pkg/controller/endpointslice`` and ``staging/src/k8s.io/endpointslice``
(``reconciler.go``, ``utils.go``): names from ``generateName: <svc>-``, the
``kubernetes.io/service-name`` and ``endpointslice.kubernetes.io/managed-by`` labels,
conditions ready/serving/terminating, ``nodeName``, ``zone``, hostname for
hostname+subdomain pods, per-pod named ports, at most 100 endpoints per slice,
``publishNotReadyAddresses``, a placeholder slice for a Service without endpoints.

Pods here are bound to machines without a kubelet, and their status is written
directly, so the test controls readiness exactly.
"""

from __future__ import annotations

import re

import pytest

import k8slearn as kl
from k8slearn.controlplane.controllers.endpointslice import MANAGED_BY

NODE = "worker-a"


def _cluster() -> kl.Cluster:
    c = kl.Cluster(seed=0)
    c.api.create(
        {"apiVersion": "v1", "kind": "Node",
         "metadata": {"name": NODE, "labels": {"topology.kubernetes.io/zone": "zone-a"}}},
        user="test",
    )  # fmt: skip
    return c


def add_pod(c, name, ip, ready=True, labels=None, ports=None, node=NODE, phase="Running", **spec):
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": labels or {"app": "web"}},
        "spec": {"nodeName": node, "containers": [{"name": "app", "image": "nginx", "ports": ports or []}], **spec},
    }
    c.api.create(pod, user="test")
    set_status(c, name, ip, ready, phase)


def set_status(c, name, ip, ready=True, phase="Running"):
    flag = "True" if ready else "False"
    status = {
        "phase": phase,
        "podIP": ip,
        "podIPs": [{"ip": ip}] if ip else [],
        "conditions": [{"type": "Ready", "status": flag}, {"type": "ContainersReady", "status": flag}],
    }
    c.api.replace_status("Pod", name, "default", status, user="test")


def add_service(c, name="web", **spec):
    body = {"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": 8080}], **spec}
    c.api.create({"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "labels": {"tier": "front"}},
                  "spec": body})  # fmt: skip


def slices(c, svc="web"):
    return c.api.list("EndpointSlice", "default", selector={"kubernetes.io/service-name": svc})


def endpoints(c, svc="web"):
    return {ep["targetRef"]["name"]: ep for sl in slices(c, svc) for ep in sl.get("endpoints") or ()}


def test_a_service_gets_a_slice_named_after_it_with_the_upstream_labels_and_owner():
    c = _cluster()
    add_service(c)
    add_pod(c, "web-1", "10.244.0.5")
    c.run(1)
    (sl,) = slices(c)
    m = sl["metadata"]
    assert re.fullmatch(r"web-[bcdfghjklmnpqrstvwxz2456789]{5}", m["name"])
    assert m["generateName"] == "web-"
    assert m["labels"] == {"tier": "front", "kubernetes.io/service-name": "web",
                           "endpointslice.kubernetes.io/managed-by": MANAGED_BY}  # fmt: skip
    assert MANAGED_BY == "endpointslice-controller.k8s.io"
    (owner,) = m["ownerReferences"]
    assert (owner["kind"], owner["name"], owner["controller"]) == ("Service", "web", True)
    assert sl["addressType"] == "IPv4"
    assert sl["ports"] == [{"name": "", "port": 8080, "protocol": "TCP"}]
    ep = sl["endpoints"][0]
    assert ep["addresses"] == ["10.244.0.5"]
    assert ep["conditions"] == {"ready": True, "serving": True, "terminating": False}
    assert ep["nodeName"] == NODE and ep["zone"] == "zone-a"
    assert ep["targetRef"]["kind"] == "Pod" and ep["targetRef"]["name"] == "web-1"


@pytest.mark.parametrize(
    ("ready", "publish", "conditions"),
    [
        (True, False, {"ready": True, "serving": True, "terminating": False}),
        (False, False, {"ready": False, "serving": False, "terminating": False}),
        (False, True, {"ready": True, "serving": False, "terminating": False}),
    ],
    ids=["a ready pod", "a not-ready pod", "a not-ready pod with publishNotReadyAddresses"],
)
def test_conditions_follow_pod_readiness(ready, publish, conditions):
    c = _cluster()
    add_service(c, publishNotReadyAddresses=publish)
    add_pod(c, "web-1", "10.244.0.5", ready=ready)
    c.run(1)
    assert endpoints(c)["web-1"]["conditions"] == conditions


def test_a_terminating_pod_stays_with_terminating_true_and_ready_false():
    c = _cluster()
    add_service(c)
    add_pod(c, "web-1", "10.244.0.5")
    c.run(1)
    c.api.delete("Pod", "web-1", "default")  # bound pod: graceful deletion, it stays for now
    c.run(1)
    assert endpoints(c)["web-1"]["conditions"] == {"ready": False, "serving": True, "terminating": True}


@pytest.mark.parametrize(
    ("ip", "phase"),
    [("", "Running"), ("10.244.0.6", "Succeeded"), ("10.244.0.6", "Failed")],
    ids=["no pod IP yet", "a succeeded pod", "a failed pod"],
)
def test_pods_without_an_ip_or_terminal_pods_are_left_out(ip, phase):
    c = _cluster()
    add_service(c)
    add_pod(c, "web-1", "10.244.0.5")
    add_pod(c, "web-2", ip, phase=phase)
    c.run(1)
    assert set(endpoints(c)) == {"web-1"}


def test_named_target_ports_are_resolved_per_pod_into_separate_slices():
    c = _cluster()
    add_service(c, ports=[{"name": "http", "port": 80, "targetPort": "web"}])
    add_pod(c, "web-1", "10.244.0.5", ports=[{"name": "web", "containerPort": 8080}])
    add_pod(c, "web-2", "10.244.0.6", ports=[{"name": "web", "containerPort": 9090}])
    c.run(1)
    by_port = {sl["ports"][0]["port"]: [ep["targetRef"]["name"] for ep in sl["endpoints"]] for sl in slices(c)}
    assert by_port == {8080: ["web-1"], 9090: ["web-2"]}
    assert {sl["ports"][0]["name"] for sl in slices(c)} == {"http"}


def test_at_most_one_hundred_endpoints_share_a_slice():
    c = _cluster()
    add_service(c)
    for i in range(250):
        add_pod(c, f"web-{i:03d}", f"10.244.{i // 200}.{i % 200 + 2}")
    c.run(1)
    sizes = sorted(len(sl["endpoints"]) for sl in slices(c))
    assert sizes == [50, 100, 100]
    assert len(endpoints(c)) == 250


def test_an_endpoint_stays_in_its_slice_when_others_come_and_go():
    c = _cluster()
    add_service(c)
    for i in range(3):
        add_pod(c, f"web-{i}", f"10.244.0.{i + 2}")
    c.run(1)
    (before,) = slices(c)
    c.api.delete("Pod", "web-0", "default", grace_period_seconds=0)
    add_pod(c, "web-9", "10.244.0.9")
    c.run(1)
    (after,) = slices(c)
    assert after["metadata"]["name"] == before["metadata"]["name"]
    assert [ep["targetRef"]["name"] for ep in after["endpoints"]] == ["web-1", "web-2", "web-9"]


def test_a_service_without_pods_keeps_one_placeholder_slice():
    c = _cluster()
    add_service(c)
    c.run(1)
    (sl,) = slices(c)
    assert sl["endpoints"] is None and sl["ports"] is None


def test_hostname_is_published_for_pods_whose_subdomain_is_the_service():
    c = _cluster()
    add_service(c, name="db", clusterIP="None")
    add_pod(c, "db-0", "10.244.0.5", hostname="db-0", subdomain="db")
    add_pod(c, "db-1", "10.244.0.6", hostname="db-1")
    c.run(1)
    eps = endpoints(c, "db")
    assert eps["db-0"]["hostname"] == "db-0" and "hostname" not in eps["db-1"]
    assert slices(c, "db")[0]["metadata"]["labels"]["service.kubernetes.io/headless"] == ""


def test_services_without_a_selector_get_no_managed_slices():
    c = _cluster()
    c.api.create({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "ext"},
                  "spec": {"ports": [{"port": 80}]}})  # fmt: skip
    c.run(1)
    assert slices(c, "ext") == []


def test_slices_go_with_their_service():
    c = _cluster()
    add_service(c)
    add_pod(c, "web-1", "10.244.0.5")
    c.run(1)
    c.api.delete("Service", "web", "default")
    c.run(1)
    assert slices(c) == []
