"""Shared helpers of the volume plugins: the claims a pod uses.

The volume rules themselves live in :mod:`k8slearn.controlplane.volumebinding`.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["pvc_names", "has_volume_claims"]


def pvc_names(pod: Mapping) -> list[str]:
    """Claims the pod uses: ``persistentVolumeClaim`` and generic ``ephemeral`` volumes."""
    meta = pod.get("metadata") or {}
    out = []
    for v in (pod.get("spec") or {}).get("volumes") or ():
        if v.get("persistentVolumeClaim"):
            out.append(v["persistentVolumeClaim"].get("claimName", ""))
        elif v.get("ephemeral"):
            out.append(f"{meta.get('name', '')}-{v.get('name', '')}")
    return out


def has_volume_claims(pod: Mapping) -> bool:
    return bool(pvc_names(pod))
