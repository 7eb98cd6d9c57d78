"""A pod's journey: who does what between ``kubectl apply`` and a kube-proxy rule, one step at a time.

Notes
-----
:func:`record_journey` applies a manifest (a Deployment and a Service, say) and runs
the cluster's clock one event at a time until the first pod of the workload is Ready,
sits behind its Service, and every kube-proxy has synced its rules. It keeps what
the cluster itself records on the way:

- the API server's audit log (``cluster.api.audit``: who wrote what, at which
  resourceVersion),
- the clock trace (a hook on ``cluster.clock.hooks`` gets one
  :class:`~k8slearn.clock.TraceEntry` per executed clock event: kube-proxy syncs
  write nothing to the API, the trace shows them),
- the events (``cluster.events()``: Scheduled, Pulling, Started ...),
- a snapshot of the cluster graph after every clock event that changed something.

:func:`steps_from_record` turns that record into the story of lesson 00: one
:class:`Step` per hand-over (kube-apiserver, etcd, the deployment and replicaset
controllers, kube-scheduler, the kubelet, the container runtime, the kubelet again,
the endpoint controllers, kube-proxy), each with the line of evidence that shows it.
:class:`JourneyWidget` only adds Back/Next buttons over those steps, the cluster
drawing with the acting component highlighted, and a caption.

Every component here talks only to kube-apiserver: the journey never passes a
message from one component to another. Each one watches the API, sees the change the
previous one wrote, and writes its own.

Used in: 00_architecture.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from ..api.objects import controller_ref, pod_is_ready

if TYPE_CHECKING:
    from ..clock import TraceEntry
    from ..cluster import Cluster
    from ..controlplane.apiserver import AuditEntry

__all__ = [
    "Step",
    "EventRow",
    "Snapshot",
    "JourneyRecord",
    "record_journey",
    "steps_from_record",
    "journey_steps",
    "steps_text",
    "audit_line",
    "event_line",
    "draw_journey",
    "JourneyWidget",
    "LANES",
]

#: Swim lanes of :func:`draw_journey`, top to bottom: ``(lane, label, colour key)``.
LANES = (
    ("kube-apiserver", "kube-apiserver", "control-plane"),
    ("etcd", "etcd", "control-plane"),
    ("kube-controller-manager", "kube-controller-manager", "control-plane"),
    ("kube-scheduler", "kube-scheduler", "control-plane"),
    ("kubelet", "kubelet", "agent"),
    ("container-runtime", "container runtime", "agent"),
    ("kube-proxy", "kube-proxy", "agent"),
)

#: Kinds whose writes are background noise for the journey (heartbeats, events).
_NOISE_KINDS = frozenset({"Lease", "Node", "Event"})


@dataclass(frozen=True)
class Step:
    """One hand-over in the journey.

    ``component`` is who acts, named as the audit log names it
    (``kube-controller-manager/deployment-controller``, ``kubelet/node-2``);
    ``lane`` is its row in :func:`draw_journey`, ``short`` its label there; ``object`` the graph id of the
    object it acts on; ``source`` where the evidence comes from (``audit``, ``etcd``,
    ``event`` or ``trace``); ``highlight`` the graph ids to emphasise in the drawing;
    ``graph`` the cluster graph just after the step.
    """

    number: int
    time: float
    component: str
    lane: str
    title: str
    short: str
    action: str
    object: str
    source: str
    evidence: tuple[str, ...]
    highlight: tuple[str, ...]
    graph: Any = field(default=None, repr=False, compare=False)


class EventRow(NamedTuple):
    """One event occurrence, as a row of ``cluster.events()``."""

    time: float
    type: str
    reason: str
    object: str
    namespace: str
    message: str
    source: str


@dataclass(frozen=True)
class Snapshot:
    """The cluster graph after ``audit`` audit entries, ``events`` events and ``trace`` clock events."""

    audit: int
    events: int
    trace: int
    graph: Any = field(repr=False)


@dataclass
class JourneyRecord:
    """What :func:`record_journey` saw: the raw material of the steps."""

    applied: list[dict]
    audit: list[AuditEntry]
    trace: list[TraceEntry]
    events: list[EventRow]
    snapshots: list[Snapshot]
    pod: dict | None
    nodes: list[str]
    rules: dict[str, str]
    start: float
    complete: bool


# -- recording --------------------------------------------------------------------------------------
def record_journey(
    cluster: Cluster, manifest: Any, *, namespace: str | None = None, timeout: float = 120.0, snapshots: bool = True
) -> JourneyRecord:
    """Apply ``manifest`` and run the clock one event at a time until the first pod's journey ends.

    The journey ends when the first pod of the applied workload is Ready and, if a
    Service selects it, when that pod is a ready endpoint and every node's kube-proxy
    has synced after that. Runs at most ``timeout`` virtual seconds (the record's
    ``complete`` then says False).

    Examples
    --------
    >>> import k8slearn as kl
    >>> c = kl.Cluster.demo(nodes=2)
    >>> rec = record_journey(
    ...     c,
    ...     {
    ...         "apiVersion": "v1",
    ...         "kind": "Pod",
    ...         "metadata": {"name": "solo"},
    ...         "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]},
    ...     },
    ... )
    >>> rec.complete, rec.pod["metadata"]["name"]
    (True, 'solo')
    """
    from ..graph import build_graph

    api, clock = cluster.api, cluster.clock
    audit_log = api.audit
    audit: list[AuditEntry] = []
    trace: list[TraceEntry] = []
    shots: list[Snapshot] = []
    last = [audit_log[-1] if audit_log else None]
    events_start = len(cluster.event_log.records)
    start = clock.now

    def collect() -> bool:
        new: list[AuditEntry] = []
        for entry in reversed(audit_log):
            if entry is last[0]:
                break
            new.append(entry)
        if new:
            last[0] = new[0]
            new.reverse()
            audit.extend(new)
        return any(e.kind not in _NOISE_KINDS for e in new)

    def snapshot() -> None:
        if snapshots:
            shots.append(Snapshot(len(audit), len(cluster.event_log.records) - events_start, len(trace),
                                  build_graph(cluster)))  # fmt: skip

    clock.hooks.append(trace.append)
    try:
        applied = list(cluster.apply(manifest, namespace=namespace))
        collect()
        snapshot()
        progress = _Progress(cluster, applied)
        deadline = clock.now + timeout
        events_seen = len(cluster.event_log.records)
        while not progress.done(trace):
            nxt = clock.peek()
            if nxt is None or nxt > deadline:
                break
            entry = clock.step()
            changed = collect()
            n_events = len(cluster.event_log.records)
            if changed or n_events != events_seen or (entry is not None and entry.label.startswith("kube-proxy/")):
                snapshot()
            events_seen = n_events
        complete = progress.done(trace)
    finally:
        clock.hooks.remove(trace.append)

    frame = cluster.events()
    events = [EventRow(*row) for row in frame.iloc[events_start:].itertuples(index=False, name=None)]
    pod = progress.pod
    rules: dict[str, str] = {}
    if pod is not None and progress.services:
        for node in cluster.nodes():
            try:
                rules[node] = str(cluster.kube_proxy(node).rules())
            except Exception:  # noqa: BLE001 - rules are evidence only; a proxy mode without a listing has none
                rules[node] = ""
    return JourneyRecord(
        applied=applied,
        audit=audit,
        trace=trace,
        events=events,
        snapshots=shots,
        pod=dict(pod) if pod is not None else None,
        nodes=cluster.nodes(),
        rules=rules,
        start=start,
        complete=complete,
    )


class _Progress:
    """How far the followed pod has come (read through the API after each clock event)."""

    def __init__(self, cluster: Cluster, applied: list[dict]) -> None:
        self.cluster = cluster
        self.api = cluster.api
        self.workloads = {(o["kind"], o["metadata"]["name"], o["metadata"].get("namespace") or "default")
                          for o in applied if o["kind"] != "Service"}  # fmt: skip
        self.services = [o for o in applied if o["kind"] == "Service" and (o.get("spec") or {}).get("selector")]
        self.pod: Mapping | None = None
        self.pod_key: tuple[str, str] | None = None
        self.endpoint_at: int | None = None  # trace length when the pod became a ready endpoint

    def _find_pod(self) -> None:
        api = self.api
        for kind, name, ns in sorted(self.workloads):
            if kind == "Pod":
                pod = api.get_or_none("Pod", name, ns)
                if pod is not None:
                    self.pod_key = (name, ns)
                    return
        for pod in api.list("Pod"):
            if self._belongs(pod):
                self.pod_key = (pod["metadata"]["name"], pod["metadata"].get("namespace") or "default")
                return

    def _belongs(self, obj: Mapping, depth: int = 0) -> bool:
        ref = controller_ref(obj)
        if ref is None or depth > 3:
            return False
        ns = obj["metadata"].get("namespace") or "default"
        if (ref.get("kind"), ref.get("name"), ns) in self.workloads:
            return True
        owner = self.api.get_or_none(ref.get("kind", ""), ref.get("name", ""), ns)
        return owner is not None and self._belongs(owner, depth + 1)

    def done(self, trace: list[TraceEntry]) -> bool:
        if self.pod_key is None:
            self._find_pod()
            if self.pod_key is None:
                return False
        pod = self.api.get_or_none("Pod", *self.pod_key)
        if pod is None:
            return False
        self.pod = pod
        if not pod_is_ready(pod):
            return False
        if not self.services:
            return True
        if self.endpoint_at is None:
            if not self._ready_endpoint(pod):
                return False
            self.endpoint_at = len(trace)
        synced = {t.label.split("/", 1)[1].split(" ", 1)[0] for t in trace[self.endpoint_at :]
                  if t.label.startswith("kube-proxy/")}  # fmt: skip
        return all(node in synced for node in self.cluster.nodes())

    def _ready_endpoint(self, pod: Mapping) -> bool:
        name = pod["metadata"]["name"]
        ns = pod["metadata"].get("namespace") or "default"
        for svc in self.services:
            selector = f"kubernetes.io/service-name={svc['metadata']['name']}"
            for sl in self.api.list("EndpointSlice", ns, selector=selector):
                for ep in sl.get("endpoints") or ():
                    ready = (ep.get("conditions") or {}).get("ready") is not False
                    if ready and (ep.get("targetRef") or {}).get("name") == name:
                        return True
        return False


# -- from the record to the steps ---------------------------------------------------------------
def audit_line(entry: AuditEntry) -> str:
    """One audit entry as a short log line: time, user, verb, resource, resourceVersion.

    Examples
    --------
    >>> from k8slearn.controlplane.apiserver import AuditEntry
    >>> audit_line(AuditEntry(5.0, "kube-scheduler", "create binding", "Pod", "default", "web-1", 45))
    'audit t=5 s: kube-scheduler create binding pods/web-1 -n default (resourceVersion 45)'
    """
    ns = f" -n {entry.namespace}" if entry.namespace else ""
    return (f"audit t={_t(entry.time)} s: {entry.user} {entry.verb} {_plural(entry.kind)}/{entry.name}{ns} "
            f"(resourceVersion {entry.resource_version})")  # fmt: skip


def event_line(row: EventRow) -> str:
    """One event as ``kubectl get events`` would show it (type, reason, object, message).

    Examples
    --------
    >>> event_line(EventRow(5.0, "Normal", "Scheduled", "Pod/web-1", "default", "Successfully assigned", "x"))
    'event t=5 s: Normal Scheduled pod/web-1: Successfully assigned'
    """
    kind, _, name = row.object.partition("/")
    return f"event t={_t(row.time)} s: {row.type} {row.reason} {kind.lower()}/{name}: {row.message}"


def steps_from_record(record: JourneyRecord) -> list[Step]:
    """The journey of the record's pod, one :class:`Step` per hand-over, in order.

    Steps whose evidence is missing from the record (no Service, an image already
    on the node, a journey cut short by the timeout) are left out.
    """
    from ..api import resources
    from ..controlplane.apiserver import etcd_key
    from ..graph import object_id

    audit, events, trace = record.audit, record.events, record.trace
    pod = record.pod
    drafts: list[dict] = []

    def add(at: tuple[str, int], **kw: Any) -> None:
        drafts.append({"at": at, **kw})

    # 1-2: kubectl apply -> kube-apiserver -> etcd
    applied_ids = [object_id(o["kind"], o["metadata"]["name"], o["metadata"].get("namespace")) for o in record.applied]
    writes = [(i, e) for i, e in enumerate(audit) if e.user == "kubectl"]
    if writes:
        last_i = writes[-1][0]
        names = _and([f"{e.kind} {e.name}" for _, e in writes])
        add(("audit", last_i), time=writes[0][1].time, component="kube-apiserver", lane="kube-apiserver",
            title="kube-apiserver accepts the manifest", short="validate",
            action=f"kubectl apply sends {names}. kube-apiserver decodes each object, fills in defaults, runs "
                   "admission and validation, and answers created.",
            object=applied_ids[0], source="audit", evidence=tuple(audit_line(e) for _, e in writes),
            highlight=("kube-apiserver", *applied_ids))  # fmt: skip
        keys = []
        extra = ""
        for _, e in writes:
            keys.append(f"etcd: {etcd_key(resources.by_kind(e.kind), e.namespace, e.name)} "
                        f"mod_revision {e.resource_version}")  # fmt: skip
        for o in record.applied:
            ip = (o.get("spec") or {}).get("clusterIP") if o["kind"] == "Service" else None
            if ip:
                extra = f" On the way, Service {o['metadata']['name']} got its ClusterIP {ip}."
        add(("audit", last_i), time=writes[-1][1].time, component="etcd", lane="etcd",
            title="etcd stores the desired state", short="store",
            action="kube-apiserver writes each object to etcd, its only database; the etcd revision becomes the "
                   f"object's resourceVersion. Nothing runs yet.{extra}",
            object=applied_ids[0], source="etcd", evidence=tuple(keys), highlight=("etcd", "kube-apiserver"))  # fmt: skip

    ns = (pod["metadata"].get("namespace") or "default") if pod else "default"
    pod_name = pod["metadata"]["name"] if pod else ""
    pod_id = object_id("Pod", pod_name, ns) if pod else ""
    node = (pod.get("spec") or {}).get("nodeName", "") if pod else ""
    rs_name = ""
    if pod:
        ref = controller_ref(pod)
        if ref and ref.get("kind") == "ReplicaSet":
            rs_name = ref.get("name", "")
    rs_id = object_id("ReplicaSet", rs_name, ns) if rs_name else ""

    # 3: the deployment controller creates the ReplicaSet
    i = _find(audit, lambda e: e.kind == "ReplicaSet" and e.verb == "create" and e.name == rs_name
              and e.user.endswith("/deployment-controller"))  # fmt: skip
    if i is not None:
        deploy = _owner_of_rs(record, rs_name)
        ev = _first_event(events, "ScalingReplicaSet", f"Deployment/{deploy}")
        add(("audit", i), time=audit[i].time, component=audit[i].user, lane="kube-controller-manager",
            title="the deployment controller creates a ReplicaSet", short="create\nReplicaSet",
            action=f"The deployment controller (inside kube-controller-manager) watches Deployments. It sees "
                   f"{deploy} with no ReplicaSet for its pod template and creates {rs_name}.",
            object=rs_id, source="audit", evidence=_evidence(audit_line(audit[i]), ev),
            highlight=("kube-controller-manager", object_id("Deployment", deploy, ns), rs_id))  # fmt: skip

    # 4: the replicaset controller creates the Pod
    i = _find(audit, lambda e: e.kind == "Pod" and e.verb == "create" and e.name == pod_name)
    if i is not None and audit[i].user != "kubectl":
        created = [e.name for e in audit if e.kind == "Pod" and e.verb == "create" and e.user == audit[i].user
                   and rs_name and e.name.startswith(rs_name + "-")]  # fmt: skip
        many = f" ({len(created)} pods; you follow {pod_name})" if len(created) > 1 else ""
        ev = _first_event(events, "SuccessfulCreate", f"ReplicaSet/{rs_name}", contains=pod_name)
        add(("audit", i), time=audit[i].time, component=audit[i].user, lane="kube-controller-manager",
            title="the replicaset controller creates the Pod", short="create\nPod",
            action=f"The replicaset controller sees {rs_name} wants more pods than it owns and creates "
                   f"{pod_name} from the pod template{many}. The pod has no node yet: spec.nodeName is empty.",
            object=pod_id, source="audit", evidence=_evidence(audit_line(audit[i]), ev),
            highlight=("kube-controller-manager", rs_id, pod_id))  # fmt: skip

    # 5: kube-scheduler binds it
    i = _find(audit, lambda e: e.kind == "Pod" and e.verb == "create binding" and e.name == pod_name)
    if i is not None:
        ev = _first_event(events, "Scheduled", f"Pod/{pod_name}")
        add(("audit", i), time=audit[i].time, component=audit[i].user, lane="kube-scheduler",
            title=f"kube-scheduler binds the pod to {node}", short=f"bind to\n{node}",
            action=f"kube-scheduler watches pods without a node. It filters and scores the nodes, picks {node}, "
                   "and writes a Binding: spec.nodeName is set. That is all it does; it starts nothing.",
            object=pod_id, source="audit", evidence=_evidence(audit_line(audit[i]), ev),
            highlight=("kube-scheduler", pod_id, object_id("Node", node)))  # fmt: skip

    # 6: the kubelet of that node picks it up
    kubelet = f"kubelet/{node}"
    first_kubelet = _find(audit, lambda e: e.kind == "Pod" and e.name == pod_name and e.user == kubelet)
    if first_kubelet is not None:
        i = first_kubelet
        add(("audit", i), time=audit[i].time, component=kubelet, lane="kubelet",
            title=f"the kubelet on {node} takes the pod", short="sandbox",
            action=f"The kubelet on {node} watches the pods bound to its node. It admits {pod_name}, asks the "
                   "container runtime for the pod sandbox (its network namespace and IP) and reports the pod "
                   "Pending (ContainerCreating).",
            object=pod_id, source="audit", evidence=(audit_line(audit[i]),),
            highlight=(kubelet, pod_id))  # fmt: skip

    # 7-8: the container runtime pulls the image and starts the containers
    runtime = f"container-runtime/{node}"
    obj = f"Pod/{pod_name}"
    k = _find_event(events, "Pulling", obj)
    if k is not None:
        add(("event", k), time=events[k].time, component=runtime, lane="container-runtime",
            title="the container runtime pulls the image", short="pull\nimage",
            action=f"Through the CRI, the kubelet asks the container runtime on {node} to pull the image. The "
                   "download takes virtual seconds that depend on the image size.",
            object=pod_id, source="event", evidence=(event_line(events[k]),), highlight=(runtime, kubelet, pod_id))  # fmt: skip
    started = [j for j, r in enumerate(events) if r.object == obj and r.reason == "Started"]
    if started:
        k = started[-1]
        lines = [event_line(r) for r in events if r.object == obj and r.reason in ("Pulled", "Created", "Started")]
        add(("event", k), time=events[k].time, component=runtime, lane="container-runtime",
            title="the container runtime starts the containers", short="start\ncontainers",
            action="The image is on the node. The runtime creates each container in the pod sandbox and starts "
                   "it; the kubelet records an event for every stage.",
            object=pod_id, source="event", evidence=tuple(lines), highlight=(runtime, kubelet, pod_id))  # fmt: skip

    # 9: the kubelet reports Running and Ready
    ready_i = _ready_update(record, pod_name, kubelet, after=first_kubelet)
    if ready_i is not None:
        i = ready_i
        add(("audit", i), time=audit[i].time, component=kubelet, lane="kubelet",
            title="the kubelet reports Running and Ready", short="Running,\nReady",
            action=f"The kubelet sees the containers running and writes the pod's status: phase Running, "
                   f"condition Ready=True, podIP {(pod.get('status') or {}).get('podIP', '')}.",
            object=pod_id, source="audit", evidence=(audit_line(audit[i]),), highlight=(kubelet, pod_id))  # fmt: skip

    # 10: the endpoint controllers put it behind the Service
    services = [o["metadata"]["name"] for o in record.applied if o["kind"] == "Service"]
    endpoints_i = None
    if ready_i is not None and services:
        svc = services[0]
        j = _find(audit, lambda e: e.kind == "EndpointSlice" and e.verb in ("create", "update")
                  and e.name.startswith(svc + "-") and e.user.endswith("endpointslice-controller"), start=ready_i)  # fmt: skip
        if j is not None:
            endpoints_i = j
            m = _find(audit, lambda e: e.kind == "Endpoints" and e.name == svc and e.verb in ("create", "update"),
                      start=ready_i)  # fmt: skip
            lines = [audit_line(audit[x]) for x in sorted({j, m if m is not None else j})]
            svc_id = object_id("Service", svc, ns)
            add(("audit", max(j, m or j)), time=audit[j].time, component=audit[j].user,
                lane="kube-controller-manager", title=f"the pod becomes an endpoint of Service {svc}",
                short="add\nendpoint",
                action=f"The endpointslice controller watches Services and Pods. {pod_name} is Ready and matches "
                       f"the selector of {svc}, so it adds the pod's IP to the Service's EndpointSlice (the "
                       "endpoint controller does the same for the older Endpoints object).",
                object=svc_id, source="audit", evidence=tuple(lines),
                highlight=("kube-controller-manager", svc_id, pod_id))  # fmt: skip

    # 11: every kube-proxy rewrites its rules
    if endpoints_i is not None:
        t0 = _trace_position(record, endpoints_i)
        syncs: dict[str, int] = {}
        for j in range(t0, len(trace)):
            label = trace[j].label
            if label.startswith("kube-proxy/") and label.endswith(" sync"):
                syncs.setdefault(label.split("/", 1)[1].removesuffix(" sync"), j)
        if syncs:
            last_j = max(syncs.values())
            ip = (pod.get("status") or {}).get("podIP", "")
            lines = [f"trace t={_t(trace[j].time)} s: {trace[j].label}" for j in sorted(syncs.values())]
            for n in syncs:
                rule = next((line for line in record.rules.get(n, "").splitlines() if f"-> {ip}:" in line), "")
                if rule:
                    lines.append(f"rules on {n}: {rule}")
                    break
            svc_id = object_id("Service", services[0], ns)
            add(("trace", last_j), time=trace[last_j].time, component="kube-proxy (every node)", lane="kube-proxy",
                title="every kube-proxy rewrites its rules", short="sync\nrules",
                action=f"kube-proxy on every node watches Services and EndpointSlices. Each one rewrites its "
                       f"packet rules so that traffic to the ClusterIP of {services[0]} can reach {ip}. The pod "
                       "now serves requests from anywhere in the cluster.",
                object=svc_id, source="trace", evidence=tuple(lines),
                highlight=(*(f"kube-proxy/{n}" for n in syncs), svc_id, pod_id))  # fmt: skip

    steps = []
    for n, d in enumerate(drafts, start=1):
        at = d.pop("at")
        steps.append(Step(number=n, graph=_snapshot_for(record, at), **d))
    return steps


def journey_steps(
    cluster: Cluster, manifest: Any, *, namespace: str | None = None, timeout: float = 120.0
) -> list[Step]:
    """Apply ``manifest``, follow the first pod, and return the journey as :class:`Step` s.

    Examples
    --------
    >>> import k8slearn as kl
    >>> steps = journey_steps(
    ...     kl.Cluster.demo(nodes=2),
    ...     {
    ...         "apiVersion": "v1",
    ...         "kind": "Pod",
    ...         "metadata": {"name": "solo"},
    ...         "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]},
    ...     },
    ... )
    >>> [s.lane for s in steps][:3]
    ['kube-apiserver', 'etcd', 'kube-scheduler']
    """
    return steps_from_record(record_journey(cluster, manifest, namespace=namespace, timeout=timeout))


def steps_text(steps: list[Step], evidence: bool = True) -> str:
    """The steps as numbered lines (time, who, what), each followed by its evidence.

    Examples
    --------
    >>> s = Step(
    ...     1,
    ...     5.0,
    ...     "kube-apiserver",
    ...     "kube-apiserver",
    ...     "it accepts",
    ...     "accept",
    ...     "...",
    ...     "Pod/default/a",
    ...     "audit",
    ...     ("audit t=5 s: ...",),
    ...     (),
    ... )
    >>> print(steps_text([s]))
     1  t=5 s  kube-apiserver: it accepts
            audit t=5 s: ...
    """
    lines = []
    width = max((len(_t(s.time)) for s in steps), default=1)
    for s in steps:
        lines.append(f"{s.number:>2}  t={_t(s.time):<{width}} s  {s.component}: {s.title}")
        if evidence:
            lines.extend(f"        {e}" for e in s.evidence)
    return "\n".join(lines)


# -- helpers -------------------------------------------------------------------------------------
def _t(time: float) -> str:
    """Virtual seconds with at most two decimals: 5, 7.91."""
    text = f"{time:.2f}".rstrip("0").rstrip(".")
    return text or "0"


def _plural(kind: str) -> str:
    from ..api import resources

    try:
        return resources.by_kind(kind).plural
    except KeyError:
        return kind.lower() + "s"


def _and(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _find(audit: list[AuditEntry], pred: Any, start: int = 0) -> int | None:
    for i in range(start, len(audit)):
        if pred(audit[i]):
            return i
    return None


def _find_event(events: list[EventRow], reason: str, obj: str) -> int | None:
    for k, row in enumerate(events):
        if row.reason == reason and row.object == obj:
            return k
    return None


def _first_event(events: list[EventRow], reason: str, obj: str, contains: str = "") -> EventRow | None:
    for row in events:
        if row.reason == reason and row.object == obj and contains in row.message:
            return row
    return None


def _evidence(line: str, event: EventRow | None) -> tuple[str, ...]:
    return (line, event_line(event)) if event is not None else (line,)


def _owner_of_rs(record: JourneyRecord, rs_name: str) -> str:
    for o in record.applied:
        if o["kind"] == "Deployment" and rs_name.startswith(o["metadata"]["name"] + "-"):
            return o["metadata"]["name"]
    return rs_name.rsplit("-", 1)[0]


def _snapshot_index(record: JourneyRecord, at: tuple[str, int]) -> int | None:
    """Index of the first snapshot taken after audit entry / event / trace entry ``at``."""
    kind, index = at
    for n, shot in enumerate(record.snapshots):
        count = {"audit": shot.audit, "event": shot.events, "trace": shot.trace}[kind]
        if count > index:
            return n
    return None


def _snapshot_for(record: JourneyRecord, at: tuple[str, int]) -> Any:
    n = _snapshot_index(record, at)
    if n is None:
        return record.snapshots[-1].graph if record.snapshots else None
    return record.snapshots[n].graph


def _trace_position(record: JourneyRecord, audit_index: int) -> int:
    """Trace length just after the clock event that wrote audit entry ``audit_index``."""
    n = _snapshot_index(record, ("audit", audit_index))
    return record.snapshots[n].trace if n is not None else 0


def _ready_update(record: JourneyRecord, pod_name: str, kubelet: str, after: int | None) -> int | None:
    """The kubelet's status write after which the pod is Ready (from the graph snapshots)."""
    if after is None:
        return None
    ns = ((record.pod or {}).get("metadata") or {}).get("namespace") or "default"
    pod_id = f"Pod/{ns}/{pod_name}"
    candidates = [i for i in range(after + 1, len(record.audit))
                  if record.audit[i].kind == "Pod" and record.audit[i].name == pod_name
                  and record.audit[i].user == kubelet]  # fmt: skip
    for i in candidates:
        graph = _snapshot_for(record, ("audit", i))
        if graph is not None and pod_id in graph and graph.nodes[pod_id].get("ready"):
            return i
    return candidates[-1] if candidates and record.pod is not None and pod_is_ready(record.pod) else None


