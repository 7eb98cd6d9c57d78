"""kube-proxy as a component: its watches, the sync runner's coalescing and lag, modes, filtered views.

Upstream: ``cmd/kube-proxy`` informers on Services and EndpointSlices; the
``BoundedFrequencyRunner`` runs ``syncProxyRules`` at most once per ``minSyncPeriod``
(``--iptables-min-sync-period``, default 1 s).
"""

from __future__ import annotations

import _proxy_fixtures as fx
import pytest

from k8slearn.node.kubeproxy import MIN_SYNC_PERIOD, set_proxy_mode
from k8slearn.widgets.network import set_pod_ready


def test_every_node_runs_a_kube_proxy_watching_services_and_endpointslices():
    c = fx.web_cluster(replicas=2)
    watches = c.api.watchers()
    for node in c.nodes():
        assert (f"kube-proxy/{node}", "Service") in watches
        assert (f"kube-proxy/{node}", "EndpointSlice") in watches
    assert MIN_SYNC_PERIOD == 1.0


def test_rules_lag_a_change_by_at_most_the_min_sync_period():
    c = fx.web_cluster(replicas=3)
    proxy = c.kube_proxy("node-1")
    victim = fx.pods_of(c)[0]
    name, ip = victim["metadata"]["name"], victim["status"]["podIP"]
    c.run(5)  # the last sync is long past: the next change is programmed at once
    set_pod_ready(c, name, False)
    c.run(0)
    assert proxy.pending == []
    assert f"{ip}:80" not in proxy.rules(service="web")
    # a second change right after that sync waits for the rest of the second
    set_pod_ready(c, name, True)
    c.run(0)
    assert proxy.pending == [("default", "web")]
    assert f"{ip}:80" not in proxy.rules(service="web")
    c.run(MIN_SYNC_PERIOD)
    assert proxy.pending == []
    assert f"{ip}:80" in proxy.rules(service="web")


def test_a_burst_of_changes_is_programmed_in_one_sync():
    c = fx.web_cluster(replicas=4)
    proxy = c.kube_proxy("node-2")
    c.run(5)
    before = proxy.sync_count
    for pod in fx.pods_of(c):
        set_pod_ready(c, pod["metadata"]["name"], False)
    c.run(0.5)
    c.run(2)
    assert proxy.sync_count - before <= 2
    assert "KUBE-SVC-" not in proxy.rules(service="web")
    assert '"default/web has no endpoints"' in proxy.rules(service="web")


def test_switching_the_proxy_mode_reprograms_every_node():
    c = fx.web_cluster(replicas=2)
    set_proxy_mode(c, "nftables")
    for node in c.nodes():
        proxy = c.kube_proxy(node)
        assert proxy.mode == "nftables"
        assert proxy.rules().startswith('add table ip kube-proxy { comment "rules for kube-proxy" ; }')
    assert c.kube_proxy("node-1").rules(mode="ipvs").startswith("# ipvsadm -Ln\n")
    with pytest.raises(ValueError, match="unknown proxy mode 'userspace'"):
        set_proxy_mode(c, "userspace")


def test_a_filtered_view_keeps_only_the_services_lines():
    c = fx.web_cluster(replicas=2)
    text = c.kube_proxy("node-1").rules(service="web")
    assert "default/web" in text and "default/kubernetes" not in text
    assert text.startswith("*filter\n") and text.rstrip().endswith("COMMIT")
    save = c.kube_proxy("node-1").iptables_save(service="web")
    assert '-p tcp -m comment --comment "default/web cluster IP" -m tcp --dport 80 -j KUBE-SVC-' in save


def test_internal_traffic_policy_local_only_reaches_pods_on_the_clients_node():
    c = fx.web_cluster(replicas=1, service={"internalTrafficPolicy": "Local"},
                       pod_spec={"nodeSelector": {"kubernetes.io/hostname": "node-2"}})  # fmt: skip
    pod = fx.pods_of(c)[0]["metadata"]["name"]
    assert c.kube_proxy("node-2").shares("web") == {pod: 1.0}
    assert c.kube_proxy("node-1").shares("web") == {pod: 0.0}
    df = c.send_traffic("web", 50, from_node="node-1")
    assert df.attrs["dropped"] == 50
    (reason,) = df.attrs["reasons"]
    assert reason == "DROP in filter/KUBE-SERVICES: default/web has no local endpoints"
