"""ClusterIP and NodePort allocation with kube-apiserver's error wording.

Upstream: ``pkg/registry/core/service/storage/alloc.go`` (``failed to allocate IP %v: %v``
on ``spec.clusterIPs``, node port errors on ``spec.ports[i].nodePort``),
``ipallocator`` (``provided IP is already allocated``, ``provided IP %v is not in the
valid range``, ``the provided network does not match the current range``),
``portallocator`` (``provided port is already allocated``, ``provided port is not in the
valid range. The range of valid ports is 30000-32767``), KEP-3070 / KEP-3668 static bands.
Values render as JSON since Kubernetes 1.34 (``field.Error.ErrorBody``).
"""

from __future__ import annotations

import ipaddress

import pytest

import k8slearn as kl


def svc(name: str, **spec) -> dict:
    body = {"ports": [{"port": 80}], **spec}
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name}, "spec": body}


@pytest.fixture
def c() -> kl.Cluster:
    return kl.Cluster(seed=0)


def test_the_kubernetes_service_holds_the_first_address(c):
    assert c.api.get("Service", "kubernetes", "default")["spec"]["clusterIPs"] == ["10.96.0.1"]


def test_dynamic_cluster_ips_come_from_the_upper_band_of_the_range(c):
    net = ipaddress.ip_network("10.96.0.0/12")
    for i in range(50):
        ip = ipaddress.ip_address(c.api.create(svc(f"s{i}"))["spec"]["clusterIP"])
        assert ip in net
        assert int(ip) - int(net.network_address) > 256  # the lowest 256 are for static choices


@pytest.mark.parametrize(
    ("requested", "message"),
    [
        ("10.96.0.1", 'The Service "web" is invalid: spec.clusterIPs: Invalid value: ["10.96.0.1"]: failed to '
                      "allocate IP 10.96.0.1: provided IP is already allocated"),
        ("10.0.0.5", 'The Service "web" is invalid: spec.clusterIPs: Invalid value: ["10.0.0.5"]: failed to '
                     "allocate IP 10.0.0.5: the provided network does not match the current range"),
        ("10.96.0.0", 'The Service "web" is invalid: spec.clusterIPs: Invalid value: ["10.96.0.0"]: failed to '
                      "allocate IP 10.96.0.0: provided IP 10.96.0.0 is not in the valid range"),
    ],
    ids=["an address already taken", "an address outside the service CIDR", "the network address"],
)  # fmt: skip
def test_a_requested_cluster_ip_is_refused_in_upstream_words(c, requested, message):
    with pytest.raises(kl.ApiError) as err:
        c.api.create(svc("web", clusterIP=requested))
    assert err.value.code == 422 and err.value.kubectl() == message


def test_a_static_cluster_ip_in_the_lower_band_is_granted(c):
    assert c.api.create(svc("dns", clusterIP="10.96.0.10"))["spec"]["clusterIPs"] == ["10.96.0.10"]


@pytest.mark.parametrize(
    ("node_port", "message"),
    [
        (30080, 'The Service "b" is invalid: spec.ports[0].nodePort: Invalid value: 30080: provided port is '
                "already allocated"),
        (29999, 'The Service "b" is invalid: spec.ports[0].nodePort: Invalid value: 29999: provided port is not in '
                "the valid range. The range of valid ports is 30000-32767"),
    ],
    ids=["a port already taken", "a port below the range"],
)  # fmt: skip
def test_node_port_conflicts_use_the_api_wording(c, node_port, message):
    c.api.create(svc("a", type="NodePort", ports=[{"port": 80, "nodePort": 30080}]))
    with pytest.raises(kl.ApiError) as err:
        c.api.create(svc("b", type="NodePort", ports=[{"port": 80, "nodePort": node_port}]))
    assert err.value.kubectl() == message


def test_a_failed_create_gives_back_what_it_allocated(c):
    c.api.create(svc("a", type="NodePort", ports=[{"port": 80, "nodePort": 30080}]))
    used = set(c.api.service_ips.used_ips)
    with pytest.raises(kl.ApiError):
        c.api.create(svc("b", type="NodePort", ports=[{"port": 81}, {"port": 80, "name": "x", "nodePort": 30080}]))
    assert c.api.service_ips.used_ips == used
    assert c.api.service_ips.used_ports == {30080}


def test_tcp_and_udp_of_one_port_share_a_node_port(c):
    s = c.api.create(svc("dns", type="NodePort", ports=[{"name": "udp", "port": 53, "protocol": "UDP"},
                                                        {"name": "tcp", "port": 53, "protocol": "TCP"}]))  # fmt: skip
    a, b = (p["nodePort"] for p in s["spec"]["ports"])
    assert a == b and 30086 <= a <= 32767  # dynamic ports come from above the static band first


def test_a_local_load_balancer_gets_a_health_check_node_port(c):
    s = c.api.create(svc("lb", type="LoadBalancer", externalTrafficPolicy="Local"))
    assert 30000 <= s["spec"]["healthCheckNodePort"] <= 32767
    assert len(c.api.service_ips.used_ports) == 2


def test_deleting_a_service_releases_its_ip_and_ports(c):
    s = c.api.create(svc("np", type="NodePort", ports=[{"port": 80, "nodePort": 30500}]))
    c.api.delete("Service", "np", "default")
    assert s["spec"]["clusterIP"] not in c.api.service_ips.used_ips
    again = c.api.create(svc("np2", type="NodePort", clusterIP=s["spec"]["clusterIP"],
                             ports=[{"port": 80, "nodePort": 30500}]))  # fmt: skip
    assert again["spec"]["ports"][0]["nodePort"] == 30500


def test_changing_a_node_port_service_to_cluster_ip_drops_and_releases_the_node_port(c):
    s = c.api.create(svc("np", type="NodePort"))
    port = s["spec"]["ports"][0]["nodePort"]
    changed = c.api.patch("Service", "np", "default", {"spec": {"type": "ClusterIP"}})
    assert "nodePort" not in changed["spec"]["ports"][0]
    assert port not in c.api.service_ips.used_ports
    back = c.api.patch("Service", "np", "default", {"spec": {"type": "NodePort"}})
    assert back["spec"]["ports"][0]["nodePort"] in c.api.service_ips.used_ports


def test_headless_and_external_name_services_get_no_cluster_ip(c):
    headless = c.api.create(svc("db", clusterIP="None"))
    assert headless["spec"]["clusterIPs"] == ["None"]
    ext = c.api.create(
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "ext"},
         "spec": {"type": "ExternalName", "externalName": "db.example.com"}}
    )  # fmt: skip
    assert "clusterIP" not in ext["spec"]


def test_a_cluster_ip_service_with_external_ips_defaults_its_external_traffic_policy(c):
    # SetDefaults_Service: ExternallyAccessible (NodePort, LoadBalancer, or ClusterIP with externalIPs)
    s = c.api.create(svc("ext-ip", externalIPs=["192.168.99.22"]))
    assert s["spec"]["externalTrafficPolicy"] == "Cluster"
