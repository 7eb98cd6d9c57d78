"""VolumeBinding (PreFilter, Filter, Reserve, PreBind): find or provision PersistentVolumes for the pod's claims on a node.

PreFilter sorts the pod's claims (:func:`~k8slearn.controlplane.volumebinding.pod_volume_claims`):
a missing claim or one being deleted, or an unbound claim of an ``Immediate`` class, makes
the pod unschedulable everywhere (``pod has unbound immediate PersistentVolumeClaims``).
Filter asks, per node, whether the bound claims' volumes may be used there (node affinity)
and whether each ``WaitForFirstConsumer`` claim finds an available matching volume on that
node or can be provisioned for it
(:func:`~k8slearn.controlplane.volumebinding.find_pod_volumes`). PreBind makes the choice
real before the pod is bound: it pre-binds the chosen PVs (``claimRef``) and writes the node
into the claims to provision (``volume.kubernetes.io/selected-node``); the
persistentvolume-controller and the provisioner finish the binding.

Notes
-----
Mirrors ``pkg/scheduler/framework/plugins/volumebinding`` (``volume_binding.go``,
``binder.go``). Upstream PreBind then waits (up to ``bindTimeoutSeconds``, 600 s) until
every claim is fully bound; here the controllers finish in the same virtual instant, so
the pod is bound at once. The storage-capacity scoring of upstream is not simulated.
Used in: 08_config_secrets_storage.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from ... import volumebinding as vb
from ..framework import ActionType, ClusterEvent, CycleState, Plugin, PreFilterResult, Status, VectorFilter
from .volumes import pvc_names

__all__ = ["VolumeBinding", "NAME"]

NAME = "VolumeBinding"
_STATE_KEY = "PreFilter" + NAME
_COMPONENT = "kube-scheduler"


@dataclass
class _State:
    """What PreFilter read: the pod's claims, the volumes and classes, and Filter's findings per node."""

    claims: vb.PodVolumeClaims
    volumes: dict[str, dict]
    classes: dict[str, dict]
    by_node: dict[str, vb.PodVolumes] = field(default_factory=dict)

    def clone(self) -> _State:
        return self


class VolumeBinding(Plugin):
    """Checks that the pod's claims can be bound on a node, and binds them before the pod."""

    name = NAME

    def pre_filter(self, state: CycleState, pod: Mapping, nodes) -> tuple[PreFilterResult | None, Status | None]:
        names = pvc_names(pod)
        if not names:
            return None, Status.skip()
        api = self.handle.api
        ns = (pod.get("metadata") or {}).get("namespace") or "default"
        claims = {}
        for name in names:
            obj = api.get_or_none("PersistentVolumeClaim", name, ns)
            if obj is not None:
                claims[name] = obj
        classes = {c["metadata"]["name"]: c for c in api.list("StorageClass")}
        try:
            sorted_claims = vb.pod_volume_claims(pod, claims, classes)
        except vb.VolumeError as err:
            return None, Status.unresolvable(str(err))
        if sorted_claims.unbound_immediate:
            return None, Status.unresolvable(vb.ERR_UNBOUND_IMMEDIATE_PVC)
        volumes = {v["metadata"]["name"]: v for v in api.list("PersistentVolume")}
        state.write(_STATE_KEY, _State(sorted_claims, volumes, classes))
        return None, None

    def filter(self, state: CycleState, pod: Mapping, node_info) -> Status | None:
        s: _State | None = state.read(_STATE_KEY)
        if s is None:
            return None
        found, reasons = vb.find_pod_volumes(s.claims, node_info.node, s.volumes, s.classes)
        if reasons:
            return Status.unresolvable(*reasons)
        s.by_node[node_info.name] = found
        return None

    def filter_vector(self, state: CycleState, pod: Mapping, order: np.ndarray) -> VectorFilter:
        if state.read(_STATE_KEY) is None:
            return VectorFilter(None, Status())
        infos = self.handle.snapshot.table.infos
        return VectorFilter.node_by_node(lambda info: self.filter(state, pod, info), infos, order)

    def pre_bind(self, state: CycleState, pod: Mapping, node_name: str) -> Status | None:
        s: _State | None = state.read(_STATE_KEY)
        if s is None:
            return Status.skip()
        found = s.by_node.get(node_name)
        if found is None:
            node = self.handle.api.get_or_none("Node", node_name)
            found, reasons = vb.find_pod_volumes(s.claims, node or {"metadata": {"name": node_name}}, s.volumes,
                                                 s.classes)  # fmt: skip
            if reasons:
                return Status.unresolvable(*reasons)
        api = self.handle.api
        try:
            for claim, volume in found.static_bindings:
                current = api.get("PersistentVolume", volume["metadata"]["name"])
                new, dirty = vb.bind_volume_to_claim(current, claim)
                if dirty:
                    api.replace_fields("PersistentVolume", current["metadata"]["name"], None,
                                       {"spec": new["spec"], "metadata": new["metadata"]}, user=_COMPONENT)  # fmt: skip
            for claim in found.dynamic_provisions:
                m = claim["metadata"]
                current = api.get("PersistentVolumeClaim", m["name"], m.get("namespace"))
                annotations = dict((current["metadata"].get("annotations") or {}), **{vb.ANN_SELECTED_NODE: node_name})
                api.replace_fields("PersistentVolumeClaim", m["name"], m.get("namespace"),
                                   {"metadata": {"annotations": annotations}}, user=_COMPONENT)  # fmt: skip
        except Exception as err:  # an API error: the binding cycle fails and the pod is retried
            return Status.error(f"binding volumes: {err}")
        return None

    def events_to_register(self) -> list:
        return [
            (ClusterEvent("Node", ActionType.ADD | ActionType.UPDATE_NODE_LABEL), None),
            (ClusterEvent("PersistentVolumeClaim", ActionType.ADD | ActionType.UPDATE), None),
            (ClusterEvent("PersistentVolume", ActionType.ADD | ActionType.UPDATE), None),
            (ClusterEvent("StorageClass", ActionType.ADD | ActionType.UPDATE), None),
        ]
