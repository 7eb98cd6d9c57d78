"""kube-apiserver: the only component that talks to etcd.

Every request goes through the same pipeline as upstream: decode, default, admit,
validate, then a write to etcd; every change comes back out as a watch event. The
other components (scheduler, controllers, kubelets, kube-proxies) never share
memory: they read, write and watch here.

Notes
-----
Mirrors ``k8s.io/apiserver`` (generic registry ``Store``: Create/Update/Delete with
optimistic concurrency and graceful deletion) and the watch cache (``cacher``):
watchers are indexed by kind, namespace and (for pods) node name, and events are
delivered in revision order. A watch from a compacted revision answers with an
``ERROR`` event holding a 410 ``Expired`` status.

Objects handed out are shared and must be treated as read-only; the public
:class:`~k8slearn.Cluster` methods hand out copies.

Used in: 01_api_server_and_etcd, 00_architecture.
"""

from __future__ import annotations

import uuid
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..api import resources
from ..api.errors import ApiError
from ..api.objects import NAME_ALPHABET, PATCH_MERGE_KEYS, deep_copy, merge_patch
from ..api.resources import ResourceInfo
from ..clock import Clock
from .etcd import CompactedError, Etcd, EtcdEvent
from .registry import ServiceIPAllocator, strategy_for

__all__ = ["APIServer", "Watch", "WatchEvent", "AuditEntry", "etcd_key", "NAME_ALPHABET"]


# Where upstream keeps each resource in etcd (pkg/registry/*/storage).
_ETCD_PREFIX = {
    "Node": "minions",
    "Service": "services/specs",
    "Endpoints": "services/endpoints",
}

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


def etcd_key(info: ResourceInfo, namespace: str, name: str) -> str:
    """``/registry/pods/default/web``; cluster-scoped kinds have no namespace segment."""
    prefix = _ETCD_PREFIX.get(info.kind, info.plural)
    if info.namespaced:
        return f"/registry/{prefix}/{namespace}/{name}"
    return f"/registry/{prefix}/{name}"


def etcd_prefix(info: ResourceInfo, namespace: str | None = None) -> str:
    prefix = _ETCD_PREFIX.get(info.kind, info.plural)
    if info.namespaced and namespace:
        return f"/registry/{prefix}/{namespace}/"
    return f"/registry/{prefix}/"


@dataclass(slots=True)
class WatchEvent:
    """One watch event: ``type`` is ADDED, MODIFIED, DELETED or ERROR."""

    type: str
    object: dict
    old_object: dict | None = None

    @property
    def resource_version(self) -> str:
        return (self.object.get("metadata") or {}).get("resourceVersion", "")


@dataclass(slots=True, frozen=True)
class AuditEntry:
    """Who wrote what, when: one line of the API server's audit log."""

    time: float
    user: str
    verb: str
    kind: str
    namespace: str
    name: str
    resource_version: int


class Watch:
    """A watch on one kind, optionally one namespace, label selector or node.

    Without a handler, events are buffered in :attr:`events` (what a lesson reads).
    """

    def __init__(
        self,
        api: APIServer,
        kind: str,
        handler: Callable[[WatchEvent], None] | None,
        namespace: str | None,
        predicate: Callable[[dict], bool] | None,
        node_name: str | None,
    ) -> None:
        self.api = api
        self.kind = kind
        self.handler = handler
        self.namespace = namespace
        self.predicate = predicate
        self.node_name = node_name
        self.events: list[WatchEvent] = []
        self.owner = ""
        self.last_revision = 0
        self.active = True

    def stop(self) -> None:
        if self.active:
            self.active = False
            self.api._remove_watch(self)

    def _matches(self, obj: dict) -> bool:
        if self.node_name is not None and (obj.get("spec") or {}).get("nodeName") != self.node_name:
            return False
        return self.predicate is None or self.predicate(obj)

    def _deliver(self, type_: str, obj: dict, old: dict | None, revision: int) -> None:
        if revision <= self.last_revision:
            return
        self.last_revision = revision
        if not self.active:
            return
        if self.predicate is not None or self.node_name is not None:
            now_in = type_ != "DELETED" and self._matches(obj)
            was_in = old is not None and self._matches(old) if type_ != "DELETED" else self._matches(obj)
            if type_ == "MODIFIED":
                if now_in and not was_in:
                    type_ = "ADDED"
                elif was_in and not now_in:
                    type_ = "DELETED"
                elif not now_in:
                    return
            elif type_ == "ADDED" and not now_in or type_ == "DELETED" and not was_in:
                return
        self._emit(WatchEvent(type_, obj, old))

    def _emit(self, event: WatchEvent) -> None:
        if self.handler is None:
            self.events.append(event)
        else:
            self.handler(event)

    def table(self) -> Any:
        """The buffered events as a pandas DataFrame (type, name, resourceVersion, kubectl STATUS ...)."""
        import pandas as pd

        from ..kubectl.tables import pod_status

        rows = []
        for e in self.events:
            m = e.object.get("metadata") or {}
            is_pod = e.object.get("kind") == "Pod"
            rows.append(
                {
                    "type": e.type,
                    "kind": e.object.get("kind", ""),
                    "namespace": m.get("namespace", ""),
                    "name": m.get("name", ""),
                    "resourceVersion": m.get("resourceVersion", ""),
                    "phase": (e.object.get("status") or {}).get("phase", ""),
                    "status": pod_status(e.object)[0] if is_pod and e.type != "ERROR" else "",
                    "node": (e.object.get("spec") or {}).get("nodeName", ""),
                }
            )
        columns = ["type", "kind", "namespace", "name", "resourceVersion", "phase", "status", "node"]
        return pd.DataFrame(rows, columns=columns)

    def __repr__(self) -> str:
        return f"<Watch {self.kind} events={len(self.events)}{'' if self.active else ' stopped'}>"


