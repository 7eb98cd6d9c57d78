"""The iptables proxier's rules against kube-proxy's own unit-test fixture and upstream facts.

Conformance sources: kubernetes/kubernetes ``pkg/proxy/iptables/proxier.go``
(``portProtoHash``, ``servicePortEndpointChainName``, ``computeProbability``,
``writeServiceToEndpointRules``) and ``proxier_test.go`` ``TestOverallIPTablesRules``
(golden-outputs.md 1.1); real-node ``iptables-save`` captures (golden-outputs.md 1.3).
"""

from __future__ import annotations

import _proxy_fixtures as fx
import pytest

from k8slearn.node.proxy.iptables import ProxyContext, build_iptables, canonical_rule, iptables_save
from k8slearn.node.proxy.model import (
    Endpoint,
    ServicePort,
    compute_probability,
    endpoint_chain_name,
    service_chain_hash,
)


def test_the_rules_equal_kube_proxys_own_fixture_byte_for_byte():
    rules = build_iptables(fx.service_port_pairs(), fx.CONTEXT)
    assert rules.restore_text() == fx.IPTABLES_EXPECTED


@pytest.mark.parametrize(
    ("name", "protocol", "endpoint", "chain"),
    [
        ("ns1/svc1:p80", "tcp", "", "KUBE-SVC-XPGD46QRK7WJZT7O"),
        ("ns1/svc1:p80", "tcp", "10.180.0.1:80", "KUBE-SEP-SXIVWICOYRO3J4NJ"),
        ("ns4/svc4:p80", "tcp", "", "KUBE-SVC-4SW47YFZTEDKD3PK"),
        ("ns4/svc4:p80", "tcp", "10.180.0.4:80", "KUBE-SEP-UKSFD7AGPMPPLUHC"),
        ("ns4/svc4:p80", "tcp", "10.180.0.5:80", "KUBE-SEP-C6EBXVWJJZMIWKLZ"),
        ("ns5/svc5:p80", "tcp", "10.180.0.3:80", "KUBE-SEP-I77PXRDZVX7PMWMN"),
        ("default/kubernetes:https", "tcp", "", "KUBE-SVC-NPX46M4PTMTKRN6Y"),
        ("kube-system/kube-dns:dns", "udp", "", "KUBE-SVC-TCOU7JCQXEZGVUNU"),
    ],
    ids=[
        "svc1 service chain",
        "svc1 endpoint chain",
        "svc4 service chain",
        "svc4 first endpoint",
        "svc4 second endpoint",
        "svc5 affinity endpoint",
        "the kubernetes service on every cluster",
        "kube-dns on every cluster",
    ],
)
def test_chain_names_are_the_upstream_hashes(name, protocol, endpoint, chain):
    if endpoint:
        assert endpoint_chain_name(name, protocol, endpoint) == chain
    else:
        assert "KUBE-SVC-" + service_chain_hash(name, protocol) == chain


def _svc_port(**kw) -> ServicePort:
    base = {"namespace": "default", "name": "web", "port_name": "", "protocol": "TCP", "port": 80,
            "cluster_ip": "10.96.0.50"}  # fmt: skip
    base.update(kw)
    return ServicePort(**base)


def _eps(n: int, node: str = "node-1") -> list[Endpoint]:
    return [Endpoint(f"10.244.0.{10 + i}", 8080, node_name=node, pod=f"web-{i}") for i in range(n)]


CTX = ProxyContext(node_name="node-1", node_ip="192.168.0.10", cluster_cidr="10.244.0.0/16")


