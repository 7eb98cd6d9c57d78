"""What the kubelet puts into a container: environment variables and volume files.

Environment (``makeEnvironmentVariables`` in the kubelet): ``envFrom`` sources first, in
order, then ``env`` entries, later names overriding earlier ones; ``$(VAR)`` references
to earlier variables are expanded; values come from ``value``, ConfigMap and Secret keys
(``configMapKeyRef``/``secretKeyRef``), the downward API (``fieldRef``,
``resourceFieldRef``). A missing ConfigMap, Secret or key that is not ``optional`` stops
the container from being created: the container waits with reason
``CreateContainerConfigError`` and the error as message (``configmap "app-config" not
found``, ``couldn't find key LEVEL in ConfigMap default/app-config``), and the kubelet
tries again on its next sync, so the pod starts once the object appears.

Volumes (the volume manager, before the sandbox): ``configMap``, ``secret`` and
``projected`` volumes become files, one per key (or per ``items`` entry), under the mount
path; ``downwardAPI`` items become files of pod fields (labels and annotations as sorted
``key="value"`` lines), and a ``serviceAccountToken`` source a JWT-shaped token with the
claims of a bound ServiceAccount token (iss, sub ``system:serviceaccount:<ns>:<name>``,
aud, iat/nbf/exp, the pod and node) but no real signature. A missing object that is not ``optional`` keeps the pod in ``ContainerCreating``
with ``FailedMount`` events until it appears. Secret values are base64-decoded into the
container (that is all "secret" means to the kubelet); they are never written into
events or status.

Notes
-----
The ``KUBERNETES_SERVICE_*`` variables are set; the older per-Service link variables
(``enableServiceLinks``) are not. Files are a snapshot taken when the container starts
(a real kubelet refreshes ConfigMap volumes within about a minute).

Used in: 08_config_secrets_storage, 04_kubelet_and_runtime.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from typing import Any

from ..clock import EPOCH, parse_timestamp

__all__ = ["ConfigError", "resolve_env", "volume_problems", "container_files", "decode_secret_value"]

_VAR_REF = re.compile(r"\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)")


class ConfigError(Exception):
    """A referenced ConfigMap, Secret or key is missing (the message is the kubelet's)."""


def decode_secret_value(value: str) -> str:
    """A Secret's ``data`` value as the container sees it (base64-decoded text)."""
    try:
        return base64.b64decode(value, validate=False).decode("utf-8", "replace")
    except (binascii.Error, ValueError):
        return ""


def _expand(text: str, env: Mapping[str, str]) -> str:
    def sub(m: re.Match) -> str:
        if m.group(0) == "$$":
            return "$"
        return env.get(m.group(1), m.group(0))

    return _VAR_REF.sub(sub, text)


def _referenced(api: Any, kind: str, ref: Mapping, namespace: str) -> dict | None:
    """The ConfigMap or Secret ``ref`` names; None if it is missing and ``optional``, else ConfigError."""
    name = ref.get("name", "")
    obj = api.get_or_none(kind, name, namespace)
    if obj is None and not ref.get("optional"):
        raise ConfigError(f'{kind.lower()} "{name}" not found')
    return obj


def _field_ref(pod: Mapping, path: str) -> str:
    m = pod.get("metadata") or {}
    spec = pod.get("spec") or {}
    status = pod.get("status") or {}
    simple = {
        "metadata.name": m.get("name", ""),
        "metadata.namespace": m.get("namespace", ""),
        "metadata.uid": m.get("uid", ""),
        "spec.nodeName": spec.get("nodeName", ""),
        "spec.serviceAccountName": spec.get("serviceAccountName", ""),
        "status.podIP": status.get("podIP", ""),
        "status.hostIP": status.get("hostIP", ""),
    }
    if path in simple:
        return simple[path]
    match = re.fullmatch(r"metadata\.(labels|annotations)\['([^']+)'\]", path)
    if match:
        return (m.get(match.group(1)) or {}).get(match.group(2), "")
    return ""


def _resource_ref(pod: Mapping, container: Mapping, ref: Mapping) -> str:
    from ..api.quantity import cpu_millis, memory_bytes

    target = container
    if ref.get("containerName"):
        for c in (pod.get("spec") or {}).get("containers") or []:
            if c.get("name") == ref["containerName"]:
                target = c
    kind, _, res = str(ref.get("resource", "")).partition(".")
    value = ((target.get("resources") or {}).get(kind) or {}).get(res)
    if value is None:
        return "0"
    divisor = ref.get("divisor") or ("1" if res != "cpu" else "1")
    if res == "cpu":
        millis = cpu_millis(value)
        d = cpu_millis(divisor) or 1000
        return str(-(-millis // d))
    return str(-(-memory_bytes(value) // max(memory_bytes(divisor), 1)))


def resolve_env(api: Any, pod: Mapping, container: Mapping, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The container's environment; raises :class:`ConfigError` with the kubelet's message."""
    ns = (pod.get("metadata") or {}).get("namespace") or "default"
    env: dict[str, str] = dict(base or {})
    for source in container.get("envFrom") or []:
        prefix = source.get("prefix", "")
        for kind, ref_key in (("ConfigMap", "configMapRef"), ("Secret", "secretRef")):
            ref = source.get(ref_key)
            if ref is None:
                continue
            obj = _referenced(api, kind, ref, ns)
            if obj is None:
                continue
            if kind == "ConfigMap":
                for k, v in (obj.get("data") or {}).items():
                    env[prefix + k] = str(v)
            else:
                for k, v in (obj.get("data") or {}).items():
                    env[prefix + k] = decode_secret_value(v)
    for var in container.get("env") or []:
        name = var.get("name", "")
        if "valueFrom" not in var:
            env[name] = _expand(str(var.get("value", "")), env)
            continue
        vf = var.get("valueFrom") or {}
        for kind, ref_key in (("ConfigMap", "configMapKeyRef"), ("Secret", "secretKeyRef")):
            ref = vf.get(ref_key)
            if ref is None:
                continue
            obj_name, key = ref.get("name", ""), ref.get("key", "")
            obj = _referenced(api, kind, ref, ns)
            if obj is None:
                break
            data = obj.get("data") or {}
            if key not in data:
                if ref.get("optional"):
                    break
                raise ConfigError(f"couldn't find key {key} in {kind} {ns}/{obj_name}")
            env[name] = str(data[key]) if kind == "ConfigMap" else decode_secret_value(data[key])
            break
        else:
            if "fieldRef" in vf:
                env[name] = _field_ref(pod, (vf["fieldRef"] or {}).get("fieldPath", ""))
            elif "resourceFieldRef" in vf:
                env[name] = _resource_ref(pod, container, vf["resourceFieldRef"] or {})
    return env


def _volume_sources(volume: Mapping) -> list[tuple[str, Mapping]]:
    """``(kind, source)`` for what fills a volume with files (projected sources flattened).

    Kinds: ``ConfigMap``, ``Secret``, ``DownwardAPI`` and ``ServiceAccountToken``.
    """
    out = []
    if "configMap" in volume:
        out.append(("ConfigMap", volume["configMap"] or {}))
    if "secret" in volume:
        src = dict(volume["secret"] or {})
        src.setdefault("name", src.get("secretName", ""))
        out.append(("Secret", src))
    if "downwardAPI" in volume:
        out.append(("DownwardAPI", volume["downwardAPI"] or {}))
    for source in (volume.get("projected") or {}).get("sources") or []:
        if "configMap" in source:
            out.append(("ConfigMap", source["configMap"] or {}))
        if "secret" in source:
            out.append(("Secret", source["secret"] or {}))
        if "downwardAPI" in source:
            out.append(("DownwardAPI", source["downwardAPI"] or {}))
        if "serviceAccountToken" in source:
            out.append(("ServiceAccountToken", source["serviceAccountToken"] or {}))
    return out


def _downward_files(pod: Mapping, src: Mapping) -> dict[str, str]:
    """Files of a downward API volume (``fieldpath.FormatMap`` for labels and annotations)."""
    files = {}
    for item in src.get("items") or ():
        field = (item.get("fieldRef") or {}).get("fieldPath", "")
        if field in ("metadata.labels", "metadata.annotations"):
            values = (pod.get("metadata") or {}).get(field.split(".")[1]) or {}
            text = "\n".join(f"{k}={json.dumps(str(values[k]), ensure_ascii=False)}" for k in sorted(values))
        elif field:
            text = _field_ref(pod, field)
        else:
            text = _resource_ref(pod, {}, item.get("resourceFieldRef") or {})
        files[item.get("path", "")] = text
    return files


def _token(pod: Mapping, src: Mapping) -> dict[str, str]:
    """A JWT-shaped stand-in for the bound token the kubelet requests (TokenRequest API).

    The claims are those of a real bound ServiceAccount token; the signature is not.
    """
    m, spec = pod.get("metadata") or {}, pod.get("spec") or {}
    created = m.get("creationTimestamp")
    issued = int(EPOCH.timestamp() + (parse_timestamp(created) if created else 0))  # Unix seconds
    ns, sa = m.get("namespace", ""), spec.get("serviceAccountName") or "default"
    issuer = "https://kubernetes.default.svc.cluster.local"
    claims = {
        "aud": [src.get("audience") or issuer],
        "exp": issued + int(src.get("expirationSeconds") or 3600),
        "iat": issued,
        "iss": issuer,
        "kubernetes.io": {
            "namespace": ns,
            "node": {"name": spec.get("nodeName", "")},
            "pod": {"name": m.get("name", ""), "uid": m.get("uid", "")},
            "serviceaccount": {"name": sa},
        },
        "nbf": issued,
        "sub": f"system:serviceaccount:{ns}:{sa}",
    }

    def part(value: Any) -> str:
        raw = value if isinstance(value, bytes) else json.dumps(value, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    token = ".".join((part({"alg": "RS256", "kid": "k8slearn"}), part(claims), part(b"simulated-signature")))
    return {src.get("path") or "token": token}


def _volume_files(api: Any, pod: Mapping, volume: Mapping) -> dict[str, str]:
    """Relative path -> content for one volume; raises ConfigError on a missing required source."""
    ns = (pod.get("metadata") or {}).get("namespace") or "default"
    files: dict[str, str] = {}
    for kind, src in _volume_sources(volume):
        if kind == "DownwardAPI":
            files.update(_downward_files(pod, src))
            continue
        if kind == "ServiceAccountToken":
            files.update(_token(pod, src))
            continue
        obj = _referenced(api, kind, src, ns)
        if obj is None:
            continue
        data = dict(obj.get("data") or {})
        if kind == "Secret":
            data = {k: decode_secret_value(v) for k, v in data.items()}
        else:
            data.update({k: "<binary>" for k in (obj.get("binaryData") or {})})
        items = src.get("items")
        if items:
            for item in items:
                key = item.get("key", "")
                if key not in data:
                    if src.get("optional"):
                        continue
                    raise ConfigError(f"{kind.lower()} references non-existent config key: {key}")
                files[item.get("path") or key] = data[key]
        else:
            files.update(data)
    return files


def volume_problems(api: Any, pod: Mapping) -> list[tuple[str, str]]:
    """``(volume, message)`` for every volume that cannot be set up yet (``FailedMount``)."""
    ns = (pod.get("metadata") or {}).get("namespace") or "default"
    out = []
    for volume in (pod.get("spec") or {}).get("volumes") or []:
        claim = (volume.get("persistentVolumeClaim") or {}).get("claimName")
        if claim:
            problem = _claim_problem(api, ns, claim)
            if problem:
                name = volume.get("name", "")
                out.append(
                    (
                        name,
                        f"Unable to attach or mount volumes: unmounted volumes=[{name}], unattached volumes=[], "
                        f"failed to process volumes=[{name}]: error processing PVC {ns}/{claim}: {problem}",
                    )
                )
            continue
        if not _volume_sources(volume):
            continue
        try:
            _volume_files(api, pod, volume)
        except ConfigError as err:
            out.append(
                (volume.get("name", ""), f'MountVolume.SetUp failed for volume "{volume.get("name", "")}" : {err}')
            )
    return out


def _claim_problem(api: Any, ns: str, claim: str) -> str:
    """Why the volume manager cannot use a PersistentVolumeClaim yet (kubelet's desired state populator)."""
    pvc = api.get_or_none("PersistentVolumeClaim", claim, ns)
    if pvc is None:
        return f'failed to fetch PVC from API server: persistentvolumeclaims "{claim}" not found'
    if (pvc.get("metadata") or {}).get("deletionTimestamp"):
        return f"can't start pod because PVC {ns}/{claim} is being deleted"
    if (pvc.get("status") or {}).get("phase") != "Bound":
        return "PVC is not bound"
    return ""


def container_files(api: Any, pod: Mapping, container: Mapping) -> dict[str, str]:
    """Absolute path -> content of the files the container's volume mounts show."""
    volumes = {v.get("name"): v for v in (pod.get("spec") or {}).get("volumes") or []}
    files: dict[str, str] = {}
    for mount in container.get("volumeMounts") or []:
        volume = volumes.get(mount.get("name"))
        if volume is None or not _volume_sources(volume):
            continue
        try:
            content = _volume_files(api, pod, volume)
        except ConfigError:
            continue
        base = str(mount.get("mountPath", "")).rstrip("/")
        sub = mount.get("subPath")
        if sub:
            if sub in content:
                files[base] = content[sub]
            continue
        for rel, text in content.items():
            files[f"{base}/{rel}"] = text
    return files
