"""The Endpoints controller: keeps a v1 ``Endpoints`` object per Service with a selector.

Notes
-----
Mirrors kube-controller-manager's ``endpoint-controller``
(``pkg/controller/endpoint/endpoints_controller.go`` ``syncService``):

- a pod counts when it matches the Service's selector, is not terminal
  (Succeeded/Failed), has a pod IP and - unless ``publishNotReadyAddresses`` - is not
  being deleted (``ShouldPodBeInEndpoints``);
- a Ready pod goes to ``addresses``, any other to ``notReadyAddresses``
  (``publishNotReadyAddresses: true`` puts every pod in ``addresses``); each address
  carries ``ip``, ``nodeName``, ``targetRef`` and, for a pod whose ``hostname`` and
  ``subdomain`` name this Service, ``hostname``;
- named ``targetPort``\\ s are resolved per pod from its container ports (``FindPort``);
  a pod without such a port is left out of that port;
- subsets are repacked so that addresses offering the same ports share one subset
  (``RepackSubsets``); addresses sort by IP, ports by name (upstream sorts ports and
  subsets by a hash, which only changes their order);
- labels: the Service's labels plus ``endpointslice.kubernetes.io/skip-mirror: "true"``
  (and ``service.kubernetes.io/headless`` for headless Services); annotation
  ``endpoints.kubernetes.io/last-change-trigger-time``;
- more than 1000 addresses are truncated to 1000 with the annotation
  ``endpoints.kubernetes.io/over-capacity: truncated``;
- the Endpoints object is deleted with its Service.

v1 Endpoints is deprecated since 1.33 in favour of EndpointSlices (see
:mod:`.endpointslice`), which kube-proxy reads; this controller still runs upstream.
The pod-selection helpers here are shared with the EndpointSlice controller.

Used in: 06_services_and_kube_proxy.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

from ...api.errors import ApiError
from ...api.objects import pod_is_ready, pod_is_terminal
from ..apiserver import WatchEvent
from .base import Controller

__all__ = [
    "EndpointsController",
    "ServiceMembership",
    "find_port",
    "should_pod_be_in_endpoints",
    "should_set_hostname",
    "pod_ip",
    "service_selector",
    "MAX_ENDPOINTS_CAPACITY",
    "TRIGGER_TIME_ANNOTATION",
    "install_apiserver_endpoints",
    "APISERVER_ADDRESS",
]

#: ``maxCapacity`` of the Endpoints controller.
MAX_ENDPOINTS_CAPACITY = 1000
TRIGGER_TIME_ANNOTATION = "endpoints.kubernetes.io/last-change-trigger-time"
OVER_CAPACITY_ANNOTATION = "endpoints.kubernetes.io/over-capacity"
SKIP_MIRROR_LABEL = "endpointslice.kubernetes.io/skip-mirror"
HEADLESS_LABEL = "service.kubernetes.io/headless"

Key = tuple[str, str]


# -- pure helpers (shared with the EndpointSlice controller) --------------------------------------
def pod_ip(pod: Mapping) -> str:
    status = pod.get("status") or {}
    if status.get("podIP"):
        return status["podIP"]
    for item in status.get("podIPs") or ():
        if item.get("ip"):
            return item["ip"]
    return ""


def should_pod_be_in_endpoints(pod: Mapping, include_terminating: bool) -> bool:
    """``ShouldPodBeInEndpoints``: not terminal, has an IP, and (unless included) not being deleted."""
    if pod_is_terminal(pod):
        return False
    if not pod_ip(pod):
        return False
    return include_terminating or not (pod.get("metadata") or {}).get("deletionTimestamp")


def should_set_hostname(pod: Mapping, svc: Mapping) -> bool:
    """``ShouldSetHostname``: the pod's ``hostname`` is set and its ``subdomain`` is this Service."""
    spec = pod.get("spec") or {}
    m, sm = pod.get("metadata") or {}, svc.get("metadata") or {}
    return (
        bool(spec.get("hostname"))
        and spec.get("subdomain") == sm.get("name")
        and m.get("namespace") == sm.get("namespace")
    )


def find_port(pod: Mapping, service_port: Mapping) -> int | None:
    """``podutil.FindPort``: the container port a service port's ``targetPort`` names, or None."""
    target = service_port.get("targetPort", service_port.get("port"))
    if isinstance(target, int):
        return target
    if isinstance(target, str) and target.isdigit():
        return int(target)
    proto = service_port.get("protocol") or "TCP"
    for c in (pod.get("spec") or {}).get("containers") or ():
        for p in c.get("ports") or ():
            if p.get("name") == target and (p.get("protocol") or "TCP") == proto:
                return p.get("containerPort")
    return None


