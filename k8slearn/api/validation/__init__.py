"""API validation with upstream wording: ``validate`` on create and update, ``check_decodable``.

Notes
-----
One module per family: :mod:`.meta` (names, ObjectMeta, labels, selectors), :mod:`.pod`,
:mod:`.core` (Service, ConfigMap, Secret, Namespace, Node, PV, PVC, Endpoints, Event),
:mod:`.apps`, :mod:`.batch`, :mod:`.other` (StorageClass, PriorityClass, Lease, HPA,
EndpointSlice) and :mod:`.decode` (the decode step). The API server defaults an object
(:func:`k8slearn.api.defaults.set_defaults`), admits it, then validates it; field errors
come back in upstream order of checks and become ``ApiError.invalid``.
Used in: 01_api_server_and_etcd.

Examples
--------
>>> from k8slearn.api.errors import ApiError
>>> errs = validate("Namespace", {"metadata": {"name": "Dev"}})
>>> print(ApiError.invalid("Namespace", "Dev", errs))  # doctest: +ELLIPSIS
Namespace "Dev" is invalid: metadata.name: Invalid value: "Dev": a lowercase RFC 1123 label must ...
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from k8slearn.api.errors import ApiError, FieldError
from k8slearn.api.resources import RESOURCES
from k8slearn.api.validation import apps, batch, core, meta, other, pod
from k8slearn.api.validation.decode import decode_error

__all__ = ["validate", "check_decodable"]

_CREATE: dict[str, Callable[[Any], list[FieldError]]] = {
    "Pod": pod.validate_pod,
    "Service": core.validate_service,
    "ConfigMap": core.validate_config_map,
    "Secret": core.validate_secret,
    "Namespace": core.validate_namespace,
    "Node": core.validate_node,
    "PersistentVolume": core.validate_pv,
    "PersistentVolumeClaim": core.validate_pvc,
    "Endpoints": core.validate_endpoints,
    "Event": core.validate_event,
    "Deployment": apps.validate_deployment,
    "ReplicaSet": apps.validate_replica_set,
    "DaemonSet": apps.validate_daemon_set,
    "Job": batch.validate_job,
    "StorageClass": other.validate_storage_class,
    "PriorityClass": other.validate_priority_class,
    "Lease": other.validate_lease,
    "HorizontalPodAutoscaler": other.validate_hpa,
    "EndpointSlice": other.validate_endpoint_slice,
}

_UPDATE: dict[str, Callable[[Any, Any], list[FieldError]]] = {
    "Pod": pod.validate_pod_update,
    "Service": core.validate_service_update,
    "ConfigMap": core.validate_config_map_update,
    "Secret": core.validate_secret_update,
    "Node": core.validate_node_update,
    "PersistentVolume": core.validate_pv_update,
    "PersistentVolumeClaim": core.validate_pvc_update,
    "Deployment": apps.validate_deployment_update,
    "ReplicaSet": apps.validate_replica_set_update,
    "DaemonSet": apps.validate_daemon_set_update,
    "Job": batch.validate_job_update,
    "StorageClass": other.validate_storage_class_update,
    "PriorityClass": other.validate_priority_class_update,
    "EndpointSlice": other.validate_endpoint_slice_update,
}

_BY_KIND = {r.kind: r for r in RESOURCES}


def _generic(kind: str, obj: Any, old: Any) -> list[FieldError]:
    info = _BY_KIND.get(kind)
    namespaced = info.namespaced if info else True
    md = obj.get("metadata") if isinstance(obj, dict) else None
    errs = meta.validate_object_meta(md, namespaced, meta.name_is_dns_subdomain)
    if old is not None:
        errs = meta.validate_object_meta_update(md, old.get("metadata") if isinstance(old, dict) else None) + errs
    return errs


def validate(kind: str, obj: dict, old: dict | None = None) -> list[FieldError]:
    """Field errors of ``obj`` (a ``kind``), in upstream order; empty when valid.

    ``old`` is None on create; on update it is the stored object and the update rules
    apply (immutable fields, pod spec updates, growing PVCs ...). Never raises on junk.
    """
    try:
        if old is None:
            fn = _CREATE.get(kind)
            return fn(obj) if fn else _generic(kind, obj, None)
        upd = _UPDATE.get(kind)
        if upd:
            return upd(obj, old)
        fn = _CREATE.get(kind)
        if fn:
            md = obj.get("metadata") if isinstance(obj, dict) else None
            omd = old.get("metadata") if isinstance(old, dict) else None
            return meta.validate_object_meta_update(md, omd) + fn(obj)
        return _generic(kind, obj, old)
    except ApiError:
        raise
    except Exception as e:  # last resort: junk we did not foresee is reported, not raised
        return [FieldError("", "Internal error", None, f"validation failed: {type(e).__name__}")]


def check_decodable(kind: str, obj: dict) -> str | None:
    """The BadRequest message a real API server gives when ``obj`` cannot be decoded, or None.

    Examples
    --------
    >>> check_decodable(
    ...     "Deployment",
    ...     {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}, "spec": {"replicas": "3"}},
    ... )
    'Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32'
    """
    try:
        if not isinstance(obj, dict):
            return f"Object 'Kind' is missing in '{_json(obj)}'"
        info = _BY_KIND.get(kind)
        obj_kind, api_version = obj.get("kind"), obj.get("apiVersion")
        if not obj_kind:
            return f"Object 'Kind' is missing in '{_json(obj)}'"
        if not api_version:
            return f"Object 'apiVersion' is missing in '{_json(obj)}'"
        if info is None or obj_kind != info.kind or api_version != info.api_version:
            return f'no matches for kind "{obj_kind}" in version "{api_version}"'
        err = decode_error(kind, obj)
        if err:
            return f'{kind} in version "{info.version}" cannot be handled as a {kind}: {err}'
        return None
    except Exception as e:
        return f"{kind} cannot be decoded: {type(e).__name__}"


def _json(obj: Any) -> str:
    try:
        return json.dumps(obj, separators=(",", ":"), default=str)
    except Exception:
        return str(obj)
