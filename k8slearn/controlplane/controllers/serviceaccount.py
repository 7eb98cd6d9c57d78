"""The ServiceAccounts controller: every active namespace has a ``default`` ServiceAccount.

Notes
-----
Mirrors kube-controller-manager's ``serviceaccount-controller``
(``pkg/controller/serviceaccount/serviceaccounts_controller.go``): a namespace that is
added or updated while ``Active`` gets the ServiceAccount ``default`` if it lacks one,
and deleting ``default`` brings it straight back. Pods name a ServiceAccount (``default``
unless they say otherwise) and the ServiceAccount admission plugin mounts its token.

Used in: 01_api_server_and_etcd.
"""

from __future__ import annotations

import contextlib

from ...api.errors import ApiError
from ..apiserver import WatchEvent
from .base import Controller

__all__ = ["ServiceAccountsController", "DEFAULT_SERVICE_ACCOUNT"]

DEFAULT_SERVICE_ACCOUNT = "default"


class ServiceAccountsController(Controller):
    """Creates the ``default`` ServiceAccount in each active namespace."""

    name = "serviceaccount-controller"
    watches = ("Namespace", "ServiceAccount")

    def enqueue_for(self, kind: str, event: WatchEvent) -> None:
        m = event.object["metadata"]
        if kind == "Namespace":
            self.queue.add(m["name"])
        elif event.type == "DELETED" and m["name"] == DEFAULT_SERVICE_ACCOUNT:
            self.queue.add(m.get("namespace", ""))

    def reconcile(self, namespace: str) -> float | None:
        ns = self.api.get_or_none("Namespace", namespace)
        if ns is None or (ns.get("status") or {}).get("phase", "Active") != "Active":
            return None
        if self.api.get_or_none("ServiceAccount", DEFAULT_SERVICE_ACCOUNT, namespace) is None:
            sa = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": DEFAULT_SERVICE_ACCOUNT}}
            with contextlib.suppress(ApiError):  # the namespace went away or started terminating
                self.api.create(sa, namespace=namespace, user=self.component, copy=False)
        return None
