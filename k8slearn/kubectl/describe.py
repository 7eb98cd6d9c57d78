"""``kubectl describe``: one detailed, aligned text page per object, ending with its Events.

Each describer writes ``Key:\\tvalue`` lines through a :class:`PrefixWriter` (two spaces
per nesting level) into one tabwriter (``minwidth 0, padding 2``), so values align per
block of consecutive tabbed lines - the reason ``Controlled By:`` sits further right
than ``Name:`` in a pod. The Events table is flushed separately.

Notes
-----
Mirrors kubectl ``pkg/describe/describe.go`` (1.36): ``describePod``,
``describeContainers``, ``DescribeProbe``, ``describeNode``,
``describeNodeResource``, ``describeDeployment``, ``DescribePodTemplate``,
``describeService``, ``DescribeEvents`` (sorted by lastTimestamp, ``10s (x3 over
20s)``), ``printLabelsMultiline``, ``printTolerationsMultiline`` ... and
``pkg/cmd/describe`` (prefix matching, ``\\n\\n`` between objects).
Used in: 02_scheduling, 04_kubelet_and_runtime, 05_self_healing, 06_services_and_kube_proxy.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..api.errors import ApiError
from ..api.labels import format_labels
from ..api.quantity import Quantity, parse_quantity
from ..clock import parse_timestamp
from . import KubectlError, KubectlOutput, Terminal
from .builder import Info, fetch, parse_resource_args
from .flags import GLOBAL_FLAGS, Flag, parse_flags
from .printers import (
    TabWriter,
    format_label_selector,
    format_rfc1123z,
    human_duration,
    label_selector_string,
    translate_timestamp_since,
)
from .tables import access_modes, node_roles, quantity_string

if TYPE_CHECKING:
    from ..cluster import Cluster

__all__ = ["run_describe", "PrefixWriter", "DESCRIBERS", "describe_object", "pod_qos_class", "describe_probe"]

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
MAX_ANNOTATION_LEN = 140


class PrefixWriter:
    """describe.go's ``PrefixWriter`` over one tabwriter: ``write(level, text)`` indents by level."""

    def __init__(self) -> None:
        self._tw = TabWriter(minwidth=0, padding=2)
        self._done: list[str] = []

    def write(self, level: int, text: str) -> None:
        self._tw.write("  " * level + text)

    def line(self, text: str) -> None:
        """``WriteLine``: the text and a newline, no indent."""
        self._tw.write(text + "\n")

    def flush(self) -> None:
        self._done.append(self._tw.flush())

    def text(self) -> str:
        self.flush()
        return "".join(self._done)


# -- shared pieces -----------------------------------------------------------------------


def _labels_multiline(w: PrefixWriter, title: str, labels: Mapping | None, initial: str = "", inner: str = "\t"):
    w.write(0, f"{initial}{title}:{inner}")
    if not labels:
        w.line("<none>")
        return
    for i, key in enumerate(sorted(labels)):
        if i:
            w.write(0, initial + inner)
        w.write(0, f"{key}={labels[key]}\n")


def _annotations_multiline(w: PrefixWriter, title: str, annotations: Mapping | None) -> None:
    w.write(0, f"{title}:\t")
    keys = sorted(k for k in (annotations or {}) if k != LAST_APPLIED)
    if not keys:
        w.line("<none>")
        return
    for i, key in enumerate(keys):
        if i:
            w.write(0, "\t")
        value = annotations[key]
        if value.endswith("\n"):
            value = value[:-1]
        if len(value) + len(key) + 2 > MAX_ANNOTATION_LEN or "\n" in value:
            w.write(0, f"{key}:\n")
            for s in value.split("\n"):
                if len(s) > MAX_ANNOTATION_LEN - 2:
                    s = s[: MAX_ANNOTATION_LEN - 2] + "..."
                w.write(0, f"\t  {s}\n")
        else:
            w.write(0, f"{key}: {value}\n")


def _name_namespace_labels(w: PrefixWriter, m: Mapping) -> None:
    """The ``Name``, ``Namespace``, ``Labels`` and ``Annotations`` lines most describers open with."""
    w.write(0, f"Name:\t{m['name']}\n")
    w.write(0, f"Namespace:\t{m.get('namespace', '')}\n")
    _labels_multiline(w, "Labels", m.get("labels"))
    _annotations_multiline(w, "Annotations", m.get("annotations"))


def taint_string(taint: Mapping) -> str:
    """``key=value:Effect`` (``Taint.ToString``)."""
    text = taint.get("key", "")
    if taint.get("value"):
        text += "=" + taint["value"]
    if taint.get("effect"):
        text += ":" + taint["effect"]
    return text


def _taints_multiline(w: PrefixWriter, title: str, taints: Sequence[Mapping] | None) -> None:
    w.write(0, f"{title}:\t")
    if not taints:
        w.line("<none>")
        return
    ordered = sorted(taints, key=lambda t: f"{t.get('effect', '')},{t.get('key', '')}")
    for i, t in enumerate(ordered):
        if i:
            w.write(0, "\t")
        w.write(0, taint_string(t) + "\n")


def _tolerations_multiline(w: PrefixWriter, title: str, tolerations: Sequence[Mapping] | None, initial: str = ""):
    w.write(0, f"{initial}{title}:\t")
    if not tolerations:
        w.line("<none>")
        return
    for i, t in enumerate(sorted(tolerations, key=lambda t: t.get("key", ""))):
        if i:
            w.write(0, initial + "\t")
        text = t.get("key", "")
        if t.get("value"):
            text += "=" + t["value"]
        if t.get("effect"):
            text += ":" + t["effect"]
        if t.get("operator") == "Exists" and not t.get("value"):
            text += " op=Exists" if (t.get("key") or t.get("effect")) else "op=Exists"
        if t.get("tolerationSeconds") is not None:
            text += f" for {t['tolerationSeconds']}s"
        w.write(0, text + "\n")


def describe_events(w: PrefixWriter, events: list[Mapping], now: float) -> None:
    """The ``Events:`` table (``DescribeEvents``): sorted by lastTimestamp, repeats as ``(xN over T)``."""
    if not events:
        w.write(0, "Events:\t<none>\n")
        return
    w.flush()
    ordered = sorted(events, key=lambda e: parse_timestamp(e["lastTimestamp"]) if e.get("lastTimestamp") else -1e18)
    w.write(0, "Events:\n  Type\tReason\tAge\tFrom\tMessage\n")
    w.write(1, "----\t------\t----\t----\t-------\n")
    for e in ordered:
        if e.get("eventTime"):
            first = translate_timestamp_since(e["eventTime"], now)
        else:
            first = translate_timestamp_since(e.get("firstTimestamp"), now)
        series = e.get("series")
        if series:
            interval = f"{translate_timestamp_since(series.get('lastObservedTime'), now)} (x{series.get('count')} over {first})"
        elif (e.get("count") or 0) > 1:
            interval = f"{translate_timestamp_since(e.get('lastTimestamp'), now)} (x{e['count']} over {first})"
        else:
            interval = first
        source = (e.get("source") or {}).get("component") or e.get("reportingComponent") or ""
        message = (e.get("message") or "").strip()
        field_path = (e.get("involvedObject") or {}).get("fieldPath")
        if field_path:
            message = f"{field_path}: {message}"
        w.write(1, f"{e.get('type', '')}\t{e.get('reason', '')}\t{interval}\t{source}\t{message}\n")


def events_for(cluster: Cluster, obj: Mapping, *, match_kind: bool = True, extra_uid: str | None = None) -> list:
    """The Event objects about ``obj`` (``searchEvents``: name, namespace, kind, uid)."""
    m = obj["metadata"]
    ns = m.get("namespace") or ""
    name = m.get("name")
    uids = {m.get("uid")}
    if extra_uid:
        uids.add(extra_uid)
    kind = obj.get("kind")
    found = []
    for e in cluster.api.list("Event", ns or None):
        inv = e.get("involvedObject") or {}
        if inv.get("name") != name or (inv.get("namespace") or "") != ns:
            continue
        if match_kind and inv.get("kind") != kind:
            continue
        if inv.get("uid") and inv.get("uid") not in uids:
            continue
        found.append(e)
    return found


def _controller(obj: Mapping) -> str:
    for ref in obj["metadata"].get("ownerReferences") or ():
        if ref.get("controller"):
            return f"{ref.get('kind')}/{ref.get('name')}"
    return ""


def _bool(value: Any) -> str:
    return "True" if value else "False"


# -- containers --------------------------------------------------------------------------


def _int_or_string(value: Any) -> str:
    return "" if value is None else str(value)


def describe_probe(probe: Mapping) -> str:
    """``http-get http://:8080/healthz delay=0s timeout=1s period=10s #success=1 #failure=3`` (``DescribeProbe``)."""
    attrs = (
        f"delay={probe.get('initialDelaySeconds', 0)}s timeout={probe.get('timeoutSeconds', 1)}s "
        f"period={probe.get('periodSeconds', 10)}s #success={probe.get('successThreshold', 1)} "
        f"#failure={probe.get('failureThreshold', 3)}"
    )
    if probe.get("exec") is not None:
        return f"exec [{' '.join(probe['exec'].get('command') or [])}] {attrs}"
    if probe.get("httpGet") is not None:
        h = probe["httpGet"]
        scheme = (h.get("scheme") or "HTTP").lower()
        host = h.get("host") or ""
        port = _int_or_string(h.get("port"))
        hostport = (f"[{host}]:{port}" if ":" in host else f"{host}:{port}") if port else host
        path = h.get("path") or ""
        return f"http-get {scheme}://{hostport}{path} {attrs}"
    if probe.get("tcpSocket") is not None:
        t = probe["tcpSocket"]
        return f"tcp-socket {t.get('host') or ''}:{_int_or_string(t.get('port'))} {attrs}"
    if probe.get("grpc") is not None:
        g = probe["grpc"]
        return f"grpc <pod>:{g.get('port')} {g.get('service') or ''} {attrs}"
    return f"unknown {attrs}"


