"""The cluster graph: typed nodes, every relation, routes-to weights, watches, and its cost.

Pods get their statuses straight through ``api.replace_status`` and the clock is not run
after they are created, so no kubelet or controller changes what a test set up.
Upstream behaviour checked: kube-proxy gives each ready endpoint 1/n of new connections
and falls back to serving-and-terminating endpoints when none is ready
(``pkg/proxy/topology.go`` CategorizeEndpoints); an EndpointSlice endpoint whose
``conditions.ready`` is nil counts as ready (discovery.k8s.io/v1 EndpointConditions).
"""

from __future__ import annotations

import pytest

import k8slearn as kl
from k8slearn.graph import (
    CONTROL_PLANE,
    NODE_AGENTS,
    build_graph,
    component_node,
    graph_summary,
    object_id,
)

NS = "default"


def running(ip: str, ready: bool = True) -> dict:
    word = "True" if ready else "False"
    return {
        "phase": "Running",
        "podIP": ip,
        "conditions": [
            {"type": "PodScheduled", "status": "True"},
            {"type": "Initialized", "status": "True"},
            {"type": "Ready", "status": word},
            {"type": "ContainersReady", "status": word},
        ],
        "containerStatuses": [
            {
                "name": "app",
                "ready": ready,
                "restartCount": 0,
                "state": {"running": {"startedAt": "2026-01-01T00:00:01Z"}},
            }
        ],
    }


