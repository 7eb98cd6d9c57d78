"""Helpers over Kubernetes-shaped objects (plain dicts with camelCase keys).

Objects that come out of the API server are shared and read-only: these helpers
read them without copying, and build new objects (or copies of the parts that
change) for writes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

__all__ = [
    "NAME_ALPHABET",
    "PATCH_MERGE_KEYS",
    "ObjectKey",
    "meta",
    "name_of",
    "namespace_of",
    "uid_of",
    "labels_of",
    "annotations_of",
    "key_of",
    "owner_references",
    "controller_ref",
    "is_controlled_by",
    "make_owner_reference",
    "deep_copy",
    "merge_patch",
    "get_condition",
    "set_condition",
    "is_being_deleted",
    "pod_is_terminal",
    "pod_is_ready",
    "ref_of",
]

#: Alphabet of generated name suffixes (apimachinery util/rand: no vowels, no confusables).
NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"

#: ``patchMergeKey`` of the lists a strategic merge (``kubectl patch``, ``kubectl apply``) merges item
#: by item; every other list, tolerations included, is replaced whole.
PATCH_MERGE_KEYS = {
    "containers": "name",
    "initContainers": "name",
    "ephemeralContainers": "name",
    "env": "name",
    "volumes": "name",
    "volumeMounts": "mountPath",
    "ports": "containerPort",
    "imagePullSecrets": "name",
    "conditions": "type",
}

#: ``(namespace, name)``; namespace is ``""`` for cluster-scoped objects.
ObjectKey = tuple[str, str]


def meta(obj: Mapping) -> Mapping:
    return obj.get("metadata") or {}


def name_of(obj: Mapping) -> str:
    return meta(obj).get("name", "")


def namespace_of(obj: Mapping) -> str:
    return meta(obj).get("namespace") or ""


def uid_of(obj: Mapping) -> str:
    return meta(obj).get("uid", "")


def labels_of(obj: Mapping) -> Mapping[str, str]:
    return meta(obj).get("labels") or {}


def annotations_of(obj: Mapping) -> Mapping[str, str]:
    return meta(obj).get("annotations") or {}


def key_of(obj: Mapping) -> ObjectKey:
    m = meta(obj)
    return (m.get("namespace") or "", m.get("name", ""))


def owner_references(obj: Mapping) -> list[dict]:
    return meta(obj).get("ownerReferences") or []


def controller_ref(obj: Mapping) -> dict | None:
    """The owner reference with ``controller: true``, if any."""
    for ref in owner_references(obj):
        if ref.get("controller"):
            return ref
    return None


def is_controlled_by(obj: Mapping, owner: Mapping) -> bool:
    ref = controller_ref(obj)
    return ref is not None and ref.get("uid") == uid_of(owner)


def make_owner_reference(owner: Mapping, *, controller: bool = True, block_owner_deletion: bool = True) -> dict:
    """An ownerReference pointing at ``owner`` (as controllers write them)."""
    return {
        "apiVersion": owner["apiVersion"],
        "kind": owner["kind"],
        "name": name_of(owner),
        "uid": uid_of(owner),
        "controller": controller,
        "blockOwnerDeletion": block_owner_deletion,
    }


def ref_of(obj: Mapping, field_path: str | None = None) -> dict:
    """An ``ObjectReference`` (as in an Event's involvedObject)."""
    m = meta(obj)
    ref = {"kind": obj.get("kind", ""), "apiVersion": obj.get("apiVersion", "")}
    if m.get("namespace"):
        ref["namespace"] = m["namespace"]
    ref["name"] = m.get("name", "")
    if m.get("uid"):
        ref["uid"] = m["uid"]
    if m.get("resourceVersion"):
        ref["resourceVersion"] = m["resourceVersion"]
    if field_path:
        ref["fieldPath"] = field_path
    return ref


def deep_copy(value: Any) -> Any:
    """Copy nested dicts and lists (several times faster than copy.deepcopy on JSON data)."""
    if isinstance(value, dict):
        return {k: deep_copy(v) if isinstance(v, (dict, list)) else v for k, v in value.items()}
    if isinstance(value, list):
        return [deep_copy(v) if isinstance(v, (dict, list)) else v for v in value]
    return value


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON merge patch: returns a new value; ``None`` in the patch deletes a key."""
    if not isinstance(patch, dict):
        return deep_copy(patch)
    out = dict(target) if isinstance(target, dict) else {}
    for k, v in patch.items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = merge_patch(out.get(k), v)
    return out


def get_condition(obj_or_status: Mapping, type_: str) -> dict | None:
    """The condition of ``type_`` in ``status.conditions`` (object or status given)."""
    status = obj_or_status.get("status") if "metadata" in obj_or_status else obj_or_status
    for cond in (status or {}).get("conditions") or []:
        if cond.get("type") == type_:
            return cond
    return None


def set_condition(conditions: Iterable[Mapping] | None, new: Mapping, now: str) -> list[dict]:
    """A new condition list with ``new`` set; lastTransitionTime moves only when status changes."""
    out: list[dict] = []
    found = False
    for cond in conditions or []:
        if cond.get("type") == new["type"]:
            found = True
            merged = dict(new)
            if cond.get("status") == new.get("status") and cond.get("lastTransitionTime"):
                merged["lastTransitionTime"] = cond["lastTransitionTime"]
            else:
                merged.setdefault("lastTransitionTime", now)
            out.append(merged)
        else:
            out.append(dict(cond))
    if not found:
        merged = dict(new)
        merged.setdefault("lastTransitionTime", now)
        out.append(merged)
    return out


def is_being_deleted(obj: Mapping) -> bool:
    return bool(meta(obj).get("deletionTimestamp"))


def pod_is_terminal(pod: Mapping) -> bool:
    return (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed")


def pod_is_ready(pod: Mapping) -> bool:
    cond = get_condition(pod.get("status") or {}, "Ready")
    return cond is not None and cond.get("status") == "True"
