"""Cluster: wires the control plane and the nodes together and owns the clock.

This is the one object a lesson or an engineer holds. It starts etcd, the API server,
the scheduler and the controller manager ("the master"), adds worker nodes with their
agents, and offers the public API of the contract in DESIGN.md: ``apply``, ``get``,
``list``, ``delete``, ``run``, ``kubectl``, ``events``, ``graph``, ``draw`` and the
fault-injection and data-plane helpers.
"""

from __future__ import annotations

import ipaddress
import random
from collections.abc import Callable, Mapping
from typing import Any

from .api import resources
from .api.errors import ApiError
from .api.manifests import load_manifests
from .api.objects import deep_copy
from .clock import Clock, Priority
from .controlplane.apiserver import APIServer, Watch
from .controlplane.controllermanager import ControllerManager, ControllerManagerFlags
from .controlplane.etcd import Etcd
from .controlplane.events import EventLog, EventRecorder
from .node.host import NodeHost, NodeSpec

__all__ = ["Cluster", "Applied"]

BOOTSTRAP_NAMESPACES = ("default", "kube-node-lease", "kube-public", "kube-system")
SYSTEM_PRIORITY_CLASSES = (
    ("system-cluster-critical", 2000000000, "Used for system critical pods that must run in the cluster, but can be "
     "moved to another node if necessary."),
    ("system-node-critical", 2000001000, "Used for system critical pods that must not be moved from their current "
     "node."),
)  # fmt: skip


class Applied(list):
    """The objects ``Cluster.apply`` stored; prints like ``kubectl apply``."""

    def __init__(self, items: list[dict], operations: list[str]) -> None:
        super().__init__(items)
        self.operations = operations

    def __repr__(self) -> str:
        lines = []
        for obj, op in zip(self, self.operations):
            info = resources.by_kind(obj["kind"])
            lines.append(f"{info.kubectl_kind}/{obj['metadata']['name']} {op}")
        return "\n".join(lines)

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(repr(self))