STATUSES = {
    "Running": lambda ip: running(ip),
    "NotReady": lambda ip: running(ip, ready=False),
    "Pending": lambda ip: {"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "True"}]},
    "CrashLoopBackOff": lambda ip: {
        "phase": "Running",
        "podIP": ip,
        "conditions": [{"type": "Ready", "status": "False"}],
        "containerStatuses": [
            {"name": "app", "ready": False, "restartCount": 3, "state": {"waiting": {"reason": "CrashLoopBackOff"}}}
        ],
    },
    "Succeeded": lambda ip: {
        "phase": "Succeeded",
        "podIP": ip,
        "containerStatuses": [
            {
                "name": "app",
                "ready": False,
                "restartCount": 0,
                "state": {"terminated": {"reason": "Completed", "exitCode": 0}},
            }
        ],
    },
}


def new_cluster(nodes: int = 2) -> kl.Cluster:
    c = kl.Cluster(seed=7)
    for i in range(1, nodes + 1):
        c.add_node(f"node-{i}")
    c.run(5)
    return c


def add_pod(c: kl.Cluster, name: str, node: str | None, status: str = "Running", *, labels=None, owner=None,
            namespace: str = NS, ip: str = "", spec_extra=None) -> dict:  # fmt: skip
    meta = {"name": name, "namespace": namespace, "labels": labels if labels is not None else {"app": "web"}}
    if owner is not None:
        meta["ownerReferences"] = [
            {"apiVersion": owner["apiVersion"], "kind": owner["kind"], "name": owner["metadata"]["name"],
             "uid": owner["metadata"]["uid"], "controller": True, "blockOwnerDeletion": True}
        ]  # fmt: skip
    spec = {"containers": [{"name": "app", "image": "nginx:1.27"}]}
    if node:
        spec["nodeName"] = node
    spec.update(spec_extra or {})
    c.api.create({"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec}, user="test")
    return c.api.replace_status("Pod", name, namespace, STATUSES[status](ip or f"10.244.0.{len(name)}"), user="test")


def add_service(c: kl.Cluster, name: str, selector: dict | None, namespace: str = NS) -> dict:
    spec = {"ports": [{"port": 80, "targetPort": 8080}]}
    if selector is not None:
        spec["selector"] = selector
    return c.api.create(
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": namespace}, "spec": spec},
        user="test",
    )


def add_slice(c: kl.Cluster, service: str, endpoints: list[tuple[str, dict]], name: str | None = None) -> dict:
    """An EndpointSlice in the discovery.k8s.io/v1 shape: ``endpoints`` = (pod name, conditions)."""
    eps = []
    for pod_name, conditions in endpoints:
        pod = c.api.get("Pod", pod_name, NS)
        eps.append(
            {
                "addresses": [pod["status"]["podIP"]],
                "conditions": conditions,
                "nodeName": pod["spec"].get("nodeName", ""),
                "targetRef": {"kind": "Pod", "name": pod_name, "namespace": NS, "uid": pod["metadata"]["uid"]},
            }
        )
    return c.api.create(
        {
            "apiVersion": "discovery.k8s.io/v1",
            "kind": "EndpointSlice",
            "metadata": {
                "name": name or f"{service}-test1",
                "namespace": NS,
                "labels": {"kubernetes.io/service-name": service},
            },  # fmt: skip
            "addressType": "IPv4",
            "endpoints": eps,
            "ports": [{"name": "", "port": 8080, "protocol": "TCP"}],
        },
        user="test",
    )


def edges(G, relation: str, src: str | None = None) -> dict[tuple[str, str], dict]:
    out = {}
    for u, v, d in G.edges(data=True):
        if d["relation"] == relation and (src is None or u == src):
            out[(u, v)] = d
    return out


READY = {"ready": True, "serving": True, "terminating": False}
NOT_READY = {"ready": False, "serving": False, "terminating": False}
TERMINATING_SERVING = {"ready": False, "serving": True, "terminating": True}


# -- nodes -------------------------------------------------------------------------------------
def test_control_plane_and_node_agents_are_typed_graph_nodes():
    c = new_cluster(nodes=2)
    G = build_graph(c)
    for name in CONTROL_PLANE:
        assert G.nodes[name]["kind"] == "ControlPlaneComponent"
    for node in ("node-1", "node-2"):
        for agent in NODE_AGENTS:
            data = G.nodes[f"{agent}/{node}"]
            assert (data["kind"], data["component"], data["node"]) == ("NodeAgent", agent, node)
        assert G.nodes[f"Node/{node}"]["kind"] == "Node"
        assert G.nodes[f"Node/{node}"]["status"] == "Ready"
        assert G.nodes[f"Node/{node}"]["ip"].startswith("192.168.")


def test_api_objects_get_kind_name_namespace_and_kubectl_status():
    c = new_cluster()
    add_pod(c, "web-1", "node-1", "Running", ip="10.244.0.5")
    add_pod(c, "web-2", "node-2", "CrashLoopBackOff")
    add_pod(c, "web-3", "node-2", "Succeeded")
    add_pod(c, "web-4", None, "Pending")
    add_pod(c, "web-5", "node-1", "Running")
    c.api.delete("Pod", "web-5", NS)  # bound to a node: graceful, stays with a deletionTimestamp
    G = build_graph(c)
    web1 = G.nodes["Pod/default/web-1"]
    assert (web1["kind"], web1["name"], web1["namespace"], web1["node"], web1["ip"]) == (
        "Pod", "web-1", "default", "node-1", "10.244.0.5"
    )  # fmt: skip
    assert (web1["status"], web1["phase"], web1["ready"], web1["ready_containers"]) == (
        "Running",
        "Running",
        True,
        "1/1",
    )
    assert web1["labels"] == {"app": "web"}
    assert [G.nodes[f"Pod/default/web-{i}"]["status"] for i in range(1, 6)] == [
        "Running",
        "CrashLoopBackOff",
        "Completed",
        "Pending",
        "Terminating",
    ]
    assert G.nodes["Pod/default/web-2"]["restarts"] == 3
    assert G.nodes["Pod/default/web-5"]["terminating"] is True


@pytest.mark.parametrize(
    ("kind", "name", "namespace", "expected"),
    [
        ("Pod", "web-1", "default", "Pod/default/web-1"),
        ("Node", "node-1", None, "Node/node-1"),
        ("Node", "node-1", "default", "Node/node-1"),
        ("PersistentVolume", "pv-1", None, "PersistentVolume/pv-1"),
        ("Service", "web", "shop", "Service/shop/web"),
    ],
    ids=[
        "a pod id carries its namespace",
        "a node id has no namespace",
        "cluster-scoped kinds ignore a namespace",
        "a persistent volume is cluster-scoped",
        "a service in another namespace",
    ],
)
def test_object_ids(kind, name, namespace, expected):
    assert object_id(kind, name, namespace) == expected


def test_a_node_that_stopped_heartbeating_is_not_ready():
    c = new_cluster()
    node = c.api.get("Node", "node-2")
    conditions = [dict(cd, status="Unknown") if cd["type"] == "Ready" else cd for cd in node["status"]["conditions"]]
    c.api.replace_status("Node", "node-2", None, dict(node["status"], conditions=conditions), user="test")
    G = build_graph(c)
    assert (G.nodes["Node/node-2"]["status"], G.nodes["Node/node-2"]["ready"]) == ("NotReady", False)


# -- relations ---------------------------------------------------------------------------------
def test_runs_on_links_bound_pods_and_every_agent_to_their_node():
    c = new_cluster()
    add_pod(c, "a", "node-1")
    add_pod(c, "b", None, "Pending")
    G = build_graph(c)
    runs_on = edges(G, "runs-on")
    assert ("Pod/default/a", "Node/node-1") in runs_on
    assert not [e for e in runs_on if e[0] == "Pod/default/b"]  # not scheduled yet
    for agent in NODE_AGENTS:
        assert (f"{agent}/node-2", "Node/node-2") in runs_on


def test_owns_follows_owner_references_deployment_to_replicaset_to_pod():
    c = new_cluster()
    deploy = c.api.create(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web"},
            "spec": {
                "replicas": 1,
                "selector": {"matchLabels": {"app": "web"}},
                "template": {
                    "metadata": {"labels": {"app": "web"}},
                    "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]},
                },  # fmt: skip
            },
        }
    )
    rs_manifest = {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {
            "name": "web-5d4f8c7b9",
            "labels": {"app": "web"},
            "ownerReferences": [
                {
                    "apiVersion": "apps/v1",
                    "kind": "Deployment",
                    "name": "web",
                    "uid": deploy["metadata"]["uid"],
                    "controller": True,
                }
            ],  # fmt: skip
        },
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}}, "template": deploy["spec"]["template"]},
    }
    rs = c.api.create(rs_manifest)
    add_pod(c, "web-5d4f8c7b9-x2k5p", "node-1", owner=rs)
    G = build_graph(c)
    owns = edges(G, "owns")
    assert owns[("Deployment/default/web", "ReplicaSet/default/web-5d4f8c7b9")]["controller"] is True
    assert ("ReplicaSet/default/web-5d4f8c7b9", "Pod/default/web-5d4f8c7b9-x2k5p") in owns
    assert G.nodes["Deployment/default/web"]["kind"] == "Deployment"
    assert G.nodes["ReplicaSet/default/web-5d4f8c7b9"]["replicas"] == 1