class APIServer:
    """The simulated kube-apiserver.

    Parameters
    ----------
    etcd, clock, rng
        The cluster's store, virtual clock and seeded random generator.
    """

    def __init__(self, etcd: Etcd, clock: Clock, rng: Any, *, service_cidr: str = "10.96.0.0/12") -> None:
        self.etcd = etcd
        self.clock = clock
        self.rng = rng
        self.service_ips = ServiceIPAllocator(service_cidr)
        self.audit: deque[AuditEntry] = deque(maxlen=20_000)
        self.audit_enabled = True
        self.request_count = 0
        self._watchers: dict[tuple[str, str | None], list[Watch]] = {}
        self._node_watchers: dict[str, list[Watch]] = {}
        self._pending: deque[tuple[str, dict, dict | None, int]] = deque()
        self._dispatching = False
        self._uid_index: dict[str, tuple[str, str, str]] = {}
        self._pods_by_node: dict[str, dict[tuple[str, str], dict]] = {}
        etcd.watch("/registry/", self._on_etcd_event)

    # -- helpers -----------------------------------------------------------------------
    @property
    def revision(self) -> int:
        """The current etcd revision (what a list's resourceVersion would be)."""
        return self.etcd.revision

    def new_uid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def random_suffix(self, n: int = 5) -> str:
        return "".join(self.rng.choice(NAME_ALPHABET) for _ in range(n))

    def _info(self, kind: str) -> ResourceInfo:
        try:
            return resources.by_kind(kind)
        except resources.UnknownResource:
            raise ApiError(404, "NotFound", f'the server could not find the requested resource ("{kind}")') from None

    def _namespace(self, info: ResourceInfo, namespace: str | None) -> str:
        if not info.namespaced:
            return ""
        return namespace or "default"

    def _audit(self, user: str, verb: str, info: ResourceInfo, ns: str, name: str) -> None:
        self.request_count += 1
        if self.audit_enabled:
            self.audit.append(AuditEntry(self.clock.now, user, verb, info.kind, ns, name, self.etcd.revision))

    # -- reads -------------------------------------------------------------------------
    def get(self, kind: str, name: str, namespace: str | None = None) -> dict:
        """The stored object (shared, read-only); raises NotFound."""
        info = self._info(kind)
        ns = self._namespace(info, namespace)
        kv = self.etcd.get(etcd_key(info, ns, name))
        if kv is None:
            raise ApiError.not_found(info.qualified_resource, name)
        return kv.value

    def get_or_none(self, kind: str, name: str, namespace: str | None = None) -> dict | None:
        info = self._info(kind)
        kv = self.etcd.get(etcd_key(info, self._namespace(info, namespace), name))
        return None if kv is None else kv.value

    def _lookup(self, kind: str, name: str, namespace: str | None) -> Any:
        """Admission's read access: one object, or the list of all when ``name`` is empty."""
        return self.get_or_none(kind, name, namespace) if name else self.list(kind, namespace)

    def get_by_uid(self, uid: str) -> dict | None:
        ref = self._uid_index.get(uid)
        if ref is None:
            return None
        return self.get_or_none(*ref)

    def list(
        self,
        kind: str,
        namespace: str | None = None,
        selector: Any = None,
        field_selector: str | Mapping[str, str] | None = None,
    ) -> list[dict]:
        """Objects of ``kind`` (all namespaces when ``namespace`` is None), sorted by key.

        ``selector`` is a label selector string, a :class:`~k8slearn.api.labels.Selector`
        or an API-form dict; ``field_selector`` is ``"spec.nodeName=node-1"`` style.
        """
        info = self._info(kind)
        fields = _parse_field_selector(field_selector)
        node = fields.pop("spec.nodeName", None) if info.kind == "Pod" else None
        if node is not None and node[0] == "=":
            bucket = self._pods_by_node.get(node[1], {})
            items = [bucket[k] for k in sorted(bucket)]
            if namespace:
                items = [o for o in items if o["metadata"].get("namespace") == namespace]
        else:
            if node is not None:
                fields["spec.nodeName"] = node
            items = [kv.value for kv in self.etcd.range(etcd_prefix(info, namespace if info.namespaced else None))]
        if selector is not None:
            sel = _as_selector(selector)
            items = [o for o in items if sel.matches((o.get("metadata") or {}).get("labels") or {})]
        for path, (op, value) in fields.items():
            items = [o for o in items if (_field_value(o, path) == value) == (op == "=")]
        return items

    def count(self, kind: str, namespace: str | None = None) -> int:
        info = self._info(kind)
        return self.etcd.count(etcd_prefix(info, namespace if info.namespaced else None))

    # -- writes ------------------------------------------------------------------------
    def create(self, obj: Mapping, *, namespace: str | None = None, user: str = "kubectl", copy: bool = True) -> dict:
        """Create an object: decode, default, admit, validate, store. Returns the stored object."""
        from ..api import admission, defaults, validation

        if not isinstance(obj, Mapping):
            raise ApiError.bad_request(f"Object 'Kind' is missing in '{obj!r}'")
        kind = obj.get("kind")
        if not kind:
            raise ApiError.bad_request("Object 'Kind' is missing in '" + _short_json(obj) + "'")
        info = self._info(kind)
        problem = validation.check_decodable(kind, obj)
        if problem:
            raise ApiError.bad_request(problem)
        new = deep_copy(dict(obj)) if copy else dict(obj)
        new.setdefault("apiVersion", info.api_version)
        m = new["metadata"] = dict(new.get("metadata") or {})
        ns = self._namespace(info, m.get("namespace") or namespace)
        if info.namespaced:
            if m.get("namespace") and namespace and m["namespace"] != namespace:
                raise ApiError.bad_request(
                    "the namespace of the provided object does not match the namespace sent on the request"
                )
            m["namespace"] = ns
            self._check_namespace(info, ns, m.get("name") or m.get("generateName", ""))
        else:
            m.pop("namespace", None)
        for field in ("uid", "resourceVersion", "creationTimestamp", "deletionTimestamp", "generation"):
            m.pop(field, None)
        strategy = strategy_for(info.kind)
        # FillObjectMetaSystemFields happens before defaulting-on-create and validation
        m["uid"] = self.new_uid()
        m["creationTimestamp"] = self.clock.timestamp()
        defaults.set_defaults(info.kind, new)
        generated = not m.get("name") and bool(m.get("generateName"))
        if generated:
            m["name"] = m["generateName"][:58] + self.random_suffix()
        errors = admission.admit(info.kind, new, self._lookup)
        if errors:
            raise ApiError.invalid(info.qualified_kind, m.get("name", ""), errors)
        errors = validation.validate(info.kind, new, None)
        if errors:
            raise ApiError.invalid(info.qualified_kind, m.get("name", ""), errors)
        for _ in range(8):  # RetryGenerateName
            if self.etcd.get(etcd_key(info, ns, m["name"])) is None:
                break
            if not generated:
                raise ApiError.already_exists(info.qualified_resource, m["name"])
            m["name"] = m["generateName"][:58] + self.random_suffix()
        else:
            raise ApiError.already_exists(info.qualified_resource, m["name"])
        if info.has_status and strategy.reset_status_on_create:
            new["status"] = {}
        strategy.prepare_for_create(self, new)
        m["resourceVersion"] = str(self.etcd.revision + 1)
        _reorder_metadata(new)
        self.etcd.put(etcd_key(info, ns, m["name"]), new)
        strategy.after_create(self, new)
        self._audit(user, "create", info, ns, m["name"])
        return new

    def _check_namespace(self, info: ResourceInfo, ns: str, name: str) -> None:
        if info.kind == "Event":
            return
        ns_obj = self.get_or_none("Namespace", ns)
        if ns_obj is None:
            raise ApiError.not_found("namespaces", ns)
        if (ns_obj.get("status") or {}).get("phase") == "Terminating":
            raise ApiError.forbidden(
                info.qualified_resource,
                name,
                f"unable to create new content in namespace {ns} because it is being terminated",
            )

    def update(self, obj: Mapping, *, subresource: str | None = None, user: str = "kubectl", copy: bool = True) -> dict:
        """Replace an object (optimistic concurrency when metadata.resourceVersion is set).

        ``subresource="status"`` changes only ``status``; a main-resource update keeps
        the stored status (for kinds with a status subresource).
        """
        from ..api import defaults, validation

        kind = obj.get("kind", "")
        info = self._info(kind)
        m_in = obj.get("metadata") or {}
        ns = self._namespace(info, m_in.get("namespace"))
        name = m_in.get("name", "")
        key = etcd_key(info, ns, name)
        kv = self.etcd.get(key)
        if kv is None:
            raise ApiError.not_found(info.qualified_resource, name)
        old = kv.value
        rv = m_in.get("resourceVersion")
        if rv and str(rv) != str(kv.mod_revision):
            raise ApiError.conflict(info.qualified_resource, name)
        if subresource == "status":
            new = dict(old)
            new["status"] = deep_copy(obj.get("status")) if copy else obj.get("status")
            new["metadata"] = dict(old["metadata"])
        else:
            new = deep_copy(dict(obj)) if copy else dict(obj)
            new["metadata"] = m = dict(new.get("metadata") or {})
            om = old["metadata"]
            for field in ("uid", "creationTimestamp", "namespace", "generation", "deletionTimestamp",
                          "deletionGracePeriodSeconds"):  # fmt: skip
                if field in om:
                    m[field] = om[field]
                else:
                    m.pop(field, None)
            if info.has_status:
                new["status"] = old.get("status", {})
            new.setdefault("apiVersion", old.get("apiVersion"))
            problem = validation.check_decodable(kind, new)
            if problem:
                raise ApiError.bad_request(problem)
            defaults.set_defaults(info.kind, new)
            strategy_for(info.kind).prepare_for_update(self, new, old)
            errors = validation.validate(info.kind, new, old)
            if errors:
                raise ApiError.invalid(info.qualified_kind, name, errors)
        return self._commit_update(info, key, ns, name, new, old, user, "update")

    def _commit_update(
        self, info: ResourceInfo, key: str, ns: str, name: str, new: dict, old: dict, user: str, verb: str
    ) -> dict:
        m = new["metadata"]
        m["resourceVersion"] = old["metadata"]["resourceVersion"]
        if new == old:
            return old  # no-op updates do not write (and do not bump resourceVersion)
        if _ready_to_remove(new):
            self._audit(user, verb, info, ns, name)
            return self._remove(info, key, new)
        m["resourceVersion"] = str(self.etcd.revision + 1)
        self.etcd.put(key, new)
        self._audit(user, verb, info, ns, name)
        return new

    def update_status(self, obj: Mapping, *, user: str = "kubectl", copy: bool = True) -> dict:
        """``PUT .../status``: replace only ``status``."""
        return self.update(obj, subresource="status", user=user, copy=copy)

    def replace_status(
        self,
        kind: str,
        name: str,
        namespace: str | None,
        status: dict,
        *,
        user: str,
        resource_version: str | None = None,
    ) -> dict:
        """Fast status write for components: ``status`` is taken as is (a fresh dict, not copied)."""
        return self.replace_fields(
            kind, name, namespace, {"status": status}, user=user, resource_version=resource_version
        )

    def replace_fields(
        self,
        kind: str,
        name: str,
        namespace: str | None,
        fields: Mapping[str, Any],
        *,
        user: str,
        resource_version: str | None = None,
    ) -> dict:
        """Fast write for components: replace top-level fields (taken as is, not copied).

        Skips defaulting and validation (trusted writers, like the status subresource
        written by kubelets and controllers); keeps metadata.
        """
        info = self._info(kind)
        ns = self._namespace(info, namespace)
        key = etcd_key(info, ns, name)
        kv = self.etcd.get(key)
        if kv is None:
            raise ApiError.not_found(info.qualified_resource, name)
        if resource_version and resource_version != str(kv.mod_revision):
            raise ApiError.conflict(info.qualified_resource, name)
        old = kv.value
        new = dict(old)
        new.update(fields)
        new["metadata"] = dict(old["metadata"], **fields["metadata"]) if "metadata" in fields else dict(old["metadata"])
        return self._commit_update(info, key, ns, name, new, old, user, "update")

    def create_event(self, event: dict) -> dict:
        """Store an Event built by an event recorder (trusted: no defaulting or validation)."""
        info = self._info("Event")
        m = event["metadata"]
        m["uid"] = self.new_uid()
        m["resourceVersion"] = str(self.etcd.revision + 1)
        m["creationTimestamp"] = self.clock.timestamp()
        _reorder_metadata(event)
        self.etcd.put(etcd_key(info, m["namespace"], m["name"]), event)
        self._audit(event.get("source", {}).get("component", ""), "create", info, m["namespace"], m["name"])
        return event

    def patch(
        self,
        kind: str,
        name: str,
        namespace: str | None,
        patch: Mapping,
        *,
        subresource: str | None = None,
        user: str = "kubectl",
    ) -> dict:
        """JSON merge patch (RFC 7386) of an object, validated like an update."""
        old = self.get(kind, name, namespace)
        merged = merge_patch(old, patch)
        merged.setdefault("metadata", {})["resourceVersion"] = old["metadata"]["resourceVersion"]
        if subresource == "status":
            return self.update(merged, subresource="status", user=user, copy=False)
        return self.update(merged, user=user, copy=False)

    def bind(self, namespace: str, name: str, node_name: str, *, user: str = "default-scheduler") -> dict:
        """``POST pods/<name>/binding``: set spec.nodeName and PodScheduled=True."""
        info = self._info("Pod")
        key = etcd_key(info, namespace, name)
        kv = self.etcd.get(key)
        if kv is None:
            raise ApiError.not_found("pods", name)
        old = kv.value
        if old["metadata"].get("deletionTimestamp"):
            raise ApiError.conflict("pods", name, f"pod {name} is being deleted, cannot be assigned to a host")
        if (old.get("spec") or {}).get("nodeName"):
            raise ApiError.conflict("pods", name, f'pod {name} is already assigned to node "{old["spec"]["nodeName"]}"')
        from ..api.objects import set_condition

        new = dict(old)
        new["spec"] = dict(old["spec"])
        new["spec"]["nodeName"] = node_name
        new["metadata"] = dict(old["metadata"])
        status = dict(old.get("status") or {})
        status.pop("nominatedNodeName", None)  # cleared on binding since 1.35 (kubernetes#132443)
        status["conditions"] = set_condition(
            status.get("conditions"),
            {"type": "PodScheduled", "status": "True", "lastProbeTime": None},
            self.clock.timestamp(),
        )
        new["status"] = status
        return self._commit_update(info, key, namespace, name, new, old, user, "create binding")

    def delete(
        self,
        kind: str,
        name: str,
        namespace: str | None = None,
        *,
        propagation_policy: str | None = None,
        grace_period_seconds: int | None = None,
        preconditions_uid: str | None = None,
        user: str = "kubectl",
    ) -> dict | None:
        """Delete an object. Returns the object as left in storage (with a
        deletionTimestamp while graceful deletion or finalizers hold it), or the last
        state of a removed object.

        ``propagation_policy``: Background (default), Foreground or Orphan.
        """
        info = self._info(kind)
        ns = self._namespace(info, namespace)
        key = etcd_key(info, ns, name)
        kv = self.etcd.get(key)
        if kv is None:
            raise ApiError.not_found(info.qualified_resource, name)
        old = kv.value
        if preconditions_uid and old["metadata"].get("uid") != preconditions_uid:
            raise ApiError.conflict(
                info.qualified_resource,
                name,
                f"Precondition failed: UID in precondition: {preconditions_uid}, UID in object meta: "
                f"{old['metadata'].get('uid')}",
            )
        policy = propagation_policy or "Background"
        if policy not in ("Background", "Foreground", "Orphan"):
            raise ApiError.bad_request(
                f'DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "{policy}": '
                'supported values: "Foreground", "Background", "Orphan"'
            )
        grace = strategy_for(info.kind).grace_period(old, grace_period_seconds)
        om = old["metadata"]
        finalizers = list(om.get("finalizers") or [])
        if policy == "Foreground" and "foregroundDeletion" not in finalizers:
            finalizers.append("foregroundDeletion")
        if policy == "Orphan" and "orphan" not in finalizers:
            finalizers.append("orphan")
        if info.kind == "Namespace" and (old.get("spec") or {}).get("finalizers"):
            if (old.get("status") or {}).get("phase") == "Terminating":
                return old
            new = dict(old)
            new["metadata"] = dict(om, deletionTimestamp=self.clock.timestamp())
            new["status"] = {"phase": "Terminating"}
            return self._commit_update(info, key, ns, name, new, old, user, "delete")
        if om.get("deletionTimestamp"):
            # already being deleted: only a shorter grace period changes anything
            current = om.get("deletionGracePeriodSeconds") or 0
            if grace >= current and finalizers == list(om.get("finalizers") or []):
                return old
        if grace == 0 and not finalizers:
            self._audit(user, "delete", info, ns, name)
            return self._remove(info, key, old)
        new = dict(old)
        new["metadata"] = m = dict(om)
        m["deletionTimestamp"] = self.clock.timestamp(self.clock.now + grace)
        m["deletionGracePeriodSeconds"] = grace
        if finalizers:
            m["finalizers"] = finalizers
        m["resourceVersion"] = str(self.etcd.revision + 1)
        self.etcd.put(key, new)
        self._audit(user, "delete", info, ns, name)
        return new

    def _remove(self, info: ResourceInfo, key: str, last: dict) -> dict:
        self.etcd.delete(key)
        strategy_for(info.kind).after_delete(self, last)
        return last

    def apply(self, obj: Mapping, *, user: str = "kubectl", namespace: str | None = None) -> tuple[dict, str]:
        """``kubectl apply`` (client-side): create, or three-way merge with the last applied.

        Returns the stored object and the operation: created, configured or unchanged.
        """
        import json

        if not isinstance(obj, Mapping) or not obj.get("kind"):
            return self.create(obj, user=user, namespace=namespace), "created"
        info = self._info(obj["kind"])
        m_in = obj.get("metadata") or {}
        ns = self._namespace(info, m_in.get("namespace") or namespace)
        applied = deep_copy(dict(obj))
        applied.setdefault("apiVersion", info.api_version)
        applied_meta = applied.setdefault("metadata", {})
        applied_meta.pop("resourceVersion", None)
        if info.namespaced and "namespace" not in m_in and namespace:
            applied_meta["namespace"] = namespace
        annotation = json.dumps(applied, separators=(",", ":"), sort_keys=True)
        name = m_in.get("name")
        current = self.get_or_none(info.kind, name, ns) if name else None
        desired = deep_copy(applied)
        desired["metadata"].setdefault("annotations", {})[LAST_APPLIED] = annotation
        if current is None:
            return self.create(desired, user=user, namespace=ns, copy=False), "created"
        last = json.loads((current["metadata"].get("annotations") or {}).get(LAST_APPLIED, "{}"))
        patch = _three_way(last, desired, current)
        merged = merge_patch(current, patch)
        merged["metadata"]["resourceVersion"] = current["metadata"]["resourceVersion"]
        stored = self.update(merged, user=user, copy=False)
        return stored, "unchanged" if stored is current else "configured"

    # -- watch -------------------------------------------------------------------------
    def watch(
        self,
        kind: str,
        handler: Callable[[WatchEvent], None] | None = None,
        *,
        namespace: str | None = None,
        selector: Any = None,
        node_name: str | None = None,
        resource_version: str | int | None = None,
        send_initial_events: bool = False,
        owner: str = "",
    ) -> Watch:
        """Watch ``kind``. Events arrive in revision order, through ``handler`` or buffered.

        ``resource_version=N`` replays what happened after N (410 ``Expired`` as an
        ERROR event if N was compacted); ``send_initial_events`` starts with an ADDED
        for every existing object (what an informer's list does). ``owner`` names the
        watching component (shown as ``watches`` edges in the cluster graph).
        """
        info = self._info(kind)
        predicate = None
        if selector is not None:
            sel = _as_selector(selector)

            def predicate(obj: dict, sel: Any = sel) -> bool:
                return sel.matches((obj.get("metadata") or {}).get("labels") or {})

        w = Watch(self, info.kind, handler, namespace if info.namespaced else None, predicate, node_name)
        w.owner = owner
        if send_initial_events:
            fields = {"spec.nodeName": node_name} if node_name else None
            for obj in self.list(info.kind, namespace, field_selector=fields):
                if predicate is None or predicate(obj):
                    w._emit(WatchEvent("ADDED", obj))
            w.last_revision = self.etcd.revision
        elif resource_version not in (None, "", "0", 0):
            rv = int(resource_version)
            try:
                history = self.etcd.history(etcd_prefix(info, w.namespace), rv)
            except CompactedError as err:
                status = ApiError.expired(f"too old resource version: {rv} ({err.compact_revision})").status()
                w._emit(WatchEvent("ERROR", status))
                w.active = False
                return w
            for e in history:
                type_, obj, old = _translate(e)
                if obj.get("kind") == info.kind:
                    w._deliver(type_, obj, old, e.revision)
            w.last_revision = max(w.last_revision, self.etcd.revision)
        else:
            w.last_revision = self.etcd.revision
        if node_name is not None and info.kind == "Pod":
            self._node_watchers.setdefault(node_name, []).append(w)
        else:
            self._watchers.setdefault((info.kind, w.namespace), []).append(w)
        return w

    def _remove_watch(self, w: Watch) -> None:
        bucket = (
            self._node_watchers.get(w.node_name)
            if w.node_name is not None and w.kind == "Pod"
            else self._watchers.get((w.kind, w.namespace))
        )
        if bucket and w in bucket:
            bucket.remove(w)

    def _on_etcd_event(self, e: EtcdEvent) -> None:
        type_, obj, old = _translate(e)
        kind = obj.get("kind", "")
        m = obj["metadata"]
        if type_ == "DELETED":
            self._uid_index.pop(m.get("uid", ""), None)
        elif type_ == "ADDED":
            self._uid_index[m["uid"]] = (kind, m["name"], m.get("namespace"))
        if kind == "Pod":
            self._index_pod(type_, obj, old)
        self._pending.append((type_, obj, old, e.revision))
        if not self._dispatching:
            self._dispatch()

    def _index_pod(self, type_: str, obj: dict, old: dict | None) -> None:
        key = (obj["metadata"].get("namespace", ""), obj["metadata"]["name"])
        old_node = ((old or {}).get("spec") or {}).get("nodeName")
        new_node = (obj.get("spec") or {}).get("nodeName") if type_ != "DELETED" else None
        if type_ == "DELETED":
            old_node = (obj.get("spec") or {}).get("nodeName")
        if old_node and old_node != new_node:
            bucket = self._pods_by_node.get(old_node)
            if bucket is not None:
                bucket.pop(key, None)
        if new_node:
            self._pods_by_node.setdefault(new_node, {})[key] = obj

    def _dispatch(self) -> None:
        self._dispatching = True
        try:
            pending = self._pending
            while pending:
                type_, obj, old, rev = pending.popleft()
                kind = obj.get("kind", "")
                watchers = self._watchers
                targets = list(watchers.get((kind, None), ()))
                ns = obj["metadata"].get("namespace")
                if ns:
                    targets.extend(watchers.get((kind, ns), ()))
                if kind == "Pod" and self._node_watchers:
                    nodes = {((old or {}).get("spec") or {}).get("nodeName"), (obj.get("spec") or {}).get("nodeName")}
                    for node in sorted(n for n in nodes if n):
                        targets.extend(self._node_watchers.get(node, ()))
                for w in targets:
                    if w.active:
                        w._deliver(type_, obj, old, rev)
        finally:
            self._dispatching = False

    def watchers(self) -> list[tuple[str, str]]:
        """``(component, kind)`` for every open watch that names its owner, sorted."""
        found = set()
        for bucket in (*self._watchers.values(), *self._node_watchers.values()):
            for w in bucket:
                if w.active and w.owner:
                    found.add((w.owner, w.kind))
        return sorted(found)

    def pods_on_node(self, node_name: str) -> list[dict]:
        """Pods bound to ``node_name`` (the ``spec.nodeName`` index)."""
        return list(self._pods_by_node.get(node_name, {}).values())