def service_selector(svc: Mapping) -> Any:
    """The Service's selector as a label Selector, or None when it has none (``spec.selector`` unset)."""
    from ...api.labels import selector_from_set

    spec = svc.get("spec") or {}
    if spec.get("selector") is None or spec.get("type") == "ExternalName":
        return None
    return selector_from_set(spec["selector"])


def _endpoint_state(pod: Mapping) -> tuple:
    """What of a pod matters for endpoints (changes elsewhere do not requeue its Services)."""
    m, spec, status = pod.get("metadata") or {}, pod.get("spec") or {}, pod.get("status") or {}
    return (
        pod_ip(pod),
        pod_is_ready(pod),
        status.get("phase") in ("Succeeded", "Failed"),
        bool(m.get("deletionTimestamp")),
        spec.get("nodeName"),
        spec.get("hostname"),
        spec.get("subdomain"),
        id(spec.get("containers")),
    )


class ServiceMembership:
    """Which pods each Service selects, kept up to date from the Service and Pod watches.

    Each pod event costs one selector match per Service of its namespace (as upstream's
    ``GetPodServiceMemberships``); a Service's pods are then known without a list call.
    """

    def __init__(self) -> None:
        self.pods: dict[str, dict[str, dict]] = {}  # namespace -> pod name -> pod
        self.selectors: dict[str, dict[str, Any]] = {}  # namespace -> service name -> selector
        self.members: dict[Key, dict[str, None]] = {}

    def on_service(self, event: WatchEvent) -> list[Key]:
        svc = event.object
        m = svc["metadata"]
        ns, name = m.get("namespace") or "default", m["name"]
        key = (ns, name)
        if event.type == "DELETED":
            self.selectors.get(ns, {}).pop(name, None)
            self.members.pop(key, None)
            return [key]
        sel = service_selector(svc)
        old = self.selectors.setdefault(ns, {}).get(name, "missing")
        self.selectors[ns][name] = sel
        if old == "missing" or _selector_changed(old, sel):
            members: dict[str, None] = {}
            if sel is not None:
                for pod_name in sorted(self.pods.get(ns, {})):
                    if sel.matches((self.pods[ns][pod_name]["metadata"].get("labels")) or {}):
                        members[pod_name] = None
            self.members[key] = members
        return [key]

    def on_pod(self, event: WatchEvent) -> list[Key]:
        pod = event.object
        m = pod["metadata"]
        ns, name = m.get("namespace") or "default", m["name"]
        bucket = self.pods.setdefault(ns, {})
        old = event.old_object
        if event.type == "DELETED":
            bucket.pop(name, None)
        else:
            bucket[name] = pod
        labels = m.get("labels") or {}
        old_labels = ((old or {}).get("metadata") or {}).get("labels") or {}
        changed = event.type != "MODIFIED" or old is None or _endpoint_state(old) != _endpoint_state(pod)
        # a pod without an IP before and after is in no Service's endpoints: nothing to resync
        visible = bool(pod_ip(pod)) or (old is not None and bool(pod_ip(old)))
        keys = []
        for svc_name, sel in self.selectors.get(ns, {}).items():
            if sel is None:
                continue
            key = (ns, svc_name)
            members = self.members.setdefault(key, {})
            now_in = event.type != "DELETED" and sel.matches(labels)
            was_in = name in members
            if now_in and not was_in:
                members[name] = None
            elif was_in and not now_in:
                del members[name]
            if visible and (now_in != was_in or (now_in and (changed or labels != old_labels))):
                keys.append(key)
        return keys

    def pods_of(self, key: Key) -> list[dict]:
        """The pods a Service selects, sorted by name."""
        bucket = self.pods.get(key[0], {})
        return [bucket[n] for n in sorted(self.members.get(key, {})) if n in bucket]


def _selector_changed(old: Any, new: Any) -> bool:
    if old is None or new is None:
        return old is not new
    return str(old) != str(new)


def _address(pod: dict, svc: dict) -> dict:
    m = pod["metadata"]
    addr: dict[str, Any] = {"ip": pod_ip(pod)}
    if should_set_hostname(pod, svc):
        addr["hostname"] = pod["spec"]["hostname"]
    node = (pod.get("spec") or {}).get("nodeName")
    if node:
        addr["nodeName"] = node
    addr["targetRef"] = {"kind": "Pod", "namespace": m.get("namespace"), "name": m["name"], "uid": m.get("uid")}
    return addr


