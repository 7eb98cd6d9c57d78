"""The IPVS proxier's virtual servers and ``ipvsadm -Ln`` layout (golden-outputs.md 3.1 - 3.3).

Conformance sources: kubernetes/kubernetes ``pkg/proxy/ipvs/README.md`` (``ipvsadm -ln``
sample and the iptables rules IPVS mode installs) and ``pkg/proxy/ipvs/proxier.go``.
"""

from __future__ import annotations

from k8slearn.node.proxy.iptables import ProxyContext
from k8slearn.node.proxy.ipvs import build_ipvs
from k8slearn.node.proxy.model import Endpoint, ServicePort

CTX = ProxyContext(node_name="node-1", node_ip="192.168.0.10", cluster_cidr="10.244.0.0/16")


def test_ipvsadm_lists_the_readme_sample_byte_for_byte():
    # The k/k README sample: kubernetes (ClientIP affinity) and kube-dns, one endpoint each.
    kubernetes = ServicePort("default", "kubernetes", "https", "TCP", 443, "10.0.0.1", affinity_timeout=10800)
    dns_tcp = ServicePort("kube-system", "kube-dns", "dns-tcp", "TCP", 53, "10.0.0.10")
    dns = ServicePort("kube-system", "kube-dns", "dns", "UDP", 53, "10.0.0.10")
    rules = build_ipvs(
        [
            (kubernetes, [Endpoint("192.168.0.1", 6443)]),
            (dns_tcp, [Endpoint("172.17.0.2", 53)]),
            (dns, [Endpoint("172.17.0.2", 53)]),
        ],
        CTX,
    )
    counters = {(("TCP", "10.0.0.1", 443), "192.168.0.1:6443"): (1, 0)}
    assert rules.ipvsadm(counters) == (
        "IP Virtual Server version 1.2.1 (size=4096)\n"
        "Prot LocalAddress:Port Scheduler Flags\n"
        "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n"
        "TCP  10.0.0.1:443 rr persistent 10800\n"
        "  -> 192.168.0.1:6443             Masq    1      1          0\n"
        "TCP  10.0.0.10:53 rr\n"
        "  -> 172.17.0.2:53                Masq    1      0          0\n"
        "UDP  10.0.0.10:53 rr\n"
        "  -> 172.17.0.2:53                Masq    1      0          0\n"
    )


def test_a_nodeport_is_a_virtual_server_on_the_nodes_address_with_local_endpoints_for_local_policy():
    sp = ServicePort("default", "web", "", "TCP", 80, "10.96.0.50", node_port=30080, service_type="NodePort",
                     external_local=True)  # fmt: skip
    eps = [Endpoint("10.244.0.10", 8080, node_name="node-1"), Endpoint("10.244.1.10", 8080, node_name="node-2")]
    rules = build_ipvs([(sp, eps)], CTX)
    assert [e.ip for e in rules.servers[("TCP", "10.96.0.50", 80)].real_servers] == ["10.244.0.10", "10.244.1.10"]
    assert [e.ip for e in rules.servers[("TCP", "192.168.0.10", 30080)].real_servers] == ["10.244.0.10"]
    assert rules.ipsets["KUBE-NODE-PORT-LOCAL-TCP"] == ["30080"]
    assert rules.ipsets["KUBE-LOOP-BACK"] == ["10.244.0.10,tcp:8080,10.244.0.10"]


def test_ipvs_mode_keeps_the_masquerade_rules_of_the_readme():
    sp = ServicePort("default", "web", "", "TCP", 80, "10.96.0.50", node_port=30080, service_type="NodePort")
    text = build_ipvs([(sp, [Endpoint("10.244.0.10", 8080, node_name="node-1")])], CTX).iptables_text()
    assert (
        '-A KUBE-SERVICES ! -s 10.244.0.0/16 -m comment --comment "Kubernetes service cluster ip + port for masquerade '
        'purpose" -m set --match-set KUBE-CLUSTER-IP dst,dst -j KUBE-MARK-MASQ' in text
    )
    assert "-A KUBE-SERVICES -m addrtype --dst-type LOCAL -j KUBE-NODE-PORT\n" in text
    assert "-A KUBE-SERVICES -m set --match-set KUBE-CLUSTER-IP dst,dst -j ACCEPT\n" in text
    assert (
        '-A KUBE-NODE-PORT -p tcp -m comment --comment "Kubernetes nodeport TCP port for masquerade purpose" -m set '
        "--match-set KUBE-NODE-PORT-TCP dst -j KUBE-MARK-MASQ" in text
    )
