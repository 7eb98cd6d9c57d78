"""VolumeBinding (PreFilter, Filter): Find or provision PersistentVolumes for the pod's claims on a node; bind them before the pod.

Storage is not simulated yet, so this plugin is registered in its upstream place in the
default profile but lets every pod pass (it skips pods without volume claims, exactly as
upstream does).

Notes
-----
Mirrors the extension points of ``pkg/scheduler/framework/plugins/volumebinding``.
Used in: 08_config_secrets_storage.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ..framework import ActionType, ClusterEvent, CycleState, Plugin, PreFilterResult, Status, VectorFilter
from .volumes import has_volume_claims

__all__ = ["VolumeBinding", "NAME"]

NAME = "VolumeBinding"


class VolumeBinding(Plugin):
    """Registered volume plugin that passes every pod for now."""

    name = NAME

    def pre_filter(self, state: CycleState, pod: Mapping, nodes) -> tuple[PreFilterResult | None, Status | None]:
        if not has_volume_claims(pod):
            return None, Status.skip()
        return None, None

    def filter(self, state: CycleState, pod: Mapping, node_info) -> Status | None:
        return None

    def filter_vector(self, state: CycleState, pod: Mapping, order: np.ndarray) -> VectorFilter:
        return VectorFilter(None, Status())

    def events_to_register(self) -> list:
        return [(ClusterEvent("Node", ActionType.ADD | ActionType.UPDATE_NODE_LABEL), None)]

    def reserve(self, state: CycleState, pod: Mapping, node_name: str) -> Status | None:
        return None

    def pre_bind(self, state: CycleState, pod: Mapping, node_name: str) -> Status | None:
        return None if has_volume_claims(pod) else Status.skip()