def test_selects_matches_every_selector_label_within_the_namespace_only():
    c = new_cluster()
    c.api.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}})
    add_pod(c, "web-1", "node-1", labels={"app": "web", "tier": "front"})
    add_pod(c, "web-2", "node-2", labels={"app": "web", "tier": "back"})
    add_pod(c, "api-1", "node-1", labels={"app": "api", "tier": "front"})
    add_pod(c, "web-x", "node-1", labels={"app": "web", "tier": "front"}, namespace="shop")
    add_service(c, "web", {"app": "web"})
    add_service(c, "front-web", {"app": "web", "tier": "front"})
    add_service(c, "manual", None)
    G = build_graph(c)
    selects = edges(G, "selects")
    assert sorted(v for u, v in selects if u == "Service/default/web") == ["Pod/default/web-1", "Pod/default/web-2"]
    assert [v for u, v in selects if u == "Service/default/front-web"] == ["Pod/default/web-1"]
    assert not [v for u, v in selects if u == "Service/default/manual"]  # no selector: selects nothing
    assert not [v for u, v in selects if u == "Service/default/kubernetes"]


def test_routes_to_gives_each_ready_endpoint_an_equal_share():
    c = new_cluster()
    for i, status in enumerate(["Running", "Running", "Running", "NotReady"], start=1):
        add_pod(c, f"web-{i}", f"node-{i % 2 + 1}", status, ip=f"10.244.1.{i}")
    add_service(c, "web", {"app": "web"})
    add_slice(c, "web", [("web-1", READY), ("web-2", READY), ("web-3", {}), ("web-4", NOT_READY)])
    G = build_graph(c)
    routes = edges(G, "routes-to", "Service/default/web")
    assert sorted(v for _, v in routes) == ["Pod/default/web-1", "Pod/default/web-2", "Pod/default/web-3"]
    assert all(d["weight"] == pytest.approx(1 / 3) for d in routes.values())
    assert sum(d["weight"] for d in routes.values()) == pytest.approx(1.0)
    assert routes[("Service/default/web", "Pod/default/web-1")]["ip"] == "10.244.1.1"


