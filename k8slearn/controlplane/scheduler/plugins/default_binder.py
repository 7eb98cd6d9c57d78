"""DefaultBinder (Bind): write the Binding (``POST pods/<name>/binding``) to the API server.

Notes
-----
Mirrors ``pkg/scheduler/framework/plugins/defaultbinder``. The API server sets
``spec.nodeName`` and the ``PodScheduled=True`` condition; the node's kubelet, which
watches pods bound to its node, takes it from there.
Used in: 00_architecture, 02_scheduling.
"""

from __future__ import annotations

from collections.abc import Mapping

from ....api.errors import ApiError
from ..framework import CycleState, Plugin, Status

__all__ = ["DefaultBinder", "NAME"]

NAME = "DefaultBinder"


class DefaultBinder(Plugin):
    """Bind plugin: binds through the API server."""

    name = NAME

    def bind(self, state: CycleState, pod: Mapping, node_name: str) -> Status | None:
        meta = pod.get("metadata") or {}
        try:
            self.handle.api.bind(meta.get("namespace") or "default", meta.get("name", ""), node_name,
                                 user="kube-scheduler")  # fmt: skip
        except ApiError as err:
            return Status.error(str(err))
        return None
