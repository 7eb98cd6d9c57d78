"""The v1 Endpoints controller and the service (load balancer) controller.

Upstream: ``pkg/controller/endpoint/endpoints_controller.go`` (addresses vs
notReadyAddresses, targetRef, nodeName, hostname, RepackSubsets, the skip-mirror label,
the last-change-trigger-time annotation, deletion with the Service) and
``k8s.io/cloud-provider/controllers/service`` (``EnsuringLoadBalancer`` /
``EnsuredLoadBalancer`` events, the ``service.kubernetes.io/load-balancer-cleanup``
finalizer, ``status.loadBalancer.ingress``).
"""

from __future__ import annotations

import pytest
from test_endpointslice import _cluster, add_pod, add_service

from k8slearn.controlplane.controllers.service_lb import LB_FINALIZER


def test_ready_pods_are_addresses_and_the_others_not_ready_addresses():
    c = _cluster()
    add_service(c)
    add_pod(c, "web-1", "10.244.0.5")
    add_pod(c, "web-2", "10.244.0.6", ready=False)
    add_pod(c, "web-3", "10.244.0.4")
    c.run(1)
    ep = c.api.get("Endpoints", "web", "default")
    (subset,) = ep["subsets"]
    assert [a["ip"] for a in subset["addresses"]] == ["10.244.0.4", "10.244.0.5"]
    assert [a["ip"] for a in subset["notReadyAddresses"]] == ["10.244.0.6"]
    assert subset["ports"] == [{"port": 8080, "protocol": "TCP"}]
    first = subset["addresses"][0]
    assert first["nodeName"] == "worker-a"
    assert first["targetRef"]["kind"] == "Pod" and first["targetRef"]["name"] == "web-3"
    labels = ep["metadata"]["labels"]
    assert labels == {"tier": "front", "endpointslice.kubernetes.io/skip-mirror": "true"}
    assert "endpoints.kubernetes.io/last-change-trigger-time" in ep["metadata"]["annotations"]


def test_publish_not_ready_addresses_puts_every_pod_in_addresses():
    c = _cluster()
    add_service(c, publishNotReadyAddresses=True)
    add_pod(c, "web-1", "10.244.0.5", ready=False)
    c.run(1)
    (subset,) = c.api.get("Endpoints", "web", "default")["subsets"]
    assert [a["ip"] for a in subset["addresses"]] == ["10.244.0.5"] and "notReadyAddresses" not in subset


def test_terminating_pods_leave_the_endpoints():
    c = _cluster()
    add_service(c)
    add_pod(c, "web-1", "10.244.0.5")
    add_pod(c, "web-2", "10.244.0.6")
    c.run(1)
    c.api.delete("Pod", "web-1", "default")
    c.run(1)
    (subset,) = c.api.get("Endpoints", "web", "default")["subsets"]
    assert [a["ip"] for a in subset["addresses"]] == ["10.244.0.6"]


def test_the_endpoints_follow_the_pods_and_go_with_the_service():
    c = _cluster()
    add_service(c)
    c.run(1)
    assert "subsets" not in c.api.get("Endpoints", "web", "default")
    add_pod(c, "web-1", "10.244.0.5")
    c.run(1)
    assert c.api.get("Endpoints", "web", "default")["subsets"][0]["addresses"][0]["ip"] == "10.244.0.5"
    c.api.delete("Service", "web", "default")
    c.run(1)
    assert c.api.get_or_none("Endpoints", "web", "default") is None


def test_kubectl_shows_the_endpoints_with_the_deprecation_warning():
    c = _cluster()
    add_service(c)
    add_pod(c, "web-1", "10.244.0.5")
    c.run(1)
    out = c.kubectl("get endpoints web")
    assert out.splitlines()[0] == "Warning: v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice"
    assert "10.244.0.5:8080" in out


# -- the service controller (cloud-controller-manager) ---------------------------------------------
@pytest.fixture
def lb():
    c = _cluster()
    add_service(c, type="LoadBalancer")
    return c


def _events(c, name="web"):
    return [(r["reason"], r["message"]) for r in c.events().to_dict("records") if r["object"].endswith(name)]


def test_a_load_balancer_is_pending_then_gets_an_address(lb):
    lb.run(0.5)
    svc = lb.api.get("Service", "web", "default")
    assert svc["status"]["loadBalancer"] == {}
    assert LB_FINALIZER in svc["metadata"]["finalizers"]
    assert "<pending>" in lb.kubectl("get svc web")
    assert ("EnsuringLoadBalancer", "Ensuring load balancer") in _events(lb)
    lb.run(5)
    svc = lb.api.get("Service", "web", "default")
    assert svc["status"]["loadBalancer"] == {"ingress": [{"ip": "198.51.100.10", "ipMode": "VIP"}]}
    assert ("EnsuredLoadBalancer", "Ensured load balancer") in _events(lb)
    assert "198.51.100.10" in lb.kubectl("get svc web")
    assert ("cloud-controller-manager/service-controller", "Service") in lb.api.watchers()


def test_deleting_a_load_balancer_service_cleans_up_first(lb):
    lb.run(5)
    lb.api.delete("Service", "web", "default")
    lb.run(1)
    assert lb.api.get_or_none("Service", "web", "default") is None
    reasons = [r for r, _ in _events(lb)]
    assert reasons[-2:] == ["DeletingLoadBalancer", "DeletedLoadBalancer"]
    assert lb.api.service_ips.used_ports == set()