def _svc_chain(rules, sp: ServicePort) -> list[str]:
    return [" ".join(args) for args in rules.nat[f"KUBE-SVC-{sp.hash}"]]


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (1, []),
        (2, ["0.5000000000"]),
        (3, ["0.3333333333", "0.5000000000"]),
        (4, ["0.2500000000", "0.3333333333", "0.5000000000"]),
        (5, ["0.2000000000", "0.2500000000", "0.3333333333", "0.5000000000"]),
        (6, ["0.1666666667", "0.2000000000", "0.2500000000", "0.3333333333", "0.5000000000"]),
    ],
    ids=[f"{n} endpoints" for n in range(1, 7)],
)
def test_endpoint_i_of_n_carries_probability_one_over_n_minus_i_and_the_last_carries_none(n, expected):
    sp = _svc_port()
    rules = build_iptables([(sp, _eps(n))], CTX)
    chain = _svc_chain(rules, sp)[1:]  # the first rule is the masquerade rule
    assert len(chain) == n
    found = [r.split("--probability ")[1].split()[0] for r in chain if "--probability" in r]
    assert found == expected
    assert "statistic" not in chain[-1]
    assert [compute_probability(n - i) for i in range(n - 1)] == expected


@pytest.mark.parametrize("n", range(1, 7), ids=[f"{n} endpoints" for n in range(1, 7)])
def test_the_cascade_gives_every_endpoint_one_nth(n):
    # P(endpoint i) = p_i * prod_{j<i} (1 - p_j) with the probabilities as written (ten decimals)
    probs = [float(compute_probability(n - i)) for i in range(n - 1)] + [1.0]
    remaining, shares = 1.0, []
    for p in probs:
        shares.append(remaining * p)
        remaining *= 1 - p
    assert shares == pytest.approx([1 / n] * n, abs=1e-9)


def test_a_service_chain_masquerades_first_then_checks_affinity_then_balances():
    sp = _svc_port(affinity_timeout=10800)
    rules = build_iptables([(sp, _eps(3))], CTX)
    chain = _svc_chain(rules, sp)
    kinds = ["masq" if "KUBE-MARK-MASQ" in r else "recent" if "--rcheck" in r else "random" if "statistic" in r
             else "last" for r in chain]  # fmt: skip
    assert kinds == ["masq", "recent", "recent", "recent", "random", "random", "last"]
    assert "-m recent --name KUBE-SEP-" in chain[1] and "--rcheck --seconds 10800 --reap" in chain[1]
    sep = endpoint_chain_name("default/web", "tcp", "10.244.0.10:8080")
    assert rules.nat[sep][1] == (
        "-m", "comment", "--comment", "default/web", "-m", "recent", "--name", sep, "--set",
        "-m", "tcp", "-p", "tcp", "-j", "DNAT", "--to-destination", "10.244.0.10:8080",
    )  # fmt: skip


def test_the_nodeports_jump_is_the_last_rule_of_kube_services():
    ports = [(_svc_port(name=f"s{i}", cluster_ip=f"10.96.0.{60 + i}", node_port=30000 + i), _eps(2)) for i in range(4)]
    rules = build_iptables(ports, CTX)
    last = " ".join(rules.nat["KUBE-SERVICES"][-1])
    assert last == (
        '-m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" '
        "-m addrtype --dst-type LOCAL -j KUBE-NODEPORTS"
    )


def test_a_service_without_endpoints_gets_only_a_reject_rule_in_the_filter_table():
    sp = _svc_port()
    rules = build_iptables([(sp, [])], CTX)
    assert rules.filter["KUBE-SERVICES"] == [
        ("-m", "comment", "--comment", '"default/web has no endpoints"', "-m", "tcp", "-p", "tcp", "-d", "10.96.0.50",
         "--dport", "80", "-j", "REJECT"),
    ]  # fmt: skip
    assert not any("KUBE-SVC" in c for c in rules.nat)


def test_not_ready_endpoints_are_not_in_the_rules():
    sp = _svc_port()
    eps = _eps(3)
    eps[1] = Endpoint(eps[1].ip, 8080, ready=False, serving=False, node_name="node-1", pod="web-1")
    text = build_iptables([(sp, eps)], CTX).restore_text()
    assert eps[1].ip not in text
    assert "--probability 0.5000000000" in text