def _describe_state(w: PrefixWriter, name: str, state: Mapping | None) -> None:
    state = state or {}
    if state.get("running") is not None:
        w.write(2, f"{name}:\tRunning\n")
        w.write(3, f"Started:\t{format_rfc1123z(state['running'].get('startedAt'))}\n")
    elif state.get("waiting") is not None:
        w.write(2, f"{name}:\tWaiting\n")
        if state["waiting"].get("reason"):
            w.write(3, f"Reason:\t{state['waiting']['reason']}\n")
    elif state.get("terminated") is not None:
        t = state["terminated"]
        w.write(2, f"{name}:\tTerminated\n")
        if t.get("reason"):
            w.write(3, f"Reason:\t{t['reason']}\n")
        if t.get("message"):
            w.write(3, f"Message:\t{t['message']}\n")
        w.write(3, f"Exit Code:\t{t.get('exitCode', 0)}\n")
        if (t.get("signal") or 0) > 0:
            w.write(3, f"Signal:\t{t['signal']}\n")
        w.write(3, f"Started:\t{format_rfc1123z(t.get('startedAt'))}\n")
        w.write(3, f"Finished:\t{format_rfc1123z(t.get('finishedAt'))}\n")
    else:
        w.write(2, f"{name}:\tWaiting\n")


def _resources(w: PrefixWriter, resources: Mapping | None, level: int) -> None:
    resources = resources or {}
    limits = resources.get("limits") or {}
    requests = resources.get("requests") or {}
    if limits:
        w.write(level, "Limits:\n")
    for name in sorted(limits):
        w.write(level + 1, f"{name}:\t{quantity_string(limits[name])}\n")
    if requests:
        w.write(level, "Requests:\n")
    for name in sorted(requests):
        w.write(level + 1, f"{name}:\t{quantity_string(requests[name])}\n")


def _env_value_from_field(pod: Mapping | None, path: str) -> str:
    if pod is None:
        return ""
    from .jsonpath import find_values

    if path.startswith("metadata.labels['") or path.startswith("metadata.annotations['"):
        key = path.split("['", 1)[1].rstrip("']")
        group = "labels" if "labels" in path else "annotations"
        return (pod["metadata"].get(group) or {}).get(key, "")
    found = find_values("." + path, pod)
    return str(found[0]) if found else ""


def _container_env(w: PrefixWriter, c: Mapping, pod: Mapping | None) -> None:
    env_from = c.get("envFrom") or []
    if env_from:
        w.write(2, "Environment Variables from:\n")
        for e in env_from:
            if e.get("configMapRef") is not None:
                kind, ref = "ConfigMap", e["configMapRef"]
            else:
                kind, ref = "Secret", e.get("secretRef") or {}
            optional = "true" if ref.get("optional") else "false"
            if e.get("prefix"):
                w.write(3, f"{ref.get('name', '')}\t{kind} with prefix '{e['prefix']}'\tOptional: {optional}\n")
            else:
                w.write(3, f"{ref.get('name', '')}\t{kind}\tOptional: {optional}\n")
    env = c.get("env") or []
    w.write(2, "Environment:" + ("" if env else "\t<none>") + "\n")
    for e in env:
        vf = e.get("valueFrom")
        if vf is None:
            for i, s in enumerate(str(e.get("value", "")).split("\n")):
                if i == 0:
                    w.write(3, f"{e.get('name')}:\t{s}\n")
                else:
                    w.write(3, f"\t{s}\n")
            continue
        if vf.get("fieldRef") is not None:
            fr = vf["fieldRef"]
            value = _env_value_from_field(pod, fr.get("fieldPath", ""))
            w.write(3, f"{e.get('name')}:\t{value} ({fr.get('apiVersion', 'v1')}:{fr.get('fieldPath', '')})\n")
        elif vf.get("resourceFieldRef") is not None:
            rf = vf["resourceFieldRef"]
            resource = rf.get("resource", "")
            value = _resource_field_value(c, rf)
            if value == "0" and resource in ("limits.cpu", "limits.memory"):
                value = "node allocatable"
            w.write(3, f"{e.get('name')}:\t{value} ({resource})\n")
        elif vf.get("secretKeyRef") is not None:
            ref = vf["secretKeyRef"]
            optional = "true" if ref.get("optional") else "false"
            w.write(
                3,
                f"{e.get('name')}:\t<set to the key '{ref.get('key')}' in secret '{ref.get('name')}'>\tOptional: {optional}\n",
            )
        elif vf.get("configMapKeyRef") is not None:
            ref = vf["configMapKeyRef"]
            optional = "true" if ref.get("optional") else "false"
            w.write(
                3,
                f"{e.get('name')}:\t<set to the key '{ref.get('key')}' of config map '{ref.get('name')}'>"
                f"\tOptional: {optional}\n",
            )


def _resource_field_value(c: Mapping, rf: Mapping) -> str:
    group, _, name = (rf.get("resource") or "").partition(".")
    raw = ((c.get("resources") or {}).get(group) or {}).get(name)
    if raw is None:
        return "0"
    divisor = parse_quantity(rf.get("divisor") or "1")
    q = parse_quantity(raw)
    if divisor.nanos == 0:
        return "0"
    whole, rem = divmod(q.nanos, divisor.nanos)
    return str(whole + (1 if rem else 0))


def _ports(ports: Sequence[Mapping], field: str) -> str:
    out = []
    for p in ports:
        text = f"{p.get(field) or 0}/{p.get('protocol') or 'TCP'}"
        if p.get("name"):
            text += f" ({p['name']})"
        out.append(text)
    return ", ".join(out)


def _describe_containers(
    w: PrefixWriter,
    label: str,
    containers: Sequence[Mapping],
    statuses: Sequence[Mapping] | None,
    pod: Mapping | None,
    space: str = "",
) -> None:
    by_name = {s.get("name"): s for s in statuses or ()}
    w.write(0, f"{space}{label}:{'' if containers else ' <none>'}\n")
    for c in containers:
        status = by_name.get(c.get("name"))
        known = statuses is not None and status is not None
        w.write(1, f"{' ' if space else ''}{c.get('name')}:\n")
        if known:
            w.write(2, f"Container ID:\t{status.get('containerID', '')}\n")
        w.write(2, f"Image:\t{c.get('image', '')}\n")
        if known:
            w.write(2, f"Image ID:\t{status.get('imageID', '')}\n")
        ports = c.get("ports") or []
        port_text = _ports(ports, "containerPort")
        if "," in port_text:
            w.write(2, f"Ports:\t{port_text}\n")
        else:
            w.write(2, f"Port:\t{port_text or '<none>'}\n")
        host_text = _ports(ports, "hostPort")
        if "," in host_text:
            w.write(2, f"Host Ports:\t{host_text}\n")
        else:
            w.write(2, f"Host Port:\t{host_text or '<none>'}\n")
        if c.get("command"):
            w.write(2, "Command:\n")
            for item in c["command"]:
                for s in str(item).split("\n"):
                    w.write(3, s + "\n")
        if c.get("args"):
            w.write(2, "Args:\n")
            for item in c["args"]:
                for s in str(item).split("\n"):
                    w.write(3, s + "\n")
        if known:
            _describe_state(w, "State", status.get("state"))
            last = status.get("lastState") or {}
            if last.get("terminated") is not None:
                _describe_state(w, "Last State", last)
            w.write(2, f"Ready:\t{_bool(status.get('ready'))}\n")
            w.write(2, f"Restart Count:\t{status.get('restartCount', 0)}\n")
        _resources(w, c.get("resources"), 2)
        for key, title in (("livenessProbe", "Liveness"), ("readinessProbe", "Readiness"), ("startupProbe", "Startup")):
            if c.get(key) is not None:
                w.write(2, f"{title}:\t{describe_probe(c[key])}\n")
        _container_env(w, c, pod)
        mounts = c.get("volumeMounts") or []
        w.write(2, "Mounts:" + ("" if mounts else "\t<none>") + "\n")
        for m in sorted(mounts, key=lambda m: m.get("mountPath", "")):
            flags = ["ro" if m.get("readOnly") else "rw"]
            if m.get("subPath"):
                flags.append(f'path="{m["subPath"]}"')
            w.write(3, f"{m.get('mountPath')} from {m.get('name')} ({','.join(flags)})\n")
        devices = c.get("volumeDevices") or []
        if devices:
            w.write(2, "Devices:\n")
            for d in sorted(devices, key=lambda d: d.get("devicePath", "")):
                w.write(3, f"{d.get('devicePath')} from {d.get('name')}\n")


