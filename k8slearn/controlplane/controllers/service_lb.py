"""The service controller of a simulated cloud-controller-manager: load balancers for ``type: LoadBalancer``.

Notes
-----
Mirrors ``k8s.io/cloud-provider/controllers/service`` (``syncLoadBalancerIfNeeded``):

- a LoadBalancer Service first gets the finalizer
  ``service.kubernetes.io/load-balancer-cleanup``, then the event ``EnsuringLoadBalancer``
  (``Ensuring load balancer``); while the cloud builds the load balancer
  ``kubectl get svc`` shows ``EXTERNAL-IP <pending>``;
- after :attr:`ServiceLBController.provision_delay` virtual seconds the address is
  written to ``status.loadBalancer.ingress`` (``ipMode: VIP``) and the event
  ``EnsuredLoadBalancer`` (``Ensured load balancer``) follows;
- when the Service is deleted or stops being a LoadBalancer: ``DeletingLoadBalancer`` /
  ``DeletedLoadBalancer``, the status is cleared and the finalizer removed.

The simulated cloud hands out addresses from ``198.51.100.0/24`` (TEST-NET-2, RFC 5737)
starting at ``198.51.100.10``, in order; ``spec.loadBalancerIP`` (deprecated upstream)
is honoured when it is free in that range. Services with ``spec.loadBalancerClass`` are
left to their own controller, as upstream. The load balancer sends traffic to the nodes
that pass its health check (see :mod:`k8slearn.node.dataplane`).

Used in: 06_services_and_kube_proxy.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from ...api.errors import ApiError
from ..apiserver import WatchEvent
from .base import Controller

__all__ = ["ServiceLBController", "LB_FINALIZER", "LB_POOL"]

LB_FINALIZER = "service.kubernetes.io/load-balancer-cleanup"
#: The simulated cloud's address range for load balancers.
LB_POOL = "198.51.100.0/24"
_FIRST_HOST = 10

Key = tuple[str, str]


class ServiceLBController(Controller):
    """Gives LoadBalancer Services an external IP after a short, simulated cloud delay."""

    name = "service-controller"
    watches = ("Service",)
    component = "cloud-controller-manager"
    #: virtual seconds the simulated cloud takes to build a load balancer
    provision_delay = 3.0

    def __init__(self, cluster: Any) -> None:
        super().__init__(cluster)
        self.pool = ipaddress.ip_network(LB_POOL)
        self.assigned: dict[Key, str] = {}
        self._ensuring: dict[Key, float] = {}

    @property
    def user(self) -> str:
        return f"{self.component}/{self.name}"

    def start(self) -> None:
        """Watch Services as the cloud-controller-manager (not kube-controller-manager) does."""
        if self.started:
            return
        self.started = True
        self.api.watch("Service", self._handler("Service"), send_initial_events=True, owner=self.user)

    def enqueue_for(self, kind: str, event: WatchEvent) -> None:
        m = event.object["metadata"]
        key = (m.get("namespace") or "default", m["name"])
        if event.type == "DELETED":
            self._release(key)
            self._ensuring.pop(key, None)
            return
        self.queue.add(key)

    def _release(self, key: Key) -> None:
        self.assigned.pop(key, None)

    def _allocate(self, key: Key, wanted: str | None) -> str | None:
        used = set(self.assigned.values())
        if wanted:
            try:
                ok = ipaddress.ip_address(wanted) in self.pool and wanted not in used
            except ValueError:
                ok = False
            if ok:
                self.assigned[key] = wanted
                return wanted
        for i in range(_FIRST_HOST, self.pool.num_addresses - 1):
            ip = str(self.pool.network_address + i)
            if ip not in used:
                self.assigned[key] = ip
                return ip
        return None

    def reconcile(self, key: Key) -> float | None:
        ns, name = key
        svc = self.api.get_or_none("Service", name, ns)
        if svc is None:
            self._release(key)
            return None
        m = svc["metadata"]
        spec = svc.get("spec") or {}
        finalizers = list(m.get("finalizers") or ())
        wants = (
            spec.get("type") == "LoadBalancer" and not spec.get("loadBalancerClass") and not m.get("deletionTimestamp")
        )
        if not wants:
            if LB_FINALIZER in finalizers or key in self.assigned:
                self._delete_lb(svc, key, finalizers)
            return None
        if LB_FINALIZER not in finalizers:
            self.api.replace_fields(
                "Service", name, ns, {"metadata": {"finalizers": [*finalizers, LB_FINALIZER]}}, user=self.user
            )
            svc = self.api.get("Service", name, ns)
        ingress = ((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
        if ingress and key in self.assigned:
            return None
        due = self._ensuring.get(key)
        now = self.clock.now
        if due is None:
            self.recorder.normal(svc, "EnsuringLoadBalancer", "Ensuring load balancer")
            self._ensuring[key] = now + self.provision_delay
            return self.provision_delay
        if now < due:
            return due - now
        del self._ensuring[key]
        ip = self.assigned.get(key) or self._allocate(key, spec.get("loadBalancerIP"))
        if ip is None:
            self.recorder.warning(
                svc, "SyncLoadBalancerFailed", f"Error syncing load balancer: no address left in {LB_POOL}"
            )
            return 30.0
        status = dict(svc.get("status") or {})
        status["loadBalancer"] = {"ingress": [{"ip": ip, "ipMode": "VIP"}]}
        try:
            self.api.replace_status("Service", name, ns, status, user=self.user)
        except ApiError:
            return 1.0
        self.recorder.normal(svc, "EnsuredLoadBalancer", "Ensured load balancer")
        return None

    def _delete_lb(self, svc: dict, key: Key, finalizers: list[str]) -> None:
        ns, name = key
        self._ensuring.pop(key, None)
        self.recorder.normal(svc, "DeletingLoadBalancer", "Deleting load balancer")
        self._release(key)
        if ((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress"):
            self.api.replace_status("Service", name, ns, dict(svc.get("status") or {}, loadBalancer={}), user=self.user)
        self.recorder.normal(svc, "DeletedLoadBalancer", "Deleted load balancer")
        if LB_FINALIZER in finalizers:
            rest = [f for f in finalizers if f != LB_FINALIZER] or None
            try:
                self.api.patch("Service", name, ns, {"metadata": {"finalizers": rest}}, user=self.user)
            except ApiError as err:
                if err.reason != "NotFound":
                    raise
