"""The nftables proxier against ``TestOverallNFTablesRules`` (golden-outputs.md 2.1 / 2.2).

Conformance source: kubernetes/kubernetes ``pkg/proxy/nftables/proxier.go`` and
``proxier_test.go`` (``baseRules`` + ``TestOverallNFTablesRules``). The upstream test
compares transactions without regard to the order of chains and elements, so the
per-service part is compared as a set of lines, and each chain's rules in order.
"""

from __future__ import annotations

import re

import _proxy_fixtures as fx
import pytest

from k8slearn.node.proxy.model import Endpoint, ServicePort, nft_chain_name
from k8slearn.node.proxy.nftables import build_nftables


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip() and not line.startswith("#")]


def _rules_by_chain(lines: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for line in lines:
        m = re.match(r"add rule ip kube-proxy (\S+) (.*)", line)
        if m:
            out.setdefault(m.group(1), []).append(m.group(2))
    return out


def test_the_base_rules_equal_the_fixture_exactly():
    text = build_nftables(fx.service_port_pairs(), fx.CONTEXT).transaction()
    assert text.startswith(fx.NFTABLES_BASE)


def test_the_whole_transaction_has_exactly_the_fixtures_lines():
    text = build_nftables(fx.service_port_pairs(), fx.CONTEXT).transaction()
    expected = _lines(fx.NFTABLES_BASE + fx.NFTABLES_SERVICES)
    assert sorted(_lines(text)) == sorted(expected)


def test_every_chain_has_its_rules_in_the_fixtures_order():
    text = build_nftables(fx.service_port_pairs(), fx.CONTEXT).transaction()
    assert _rules_by_chain(_lines(text)) == _rules_by_chain(_lines(fx.NFTABLES_BASE + fx.NFTABLES_SERVICES))


@pytest.mark.parametrize(
    ("prefix", "base", "name"),
    [
        ("service", "ns1/svc1/tcp/p80", "service-ULMVA6XW-ns1/svc1/tcp/p80"),
        ("endpoint", "ns1/svc1/tcp/p80__10.180.0.1/80", "endpoint-5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80"),
        ("affinity", "ns5/svc5/tcp/p80__10.180.0.3/80", "affinity-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80"),
        ("service", "ns4/svc4/tcp/p80", "service-LAUZTJTB-ns4/svc4/tcp/p80"),
        ("service", "default/kubernetes/tcp/https", "service-2QRHZV4L-default/kubernetes/tcp/https"),
        ("service", "kube-system/kube-dns/udp/dns", "service-FY5PMXPG-kube-system/kube-dns/udp/dns"),
        ("service", "kube-system/kube-dns/tcp/dns-tcp", "service-NWBZK7IH-kube-system/kube-dns/tcp/dns-tcp"),
    ],
    ids=["svc1", "svc1 endpoint", "svc5 affinity set", "svc4", "kubernetes", "kube-dns udp", "kube-dns tcp"],
)
def test_chain_names_are_base32_sha256_prefixes(prefix, base, name):
    assert nft_chain_name(prefix, base) == name


@pytest.mark.parametrize("n", range(1, 7), ids=[f"{n} endpoints" for n in range(1, 7)])
def test_one_numgen_rule_picks_among_n_endpoints(n):
    sp = ServicePort("default", "web", "", "TCP", 80, "10.96.0.50")
    eps = [Endpoint(f"10.244.0.{10 + i}", 8080, node_name="node-1") for i in range(n)]
    rules = build_nftables([(sp, eps)], fx.CONTEXT)
    chain = rules.chains[nft_chain_name("service", "default/web/tcp/")]
    assert chain[-1].startswith(f"numgen random mod {n} vmap {{ 0 : goto endpoint-")
    assert chain[-1].count(" : goto ") == n
    assert chain[-1].count(" , ") == n - 1


def test_the_listing_looks_like_nft_list_table():
    text = build_nftables(fx.service_port_pairs(), fx.CONTEXT).listing()
    assert text.startswith('table ip kube-proxy {\n\tcomment "rules for kube-proxy"\n')
    assert "\t\ttype nat hook prerouting priority dstnat; policy accept;\n\t\tjump services\n" in text
    assert "\t\tmeta mark set meta mark | 0x00004000\n" in text
    assert "numgen random mod 2 vmap { 0 : goto endpoint-UNZV3OEC-ns4/svc4/tcp/p80__10.180.0.4/80, 1 : goto" in text
