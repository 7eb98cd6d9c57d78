"""The namespace controller: empties a Terminating namespace, then lets it go.

Notes
-----
Mirrors kube-controller-manager's namespace controller (``NamespacedResourcesDeleter``):
when a Namespace has a deletionTimestamp it deletes every namespaced object in it,
waits until they are gone (pods may take their grace period), then clears the
``kubernetes`` finalizer in ``spec.finalizers`` so the API server removes the Namespace.
"""

from __future__ import annotations

import contextlib

from ...api import resources
from ...api.errors import ApiError
from .base import Controller

__all__ = ["NamespaceController"]

_NAMESPACED = tuple(r.kind for r in resources.RESOURCES if r.namespaced)


class NamespaceController(Controller):
    name = "namespace-controller"
    watches = ("Namespace",)

    def reconcile(self, key: tuple[str, str]) -> float | None:
        _, name = key
        ns = self.api.get_or_none("Namespace", name)
        if ns is None or not ns["metadata"].get("deletionTimestamp"):
            return None
        remaining = 0
        for kind in _NAMESPACED:
            for obj in self.api.list(kind, name):
                remaining += 1
                if obj["metadata"].get("deletionTimestamp"):
                    continue
                with contextlib.suppress(ApiError):
                    self.api.delete(kind, obj["metadata"]["name"], name, user=self.name)
        if remaining and any(self.api.count(kind, name) for kind in _NAMESPACED):
            return 2.0
        if (ns.get("spec") or {}).get("finalizers"):
            self.api.replace_fields("Namespace", name, None, {"spec": {"finalizers": []}}, user=self.name)
        with contextlib.suppress(ApiError):
            self.api.delete("Namespace", name, user=self.name)
        return None