def _describe_volumes(w: PrefixWriter, volumes: Sequence[Mapping] | None, space: str = "") -> None:
    if not volumes:
        w.write(0, f"{space}Volumes:\t<none>\n")
        return
    w.write(0, f"{space}Volumes:\n")
    for v in volumes:
        w.write(1, f"{' ' if space else ''}{v.get('name')}:\n")
        if v.get("hostPath") is not None:
            hp = v["hostPath"]
            w.write(2, "Type:\tHostPath (bare host directory volume)\n")
            w.write(0, f"    Path:\t{hp.get('path', '')}\n    HostPathType:\t{hp.get('type') or '<none>'}\n")
        elif v.get("emptyDir") is not None:
            ed = v["emptyDir"]
            limit = ed.get("sizeLimit")
            size = quantity_string(limit) if limit and parse_quantity(limit).nanos > 0 else "<unset>"
            w.write(2, "Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)\n")
            w.write(0, f"    Medium:\t{ed.get('medium', '')}\n    SizeLimit:\t{size}\n")
        elif v.get("secret") is not None:
            s = v["secret"]
            w.write(2, "Type:\tSecret (a volume populated by a Secret)\n")
            w.write(
                0,
                f"    SecretName:\t{s.get('secretName', '')}\n    Optional:\t{str(bool(s.get('optional'))).lower()}\n",
            )
        elif v.get("configMap") is not None:
            cm = v["configMap"]
            w.write(2, "Type:\tConfigMap (a volume populated by a ConfigMap)\n")
            w.write(0, f"    Name:\t{cm.get('name', '')}\n    Optional:\t{str(bool(cm.get('optional'))).lower()}\n")
        elif v.get("persistentVolumeClaim") is not None:
            pvc = v["persistentVolumeClaim"]
            w.write(2, "Type:\tPersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same namespace)\n")
            w.write(
                0,
                f"    ClaimName:\t{pvc.get('claimName', '')}\n    ReadOnly:\t{str(bool(pvc.get('readOnly'))).lower()}\n",
            )
        elif v.get("projected") is not None:
            w.write(2, "Type:\tProjected (a volume that contains injected data from multiple sources)\n")
            for src in v["projected"].get("sources") or ():
                if src.get("secret") is not None:
                    opt = str(bool(src["secret"].get("optional"))).lower()
                    w.write(2, f"SecretName:\t{src['secret'].get('name', '')}\n    Optional:\t{opt}\n")
                elif src.get("downwardAPI") is not None:
                    w.write(2, "DownwardAPI:\ttrue\n")
                elif src.get("configMap") is not None:
                    opt = str(bool(src["configMap"].get("optional"))).lower()
                    w.write(2, f"ConfigMapName:\t{src['configMap'].get('name', '')}\n    Optional:\t{opt}\n")
                elif src.get("serviceAccountToken") is not None:
                    w.write(
                        2, f"TokenExpirationSeconds:\t{src['serviceAccountToken'].get('expirationSeconds', 3607)}\n"
                    )
        elif v.get("downwardAPI") is not None:
            w.write(2, "Type:\tDownwardAPI (a volume populated by information about the pod)\n    Items:\n")
            for item in v["downwardAPI"].get("items") or ():
                if item.get("fieldRef") is not None:
                    w.write(3, f"{item['fieldRef'].get('fieldPath')} -> {item.get('path')}\n")
                if item.get("resourceFieldRef") is not None:
                    w.write(3, f"{item['resourceFieldRef'].get('resource')} -> {item.get('path')}\n")
        elif v.get("nfs") is not None:
            nfs = v["nfs"]
            w.write(2, "Type:\tNFS (an NFS mount that lasts the lifetime of a pod)\n")
            w.write(
                0,
                f"    Server:\t{nfs.get('server', '')}\n    Path:\t{nfs.get('path', '')}\n"
                f"    ReadOnly:\t{str(bool(nfs.get('readOnly'))).lower()}\n",
            )
        else:
            w.write(1, "<unknown>\n")


# -- pod ---------------------------------------------------------------------------------


def pod_qos_class(pod: Mapping) -> str:
    """Guaranteed, Burstable or BestEffort (``qos.GetPodQOS``: status.qosClass, else computed)."""
    status_qos = (pod.get("status") or {}).get("qosClass")
    if status_qos:
        return status_qos
    spec = pod.get("spec") or {}
    requests: dict[str, int] = {}
    limits: dict[str, int] = {}
    guaranteed = True
    groups = (
        [spec["resources"]]
        if spec.get("resources")
        else [c.get("resources") or {} for c in (spec.get("containers") or []) + (spec.get("initContainers") or [])]
    )
    for res in groups:
        for target, values in ((requests, res.get("requests") or {}), (limits, res.get("limits") or {})):
            for name, raw in values.items():
                if name not in ("cpu", "memory"):
                    continue
                q = parse_quantity(raw).nanos
                if q > 0:
                    target[name] = target.get(name, 0) + q
        lim = {
            k for k, v in (res.get("limits") or {}).items() if k in ("cpu", "memory") and parse_quantity(v).nanos > 0
        }
        if not {"cpu", "memory"} <= lim:
            guaranteed = False
    if not requests and not limits:
        return "BestEffort"
    if guaranteed:
        for name, req in requests.items():
            if limits.get(name) != req:
                guaranteed = False
                break
    if guaranteed and len(requests) == len(limits):
        return "Guaranteed"
    return "Burstable"


def _describe_pod(cluster: Cluster, pod: Mapping, show_events: bool, now: float) -> str:
    w = PrefixWriter()
    m = pod["metadata"]
    spec = pod.get("spec") or {}
    status = pod.get("status") or {}
    w.write(0, f"Name:\t{m['name']}\n")
    w.write(0, f"Namespace:\t{m.get('namespace', '')}\n")
    if spec.get("priority") is not None:
        w.write(0, f"Priority:\t{spec['priority']}\n")
    if spec.get("priorityClassName"):
        w.write(0, f"Priority Class Name:\t{spec['priorityClassName']}\n")
    if spec.get("runtimeClassName"):
        w.write(0, f"Runtime Class Name:\t{spec['runtimeClassName']}\n")
    if spec.get("serviceAccountName"):
        w.write(0, f"Service Account:\t{spec['serviceAccountName']}\n")
    if not spec.get("nodeName"):
        w.write(0, "Node:\t<none>\n")
    else:
        w.write(0, f"Node:\t{spec['nodeName']}/{status.get('hostIP', '')}\n")
    if status.get("startTime"):
        w.write(0, f"Start Time:\t{format_rfc1123z(status['startTime'])}\n")
    _labels_multiline(w, "Labels", m.get("labels"))
    _annotations_multiline(w, "Annotations", m.get("annotations"))
    if m.get("deletionTimestamp") and status.get("phase") not in ("Failed", "Succeeded"):
        w.write(0, f"Status:\tTerminating (lasts {translate_timestamp_since(m['deletionTimestamp'], now)})\n")
        w.write(0, f"Termination Grace Period:\t{m.get('deletionGracePeriodSeconds', 0)}s\n")
    else:
        w.write(0, f"Status:\t{status.get('phase', '')}\n")
    if status.get("reason"):
        w.write(0, f"Reason:\t{status['reason']}\n")
    if status.get("message"):
        w.write(0, f"Message:\t{status['message']}\n")
    w.write(0, f"IP:\t{status.get('podIP', '')}\n")
    ips = status.get("podIPs") or ([{"ip": status["podIP"]}] if status.get("podIP") else [])
    if not ips:
        w.write(0, "IPs:\t<none>\n")
    else:
        w.write(0, "IPs:\n")
        for ip in ips:
            w.write(1, f"IP:\t{ip.get('ip', '')}\n")
    controlled_by = _controller(pod)
    if controlled_by:
        w.write(0, f"Controlled By:\t{controlled_by}\n")
    if status.get("nominatedNodeName"):
        w.write(0, f"NominatedNodeName:\t{status['nominatedNodeName']}\n")
    if spec.get("resources"):
        w.write(0, "Resources:\n")
        _resources(w, spec["resources"], 1)
    if spec.get("initContainers"):
        _describe_containers(
            w, "Init Containers", spec["initContainers"], status.get("initContainerStatuses") or [], pod
        )
    _describe_containers(w, "Containers", spec.get("containers") or [], status.get("containerStatuses") or [], pod)
    conditions = {c.get("type"): c.get("status") for c in status.get("conditions") or ()}
    if spec.get("readinessGates"):
        w.write(0, "Readiness Gates:\n  Type\tStatus\n")
        for g in spec["readinessGates"]:
            w.write(1, f"{g.get('conditionType')} \t{conditions.get(g.get('conditionType'), '<none>')} \n")
    if status.get("conditions"):
        w.write(0, "Conditions:\n  Type\tStatus\n")
        for c in status["conditions"]:
            w.write(1, f"{c.get('type')} \t{c.get('status')} \n")
    _describe_volumes(w, spec.get("volumes"))
    w.write(0, f"QoS Class:\t{pod_qos_class(pod)}\n")
    _labels_multiline(w, "Node-Selectors", spec.get("nodeSelector"))
    _tolerations_multiline(w, "Tolerations", spec.get("tolerations"))
    constraints = spec.get("topologySpreadConstraints") or []
    for i, t in enumerate(sorted(constraints, key=lambda t: t.get("topologyKey", ""))):
        head = "Topology Spread Constraints:\t" if i == 0 else "\t"
        text = f"{t.get('topologyKey')}:{t.get('whenUnsatisfiable')} when max skew {t.get('maxSkew')} is exceeded"
        if t.get("labelSelector") is not None:
            text += f" for selector {format_label_selector(t['labelSelector'])}"
        w.write(0, head + text + "\n")
    if show_events:
        describe_events(w, events_for(cluster, pod, match_kind=False), now)
    return w.text()


# -- node --------------------------------------------------------------------------------

_Z = Quantity()


def _add(total: dict[str, Quantity], values: Mapping | None) -> None:
    for name, raw in (values or {}).items():
        total[name] = total.get(name, _Z) + parse_quantity(raw)


def _max_into(total: dict[str, Quantity], values: Mapping[str, Quantity]) -> None:
    for name, q in values.items():
        if name not in total or q > total[name]:
            total[name] = q


