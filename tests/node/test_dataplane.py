"""Requests walked through the source node's rules: shares, affinity, traffic policy, source IPs, failures.

Upstream behaviour checked here: iptables ``-m statistic`` cascades give each endpoint
1/n of new connections; ``-m recent`` keeps a ClientIP client on its endpoint for
``timeoutSeconds``; ``externalTrafficPolicy: Local`` drops NodePort traffic on nodes
without a local endpoint and keeps the client's source IP, while ``Cluster`` masquerades
it to the node's IP; a Service without endpoints is REJECTed (ICMP port unreachable);
not-ready and terminating pods get no new connections while ready ones exist
(``pkg/proxy/topology.go`` CategorizeEndpoints); IPVS ``rr`` is round robin.
"""

from __future__ import annotations

import _proxy_fixtures as fx
import pytest

from k8slearn.viz.network import chi_square
from k8slearn.widgets.network import set_pod_ready


@pytest.fixture(scope="module")
def web():
    return fx.web_cluster(replicas=4)


def test_thirty_thousand_requests_split_evenly_within_statistical_bounds(web):
    df = web.send_traffic("web", 30_000)
    assert list(df.columns) == ["pod", "node", "requests"]
    assert len(df) == 4 and df["requests"].sum() == 30_000
    test = chi_square(list(df["requests"]))
    assert test.p_value > 0.001, test
    sigma = (30_000 * 0.25 * 0.75) ** 0.5
    assert all(abs(n - 7500) < 5 * sigma for n in df["requests"])
    assert df.attrs["expected"] == pytest.approx(dict.fromkeys(df["pod"], 0.25))


def test_every_request_from_a_pod_reaches_a_pod_with_the_clients_own_address(web):
    df = web.send_traffic("web", 200, from_node="node-2")
    assert df.attrs["delivered"] == 200
    assert df.attrs["source_seen"] == {"10.244.1.250": 200}


@pytest.mark.parametrize("replicas", range(1, 7), ids=[f"{n} endpoints" for n in range(1, 7)])
def test_the_rules_promise_each_of_n_endpoints_one_nth(replicas):
    c = fx.web_cluster(replicas=replicas)
    shares = c.kube_proxy("node-1").shares("web")
    assert sorted(shares.values()) == pytest.approx([1 / replicas] * replicas, abs=1e-9)


def test_the_precomputed_walk_draws_exactly_like_a_rule_by_rule_walk():
    a = fx.web_cluster(replicas=5, seed=7)
    b = fx.web_cluster(replicas=5, seed=7)
    traced = [a.trace_request("web").attrs["pod"] for _ in range(40)]
    sent = []
    for _ in range(40):
        df = b.send_traffic("web", 1)
        sent.append(df.loc[df["requests"] == 1, "pod"].item())
    assert traced == sent


def test_the_same_seed_gives_the_same_traffic():
    counts = [list(fx.web_cluster(replicas=3, seed=3).send_traffic("web", 5000)["requests"]) for _ in range(2)]
    assert counts[0] == counts[1]


def test_a_trace_shows_the_chain_walk_from_client_to_pod(web):
    tr = web.trace_request("web")
    where = list(tr["where"])
    assert where[0] == "client" and where[1] == "node-1"
    assert "nat/KUBE-SERVICES" in where
    svc = [w for w in where if w.startswith("nat/KUBE-SVC-")]
    sep = [w for w in where if w.startswith("nat/KUBE-SEP-")]
    assert svc and sep and where.index(svc[0]) < where.index(sep[0])
    assert any(a.startswith("DNAT ") for a in tr["action"])
    assert tr.attrs["result"] == "delivered" and where[-1] == f"pod {tr.attrs['pod']}"


def test_a_service_without_endpoints_is_rejected_with_icmp_port_unreachable():
    c = fx.web_cluster(replicas=1)
    c.apply({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "empty"},
             "spec": {"selector": {"app": "nothing"}, "ports": [{"port": 80}]}})  # fmt: skip
    c.run(2)
    df = c.send_traffic("empty", 100)
    assert df.empty and df.attrs["rejected"] == 100
    (reason,) = df.attrs["reasons"]
    assert reason == "REJECT (icmp-port-unreachable) in filter/KUBE-SERVICES: default/empty has no endpoints"
    tr = c.trace_request("empty")
    assert tr.attrs["result"] == "rejected"
    assert tr["where"].iloc[-2] == "filter/KUBE-SERVICES"


def test_a_not_ready_pod_receives_nothing():
    c = fx.web_cluster(replicas=3)
    victim = fx.pods_of(c)[0]["metadata"]["name"]
    set_pod_ready(c, victim, False)
    c.run(2)
    df = c.send_traffic("web", 3000)
    assert victim in set(df["pod"])  # still an endpoint (ready: false), so still listed
    assert df.set_index("pod").loc[victim, "requests"] == 0
    assert df["requests"].sum() == 3000


def test_a_terminating_pod_receives_nothing_while_others_are_ready():
    c = fx.web_cluster(replicas=3, annotations={"k8slearn.io/shutdown-seconds": "20"})
    victim = fx.pods_of(c)[0]["metadata"]["name"]
    c.delete("pod", victim)  # 30 s of grace; the process needs 20 s to stop
    c.run(2)
    sl = c.api.list("EndpointSlice", "default", selector={"kubernetes.io/service-name": "web"})
    conds = {ep["targetRef"]["name"]: ep["conditions"] for s in sl for ep in s.get("endpoints") or ()}
    assert conds[victim]["terminating"] is True and conds[victim]["ready"] is False
    df = c.send_traffic("web", 2000)
    hits = dict(zip(df["pod"], df["requests"]))
    assert hits[victim] == 0 and sum(hits.values()) == 2000