def _ready_to_remove(obj: dict) -> bool:
    """Being deleted, no finalizers left and no grace period to wait for."""
    m = obj["metadata"]
    if not m.get("deletionTimestamp") or m.get("finalizers") or m.get("deletionGracePeriodSeconds"):
        return False
    return not (obj.get("kind") == "Namespace" and (obj.get("spec") or {}).get("finalizers"))


def _translate(e: EtcdEvent) -> tuple[str, dict, dict | None]:
    if e.type == "DELETE":
        last = e.prev_kv.value if e.prev_kv else e.kv.value
        obj = dict(last)
        obj["metadata"] = dict(last["metadata"], resourceVersion=str(e.revision))
        return "DELETED", obj, last
    if e.prev_kv is None:
        return "ADDED", e.kv.value, None
    return "MODIFIED", e.kv.value, e.prev_kv.value


def _as_selector(selector: Any) -> Any:
    from ..api import labels

    if isinstance(selector, str):
        return labels.parse_selector(selector)
    if isinstance(selector, Mapping):
        if "matchLabels" in selector or "matchExpressions" in selector:
            return labels.selector_from_label_selector(dict(selector))
        return labels.selector_from_set(selector)
    return selector


def _parse_field_selector(fs: str | Mapping[str, str] | None) -> dict[str, tuple[str, str]]:
    if not fs:
        return {}
    if isinstance(fs, Mapping):
        return {k: ("=", v) for k, v in fs.items() if v is not None}
    out: dict[str, tuple[str, str]] = {}
    for part in fs.split(","):
        part = part.strip()
        if not part:
            continue
        if "!=" in part:
            k, v = part.split("!=", 1)
            out[k.strip()] = ("!", v.strip())
        else:
            k, v = part.replace("==", "=").split("=", 1)
            out[k.strip()] = ("=", v.strip())
    return out