def pod_resources(pod: Mapping, field: str) -> dict[str, Quantity]:
    """Effective pod requests or limits (component-helpers ``PodRequests``/``PodLimits``).

    App containers and restartable (sidecar) init containers add up; a regular init
    container counts on its own (plus the sidecars started before it) and the pod
    takes the maximum; the pod overhead is added. Pod-level ``spec.resources`` wins.
    """
    spec = pod.get("spec") or {}
    total: dict[str, Quantity] = {}
    for c in spec.get("containers") or ():
        _add(total, (c.get("resources") or {}).get(field))
    sidecars: dict[str, Quantity] = {}
    init_max: dict[str, Quantity] = {}
    for c in spec.get("initContainers") or ():
        values = (c.get("resources") or {}).get(field)
        if c.get("restartPolicy") == "Always":
            _add(total, values)
            _add(sidecars, values)
            _max_into(init_max, sidecars)
        else:
            tmp: dict[str, Quantity] = {}
            _add(tmp, values)
            for name, q in sidecars.items():
                tmp[name] = tmp.get(name, _Z) + q
            _max_into(init_max, tmp)
    _max_into(total, init_max)
    pod_level = (spec.get("resources") or {}).get(field) or {}
    for name in ("cpu", "memory"):
        if name in pod_level:
            total[name] = parse_quantity(pod_level[name])
    if spec.get("overhead") and (field == "requests" or total):
        _add(total, spec["overhead"])
    return total


def _pct(part: Quantity, whole: Quantity, milli: bool) -> int:
    a = part.milli_value() if milli else part.value()
    b = whole.milli_value() if milli else whole.value()
    if b == 0:
        return 0
    return int(a / b * 100)


def _describe_node(cluster: Cluster, node: Mapping, show_events: bool, now: float) -> str:
    w = PrefixWriter()
    m = node["metadata"]
    spec = node.get("spec") or {}
    status = node.get("status") or {}
    w.write(0, f"Name:\t{m['name']}\n")
    w.write(0, f"Roles:\t{','.join(node_roles(node)) or '<none>'}\n")
    _labels_multiline(w, "Labels", m.get("labels"))
    _annotations_multiline(w, "Annotations", m.get("annotations"))
    w.write(0, f"CreationTimestamp:\t{format_rfc1123z(m.get('creationTimestamp'))}\n")
    _taints_multiline(w, "Taints", spec.get("taints"))
    w.write(0, f"Unschedulable:\t{'true' if spec.get('unschedulable') else 'false'}\n")
    lease = cluster.api.get_or_none("Lease", m["name"], "kube-node-lease")
    if lease is None:
        w.write(0, f'Lease:\tFailed to get lease: leases.coordination.k8s.io "{m["name"]}" not found\n')
    else:
        ls = lease.get("spec") or {}
        w.write(0, "Lease:\n")
        w.write(1, f"HolderIdentity:\t{ls.get('holderIdentity') or '<unset>'}\n")
        acquire = ls.get("acquireTime")
        w.write(1, f"AcquireTime:\t{format_rfc1123z(acquire) if acquire else '<unset>'}\n")
        renew = ls.get("renewTime")
        w.write(1, f"RenewTime:\t{format_rfc1123z(renew) if renew else '<unset>'}\n")
    if status.get("conditions"):
        w.write(0, "Conditions:\n  Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage\n")
        w.write(1, "----\t------\t-----------------\t------------------\t------\t-------\n")
        for c in status["conditions"]:
            w.write(
                1,
                f"{c.get('type')} \t{c.get('status')} \t{format_rfc1123z(c.get('lastHeartbeatTime'))} \t"
                f"{format_rfc1123z(c.get('lastTransitionTime'))} \t{c.get('reason', '')} \t{c.get('message', '')}\n",
            )
    w.write(0, "Addresses:\n")
    for a in status.get("addresses") or ():
        w.write(1, f"{a.get('type')}:\t{a.get('address')}\n")
    for title, key in (("Capacity", "capacity"), ("Allocatable", "allocatable")):
        values = status.get(key) or {}
        if values:
            w.write(0, f"{title}:\n")
            for name in sorted(values):
                w.write(0, f"  {name}:\t{quantity_string(values[name])}\n")
    info = status.get("nodeInfo") or {}
    w.write(0, "System Info:\n")
    for label, key in (
        ("Machine ID", "machineID"),
        ("System UUID", "systemUUID"),
        ("Boot ID", "bootID"),
        ("Kernel Version", "kernelVersion"),
        ("OS Image", "osImage"),
        ("Operating System", "operatingSystem"),
        ("Architecture", "architecture"),
        ("Container Runtime Version", "containerRuntimeVersion"),
        ("Kubelet Version", "kubeletVersion"),
    ):
        w.write(0, f"  {label}:\t{info.get(key, '')}\n")
    if spec.get("podCIDR"):
        w.write(0, f"PodCIDR:\t{spec['podCIDR']}\n")
    if spec.get("podCIDRs"):
        w.write(0, f"PodCIDRs:\t{','.join(spec['podCIDRs'])}\n")
    if spec.get("providerID"):
        w.write(0, f"ProviderID:\t{spec['providerID']}\n")
    pods = [
        p
        for p in sorted(
            cluster.api.pods_on_node(m["name"]),
            key=lambda p: (p["metadata"].get("namespace", ""), p["metadata"]["name"]),
        )
        if (p.get("status") or {}).get("phase") not in ("Succeeded", "Failed")
    ]
    _describe_node_resources(w, node, pods, now)
    if show_events:
        events = events_for(cluster, node, extra_uid=m["name"])
        describe_events(w, events, now)
    return w.text()


def _describe_node_resources(w: PrefixWriter, node: Mapping, pods: list[Mapping], now: float) -> None:
    status = node.get("status") or {}
    alloc_raw = status.get("allocatable") or status.get("capacity") or {}
    alloc = {k: parse_quantity(v) for k, v in alloc_raw.items()}
    cpu_alloc = alloc.get("cpu", _Z)
    mem_alloc = alloc.get("memory", _Z)
    w.write(0, f"Non-terminated Pods:\t({len(pods)} in total)\n")
    w.write(1, "Namespace\tName\t\tCPU Requests\tCPU Limits\tMemory Requests\tMemory Limits\tAge\n")
    w.write(1, "---------\t----\t\t------------\t----------\t---------------\t-------------\t---\n")
    total_req: dict[str, Quantity] = {}
    total_lim: dict[str, Quantity] = {}
    for pod in pods:
        req = pod_resources(pod, "requests")
        lim = pod_resources(pod, "limits")
        cr, cl = req.get("cpu", _Z), lim.get("cpu", _Z)
        mr, ml = req.get("memory", _Z), lim.get("memory", _Z)
        w.write(
            1,
            f"{pod['metadata'].get('namespace', '')}\t{pod['metadata']['name']}\t\t"
            f"{cr} ({_pct(cr, cpu_alloc, True)}%)\t{cl} ({_pct(cl, cpu_alloc, True)}%)\t"
            f"{mr} ({_pct(mr, mem_alloc, False)}%)\t{ml} ({_pct(ml, mem_alloc, False)}%)\t"
            f"{translate_timestamp_since(pod['metadata'].get('creationTimestamp'), now)}\n",
        )
        for name, q in req.items():
            total_req[name] = total_req.get(name, _Z) + q
        for name, q in lim.items():
            total_lim[name] = total_lim.get(name, _Z) + q
    w.write(0, "Allocated resources:\n  (Total limits may be over 100 percent, i.e., overcommitted.)\n")
    w.write(1, "Resource\tRequests\tLimits\n")
    w.write(1, "--------\t--------\t------\n")
    for name, milli in (("cpu", True), ("memory", False), ("ephemeral-storage", False)):
        r, li = total_req.get(name, _Z), total_lim.get(name, _Z)
        a = alloc.get(name, _Z)
        w.write(1, f"{name}\t{r} ({_pct(r, a, milli)}%)\t{li} ({_pct(li, a, milli)}%)\n")
    huge = sorted(n for n in alloc if n.startswith("hugepages-"))
    standard = {"cpu", "memory", "ephemeral-storage", "storage", "pods"}
    extended = sorted(n for n in alloc if n not in standard and not n.startswith("hugepages-"))
    for name in huge:
        r, li = total_req.get(name, _Z), total_lim.get(name, _Z)
        a = alloc[name]
        w.write(1, f"{name}\t{r} ({_pct(r, a, False)}%)\t{li} ({_pct(li, a, False)}%)\n")
    for name in extended:
        w.write(1, f"{name}\t{total_req.get(name, _Z)}\t{total_lim.get(name, _Z)}\n")


# -- workloads ---------------------------------------------------------------------------


def _describe_pod_template(w: PrefixWriter, template: Mapping | None) -> None:
    w.write(0, "Pod Template:\n")
    if template is None:
        w.write(1, "<unset>")
        return
    tm = template.get("metadata") or {}
    spec = template.get("spec") or {}
    _labels_multiline(w, "  Labels", tm.get("labels"))
    if tm.get("annotations"):
        _annotations_multiline(w, "  Annotations", tm["annotations"])
    if spec.get("serviceAccountName"):
        w.write(1, f"Service Account:\t{spec['serviceAccountName']}\n")
    if spec.get("initContainers"):
        _describe_containers(w, "Init Containers", spec["initContainers"], None, None, "  ")
    _describe_containers(w, "Containers", spec.get("containers") or [], None, None, "  ")
    _describe_volumes(w, spec.get("volumes"), "  ")
    if spec.get("priorityClassName"):
        w.write(1, f"Priority Class Name:\t{spec['priorityClassName']}\n")
    _labels_multiline(w, "  Node-Selectors", spec.get("nodeSelector"))
    _tolerations_multiline(w, "Tolerations", spec.get("tolerations"), initial="  ")


def _intstr(value: Any, default: str) -> str:
    return default if value is None else str(value)


