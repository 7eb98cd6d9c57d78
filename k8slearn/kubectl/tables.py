"""The ``kubectl get`` columns of every kind: object -> table row.

Each :class:`TableSpec` lists the column names (``Priority 0`` columns, then the
``-o wide`` ones) and a row function ``row(obj, now, wide) -> list[str]``. Rows are
plain cells; :mod:`k8slearn.kubectl.get` adds the NAMESPACE column, the kind prefix,
label columns, and aligns everything with the tabwriter.

Notes
-----
Mirrors k/k ``pkg/printers/internalversion/printers.go`` (``AddHandlers`` column
definitions; ``printPod``, ``printNode``, ``printDeployment``, ``printService``,
``formatEndpoints``, ``formatHPAMetrics`` ...), which the API server uses to answer
kubectl's Table requests. Row functions read the shared objects without copying.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..api.labels import format_labels
from ..api.quantity import parse_quantity
from ..clock import parse_timestamp
from .printers import format_label_selector, human_duration, label_selector_string, translate_timestamp_since

__all__ = [
    "TableSpec",
    "TABLES",
    "table_for",
    "pod_status",
    "pod_row",
    "node_status",
    "node_roles",
    "service_external_ip",
    "service_ports",
    "format_endpoints",
    "access_modes",
    "quantity_string",
    "hpa_targets",
]

Row = Callable[[Mapping, float, bool], list]


@dataclass(frozen=True)
class TableSpec:
    """Columns of one kind: always shown, added by ``-o wide``, and the row function.

    ``wide_order`` is the full ``-o wide`` header when the wide columns are not simply
    appended (events); ``name_column`` is where the ``Format: name`` column sits in
    the shown row (it gets the ``kind/`` prefix), None when it is not shown.
    """

    columns: tuple[str, ...]
    wide: tuple[str, ...]
    row: Row
    name_column: int | None = 0
    wide_order: tuple[str, ...] | None = None
    wide_name_column: int | None = 0

    def headers(self, wide: bool) -> tuple[str, ...]:
        if not wide:
            return self.columns
        return self.wide_order or self.columns + self.wide

    def name_index(self, wide: bool) -> int | None:
        return self.wide_name_column if wide else self.name_column


def _age(obj: Mapping, now: float) -> str:
    return translate_timestamp_since(obj["metadata"].get("creationTimestamp"), now)


def quantity_string(value: Any) -> str:
    """A quantity in canonical form (``Quantity.String()``), or the raw text if it does not parse."""
    if value is None:
        return "0"
    try:
        return str(parse_quantity(value))
    except (ValueError, TypeError):
        return str(value)


def _containers_cells(pod_spec: Mapping) -> tuple[str, str]:
    containers = pod_spec.get("containers") or ()
    return ",".join(c.get("name", "") for c in containers), ",".join(c.get("image", "") for c in containers)


# -- pods --------------------------------------------------------------------------------


def _has_condition(status: Mapping, type_: str) -> bool:
    for c in status.get("conditions") or ():
        if c.get("type") == type_:
            return c.get("status") == "True"
    return False


def _later(current: float | None, ts: str | None) -> float | None:
    if not ts:
        return current
    t = parse_timestamp(ts)
    return t if current is None or t > current else current


def pod_status(pod: Mapping) -> tuple[str, int, int, int, float | None]:
    """STATUS, ready containers, total containers, restarts and the time of the last restart.

    Notes
    -----
    Mirrors ``printPod``: start from ``status.phase`` (or ``status.reason``); an init
    container still running or failed gives ``Init:<i>/<n>``, ``Init:<reason>``,
    ``Init:ExitCode:<n>`` or ``Init:Signal:<n>``; then the app containers are scanned
    from last to first and a waiting or terminated reason wins (``CrashLoopBackOff``,
    ``Completed``, ``Error``, ``OOMKilled``, ``ExitCode:<n>``, ``Signal:<n>``);
    ``Completed`` with a container still running turns back into ``Running`` (or
    ``NotReady`` without the Ready condition); a pending deletion shows
    ``Terminating`` (``Unknown`` when the node was lost).
    """
    spec = pod.get("spec") or {}
    status = pod.get("status") or {}
    init_specs = spec.get("initContainers") or ()
    total = len(spec.get("containers") or ())
    ready = 0
    restarts = 0
    last_restart: float | None = None
    phase = status.get("phase") or ""
    reason = status.get("reason") or phase
    conditions = status.get("conditions") or ()
    if phase == "Pending":
        for cond in conditions:
            if cond.get("type") == "PodScheduled" and cond.get("reason") == "SchedulingGated":
                reason = "SchedulingGated"
    restartable: set = set()
    if init_specs:
        for c in init_specs:
            if c.get("restartPolicy") == "Always":
                restartable.add(c.get("name"))
        total += len(restartable)

    initializing = False
    sidecar_restarts = 0
    last_sidecar_restart: float | None = None
    for i, cs in enumerate(status.get("initContainerStatuses") or ()):
        count = cs.get("restartCount") or 0
        restarts += count
        last_term = (cs.get("lastState") or {}).get("terminated")
        if last_term:
            last_restart = _later(last_restart, last_term.get("finishedAt"))
        is_sidecar = cs.get("name") in restartable
        if is_sidecar:
            sidecar_restarts += count
            if last_term:
                last_sidecar_restart = _later(last_sidecar_restart, last_term.get("finishedAt"))
        state = cs.get("state") or {}
        term = state.get("terminated")
        waiting = state.get("waiting")
        if term and (term.get("exitCode") or 0) == 0:
            continue
        if is_sidecar and cs.get("started"):
            if cs.get("ready"):
                ready += 1
            continue
        if term:
            if not term.get("reason"):
                if term.get("signal"):
                    reason = f"Init:Signal:{term['signal']}"
                else:
                    reason = f"Init:ExitCode:{term.get('exitCode') or 0}"
            else:
                reason = "Init:" + term["reason"]
        elif waiting and waiting.get("reason") and waiting["reason"] != "PodInitializing":
            reason = "Init:" + waiting["reason"]
        else:
            reason = f"Init:{i}/{len(init_specs)}"
        initializing = True
        break

    if not initializing or _has_condition(status, "Initialized"):
        restarts = sidecar_restarts
        last_restart = last_sidecar_restart
        has_running = False
        statuses = status.get("containerStatuses") or ()
        for cs in reversed(statuses):
            restarts += cs.get("restartCount") or 0
            last_term = (cs.get("lastState") or {}).get("terminated")
            if last_term:
                last_restart = _later(last_restart, last_term.get("finishedAt"))
            state = cs.get("state") or {}
            waiting = state.get("waiting")
            term = state.get("terminated")
            if waiting and waiting.get("reason"):
                reason = waiting["reason"]
            elif term and term.get("reason"):
                reason = term["reason"]
            elif term:
                if term.get("signal"):
                    reason = f"Signal:{term['signal']}"
                else:
                    reason = f"ExitCode:{term.get('exitCode') or 0}"
            elif cs.get("ready") and state.get("running") is not None:
                has_running = True
                ready += 1
        if reason == "Completed" and has_running:
            reason = "Running" if _has_condition(status, "Ready") else "NotReady"

    if pod["metadata"].get("deletionTimestamp"):
        if status.get("reason") == "NodeLost":
            reason = "Unknown"
        elif phase not in ("Succeeded", "Failed"):
            reason = "Terminating"
    return reason, ready, total, restarts, last_restart


def pod_row(pod: Mapping, now: float, wide: bool) -> list:
    reason, ready, total, restarts, last_restart = pod_status(pod)
    restart_text = str(restarts)
    if restarts and last_restart is not None:
        restart_text = f"{restarts} ({human_duration(now - last_restart)} ago)"
    row = [pod["metadata"]["name"], f"{ready}/{total}", reason, restart_text, _age(pod, now)]
    if wide:
        spec = pod.get("spec") or {}
        status = pod.get("status") or {}
        ips = status.get("podIPs")
        ip = (ips[0].get("ip") if ips else status.get("podIP")) or "<none>"
        gates = spec.get("readinessGates")
        gate_text = "<none>"
        if gates:
            conds = {c.get("type"): c.get("status") for c in status.get("conditions") or ()}
            true_count = sum(1 for g in gates if conds.get(g.get("conditionType")) == "True")
            gate_text = f"{true_count}/{len(gates)}"
        row += [ip, spec.get("nodeName") or "<none>", status.get("nominatedNodeName") or "<none>", gate_text]
    return row


# -- nodes -------------------------------------------------------------------------------


def node_status(node: Mapping) -> str:
    """``Ready``, ``NotReady`` or ``Unknown`` (no Ready condition), plus ``,SchedulingDisabled``."""
    status = "Unknown"
    for c in (node.get("status") or {}).get("conditions") or ():
        if c.get("type") == "Ready":
            status = "Ready" if c.get("status") == "True" else "NotReady"
    if (node.get("spec") or {}).get("unschedulable"):
        status += ",SchedulingDisabled"
    return status


def node_roles(node: Mapping) -> list[str]:
    """Roles from ``node-role.kubernetes.io/<role>`` labels and ``kubernetes.io/role`` (``findNodeRoles``)."""
    roles = set()
    for k, v in (node["metadata"].get("labels") or {}).items():
        if k.startswith("node-role.kubernetes.io/"):
            role = k[len("node-role.kubernetes.io/") :]
            if role:
                roles.add(role)
        elif k == "kubernetes.io/role" and v:
            roles.add(v)
    return sorted(roles)


def _node_address(node: Mapping, type_: str) -> str:
    for a in (node.get("status") or {}).get("addresses") or ():
        if a.get("type") == type_:
            return a.get("address", "")
    return "<none>"


def _node_row(node: Mapping, now: float, wide: bool) -> list:
    info = (node.get("status") or {}).get("nodeInfo") or {}
    row = [
        node["metadata"]["name"],
        node_status(node),
        ",".join(node_roles(node)) or "<none>",
        _age(node, now),
        info.get("kubeletVersion", ""),
    ]
    if wide:
        row += [
            _node_address(node, "InternalIP"),
            _node_address(node, "ExternalIP"),
            info.get("osImage") or "<unknown>",
            info.get("kernelVersion") or "<unknown>",
            info.get("containerRuntimeVersion") or "<unknown>",
        ]
    return row


# -- workloads ---------------------------------------------------------------------------


def _template_spec(obj: Mapping) -> Mapping:
    return (((obj.get("spec") or {}).get("template") or {}).get("spec")) or {}


def _deployment_row(d: Mapping, now: float, wide: bool) -> list:
    spec = d.get("spec") or {}
    status = d.get("status") or {}
    desired = spec.get("replicas", 1)
    row = [
        d["metadata"]["name"],
        f"{status.get('readyReplicas') or 0}/{desired}",
        str(status.get("updatedReplicas") or 0),
        str(status.get("availableReplicas") or 0),
        _age(d, now),
    ]
    if wide:
        row += [*_containers_cells(_template_spec(d)), label_selector_string(spec.get("selector"))]
    return row


def _replicaset_row(rs: Mapping, now: float, wide: bool) -> list:
    spec = rs.get("spec") or {}
    status = rs.get("status") or {}
    row = [
        rs["metadata"]["name"],
        str(spec.get("replicas", 1)),
        str(status.get("replicas") or 0),
        str(status.get("readyReplicas") or 0),
        _age(rs, now),
    ]
    if wide:
        row += [*_containers_cells(_template_spec(rs)), format_label_selector(spec.get("selector"))]
    return row


def _daemonset_row(ds: Mapping, now: float, wide: bool) -> list:
    status = ds.get("status") or {}
    row = [
        ds["metadata"]["name"],
        str(status.get("desiredNumberScheduled") or 0),
        str(status.get("currentNumberScheduled") or 0),
        str(status.get("numberReady") or 0),
        str(status.get("updatedNumberScheduled") or 0),
        str(status.get("numberAvailable") or 0),
        format_labels(_template_spec(ds).get("nodeSelector")),
        _age(ds, now),
    ]
    if wide:
        row += [*_containers_cells(_template_spec(ds)), format_label_selector((ds.get("spec") or {}).get("selector"))]
    return row


def _job_condition(status: Mapping, type_: str) -> bool:
    for c in status.get("conditions") or ():
        if c.get("type") == type_:
            return c.get("status") == "True"
    return False


def _job_row(job: Mapping, now: float, wide: bool) -> list:
    spec = job.get("spec") or {}
    status = job.get("status") or {}
    succeeded = status.get("succeeded") or 0
    if spec.get("completions") is not None:
        completions = f"{succeeded}/{spec['completions']}"
    else:
        parallelism = spec.get("parallelism") or 0
        completions = f"{succeeded}/1 of {parallelism}" if parallelism > 1 else f"{succeeded}/1"
    duration = ""
    if status.get("startTime"):
        start = parse_timestamp(status["startTime"])
        end = parse_timestamp(status["completionTime"]) if status.get("completionTime") else now
        duration = human_duration(end - start)
    if _job_condition(status, "Complete"):
        state = "Complete"
    elif _job_condition(status, "Failed"):
        state = "Failed"
    elif job["metadata"].get("deletionTimestamp"):
        state = "Terminating"
    elif _job_condition(status, "Suspended"):
        state = "Suspended"
    elif _job_condition(status, "FailureTarget"):
        state = "FailureTarget"
    else:
        state = "Running"
    row = [job["metadata"]["name"], state, completions, duration, _age(job, now)]
    if wide:
        row += [*_containers_cells(_template_spec(job)), format_label_selector(spec.get("selector"))]
    return row


def _hpa_current(statuses: list, i: int, key: str) -> Mapping | None:
    if len(statuses) > i:
        return (statuses[i] or {}).get(key)
    return None


def hpa_targets(hpa: Mapping) -> str:
    """The TARGETS cell: ``cpu: 12%/50%``, ``cpu: <unknown>/50%``, ``<none>`` (``formatHPAMetrics``)."""
    spec = hpa.get("spec") or {}
    specs = spec.get("metrics") or []
    if not specs:
        return "<none>"
    statuses = (hpa.get("status") or {}).get("currentMetrics") or []
    items = []
    for i, m in enumerate(specs):
        kind = m.get("type")
        if kind in ("Resource", "ContainerResource"):
            key = "resource" if kind == "Resource" else "containerResource"
            src = m.get(key) or {}
            target = src.get("target") or {}
            cur = _hpa_current(statuses, i, key)
            current_block = (cur or {}).get("current") or {}
            if target.get("averageValue") is not None:
                current = "<unknown>"
                if cur is not None:
                    current = quantity_string(current_block.get("averageValue"))
                items.append(f"{src.get('name')}: {current}/{quantity_string(target['averageValue'])}")
            else:
                current = "<unknown>"
                if cur is not None and current_block.get("averageUtilization") is not None:
                    current = f"{current_block['averageUtilization']}%"
                goal = "<auto>"
                if target.get("averageUtilization") is not None:
                    goal = f"{target['averageUtilization']}%"
                items.append(f"{src.get('name')}: {current}/{goal}")
        elif kind == "Pods":
            cur = _hpa_current(statuses, i, "pods")
            current = quantity_string(((cur or {}).get("current") or {}).get("averageValue")) if cur else "<unknown>"
            target = ((m.get("pods") or {}).get("target") or {}).get("averageValue")
            items.append(f"{current}/{quantity_string(target)}")
        elif kind in ("Object", "External"):
            key = "object" if kind == "Object" else "external"
            target = ((m.get(key) or {}).get("target")) or {}
            cur = _hpa_current(statuses, i, key)
            current_block = (cur or {}).get("current") or {}
            if target.get("averageValue") is not None:
                current = "<unknown>"
                if cur is not None and current_block.get("averageValue") is not None:
                    current = quantity_string(current_block["averageValue"])
                items.append(f"{current}/{quantity_string(target['averageValue'])} (avg)")
            else:
                current = quantity_string(current_block.get("value")) if cur is not None else "<unknown>"
                items.append(f"{current}/{quantity_string(target.get('value'))}")
        else:
            items.append("<unknown type>")
    if len(items) > 2:
        return ", ".join(items[:2]) + f" + {len(items) - 2} more..."
    return ", ".join(items)


def _hpa_row(hpa: Mapping, now: float, wide: bool) -> list:
    spec = hpa.get("spec") or {}
    ref = spec.get("scaleTargetRef") or {}
    min_pods = spec.get("minReplicas")
    return [
        hpa["metadata"]["name"],
        f"{ref.get('kind', '')}/{ref.get('name', '')}",
        hpa_targets(hpa),
        "<unset>" if min_pods is None else str(min_pods),
        str(spec.get("maxReplicas") or 0),
        str((hpa.get("status") or {}).get("currentReplicas") or 0),
        _age(hpa, now),
    ]


# -- services and endpoints ----------------------------------------------------------------


def service_external_ip(svc: Mapping, wide: bool = False) -> str:
    """EXTERNAL-IP: external IPs, the load balancer's ingress, ``<pending>``, ``<none>`` (``getServiceExternalIP``)."""
    spec = svc.get("spec") or {}
    type_ = spec.get("type") or "ClusterIP"
    external = spec.get("externalIPs") or []
    if type_ in ("ClusterIP", "NodePort"):
        return ",".join(external) if external else "<none>"
    if type_ == "LoadBalancer":
        ingress = (((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress")) or []
        found = sorted({i.get("ip") or i.get("hostname") for i in ingress if i.get("ip") or i.get("hostname")})
        lb = ",".join(found)
        if not wide and len(lb) > 16:
            lb = lb[:13] + "..."
        if external:
            return ",".join(([*lb.split(",")] if lb else []) + external)
        return lb or "<pending>"
    if type_ == "ExternalName":
        return spec.get("externalName", "")
    return "<unknown>"


def service_ports(svc: Mapping) -> str:
    """PORT(S): ``80/TCP``, ``80:30080/TCP`` (``makePortString``), ``<none>`` without ports."""
    pieces = []
    for p in (svc.get("spec") or {}).get("ports") or ():
        proto = p.get("protocol") or "TCP"
        if p.get("nodePort"):
            pieces.append(f"{p.get('port')}:{p['nodePort']}/{proto}")
        else:
            pieces.append(f"{p.get('port')}/{proto}")
    return ",".join(pieces) or "<none>"


def _service_row(svc: Mapping, now: float, wide: bool) -> list:
    spec = svc.get("spec") or {}
    ips = spec.get("clusterIPs") or ([spec["clusterIP"]] if spec.get("clusterIP") else [])
    row = [
        svc["metadata"]["name"],
        spec.get("type") or "ClusterIP",
        ips[0] if ips else "<none>",
        service_external_ip(svc, wide),
        service_ports(svc),
        _age(svc, now),
    ]
    if wide:
        row.append(format_labels(spec.get("selector")))
    return row


def _join_host_port(host: str, port: Any) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def format_endpoints(ep: Mapping) -> str:
    """ENDPOINTS: up to three ``ip:port`` then `` + N more...``; ``<none>`` without subsets."""
    subsets = ep.get("subsets") or []
    if not subsets:
        return "<none>"
    items: list[str] = []
    more = False
    count = 0
    for ss in subsets:
        addresses = ss.get("addresses") or []
        ports = ss.get("ports") or []
        if not ports:
            count += len(addresses)
            for a in addresses:
                if len(items) == 3:
                    more = True
                    break
                items.append(a.get("ip", ""))
            continue
        for port in ports:
            count += len(addresses)
            for a in addresses:
                if len(items) == 3:
                    more = True
                    break
                items.append(_join_host_port(a.get("ip", ""), port.get("port")))
    text = ",".join(items)
    return f"{text} + {count - 3} more..." if more else text


def _endpoints_row(ep: Mapping, now: float, wide: bool) -> list:
    return [ep["metadata"]["name"], format_endpoints(ep), _age(ep, now)]


def _list_with_more(items: list[str], more: bool, count: int) -> str:
    text = ",".join(items)
    if more:
        return f"{text} + {count - 3} more..."
    return text or "<unset>"


def _endpointslice_row(eps: Mapping, now: float, wide: bool) -> list:
    ports: list[str] = []
    more = False
    count = 0
    for p in eps.get("ports") or ():
        if len(ports) < 3:
            if p.get("port") is not None:
                ports.append(str(p["port"]))
            elif p.get("name") is not None:
                ports.append(p["name"])
            else:
                ports.append("*")
        elif len(ports) == 3:
            more = True
        count += 1
    port_text = _list_with_more(ports, more, count)
    addrs: list[str] = []
    more = False
    count = 0
    for e in eps.get("endpoints") or ():
        for a in e.get("addresses") or ():
            if len(addrs) < 3:
                addrs.append(a)
            elif len(addrs) == 3:
                more = True
            count += 1
    return [
        eps["metadata"]["name"],
        eps.get("addressType", ""),
        port_text,
        _list_with_more(addrs, more, count),
        _age(eps, now),
    ]


# -- config, storage, scheduling, events -------------------------------------------------


def _configmap_row(cm: Mapping, now: float, wide: bool) -> list:
    return [cm["metadata"]["name"], str(len(cm.get("data") or {}) + len(cm.get("binaryData") or {})), _age(cm, now)]


def _secret_row(s: Mapping, now: float, wide: bool) -> list:
    return [s["metadata"]["name"], s.get("type") or "Opaque", str(len(s.get("data") or {})), _age(s, now)]


def _serviceaccount_row(sa: Mapping, now: float, wide: bool) -> list:
    return [sa["metadata"]["name"], str(len(sa.get("secrets") or [])), _age(sa, now)]


def _namespace_row(ns: Mapping, now: float, wide: bool) -> list:
    return [ns["metadata"]["name"], (ns.get("status") or {}).get("phase", ""), _age(ns, now)]


def _lease_row(lease: Mapping, now: float, wide: bool) -> list:
    return [lease["metadata"]["name"], (lease.get("spec") or {}).get("holderIdentity") or "", _age(lease, now)]


def access_modes(modes: list | None) -> str:
    """``RWO,ROX,RWX,RWOP`` in that fixed order (``GetAccessModesAsString``)."""
    have = set(modes or ())
    out = []
    for mode, short in (
        ("ReadWriteOnce", "RWO"),
        ("ReadOnlyMany", "ROX"),
        ("ReadWriteMany", "RWX"),
        ("ReadWriteOncePod", "RWOP"),
    ):
        if mode in have:
            out.append(short)
    return ",".join(out)


def _pv_row(pv: Mapping, now: float, wide: bool) -> list:
    spec = pv.get("spec") or {}
    status = pv.get("status") or {}
    claim = spec.get("claimRef")
    claim_text = f"{claim.get('namespace', '')}/{claim.get('name', '')}" if claim else ""
    phase = "Terminating" if pv["metadata"].get("deletionTimestamp") else status.get("phase", "")
    annotations = pv["metadata"].get("annotations") or {}
    storage_class = annotations.get("volume.beta.kubernetes.io/storage-class") or spec.get("storageClassName") or ""
    row = [
        pv["metadata"]["name"],
        quantity_string((spec.get("capacity") or {}).get("storage")),
        access_modes(spec.get("accessModes")),
        spec.get("persistentVolumeReclaimPolicy", ""),
        phase,
        claim_text,
        storage_class,
        spec.get("volumeAttributesClassName") or "<unset>",
        status.get("reason", ""),
        _age(pv, now),
    ]
    if wide:
        row.append(spec.get("volumeMode") or "<unset>")
    return row


def _pvc_row(pvc: Mapping, now: float, wide: bool) -> list:
    spec = pvc.get("spec") or {}
    status = pvc.get("status") or {}
    phase = "Terminating" if pvc["metadata"].get("deletionTimestamp") else status.get("phase", "")
    capacity = ""
    modes = ""
    if spec.get("volumeName"):
        modes = access_modes(status.get("accessModes"))
        capacity = quantity_string((status.get("capacity") or {}).get("storage"))
    annotations = pvc["metadata"].get("annotations") or {}
    storage_class = annotations.get("volume.beta.kubernetes.io/storage-class") or spec.get("storageClassName") or ""
    row = [
        pvc["metadata"]["name"],
        phase,
        spec.get("volumeName", ""),
        capacity,
        modes,
        storage_class,
        spec.get("volumeAttributesClassName") or "<unset>",
        _age(pvc, now),
    ]
    if wide:
        row.append(spec.get("volumeMode") or "<unset>")
    return row


def _is_default_class(obj: Mapping) -> bool:
    a = obj["metadata"].get("annotations") or {}
    return (
        a.get("storageclass.kubernetes.io/is-default-class") == "true"
        or a.get("storageclass.beta.kubernetes.io/is-default-class") == "true"
    )


def _storageclass_row(sc: Mapping, now: float, wide: bool) -> list:
    name = sc["metadata"]["name"] + (" (default)" if _is_default_class(sc) else "")
    return [
        name,
        sc.get("provisioner", ""),
        sc.get("reclaimPolicy") or "Delete",
        sc.get("volumeBindingMode") or "Immediate",
        "true" if sc.get("allowVolumeExpansion") else "false",
        _age(sc, now),
    ]


def _priorityclass_row(pc: Mapping, now: float, wide: bool) -> list:
    row = [
        pc["metadata"]["name"],
        str(pc.get("value", 0)),
        "true" if pc.get("globalDefault") else "false",
        _age(pc, now),
    ]
    if wide:
        row.append(pc.get("preemptionPolicy") or "")
    return row


def _event_row(ev: Mapping, now: float, wide: bool) -> list:
    first = translate_timestamp_since(ev.get("firstTimestamp"), now)
    if not ev.get("firstTimestamp"):
        first = translate_timestamp_since(ev.get("eventTime"), now)
    last = translate_timestamp_since(ev.get("lastTimestamp"), now) if ev.get("lastTimestamp") else first
    count = ev.get("count") or 0
    series = ev.get("series")
    if series:
        last = translate_timestamp_since(series.get("lastObservedTime"), now)
        count = series.get("count") or 0
    elif count == 0:
        count = 1
    involved = ev.get("involvedObject") or {}
    target = involved.get("kind", "").lower()
    if involved.get("name"):
        target += "/" + involved["name"]
    message = (ev.get("message") or "").strip()
    if not wide:
        return [last, ev.get("type", ""), ev.get("reason", ""), target, message]
    source = ev.get("source") or {}
    component = source.get("component") or ev.get("reportingComponent") or ""
    host = source.get("host") or ev.get("reportingInstance") or ""
    return [
        last,
        ev.get("type", ""),
        ev.get("reason", ""),
        target,
        involved.get("fieldPath", ""),
        f"{component}, {host}" if host else component,
        message,
        first,
        str(count),
        ev["metadata"]["name"],
    ]


def _default_row(obj: Mapping, now: float, wide: bool) -> list:
    return [obj["metadata"]["name"], _age(obj, now)]


TABLES: dict[str, TableSpec] = {
    "Pod": TableSpec(
        ("NAME", "READY", "STATUS", "RESTARTS", "AGE"), ("IP", "NODE", "NOMINATED NODE", "READINESS GATES"), pod_row
    ),
    "Node": TableSpec(
        ("NAME", "STATUS", "ROLES", "AGE", "VERSION"),
        ("INTERNAL-IP", "EXTERNAL-IP", "OS-IMAGE", "KERNEL-VERSION", "CONTAINER-RUNTIME"),
        _node_row,
    ),
    "Deployment": TableSpec(
        ("NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"), ("CONTAINERS", "IMAGES", "SELECTOR"), _deployment_row
    ),
    "ReplicaSet": TableSpec(
        ("NAME", "DESIRED", "CURRENT", "READY", "AGE"), ("CONTAINERS", "IMAGES", "SELECTOR"), _replicaset_row
    ),
    "DaemonSet": TableSpec(
        ("NAME", "DESIRED", "CURRENT", "READY", "UP-TO-DATE", "AVAILABLE", "NODE SELECTOR", "AGE"),
        ("CONTAINERS", "IMAGES", "SELECTOR"),
        _daemonset_row,
    ),
    "Job": TableSpec(
        ("NAME", "STATUS", "COMPLETIONS", "DURATION", "AGE"), ("CONTAINERS", "IMAGES", "SELECTOR"), _job_row
    ),
    "Service": TableSpec(("NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"), ("SELECTOR",), _service_row),
    "Endpoints": TableSpec(("NAME", "ENDPOINTS", "AGE"), (), _endpoints_row),
    "EndpointSlice": TableSpec(("NAME", "ADDRESSTYPE", "PORTS", "ENDPOINTS", "AGE"), (), _endpointslice_row),
    "ConfigMap": TableSpec(("NAME", "DATA", "AGE"), (), _configmap_row),
    "Secret": TableSpec(("NAME", "TYPE", "DATA", "AGE"), (), _secret_row),
    "ServiceAccount": TableSpec(("NAME", "SECRETS", "AGE"), (), _serviceaccount_row),
    "Namespace": TableSpec(("NAME", "STATUS", "AGE"), (), _namespace_row),
    "Lease": TableSpec(("NAME", "HOLDER", "AGE"), (), _lease_row),
    "PersistentVolume": TableSpec(
        (
            "NAME",
            "CAPACITY",
            "ACCESS MODES",
            "RECLAIM POLICY",
            "STATUS",
            "CLAIM",
            "STORAGECLASS",
            "VOLUMEATTRIBUTESCLASS",
            "REASON",
            "AGE",
        ),
        ("VOLUMEMODE",),
        _pv_row,
    ),
    "PersistentVolumeClaim": TableSpec(
        ("NAME", "STATUS", "VOLUME", "CAPACITY", "ACCESS MODES", "STORAGECLASS", "VOLUMEATTRIBUTESCLASS", "AGE"),
        ("VOLUMEMODE",),
        _pvc_row,
    ),
    "StorageClass": TableSpec(
        ("NAME", "PROVISIONER", "RECLAIMPOLICY", "VOLUMEBINDINGMODE", "ALLOWVOLUMEEXPANSION", "AGE"),
        (),
        _storageclass_row,
    ),
    "PriorityClass": TableSpec(("NAME", "VALUE", "GLOBAL-DEFAULT", "AGE"), ("PREEMPTIONPOLICY",), _priorityclass_row),
    "HorizontalPodAutoscaler": TableSpec(
        ("NAME", "REFERENCE", "TARGETS", "MINPODS", "MAXPODS", "REPLICAS", "AGE"), (), _hpa_row
    ),
    # events: the Name column is a wide (priority 1) column, the last one
    "Event": TableSpec(
        ("LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"),
        ("SUBOBJECT", "SOURCE", "FIRST SEEN", "COUNT", "NAME"),
        _event_row,
        name_column=None,
        wide_order=(
            "LAST SEEN",
            "TYPE",
            "REASON",
            "OBJECT",
            "SUBOBJECT",
            "SOURCE",
            "MESSAGE",
            "FIRST SEEN",
            "COUNT",
            "NAME",
        ),  # fmt: skip
        wide_name_column=9,
    ),
}

_DEFAULT = TableSpec(("NAME", "AGE"), (), _default_row)


def table_for(kind: str) -> TableSpec:
    """The table of ``kind`` (the server's default ``NAME AGE`` table for others)."""
    return TABLES.get(kind, _DEFAULT)