def test_routes_to_weights_sum_to_one_per_service_across_several_slices():
    c = new_cluster()
    for i in range(1, 6):
        add_pod(c, f"web-{i}", "node-1", ip=f"10.244.1.{i}")
        add_pod(c, f"api-{i}", "node-2", labels={"app": "api"}, ip=f"10.244.2.{i}")
    add_service(c, "web", {"app": "web"})
    add_service(c, "api", {"app": "api"})
    add_slice(c, "web", [("web-1", READY), ("web-2", READY)], name="web-a")
    add_slice(c, "web", [("web-3", READY), ("web-4", READY), ("web-5", READY)], name="web-b")
    add_slice(c, "api", [(f"api-{i}", READY if i < 3 else NOT_READY) for i in range(1, 6)])
    G = build_graph(c)
    for svc, n in (("web", 5), ("api", 2)):
        routes = edges(G, "routes-to", f"Service/default/{svc}")
        assert len(routes) == n
        assert sum(d["weight"] for d in routes.values()) == pytest.approx(1.0)


def test_routes_to_falls_back_to_serving_terminating_endpoints_when_none_is_ready():
    c = new_cluster()
    add_pod(c, "web-1", "node-1", ip="10.244.1.1")
    add_pod(c, "web-2", "node-1", "NotReady", ip="10.244.1.2")
    add_service(c, "web", {"app": "web"})
    add_slice(c, "web", [("web-1", TERMINATING_SERVING), ("web-2", NOT_READY)])
    G = build_graph(c)
    routes = edges(G, "routes-to", "Service/default/web")
    assert list(routes) == [("Service/default/web", "Pod/default/web-1")]
    assert routes[("Service/default/web", "Pod/default/web-1")]["weight"] == 1.0


def test_a_service_without_ready_or_serving_endpoints_routes_nowhere():
    c = new_cluster()
    add_pod(c, "web-1", "node-1", "NotReady")
    add_service(c, "web", {"app": "web"})
    add_slice(c, "web", [("web-1", NOT_READY)])
    G = build_graph(c)
    assert not edges(G, "routes-to")
    assert ("Service/default/web", "Pod/default/web-1") in edges(G, "selects")


def test_watches_edges_come_from_the_api_servers_open_watches():
    c = new_cluster(nodes=1)
    c.api.watch("ConfigMap", lambda e: None, owner="my-operator")
    G = build_graph(c)
    watches = [(u, d) for u, v, d in G.edges(data=True) if d["relation"] == "watches"]
    assert all(v == "kube-apiserver" for u, v, d in G.edges(data=True) if d["relation"] == "watches")
    found = set()
    for u, d in watches:
        owner = f"{u}/{d['controller']}" if d.get("controller") else u
        found.add((owner, d["kind"]))
    expected = {(owner, kind) for owner, kind in c.api.watchers()}
    assert found == expected
    assert len(watches) == len(expected)
    assert ("kubelet/node-1", "Pod") in found  # the kubelet watches the pods bound to its node
    assert G.nodes["my-operator"]["kind"] == "Client"
    resources = {(d.get("controller", ""), d["resource"]) for u, d in watches if u == "kube-controller-manager"}
    assert ("garbage-collector-controller", "pods") in resources


@pytest.mark.parametrize(
    ("owner", "expected"),
    [
        ("kube-controller-manager/replicaset-controller", ("kube-controller-manager", "replicaset-controller")),
        ("cloud-controller-manager/service-controller", ("cloud-controller-manager", "service-controller")),
        ("kubelet/node-1", ("kubelet/node-1", "")),
        ("kube-proxy/node-2", ("kube-proxy/node-2", "")),
        ("kube-scheduler", ("kube-scheduler", "")),
    ],
    ids=[
        "a controller maps to kube-controller-manager",
        "a cloud controller maps to cloud-controller-manager",
        "a kubelet keeps its node",
        "a kube-proxy keeps its node",
        "the scheduler is itself",
    ],
)
def test_component_node_maps_watch_owners_to_graph_nodes(owner, expected):
    assert component_node(owner) == expected


def test_the_api_server_is_the_only_component_that_stores_in_etcd():
    G = build_graph(new_cluster(nodes=1))
    assert list(edges(G, "stores-in")) == [("kube-apiserver", "etcd")]
    assert not [u for u, v in G.in_edges("etcd") if u != "kube-apiserver"]


