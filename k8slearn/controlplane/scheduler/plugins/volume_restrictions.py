"""VolumeRestrictions (PreFilter, Filter): a ``ReadWriteOncePod`` claim serves one pod at a time.

A pod whose ``ReadWriteOncePod`` claim is already used by another scheduled, running pod
fits nowhere: ``node has pod using PersistentVolumeClaim with the same name and
ReadWriteOncePod access mode``. (Upstream also refuses two pods with the same GCE PD,
AWS EBS, RBD or iSCSI disk on one node; k8slearn volumes have no such disks.)

Notes
-----
Mirrors ``pkg/scheduler/framework/plugins/volumerestrictions``; the rule is
:func:`k8slearn.controlplane.volumebinding.rwop_conflict`.
Used in: 08_config_secrets_storage.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ... import volumebinding as vb
from ..framework import ActionType, ClusterEvent, CycleState, Plugin, PreFilterResult, Status, VectorFilter
from .volumes import has_volume_claims

__all__ = ["VolumeRestrictions", "NAME", "ERR_REASON_READ_WRITE_ONCE_POD_CONFLICT"]

NAME = "VolumeRestrictions"
ERR_REASON_READ_WRITE_ONCE_POD_CONFLICT = vb.ERR_REASON_RWOP_CONFLICT
_FAIL = Status.unresolvable(ERR_REASON_READ_WRITE_ONCE_POD_CONFLICT)


class VolumeRestrictions(Plugin):
    """PreFilter plugin: a ReadWriteOncePod claim already in use makes the pod unschedulable."""

    name = NAME

    def pre_filter(self, state: CycleState, pod: Mapping, nodes) -> tuple[PreFilterResult | None, Status | None]:
        if not has_volume_claims(pod):
            return None, Status.skip()
        api = self.handle.api
        ns = (pod.get("metadata") or {}).get("namespace") or "default"
        claims = {}
        for name in vb.pod_claim_names(pod):
            obj = api.get_or_none("PersistentVolumeClaim", name, ns)
            if obj is not None and "ReadWriteOncePod" in ((obj.get("spec") or {}).get("accessModes") or ()):
                claims[name] = obj
        if not claims:
            return None, Status.skip()

        def pods_using(claim: str) -> list[dict]:
            return [p for p in api.list("Pod", ns) if claim in vb.pod_claim_names(p)]

        if vb.rwop_conflict(pod, claims, pods_using):
            return None, _FAIL
        return None, Status.skip()

    def filter(self, state: CycleState, pod: Mapping, node_info) -> Status | None:
        return None

    def filter_vector(self, state: CycleState, pod: Mapping, order: np.ndarray) -> VectorFilter:
        return VectorFilter(None, Status())

    def events_to_register(self) -> list:
        return [
            (ClusterEvent("Pod", ActionType.DELETE), None),
            (ClusterEvent("PersistentVolumeClaim", ActionType.ADD | ActionType.UPDATE), None),
        ]