def _field_value(obj: Mapping, path: str) -> str:
    cur: Any = obj
    for part in path.split("."):
        if not isinstance(cur, Mapping):
            return ""
        cur = cur.get(part)
    return "" if cur is None else str(cur)


def _three_way(last: Any, desired: Any, current: Any) -> Any:
    """Merge patch that sets what ``desired`` says and deletes what only ``last`` had.

    Lists with a merge key (containers by name, volumeMounts by mountPath ...) merge item
    by item as a strategic merge patch does, so items the server added (the
    ``kube-api-access-*`` token volume and its mounts) survive a second apply; other
    lists are replaced whole.
    """
    if not isinstance(desired, dict) or not isinstance(current, dict):
        return desired
    last = last if isinstance(last, dict) else {}
    patch: dict[str, Any] = {}
    for k in last:
        if k not in desired and k in current:
            patch[k] = None
    for k, v in desired.items():
        if isinstance(v, dict) and isinstance(current.get(k), dict):
            sub = _three_way(last.get(k), v, current[k])
            if sub:
                patch[k] = sub
        elif k in PATCH_MERGE_KEYS and _keyed(v, key := PATCH_MERGE_KEYS[k]) and _keyed(current.get(k), key):
            merged = _merge_list(key, last.get(k), v, current[k])
            if merged != current[k]:
                patch[k] = merged
        elif current.get(k) != v:
            patch[k] = v
    return patch