def _describe_deployment(cluster: Cluster, d: Mapping, show_events: bool, now: float) -> str:
    w = PrefixWriter()
    m = d["metadata"]
    spec = d.get("spec") or {}
    status = d.get("status") or {}
    w.write(0, f"Name:\t{m['name']}\n")
    w.write(0, f"Namespace:\t{m.get('namespace', '')}\n")
    w.write(0, f"CreationTimestamp:\t{format_rfc1123z(m.get('creationTimestamp'))}\n")
    _labels_multiline(w, "Labels", m.get("labels"))
    _annotations_multiline(w, "Annotations", m.get("annotations"))
    w.write(0, f"Selector:\t{label_selector_string(spec.get('selector'))}\n")
    w.write(
        0,
        f"Replicas:\t{spec.get('replicas', 1)} desired | {status.get('updatedReplicas') or 0} updated | "
        f"{status.get('replicas') or 0} total | {status.get('availableReplicas') or 0} available | "
        f"{status.get('unavailableReplicas') or 0} unavailable\n",
    )
    strategy = spec.get("strategy") or {}
    w.write(0, f"StrategyType:\t{strategy.get('type', '')}\n")
    w.write(0, f"MinReadySeconds:\t{spec.get('minReadySeconds', 0)}\n")
    ru = strategy.get("rollingUpdate")
    if ru is not None:
        w.write(
            0,
            f"RollingUpdateStrategy:\t{_intstr(ru.get('maxUnavailable'), '0')} max unavailable, "
            f"{_intstr(ru.get('maxSurge'), '0')} max surge\n",
        )
    _describe_pod_template(w, spec.get("template"))
    if status.get("conditions"):
        w.write(0, "Conditions:\n  Type\tStatus\tReason\n")
        w.write(1, "----\t------\t------\n")
        for c in status["conditions"]:
            w.write(1, f"{c.get('type')} \t{c.get('status')}\t{c.get('reason', '')}\n")
    old, new = _deployment_replicasets(cluster, d)
    if old or new:
        w.write(0, f"OldReplicaSets:\t{_rs_list(old)}\n")
        w.write(0, f"NewReplicaSet:\t{_rs_list(new)}\n")
    if show_events:
        describe_events(w, events_for(cluster, d), now)
    return w.text()


def _template_without_hash(template: Mapping | None) -> Any:
    template = dict(template or {})
    meta = dict(template.get("metadata") or {})
    labels = dict(meta.get("labels") or {})
    labels.pop("pod-template-hash", None)
    meta["labels"] = labels
    template["metadata"] = meta
    return template


def _deployment_replicasets(cluster: Cluster, d: Mapping) -> tuple[list[Mapping], list[Mapping]]:
    """Owned ReplicaSets split into old ones and the new one (``GetAllReplicaSetsInChunks``)."""
    uid = d["metadata"].get("uid")
    owned = []
    selector = (d.get("spec") or {}).get("selector")
    for rs in cluster.api.list("ReplicaSet", d["metadata"].get("namespace"), selector=selector):
        for ref in rs["metadata"].get("ownerReferences") or ():
            if ref.get("controller") and ref.get("uid") == uid:
                owned.append(rs)
    owned.sort(
        key=lambda rs: (
            parse_timestamp(rs["metadata"].get("creationTimestamp") or "2026-01-01T00:00:00Z"),
            rs["metadata"]["name"],
        )
    )
    target = _template_without_hash((d.get("spec") or {}).get("template"))
    new = next((rs for rs in owned if _template_without_hash((rs.get("spec") or {}).get("template")) == target), None)
    old = [rs for rs in owned if rs is not new]
    return old, [new] if new is not None else []


def _rs_list(items: list[Mapping]) -> str:
    text = ", ".join(
        f"{rs['metadata']['name']} ({(rs.get('status') or {}).get('replicas') or 0}/"
        f"{(rs.get('spec') or {}).get('replicas', 1)} replicas created)"
        for rs in items
    )
    return text or "<none>"


def _pod_phase_counts(cluster: Cluster, owner: Mapping) -> tuple[int, int, int, int]:
    uid = owner["metadata"].get("uid")
    counts = {"Running": 0, "Pending": 0, "Succeeded": 0, "Failed": 0}
    selector = (owner.get("spec") or {}).get("selector")
    for pod in cluster.api.list("Pod", owner["metadata"].get("namespace"), selector=selector):
        ref = next((r for r in pod["metadata"].get("ownerReferences") or () if r.get("controller")), None)
        if ref is None or ref.get("uid") != uid:
            continue
        phase = (pod.get("status") or {}).get("phase")
        if phase in counts:
            counts[phase] += 1
    return counts["Running"], counts["Pending"], counts["Succeeded"], counts["Failed"]


def _describe_replicaset(cluster: Cluster, rs: Mapping, show_events: bool, now: float) -> str:
    w = PrefixWriter()
    m = rs["metadata"]
    spec = rs.get("spec") or {}
    status = rs.get("status") or {}
    w.write(0, f"Name:\t{m['name']}\n")
    w.write(0, f"Namespace:\t{m.get('namespace', '')}\n")
    w.write(0, f"Selector:\t{format_label_selector(spec.get('selector'))}\n")
    _labels_multiline(w, "Labels", m.get("labels"))
    _annotations_multiline(w, "Annotations", m.get("annotations"))
    if _controller(rs):
        w.write(0, f"Controlled By:\t{_controller(rs)}\n")
    w.write(0, f"Replicas:\t{status.get('replicas') or 0} current / {spec.get('replicas', 1)} desired\n")
    running, waiting, succeeded, failed = _pod_phase_counts(cluster, rs)
    w.write(0, f"Pods Status:\t{running} Running / {waiting} Waiting / {succeeded} Succeeded / {failed} Failed\n")
    _describe_pod_template(w, spec.get("template"))
    if status.get("conditions"):
        w.write(0, "Conditions:\n  Type\tStatus\tReason\n")
        w.write(1, "----\t------\t------\n")
        for c in status["conditions"]:
            w.write(1, f"{c.get('type')} \t{c.get('status')}\t{c.get('reason', '')}\n")
    if show_events:
        describe_events(w, events_for(cluster, rs), now)
    return w.text()


def _describe_daemonset(cluster: Cluster, ds: Mapping, show_events: bool, now: float) -> str:
    w = PrefixWriter()
    m = ds["metadata"]
    spec = ds.get("spec") or {}
    status = ds.get("status") or {}
    template_spec = (spec.get("template") or {}).get("spec") or {}
    w.write(0, f"Name:\t{m['name']}\n")
    w.write(0, f"Namespace:\t{m.get('namespace', '')}\n")
    w.write(0, f"Selector:\t{label_selector_string(spec.get('selector'))}\n")
    w.write(0, f"Node-Selector:\t{format_labels(template_spec.get('nodeSelector'))}\n")
    _labels_multiline(w, "Labels", m.get("labels"))
    _annotations_multiline(w, "Annotations", m.get("annotations"))
    w.write(0, f"Desired Number of Nodes Scheduled: {status.get('desiredNumberScheduled') or 0}\n")
    w.write(0, f"Current Number of Nodes Scheduled: {status.get('currentNumberScheduled') or 0}\n")
    w.write(0, f"Number of Nodes Scheduled with Up-to-date Pods: {status.get('updatedNumberScheduled') or 0}\n")
    w.write(0, f"Number of Nodes Scheduled with Available Pods: {status.get('numberAvailable') or 0}\n")
    w.write(0, f"Number of Nodes Misscheduled: {status.get('numberMisscheduled') or 0}\n")
    running, waiting, succeeded, failed = _pod_phase_counts(cluster, ds)
    w.write(0, f"Pods Status:\t{running} Running / {waiting} Waiting / {succeeded} Succeeded / {failed} Failed\n")
    _describe_pod_template(w, spec.get("template"))
    if show_events:
        describe_events(w, events_for(cluster, ds), now)
    return w.text()


def _describe_job(cluster: Cluster, job: Mapping, show_events: bool, now: float) -> str:
    w = PrefixWriter()
    m = job["metadata"]
    spec = job.get("spec") or {}
    status = job.get("status") or {}
    w.write(0, f"Name:\t{m['name']}\n")
    w.write(0, f"Namespace:\t{m.get('namespace', '')}\n")
    w.write(0, f"Selector:\t{label_selector_string(spec.get('selector'))}\n")
    _labels_multiline(w, "Labels", m.get("labels"))
    _annotations_multiline(w, "Annotations", m.get("annotations"))
    if _controller(job):
        w.write(0, f"Controlled By:\t{_controller(job)}\n")
    if spec.get("parallelism") is not None:
        w.write(0, f"Parallelism:\t{spec['parallelism']}\n")
    w.write(0, f"Completions:\t{spec['completions'] if spec.get('completions') is not None else '<unset>'}\n")
    if spec.get("completionMode"):
        w.write(0, f"Completion Mode:\t{spec['completionMode']}\n")
    if spec.get("suspend") is not None:
        w.write(0, f"Suspend:\t{'true' if spec['suspend'] else 'false'}\n")
    if spec.get("backoffLimit") is not None:
        w.write(0, f"Backoff Limit:\t{spec['backoffLimit']}\n")
    if spec.get("ttlSecondsAfterFinished") is not None:
        w.write(0, f"TTL Seconds After Finished:\t{spec['ttlSecondsAfterFinished']}\n")
    if status.get("startTime"):
        w.write(0, f"Start Time:\t{format_rfc1123z(status['startTime'])}\n")
    if status.get("completionTime"):
        w.write(0, f"Completed At:\t{format_rfc1123z(status['completionTime'])}\n")
    if status.get("startTime") and status.get("completionTime"):
        took = parse_timestamp(status["completionTime"]) - parse_timestamp(status["startTime"])
        w.write(0, f"Duration:\t{human_duration(took)}\n")
    if spec.get("activeDeadlineSeconds") is not None:
        w.write(0, f"Active Deadline Seconds:\t{spec['activeDeadlineSeconds']}s\n")
    active, ok, failed = status.get("active") or 0, status.get("succeeded") or 0, status.get("failed") or 0
    if status.get("ready") is None:
        w.write(0, f"Pods Statuses:\t{active} Active / {ok} Succeeded / {failed} Failed\n")
    else:
        w.write(0, f"Pods Statuses:\t{active} Active ({status['ready']} Ready) / {ok} Succeeded / {failed} Failed\n")
    if spec.get("completionMode") == "Indexed":
        w.write(0, f"Completed Indexes:\t{_cap_indexes(status.get('completedIndexes') or '')}\n")
    _describe_pod_template(w, spec.get("template"))
    if show_events:
        describe_events(w, events_for(cluster, job), now)
    return w.text()