def test_uses_bound_to_and_scales_link_config_storage_and_autoscaling():
    c = new_cluster()
    c.api.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg"}, "data": {"k": "v"}})
    c.api.create({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "pw"}, "stringData": {"p": "x"}})
    c.api.create(
        {"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "pv-1"},
         "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"], "hostPath": {"path": "/data"}}}
    )  # fmt: skip
    c.api.create(
        {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "data"},
         "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}},
                  "volumeName": "pv-1", "storageClassName": ""}}
    )  # fmt: skip
    spec_extra = {
        "volumes": [{"name": "c", "configMap": {"name": "cfg"}}, {"name": "d", "persistentVolumeClaim": {"claimName": "data"}}],
        "containers": [{"name": "app", "image": "nginx:1.27",
                        "env": [{"name": "P", "valueFrom": {"secretKeyRef": {"name": "pw", "key": "p"}}}]}],
    }  # fmt: skip
    add_pod(c, "web-1", "node-1", spec_extra=spec_extra)
    c.api.create(
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
         "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}},
                  "template": {"metadata": {"labels": {"app": "web"}},
                               "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]}}}}
    )  # fmt: skip
    c.api.create(
        {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "web"},
         "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
                  "minReplicas": 1, "maxReplicas": 5}}
    )  # fmt: skip
    G = build_graph(c)
    uses = edges(G, "uses", "Pod/default/web-1")
    assert {v: d["via"] for (_, v), d in uses.items()} == {
        "ConfigMap/default/cfg": "volume",
        "PersistentVolumeClaim/default/data": "volume",
        "Secret/default/pw": "env",
    }
    assert ("PersistentVolumeClaim/default/data", "PersistentVolume/pv-1") in edges(G, "bound-to")
    assert ("HorizontalPodAutoscaler/default/web", "Deployment/default/web") in edges(G, "scales")
    assert G.nodes["HorizontalPodAutoscaler/default/web"]["max_replicas"] == 5


def test_graph_summary_counts_nodes_by_kind_and_edges_by_relation():
    c = new_cluster(nodes=2)
    add_pod(c, "web-1", "node-1")
    add_pod(c, "web-2", "node-2")
    add_service(c, "web", {"app": "web"})
    G = build_graph(c)
    table = graph_summary(G)
    assert list(table.columns) == ["what", "type", "count"]
    counts = {(r.what, r.type): r.count for r in table.itertuples()}
    control_plane = [n for n, k in G.nodes(data="kind") if k == "ControlPlaneComponent"]
    assert set(CONTROL_PLANE) <= set(control_plane)  # plus cloud-controller-manager when it watches
    assert counts[("node", "ControlPlaneComponent")] == len(control_plane)
    assert counts[("node", "NodeAgent")] == 8
    assert counts[("node", "Node")] == 2
    assert counts[("node", "Pod")] == 2
    assert counts[("node", "Service")] == 2  # web and the API server's own "kubernetes" Service
    assert counts[("edge", "runs-on")] == 2 + 8
    assert counts[("edge", "selects")] == 2
    assert counts[("edge", "stores-in")] == 1
    assert table["what"].tolist() == sorted(table["what"].tolist(), key=["node", "edge"].index)


def test_the_graph_is_a_consistent_networkx_multidigraph():
    c = new_cluster()
    add_pod(c, "web-1", "node-1")
    add_service(c, "web", {"app": "web"})
    add_slice(c, "web", [("web-1", READY)])
    G = build_graph(c)
    assert G.is_multigraph() and G.is_directed()
    assert G.has_edge("Service/default/web", "Pod/default/web-1", key="routes-to")
    assert G.has_edge("Service/default/web", "Pod/default/web-1", key="selects")
    assert set(G.predecessors("Pod/default/web-1")) == {"Service/default/web"}
    assert sum(1 for _ in G.in_edges("Pod/default/web-1")) == 2
    assert G.number_of_edges() == sum(1 for _ in G.edges)
    assert G.graph["time"] == c.now
    # building twice gives the same graph, in the same order
    H = build_graph(c)
    assert list(G.nodes(data=True)) == list(H.nodes(data=True))
    assert list(G.edges(keys=True, data=True)) == list(H.edges(keys=True, data=True))


def test_cluster_graph_property_delegates_to_build_graph():
    c = new_cluster(nodes=1)
    assert set(c.graph.nodes) == set(build_graph(c).nodes)