def _keyed(items: Any, key: str) -> bool:
    return isinstance(items, list) and all(isinstance(i, dict) and key in i for i in items)


def _merge_list(key: str, last: Any, desired: list[dict], current: list[dict]) -> list[dict]:
    """Desired items merged into their current namesakes, then the current items nobody applied."""
    last_by = {i[key]: i for i in last if isinstance(i, dict) and key in i} if isinstance(last, list) else {}
    current_by = {i[key]: i for i in current}
    out = []
    for item in desired:
        live = current_by.get(item[key])
        if live is None:
            out.append(item)
            continue
        sub = _three_way(last_by.get(item[key]), item, live)
        out.append(merge_patch(live, sub) if sub else live)
    wanted = {i[key] for i in desired}
    out.extend(i for i in current if i[key] not in wanted and i[key] not in last_by)
    return out


_META_ORDER = (
    "name",
    "generateName",
    "namespace",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "labels",
    "annotations",
    "ownerReferences",
    "finalizers",
)


def _reorder_metadata(obj: dict) -> None:
    """Put metadata fields in ObjectMeta's order (what ``-o json`` shows)."""
    m = obj["metadata"]
    ordered = {k: m[k] for k in _META_ORDER if k in m}
    ordered.update((k, v) for k, v in m.items() if k not in ordered)
    obj["metadata"] = ordered


def _short_json(obj: Any) -> str:
    import json

    try:
        return json.dumps(obj, separators=(",", ":"))
    except (TypeError, ValueError):
        return repr(obj)


def iter_kinds() -> Iterable[str]:
    return (r.kind for r in resources.RESOURCES)
