"""Pod and PodSpec validation: containers, ports, resources, probes, volumes, scheduling fields.

Notes
-----
Mirrors ``pkg/apis/core/validation/validation.go`` (ValidatePodCreate, ValidatePodSpec,
validateContainers, validateProbe, ValidateResourceRequirements, ValidateTolerations,
validateAffinity, validateTopologySpreadConstraints, ValidatePodUpdate) in the order of its
checks, with its exact detail sentences. Security contexts, ephemeral containers, sysctls
and Windows options are left out.
Used in: 01_api_server_and_etcd, 02_scheduling, 04_kubelet_and_runtime.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from k8slearn.api.errors import FieldError, forbidden, invalid, not_found_field, not_supported, required
from k8slearn.api.validation import meta as m
from k8slearn.api.validation._field import (
    NEGATIVE,
    NOT_POSITIVE,
    GoStruct,
    child,
    d,
    duplicate_v,
    i,
    index,
    invalid_v,
    is_int,
    key,
    lst,
    s,
)
from k8slearn.api.validation.quantities import parse_quantity

__all__ = [
    "validate_pod",
    "validate_pod_update",
    "validate_pod_spec",
    "validate_pod_template",
    "validate_tolerations",
    "validate_taint_effect",
    "validate_node_selector",
    "MAX_INT32",
]

MAX_INT32 = 2**31 - 1
_PROTOCOLS = ["SCTP", "TCP", "UDP"]  # sets.List: sorted
_TAINT_EFFECTS = ["NoSchedule", "PreferNoSchedule", "NoExecute"]
_VOLUME_SOURCES = (
    "emptyDir", "hostPath", "gitRepo", "gcePersistentDisk", "awsElasticBlockStore", "secret", "nfs", "iscsi",
    "glusterfs", "flocker", "persistentVolumeClaim", "rbd", "cinder", "cephfs", "quobyte", "downwardAPI", "fc",
    "flexVolume", "configMap", "azureFile", "vsphereVolume", "photonPersistentDisk", "portworxVolume", "azureDisk",
    "storageos", "projected", "scaleIO", "csi", "ephemeral", "image",
)  # fmt: skip
_FILE_MODE_MSG = "must be a number between 0 and 0777 (octal), both inclusive"
_STANDARD_CONTAINER_RESOURCES = ("cpu", "memory", "ephemeral-storage")
_STANDARD_RESOURCES = _STANDARD_CONTAINER_RESOURCES + (
    "requests.cpu", "requests.memory", "requests.ephemeral-storage", "limits.cpu", "limits.memory",
    "limits.ephemeral-storage", "pods", "services", "replicationcontrollers", "resourcequotas", "secrets",
    "configmaps", "persistentvolumeclaims", "storage", "requests.storage", "services.nodeports",
    "services.loadbalancers",
)  # fmt: skip


# -- small pieces ---------------------------------------------------------------------


def _port_num_or_name(port: Any, path: str) -> list[FieldError]:
    if isinstance(port, str):
        return [invalid(path, port, msg) for msg in m.is_valid_port_name(port)]
    n = i(port)
    return [invalid(path, n, msg) for msg in m.is_valid_port_num(n)]


def _is_native(name: str) -> bool:
    return "/" not in name or "kubernetes.io/" in name


def _is_hugepages(name: str) -> bool:
    return name.startswith("hugepages-")


def _container_resource_name(name: str, path: str) -> list[FieldError]:
    errs = [invalid(path, name, msg) for msg in m.is_qualified_name(name)]
    if errs:
        return errs
    if "/" not in name:
        if name not in _STANDARD_RESOURCES and not _is_hugepages(name):
            errs.append(invalid(path, name, "must be a standard resource type or fully qualified"))
        if name not in _STANDARD_CONTAINER_RESOURCES and not _is_hugepages(name):
            errs.append(invalid(path, name, "must be a standard resource for containers"))
    elif not _is_native(name) and (name.startswith("requests.") or m.is_qualified_name("requests." + name)):
        errs.append(invalid(path, name, "doesn't follow extended resource name standard"))
    return errs


def _quantity_value(name: str, raw: Any, path: str) -> tuple[list[FieldError], Any]:
    q, text = parse_quantity(raw)
    if q is None:
        return [], None
    errs: list[FieldError] = []
    if q.milli_value() < 0:
        errs.append(invalid(path, text, NEGATIVE))
    if not _is_native(name) and q.milli_value() % 1000 != 0:
        errs.append(invalid(path, text, "must be an integer"))
    return errs, q


def validate_resource_requirements(res: Any, path: str) -> list[FieldError]:
    """``ValidateResourceRequirements``: names, non-negative quantities, requests <= limits."""
    res = d(res)
    errs: list[FieldError] = []
    lim_path, req_path = child(path, "limits"), child(path, "requests")
    limits = d(res.get("limits"))
    parsed_limits = {}
    for name, raw in limits.items():
        name = str(name)
        errs += _container_resource_name(name, key(lim_path, name))
        qerrs, q = _quantity_value(name, raw, key(lim_path, name))
        errs += qerrs
        parsed_limits[name] = (q, parse_quantity(raw)[1])
    for name, raw in d(res.get("requests")).items():
        name = str(name)
        errs += _container_resource_name(name, key(req_path, name))
        qerrs, q = _quantity_value(name, raw, key(req_path, name))
        errs += qerrs
        overcommit = _is_native(name) and not _is_hugepages(name)
        if name in parsed_limits:
            lq, ltext = parsed_limits[name]
            if q is None or lq is None:
                continue
            text = parse_quantity(raw)[1]
            if q.milli_value() != lq.milli_value() and not overcommit:
                errs.append(invalid(req_path, text, f"must be equal to {name} limit of {ltext}"))
            elif q.milli_value() > lq.milli_value():
                errs.append(invalid(req_path, text, f"must be less than or equal to {name} limit of {ltext}"))
        elif not overcommit:
            errs.append(required(lim_path, "Limit must be set for non overcommitable resources"))
    return errs


# -- volumes ----------------------------------------------------------------------------


def _key_to_path(items: Any, path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    for n, kp in enumerate(lst(items)):
        kp = d(kp)
        p = index(path, n)
        if not s(kp.get("key")):
            errs.append(required(child(p, "key")))
        item_path = s(kp.get("path"))
        if not item_path:
            errs.append(required(child(p, "path")))
        errs += _local_non_reserved_path(item_path, child(p, "path"))
        mode = kp.get("mode")
        if is_int(mode) and not 0 <= mode <= 0o777:
            errs.append(invalid(child(p, "mode"), mode, _FILE_MODE_MSG))
    return errs


def _no_backsteps(target: str, path: str) -> list[FieldError]:
    if ".." in target.replace("\\", "/").split("/"):
        return [invalid(path, target, "must not contain '..'")]
    return []


def _local_descending_path(target: str, path: str) -> list[FieldError]:
    errs = []
    if target.startswith("/"):
        errs.append(invalid(path, target, "must be a relative path"))
    return errs + _no_backsteps(target, path)


def _local_non_reserved_path(target: str, path: str) -> list[FieldError]:
    errs = _local_descending_path(target, path)
    if target.startswith("..") and not target.startswith("../"):
        errs.append(invalid(path, target, "must not start with '..'"))
    return errs


def _default_mode(src: dict, path: str) -> list[FieldError]:
    mode = src.get("defaultMode")
    if is_int(mode) and not 0 <= mode <= 0o777:
        return [invalid(child(path, "defaultMode"), mode, _FILE_MODE_MSG)]
    return []


def _volume_source(vol: dict, path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    count = 0
    for src_name in _VOLUME_SOURCES:
        if vol.get(src_name) is None:
            continue
        sp = child(path, src_name)
        if count > 0:
            errs.append(forbidden(sp, "may not specify more than 1 volume type"))
            continue
        count += 1
        src = d(vol.get(src_name))
        if src_name == "emptyDir":
            q, _ = parse_quantity(src.get("sizeLimit")) if src.get("sizeLimit") is not None else (None, "")
            if q is not None and q.milli_value() < 0:
                errs.append(forbidden(child(sp, "sizeLimit"), "SizeLimit field must be a valid resource quantity"))
        elif src_name == "hostPath":
            host_path = s(src.get("path"))
            if not host_path:
                errs.append(required(child(sp, "path")))
                continue
            errs += _no_backsteps(host_path, child(sp, "path"))
            t = src.get("type")
            types = [
                "",
                "Directory",
                "DirectoryOrCreate",
                "File",
                "FileOrCreate",
                "Socket",
                "CharDevice",
                "BlockDevice",
            ]
            if t is not None and s(t) not in types:
                errs.append(not_supported(child(sp, "type"), s(t), sorted(types)))
        elif src_name == "secret":
            if not s(src.get("secretName")):
                errs.append(required(child(sp, "secretName")))
            errs += _default_mode(src, sp) + _key_to_path(src.get("items"), child(sp, "items"))
        elif src_name == "configMap":
            if not s(src.get("name")):
                errs.append(required(child(sp, "name")))
            errs += _default_mode(src, sp) + _key_to_path(src.get("items"), child(sp, "items"))
        elif src_name == "persistentVolumeClaim":
            if not s(src.get("claimName")):
                errs.append(required(child(sp, "claimName")))
        elif src_name == "nfs":
            if not s(src.get("server")):
                errs.append(required(child(sp, "server")))
            if not s(src.get("path")):
                errs.append(required(child(sp, "path")))
            if not s(src.get("path")).startswith("/"):
                errs.append(invalid(child(sp, "path"), s(src.get("path")), "must be an absolute path"))
        elif src_name in ("downwardAPI", "projected"):
            errs += _default_mode(src, sp)
        elif src_name == "ephemeral" and src.get("volumeClaimTemplate") is None:
            errs.append(required(child(sp, "volumeClaimTemplate")))
    if count == 0:
        errs.append(required(path, "must specify a volume type"))
    return errs


def validate_volumes(volumes: Any, path: str) -> tuple[dict[str, dict], list[FieldError]]:
    """``ValidateVolumes``: the valid volumes by name, and the errors."""
    errs: list[FieldError] = []
    names: dict[str, dict] = {}
    for n, vol in enumerate(lst(volumes)):
        vol = d(vol)
        p = index(path, n)
        name = s(vol.get("name"))
        el = _volume_source(vol, p)
        if not name:
            el.append(required(child(p, "name")))
        else:
            el += [invalid(child(p, "name"), name, msg) for msg in m.is_dns1123_label(name)]
        if name in names:
            el.append(duplicate_v(child(p, "name"), name))
        if not el:
            names[name] = vol
        else:
            errs += el
    return names, errs


def _volume_mounts(mounts: Any, volumes: dict, path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    seen: set[str] = set()
    for n, mnt in enumerate(lst(mounts)):
        mnt = d(mnt)
        p = index(path, n)
        name = s(mnt.get("name"))
        if not name:
            errs.append(required(child(p, "name")))
        if name not in volumes:
            errs.append(not_found_field(child(p, "name"), name))
        mount_path = s(mnt.get("mountPath"))
        if not mount_path:
            errs.append(required(child(p, "mountPath")))
        if mount_path in seen:
            errs.append(invalid(child(p, "mountPath"), mount_path, "must be unique"))
        seen.add(mount_path)
        sub = s(mnt.get("subPath"))
        if sub:
            errs += _local_descending_path(sub, child(path, "subPath"))
    return errs


# -- containers -------------------------------------------------------------------------


def _container_ports(ports: Any, path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    names: set[str] = set()
    for n, port in enumerate(lst(ports)):
        port = d(port)
        p = index(path, n)
        name = s(port.get("name"))
        if name:
            msgs = m.is_valid_port_name(name)
            if msgs:
                errs += [invalid(child(p, "name"), name, msg) for msg in msgs]
            elif name in names:
                errs.append(duplicate_v(child(p, "name"), name))
            else:
                names.add(name)
        cp = i(port.get("containerPort"))
        if cp == 0:
            errs.append(required(child(p, "containerPort")))
        else:
            errs += [invalid(child(p, "containerPort"), cp, msg) for msg in m.is_valid_port_num(cp)]
        hp = i(port.get("hostPort"))
        if hp != 0:
            errs += [invalid(child(p, "hostPort"), hp, msg) for msg in m.is_valid_port_num(hp)]
        proto = s(port.get("protocol"))
        if not proto:
            errs.append(required(child(p, "protocol")))
        elif proto not in _PROTOCOLS:
            errs.append(not_supported(child(p, "protocol"), proto, _PROTOCOLS))
    return errs


def _relaxed_env_name(name: str) -> list[str]:
    if any(ord(c) > 126 or ord(c) < 32 or c == "=" for c in name):
        return ["a valid environment variable name must consist only of printable ASCII characters other than '='"]
    return []


def _key_selector(sel: dict, path: str) -> list[FieldError]:
    errs = [
        invalid(child(path, "name"), s(sel.get("name")), msg)
        for msg in m.name_is_dns_subdomain(s(sel.get("name")), False)
    ]
    k = s(sel.get("key"))
    if not k:
        errs.append(required(child(path, "key")))
    else:
        errs += [invalid(child(path, "key"), k, msg) for msg in m.is_config_map_key(k)]
    return errs


def _env(env: Any, path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    for n, ev in enumerate(lst(env)):
        ev = d(ev)
        p = index(path, n)
        name = s(ev.get("name"))
        if not name:
            errs.append(required(child(p, "name")))
        else:
            errs += [invalid(child(p, "name"), name, msg) for msg in _relaxed_env_name(name)]
        vf = ev.get("valueFrom")
        if vf is None:
            continue
        vf = d(vf)
        vp = child(p, "valueFrom")
        sources = 0
        if vf.get("fieldRef") is not None:
            sources += 1
            ref = d(vf.get("fieldRef"))
            if not s(ref.get("apiVersion")):
                errs.append(required(child(vp, "fieldRef", "apiVersion")))
            elif not s(ref.get("fieldPath")):
                errs.append(required(child(vp, "fieldRef", "fieldPath")))
        if vf.get("resourceFieldRef") is not None:
            sources += 1
            if not s(d(vf.get("resourceFieldRef")).get("resource")):
                errs.append(required(child(vp, "resourceFieldRef", "resource")))
        if vf.get("configMapKeyRef") is not None:
            sources += 1
            errs += _key_selector(d(vf.get("configMapKeyRef")), child(vp, "configMapKeyRef"))
        if vf.get("secretKeyRef") is not None:
            sources += 1
            errs += _key_selector(d(vf.get("secretKeyRef")), child(vp, "secretKeyRef"))
        if sources == 0:
            errs.append(
                invalid(
                    vp, "", "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`"
                )
            )
        elif s(ev.get("value")):
            errs.append(invalid(vp, "", "may not be specified when `value` is not empty"))
        elif sources > 1:
            errs.append(invalid(vp, "", "may not have more than one field specified at a time"))
    return errs


def _env_from(env_from: Any, path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    for n, ev in enumerate(lst(env_from)):
        ev = d(ev)
        p = index(path, n)
        prefix = s(ev.get("prefix"))
        if prefix:
            errs += [invalid(child(p, "prefix"), prefix, msg) for msg in _relaxed_env_name(prefix)]
        sources = 0
        for ref_name in ("configMapRef", "secretRef"):
            if ev.get(ref_name) is None:
                continue
            sources += 1
            name = s(d(ev.get(ref_name)).get("name"))
            rp = child(p, ref_name, "name")
            if not name:
                errs.append(required(rp))
            else:
                errs += [invalid(rp, name, msg) for msg in m.name_is_dns_subdomain(name, True)]
        if sources == 0:
            errs.append(invalid(path, "", "must specify one of: `configMapRef` or `secretRef`"))
        elif sources > 1:
            errs.append(invalid(path, "", "may not have more than one field specified at a time"))
    return errs


def _handler(h: dict, grace: Any, path: str, allow_sleep: bool, allow_grpc: bool) -> list[FieldError]:
    errs: list[FieldError] = []
    count = 0
    kinds = ["exec", "httpGet", "tcpSocket"] + (["grpc"] if allow_grpc else []) + (["sleep"] if allow_sleep else [])
    for kind in kinds:
        if h.get(kind) is None:
            continue
        hp = child(path, kind)
        if count > 0:
            errs.append(forbidden(hp, "may not specify more than 1 handler type"))
            continue
        count += 1
        act = d(h.get(kind))
        if kind == "exec":
            if not lst(act.get("command")):
                errs.append(required(child(hp, "command")))
        elif kind == "httpGet":
            if not s(act.get("path")):
                errs.append(required(child(hp, "path")))
            errs += _port_num_or_name(act.get("port"), child(hp, "port"))
            scheme = s(act.get("scheme"))
            if scheme not in ("HTTP", "HTTPS"):
                errs.append(not_supported(child(hp, "scheme"), scheme, ["HTTP", "HTTPS"]))
        elif kind == "tcpSocket":
            errs += _port_num_or_name(act.get("port"), child(hp, "port"))
        elif kind == "grpc":
            errs += _port_num_or_name(i(act.get("port")), child(hp, "port"))
        elif kind == "sleep":
            secs, g = i(act.get("seconds")), i(grace)
            if secs <= 0 or secs > g:
                errs.append(
                    invalid(hp, secs, f"must be greater than 0 and less than terminationGracePeriodSeconds ({g})")
                )
    if count == 0:
        errs.append(required(path, "must specify a handler type"))
    return errs


def _probe(probe: Any, grace: Any, path: str, kind: str) -> list[FieldError]:
    if probe is None:
        return []
    probe = d(probe)
    errs = _handler(probe, grace, path, allow_sleep=False, allow_grpc=True)
    for f in ("initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold", "failureThreshold"):
        errs += m.validate_nonnegative(probe.get(f), child(path, f))
    tgps = probe.get("terminationGracePeriodSeconds")
    if is_int(tgps) and tgps <= 0:
        errs.append(invalid(child(path, "terminationGracePeriodSeconds"), tgps, "must be greater than 0"))
    if kind in ("liveness", "startup") and i(probe.get("successThreshold"), 1) != 1:
        errs.append(invalid(child(path, "successThreshold"), i(probe.get("successThreshold")), "must be 1"))
    if kind == "readiness" and probe.get("terminationGracePeriodSeconds") is not None:
        errs.append(
            invalid(
                child(path, "terminationGracePeriodSeconds"),
                probe.get("terminationGracePeriodSeconds"),
                "must not be set for readinessProbes",
            )
        )
    return errs


def _lifecycle(lc: Any, grace: Any, path: str) -> list[FieldError]:
    lc = d(lc)
    errs: list[FieldError] = []
    for hook in ("postStart", "preStop"):
        if lc.get(hook) is not None:
            errs += _handler(d(lc.get(hook)), grace, child(path, hook), allow_sleep=True, allow_grpc=False)
    return errs


def _container_common(ctr: dict, volumes: dict, path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    name = s(ctr.get("name"))
    if not name:
        errs.append(required(child(path, "name")))
    else:
        errs += [invalid(child(path, "name"), name, msg) for msg in m.is_dns1123_label(name)]
    if not s(ctr.get("image")):
        errs.append(required(child(path, "image")))
    tmp = s(ctr.get("terminationMessagePolicy"))
    if not tmp:
        errs.append(required(child(path, "terminationMessagePolicy")))
    elif tmp not in ("File", "FallbackToLogsOnError"):
        errs.append(not_supported(child(path, "terminationMessagePolicy"), tmp, ["File", "FallbackToLogsOnError"]))
    errs += _container_ports(ctr.get("ports"), child(path, "ports"))
    errs += _env(ctr.get("env"), child(path, "env"))
    errs += _env_from(ctr.get("envFrom"), child(path, "envFrom"))
    errs += _volume_mounts(ctr.get("volumeMounts"), volumes, child(path, "volumeMounts"))
    policy = s(ctr.get("imagePullPolicy"))
    if not policy:
        errs.append(required(child(path, "imagePullPolicy")))
    elif policy not in ("Always", "IfNotPresent", "Never"):
        errs.append(not_supported(child(path, "imagePullPolicy"), policy, ["Always", "IfNotPresent", "Never"]))
    errs += validate_resource_requirements(ctr.get("resources"), child(path, "resources"))
    return errs


def _host_port_conflicts(containers: list, path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    seen: set[str] = set()
    for ci, ctr in enumerate(containers):
        for pi, port in enumerate(lst(d(ctr).get("ports"))):
            port = d(port)
            hp = i(port.get("hostPort"))
            if hp == 0:
                continue
            tag = f"{s(port.get('protocol'))}/{s(port.get('hostIP'))}/{hp}"
            if tag in seen:
                errs.append(duplicate_v(child(index(child(index(path, ci), "ports"), pi), "hostPort"), tag))
            seen.add(tag)
    return errs


def _containers(containers: Any, volumes: dict, grace: Any, path: str) -> list[FieldError]:
    items = lst(containers)
    if not items:
        return [required(path)]
    errs: list[FieldError] = []
    names: set[str] = set()
    for n, ctr in enumerate(items):
        ctr = d(ctr)
        p = index(path, n)
        errs += _container_common(ctr, volumes, p)
        name = s(ctr.get("name"))
        if name in names:
            errs.append(duplicate_v(child(p, "name"), name))
        else:
            names.add(name)
        if ctr.get("lifecycle") is not None:
            errs += _lifecycle(ctr.get("lifecycle"), grace, child(p, "lifecycle"))
        errs += _probe(ctr.get("livenessProbe"), grace, child(p, "livenessProbe"), "liveness")
        errs += _probe(ctr.get("readinessProbe"), grace, child(p, "readinessProbe"), "readiness")
        errs += _probe(ctr.get("startupProbe"), grace, child(p, "startupProbe"), "startup")
        if ctr.get("restartPolicy") is not None:
            errs.append(forbidden(child(p, "restartPolicy"), "may not be set for non-init containers"))
    return errs + _host_port_conflicts(items, path)


def _init_containers(inits: Any, regular: Any, volumes: dict, grace: Any, path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    names = {s(d(c).get("name")) for c in lst(regular)}
    for n, ctr in enumerate(lst(inits)):
        ctr = d(ctr)
        p = index(path, n)
        errs += _container_common(ctr, volumes, p)
        restart_always = False
        if ctr.get("restartPolicy") is not None:
            rp = s(ctr.get("restartPolicy"))
            if rp != "Always":
                errs.append(not_supported(child(p, "restartPolicy"), rp, ["Always"]))
            restart_always = rp == "Always"
        name = s(ctr.get("name"))
        if name in names:
            errs.append(duplicate_v(child(p, "name"), name))
        elif name:
            names.add(name)
        errs += _host_port_conflicts([ctr], path)
        if restart_always:
            if ctr.get("lifecycle") is not None:
                errs += _lifecycle(ctr.get("lifecycle"), grace, child(p, "lifecycle"))
            errs += _probe(ctr.get("livenessProbe"), grace, child(p, "livenessProbe"), "liveness")
            errs += _probe(ctr.get("readinessProbe"), grace, child(p, "readinessProbe"), "readiness")
            errs += _probe(ctr.get("startupProbe"), grace, child(p, "startupProbe"), "startup")
        else:
            for f in ("lifecycle", "livenessProbe", "readinessProbe", "startupProbe"):
                if ctr.get(f) is not None:
                    errs.append(
                        forbidden(child(p, f), "may not be set for init containers without restartPolicy=Always")
                    )
    return errs


# -- scheduling fields ------------------------------------------------------------------


def validate_taint_effect(effect: str, allow_empty: bool, path: str) -> list[FieldError]:
    if not allow_empty and not effect:
        return [required(path)]
    if effect not in _TAINT_EFFECTS:
        return [not_supported(path, effect, _TAINT_EFFECTS)]
    return []


def _toleration_struct(t: dict) -> GoStruct:
    secs = t.get("tolerationSeconds")
    return GoStruct(
        ("Key", s(t.get("key"))),
        ("Operator", s(t.get("operator"))),
        ("Value", s(t.get("value"))),
        ("Effect", s(t.get("effect"))),
        ("TolerationSeconds", secs if is_int(secs) else None),
    )


def validate_tolerations(tolerations: Any, path: str) -> list[FieldError]:
    """``ValidateTolerations``: key, operator (Exists/Equal), value, effect, tolerationSeconds."""
    errs: list[FieldError] = []
    for n, t in enumerate(lst(tolerations)):
        t = d(t)
        p = index(path, n)
        k, op, value, effect = s(t.get("key")), s(t.get("operator")), s(t.get("value")), s(t.get("effect"))
        if k:
            errs += m.validate_label_name(k, child(p, "key"))
        if not k and op != "Exists":
            errs.append(
                invalid(
                    child(p, "operator"),
                    op,
                    'operator must be Exists when `key` is empty, which means "match all values and all keys"',
                )
            )
        if t.get("tolerationSeconds") is not None and effect != "NoExecute":
            errs.append(
                invalid(child(p, "effect"), effect, "effect must be 'NoExecute' when `tolerationSeconds` is set")
            )
        if op in ("Equal", ""):
            msgs = m.is_valid_label_value(value)
            if msgs:
                errs.append(invalid(child(p, "operator"), value, ";".join(msgs)))
        elif op == "Exists":
            if value:
                errs.append(
                    invalid_v(
                        child(p, "operator"), _toleration_struct(t), "value must be empty when `operator` is 'Exists'"
                    )
                )
        else:
            errs.append(not_supported(child(p, "operator"), op, ["Equal", "Exists"]))
        if effect:
            errs += validate_taint_effect(effect, True, child(p, "effect"))
    return errs


def _node_selector_requirement(rq: dict, path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    op = s(rq.get("operator"))
    values = lst(rq.get("values"))
    if op in ("In", "NotIn"):
        if not values:
            errs.append(required(child(path, "values"), "must be specified when `operator` is 'In' or 'NotIn'"))
    elif op in ("Exists", "DoesNotExist"):
        if values:
            errs.append(
                forbidden(child(path, "values"), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'")
            )
    elif op in ("Gt", "Lt"):
        if len(values) != 1:
            errs.append(
                required(child(path, "values"), "must be specified single value when `operator` is 'Lt' or 'Gt'")
            )
    else:
        errs.append(invalid(child(path, "operator"), op, "not a valid selector operator"))
    return errs + m.validate_label_name(rq.get("key"), child(path, "key"))


def _node_field_requirement(rq: dict, path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    op = s(rq.get("operator"))
    values = lst(rq.get("values"))
    if op in ("In", "NotIn"):
        if len(values) != 1:
            errs.append(
                required(
                    child(path, "values"),
                    "must be only one value when `operator` is 'In' or 'NotIn' for node field selector",
                )
            )
    else:
        errs.append(invalid(child(path, "operator"), op, "not a valid selector operator"))
    k = s(rq.get("key"))
    if k != "metadata.name":
        errs.append(invalid(child(path, "key"), k, "not a valid field selector key"))
    else:
        for vi, v in enumerate(values):
            v = s(v)
            errs += [invalid(index(child(path, "values"), vi), v, msg) for msg in m.name_is_dns_subdomain(v, False)]
    return errs


def _node_selector_term(term: dict, path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    for j, rq in enumerate(lst(term.get("matchExpressions"))):
        errs += _node_selector_requirement(d(rq), index(child(path, "matchExpressions"), j))
    for j, rq in enumerate(lst(term.get("matchFields"))):
        errs += _node_field_requirement(d(rq), index(child(path, "matchFields"), j))
    return errs


def validate_node_selector(ns: Any, path: str) -> list[FieldError]:
    terms = lst(d(ns).get("nodeSelectorTerms"))
    tp = child(path, "nodeSelectorTerms")
    if not terms:
        return [required(tp, "must have at least one node selector term")]
    errs: list[FieldError] = []
    for n, term in enumerate(terms):
        errs += _node_selector_term(d(term), index(tp, n))
    return errs


def _pod_affinity_term(term: dict, path: str) -> list[FieldError]:
    errs = m.validate_label_selector(term.get("labelSelector"), child(path, "labelSelector"))
    errs += m.validate_label_selector(term.get("namespaceSelector"), child(path, "namespaceSelector"))
    for name in lst(term.get("namespaces")):
        name = s(name)
        errs += [invalid(child(path, "namespace"), name, msg) for msg in m.name_is_dns_label(name, False)]
    topology_key = s(term.get("topologyKey"))
    if not topology_key:
        errs.append(required(child(path, "topologyKey"), "can not be empty"))
    return errs + m.validate_label_name(topology_key, child(path, "topologyKey"))


def _pod_affinity(aff: dict, path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    rp = child(path, "requiredDuringSchedulingIgnoredDuringExecution")
    for n, term in enumerate(lst(aff.get("requiredDuringSchedulingIgnoredDuringExecution"))):
        errs += _pod_affinity_term(d(term), index(rp, n))
    pp = child(path, "preferredDuringSchedulingIgnoredDuringExecution")
    for n, wt in enumerate(lst(aff.get("preferredDuringSchedulingIgnoredDuringExecution"))):
        wt = d(wt)
        w = i(wt.get("weight"))
        if w <= 0 or w > 100:
            errs.append(invalid(child(index(pp, n), "weight"), w, "must be in the range 1-100"))
        errs += _pod_affinity_term(d(wt.get("podAffinityTerm")), child(index(pp, n), "podAffinityTerm"))
    return errs


def _affinity(aff: Any, path: str) -> list[FieldError]:
    aff = d(aff)
    errs: list[FieldError] = []
    na = aff.get("nodeAffinity")
    if na is not None:
        na = d(na)
        np = child(path, "nodeAffinity")
        if na.get("requiredDuringSchedulingIgnoredDuringExecution") is not None:
            errs += validate_node_selector(
                na.get("requiredDuringSchedulingIgnoredDuringExecution"),
                child(np, "requiredDuringSchedulingIgnoredDuringExecution"),
            )
        pp = child(np, "preferredDuringSchedulingIgnoredDuringExecution")
        for n, term in enumerate(lst(na.get("preferredDuringSchedulingIgnoredDuringExecution"))):
            term = d(term)
            w = i(term.get("weight"))
            if w <= 0 or w > 100:
                errs.append(invalid(child(index(pp, n), "weight"), w, "must be in the range 1-100"))
            errs += _node_selector_term(d(term.get("preference")), child(index(pp, n), "preference"))
    for kind in ("podAffinity", "podAntiAffinity"):
        if aff.get(kind) is not None:
            errs += _pod_affinity(d(aff.get(kind)), child(path, kind))
    return errs


def _topology_spread(constraints: Any, path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    items = [d(c) for c in lst(constraints)]
    for n, c in enumerate(items):
        p = index(path, n)
        skew = i(c.get("maxSkew"))
        if skew <= 0:
            errs.append(invalid(child(p, "maxSkew"), skew, NOT_POSITIVE))
        tk, wu = s(c.get("topologyKey")), s(c.get("whenUnsatisfiable"))
        if not tk:
            errs.append(required(child(p, "topologyKey"), "can not be empty"))
        if wu not in ("DoNotSchedule", "ScheduleAnyway"):
            errs.append(not_supported(child(p, "whenUnsatisfiable"), wu, ["DoNotSchedule", "ScheduleAnyway"]))
        for rest in items[n + 1 :]:
            if s(rest.get("topologyKey")) == tk and s(rest.get("whenUnsatisfiable")) == wu:
                errs.append(duplicate_v(child(p, "{topologyKey, whenUnsatisfiable}"), f"{{{tk}, {wu}}}"))
                break
        md = c.get("minDomains")
        if md is not None:
            if i(md) <= 0:
                errs.append(invalid(child(p, "minDomains"), i(md), NOT_POSITIVE))
            if wu != "DoNotSchedule":
                errs.append(
                    invalid(
                        child(p, "minDomains"),
                        i(md),
                        f"can only use minDomains if whenUnsatisfiable=DoNotSchedule, not {wu}",
                    )
                )
        for pol in ("nodeAffinityPolicy", "nodeTaintsPolicy"):
            v = c.get(pol)
            if v is not None and s(v) not in ("Honor", "Ignore"):
                errs.append(not_supported(child(p, pol), s(v), ["Honor", "Ignore"]))
        errs += m.validate_label_selector(c.get("labelSelector"), child(p, "labelSelector"))
    return errs


def _dns_config(spec: dict, path: str) -> list[FieldError]:
    cfg = spec.get("dnsConfig")
    if s(spec.get("dnsPolicy")) == "None":
        if cfg is None:
            return [required(path, "must provide `dnsConfig` when `dnsPolicy` is None")]
        if not lst(d(cfg).get("nameservers")):
            return [
                required(
                    child(path, "nameservers"), "must provide at least one DNS nameserver when `dnsPolicy` is None"
                )
            ]
    if cfg is None:
        return []
    cfg = d(cfg)
    errs: list[FieldError] = []
    ns = lst(cfg.get("nameservers"))
    if len(ns) > 3:
        errs.append(invalid(child(path, "nameservers"), ns, "must not have more than 3 nameservers"))
    for n, search in enumerate(lst(cfg.get("searches"))):
        search = s(search).removesuffix(".")
        errs += [invalid(index(child(path, "searches"), n), search, msg) for msg in m.is_dns1123_subdomain(search)]
    return errs


def _security_context(sc: Any, path: str) -> list[FieldError]:
    sc = d(sc)
    errs: list[FieldError] = []
    for f in ("fsGroup", "runAsUser", "runAsGroup"):
        v = sc.get(f)
        if is_int(v) and not 0 <= v <= MAX_INT32:
            errs.append(invalid(child(path, f), v, m.inclusive_range_error(0, MAX_INT32)))
    return errs


def validate_pod_spec(spec: Any, path: str, is_pod: bool = False) -> list[FieldError]:
    """``ValidatePodSpec``, in upstream order."""
    spec = d(spec)
    errs: list[FieldError] = []
    if spec.get("terminationGracePeriodSeconds") is None:
        errs.append(required(child(path, "terminationGracePeriodSeconds")))
    grace = spec.get("terminationGracePeriodSeconds")
    vols, verrs = validate_volumes(spec.get("volumes"), child(path, "volumes"))
    errs += verrs
    errs += _containers(spec.get("containers"), vols, grace, child(path, "containers"))
    errs += _init_containers(
        spec.get("initContainers"), spec.get("containers"), vols, grace, child(path, "initContainers")
    )
    rp = s(spec.get("restartPolicy"))
    if not rp:
        errs.append(required(child(path, "restartPolicy")))
    elif rp not in ("Always", "OnFailure", "Never"):
        errs.append(not_supported(child(path, "restartPolicy"), rp, ["Always", "OnFailure", "Never"]))
    dp = s(spec.get("dnsPolicy"))
    dns_policies = ["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"]
    if not dp:
        errs.append(required(child(path, "dnsPolicy")))
    elif dp not in dns_policies:
        errs.append(not_supported(child(path, "dnsPolicy"), dp, dns_policies))
    errs += m.validate_labels(spec.get("nodeSelector"), child(path, "nodeSelector"))
    errs += _security_context(spec.get("securityContext"), child(path, "securityContext"))
    errs += _affinity(spec.get("affinity"), child(path, "affinity"))
    errs += _dns_config(spec, child(path, "dnsConfig"))
    errs += _topology_spread(spec.get("topologySpreadConstraints"), child(path, "topologySpreadConstraints"))
    sa = s(spec.get("serviceAccountName"))
    if sa:
        errs += [invalid(child(path, "serviceAccountName"), sa, msg) for msg in m.name_is_dns_subdomain(sa, False)]
    node = s(spec.get("nodeName"))
    if node:
        errs += [invalid(child(path, "nodeName"), node, msg) for msg in m.name_is_dns_subdomain(node, False)]
    ads = spec.get("activeDeadlineSeconds")
    if is_int(ads) and not 1 <= ads <= MAX_INT32:
        errs.append(invalid(child(path, "activeDeadlineSeconds"), ads, m.inclusive_range_error(1, MAX_INT32)))
    for f in ("hostname", "subdomain"):
        v = s(spec.get(f))
        if v:
            errs += [invalid(child(path, f), v, msg) for msg in m.is_dns1123_label(v)]
    if lst(spec.get("tolerations")):
        errs += validate_tolerations(spec.get("tolerations"), child(path, "tolerations"))
    pcn = s(spec.get("priorityClassName"))
    if pcn:
        errs += [invalid(child(path, "priorityClassName"), pcn, msg) for msg in m.name_is_dns_subdomain(pcn, False)]
    if spec.get("preemptionPolicy") is not None:
        pp = s(spec.get("preemptionPolicy"))
        if not pp:
            errs.append(required(child(path, "preemptionPolicy")))
        elif pp not in ("PreemptLowerPriority", "Never"):
            errs.append(not_supported(child(path, "preemptionPolicy"), pp, ["PreemptLowerPriority", "Never"]))
    return errs


def _containers_only_for_pod(containers: Any, path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    for n, ctr in enumerate(lst(containers)):
        image = s(d(ctr).get("image"))
        if image != image.strip():
            errs.append(invalid(child(index(path, n), "image"), image, "must not have leading or trailing whitespace"))
    return errs


def validate_pod(pod: Any) -> list[FieldError]:
    """``ValidatePodCreate``."""
    pod = d(pod)
    errs = m.validate_object_meta(pod.get("metadata"), True, m.name_is_dns_subdomain)
    errs += _pod_annotations(pod)
    errs += validate_pod_spec(pod.get("spec"), "spec", is_pod=True)
    spec = d(pod.get("spec"))
    errs += _containers_only_for_pod(spec.get("containers"), "spec.containers")
    errs += _containers_only_for_pod(spec.get("initContainers"), "spec.initContainers")
    if lst(spec.get("ephemeralContainers")):
        errs.append(forbidden("spec.ephemeralContainers", "cannot be set on create"))
    if s(spec.get("nodeName")) and lst(spec.get("schedulingGates")):
        errs.append(forbidden("spec.nodeName", "cannot be set until all schedulingGates have been cleared"))
    return errs


def _pod_annotations(pod: dict) -> list[FieldError]:
    ann = d(d(pod.get("metadata")).get("annotations"))
    errs: list[FieldError] = []
    mirror = "kubernetes.io/config.mirror"
    if mirror in ann and not s(d(pod.get("spec")).get("nodeName")):
        errs.append(
            invalid(
                f"metadata.annotations[{mirror}]",
                s(ann[mirror]),
                "must set spec.nodeName if mirror pod annotation is set",
            )
        )
    cost = "controller.kubernetes.io/pod-deletion-cost"
    if cost in ann:
        try:
            ok = -(2**31) <= int(s(ann[cost]), 10) <= MAX_INT32
        except ValueError:
            ok = False
        if not ok:
            errs.append(invalid(f"metadata.annotations[{cost}]", s(ann[cost]), "must be a 32bit integer"))
    return errs


def validate_pod_template(template: Any, path: str) -> list[FieldError]:
    """``ValidatePodTemplateSpec``: template labels/annotations and the pod spec."""
    template = d(template)
    errs = m.validate_template_meta(template.get("metadata"), child(path, "metadata"))
    errs += validate_pod_spec(template.get("spec"), child(path, "spec"))
    if lst(d(template.get("spec")).get("ephemeralContainers")):
        errs.append(
            forbidden(child(path, "spec", "ephemeralContainers"), "ephemeral containers not allowed in pod template")
        )
    return errs


# -- update -----------------------------------------------------------------------------

_UPDATABLE = ",".join(
    (
        "`spec.containers[*].image`",
        "`spec.initContainers[*].image`",
        "`spec.activeDeadlineSeconds`",
        "`spec.tolerations` (only additions to existing tolerations)",
        "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)",
    )
)

# Go field order of core.PodSpec, for the diff that follows the Forbidden message.
_GO_FIELDS = [
    ("volumes", "Volumes"), ("initContainers", "InitContainers"), ("containers", "Containers"),
    ("ephemeralContainers", "EphemeralContainers"), ("restartPolicy", "RestartPolicy"),
    ("terminationGracePeriodSeconds", "TerminationGracePeriodSeconds"),
    ("activeDeadlineSeconds", "ActiveDeadlineSeconds"), ("dnsPolicy", "DNSPolicy"), ("nodeSelector", "NodeSelector"),
    ("serviceAccountName", "ServiceAccountName"), ("automountServiceAccountToken", "AutomountServiceAccountToken"),
    ("nodeName", "NodeName"), ("securityContext", "SecurityContext"), ("imagePullSecrets", "ImagePullSecrets"),
    ("hostname", "Hostname"), ("subdomain", "Subdomain"), ("setHostnameAsFQDN", "SetHostnameAsFQDN"),
    ("affinity", "Affinity"), ("schedulerName", "SchedulerName"), ("tolerations", "Tolerations"),
    ("hostAliases", "HostAliases"), ("priorityClassName", "PriorityClassName"), ("priority", "Priority"),
    ("preemptionPolicy", "PreemptionPolicy"), ("dnsConfig", "DNSConfig"), ("readinessGates", "ReadinessGates"),
    ("runtimeClassName", "RuntimeClassName"), ("overhead", "Overhead"), ("enableServiceLinks", "EnableServiceLinks"),
    ("topologySpreadConstraints", "TopologySpreadConstraints"), ("os", "OS"), ("schedulingGates", "SchedulingGates"),
    ("resourceClaims", "ResourceClaims"), ("resources", "Resources"), ("hostUsers", "HostUsers"),
]  # fmt: skip


def _go_literal(v: Any) -> str:
    if v is None:
        return "nil"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, (int, float)):
        return str(v)
    return json.dumps(v, separators=(", ", ": "), ensure_ascii=False).replace("[", "{").replace("]", "}")


def _spec_diff(old: dict, new: dict) -> str:
    """A ``cmp.Diff(oldSpec, newSpec)``-like listing of the changed PodSpec fields."""
    known = {k for k, _ in _GO_FIELDS}
    fields = list(_GO_FIELDS) + [(k, k[:1].upper() + k[1:]) for k in sorted(set(old) | set(new)) if k not in known]
    width = max((len(g) for k, g in fields if old.get(k) != new.get(k)), default=0) + 1
    lines = ["  core.PodSpec{"]
    same = 0
    for k, g in fields:
        if old.get(k) == new.get(k):
            same += 1
            continue
        if same:
            lines.append(f"  \t... // {same} identical field{'s' if same > 1 else ''}")
            same = 0
        label = f"{g}:".ljust(width + 1)
        lines.append(f"- \t{label}{_go_literal(old.get(k))},")
        lines.append(f"+ \t{label}{_go_literal(new.get(k))},")
    if same:
        lines.append(f"  \t... // {same} identical field{'s' if same > 1 else ''}")
    lines.append("  }")
    return "\n".join(lines) + "\n"


def _only_added_tolerations(new: list, old: list, path: str) -> list[FieldError]:
    for o in old:
        o = d(o)
        found = False
        for t in new:
            t = d(t)
            oc = dict(o)
            oc.pop("tolerationSeconds", None)
            tc = dict(t)
            tc.pop("tolerationSeconds", None)
            if oc == tc:
                found = True
                break
        if not found:
            return [forbidden(path, "existing toleration can not be modified except its tolerationSeconds")]
    return validate_tolerations(new, path)


def validate_pod_update(new: Any, old: Any) -> list[FieldError]:
    """``ValidatePodUpdate``: only images, activeDeadlineSeconds, tolerations additions and
    terminationGracePeriodSeconds (negative -> 1) may change; anything else is Forbidden with
    the upstream message followed by a diff of the spec."""
    new, old = d(new), d(old)
    errs = m.validate_object_meta_update(new.get("metadata"), old.get("metadata"))
    errs += _pod_create_errors_for_update(new)
    ns, os_ = d(new.get("spec")), d(old.get("spec"))
    for f in ("containers", "initContainers"):
        nc, oc = lst(ns.get(f)), lst(os_.get(f))
        if len(nc) != len(oc):
            errs.append(forbidden(f"spec.{f}", "pod updates may not add or remove containers"))
            return errs
        for n, ctr in enumerate(nc):
            image = s(d(ctr).get("image"))
            if not image:
                errs.append(required(f"spec.{f}[{n}].image"))
            if image.strip() != image:
                errs.append(invalid(f"spec.{f}[{n}].image", image, "must not have leading or trailing whitespace"))
    nads, oads = ns.get("activeDeadlineSeconds"), os_.get("activeDeadlineSeconds")
    if nads is not None:
        v = i(nads)
        if v < 0 or v > MAX_INT32:
            errs.append(invalid("spec.activeDeadlineSeconds", v, m.inclusive_range_error(0, MAX_INT32)))
            return errs
        if oads is not None and i(oads) < v:
            errs.append(invalid("spec.activeDeadlineSeconds", v, "must be less than or equal to previous value"))
            return errs
    elif oads is not None:
        errs.append(invalid("spec.activeDeadlineSeconds", None, "must not update from a positive integer to nil value"))
    errs += _only_added_tolerations(lst(ns.get("tolerations")), lst(os_.get("tolerations")), "spec.tolerations")
    if ns == os_:
        return errs
    munged = copy.deepcopy(ns)
    for f in ("containers", "initContainers"):
        for n, ctr in enumerate(lst(munged.get(f))):
            if isinstance(ctr, dict):
                old_ctr = d(lst(os_.get(f))[n])
                if "image" in old_ctr:
                    ctr["image"] = old_ctr["image"]
                else:
                    ctr.pop("image", None)
    for f in ("activeDeadlineSeconds", "schedulingGates", "tolerations"):
        if f in os_:
            munged[f] = os_[f]
        else:
            munged.pop(f, None)
    otg, ntg = os_.get("terminationGracePeriodSeconds"), munged.get("terminationGracePeriodSeconds")
    if is_int(otg) and otg < 0 and ntg == 1:
        munged["terminationGracePeriodSeconds"] = otg
    if munged != os_:
        errs.append(
            forbidden("spec", f"pod updates may not change fields other than {_UPDATABLE}\n{_spec_diff(os_, munged)}")
        )
    return errs


def _pod_create_errors_for_update(pod: dict) -> list[FieldError]:
    # validatePodMetadataAndSpec runs on updates as well (without the create-only checks).
    errs = m.validate_object_meta(pod.get("metadata"), True, m.name_is_dns_subdomain)
    errs += _pod_annotations(pod)
    errs += validate_pod_spec(pod.get("spec"), "spec", is_pod=True)
    spec = d(pod.get("spec"))
    errs += _containers_only_for_pod(spec.get("containers"), "spec.containers")
    errs += _containers_only_for_pod(spec.get("initContainers"), "spec.initContainers")
    return errs
