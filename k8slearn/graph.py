"""The cluster as a networkx graph: components, machines and API objects, and how they relate.

Notes
-----
The graph is built from the API server's store in one pass per kind, the way a
client would see the cluster (``kubectl get`` of every kind), plus the machinery
that never shows up as an API object: the control-plane processes and, on every
worker machine, the kubelet, kube-proxy, container runtime and cAdvisor.

Graph node ids:

- control plane: ``"etcd"``, ``"kube-apiserver"``, ``"kube-scheduler"``,
  ``"kube-controller-manager"`` (and ``"cloud-controller-manager"`` when one watches);
- node agents: ``"kubelet/<node>"``, ``"kube-proxy/<node>"``,
  ``"container-runtime/<node>"``, ``"cadvisor/<node>"``;
- API objects: ``"<Kind>/<namespace>/<name>"``, cluster-scoped ``"<Kind>/<name>"``
  (``"Pod/default/web-1"``, ``"Node/node-1"``).

Every graph node has ``kind`` (``ControlPlaneComponent``, ``NodeAgent``, ``Node``,
``Pod``, ``Service`` ...), ``name`` and ``namespace``. Every edge has ``relation``:

============  ============================================  =====================================
relation      from -> to                                    where it comes from
============  ============================================  =====================================
runs-on       Pod -> Node, NodeAgent -> Node                ``spec.nodeName``; the machine
owns          owner -> dependent                            ``metadata.ownerReferences``
selects       Service -> Pod                                ``spec.selector`` matches pod labels
routes-to     Service -> Pod (``weight``)                   EndpointSlices (what kube-proxy uses)
watches       component -> kube-apiserver (``resource``)    open watches (``api.watchers()``)
stores-in     kube-apiserver -> etcd                        the only writer of etcd
calls         kubelet -> container-runtime / cadvisor       CRI and stats calls on the machine
uses          Pod -> ConfigMap / Secret / PVC               volumes (not ``kube-api-access-*``), ``envFrom``, ``valueFrom``
bound-to      PersistentVolumeClaim -> PersistentVolume     ``spec.volumeName``
scales        HorizontalPodAutoscaler -> workload           ``spec.scaleTargetRef``
============  ============================================  =====================================

``routes-to`` weights follow kube-proxy (``pkg/proxy/topology.go``
CategorizeEndpoints): every ready endpoint gets ``1/n`` of new connections; with
no ready endpoint, the serving-and-terminating ones are used instead.

Used in: 00_architecture, 01_api_server_and_etcd.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from .api.admission import is_token_volume
from .kubectl.tables import node_status as _kubectl_node_status
from .kubectl.tables import pod_status as _kubectl_pod_status

if TYPE_CHECKING:
    import networkx as nx
    import pandas as pd

    from .cluster import Cluster

__all__ = [
    "build_graph",
    "graph_summary",
    "object_id",
    "pod_status",
    "node_status",
    "component_node",
    "CONTROL_PLANE",
    "NODE_AGENTS",
    "OBJECT_KINDS",
    "RELATIONS",
]

#: Control-plane processes, in drawing order.
CONTROL_PLANE = ("etcd", "kube-apiserver", "kube-scheduler", "kube-controller-manager")

#: The agents on every worker machine, in drawing order.
NODE_AGENTS = ("kubelet", "kube-proxy", "container-runtime", "cadvisor")

#: API kinds that become graph nodes (others, e.g. Events and Leases, stay out).
OBJECT_KINDS = (
    "Node",
    "Pod",
    "Service",
    "Deployment",
    "ReplicaSet",
    "DaemonSet",
    "Job",
    "ConfigMap",
    "Secret",
    "PersistentVolumeClaim",
    "PersistentVolume",
    "HorizontalPodAutoscaler",
)

RELATIONS = (
    "runs-on",
    "owns",
    "selects",
    "routes-to",
    "watches",
    "stores-in",
    "calls",
    "uses",
    "bound-to",
    "scales",
)

_CLUSTER_SCOPED = frozenset({"Node", "PersistentVolume", "Namespace", "StorageClass", "PriorityClass"})


def object_id(kind: str, name: str, namespace: str | None = None) -> str:
    """The graph node id of an API object.

    Examples
    --------
    >>> object_id("Pod", "web-1", "default")
    'Pod/default/web-1'
    >>> object_id("Node", "node-1")
    'Node/node-1'
    """
    if kind in _CLUSTER_SCOPED or not namespace:
        return f"{kind}/{name}"
    return f"{kind}/{namespace}/{name}"


def component_node(owner: str) -> tuple[str, str]:
    """Map a watch owner id to ``(graph node id, controller name)``.

    Examples
    --------
    >>> component_node("kube-controller-manager/replicaset-controller")
    ('kube-controller-manager', 'replicaset-controller')
    >>> component_node("kubelet/node-1")
    ('kubelet/node-1', '')
    """
    head, sep, tail = owner.partition("/")
    if sep and head in ("kube-controller-manager", "cloud-controller-manager"):
        return head, tail
    return owner, ""


# -- status words (what kubectl prints) -----------------------------------------------------
def pod_status(pod: Mapping) -> str:
    """The STATUS column of ``kubectl get pods`` for one pod (``Running``, ``CrashLoopBackOff`` ...).

    Notes
    -----
    The word kubectl's pod printer computes (:func:`k8slearn.kubectl.tables.pod_status`):
    the phase, replaced by an init container's progress, a container's waiting or
    terminated reason, and ``Terminating`` while a deletion is pending.

    Examples
    --------
    >>> pod_status({"metadata": {}, "status": {"phase": "Pending"}})
    'Pending'
    >>> waiting = {"state": {"waiting": {"reason": "CrashLoopBackOff"}}}
    >>> pod_status({"metadata": {}, "status": {"phase": "Running", "containerStatuses": [waiting]}})
    'CrashLoopBackOff'
    """
    return _kubectl_pod_status(pod)[0]


def node_status(node: Mapping) -> str:
    """The STATUS column of ``kubectl get nodes``: Ready, NotReady or Unknown (+ SchedulingDisabled).

    Examples
    --------
    >>> node_status({"status": {"conditions": [{"type": "Ready", "status": "True"}]}})
    'Ready'
    """
    return _kubectl_node_status(node)


# -- the graph --------------------------------------------------------------------------------
def build_graph(cluster: Cluster) -> nx.MultiDiGraph:
    """Build the cluster graph from the API server's store and the worker machines.

    One list per kind and one pass over its objects: no per-object API calls, so
    150,000 pods build in seconds. The graph is a snapshot: build it again after the
    clock runs.

    Examples
    --------
    >>> import k8slearn as kl
    >>> G = build_graph(kl.Cluster.demo(nodes=1))
    >>> G.nodes["kubelet/node-1"]["kind"], G.nodes["Node/node-1"]["status"]
    ('NodeAgent', 'Ready')
    >>> G.has_edge("kube-apiserver", "etcd", key="stores-in")
    True
    """
    with _gc_paused():
        return _build(cluster)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while allocating a big graph.

    Building allocates about a million small dicts and tuples; each allocation burst
    triggers full collections that walk every live object of the cluster, which made
    a 150,000-pod build three times slower. Nothing built here forms a cycle.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _build(cluster: Cluster) -> nx.MultiDiGraph:
    import networkx as nx

    api = cluster.api
    G = nx.MultiDiGraph(time=cluster.clock.now, revision=api.revision)
    nodes: list[tuple[str, dict]] = []
    edges: list[tuple[str, str, str, dict]] = []

    for name in CONTROL_PLANE:
        nodes.append((name, {"kind": "ControlPlaneComponent", "name": name, "namespace": "", "component": name}))
    edges.append(("kube-apiserver", "etcd", "stores-in", {"relation": "stores-in"}))

    listed = {kind: api.list(kind) for kind in OBJECT_KINDS}
    node_objects = {o["metadata"]["name"]: o for o in listed["Node"]}

    # worker machines and their agents (a machine whose Node is not registered still runs them)
    for host_name in cluster.hosts:
        node_id = object_id("Node", host_name)
        for agent in NODE_AGENTS:
            agent_id = f"{agent}/{host_name}"
            nodes.append(
                (agent_id, {"kind": "NodeAgent", "name": agent, "namespace": "", "component": agent, "node": host_name})
            )
            edges.append((agent_id, node_id, "runs-on", {"relation": "runs-on"}))
        kubelet = f"kubelet/{host_name}"
        edges.append((kubelet, f"container-runtime/{host_name}", "calls", {"relation": "calls", "via": "CRI"}))
        edges.append((kubelet, f"cadvisor/{host_name}", "calls", {"relation": "calls", "via": "stats"}))
        if host_name not in node_objects:
            host = cluster.hosts[host_name]
            nodes.append(
                (node_id, {"kind": "Node", "name": host_name, "namespace": "", "status": "NotRegistered",
                           "ready": False, "ip": host.spec.address, "labels": {}, "registered": False})
            )  # fmt: skip

    for kind, objects in listed.items():
        attrs_of = _ATTRS.get(kind, _base_attrs)
        for obj in objects:
            m = obj["metadata"]
            oid = object_id(kind, m["name"], m.get("namespace"))
            nodes.append((oid, attrs_of(obj)))

    _add_nodes(G, nodes)
    present = G._node

    # object relations, one pass per kind
    for kind, objects in listed.items():
        for obj in objects:
            m = obj["metadata"]
            ns = m.get("namespace") or ""
            oid = object_id(kind, m["name"], ns)
            for ref in m.get("ownerReferences") or ():
                owner = object_id(ref.get("kind", ""), ref.get("name", ""), ns)
                # the uid tells a live owner from a deleted one that had the same name
                if owner in present and (not ref.get("uid") or present[owner].get("uid") in ("", ref["uid"])):
                    edges.append((owner, oid, "owns", {"relation": "owns", "controller": bool(ref.get("controller"))}))
    for pod in listed["Pod"]:
        m, spec = pod["metadata"], pod.get("spec") or {}
        pid = object_id("Pod", m["name"], m.get("namespace"))
        if spec.get("nodeName"):
            edges.append((pid, object_id("Node", spec["nodeName"]), "runs-on", {"relation": "runs-on"}))
        for target, via in _pod_uses(spec, m.get("namespace") or ""):
            if target in present:
                edges.append((pid, target, f"uses/{via}", {"relation": "uses", "via": via}))
    for pvc in listed["PersistentVolumeClaim"]:
        volume = (pvc.get("spec") or {}).get("volumeName")
        if volume and object_id("PersistentVolume", volume) in present:
            m = pvc["metadata"]
            src = object_id("PersistentVolumeClaim", m["name"], m.get("namespace"))
            edges.append((src, object_id("PersistentVolume", volume), "bound-to", {"relation": "bound-to"}))
    for hpa in listed["HorizontalPodAutoscaler"]:
        ref = (hpa.get("spec") or {}).get("scaleTargetRef") or {}
        m = hpa["metadata"]
        target = object_id(ref.get("kind", ""), ref.get("name", ""), m.get("namespace"))
        if target in present:
            edges.append((object_id("HorizontalPodAutoscaler", m["name"], m.get("namespace")), target, "scales",
                          {"relation": "scales"}))  # fmt: skip

    edges.extend(_selects_edges(listed["Service"], listed["Pod"]))
    edges.extend(_routes_edges(api.list("EndpointSlice"), present))
    _add_watches(G, edges, api.watchers())

    _add_edges(G, edges)
    return G


def _add_nodes(G: nx.MultiDiGraph, nodes: list[tuple[str, dict]]) -> None:
    """``G.add_nodes_from(nodes)`` for a new graph, writing networkx's node dicts directly.

    Same structure as ``add_nodes_from`` builds (``_node``, ``_succ``, ``_pred``), about
    five times faster for 150,000 pods; a later duplicate id updates the attributes.
    """
    node, succ, pred = G._node, G._succ, G._pred
    for n, attrs in nodes:
        if n in node:
            node[n].update(attrs)
        else:
            node[n] = attrs
            succ[n] = {}
            pred[n] = {}


def _add_edges(G: nx.MultiDiGraph, edges: list[tuple[str, str, str, dict]]) -> None:
    """``G.add_edges_from(edges)`` with keys, skipping edges whose ends are not graph nodes.

    Writes networkx's MultiDiGraph adjacency (``_succ[u][v][key] = data``, the key dict
    shared with ``_pred[v][u]``) directly: ``add_edge`` costs several microseconds per
    edge, too slow for the 600,000 edges of a 150,000-pod cluster.
    """
    node, succ, pred = G._node, G._succ, G._pred
    for u, v, key, data in edges:
        if u not in node or v not in node:
            continue  # would silently create a bare node
        keydict = succ[u].get(v)
        if keydict is None:
            keydict = succ[u][v] = pred[v][u] = {}
        keydict[key] = data


def _selects_edges(services: list[dict], pods: list[dict]) -> list[tuple[str, str, str, dict]]:
    """Service -> Pod for every pod whose labels match the service's selector.

    An inverted index on the (namespace, label, value) pairs that selectors use: one
    pass over the pods, then an intersection per service (no services x pods scan).
    """
    wanted: dict[tuple[str, str, str], list[str]] = {}
    selectors = []
    for svc in services:
        selector = (svc.get("spec") or {}).get("selector") or {}
        if not selector:
            continue  # a Service without a selector selects nothing (its endpoints are managed by hand)
        ns = svc["metadata"].get("namespace") or ""
        selectors.append((svc, ns, selector))
        for k, v in selector.items():
            wanted.setdefault((ns, k, str(v)), [])
    if not selectors:
        return []
    labels_of: dict[str, Mapping[str, str]] = {}
    for pod in pods:
        m = pod["metadata"]
        labels = m.get("labels")
        if not labels:
            continue
        ns = m.get("namespace") or ""
        pid = f"Pod/{ns}/{m['name']}"
        for k, v in labels.items():
            bucket = wanted.get((ns, k, v))
            if bucket is not None:
                bucket.append(pid)
                labels_of[pid] = labels
    edges = []
    for svc, ns, selector in selectors:
        sid = f"Service/{ns}/{svc['metadata']['name']}"
        buckets = [wanted[(ns, k, str(v))] for k, v in selector.items()]
        smallest = min(buckets, key=len)
        for pid in smallest:
            labels = labels_of[pid]
            if all(labels.get(k) == str(v) for k, v in selector.items()):
                edges.append((sid, pid, "selects", {"relation": "selects"}))
    return edges


def _routes_edges(slices: list[dict], present: Any) -> list[tuple[str, str, str, dict]]:
    """Service -> endpoint Pod with its share of new connections (1/n over ready endpoints)."""
    by_service: dict[str, dict[str, tuple[str, str, bool, bool]]] = {}
    for sl in slices:
        m = sl["metadata"]
        svc = (m.get("labels") or {}).get("kubernetes.io/service-name")
        if not svc:
            continue
        ns = m.get("namespace") or ""
        endpoints = by_service.setdefault(object_id("Service", svc, ns), {})
        for ep in sl.get("endpoints") or ():
            ref = ep.get("targetRef") or {}
            addresses = ep.get("addresses") or []
            address = addresses[0] if addresses else ""
            target = object_id("Pod", ref["name"], ref.get("namespace") or ns) if ref.get("kind") == "Pod" else ""
            cond = ep.get("conditions") or {}
            ready = cond.get("ready") is not False  # nil means ready (discovery.k8s.io/v1 EndpointConditions)
            serving = cond.get("serving", cond.get("ready")) is not False
            terminating = bool(cond.get("terminating"))
            key = target or address
            if key and key not in endpoints:
                endpoints[key] = (target, address, ready, serving and terminating)
    edges = []
    for sid in sorted(by_service):
        endpoints = by_service[sid]
        chosen = [e for e in endpoints.values() if e[2]]
        if not chosen:
            chosen = [e for e in endpoints.values() if e[3]]  # ProxyTerminatingEndpoints fallback
        if not chosen:
            continue
        weight = 1.0 / len(chosen)
        for target, address, ready, _ in chosen:
            if target and target in present:
                edges.append(
                    (
                        sid,
                        target,
                        "routes-to",
                        {"relation": "routes-to", "weight": weight, "ready": ready, "ip": address},
                    )
                )
    return edges


def _add_watches(G: nx.MultiDiGraph, edges: list, watchers: Iterable[tuple[str, str]]) -> None:
    from .api import resources

    for owner, kind in watchers:
        node, controller = component_node(owner)
        if node not in G:
            # an agent of a machine we do not know, another control-plane process, or a
            # student's own client: keep the component visible rather than dropping it
            head = node.split("/", 1)[0]
            kind_of = "ControlPlaneComponent" if head.endswith("-manager") or head.startswith("kube-") else "Client"
            if head in NODE_AGENTS:
                kind_of = "NodeAgent"
            G.add_node(node, kind=kind_of, name=head, namespace="", component=head)
        try:
            resource = resources.by_kind(kind).plural
        except KeyError:
            resource = kind.lower()
        key = f"watches/{resource}/{controller}" if controller else f"watches/{resource}"
        attrs = {"relation": "watches", "resource": resource, "kind": kind}
        if controller:
            attrs["controller"] = controller
        edges.append((node, "kube-apiserver", key, attrs))


def _pod_uses(spec: Mapping, ns: str) -> list[tuple[str, str]]:
    """ConfigMaps, Secrets and claims a pod spec refers to: ``(graph id, via)``."""
    out: dict[str, str] = {}
    for vol in spec.get("volumes") or ():
        if is_token_volume(vol):
            continue  # the ServiceAccount token and kube-root-ca.crt every pod gets
        if "configMap" in vol:
            out.setdefault(object_id("ConfigMap", vol["configMap"].get("name", ""), ns), "volume")
        elif "secret" in vol:
            out.setdefault(object_id("Secret", vol["secret"].get("secretName", ""), ns), "volume")
        elif "persistentVolumeClaim" in vol:
            out.setdefault(
                object_id("PersistentVolumeClaim", vol["persistentVolumeClaim"].get("claimName", ""), ns), "volume"
            )
        elif "projected" in vol:
            for src in vol["projected"].get("sources") or ():
                if "configMap" in src:
                    out.setdefault(object_id("ConfigMap", src["configMap"].get("name", ""), ns), "volume")
                elif "secret" in src:
                    out.setdefault(object_id("Secret", src["secret"].get("name", ""), ns), "volume")
    for group in ("initContainers", "containers"):
        for c in spec.get(group) or ():
            for src in c.get("envFrom") or ():
                if "configMapRef" in src:
                    out.setdefault(object_id("ConfigMap", src["configMapRef"].get("name", ""), ns), "env")
                elif "secretRef" in src:
                    out.setdefault(object_id("Secret", src["secretRef"].get("name", ""), ns), "env")
            for env in c.get("env") or ():
                value_from = env.get("valueFrom") or {}
                if "configMapKeyRef" in value_from:
                    out.setdefault(object_id("ConfigMap", value_from["configMapKeyRef"].get("name", ""), ns), "env")
                elif "secretKeyRef" in value_from:
                    out.setdefault(object_id("Secret", value_from["secretKeyRef"].get("name", ""), ns), "env")
    return list(out.items())


# -- per-kind attributes ----------------------------------------------------------------------
def _base_attrs(obj: Mapping) -> dict:
    m = obj["metadata"]
    return {
        "kind": obj.get("kind", ""),
        "name": m["name"],
        "namespace": m.get("namespace") or "",
        "uid": m.get("uid", ""),
        "labels": dict(m.get("labels") or {}),  # a copy: API objects are shared
    }


def _pod_attrs(pod: Mapping) -> dict:
    m = pod["metadata"]
    spec, status = pod.get("spec") or {}, pod.get("status") or {}
    word, n_ready, total, restarts, _ = _kubectl_pod_status(pod)
    ready = False
    for cond in status.get("conditions") or ():
        if cond.get("type") == "Ready":
            ready = cond.get("status") == "True"
    return {
        "kind": "Pod",
        "name": m["name"],
        "namespace": m.get("namespace") or "",
        "uid": m.get("uid", ""),
        "labels": dict(m.get("labels") or {}),  # a copy: API objects are shared
        "status": word,
        "phase": status.get("phase", ""),
        "ready": ready,
        "ready_containers": f"{n_ready}/{total}",
        "restarts": restarts,
        "node": spec.get("nodeName", ""),
        "ip": status.get("podIP", ""),
        "terminating": bool(m.get("deletionTimestamp")),
    }


def _node_attrs(node: Mapping) -> dict:
    attrs = _base_attrs(node)
    status, spec = node.get("status") or {}, node.get("spec") or {}
    ip = next((a.get("address", "") for a in status.get("addresses") or () if a.get("type") == "InternalIP"), "")
    word = node_status(node)
    attrs.update(
        status=word,
        ready=word.startswith("Ready"),
        ip=ip,
        pod_cidr=spec.get("podCIDR", ""),
        unschedulable=bool(spec.get("unschedulable")),
        taints=[
            f"{t.get('key')}{'=' + t['value'] if t.get('value') else ''}:{t.get('effect')}"
            for t in spec.get("taints") or ()
        ],  # fmt: skip
        allocatable=dict(status.get("allocatable") or {}),
        registered=True,
    )
    return attrs


def _service_attrs(svc: Mapping) -> dict:
    attrs = _base_attrs(svc)
    spec = svc.get("spec") or {}
    attrs.update(
        type=spec.get("type", "ClusterIP"),
        cluster_ip=spec.get("clusterIP", ""),
        selector=dict(spec.get("selector") or {}),
        ports=[f"{p.get('port')}/{p.get('protocol', 'TCP')}" for p in spec.get("ports") or ()],
    )
    return attrs


def _workload_attrs(obj: Mapping) -> dict:
    attrs = _base_attrs(obj)
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    attrs.update(
        replicas=spec.get("replicas", 1) if obj.get("kind") != "DaemonSet" else status.get("desiredNumberScheduled", 0),
        ready_replicas=status.get("readyReplicas", status.get("numberReady", 0)) or 0,
        available_replicas=status.get("availableReplicas", status.get("numberAvailable", 0)) or 0,
    )
    return attrs


def _job_attrs(job: Mapping) -> dict:
    attrs = _base_attrs(job)
    status = job.get("status") or {}
    attrs.update(
        completions=(job.get("spec") or {}).get("completions", 1),
        succeeded=status.get("succeeded", 0),
        active=status.get("active", 0),
        failed=status.get("failed", 0),
    )
    return attrs


def _phase_attrs(obj: Mapping) -> dict:
    attrs = _base_attrs(obj)
    attrs["phase"] = (obj.get("status") or {}).get("phase", "")
    attrs["status"] = attrs["phase"]
    return attrs


def _hpa_attrs(hpa: Mapping) -> dict:
    attrs = _base_attrs(hpa)
    spec, status = hpa.get("spec") or {}, hpa.get("status") or {}
    attrs.update(
        min_replicas=spec.get("minReplicas", 1),
        max_replicas=spec.get("maxReplicas"),
        current_replicas=status.get("currentReplicas", 0),
        desired_replicas=status.get("desiredReplicas", 0),
    )
    return attrs


_ATTRS = {
    "Pod": _pod_attrs,
    "Node": _node_attrs,
    "Service": _service_attrs,
    "Deployment": _workload_attrs,
    "ReplicaSet": _workload_attrs,
    "DaemonSet": _workload_attrs,
    "Job": _job_attrs,
    "PersistentVolumeClaim": _phase_attrs,
    "PersistentVolume": _phase_attrs,
    "HorizontalPodAutoscaler": _hpa_attrs,
}


# -- summaries --------------------------------------------------------------------------------
def graph_summary(G: nx.MultiDiGraph) -> pd.DataFrame:
    """Count graph nodes by kind and edges by relation, as one table.

    Returns a DataFrame with columns ``what`` (``node`` or ``edge``), ``type`` (a kind or
    a relation) and ``count``; nodes first, each part in a fixed order.
    """
    import pandas as pd

    kinds: dict[str, int] = {}
    for _, kind in G.nodes(data="kind"):
        kinds[kind] = kinds.get(kind, 0) + 1
    relations: dict[str, int] = {}
    for _, _, rel in G.edges(data="relation"):
        relations[rel] = relations.get(rel, 0) + 1
    kind_order = ("ControlPlaneComponent", "NodeAgent", *OBJECT_KINDS)
    rows = [("node", k, kinds[k]) for k in kind_order if k in kinds]
    rows += [("node", k, kinds[k]) for k in sorted(kinds) if k not in kind_order]
    rows += [("edge", r, relations[r]) for r in RELATIONS if r in relations]
    rows += [("edge", r, relations[r]) for r in sorted(relations) if r not in RELATIONS]
    return pd.DataFrame(rows, columns=["what", "type", "count"])
