"""Cluster DNS answers (Kubernetes DNS-Based Service Discovery spec, CoreDNS ``kubernetes`` plugin).

Upstream facts: the kubelet's ``ClusterFirst`` resolv.conf (search
``<ns>.svc.cluster.local svc.cluster.local cluster.local``, ``options ndots:5``, the DNS
Service at the tenth address of the service range by kubeadm convention); A records for
ClusterIPs, one A record per ready endpoint of a headless Service, hostname records for
pods with ``hostname`` + ``subdomain``, CNAME for ExternalName, ``pods insecure`` records.
"""

from __future__ import annotations

import pytest

import k8slearn as kl
from k8slearn import dns


def _add_pod(c, name, ip, ready=True, ns="default", labels=None, **spec):
    c.api.create({"apiVersion": "v1", "kind": "Pod",
                  "metadata": {"name": name, "namespace": ns, "labels": labels or {"app": "db"}},
                  "spec": {"nodeName": "worker-a", "containers": [{"name": "c", "image": "nginx"}], **spec}})  # fmt: skip
    flag = "True" if ready else "False"
    c.api.replace_status("Pod", name, ns, {"phase": "Running", "podIP": ip, "podIPs": [{"ip": ip}],
                                           "conditions": [{"type": "Ready", "status": flag}]}, user="test")  # fmt: skip


@pytest.fixture(scope="module")
def c() -> kl.Cluster:
    c = kl.Cluster(seed=0)
    c.api.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}})
    for ns, ip in (("default", "10.96.100.1"), ("shop", "10.96.100.2")):
        c.api.create({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": ns},
                      "spec": {"clusterIP": ip, "selector": {"app": "web"}, "ports": [{"port": 80}]}})  # fmt: skip
    c.api.create({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "db"},
                  "spec": {"clusterIP": "None", "selector": {"app": "db"}, "ports": [{"port": 5432}]}})  # fmt: skip
    c.api.create({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "ext"},
                  "spec": {"type": "ExternalName", "externalName": "db.example.com"}})  # fmt: skip
    _add_pod(c, "db-0", "10.244.0.7", hostname="db-0", subdomain="db")
    _add_pod(c, "db-1", "10.244.0.8", hostname="db-1", subdomain="db")
    _add_pod(c, "db-2", "10.244.0.9", ready=False, hostname="db-2", subdomain="db")
    _add_pod(c, "client", "10.244.0.20", ns="shop", labels={"app": "client"})
    c.run(2)
    return c


@pytest.mark.parametrize(
    ("name", "namespace", "answer"),
    [
        ("web", "default", ["10.96.100.1"]),
        ("web", "shop", ["10.96.100.2"]),
        ("web.shop", "default", ["10.96.100.2"]),
        ("web.shop.svc", "default", ["10.96.100.2"]),
        ("web.default.svc.cluster.local", "shop", ["10.96.100.1"]),
        ("web.default.svc.cluster.local.", "shop", ["10.96.100.1"]),
        ("kubernetes.default", "shop", ["10.96.0.1"]),
        ("db", "default", ["10.244.0.7", "10.244.0.8"]),
        ("db-1.db", "default", ["10.244.0.8"]),
        ("db-2.db", "default", []),
        ("ext", "default", ["db.example.com."]),
        ("10-244-0-7.default.pod", "default", ["10.244.0.7"]),
        ("nothere", "default", []),
        ("google.com", "default", []),
    ],
    ids=[
        "a short name from the same namespace",
        "the same short name from another namespace",
        "service dot namespace",
        "service dot namespace dot svc",
        "a fully qualified name",
        "an absolute name",
        "the kubernetes service",
        "a headless service gives its ready pod IPs",
        "a pod's hostname under its headless service",
        "a not-ready pod has no record",
        "ExternalName is a CNAME",
        "a pod record from its dashed IP",
        "an unknown service",
        "a name outside the cluster (no upstream DNS in the simulation)",
    ],
)
def test_names_resolve_like_coredns_answers_them(c, name, namespace, answer):
    assert c.resolve(name, namespace=namespace) == answer


def test_short_names_follow_the_pods_own_namespace(c):
    assert c.resolve("web", from_pod="shop/client") == ["10.96.100.2"]


def test_resolv_conf_is_what_the_kubelet_writes_for_cluster_first(c):
    assert dns.resolv_conf(c, "shop/client") == (
        "search shop.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n"
    )
    assert dns.dns_service_ip(c) == "10.96.0.10"


def test_a_name_with_few_dots_tries_the_search_path_first(c):
    tried = dns.queries(c, "google.com")
    assert list(tried["query"]) == [
        "google.com.default.svc.cluster.local.",
        "google.com.svc.cluster.local.",
        "google.com.cluster.local.",
        "google.com.",
    ]
    assert list(dns.queries(c, "web")["query"]) == ["web.default.svc.cluster.local."]


def test_installing_cluster_dns_creates_kube_dns_at_the_tenth_address():
    c = kl.Cluster(seed=0)
    svc = dns.install_cluster_dns(c, replicas=0)
    assert svc["spec"]["clusterIP"] == "10.96.0.10"
    assert [(p["name"], p["protocol"], p["port"]) for p in svc["spec"]["ports"]] == [
        ("dns", "UDP", 53),
        ("dns-tcp", "TCP", 53),
        ("metrics", "TCP", 9153),
    ]
    assert dns.install_cluster_dns(c, replicas=0)["metadata"]["uid"] == svc["metadata"]["uid"]
    assert c.resolve("kube-dns.kube-system") == ["10.96.0.10"]
