"""Lesson 06 checks: right answers pass, typical wrong answers get a hint that points at the concept."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "node"))

import _proxy_fixtures as fx  # noqa: E402

from k8slearn.check import lesson06  # noqa: E402


@pytest.mark.parametrize("answer", ["0.3333333333", 1 / 3, "1/3"], ids=["as written", "a float", "a fraction"])
def test_ex1_accepts_one_third(answer):
    assert lesson06.ex1(answer).ok


@pytest.mark.parametrize(("answer", "hint"), [(0.25, "only sees"), (0.5, "third rule"), (0.9, "1/(n-i)")],
                         ids=["each endpoint's share", "the third rule", "a guess"])  # fmt: skip
def test_ex1_hints(answer, hint):
    fb = lesson06.ex1(answer)
    assert not fb.ok and hint in fb.message


@pytest.mark.parametrize("junk", ["not a number", [1], "1/0"], ids=["text", "a list", "division by zero"])
def test_ex1_unanswered_and_junk_never_raise(junk):
    assert not lesson06.ex1(None).ok
    fb = lesson06.ex1(junk)
    assert not fb.ok and "Answer with one number" in fb.message


@pytest.fixture(scope="module")
def c():
    c = fx.web_cluster(replicas=2)
    fx_local = {"type": "NodePort", "externalTrafficPolicy": "Local"}
    c.apply({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web-local"},
             "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}], **fx_local}})  # fmt: skip
    c.run(2)
    return c


def test_ex2_wants_the_full_chain_name(c):
    from k8slearn.node.proxy.model import service_chain_hash

    h = service_chain_hash("default/web", "tcp")
    assert lesson06.ex2(f"KUBE-SVC-{h}", c).ok
    assert "prefix" in lesson06.ex2(h, c).message
    assert not lesson06.ex2("KUBE-SVC-WRONG", c).ok


def test_ex3_wants_the_nodes_with_a_local_pod(c):
    nodes = sorted({p["spec"]["nodeName"] for p in fx.pods_of(c)})
    assert lesson06.ex3(nodes, c).ok
    wrong = lesson06.ex3(c.nodes(), c)
    assert not wrong.ok and "drops the traffic" in wrong.message


def test_ex4_compares_with_the_dns_answer(c):
    c.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}})
    c.apply({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "shop"},
             "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}})  # fmt: skip
    ip = c.get("svc", "web", "shop")["spec"]["clusterIP"]
    assert lesson06.ex4(ip, c).ok
    own_namespace = lesson06.ex4(c.get("svc", "web")["spec"]["clusterIP"], c)
    assert not own_namespace.ok and "names another namespace" in own_namespace.message
    assert "list of addresses" in lesson06.ex4(42, c).message