# -- pictures ------------------------------------------------------------------------------------
def draw_journey(steps: list[Step], ax: Any = None, *, title: str | None = None) -> Any:
    """The journey as swim lanes: one row per component, one column per step, time underneath.

    A diamond on the kube-apiserver row marks every step that is a write through the
    API (its evidence is an audit entry): the components never talk to each other.
    """
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    from ..viz.style import COLORS, apply_style

    apply_style()
    if ax is None:
        _, ax = plt.subplots(figsize=(max(9.0, 1.0 * len(steps) + 3.5), 6.0))
    rows = {lane: len(LANES) - 1 - i for i, (lane, _, _) in enumerate(LANES)}
    for lane, label, colour in LANES:
        y = rows[lane]
        ax.axhspan(y - 0.46, y + 0.46, color=COLORS[colour], alpha=0.07, lw=0)
        ax.text(0.35, y, label, ha="right", va="center", fontsize=9.5, color=COLORS[colour], fontweight="bold")
    xs = [s.number for s in steps]
    ys = [rows.get(s.lane, 0) for s in steps]
    ax.plot(xs, ys, color=COLORS["edge"], lw=1.0, alpha=0.6, zorder=1)
    api_y = rows["kube-apiserver"]
    for s, x, y in zip(steps, xs, ys):
        colour = (
            COLORS["agent"] if s.lane in ("kubelet", "container-runtime", "kube-proxy") else COLORS["control-plane"]
        )
        if s.source == "audit" and s.lane != "kube-apiserver":
            ax.plot([x, x], [y, api_y], color=COLORS["control-plane"], lw=0.8, ls=(0, (2, 2)), alpha=0.7, zorder=1)
            ax.scatter([x], [api_y], marker="D", s=30, color=COLORS["control-plane"], zorder=3)
        ax.scatter([x], [y], s=260, color=colour, edgecolor="white", lw=1.5, zorder=4)
        ax.text(x, y, str(s.number), ha="center", va="center", fontsize=8, color="white", fontweight="bold", zorder=5)
        ax.text(x, y - 0.2, s.short, ha="center", va="top", fontsize=7, color=COLORS["text"], linespacing=1.0,
                bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.85}, zorder=5)  # fmt: skip
    ax.set_xticks(xs)
    ax.set_xticklabels([f"t={_t(s.time)}" for s in steps], fontsize=8)
    ax.set_yticks([])
    ax.set_xlim(-2.3, max(xs, default=1) + 0.7)
    ax.set_ylim(-0.55, len(LANES) - 0.45)
    ax.spines["left"].set_visible(False)
    ax.set_xlabel("step (virtual seconds since the cluster started)")
    if steps:
        span = steps[-1].time - steps[0].time
        default = f"A pod's journey: {len(steps)} steps, {_t(span)} virtual seconds from kubectl apply to kube-proxy"
    else:
        default = "A pod's journey"
    ax.set_title(title or default, loc="left")
    ax.legend(handles=[Line2D([], [], ls="none", marker="D", color=COLORS["control-plane"],
                              label="the step is a write through kube-apiserver (audit log)")],
              loc="upper left", bbox_to_anchor=(0.0, -0.1), frameon=False, fontsize=8.5)  # fmt: skip
    return ax