def _cap_indexes(indexes: str, soft_limit: int = 50) -> str:
    if not indexes:
        return "<none>"
    ix = soft_limit
    while ix < len(indexes) and indexes[ix] != ",":
        ix += 1
    if ix >= len(indexes):
        return indexes
    return indexes[: ix + 1] + "..."


# -- services ----------------------------------------------------------------------------


def _format_endpoint_slices(slices: list[Mapping], port_name: str) -> str:
    if not slices:
        return "<none>"
    items: list[str] = []
    more = False
    count = 0
    for s in slices:
        endpoints = s.get("endpoints") or []
        ports = s.get("ports") or []
        if not ports:
            for e in endpoints:
                if len(items) == 3:
                    more = True
                ready = (e.get("conditions") or {}).get("ready")
                if ready is False:
                    continue
                if not more:
                    items.append((e.get("addresses") or [""])[0])
                count += 1
            continue
        for p in ports:
            if (p.get("name") or "") != port_name:
                continue
            for e in endpoints:
                if len(items) == 3:
                    more = True
                ready = (e.get("conditions") or {}).get("ready")
                if ready is False:
                    continue
                if not more:
                    addr = (e.get("addresses") or [""])[0]
                    items.append(f"[{addr}]:{p.get('port')}" if ":" in addr else f"{addr}:{p.get('port')}")
                count += 1
    text = ",".join(items)
    return f"{text} + {count - 3} more..." if more else text


def _describe_service(cluster: Cluster, svc: Mapping, show_events: bool, now: float) -> str:
    w = PrefixWriter()
    m = svc["metadata"]
    spec = svc.get("spec") or {}
    status = svc.get("status") or {}
    slices = cluster.api.list("EndpointSlice", m.get("namespace"), selector={"kubernetes.io/service-name": m["name"]})
    _name_namespace_labels(w, m)
    w.write(0, f"Selector:\t{format_labels(spec.get('selector'))}\n")
    w.write(0, f"Type:\t{spec.get('type', '')}\n")
    if spec.get("ipFamilyPolicy"):
        w.write(0, f"IP Family Policy:\t{spec['ipFamilyPolicy']}\n")
    w.write(0, f"IP Families:\t{','.join(spec.get('ipFamilies') or []) or '<none>'}\n")
    w.write(0, f"IP:\t{spec.get('clusterIP', '')}\n")
    w.write(0, f"IPs:\t{','.join(spec.get('clusterIPs') or []) or '<none>'}\n")
    if spec.get("externalIPs"):
        w.write(0, f"External IPs:\t{','.join(spec['externalIPs'])}\n")
    if spec.get("loadBalancerIP"):
        w.write(0, f"Desired LoadBalancer IP:\t{spec['loadBalancerIP']}\n")
    if spec.get("externalName"):
        w.write(0, f"External Name:\t{spec['externalName']}\n")
    ingress = (status.get("loadBalancer") or {}).get("ingress") or []
    if ingress:
        parts = []
        for i in ingress:
            if i.get("ip"):
                parts.append(i["ip"] + (f" ({i['ipMode']})" if i.get("ipMode") else ""))
            else:
                parts.append(i.get("hostname", ""))
        w.write(0, f"LoadBalancer Ingress:\t{', '.join(parts)}\n")
    for p in spec.get("ports") or ():
        name = p.get("name") or "<unset>"
        proto = p.get("protocol") or "TCP"
        w.write(0, f"Port:\t{name}\t{p.get('port')}/{proto}\n")
        w.write(0, f"TargetPort:\t{p.get('targetPort', p.get('port'))}/{proto}\n")
        if p.get("appProtocol"):
            w.write(0, f"AppProtocol:\t{p['appProtocol']}\n")
        if p.get("nodePort"):
            w.write(0, f"NodePort:\t{name}\t{p['nodePort']}/{proto}\n")
        w.write(0, f"Endpoints:\t{_format_endpoint_slices(slices, p.get('name') or '')}\n")
    w.write(0, f"Session Affinity:\t{spec.get('sessionAffinity', '')}\n")
    if spec.get("externalTrafficPolicy"):
        w.write(0, f"External Traffic Policy:\t{spec['externalTrafficPolicy']}\n")
    if spec.get("internalTrafficPolicy"):
        w.write(0, f"Internal Traffic Policy:\t{spec['internalTrafficPolicy']}\n")
    if spec.get("healthCheckNodePort"):
        w.write(0, f"HealthCheck NodePort:\t{spec['healthCheckNodePort']}\n")
    if spec.get("loadBalancerSourceRanges"):
        w.write(0, f"LoadBalancer Source Ranges:\t{','.join(spec['loadBalancerSourceRanges'])}\n")
    if spec.get("trafficDistribution"):
        w.write(0, f"Traffic Distribution:\t{spec['trafficDistribution']}\n")
    if show_events:
        describe_events(w, events_for(cluster, svc), now)
    return w.text()


def _describe_endpoints(cluster: Cluster, ep: Mapping, show_events: bool, now: float) -> str:
    w = PrefixWriter()
    m = ep["metadata"]
    _name_namespace_labels(w, m)
    w.write(0, "Subsets:\n")
    for s in ep.get("subsets") or ():
        ready = ",".join(a.get("ip", "") for a in s.get("addresses") or ()) or "<none>"
        not_ready = ",".join(a.get("ip", "") for a in s.get("notReadyAddresses") or ()) or "<none>"
        w.write(1, f"Addresses:\t{ready}\n")
        w.write(1, f"NotReadyAddresses:\t{not_ready}\n")
        if s.get("ports"):
            w.write(1, "Ports:\n")
            w.write(2, "Name\tPort\tProtocol\n")
            w.write(2, "----\t----\t--------\n")
            for p in s["ports"]:
                w.write(2, f"{p.get('name') or '<unset>'}\t{p.get('port')}\t{p.get('protocol', 'TCP')}\n")
        w.write(0, "\n")
    if show_events:
        describe_events(w, events_for(cluster, ep), now)
    return w.text()


# -- config and storage ------------------------------------------------------------------


def _describe_secret(cluster: Cluster, secret: Mapping, show_events: bool, now: float) -> str:
    import base64
    import binascii

    w = PrefixWriter()
    m = secret["metadata"]
    _name_namespace_labels(w, m)
    w.write(0, f"\nType:\t{secret.get('type') or 'Opaque'}\n")
    w.write(0, "\nData\n====\n")
    data = secret.get("data") or {}
    for key in sorted(data):
        try:
            raw = base64.b64decode(data[key] or "", validate=True)
        except (binascii.Error, ValueError):
            raw = str(data[key]).encode()
        if key == "token" and secret.get("type") == "kubernetes.io/service-account-token":
            w.write(0, f"{key}:\t{raw.decode(errors='replace')}\n")
        else:
            w.write(0, f"{key}:\t{len(raw)} bytes\n")
    return w.text()


def _describe_configmap(cluster: Cluster, cm: Mapping, show_events: bool, now: float) -> str:
    w = PrefixWriter()
    m = cm["metadata"]
    _name_namespace_labels(w, m)
    w.write(0, "\nData\n====\n")
    data = cm.get("data") or {}
    for key in sorted(data):
        w.write(0, f"{key}:\n----\n")
        w.write(0, f"{data[key]}\n")
        w.write(0, "\n")
    w.write(0, "\nBinaryData\n====\n")
    binary = cm.get("binaryData") or {}
    for key in sorted(binary):
        import base64

        w.write(0, f"{key}: {len(base64.b64decode(binary[key] or ''))} bytes\n")
    w.write(0, "\n")
    if show_events:
        describe_events(w, events_for(cluster, cm), now)
    return w.text()


def _describe_namespace(cluster: Cluster, ns: Mapping, show_events: bool, now: float) -> str:
    w = PrefixWriter()
    m = ns["metadata"]
    status = ns.get("status") or {}
    w.write(0, f"Name:\t{m['name']}\n")
    _labels_multiline(w, "Labels", m.get("labels"))
    _annotations_multiline(w, "Annotations", m.get("annotations"))
    w.write(0, f"Status:\t{status.get('phase', '')}\n")
    if status.get("conditions"):
        w.write(0, "Conditions:\n")
        w.write(1, "Type\tStatus\tLastTransitionTime\tReason\tMessage\n")
        w.write(1, "----\t------\t------------------\t------\t-------\n")
        for c in status["conditions"]:
            w.write(
                1,
                f"{c.get('type')}\t{c.get('status')}\t{format_rfc1123z(c.get('lastTransitionTime'))}\t"
                f"{c.get('reason', '')}\t{c.get('message', '')}\n",
            )
    w.write(0, "\n")
    w.write(0, "No resource quota.\n")
    w.write(0, "\n")
    w.write(0, "No LimitRange resource.\n")
    return w.text()


