"""NodeVolumeLimits (PreFilter, Filter): a node attaches at most so many CSI volumes.

CSI volumes (PVs with a ``spec.csi`` source) count per driver, each volume once per node,
against the node's ``attachable-volumes-csi-<driver>`` allocatable (upstream reads the
limit from the CSINode object). A node that would exceed it gets ``node(s) exceed max
volume count``. hostPath and local volumes never count.

Notes
-----
Mirrors ``pkg/scheduler/framework/plugins/nodevolumelimits`` in its basics; the rule is
:func:`k8slearn.controlplane.volumebinding.node_volume_limit_reasons`.
Used in: 08_config_secrets_storage.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from ... import volumebinding as vb
from ..framework import ActionType, ClusterEvent, CycleState, Plugin, PreFilterResult, Status, VectorFilter
from .volumes import has_volume_claims

__all__ = ["NodeVolumeLimits", "NAME", "ERR_REASON_MAX_VOLUME_COUNT_EXCEEDED"]

NAME = "NodeVolumeLimits"
ERR_REASON_MAX_VOLUME_COUNT_EXCEEDED = vb.ERR_REASON_MAX_VOLUME_COUNT
_STATE_KEY = "PreFilter" + NAME
_FAIL = Status.unschedulable(ERR_REASON_MAX_VOLUME_COUNT_EXCEEDED)


@dataclass
class _State:
    claims: dict
    volumes: dict

    def clone(self) -> _State:
        return self


class NodeVolumeLimits(Plugin):
    """Filter plugin: rejects nodes whose CSI attach limit the pod's volumes would exceed."""

    name = NAME

    def pre_filter(self, state: CycleState, pod: Mapping, nodes) -> tuple[PreFilterResult | None, Status | None]:
        if not has_volume_claims(pod):
            return None, Status.skip()
        api = self.handle.api
        volumes = {v["metadata"]["name"]: v for v in api.list("PersistentVolume") if (v.get("spec") or {}).get("csi")}
        if not volumes:
            return None, Status.skip()
        claims = {(c["metadata"].get("namespace", ""), c["metadata"]["name"]): c
                  for c in api.list("PersistentVolumeClaim")}  # fmt: skip
        state.write(_STATE_KEY, _State(claims, volumes))
        return None, None

    def filter(self, state: CycleState, pod: Mapping, node_info) -> Status | None:
        s: _State | None = state.read(_STATE_KEY)
        if s is None:
            return None
        pods = [pi.pod for pi in node_info.pods.values()]
        return _FAIL if vb.node_volume_limit_reasons(pod, node_info.node, pods, s.claims, s.volumes) else None

    def filter_vector(self, state: CycleState, pod: Mapping, order: np.ndarray) -> VectorFilter:
        if state.read(_STATE_KEY) is None:
            return VectorFilter(None, Status())
        infos = self.handle.snapshot.table.infos
        return VectorFilter.node_by_node(lambda info: self.filter(state, pod, info), infos, order)

    def events_to_register(self) -> list:
        return [
            (ClusterEvent("Pod", ActionType.DELETE), None),
            (ClusterEvent("Node", ActionType.ADD | ActionType.UPDATE_NODE_ALLOCATABLE), None),
            (ClusterEvent("PersistentVolumeClaim", ActionType.ADD), None),
        ]
