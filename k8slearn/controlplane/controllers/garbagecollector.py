"""The garbage collector: deletes objects whose owners are gone.

Notes
-----
Mirrors kube-controller-manager's garbagecollector: it keeps a graph of
``ownerReferences`` (owner uid -> dependents) from watches of every kind, and

- when an owner disappears, deletes each dependent that has no other live owner
  (cascading *background* deletion), or drops the dangling reference otherwise;
- for an owner deleted with ``propagationPolicy: Foreground`` (finalizer
  ``foregroundDeletion``), deletes the dependents first and removes the finalizer
  once no dependent with ``blockOwnerDeletion`` is left;
- for ``propagationPolicy: Orphan`` (finalizer ``orphan``), removes the owner
  references from the dependents and then the finalizer, leaving them running.

Used in: 05_self_healing, 07_rolling_updates.
"""

from __future__ import annotations

import contextlib
from typing import Any

from ...api import resources
from ...api.errors import ApiError
from ...api.objects import owner_references
from ..apiserver import WatchEvent
from .base import Controller

__all__ = ["GarbageCollector"]

Ref = tuple[str, str, str]  # kind, name, namespace


class GarbageCollector(Controller):
    name = "garbage-collector-controller"
    watches = tuple(r.kind for r in resources.RESOURCES if r.kind != "Event")

    def __init__(self, cluster: Any) -> None:
        super().__init__(cluster)
        self.known: dict[str, Ref] = {}
        self.owners_of: dict[str, tuple[str, ...]] = {}
        self.dependents: dict[str, dict[str, None]] = {}

    def enqueue_for(self, kind: str, event: WatchEvent) -> None:
        obj = event.object
        m = obj["metadata"]
        uid = m.get("uid", "")
        if event.type == "DELETED":
            self.known.pop(uid, None)
            for owner in self.owners_of.pop(uid, ()):
                deps = self.dependents.get(owner)
                if deps is not None:
                    deps.pop(uid, None)
                    if not deps:
                        del self.dependents[owner]
                self.queue.add(("owner", owner))  # a foreground owner may now be free
            if uid in self.dependents:
                self.queue.add(("owner", uid))
            return
        self.known[uid] = (kind, m["name"], m.get("namespace", ""))
        owners = tuple(ref.get("uid", "") for ref in owner_references(obj))
        previous = self.owners_of.get(uid, ())
        if owners != previous:
            for owner in previous:
                self.dependents.get(owner, {}).pop(uid, None)
            for owner in owners:
                self.dependents.setdefault(owner, {})[uid] = None
            if owners:
                self.owners_of[uid] = owners
            else:
                self.owners_of.pop(uid, None)
            if event.type == "ADDED" and owners:
                self.queue.add(("dependent", uid))
        finalizers = m.get("finalizers") or ()
        if m.get("deletionTimestamp") and ("foregroundDeletion" in finalizers or "orphan" in finalizers):
            self.queue.add(("owner", uid))

    def reconcile(self, key: tuple[str, str]) -> float | None:
        what, uid = key
        if what == "dependent":
            self._check_dangling(uid)
            return None
        ref = self.known.get(uid)
        if ref is None:
            self._collect_orphans_of(uid)
            return None
        obj = self.api.get_or_none(*ref)
        if obj is None:
            return None
        finalizers = obj["metadata"].get("finalizers") or []
        if obj["metadata"].get("deletionTimestamp"):
            if "orphan" in finalizers:
                self._orphan_dependents(uid)
                self._remove_finalizer(obj, "orphan")
            elif "foregroundDeletion" in finalizers:
                return self._foreground(uid, obj)
        return None

    def _dependents(self, uid: str) -> list[dict]:
        out = []
        for dep_uid in list(self.dependents.get(uid, ())):
            ref = self.known.get(dep_uid)
            if ref is not None:
                dep = self.api.get_or_none(*ref)
                if dep is not None:
                    out.append(dep)
        return out

    def _collect_orphans_of(self, owner_uid: str) -> None:
        """The owner is gone: delete dependents with no other live owner."""
        for dep in self._dependents(owner_uid):
            live = [r for r in owner_references(dep) if r.get("uid") != owner_uid and r.get("uid") in self.known]
            kind, name, ns = dep["kind"], dep["metadata"]["name"], dep["metadata"].get("namespace")
            try:
                if live:
                    refs = [r for r in owner_references(dep) if r.get("uid") != owner_uid]
                    self.api.patch(kind, name, ns, {"metadata": {"ownerReferences": refs}}, user=self.name)
                elif not dep["metadata"].get("deletionTimestamp"):
                    self.api.delete(kind, name, ns, propagation_policy="Background", user=self.name)
            except ApiError:
                pass  # already gone or changed: the watch will bring us back

    def _check_dangling(self, uid: str) -> None:
        ref = self.known.get(uid)
        if ref is None:
            return
        obj = self.api.get_or_none(*ref)
        if obj is None or obj["metadata"].get("deletionTimestamp"):
            return
        refs = owner_references(obj)
        if refs and not any(self.api.get_by_uid(r.get("uid", "")) for r in refs):
            with contextlib.suppress(ApiError):
                self.api.delete(ref[0], ref[1], ref[2], propagation_policy="Background", user=self.name)

    def _orphan_dependents(self, uid: str) -> None:
        for dep in self._dependents(uid):
            refs = [r for r in owner_references(dep) if r.get("uid") != uid]
            with contextlib.suppress(ApiError):
                self.api.patch(
                    dep["kind"],
                    dep["metadata"]["name"],
                    dep["metadata"].get("namespace"),
                    {"metadata": {"ownerReferences": refs or None}},
                    user=self.name,
                )

    def _foreground(self, uid: str, obj: dict) -> float | None:
        blocking = False
        for dep in self._dependents(uid):
            m = dep["metadata"]
            if any(r.get("uid") == uid and r.get("blockOwnerDeletion") for r in owner_references(dep)):
                blocking = True
            if not m.get("deletionTimestamp"):
                # a dependent with dependents of its own is deleted in the foreground too; a leaf
                # (a pod) in the background, so it never carries the foregroundDeletion finalizer
                policy = "Foreground" if self.dependents.get(m.get("uid", "")) else "Background"
                with contextlib.suppress(ApiError):
                    self.api.delete(dep["kind"], m["name"], m.get("namespace"), propagation_policy=policy,
                                    user=self.name)  # fmt: skip
        if not blocking:
            self._remove_finalizer(obj, "foregroundDeletion")
        return None

    def _remove_finalizer(self, obj: dict, finalizer: str) -> None:
        m = obj["metadata"]
        remaining = [f for f in m.get("finalizers") or [] if f != finalizer]
        with contextlib.suppress(ApiError):
            if remaining:
                self.api.replace_fields(
                    obj["kind"], m["name"], m.get("namespace"), {"metadata": {"finalizers": remaining}}, user=self.name
                )
            else:  # drop the field (as a JSON patch removing the last finalizer does), not leave []
                self.api.patch(obj["kind"], m["name"], m.get("namespace"), {"metadata": {"finalizers": None}},
                               user=self.name)  # fmt: skip