def _storage_class_of(obj: Mapping) -> str:
    a = obj["metadata"].get("annotations") or {}
    return a.get("volume.beta.kubernetes.io/storage-class") or (obj.get("spec") or {}).get("storageClassName") or ""


def _describe_pvc(cluster: Cluster, pvc: Mapping, show_events: bool, now: float) -> str:
    w = PrefixWriter()
    m = pvc["metadata"]
    spec = pvc.get("spec") or {}
    status = pvc.get("status") or {}
    w.write(0, f"Name:\t{m['name']}\n")
    w.write(0, f"Namespace:\t{m.get('namespace', '')}\n")
    w.write(0, f"StorageClass:\t{_storage_class_of(pvc)}\n")
    if m.get("deletionTimestamp"):
        w.write(0, f"Status:\tTerminating (lasts {translate_timestamp_since(m['deletionTimestamp'], now)})\n")
    else:
        w.write(0, f"Status:\t{status.get('phase', '')}\n")
    w.write(0, f"Volume:\t{spec.get('volumeName', '')}\n")
    _labels_multiline(w, "Labels", m.get("labels"))
    _annotations_multiline(w, "Annotations", m.get("annotations"))
    w.write(0, f"Finalizers:\t[{' '.join(m.get('finalizers') or [])}]\n")
    capacity = modes = ""
    if spec.get("volumeName"):
        modes = access_modes(status.get("accessModes"))
        capacity = quantity_string((status.get("capacity") or {}).get("storage"))
    w.write(0, f"Capacity:\t{capacity}\n")
    w.write(0, f"Access Modes:\t{modes}\n")
    if spec.get("volumeMode"):
        w.write(0, f"VolumeMode:\t{spec['volumeMode']}\n")
    users = []
    for pod in cluster.api.list("Pod", m.get("namespace")):
        for v in (pod.get("spec") or {}).get("volumes") or ():
            if (v.get("persistentVolumeClaim") or {}).get("claimName") == m["name"]:
                users.append(pod["metadata"]["name"])
                break
    w.write(0, "Used By:\t")
    if not users:
        w.line("<none>")
    for i, name in enumerate(sorted(users)):
        if i:
            w.write(0, "\t")
        w.write(0, name + "\n")
    if show_events:
        describe_events(w, events_for(cluster, pvc), now)
    return w.text()


def _describe_volume_node_affinity(w: Any, affinity: Any) -> None:
    """printVolumeNodeAffinity: ``Required Terms:`` then ``Term 0:  key in [a, b]`` lines."""
    required = (affinity or {}).get("required")
    if not required:
        w.write(0, "Node Affinity:\t<none>\n")
        return
    w.write(0, "Node Affinity:\t\n")
    terms = required.get("nodeSelectorTerms") or []
    if not terms:
        w.write(1, "Required Terms:\t<none>\n")
        return
    w.write(1, "Required Terms:\t\n")
    for i, term in enumerate(terms):
        reqs = term.get("matchExpressions") or []
        if not reqs:
            w.write(2, f"Term {i}:\t<none>\n")
            continue
        for j, req in enumerate(reqs):
            expr = f"{req.get('key', '')} {str(req.get('operator', '')).lower()}"
            if req.get("values"):
                expr += f" [{', '.join(req['values'])}]"
            w.write(2, (f"Term {i}:\t" if j == 0 else "\t") + expr + "\n")


def _describe_pv(cluster: Cluster, pv: Mapping, show_events: bool, now: float) -> str:
    w = PrefixWriter()
    m = pv["metadata"]
    spec = pv.get("spec") or {}
    status = pv.get("status") or {}
    w.write(0, f"Name:\t{m['name']}\n")
    _labels_multiline(w, "Labels", m.get("labels"))
    _annotations_multiline(w, "Annotations", m.get("annotations"))
    w.write(0, f"Finalizers:\t[{' '.join(m.get('finalizers') or [])}]\n")
    w.write(0, f"StorageClass:\t{_storage_class_of(pv)}\n")
    if m.get("deletionTimestamp"):
        w.write(0, f"Status:\tTerminating (lasts {translate_timestamp_since(m['deletionTimestamp'], now)})\n")
    else:
        w.write(0, f"Status:\t{status.get('phase', '')}\n")
    claim = spec.get("claimRef")
    w.write(0, f"Claim:\t{claim.get('namespace', '') + '/' + claim.get('name', '') if claim else ''}\n")
    w.write(0, f"Reclaim Policy:\t{spec.get('persistentVolumeReclaimPolicy', '')}\n")
    w.write(0, f"Access Modes:\t{access_modes(spec.get('accessModes'))}\n")
    if spec.get("volumeMode"):
        w.write(0, f"VolumeMode:\t{spec['volumeMode']}\n")
    w.write(0, f"Capacity:\t{quantity_string((spec.get('capacity') or {}).get('storage'))}\n")
    _describe_volume_node_affinity(w, spec.get("nodeAffinity"))
    w.write(0, f"Message:\t{status.get('message', '')}\n")
    w.write(0, "Source:\n")
    if spec.get("hostPath") is not None:
        hp = spec["hostPath"]
        w.write(2, "Type:\tHostPath (bare host directory volume)\n")
        w.write(0, f"    Path:\t{hp.get('path', '')}\n    HostPathType:\t{hp.get('type') or '<none>'}\n")
    elif spec.get("nfs") is not None:
        nfs = spec["nfs"]
        w.write(2, "Type:\tNFS (an NFS mount that lasts the lifetime of a pod)\n")
        w.write(
            0,
            f"    Server:\t{nfs.get('server', '')}\n    Path:\t{nfs.get('path', '')}\n"
            f"    ReadOnly:\t{str(bool(nfs.get('readOnly'))).lower()}\n",
        )
    elif spec.get("local") is not None:
        w.write(2, "Type:\tLocalVolume (a persistent volume backed by local storage on a node)\n")
        w.write(0, f"    Path:\t{spec['local'].get('path', '')}\n")
    elif spec.get("csi") is not None:
        csi = spec["csi"]
        w.write(2, "Type:\tCSI (a Container Storage Interface (CSI) volume source)\n")
        w.write(0, f"    Driver:\t{csi.get('driver', '')}\n    FSType:\t{csi.get('fsType', '')}\n")
        w.write(0, f"    VolumeHandle:\t{csi.get('volumeHandle', '')}\n")
        w.write(0, f"    ReadOnly:\t{str(bool(csi.get('readOnly'))).lower()}\n")
    else:
        w.write(1, "<unknown>\n")
    if show_events:
        describe_events(w, events_for(cluster, pv), now)
    return w.text()


def _describe_hpa(cluster: Cluster, hpa: Mapping, show_events: bool, now: float) -> str:
    w = PrefixWriter()
    m = hpa["metadata"]
    spec = hpa.get("spec") or {}
    status = hpa.get("status") or {}
    ref = spec.get("scaleTargetRef") or {}
    _name_namespace_labels(w, m)
    w.write(0, f"CreationTimestamp:\t{format_rfc1123z(m.get('creationTimestamp'))}\n")
    w.write(0, f"Reference:\t{ref.get('kind', '')}/{ref.get('name', '')}\n")
    w.write(0, "Metrics:\t( current / target )\n")
    currents = status.get("currentMetrics") or []
    for i, metric in enumerate(spec.get("metrics") or ()):
        cur_all = currents[i] if len(currents) > i else {}
        mtype = metric.get("type")
        if mtype in ("Resource", "ContainerResource"):
            key = "resource" if mtype == "Resource" else "containerResource"
            src = metric.get(key) or {}
            target = src.get("target") or {}
            cur = (cur_all or {}).get(key)
            cur_block = (cur or {}).get("current") or {}
            if mtype == "Resource":
                head = f"resource {src.get('name')} on pods"
            else:
                head = f'resource {src.get("name")} of container "{src.get("container")}" on pods'
            if target.get("averageValue") is not None:
                current = quantity_string(cur_block.get("averageValue")) if cur is not None else "<unknown>"
                w.write(1, f"{head}:\t{current} / {quantity_string(target['averageValue'])}\n")
            else:
                current = "<unknown>"
                if cur is not None and cur_block.get("averageUtilization") is not None:
                    current = f"{cur_block['averageUtilization']}% ({quantity_string(cur_block.get('averageValue'))})"
                goal = f"{target['averageUtilization']}%" if target.get("averageUtilization") is not None else "<auto>"
                w.write(1, head)
                w.write(1, f"(as a percentage of request):\t{current} / {goal}\n")
        elif mtype == "Pods":
            src = metric.get("pods") or {}
            cur = (cur_all or {}).get("pods")
            current = quantity_string(((cur or {}).get("current") or {}).get("averageValue")) if cur else "<unknown>"
            goal = quantity_string((src.get("target") or {}).get("averageValue"))
            w.write(1, f'"{(src.get("metric") or {}).get("name")}" on pods:\t{current} / {goal}\n')
        else:
            w.write(1, f'<unknown metric type "{mtype}">\n')
    min_replicas = spec.get("minReplicas")
    w.write(0, f"Min replicas:\t{'<unset>' if min_replicas is None else min_replicas}\n")
    w.write(0, f"Max replicas:\t{spec.get('maxReplicas', 0)}\n")
    behavior = spec.get("behavior")
    if behavior is not None:
        w.write(0, "Behavior:\n")
        for title, key in (("Scale Up", "scaleUp"), ("Scale Down", "scaleDown")):
            rules = behavior.get(key)
            if rules is None:
                continue
            w.write(1, f"{title}:\n")
            if rules.get("stabilizationWindowSeconds") is not None:
                w.write(2, f"Stabilization Window: {rules['stabilizationWindowSeconds']} seconds\n")
            if rules.get("policies"):
                w.write(2, f"Select Policy: {rules.get('selectPolicy') or 'Max'}\n")
                w.write(2, "Policies:\n")
                for p in rules["policies"]:
                    w.write(
                        3,
                        f"- Type: {p.get('type')}\tValue: {p.get('value')}\tPeriod: {p.get('periodSeconds')} seconds\n",
                    )
    w.write(0, f"{ref.get('kind', '')} pods:\t")
    w.write(0, f"{status.get('currentReplicas') or 0} current / {status.get('desiredReplicas') or 0} desired\n")
    if status.get("conditions"):
        w.write(0, "Conditions:\n")
        w.write(1, "Type\tStatus\tReason\tMessage\n")
        w.write(1, "----\t------\t------\t-------\n")
        for c in status["conditions"]:
            w.write(1, f"{c.get('type')}\t{c.get('status')}\t{c.get('reason', '')}\t{c.get('message', '')}\n")
    if show_events:
        describe_events(w, events_for(cluster, hpa), now)
    return w.text()