def _pod_entry(svc: dict, pod: dict) -> tuple[tuple, dict, bool] | None:
    """(ports group, address, ready) of one pod for a Service's Endpoints, or None if left out."""
    spec = svc.get("spec") or {}
    publish = bool(spec.get("publishNotReadyAddresses"))
    if not should_pod_be_in_endpoints(pod, publish):
        return None
    ports = spec.get("ports") or []
    pod_ports: list[tuple] = []
    for sp in ports:
        number = find_port(pod, sp)
        if number is None:
            continue
        pod_ports.append((sp.get("name") or "", number, sp.get("protocol") or "TCP", sp.get("appProtocol")))
    if not pod_ports and not (not ports and spec.get("clusterIP") == "None"):
        return None
    return tuple(sorted(pod_ports)), _address(pod, svc), publish or pod_is_ready(pod)


def endpoints_subsets(svc: dict, pods: list[dict], cache: dict | None = None) -> tuple[list[dict], bool]:
    """The ``subsets`` of a Service's Endpoints, and whether they were truncated at 1000 addresses.

    ``cache`` (pod uid -> (pod, entry)) skips pods whose object did not change.
    """
    by_ports: dict[tuple, dict[str, tuple[dict, bool]]] = {}
    for pod in pods:
        uid = pod["metadata"].get("uid") or pod["metadata"]["name"]
        hit = cache.get(uid) if cache is not None else None
        if hit is not None and hit[0] is pod:
            entry = hit[1]
        else:
            entry = _pod_entry(svc, pod)
            if cache is not None:
                cache[uid] = (pod, entry)
        if entry is None:
            continue
        group, addr, ready = entry
        by_ports.setdefault(group, {})[addr["ip"] + "/" + addr["targetRef"]["uid"]] = (addr, ready)
    subsets = []
    for group, addrs in by_ports.items():
        ready = [a for a, ok in addrs.values() if ok]
        not_ready = [a for a, ok in addrs.values() if not ok]
        subset: dict[str, Any] = {}
        if ready:
            subset["addresses"] = sorted(ready, key=lambda a: a["ip"])
        if not_ready:
            subset["notReadyAddresses"] = sorted(not_ready, key=lambda a: a["ip"])
        if group:
            subset["ports"] = [
                {k: v for k, v in (("name", n), ("port", p), ("protocol", pr), ("appProtocol", ap)) if v or k == "port"}
                for n, p, pr, ap in group
            ]
        subsets.append(subset)
    subsets.sort(key=lambda s: ((s.get("addresses") or s.get("notReadyAddresses") or [{}])[0].get("ip", ""),))
    total = sum(len(s.get("addresses", ())) + len(s.get("notReadyAddresses", ())) for s in subsets)
    if total <= MAX_ENDPOINTS_CAPACITY:
        return subsets, False
    budget = MAX_ENDPOINTS_CAPACITY
    out = []
    for s in subsets:
        s = dict(s)
        for part in ("addresses", "notReadyAddresses"):
            if part in s:
                s[part] = s[part][:budget]
                budget -= len(s[part])
                if not s[part]:
                    del s[part]
        if "addresses" in s or "notReadyAddresses" in s:
            out.append(s)
    return out, True


def _rfc3339_nano(ts: str) -> str:
    # 2026-01-01T00:00:05.500000Z -> 2026-01-01T00:00:05.5Z (Go's RFC3339Nano trims zeros)
    head, _, frac = ts[:-1].partition(".")
    frac = frac.rstrip("0")
    return f"{head}.{frac}Z" if frac else f"{head}Z"