# -- cost --------------------------------------------------------------------------------------
def _count_calls(c: kl.Cluster, monkeypatch) -> dict[str, int]:
    calls: dict[str, int] = {}
    for method in ("list", "get", "get_or_none", "get_by_uid", "pods_on_node", "watchers"):
        original = getattr(c.api, method)

        def counted(*args, _original=original, _method=method, **kwargs):
            calls[_method] = calls.get(_method, 0) + 1
            return _original(*args, **kwargs)

        monkeypatch.setattr(c.api, method, counted)
    return calls


def _bulk_cluster(pods: int) -> kl.Cluster:
    c = new_cluster(nodes=4)
    for i in range(pods):
        add_pod(c, f"web-{i}", f"node-{i % 4 + 1}", labels={"app": f"app-{i % 10}"}, ip=f"10.244.{i // 250}.{i % 250}")
    for a in range(10):
        add_service(c, f"app-{a}", {"app": f"app-{a}"})
    return c


def test_building_costs_one_list_per_kind_whatever_the_number_of_pods(monkeypatch):
    """No per-object API calls: 200 and 2,000 pods make exactly the same calls."""
    seen = []
    for pods in (200, 2000):
        c = _bulk_cluster(pods)
        calls = _count_calls(c, monkeypatch)
        G = build_graph(c)
        assert sum(1 for _, k in G.nodes(data="kind") if k == "Pod") == pods
        assert len(edges(G, "selects")) == pods
        seen.append(calls)
    assert seen[0] == seen[1]
    assert seen[0].get("get", 0) == seen[0].get("get_or_none", 0) == seen[0].get("pods_on_node", 0) == 0


def test_selector_matching_uses_an_index_not_a_services_by_pods_scan(monkeypatch):
    """Each pod's labels are looked at once, however many Services there are."""
    import k8slearn.graph as graph

    c = _bulk_cluster(2000)
    lookups = {"n": 0}

    class CountingDict(dict):
        def items(self):
            lookups["n"] += 1
            return super().items()

    original = graph._selects_edges

    def wrapped(services, pods):
        pods = [dict(p, metadata=dict(p["metadata"], labels=CountingDict(p["metadata"]["labels"]))) for p in pods]
        return original(services, pods)

    monkeypatch.setattr(graph, "_selects_edges", wrapped)
    G = build_graph(c)
    assert len(edges(G, "selects")) == 2000
    assert lookups["n"] == 2000  # one pass over the pods, not one per (service, pod)


def test_a_real_deployment_and_service_show_up_with_routes_from_the_endpointslice_controller():
    c = kl.Cluster.demo(nodes=3, seed=0)
    c.apply(
        """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: nginx, image: "nginx:1.27"}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80}]
"""
    )
    c.run(60)
    G = c.graph
    pods = [n for n, k in G.nodes(data="kind") if k == "Pod"]
    assert len(pods) == 3
    assert all(G.nodes[p]["status"] == "Running" for p in pods)
    routes = edges(G, "routes-to", "Service/default/web")
    assert sorted(v for _, v in routes) == sorted(pods)
    assert sum(d["weight"] for d in routes.values()) == pytest.approx(1.0)
    rs = [v for (u, v) in edges(G, "owns", "Deployment/default/web")]
    assert len(rs) == 1 and all(G.has_edge(rs[0], p, key="owns") for p in pods)
    watchers = {u for u, v, d in G.edges(data=True) if d["relation"] == "watches"}
    assert {"kube-scheduler", "kube-controller-manager", "kubelet/node-1", "kube-proxy/node-3"} <= watchers


def test_owns_ignores_a_reference_to_a_deleted_owner_that_shared_the_name():
    c = new_cluster()
    rs = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "web", "uid": "not-the-live-uid"}}
    add_pod(c, "web-1", "node-1", owner=rs)
    c.api.create(
        {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "web"},
         "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}},
                  "template": {"metadata": {"labels": {"app": "web"}},
                               "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]}}}}
    )  # fmt: skip
    G = build_graph(c)
    assert "ReplicaSet/default/web" in G
    assert not edges(G, "owns")


def test_graph_attributes_are_copies_not_the_api_servers_shared_objects():
    c = new_cluster()
    add_pod(c, "web-1", "node-1")
    G = build_graph(c)
    G.nodes["Pod/default/web-1"]["labels"]["app"] = "changed"
    assert c.api.get("Pod", "web-1", NS)["metadata"]["labels"] == {"app": "web"}
