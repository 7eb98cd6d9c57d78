"""VolumeZone (PreFilter, Filter): keep the pod in the zone (and region) of its PersistentVolumes.

A bound PV labelled ``topology.kubernetes.io/zone`` (or ``region``, or their deprecated
``failure-domain.beta.kubernetes.io/*`` forms; several zones joined by ``__``) can only be
used by pods on nodes with a matching label: others get ``node(s) had no available volume
zone``. Nodes without any topology label pass; unbound ``WaitForFirstConsumer`` claims are
left to VolumeBinding.

Notes
-----
Mirrors ``pkg/scheduler/framework/plugins/volumezone``; the rule is
:func:`k8slearn.controlplane.volumebinding.volume_zone_reasons`.
Used in: 08_config_secrets_storage.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from ... import volumebinding as vb
from ..framework import ActionType, ClusterEvent, CycleState, Plugin, PreFilterResult, Status, VectorFilter
from .volumes import has_volume_claims

__all__ = ["VolumeZone", "NAME", "ERR_REASON_CONFLICT"]

NAME = "VolumeZone"
ERR_REASON_CONFLICT = vb.ERR_REASON_ZONE_CONFLICT
_STATE_KEY = "PreFilter" + NAME
_FAIL = Status.unresolvable(ERR_REASON_CONFLICT)


@dataclass
class _State:
    claims: dict
    volumes: dict
    classes: dict

    def clone(self) -> _State:
        return self


class VolumeZone(Plugin):
    """Filter plugin: nodes outside the zones of the pod's bound volumes are rejected."""

    name = NAME

    def pre_filter(self, state: CycleState, pod: Mapping, nodes) -> tuple[PreFilterResult | None, Status | None]:
        if not has_volume_claims(pod):
            return None, Status.skip()
        api = self.handle.api
        ns = (pod.get("metadata") or {}).get("namespace") or "default"
        claims = {c["metadata"]["name"]: c for c in api.list("PersistentVolumeClaim", ns)}
        names = {(claims.get(n) or {}).get("spec", {}).get("volumeName") for n in vb.pod_claim_names(pod)}
        volumes = {n: v for n in names if n and (v := api.get_or_none("PersistentVolume", n)) is not None}
        if not any(
            k in ((v.get("metadata") or {}).get("labels") or {}) for v in volumes.values() for k in vb.ZONE_LABELS
        ):
            return None, Status.skip()  # no bound volume carries a zone label: nothing to check
        classes = {c["metadata"]["name"]: c for c in api.list("StorageClass")}
        state.write(_STATE_KEY, _State(claims, volumes, classes))
        return None, None

    def filter(self, state: CycleState, pod: Mapping, node_info) -> Status | None:
        s: _State | None = state.read(_STATE_KEY)
        if s is None:
            return None
        try:
            reasons = vb.volume_zone_reasons(pod, node_info.node, s.claims, s.volumes, s.classes)
        except vb.VolumeError as err:
            return Status.unresolvable(str(err))
        return _FAIL if reasons else None

    def filter_vector(self, state: CycleState, pod: Mapping, order: np.ndarray) -> VectorFilter:
        if state.read(_STATE_KEY) is None:
            return VectorFilter(None, Status())
        infos = self.handle.snapshot.table.infos
        return VectorFilter.node_by_node(lambda info: self.filter(state, pod, info), infos, order)

    def events_to_register(self) -> list:
        return [
            (ClusterEvent("Node", ActionType.ADD | ActionType.UPDATE_NODE_LABEL), None),
            (ClusterEvent("PersistentVolumeClaim", ActionType.ADD | ActionType.UPDATE), None),
            (ClusterEvent("PersistentVolume", ActionType.ADD | ActionType.UPDATE), None),
            (ClusterEvent("StorageClass", ActionType.ADD), None),
        ]
