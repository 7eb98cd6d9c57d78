"""DynamicResources (PreFilter, Filter, PostFilter): devices through ResourceClaims (DRA).

Dynamic resource allocation is GA since 1.34, so this plugin is in the default profile
and its PostFilter runs before preemption for every unschedulable pod. A pod without
ResourceClaims has nothing it could deallocate, which is why real FailedScheduling
messages read ``... no new claims to deallocate, preemption: ...``.

Notes
-----
Mirrors the extension points of ``pkg/scheduler/framework/plugins/dynamicresources``.
ResourceClaims are not simulated: a pod that asks for claims is rejected with a message
saying so.
Used in: 02_scheduling.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..framework import CycleState, Diagnosis, Plugin, PostFilterResult, PreFilterResult, Status

__all__ = ["DynamicResources", "NAME", "NO_NEW_CLAIMS"]

NAME = "DynamicResources"
NO_NEW_CLAIMS = "no new claims to deallocate"
_KEY = "PreFilter" + NAME


def _claims(pod: Mapping) -> list:
    return list((pod.get("spec") or {}).get("resourceClaims") or ())


class DynamicResources(Plugin):
    """DRA plugin: nothing to do for pods without ResourceClaims."""

    name = NAME

    def pre_filter(self, state: CycleState, pod: Mapping, nodes) -> tuple[PreFilterResult | None, Status | None]:
        claims = _claims(pod)
        state.write(_KEY, claims)
        if not claims:
            return None, Status.skip()
        return None, Status.unresolvable("resource claims (dynamic resource allocation) are not simulated by k8slearn")

    def filter(self, state: CycleState, pod: Mapping, node_info) -> Status | None:
        return None

    def post_filter(
        self, state: CycleState, pod: Mapping, diagnosis: Diagnosis
    ) -> tuple[PostFilterResult | None, Status]:
        if not state.read(_KEY, _claims(pod)):
            return None, Status.unschedulable(NO_NEW_CLAIMS)
        return None, Status.unschedulable(NO_NEW_CLAIMS)