class Cluster:
    """A whole simulated Kubernetes cluster in virtual time.

    Parameters
    ----------
    seed
        Seed of the cluster's one random generator (names, uids, tie-breaks,
        traffic): the same seed and the same calls give the same event log.
    scheduler_config
        A KubeSchedulerConfiguration (dict or YAML text) for kube-scheduler.
    controller_manager
        kube-controller-manager flags, e.g. ``{"node-monitor-grace-period": "40s"}``.
    proxy_mode
        kube-proxy mode on every node: ``iptables`` (default), ``ipvs`` or ``nftables``.
    service_cidr, cluster_cidr
        Service ClusterIP range and the range node pod CIDRs (/24 each) come from.
    record_events
        Set False for very large benchmark clusters to skip Event objects.

    Examples
    --------
    >>> import k8slearn as kl
    >>> c = kl.Cluster(seed=0)
    >>> c.add_node("node-1", cpu="4", memory="8Gi")
    >>> c.run(5)
    >>> [n["metadata"]["name"] for n in c.list("nodes")]
    ['node-1']
    """

    def __init__(
        self,
        seed: int = 0,
        scheduler_config: Any = None,
        *,
        controller_manager: Mapping[str, Any] | ControllerManagerFlags | None = None,
        proxy_mode: str = "iptables",
        service_cidr: str = "10.96.0.0/12",
        cluster_cidr: str = "10.244.0.0/16",
        record_events: bool = True,
    ) -> None:
        from .controlplane.scheduler import Scheduler

        self.seed = seed
        self.rng = random.Random(seed)
        self.clock = Clock()
        self.etcd = Etcd()
        self.api = APIServer(self.etcd, self.clock, self.rng, service_cidr=service_cidr)
        self.event_log = EventLog(self.api)
        self.event_log.enabled = record_events
        self.proxy_mode = proxy_mode
        self.service_cidr = ipaddress.ip_network(service_cidr)
        self.cluster_cidr = ipaddress.ip_network(cluster_cidr)
        self.hosts: dict[str, NodeHost] = {}
        self._node_index = 0
        self._bootstrap()
        self.flags = ControllerManagerFlags.from_mapping(controller_manager)
        self.controller_manager = ControllerManager(self, self.flags)
        self.scheduler = Scheduler(self, scheduler_config)
        self.controller_manager.start()
        self.scheduler.start()

    def _bootstrap(self) -> None:
        """What kube-apiserver creates at start: namespaces, the kubernetes Service, priority classes."""
        api = self.api
        for ns in BOOTSTRAP_NAMESPACES:
            api.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}, user="kube-apiserver")
        for name, value, description in SYSTEM_PRIORITY_CLASSES:
            api.create(
                {
                    "apiVersion": "scheduling.k8s.io/v1",
                    "kind": "PriorityClass",
                    "metadata": {"name": name},
                    "value": value,
                    "description": description,
                },
                user="kube-apiserver",
            )
        first_ip = str(self.service_cidr.network_address + 1)
        api.create(
            {
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": {
                    "name": "kubernetes",
                    "namespace": "default",
                    "labels": {"component": "apiserver", "provider": "kubernetes"},
                },
                "spec": {
                    "clusterIP": first_ip,
                    "ports": [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443}],
                },
            },
            user="kube-apiserver",
        )
        from .controlplane.controllers.endpoints import install_apiserver_endpoints

        install_apiserver_endpoints(self)  # the kubernetes Service points at kube-apiserver itself

    @classmethod
    def demo(cls, nodes: int = 3, seed: int = 0, cpu: str = "4", memory: str = "8Gi", **kwargs: Any) -> Cluster:
        """A small ready cluster for lessons: ``node-1`` .. ``node-N``, all Ready."""
        c = cls(seed=seed, **kwargs)
        for i in range(1, nodes + 1):
            c.add_node(f"node-{i}", cpu=cpu, memory=memory)
        c.run(5)
        return c

    # -- nodes ---------------------------------------------------------------------------
    def add_node(
        self,
        name: str,
        cpu: str | int = "4",
        memory: str = "8Gi",
        pods: int = 110,
        labels: Mapping[str, str] | None = None,
        taints: list[Any] | None = None,
        capacity: Mapping[str, Any] | None = None,
        *,
        unschedulable: bool = False,
    ) -> None:
        """Add a worker machine; its kubelet registers the Node and starts heartbeating.

        ``taints`` are dicts ``{"key", "value", "effect"}`` or kubectl strings
        ``"key=value:NoSchedule"``; ``capacity`` adds extended resources such as
        ``{"nvidia.com/gpu": "2"}``.
        """
        if name in self.hosts:
            raise ApiError.already_exists("nodes", name)
        index = self._node_index
        self._node_index += 1
        subnets = self.cluster_cidr.num_addresses // 256
        if index >= subnets:
            raise ApiError(
                422, "Invalid", f"no pod CIDR left in {self.cluster_cidr} for node {name} (use a larger cluster_cidr)"
            )
        pod_cidr = f"{self.cluster_cidr.network_address + 256 * index}/24"
        address = f"192.168.{index // 250}.{index % 250 + 10}"
        spec = NodeSpec(
            name=name,
            cpu=str(cpu),
            memory=str(memory),
            pods=int(pods),
            labels=dict(labels or {}),
            taints=[_parse_taint(t) for t in taints or []],
            capacity={k: str(v) for k, v in (capacity or {}).items()},
            index=index,
            address=address,
            pod_cidr=pod_cidr,
            unschedulable=unschedulable,
        )
        host = NodeHost(self, spec)
        self.hosts[name] = host
        host.start()

    def node_host(self, name: str) -> NodeHost:
        try:
            return self.hosts[name]
        except KeyError:
            raise ApiError.not_found("nodes", name) from None

    def kubelet(self, node: str) -> Any:
        """The kubelet of ``node`` (``.get("/healthz" | "/pods" | "/spec")``)."""
        return self.node_host(node).kubelet

    def kube_proxy(self, node: str) -> Any:
        """The kube-proxy of ``node`` (``.rules(mode=...)``)."""
        return self.node_host(node).kube_proxy

    def fail_node(self, name: str) -> None:
        """The node's kubelet stops: no heartbeats, no pod status updates."""
        self.node_host(name).kubelet.stop()

    def recover_node(self, name: str) -> None:
        """The node's kubelet comes back and resumes heartbeats."""
        self.node_host(name).kubelet.resume()

    def crash_container(
        self, pod: str, container: str | None = None, exit_code: int = 1, namespace: str = "default"
    ) -> None:
        """Make a running container of ``pod`` exit with ``exit_code`` now."""
        obj = self.api.get("Pod", pod, namespace)
        node = (obj.get("spec") or {}).get("nodeName")
        if not node:
            raise ApiError.bad_request(f'pod "{pod}" is not running on a node')
        self.node_host(node).kubelet.crash_container(obj, container, exit_code)

    def metrics(self) -> Any:
        """cAdvisor's latest samples for every container as a pandas DataFrame."""
        from .node.cadvisor import metrics_frame

        return metrics_frame(self)

    # -- the data plane ------------------------------------------------------------------
    def send_traffic(
        self,
        service: str,
        requests: int = 1000,
        from_node: str | None = None,
        client_ip: str | None = None,
        port: int | str | None = None,
        namespace: str = "default",
    ) -> Any:
        """Send ``requests`` new connections to a Service through a node's kube-proxy rules.

        Returns a DataFrame with columns pod, node, requests: one row per endpoint pod.
        """
        from .node.dataplane import send_traffic

        return send_traffic(self, service, requests, from_node=from_node, client_ip=client_ip, port=port,
                            namespace=namespace)  # fmt: skip

    def trace_request(
        self,
        service: str,
        from_node: str | None = None,
        client_ip: str | None = None,
        port: int | str | None = None,
        namespace: str = "default",
    ) -> Any:
        """The hop-by-hop path of one request (client, node, chains, DNAT, pod)."""
        from .node.dataplane import trace_request

        return trace_request(self, service, from_node=from_node, client_ip=client_ip, port=port, namespace=namespace)

    def resolve(self, name: str, from_pod: str | None = None, namespace: str = "default") -> list[str]:
        """Cluster DNS: the addresses ``name`` resolves to (from a pod's namespace and search path)."""
        from .dns import resolve

        return resolve(self, name, from_pod=from_pod, namespace=namespace)

    def set_load(self, service: str, rps: float, namespace: str = "default") -> None:
        """Drive ``rps`` requests per second at a Service (spread over its ready pods)."""
        from .node.load import set_load

        set_load(self, service, rps, namespace=namespace)

    # -- the API -------------------------------------------------------------------------
    def apply(self, manifest: Any, namespace: str | None = None) -> Applied:
        """``kubectl apply``: create or update every object of ``manifest``.

        ``manifest`` is YAML text (multi-document), a dict, a list of dicts, or a
        path to a file or folder. Objects are applied in order; the first one the API
        server rejects raises :class:`~k8slearn.ApiError` (the ones before it stay
        applied, as with kubectl; the rejected one changes nothing).
        """
        objects = load_manifests(manifest)
        stored: list[dict] = []
        operations: list[str] = []
        for obj in objects:
            result, op = self.api.apply(obj, namespace=namespace)
            stored.append(deep_copy(result))
            operations.append(op)
        return Applied(stored, operations)

    def create(self, manifest: Any, namespace: str | None = None) -> Applied:
        """``kubectl create``: like apply, but existing objects are an AlreadyExists error."""
        stored = [deep_copy(self.api.create(obj, namespace=namespace)) for obj in load_manifests(manifest)]
        return Applied(stored, ["created"] * len(stored))

    def get(self, kind: str, name: str, namespace: str = "default") -> dict:
        """A copy of one object; ``kind`` as kubectl takes it (``Pod``, ``pods``, ``po``)."""
        return deep_copy(self.api.get(_kind(kind), name, namespace))

    def list(self, kind: str, namespace: str | None = None, selector: Any = None) -> list[dict]:
        """Copies of the objects of ``kind`` (all namespaces when ``namespace`` is None)."""
        return [deep_copy(o) for o in self.api.list(_kind(kind), namespace, selector)]

    def delete(
        self,
        kind: str,
        name: str,
        namespace: str = "default",
        *,
        propagation_policy: str | None = None,
        grace_period: int | None = None,
    ) -> dict | None:
        """Delete an object (pods terminate gracefully; dependents are garbage collected)."""
        result = self.api.delete(
            _kind(kind), name, namespace, propagation_policy=propagation_policy, grace_period_seconds=grace_period
        )
        return deep_copy(result) if result is not None else None

    def update(self, obj: Mapping) -> dict:
        """``PUT``: replace an object; a stale ``metadata.resourceVersion`` is a 409 Conflict."""
        return deep_copy(self.api.update(obj))

    def watch(self, kind: str, namespace: str | None = None, selector: Any = None,
              resource_version: str | int | None = None, owner: str = "") -> Watch:  # fmt: skip
        """A buffered watch: its ``events`` fill up as the clock runs; ``table()`` shows them.

        ``owner`` names the watcher (e.g. ``"my-controller"``) so it appears in the graph.
        """
        return self.api.watch(
            _kind(kind), namespace=namespace, selector=selector, resource_version=resource_version, owner=owner
        )

    # -- time ----------------------------------------------------------------------------
    @property
    def now(self) -> float:
        """Virtual seconds since the cluster started."""
        return self.clock.now

    def run(self, seconds: float) -> None:
        """Advance virtual time by ``seconds``, processing every event due."""
        self.clock.run(seconds)

    def run_until(self, predicate: Callable[[Cluster], bool], timeout: float = 300.0) -> float:
        """Advance until ``predicate(cluster)`` is true; returns the virtual seconds it took.

        Raises TimeoutError when it is still false after ``timeout`` virtual seconds.
        """
        start = self.clock.now
        if not self.clock.run_until(lambda: predicate(self), timeout):
            raise TimeoutError(f"condition not met within {timeout:g} virtual seconds (now t={self.clock.now:g})")
        return self.clock.now - start

    def step(self) -> Any:
        """Run exactly one clock event; returns its trace entry (None when idle)."""
        return self.clock.step()

    def at(self, time: float, action: Callable[[], Any], label: str = "user action") -> None:
        """Schedule ``action`` at virtual time ``time`` (for scripted scenarios)."""
        self.clock.at(time, action, priority=Priority.USER, label=label)

    # -- components, events, text and pictures ----------------------------------------
    def recorder(self, component: str, host: str = "") -> EventRecorder:
        """An event recorder for a component (``default-scheduler``, ``kubelet`` ...)."""
        return EventRecorder(self.event_log, component, host)

    def events(self) -> Any:
        """Every event so far as a pandas DataFrame (time, type, reason, object, message)."""
        return self.event_log.frame()

    def kubectl(self, command: str, stdin: str | None = None) -> str:
        """Run a kubectl command line against this cluster; returns what kubectl prints.

        ``stdin`` feeds ``-f -`` (``c.kubectl("apply -f -", stdin=yaml_text)``).
        """
        from .kubectl import run

        return run(self, command, stdin=stdin)

    @property
    def graph(self) -> Any:
        """The cluster as a ``networkx.MultiDiGraph`` (components, nodes, pods, services ...)."""
        from .graph import build_graph

        return build_graph(self)

    def draw(self, ax: Any = None, **kwargs: Any) -> Any:
        """Draw the cluster graph with matplotlib; returns the Axes."""
        from .viz.graph import draw_cluster

        return draw_cluster(self, ax=ax, **kwargs)

    def nodes(self) -> list[str]:
        """Names of the worker machines, in the order they were added."""
        return list(self.hosts)

    def __repr__(self) -> str:
        pods = self.api.count("Pod")
        return f"<Cluster seed={self.seed} t={self.clock.now:g}s nodes={len(self.hosts)} pods={pods}>"


def _kind(kind: str) -> str:
    try:
        return resources.resolve(kind).kind
    except resources.UnknownResource as err:
        raise ApiError(404, "NotFound", str(err)) from None


def _parse_taint(taint: Any) -> dict:
    """``"key=value:Effect"`` or ``"key:Effect"`` (kubectl taint syntax) or a dict -> taint dict."""
    if isinstance(taint, Mapping):
        return dict(taint)
    text = str(taint)
    if ":" not in text:
        raise ApiError.bad_request(f'invalid taint spec: {text}, a taint must be of the form "key=value:effect"')
    head, effect = text.rsplit(":", 1)
    key, _, value = head.partition("=")
    out = {"key": key, "effect": effect}
    if value:
        out["value"] = value
    return out