def test_client_ip_affinity_sticks_until_the_timeout_expires():
    c = fx.web_cluster(replicas=4, service={"sessionAffinity": "ClientIP",
                                            "sessionAffinityConfig": {"clientIP": {"timeoutSeconds": 60}}})  # fmt: skip
    df = c.send_traffic("web", 500, client_ip="10.244.0.99")
    assert sorted(df["requests"]) == [0, 0, 0, 500]
    pod = df.loc[df["requests"] == 500, "pod"].item()
    tr = c.trace_request("web", client_ip="10.244.0.99")
    assert tr.attrs["pod"] == pod
    assert any(a.startswith("recent: client in KUBE-SEP-") for a in tr["action"])
    c.run(61)  # no connection for longer than timeoutSeconds: the recent entry is stale
    tr = c.trace_request("web", client_ip="10.244.0.99")
    assert not any(a.startswith("recent: client in") for a in tr["action"])
    assert any(a.startswith("random draw") for a in tr["action"])


def test_many_clients_with_affinity_still_spread_over_the_pods():
    c = fx.web_cluster(replicas=4, service={"sessionAffinity": "ClientIP"})
    clients = [f"10.244.0.{i}" for i in range(100, 180)]
    df = c.send_traffic("web", 8000, client_ip=clients)
    assert df["requests"].sum() == 8000
    assert (df["requests"] > 0).all()
    assert all(n % 100 == 0 for n in df["requests"])  # each client sent 100 requests to one pod


def _local_cluster():
    # one replica, pinned to node-2, behind a NodePort Service with externalTrafficPolicy: Local
    return fx.web_cluster(
        replicas=1,
        service={"type": "NodePort", "externalTrafficPolicy": "Local", "ports": [{"port": 80, "nodePort": 30080}]},
        pod_spec={"nodeSelector": {"kubernetes.io/hostname": "node-2"}},
    )


def test_external_traffic_policy_local_drops_traffic_on_nodes_without_a_local_endpoint():
    c = _local_cluster()
    df = c.send_traffic("web", 100, port=30080, from_node="node-1")
    assert df["requests"].sum() == 0 and df.attrs["dropped"] == 100
    (reason,) = df.attrs["reasons"]
    assert reason == "DROP in filter/KUBE-EXTERNAL-SERVICES: default/web has no local endpoints"


def test_external_traffic_policy_local_keeps_the_clients_source_ip():
    c = _local_cluster()
    df = c.send_traffic("web", 100, port=30080, from_node="node-2")
    assert df["requests"].sum() == 100
    assert df.attrs["source_seen"] == {"203.0.113.10": 100}


def test_external_traffic_policy_cluster_masquerades_to_the_entry_nodes_address():
    c = fx.web_cluster(replicas=2, service={"type": "NodePort", "ports": [{"port": 80, "nodePort": 30081}]})
    df = c.send_traffic("web", 100, port="nodeport", from_node="node-3")
    assert df["requests"].sum() == 100
    assert df.attrs["source_seen"] == {c.node_host("node-3").spec.address: 100}


def test_a_pod_that_reaches_itself_through_its_service_is_masqueraded():
    c = fx.web_cluster(replicas=1)
    pod = fx.pods_of(c)[0]
    node, ip = pod["spec"]["nodeName"], pod["status"]["podIP"]
    df = c.send_traffic("web", 10, from_node=node, client_ip=ip)
    assert df.attrs["source_seen"] == {c.node_host(node).spec.address: 10}


def test_ipvs_round_robin_splits_exactly_evenly():
    c = fx.web_cluster(replicas=4, mode="ipvs")
    df = c.send_traffic("web", 4000)
    assert list(df["requests"]) == [1000, 1000, 1000, 1000]
    assert "TCP  " in c.kube_proxy("node-1").rules()


def test_nftables_numgen_splits_evenly_within_statistical_bounds():
    c = fx.web_cluster(replicas=4, mode="nftables")
    df = c.send_traffic("web", 30_000)
    assert chi_square(list(df["requests"])).p_value > 0.001
    tr = c.trace_request("web")
    assert any(a.startswith("numgen random mod 4 = ") for a in tr["action"])


def test_a_load_balancer_with_local_policy_only_sends_to_nodes_with_a_local_pod():
    c = fx.web_cluster(
        replicas=1,
        service={"type": "LoadBalancer", "externalTrafficPolicy": "Local"},
        pod_spec={"nodeSelector": {"kubernetes.io/hostname": "node-3"}},
    )
    c.run(5)  # the simulated cloud hands out the address
    df = c.send_traffic("web", 300, port="loadbalancer")
    assert df.attrs["from_nodes"] == ["node-3"]
    assert df.attrs["delivered"] == 300 and df.attrs["source_seen"] == {"203.0.113.10": 300}


def test_a_load_balancer_with_cluster_policy_spreads_over_every_node():
    c = fx.web_cluster(replicas=2, service={"type": "LoadBalancer"})
    c.run(5)
    df = c.send_traffic("web", 300, port="loadbalancer")
    assert df.attrs["from_nodes"] == ["node-1", "node-2", "node-3"]
    assert df.attrs["delivered"] == 300


@pytest.mark.parametrize(
    ("port", "message"),
    [
        ("loadbalancer", 'Service "web" is of type ClusterIP, not LoadBalancer'),
        ("nodeport", 'Service "web" is of type ClusterIP: it has no NodePort'),
        (8080, 'Service "web" has no port or nodePort 8080'),
    ],
    ids=["no load balancer", "no node port", "unknown port"],
)
def test_asking_for_an_entry_a_service_does_not_have_explains_why(web, port, message):
    with pytest.raises(ValueError, match=message):
        web.send_traffic("web", 1, port=port)
