"""The EndpointSlice controller: the endpoints kube-proxy and cluster DNS actually read.

Notes
-----
Mirrors kube-controller-manager's ``endpointslice-controller``
(``pkg/controller/endpointslice`` and ``staging/.../endpointslice/reconciler.go``):

- for each Service with a selector (not ExternalName) it keeps ``discovery.k8s.io/v1``
  EndpointSlices named ``<svc>-<5 random chars>`` (``generateName``), owned by the
  Service, labelled ``kubernetes.io/service-name: <svc>`` and
  ``endpointslice.kubernetes.io/managed-by: endpointslice-controller.k8s.io`` (plus the
  Service's own labels, and ``service.kubernetes.io/headless`` when headless);
- an endpoint per pod that matches, is not terminal and has an IP - *including* pods
  being deleted, which get ``terminating: true`` - with ``addresses``, ``conditions``
  (``ready`` = Ready and not terminating, or always with ``publishNotReadyAddresses``;
  ``serving`` = Ready; ``terminating`` = being deleted), ``hostname`` (pod hostname +
  subdomain), ``targetRef``, ``nodeName`` and ``zone`` (the node's
  ``topology.kubernetes.io/zone`` label);
- ports carry the service port's name with the target port resolved per pod, so pods
  that resolve a named ``targetPort`` differently land in different slices;
- at most 100 endpoints per slice (``--max-endpoints-per-slice``); an endpoint stays in
  the slice it is in, new ones fill slices already being updated, then the fullest slice
  with room, then new slices; empty slices are deleted, but a Service always keeps one
  (a placeholder without endpoints or ports).

Used in: 06_services_and_kube_proxy.
"""

from __future__ import annotations

from typing import Any

from ...api.errors import ApiError
from ...api.objects import make_owner_reference, pod_is_ready
from ..apiserver import WatchEvent
from .base import Controller
from .endpoints import HEADLESS_LABEL, ServiceMembership, find_port, pod_ip, service_selector, should_set_hostname

__all__ = ["EndpointSliceController", "MAX_ENDPOINTS_PER_SLICE", "MANAGED_BY", "desired_endpoints", "pod_endpoint"]

#: ``--max-endpoints-per-slice`` default.
MAX_ENDPOINTS_PER_SLICE = 100
SERVICE_NAME_LABEL = "kubernetes.io/service-name"
MANAGED_BY_LABEL = "endpointslice.kubernetes.io/managed-by"
MANAGED_BY = "endpointslice-controller.k8s.io"
ZONE_LABEL = "topology.kubernetes.io/zone"

Key = tuple[str, str]
PortsKey = tuple


def _ports_key(ports: list[dict] | None) -> PortsKey:
    return tuple((p.get("name"), p.get("port"), p.get("protocol"), p.get("appProtocol")) for p in ports or ())