def _describe_storageclass(cluster: Cluster, sc: Mapping, show_events: bool, now: float) -> str:
    w = PrefixWriter()
    a = sc["metadata"].get("annotations") or {}
    default = a.get(
        "storageclass.kubernetes.io/is-default-class", a.get("storageclass.beta.kubernetes.io/is-default-class")
    )
    w.write(0, f"Name:\t{sc['metadata']['name']}\n")
    w.write(0, f"IsDefaultClass:\t{'Yes' if default == 'true' else 'No'}\n")
    w.write(0, f"Annotations:\t{format_labels(a) if a else ''}\n")
    w.write(0, f"Provisioner:\t{sc.get('provisioner', '')}\n")
    w.write(0, f"Parameters:\t{format_labels(sc.get('parameters'))}\n")
    ave = sc.get("allowVolumeExpansion")
    w.write(0, f"AllowVolumeExpansion:\t{'<unset>' if ave is None else ('True' if ave else 'False')}\n")
    if not sc.get("mountOptions"):
        w.write(0, "MountOptions:\t<none>\n")
    else:
        w.write(0, "MountOptions:\n")
        for o in sc["mountOptions"]:
            w.write(1, f"{o}\n")
    if sc.get("reclaimPolicy"):
        w.write(0, f"ReclaimPolicy:\t{sc['reclaimPolicy']}\n")
    if sc.get("volumeBindingMode"):
        w.write(0, f"VolumeBindingMode:\t{sc['volumeBindingMode']}\n")
    if show_events:
        describe_events(w, events_for(cluster, sc), now)
    return w.text()


def _describe_priorityclass(cluster: Cluster, pc: Mapping, show_events: bool, now: float) -> str:
    w = PrefixWriter()
    w.write(0, f"Name:\t{pc['metadata']['name']}\n")
    w.write(0, f"Value:\t{pc.get('value', 0)}\n")
    w.write(0, f"GlobalDefault:\t{'true' if pc.get('globalDefault') else 'false'}\n")
    w.write(0, f"PreemptionPolicy:\t{pc.get('preemptionPolicy') or 'PreemptLowerPriority'}\n")
    w.write(0, f"Description:\t{pc.get('description', '')}\n")
    w.write(
        0,
        f"Annotations:\t{format_labels(pc['metadata'].get('annotations')) if pc['metadata'].get('annotations') else ''}\n",
    )
    if show_events:
        describe_events(w, events_for(cluster, pc), now)
    return w.text()


def _describe_serviceaccount(cluster: Cluster, sa: Mapping, show_events: bool, now: float) -> str:
    w = PrefixWriter()
    m = sa["metadata"]
    _name_namespace_labels(w, m)
    pulls = [s.get("name", "") for s in sa.get("imagePullSecrets") or ()]
    if not pulls:
        w.write(0, "Image pull secrets:\t<none>\n")
    for i, name in enumerate(pulls):
        w.write(0, f"{'Image pull secrets:' if i == 0 else ' ' * 19}\t{name}\n")
    if show_events:
        describe_events(w, events_for(cluster, sa), now)
    return w.text()


def _smart_label(field: str) -> str:
    if any(not (ch.isalpha() or ch == "-") for ch in field):
        return field
    parts: list[str] = []
    current = ""
    for ch in field:
        if current and ch.isupper() != current[-1].isupper() and ch.isupper():
            parts.append(current)
            current = ch
        else:
            current += ch
    if current:
        parts.append(current)
    out = []
    for p in parts:
        if p.upper() in ("API", "URL", "UID", "GUID"):
            out.append(p.upper())
        elif p.islower():
            out.append(p[:1].upper() + p[1:])
        else:
            out.append(p)
    return " ".join(out)


def _unstructured(w: PrefixWriter, level: int, content: Mapping, prefix: str, skip: tuple[str, ...]) -> None:
    for field in sorted(content):
        value = content[field]
        path = f"{prefix}.{field}"
        if path in skip:
            continue
        if isinstance(value, dict):
            w.write(level, f"{_smart_label(field)}:\n")
            _unstructured(w, level + 1, value, path, skip)
        elif isinstance(value, list):
            w.write(level, f"{_smart_label(field)}:\n")
            for child in value:
                if isinstance(child, dict):
                    _unstructured(w, level + 1, child, path, skip)
                else:
                    w.write(level + 1, f"{child}\n")
        else:
            text = "true" if value is True else "false" if value is False else value
            w.write(level, f"{_smart_label(field)}:\t{text}\n")


def _describe_generic(cluster: Cluster, obj: Mapping, show_events: bool, now: float) -> str:
    """The generic describer: every field with a readable label (``printUnstructuredContent``)."""
    w = PrefixWriter()
    m = obj["metadata"]
    _name_namespace_labels(w, m)
    skip = (
        ".metadata.managedFields",
        ".metadata.name",
        ".metadata.namespace",
        ".metadata.labels",
        ".metadata.annotations",
    )
    _unstructured(w, 0, obj, "", skip)
    if show_events:
        describe_events(w, events_for(cluster, obj), now)
    return w.text()


Describer = Callable[["Cluster", Mapping, bool, float], str]

#: kind -> describer(cluster, obj, show_events, now); other kinds use the generic describer.
DESCRIBERS: dict[str, Describer] = {
    "Pod": _describe_pod,
    "Node": _describe_node,
    "Deployment": _describe_deployment,
    "ReplicaSet": _describe_replicaset,
    "DaemonSet": _describe_daemonset,
    "Job": _describe_job,
    "Service": _describe_service,
    "Endpoints": _describe_endpoints,
    "Secret": _describe_secret,
    "ConfigMap": _describe_configmap,
    "Namespace": _describe_namespace,
    "PersistentVolumeClaim": _describe_pvc,
    "PersistentVolume": _describe_pv,
    "HorizontalPodAutoscaler": _describe_hpa,
    "StorageClass": _describe_storageclass,
    "PriorityClass": _describe_priorityclass,
    "ServiceAccount": _describe_serviceaccount,
}


def describe_object(cluster: Cluster, obj: Mapping, show_events: bool = True) -> str:
    """The ``kubectl describe`` text of one object."""
    fn = DESCRIBERS.get(obj.get("kind", ""), _describe_generic)
    return fn(cluster, obj, show_events, cluster.clock.now)


DESCRIBE_FLAGS = (
    Flag("selector", "l"),
    Flag("all-namespaces", "A", kind="bool", default=False),
    Flag("show-events", kind="bool", default=True),
    Flag("filename", "f", kind="list"),
    Flag("recursive", "R", kind="bool", default=False),
    Flag("chunk-size", kind="int", default=500),
    *GLOBAL_FLAGS,
)


def run_describe(cluster: Cluster, args: list[str]) -> str | KubectlOutput:
    """``kubectl describe TYPE [NAME_PREFIX]`` / ``TYPE/NAME`` / ``TYPE -l selector``."""
    args, opts = parse_flags("describe", args, DESCRIBE_FLAGS)
    namespace = opts["namespace"] or "default"
    if opts["filename"]:
        from .apply import read_manifests

        args = [
            f"{o.get('kind', '')}/{(o.get('metadata') or {}).get('name', '')}" for o in read_manifests(opts["filename"])
        ]
    if not args:
        raise KubectlError(
            'You must specify the type of resource to describe. Use "kubectl api-resources" for a complete list of '
            "supported resources.\n"
        )
    request = parse_resource_args(args)
    infos, errors = fetch(
        cluster,
        request,
        namespace=namespace,
        all_namespaces=opts["all-namespaces"],
        selector=opts["selector"],
        allow_empty_selector=True,
    )
    show_events = opts["show-events"]
    if "show-events" not in opts["__changed__"] and (errors or len(infos) > 1):
        show_events = False
    term = Terminal()
    if errors and len(args) == 2 and not request.tuples:
        return _describe_matching(cluster, request.types[0], namespace, args[1], errors[0], show_events)
    for k, info in enumerate(infos):
        text = describe_object(cluster, info.obj, show_events)
        term.out(text if k == 0 else "\n\n" + text)
    for err in errors:
        term.error(err)
    if not infos and not errors:
        term.err("No resources found" if opts["all-namespaces"] else f"No resources found in {namespace} namespace.")
    return term.result(1 if errors else 0)


def _describe_matching(
    cluster: Cluster, res: Any, namespace: str, prefix: str, original: ApiError, events: bool
) -> str:
    """``describe pods web`` also describes every pod whose name starts with ``web``."""
    found = [
        Info(res, o)
        for o in cluster.api.list(res.kind, namespace if res.namespaced else None)
        if o["metadata"]["name"].startswith(prefix)
    ]
    if not found:
        raise original
    return "".join(describe_object(cluster, i.obj, events) + "\n" for i in found)