class EndpointsController(Controller):
    """Keeps ``Endpoints/<svc>`` in step with the pods a Service selects.

    Notes
    -----
    Mirrors ``pkg/controller/endpoint``. Used in: 06_services_and_kube_proxy.
    """

    name = "endpoint-controller"
    watches = ("Service", "Pod", "Endpoints")

    def __init__(self, cluster: Any) -> None:
        super().__init__(cluster)
        self.index = ServiceMembership()
        self.trigger: dict[Key, float] = {}
        self._written: dict[Key, str] = {}
        self._cache: dict[Key, tuple[dict, dict]] = {}

    def enqueue_for(self, kind: str, event: WatchEvent) -> None:
        if kind == "Service":
            keys = self.index.on_service(event)
        elif kind == "Pod":
            keys = self.index.on_pod(event)
        else:
            # someone else deleted or changed our Endpoints: put it back
            m = event.object["metadata"]
            key = (m.get("namespace") or "default", m["name"])
            if event.type != "DELETED" and (event.object.get("metadata") or {}).get(
                "resourceVersion"
            ) == self._written.get(key):
                return
            keys = [key]
        now = self.clock.now
        for key in keys:
            if kind != "Endpoints":
                self.trigger[key] = now
            self.queue.add(key)

    def reconcile(self, key: Key) -> float | None:
        ns, name = key
        api = self.api
        svc = api.get_or_none("Service", name, ns)
        if svc is None:
            with contextlib.suppress(ApiError):
                api.delete("Endpoints", name, ns, user=self.user)
            self.trigger.pop(key, None)
            self._written.pop(key, None)
            self._cache.pop(key, None)
            return None
        if service_selector(svc) is None:
            return None  # Endpoints of selector-less Services are written by their users
        cached = self._cache.get(key)
        if cached is None or cached[0] is not svc:
            cached = (svc, {})
        pods = self.index.pods_of(key)
        subsets, truncated = endpoints_subsets(svc, pods, cached[1])
        if len(cached[1]) > 2 * len(pods) + 16:
            live = {p["metadata"].get("uid") or p["metadata"]["name"] for p in pods}
            cached = (svc, {uid: v for uid, v in cached[1].items() if uid in live})
        self._cache[key] = cached
        labels = dict((svc.get("metadata") or {}).get("labels") or {})
        labels[SKIP_MIRROR_LABEL] = "true"
        if (svc.get("spec") or {}).get("clusterIP") == "None":
            labels[HEADLESS_LABEL] = ""
        current = api.get_or_none("Endpoints", name, ns)
        if current is not None:
            cur_labels = (current.get("metadata") or {}).get("labels") or {}
            cur_truncated = OVER_CAPACITY_ANNOTATION in ((current.get("metadata") or {}).get("annotations") or {})
            if (current.get("subsets") or []) == subsets and cur_labels == labels and cur_truncated == truncated:
                return None
        annotations: dict[str, str] = {}
        if key in self.trigger:
            annotations[TRIGGER_TIME_ANNOTATION] = _rfc3339_nano(self.clock.micro_timestamp(self.trigger[key]))
        if truncated:
            annotations[OVER_CAPACITY_ANNOTATION] = "truncated"
        meta: dict[str, Any] = {"name": name, "namespace": ns, "labels": labels}
        if current is not None:
            old_ann = dict((current.get("metadata") or {}).get("annotations") or {})
            old_ann.pop(OVER_CAPACITY_ANNOTATION, None)
            annotations = {**old_ann, **annotations}
            meta = dict(current["metadata"], labels=labels)
        if annotations:
            meta["annotations"] = annotations
        else:
            meta.pop("annotations", None)
        obj: dict[str, Any] = {"apiVersion": "v1", "kind": "Endpoints", "metadata": meta}
        if subsets:
            obj["subsets"] = subsets
        try:
            if current is None:
                stored = api.create(obj, user=self.user, copy=False)
            elif subsets or not current.get("subsets"):
                # the controller's own status-like write: no need to re-validate every address
                fields: dict[str, Any] = {"metadata": meta}
                if subsets:
                    fields["subsets"] = subsets
                stored = api.replace_fields("Endpoints", name, ns, fields, user=self.user)
            else:
                stored = api.update(obj, user=self.user, copy=False)
        except ApiError as err:
            self.recorder.warning(svc, "FailedToUpdateEndpoint", f"Failed to update endpoint {ns}/{name}: {err}")
            return 1.0
        self._written[key] = stored["metadata"]["resourceVersion"]
        return None

    @property
    def user(self) -> str:
        return f"kube-controller-manager/{self.name}"


#: Where the simulated control plane's kube-apiserver listens (not a worker node address).
APISERVER_ADDRESS = "192.168.0.2"


def install_apiserver_endpoints(cluster: Any, address: str = APISERVER_ADDRESS, port: int = 6443) -> None:
    """Publish kube-apiserver's own address as the endpoint of the ``kubernetes`` Service.

    Mirrors kube-apiserver's endpoint reconciler (``pkg/controlplane/reconcilers``,
    ``EndpointsAdapter``): an Endpoints and an EndpointSlice named ``kubernetes`` in
    ``default`` (the Service has no selector, so no controller fills them). Idempotent.
    """
    api = cluster.api
    if api.get_or_none("Endpoints", "kubernetes", "default") is None:
        api.create(
            {
                "apiVersion": "v1",
                "kind": "Endpoints",
                "metadata": {"name": "kubernetes", "namespace": "default", "labels": {SKIP_MIRROR_LABEL: "true"}},
                "subsets": [
                    {"addresses": [{"ip": address}], "ports": [{"name": "https", "port": port, "protocol": "TCP"}]}
                ],
            },
            user="kube-apiserver",
        )
    if api.get_or_none("EndpointSlice", "kubernetes", "default") is None:
        api.create(
            {
                "apiVersion": "discovery.k8s.io/v1",
                "kind": "EndpointSlice",
                "metadata": {
                    "name": "kubernetes",
                    "namespace": "default",
                    "labels": {"kubernetes.io/service-name": "kubernetes"},
                },
                "addressType": "IPv4",
                "endpoints": [{"addresses": [address], "conditions": {"ready": True}}],
                "ports": [{"name": "https", "port": port, "protocol": "TCP"}],
            },
            user="kube-apiserver",
        )