def test_terminating_endpoints_are_used_only_when_no_endpoint_is_ready():
    sp = _svc_port()
    term = Endpoint("10.244.0.30", 8080, ready=False, serving=True, terminating=True, node_name="node-1")
    ready = Endpoint("10.244.0.31", 8080, node_name="node-2")
    assert "10.244.0.30" not in build_iptables([(sp, [term, ready])], CTX).restore_text()
    assert "10.244.0.30:8080" in build_iptables([(sp, [term])], CTX).restore_text()


def test_external_traffic_policy_local_uses_only_this_nodes_endpoints_and_keeps_the_source():
    sp = _svc_port(service_type="NodePort", node_port=30080, external_local=True)
    eps = [Endpoint("10.244.0.10", 8080, node_name="node-1"), Endpoint("10.244.1.10", 8080, node_name="node-2")]
    rules = build_iptables([(sp, eps)], CTX)
    svl = [" ".join(a) for a in rules.nat[f"KUBE-SVL-{sp.hash}"]]
    assert len(svl) == 1 and "10.244.0.10:8080" in svl[0]
    ext = [" ".join(a) for a in rules.nat[f"KUBE-EXT-{sp.hash}"]]
    assert ext[-1] == f"-j KUBE-SVL-{sp.hash}"
    assert not any("masquerade traffic for" in r for r in ext)
    # node-3 has no local endpoint: NodePort traffic is dropped in the filter table
    other = build_iptables([(sp, eps)], ProxyContext("node-3", "192.168.0.12", "10.244.0.0/16"))
    assert other.filter["KUBE-EXTERNAL-SERVICES"] == [
        ("-m", "comment", "--comment", '"default/web has no local endpoints"', "-m", "addrtype", "--dst-type", "LOCAL",
         "-m", "tcp", "-p", "tcp", "--dport", "30080", "-j", "DROP"),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("written", "printed"),
    [
        ("0.3333333333", "0.33333333349"),
        ("0.5000000000", "0.50000000000"),
        ("0.2500000000", "0.25000000000"),
        ("0.2000000000", "0.20000000019"),
    ],
    ids=["one third", "one half", "one quarter", "one fifth"],
)
def test_iptables_save_prints_the_kernels_u32_probability(written, printed):
    rule = canonical_rule(
        "KUBE-SVC-X",
        ("-m", "comment", "--comment", '"a -> b"', "-m", "statistic", "--mode", "random", "--probability", written,
         "-j", "KUBE-SEP-Y"),
    )  # fmt: skip
    assert (
        rule
        == f'-A KUBE-SVC-X -m comment --comment "a -> b" -m statistic --mode random --probability {printed} -j KUBE-SEP-Y'
    )


def test_iptables_save_uses_the_canonical_match_order_of_a_real_node():
    # golden-outputs.md 1.3 (a): a kind node's iptables -t nat -S
    rule = canonical_rule(
        "KUBE-SVC-SZGXCNNBZLC4E3DM",
        ("-m", "comment", "--comment", '"default/web-service cluster IP"', "-m", "tcp", "-p", "tcp", "-d",
         "10.96.206.52", "--dport", "80", "!", "-s", "10.244.0.0/16", "-j", "KUBE-MARK-MASQ"),
    )  # fmt: skip
    assert rule == (
        "-A KUBE-SVC-SZGXCNNBZLC4E3DM ! -s 10.244.0.0/16 -d 10.96.206.52/32 -p tcp -m comment --comment "
        '"default/web-service cluster IP" -m tcp --dport 80 -j KUBE-MARK-MASQ'
    )
    text = iptables_save(build_iptables(fx.service_port_pairs(), fx.CONTEXT))
    assert "-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000" in text
    assert "-A KUBE-POSTROUTING -j MARK --set-xmark 0x4000/0x0" in text
    assert '-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES' in text