def pod_endpoint(svc: dict, pod: dict, zone: str | None = None) -> tuple[PortsKey, list[dict], dict] | None:
    """One pod's endpoint for a Service: (ports key, resolved ports, endpoint), or None if it is left out."""
    m = pod["metadata"]
    ip = pod_ip(pod)
    if (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed") or not ip:
        return None
    spec = svc.get("spec") or {}
    ports = []
    for sp in spec.get("ports") or ():
        number = find_port(pod, sp)
        if number is None:
            continue
        port: dict[str, Any] = {"name": sp.get("name") or "", "port": number, "protocol": sp.get("protocol") or "TCP"}
        if sp.get("appProtocol"):
            port["appProtocol"] = sp["appProtocol"]
        ports.append(port)
    serving = pod_is_ready(pod)
    terminating = bool(m.get("deletionTimestamp"))
    ready = bool(spec.get("publishNotReadyAddresses")) or (serving and not terminating)
    ep: dict[str, Any] = {
        "addresses": [ip],
        "conditions": {"ready": ready, "serving": serving, "terminating": terminating},
    }
    if should_set_hostname(pod, svc):
        ep["hostname"] = pod["spec"]["hostname"]
    ep["targetRef"] = {"kind": "Pod", "namespace": m.get("namespace"), "name": m["name"], "uid": m.get("uid")}
    node = (pod.get("spec") or {}).get("nodeName")
    if node:
        ep["nodeName"] = node
        if zone:
            ep["zone"] = zone
    return _ports_key(ports), ports, ep


def desired_endpoints(
    svc: dict, pods: list[dict], zone_of: Any = None, cache: dict | None = None
) -> dict[PortsKey, tuple[list[dict], dict[str, dict]]]:
    """The endpoints a Service should have, grouped by their resolved ports.

    Returns ``ports key -> (ports, {pod uid: endpoint})``; ``zone_of(node_name)`` gives
    a node's zone (or None). ``cache`` (pod uid -> (pod, zone, result)) skips pods whose
    object and zone did not change since the last call.
    """
    out: dict[PortsKey, tuple[list[dict], dict[str, dict]]] = {}
    zones: dict[str | None, str | None] = {None: None}
    get = cache.get if cache is not None else {}.get
    for pod in pods:
        m = pod["metadata"]
        uid = m.get("uid") or m["name"]
        node = pod["spec"].get("nodeName")
        zone = zones.get(node, zones)
        if zone is zones:
            zone = zones[node] = zone_of(node) if zone_of is not None and node else None
        hit = get(uid)
        if hit is not None and hit[0] is pod and hit[1] == zone:
            result = hit[2]
        else:
            result = pod_endpoint(svc, pod, zone)
            if cache is not None:
                cache[uid] = (pod, zone, result)
        if result is not None:
            key = result[0]
            group = out.get(key)
            if group is None:
                group = out[key] = (result[1], {})
            group[1][uid] = result[2]
    return out


def _uid(ep: dict) -> str:
    ref = ep.get("targetRef") or {}
    return ref.get("uid") or ref.get("name") or (ep.get("addresses") or [""])[0]


class EndpointSliceController(Controller):
    """Keeps a Service's EndpointSlices in step with the pods it selects.

    Notes
    -----
    Mirrors ``pkg/controller/endpointslice``. Used in: 06_services_and_kube_proxy.
    """

    name = "endpointslice-controller"
    watches = ("Service", "Pod", "EndpointSlice")

    def __init__(self, cluster: Any) -> None:
        super().__init__(cluster)
        self.index = ServiceMembership()
        self.slices: dict[Key, dict[str, dict]] = {}  # service -> slice name -> slice (ours)
        self._slice_owner: dict[Key, str] = {}
        self._written: dict[Key, str] = {}  # slice key -> resourceVersion we wrote
        self.max_endpoints_per_slice = MAX_ENDPOINTS_PER_SLICE
        self._ep_cache: dict[Key, tuple[dict, dict]] = {}

    @property
    def user(self) -> str:
        return f"kube-controller-manager/{self.name}"

    def enqueue_for(self, kind: str, event: WatchEvent) -> None:
        if kind == "Service":
            keys = self.index.on_service(event)
        elif kind == "Pod":
            keys = self.index.on_pod(event)
        else:
            keys = self._on_slice(event)
        for key in keys:
            self.queue.add(key)

    def _on_slice(self, event: WatchEvent) -> list[Key]:
        sl = event.object
        m = sl["metadata"]
        labels = m.get("labels") or {}
        ns = m.get("namespace") or "default"
        slice_key = (ns, m["name"])
        keys: list[Key] = []
        old_svc = self._slice_owner.pop(slice_key, None)
        if old_svc is not None:
            self.slices.get((ns, old_svc), {}).pop(m["name"], None)
            keys.append((ns, old_svc))
        svc = labels.get(SERVICE_NAME_LABEL)
        if event.type != "DELETED" and svc and labels.get(MANAGED_BY_LABEL) == MANAGED_BY:
            self.slices.setdefault((ns, svc), {})[m["name"]] = sl
            self._slice_owner[slice_key] = svc
            if (ns, svc) not in keys:
                keys.append((ns, svc))
        if event.type != "DELETED" and self._written.get(slice_key) == m.get("resourceVersion"):
            return []  # our own write coming back
        return keys

    def _zone(self, node: str) -> str | None:
        obj = self.api.get_or_none("Node", node)
        return ((obj or {}).get("metadata") or {}).get("labels", {}).get(ZONE_LABEL) if obj else None

    def reconcile(self, key: Key) -> float | None:
        ns, name = key
        svc = self.api.get_or_none("Service", name, ns)
        if svc is None or service_selector(svc) is None:
            self._ep_cache.pop(key, None)
            return None  # owned slices go with the Service (garbage collector)
        if (svc.get("metadata") or {}).get("deletionTimestamp"):
            return None
        cached = self._ep_cache.get(key)
        if cached is None or cached[0] is not svc:
            cached = (svc, {})
        pods = self.index.pods_of(key)
        desired = desired_endpoints(svc, pods, self._zone, cached[1])
        if len(cached[1]) > 2 * len(pods) + 16:  # forget pods that left
            live = {p["metadata"].get("uid") or p["metadata"]["name"] for p in pods}
            cached = (svc, {uid: v for uid, v in cached[1].items() if uid in live})
        self._ep_cache[key] = cached
        existing = dict(self.slices.get(key, {}))
        labels = self._labels(svc)
        try:
            self._reconcile(svc, desired, existing, labels)
        except ApiError as err:
            self.recorder.warning(
                svc, "FailedToUpdateEndpointSlices", f"Error updating Endpoint Slices for Service {ns}/{name}: {err}"
            )
            return 1.0
        return None

    @staticmethod
    def _labels(svc: dict) -> dict[str, str]:
        labels = {
            k: v
            for k, v in ((svc.get("metadata") or {}).get("labels") or {}).items()
            if k not in (SERVICE_NAME_LABEL, MANAGED_BY_LABEL, HEADLESS_LABEL)
        }
        labels[SERVICE_NAME_LABEL] = svc["metadata"]["name"]
        labels[MANAGED_BY_LABEL] = MANAGED_BY
        if (svc.get("spec") or {}).get("clusterIP") == "None":
            labels[HEADLESS_LABEL] = ""
        return labels

    def _reconcile(self, svc: dict, desired: dict, existing: dict[str, dict], labels: dict[str, str]) -> None:
        limit = self.max_endpoints_per_slice
        by_ports: dict[PortsKey, list[dict]] = {}
        for slice_name in sorted(existing):
            sl = existing[slice_name]
            by_ports.setdefault(_ports_key(sl.get("ports")), []).append(sl)
        to_create: list[tuple[list[dict], list[dict]]] = []
        to_update: dict[str, tuple[dict, list[dict]]] = {}
        to_delete: list[dict] = []
        unchanged: list[tuple[dict, list[dict]]] = []
        for pkey, (ports, wanted) in desired.items():
            wanted = dict(wanted)
            slices = by_ports.pop(pkey, [])
            # 1. keep endpoints where they are; drop the ones no longer wanted
            for sl in slices:
                new_eps = []
                for ep in sl.get("endpoints") or ():
                    uid = _uid(ep)
                    if uid in wanted:
                        new_eps.append(wanted.pop(uid))
                if new_eps != list(sl.get("endpoints") or ()) or (sl.get("metadata") or {}).get("labels") != labels:
                    if new_eps:
                        to_update[sl["metadata"]["name"]] = (sl, new_eps)
                    else:
                        to_delete.append(sl)
                else:
                    unchanged.append((sl, new_eps))
            remaining = [wanted[uid] for uid in wanted]
            # 2. fill slices being updated anyway, then the fullest unchanged slice with room
            for slice_name in list(to_update):
                sl, eps = to_update[slice_name]
                if _ports_key(sl.get("ports")) != pkey:
                    continue
                room = limit - len(eps)
                if room > 0 and remaining:
                    eps.extend(remaining[:room])
                    remaining = remaining[room:]
            while remaining and unchanged:
                candidates = [
                    (sl, eps) for sl, eps in unchanged if _ports_key(sl.get("ports")) == pkey and len(eps) < limit
                ]
                if not candidates:
                    break
                sl, eps = max(candidates, key=lambda item: len(item[1]))
                unchanged.remove((sl, eps))
                room = limit - len(eps)
                to_update[sl["metadata"]["name"]] = (sl, eps + remaining[:room])
                remaining = remaining[room:]
            # 3. new slices for the rest
            while remaining:
                to_create.append((ports, remaining[:limit]))
                remaining = remaining[limit:]
        for slices in by_ports.values():
            to_delete.extend(slices)  # port combinations no pod offers any more
        kept = len(unchanged) + len(to_update) + len(to_create)
        if kept == 0:
            # keep (or create) one placeholder slice so the Service always has one
            placeholder = next(
                (sl for sl in to_delete if not sl.get("endpoints") and not sl.get("ports")),
                None,
            )
            if placeholder is not None:
                to_delete.remove(placeholder)
                if (placeholder.get("metadata") or {}).get("labels") != labels:
                    to_update[placeholder["metadata"]["name"]] = (placeholder, [])
            else:
                to_create.append(([], []))
        ns = svc["metadata"].get("namespace") or "default"
        for ports, eps in to_create:
            self._create(svc, labels, ports, eps)
        for slice_name, (sl, eps) in to_update.items():
            meta = dict(sl["metadata"], labels=labels)
            stored = self.api.replace_fields(
                "EndpointSlice",
                slice_name,
                ns,
                {"endpoints": eps or None, "ports": sl.get("ports"), "metadata": meta},
                user=self.user,
            )
            self._written[(ns, slice_name)] = stored["metadata"]["resourceVersion"]
        for sl in to_delete:
            try:
                self.api.delete("EndpointSlice", sl["metadata"]["name"], ns, user=self.user)
            except ApiError as err:
                if err.reason != "NotFound":
                    raise

    def _create(self, svc: dict, labels: dict[str, str], ports: list[dict], eps: list[dict]) -> None:
        m = svc["metadata"]
        obj = {
            "apiVersion": "discovery.k8s.io/v1",
            "kind": "EndpointSlice",
            "metadata": {
                "generateName": f"{m['name']}-",
                "namespace": m.get("namespace") or "default",
                "labels": dict(labels),
                "ownerReferences": [make_owner_reference(svc)],
            },
            "addressType": "IPv4",
            "endpoints": eps or None,
            "ports": ports or None,
        }
        stored = self.api.create(obj, user=self.user, copy=False)
        sm = stored["metadata"]
        self._written[(sm["namespace"], sm["name"])] = sm["resourceVersion"]