# -- the widget --------------------------------------------------------------------------------
class JourneyWidget:
    """Back/Next through the steps: the cluster drawing with the acting component highlighted, and a caption.

    The logic (:meth:`go`, :meth:`next`, :meth:`back`, :meth:`caption`, :meth:`picture`)
    works without ipywidgets; :meth:`widget` only wires it to buttons, an Image and
    an HTML caption. Pictures are drawn on first view and cached.

    Examples
    --------
    >>> s = Step(1, 5.0, "etcd", "etcd", "etcd stores it", "store", "...", "Pod/default/a", "etcd", ("etcd: ...",), ())
    >>> j = JourneyWidget([s, s])
    >>> j.next(), j.index, j.next(), j.index
    (1, 1, 1, 1)
    """

    def __init__(self, steps: list[Step], *, show_workloads: bool = True, dpi: int = 72) -> None:
        if not steps:
            raise ValueError("no steps: record a journey first (journey_steps(cluster, manifest))")
        self.steps = steps
        self.index = 0
        self.show_workloads = show_workloads
        self.dpi = dpi
        self._png: dict[int, bytes] = {}
        self._view: dict[str, Any] | None = None

    # logic
    def go(self, index: int) -> int:
        """Show step ``index`` (0-based, clamped); returns the index shown."""
        self.index = max(0, min(len(self.steps) - 1, int(index)))
        self._refresh()
        return self.index

    def next(self) -> int:
        return self.go(self.index + 1)

    def back(self) -> int:
        return self.go(self.index - 1)

    def caption(self, index: int | None = None) -> str:
        """Plain text of a step: position, time, who, what, and the evidence lines."""
        s = self.steps[self.index if index is None else index]
        head = f"Step {s.number} of {len(self.steps)} · t = {_t(s.time)} s · {s.component}"
        return "\n".join([head, s.title, s.action, *s.evidence])

    def figure(self, index: int | None = None) -> Any:
        """The cluster drawing of a step (a matplotlib Figure, closed so it is not shown twice)."""
        import matplotlib.pyplot as plt

        from ..viz.graph import draw_cluster

        s = self.steps[self.index if index is None else index]
        if s.graph is None:
            raise ValueError(f"step {s.number} has no graph snapshot (record with snapshots=True)")
        ax = draw_cluster(s.graph, highlight=[h for h in s.highlight if h in s.graph], show_workloads=self.show_workloads,
                          title=f"Step {s.number}: {s.title} (t = {_t(s.time)} s)")  # fmt: skip
        fig = ax.figure
        plt.close(fig)
        return fig

    def picture(self, index: int | None = None) -> bytes:
        """PNG bytes of :meth:`figure` (cached per step)."""
        import io

        i = self.index if index is None else index
        if i not in self._png:
            buf = io.BytesIO()
            self.figure(i).savefig(buf, format="png", dpi=self.dpi, bbox_inches="tight")
            self._png[i] = buf.getvalue()
        return self._png[i]

    # view
    def _caption_html(self) -> str:
        s = self.steps[self.index]
        evidence = "<br>".join(html.escape(e) for e in s.evidence)
        return (f"<div style='max-width:900px'><b>Step {s.number} of {len(self.steps)} · t = {_t(s.time)} s · "
                f"{html.escape(s.component)}</b><br><b>{html.escape(s.title)}.</b> {html.escape(s.action)}"
                f"<div style='font-family:monospace;font-size:90%;color:#374151;margin-top:4px'>{evidence}</div>"
                "</div>")  # fmt: skip

    def _refresh(self) -> None:
        view = self._view
        if view is None:
            return
        view["image"].value = self.picture()
        view["caption"].value = self._caption_html()
        view[
            "position"
        ].value = f"<b>Step {self.index + 1} of {len(self.steps)}</b> · t = {_t(self.steps[self.index].time)} s"
        view["back"].disabled = self.index == 0
        view["next"].disabled = self.index == len(self.steps) - 1

    def widget(self) -> Any:
        """Back and Next buttons, the step position, the drawing and the caption."""
        import ipywidgets as w

        back = w.Button(description="Back", icon="arrow-left", layout=w.Layout(width="110px"))
        nxt = w.Button(description="Next", icon="arrow-right", button_style="info", layout=w.Layout(width="110px"))
        position = w.HTML()
        image = w.Image(format="png", layout=w.Layout(max_width="100%"))
        caption = w.HTML()
        back.on_click(lambda _: self.back())
        nxt.on_click(lambda _: self.next())
        self._view = {"back": back, "next": nxt, "position": position, "image": image, "caption": caption}
        self._refresh()
        return w.VBox([w.HBox([back, nxt, position]), caption, image])

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget())
