"""Admission on create: pod plugins (ServiceAccount, Priority, DefaultTolerationSeconds) and storage ones.

Notes
-----
The API server runs these after defaulting and before validation, in the upstream plugin
order (``ServiceAccount``, ``Priority``, ``DefaultTolerationSeconds``):

- ServiceAccount (``plugin/pkg/admission/serviceaccount``): a pod without
  ``spec.serviceAccountName`` gets ``default`` (also mirrored into the deprecated
  ``spec.serviceAccount``, as the v1 conversion shows it). The ServiceAccount must exist,
  else 403 ``error looking up service account <ns>/<name>: serviceaccount "<name>" not
  found``; upstream retries ``default`` for a while because the serviceaccount controller
  creates it moments after the namespace, and k8slearn accepts a missing ``default`` for
  the same reason. Unless ``automountServiceAccountToken`` is false (the pod's setting
  wins over the ServiceAccount's), every container and init container without a mount at
  ``/var/run/secrets/kubernetes.io/serviceaccount`` gets one of the projected volume
  ``kube-api-access-<5 chars>`` (token, ``kube-root-ca.crt``, namespace). Upstream draws
  the suffix at random; here it comes from the pod's uid, itself from the seeded
  generator. Mirror pods are skipped.
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
from k8slearn.api.objects import NAME_ALPHABET

__all__ = [
    "admit",
    "DEFAULT_TOLERATION_SECONDS",
    "SYSTEM_PRIORITY_CLASSES",
    "PVC_PROTECTION_FINALIZER",
    "PV_PROTECTION_FINALIZER",
    "TOKEN_MOUNT_PATH",
    "TOKEN_VOLUME_PREFIX",
    "token_volume_source",
    "is_token_volume",
]

DEFAULT_TOLERATION_SECONDS = 300
SYSTEM_PRIORITY_CLASSES = {
    "system-cluster-critical": {"value": 2000000000, "preemptionPolicy": "PreemptLowerPriority"},
    "system-node-critical": {"value": 2000001000, "preemptionPolicy": "PreemptLowerPriority"},
}
_MIRROR = "kubernetes.io/config.mirror"
DEFAULT_SERVICE_ACCOUNT = "default"
TOKEN_VOLUME_PREFIX = "kube-api-access-"
TOKEN_MOUNT_PATH = "/var/run/secrets/kubernetes.io/serviceaccount"
#: ``WarnOnlyBoundTokenExpirationSeconds``: 1 h plus 7 s, so a stale token is recognisable.
TOKEN_EXPIRATION_SECONDS = 3607
PVC_PROTECTION_FINALIZER = "kubernetes.io/pvc-protection"
PV_PROTECTION_FINALIZER = "kubernetes.io/pv-protection"
_BETA_STORAGE_CLASS = "volume.beta.kubernetes.io/storage-class"

Lookup = Callable[[str, str, "str | None"], "dict | None"]


def _forbidden(pod: dict, detail: str) -> ApiError:
    md = pod.get("metadata") if isinstance(pod.get("metadata"), dict) else {}
    name = md.get("name") or md.get("generateName") or "Unknown"
    return ApiError.forbidden("pods", str(name), detail)


def _service_account(pod: dict, spec: dict, lookup: Lookup) -> None:
    md = pod.get("metadata") if isinstance(pod.get("metadata"), dict) else {}
    ann = md.get("annotations") if isinstance(md.get("annotations"), dict) else {}
    if _MIRROR in ann:
        return
    if not spec.get("serviceAccountName"):
        spec["serviceAccountName"] = spec.get("serviceAccount") or DEFAULT_SERVICE_ACCOUNT
    name = spec["serviceAccountName"]
    spec["serviceAccount"] = name
    ns = str(md.get("namespace") or "")
    sa = _get(lookup, "ServiceAccount", str(name), ns)
    if sa is None and name != DEFAULT_SERVICE_ACCOUNT:
        raise _forbidden(pod, f'error looking up service account {ns}/{name}: serviceaccount "{name}" not found')
    automount = spec.get("automountServiceAccountToken")
    if automount is None:
        automount = (sa or {}).get("automountServiceAccountToken")
    if automount is not False:
        _mount_token(spec, TOKEN_VOLUME_PREFIX + _suffix(str(md.get("uid") or "")))


def _get(lookup: Lookup, kind: str, name: str, namespace: str | None) -> Any:
    """``lookup`` that answers None instead of raising (a missing kind or object)."""
    try:
        return lookup(kind, name, namespace)
    except Exception:
        return None


def _suffix(uid: str, n: int = 5) -> str:
    value = int(uid.replace("-", ""), 16) if uid else 0
    chars = []
    for _ in range(n):
        value, i = divmod(value, len(NAME_ALPHABET))
        chars.append(NAME_ALPHABET[i])
    return "".join(chars)


def token_volume_source() -> dict:
    """The projected source of ``kube-api-access-*`` (upstream ``TokenVolumeSource``)."""
    return {
        "sources": [
            {"serviceAccountToken": {"expirationSeconds": TOKEN_EXPIRATION_SECONDS, "path": "token"}},
            {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
            {"downwardAPI": {"items": [{"path": "namespace", "fieldRef": {"apiVersion": "v1",
                                                                           "fieldPath": "metadata.namespace"}}]}},
        ],
        "defaultMode": 420,
    }  # fmt: skip


def is_token_volume(volume: Any) -> bool:
    """Whether ``volume`` is the ``kube-api-access-*`` volume this plugin adds."""
    return (
        isinstance(volume, dict)
        and str(volume.get("name", "")).startswith(TOKEN_VOLUME_PREFIX)
        and isinstance(volume.get("projected"), dict)
    )


def _mount_token(spec: dict, new_name: str) -> None:
    volumes = spec.get("volumes") if isinstance(spec.get("volumes"), list) else []
    existing = next(
        (v["name"] for v in volumes if isinstance(v, dict) and str(v.get("name", "")).startswith(TOKEN_VOLUME_PREFIX)),
        None,
    )
    name = existing or new_name
    needed = False
    for group in ("initContainers", "containers"):
        for c in spec.get(group) or ():
            if not isinstance(c, dict):
                continue
            mounts = c.get("volumeMounts") if isinstance(c.get("volumeMounts"), list) else []
            if any(isinstance(vm, dict) and vm.get("mountPath") == TOKEN_MOUNT_PATH for vm in mounts):
                continue
            c["volumeMounts"] = [*mounts, {"name": name, "readOnly": True, "mountPath": TOKEN_MOUNT_PATH}]
            needed = True
    if needed and existing is None:
        spec["volumes"] = [*volumes, {"name": name, "projected": token_volume_source()}]


def _priority_class(name: str, lookup: Lookup) -> dict | None:
    if name in SYSTEM_PRIORITY_CLASSES:
        return SYSTEM_PRIORITY_CLASSES[name]
    return _get(lookup, "PriorityClass", name, None)


def _global_default(lookup: Lookup) -> tuple[str, int, str]:
    """``getDefaultPriority``: the globalDefault class with the lowest value, else 0."""
    classes: Any = _get(lookup, "PriorityClass", "", None)
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
    classes = _get(lookup, "StorageClass", "", None)
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
    _service_account(obj, spec, lookup)
    _priority(obj, spec, lookup)
    _default_tolerations(spec)
    return None
