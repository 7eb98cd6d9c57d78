"""Admission on create: pod plugins (ServiceAccount, Priority, DefaultTolerationSeconds) and storage ones.

Notes
-----
The API server runs these after defaulting and before validation, in the upstream plugin
order (``ServiceAccount``, ``Priority``, ``DefaultTolerationSeconds``):

- ServiceAccount (``plugin/pkg/admission/serviceaccount``): a pod without
  ``spec.serviceAccountName`` gets ``default`` (also mirrored into the deprecated
  ``spec.serviceAccount``, as the v1 conversion shows it). Mirror pods are skipped.
  k8slearn does not create token volumes, so no ``kube-api-access-*`` projected volume
  is added and the ServiceAccount object is not required to exist.
- Priority (``plugin/pkg/admission/priority``): ``spec.priorityClassName`` resolves to
  ``spec.priority`` and ``spec.preemptionPolicy``; without a name the globalDefault class
  applies, else priority 0 with ``PreemptLowerPriority``. ``system-cluster-critical``
  (2000000000) and ``system-node-critical`` (2000001000) exist implicitly. An unknown class
  is 403 Forbidden: ``pods "<name>" is forbidden: no PriorityClass with name <c> was found``.
- DefaultTolerationSeconds: the NoExecute tolerations for ``node.kubernetes.io/not-ready``
  and ``node.kubernetes.io/unreachable`` (Exists, 300 s) unless the pod already tolerates
  that taint (same or empty key, NoExecute or empty effect).
- DefaultStorageClass (``plugin/pkg/admission/storage/storageclass/setdefault``): a
  PersistentVolumeClaim that does not set ``spec.storageClassName`` (nor the beta
  annotation) gets the default StorageClass (annotated
  ``storageclass.kubernetes.io/is-default-class: "true"``; with several, the newest).
  ``storageClassName: ""`` is a request for *no* class and is left alone.
- StorageObjectInUseProtection (``plugin/pkg/admission/storage/storageobjectinuseprotection``):
  claims get the finalizer ``kubernetes.io/pvc-protection`` and volumes
  ``kubernetes.io/pv-protection``, so a claim a pod still uses (or a bound volume) stays
  ``Terminating`` until the pvc-/pv-protection controllers remove the finalizer.

:func:`admit` raises :class:`~k8slearn.api.errors.ApiError` (403) itself for a rejection,
with the name (or generateName) as upstream's ``admission.NewForbidden`` uses it.
Used in: 02_scheduling, 05_self_healing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from k8slearn.api.errors import ApiError, FieldError

__all__ = [
    "admit",
    "DEFAULT_TOLERATION_SECONDS",
    "SYSTEM_PRIORITY_CLASSES",
    "PVC_PROTECTION_FINALIZER",
    "PV_PROTECTION_FINALIZER",
]

DEFAULT_TOLERATION_SECONDS = 300
SYSTEM_PRIORITY_CLASSES = {
    "system-cluster-critical": {"value": 2000000000, "preemptionPolicy": "PreemptLowerPriority"},
    "system-node-critical": {"value": 2000001000, "preemptionPolicy": "PreemptLowerPriority"},
}
_MIRROR = "kubernetes.io/config.mirror"
PVC_PROTECTION_FINALIZER = "kubernetes.io/pvc-protection"
PV_PROTECTION_FINALIZER = "kubernetes.io/pv-protection"
_BETA_STORAGE_CLASS = "volume.beta.kubernetes.io/storage-class"

Lookup = Callable[[str, str, "str | None"], "dict | None"]


def _forbidden(pod: dict, detail: str) -> ApiError:
    md = pod.get("metadata") if isinstance(pod.get("metadata"), dict) else {}
    name = md.get("name") or md.get("generateName") or "Unknown"
    return ApiError.forbidden("pods", str(name), detail)


def _service_account(pod: dict, spec: dict) -> None:
    md = pod.get("metadata") if isinstance(pod.get("metadata"), dict) else {}
    ann = md.get("annotations") if isinstance(md.get("annotations"), dict) else {}
    if _MIRROR in ann:
        return
    if not spec.get("serviceAccountName"):
        spec["serviceAccountName"] = spec.get("serviceAccount") or "default"
    spec["serviceAccount"] = spec["serviceAccountName"]


def _priority_class(name: str, lookup: Lookup) -> dict | None:
    if name in SYSTEM_PRIORITY_CLASSES:
        return SYSTEM_PRIORITY_CLASSES[name]
    try:
        return lookup("PriorityClass", name, None)
    except Exception:
        return None


def _global_default(lookup: Lookup) -> tuple[str, int, str]:
    """``getDefaultPriority``: the globalDefault class with the lowest value, else 0."""
    classes: Any = None
    try:
        classes = lookup("PriorityClass", "", None)
    except Exception:
        classes = None
    best: tuple[str, int, str] | None = None
    items = classes.get("items") if isinstance(classes, dict) else classes
    for pc in items if isinstance(items, list) else []:
        if not isinstance(pc, dict) or pc.get("globalDefault") is not True:
            continue
        value = pc.get("value") if isinstance(pc.get("value"), int) else 0
        name = (pc.get("metadata") or {}).get("name", "")
        if best is None or value < best[1]:
            best = (name, value, pc.get("preemptionPolicy") or "PreemptLowerPriority")
    return best or ("", 0, "PreemptLowerPriority")


def _priority(pod: dict, spec: dict, lookup: Lookup) -> None:
    name = spec.get("priorityClassName")
    if not name:
        pc_name, value, policy = _global_default(lookup)
        if pc_name:
            spec["priorityClassName"] = pc_name
    else:
        pc = _priority_class(str(name), lookup)
        if pc is None:
            raise _forbidden(pod, f"no PriorityClass with name {name} was found")
        value = pc.get("value") if isinstance(pc.get("value"), int) else 0
        policy = pc.get("preemptionPolicy") or "PreemptLowerPriority"
    given = spec.get("priority")
    if given is not None and given != value:
        raise _forbidden(
            pod,
            f"the integer value of priority ({given}) must not be provided in pod spec; "
            f"priority admission controller computed {value} from the given PriorityClass name",
        )
    spec["priority"] = value
    given_policy = spec.get("preemptionPolicy")
    if given_policy is not None and given_policy != policy:
        raise _forbidden(
            pod,
            f"the string value of PreemptionPolicy ({given_policy}) must not be provided in pod spec; "
            f"priority admission controller computed {policy} from the given PriorityClass name",
        )
    spec["preemptionPolicy"] = policy


def _default_tolerations(spec: dict) -> None:
    tolerations = spec.get("tolerations")
    if tolerations is None:
        tolerations = []
    if not isinstance(tolerations, list):
        return
    not_ready = unreachable = False
    for t in tolerations:
        if not isinstance(t, dict):
            continue
        key, effect = t.get("key") or "", t.get("effect") or ""
        if effect in ("NoExecute", ""):
            not_ready = not_ready or key in ("node.kubernetes.io/not-ready", "")
            unreachable = unreachable or key in ("node.kubernetes.io/unreachable", "")
    added = []
    for key, has in (("node.kubernetes.io/not-ready", not_ready), ("node.kubernetes.io/unreachable", unreachable)):
        if not has:
            added.append(
                {
                    "key": key,
                    "operator": "Exists",
                    "effect": "NoExecute",
                    "tolerationSeconds": DEFAULT_TOLERATION_SECONDS,
                }
            )
    if added:
        spec["tolerations"] = tolerations + added


def _default_storage_class(pvc: dict, lookup: Lookup) -> None:
    from k8slearn.controlplane.volumebinding import default_storage_class

    spec = pvc.get("spec")
    md = pvc.get("metadata") if isinstance(pvc.get("metadata"), dict) else {}
    ann = md.get("annotations") if isinstance(md.get("annotations"), dict) else {}
    if not isinstance(spec, dict) or spec.get("storageClassName") is not None or _BETA_STORAGE_CLASS in ann:
        return
    try:
        classes = lookup("StorageClass", "", None)
    except Exception:
        return
    items = classes.get("items") if isinstance(classes, dict) else classes
    default = default_storage_class(c for c in items or [] if isinstance(c, dict))
    if default is not None:
        spec["storageClassName"] = (default.get("metadata") or {}).get("name")


def _in_use_protection(obj: dict, finalizer: str) -> None:
    md = obj.get("metadata")
    if not isinstance(md, dict):
        return
    finalizers = md.get("finalizers")
    if finalizers is None:
        finalizers = []
    if isinstance(finalizers, list) and finalizer not in finalizers:
        md["finalizers"] = [*finalizers, finalizer]


def admit(kind: str, obj: dict, lookup: Lookup) -> list[FieldError] | None:
    """Mutating and validating admission on create; mutates ``obj``.

    ``lookup(kind, name, namespace)`` reads other objects; ``lookup("PriorityClass", "", None)``
    should return the list of PriorityClasses (a list, or a dict with ``items``) so the
    globalDefault can be found. Returns None; raises ApiError (403 Forbidden) on rejection.
    """
    if not isinstance(obj, dict):
        return None
    if kind == "PersistentVolumeClaim":
        _default_storage_class(obj, lookup)
        _in_use_protection(obj, PVC_PROTECTION_FINALIZER)
        return None
    if kind == "PersistentVolume":
        _in_use_protection(obj, PV_PROTECTION_FINALIZER)
        return None
    if kind != "Pod":
        return None
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        return None
    _service_account(obj, spec)
    _priority(obj, spec, lookup)
    _default_tolerations(spec)
    return None
