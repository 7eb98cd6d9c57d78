"""Core (v1) kinds other than Pod: Service, ConfigMap, Secret, Namespace, Node, PV, PVC,
Endpoints, Event.

Notes
-----
Mirrors ``pkg/apis/core/validation/validation.go`` (ValidateService, ValidateConfigMap,
ValidateSecret, ValidateNode, validateNodeTaints, ValidatePersistentVolume,
ValidatePersistentVolumeClaim, ValidateEndpoints ...) and their ``...Update`` forms.
Used in: 05_self_healing, 06_services_and_kube_proxy, 08_config_secrets_storage.
"""

from __future__ import annotations

import base64
import copy
import ipaddress
import json
from typing import Any

from k8slearn.api.errors import FieldError, forbidden, invalid, not_supported, required, too_long
from k8slearn.api.validation import meta as m
from k8slearn.api.validation._field import (
    NEGATIVE,
    GoStruct,
    child,
    d,
    duplicate_v,
    i,
    index,
    key,
    lst,
    s,
)
from k8slearn.api.validation.pod import validate_node_selector, validate_taint_effect
from k8slearn.api.validation.quantities import parse_quantity

__all__ = [
    "validate_service",
    "validate_service_update",
    "validate_config_map",
    "validate_config_map_update",
    "validate_secret",
    "validate_secret_update",
    "validate_namespace",
    "validate_node",
    "validate_node_update",
    "validate_pv",
    "validate_pv_update",
    "validate_pvc",
    "validate_pvc_update",
    "validate_endpoints",
    "validate_event",
    "MAX_SECRET_SIZE",
]

#: ``MaxSecretSize``: 1 MiB for the data of a Secret or ConfigMap.
MAX_SECRET_SIZE = 1 * 1024 * 1024
_PROTOCOLS = ["SCTP", "TCP", "UDP"]
_SERVICE_TYPES = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"]
_ACCESS_MODES = ["ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"]


def _is_headless(spec: dict) -> bool:
    ips = lst(spec.get("clusterIPs"))
    return len(ips) == 1 and ips[0] == "None"


def _valid_ip(path: str, value: str) -> list[FieldError]:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return [invalid(path, value, "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)")]
    return []


def _service_port(sp: dict, require_name: bool, names: set, path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    name = s(sp.get("name"))
    if require_name and not name:
        errs.append(required(child(path, "name")))
    elif name:
        errs += [invalid(child(path, "name"), name, msg) for msg in m.is_dns1123_label(name)]
        if name in names:
            errs.append(duplicate_v(child(path, "name"), name))
        else:
            names.add(name)
    port = i(sp.get("port"))
    errs += [invalid(child(path, "port"), port, msg) for msg in m.is_valid_port_num(port)]
    proto = s(sp.get("protocol"))
    if not proto:
        errs.append(required(child(path, "protocol")))
    elif proto not in _PROTOCOLS:
        errs.append(not_supported(child(path, "protocol"), proto, _PROTOCOLS))
    tp = sp.get("targetPort")
    if isinstance(tp, str):
        errs += [invalid(child(path, "targetPort"), tp, msg) for msg in m.is_valid_port_name(tp)]
    else:
        errs += [invalid(child(path, "targetPort"), i(tp), msg) for msg in m.is_valid_port_num(i(tp))]
    if sp.get("appProtocol") is not None:
        ap = s(sp.get("appProtocol"))
        errs += [invalid(child(path, "appProtocol"), ap, msg) for msg in m.is_qualified_name(ap)]
    return errs


def _cluster_ips(spec: dict) -> list[FieldError]:
    errs: list[FieldError] = []
    cip, cips = s(spec.get("clusterIP")), [s(x) for x in lst(spec.get("clusterIPs"))]
    if cip:
        if not cips:
            errs.append(required("spec.clusterIPs"))
        elif cips[0] != cip:
            errs.append(invalid("spec.clusterIPs", cips, "first value must match `clusterIP`"))
    elif cips:
        errs.append(invalid("spec.clusterIPs", cips, "must be empty when `clusterIP` is not specified"))
    seen: set[str] = set()
    for n, fam in enumerate(lst(spec.get("ipFamilies"))):
        fam = s(fam)
        if fam not in ("IPv4", "IPv6"):
            errs.append(not_supported(index("spec.ipFamilies", n), fam, ["IPv4", "IPv6"]))
        if fam in seen:
            errs.append(duplicate_v(index("spec.ipFamilies", n), fam))
        seen.add(fam)
    if spec.get("ipFamilyPolicy") is not None:
        pol = s(spec.get("ipFamilyPolicy"))
        pols = ["PreferDualStack", "RequireDualStack", "SingleStack"]
        if pol not in pols:
            errs.append(not_supported("spec.ipFamilyPolicy", pol, pols))
    bad = False
    for n, ip in enumerate(cips):
        if n == 0 and ip == "None":
            if len(cips) > 1:
                bad = True
                errs.append(invalid("spec.clusterIPs", cips, "'None' must be the first and only value"))
            continue
        e = _valid_ip(index("spec.clusterIPs", n), ip)
        bad = bad or bool(e)
        errs += e
    if len(cips) > 2:
        errs.append(invalid("spec.clusterIPs", cips, "may only hold up to 2 values"))
    return errs


def validate_service(svc: Any) -> list[FieldError]:
    """``ValidateService``, in upstream order."""
    svc = d(svc)
    spec = d(svc.get("spec"))
    errs = m.validate_object_meta(svc.get("metadata"), True, m.name_is_dns1035_label)
    stype = s(spec.get("type"))
    ports = [d(p) for p in lst(spec.get("ports"))]
    if not ports and not _is_headless(spec) and stype != "ExternalName":
        errs.append(required("spec.ports"))
    if stype == "LoadBalancer":
        for n, p in enumerate(ports):
            if i(p.get("port")) == 10250:
                errs.append(
                    invalid(
                        index("spec.ports", n),
                        10250,
                        "may not expose port 10250 externally since it is used by kubelet",
                    )
                )
        if _is_headless(spec):
            errs.append(invalid("spec.clusterIPs[0]", "None", "may not be set to 'None' for LoadBalancer services"))
    elif stype == "NodePort":
        if _is_headless(spec):
            errs.append(invalid("spec.clusterIPs[0]", "None", "may not be set to 'None' for NodePort services"))
    elif stype == "ExternalName":
        if lst(spec.get("clusterIPs")):
            errs.append(forbidden("spec.clusterIPs", "may not be set for ExternalName services"))
        if lst(spec.get("ipFamilies")):
            errs.append(forbidden("spec.ipFamilies", "may not be set for ExternalName services"))
        if spec.get("ipFamilyPolicy") is not None:
            errs.append(forbidden("spec.ipFamilyPolicy", "may not be set for ExternalName services"))
        cname = s(spec.get("externalName")).removesuffix(".")
        if cname:
            errs += [invalid("spec.externalName", cname, msg) for msg in m.is_dns1123_subdomain(cname)]
        else:
            errs.append(required("spec.externalName"))
    names: set[str] = set()
    for n, p in enumerate(ports):
        errs += _service_port(p, len(ports) > 1, names, index("spec.ports", n))
    if spec.get("selector") is not None:
        errs += m.validate_labels(spec.get("selector"), "spec.selector")
    sa = s(spec.get("sessionAffinity"))
    if not sa:
        errs.append(required("spec.sessionAffinity"))
    elif sa not in ("ClientIP", "None"):
        errs.append(not_supported("spec.sessionAffinity", sa, ["ClientIP", "None"]))
    if sa == "ClientIP":
        cfg = spec.get("sessionAffinityConfig")
        when = "when session affinity type is ClientIP"
        if cfg is None:
            errs.append(required("spec.sessionAffinityConfig", when))
        elif d(cfg).get("clientIP") is None:
            errs.append(required("spec.sessionAffinityConfig.clientIP", when))
        elif d(d(cfg).get("clientIP")).get("timeoutSeconds") is None:
            errs.append(required("spec.sessionAffinityConfig.clientIP.timeoutSeconds", when))
        else:
            t = i(d(d(cfg).get("clientIP")).get("timeoutSeconds"))
            if t <= 0 or t > 86400:
                errs.append(
                    invalid(
                        "spec.sessionAffinityConfig.clientIP.timeoutSeconds",
                        t,
                        "must be greater than 0 and less than 86400",
                    )
                )
    elif sa == "None" and spec.get("sessionAffinityConfig") is not None:
        errs.append(forbidden("spec.sessionAffinityConfig", "must not be set when session affinity is None"))
    if stype != "ExternalName":
        errs += _cluster_ips(spec)
    for n, ip in enumerate(lst(spec.get("externalIPs"))):
        errs += _valid_ip(index("spec.externalIPs", n), s(ip))
    if not stype:
        errs.append(required("spec.type"))
    elif stype not in _SERVICE_TYPES:
        errs.append(not_supported("spec.type", stype, _SERVICE_TYPES))
    if stype == "ClusterIP":
        for n, p in enumerate(ports):
            if i(p.get("nodePort")) != 0:
                errs.append(
                    forbidden(child(index("spec.ports", n), "nodePort"), "may not be used when `type` is 'ClusterIP'")
                )
    seen_np: set[tuple] = set()
    for n, p in enumerate(ports):
        np_ = i(p.get("nodePort"))
        if np_ == 0:
            continue
        k = (s(p.get("protocol")), np_)
        if k in seen_np:
            errs.append(duplicate_v(child(index("spec.ports", n), "nodePort"), np_))
        seen_np.add(k)
    seen_p: set[tuple] = set()
    for n, p in enumerate(ports):
        k = (s(p.get("protocol")), i(p.get("port")))
        if k in seen_p:
            value = GoStruct(
                ("Name", ""),
                ("Protocol", k[0]),
                ("AppProtocol", None),
                ("Port", k[1]),
                ("TargetPort", 0),
                ("NodePort", 0),
            )
            errs.append(duplicate_v(index("spec.ports", n), value))
        seen_p.add(k)
    if lst(spec.get("loadBalancerSourceRanges")) and stype != "LoadBalancer":
        errs.append(forbidden("spec.LoadBalancerSourceRanges", "may only be used when `type` is 'LoadBalancer'"))
    if spec.get("allocateLoadBalancerNodePorts") is not None and stype != "LoadBalancer":
        errs.append(forbidden("spec.allocateLoadBalancerNodePorts", "may only be used when `type` is 'LoadBalancer'"))
    if stype == "LoadBalancer" and spec.get("allocateLoadBalancerNodePorts") is None:
        errs.append(required("allocateLoadBalancerNodePorts"))
    if spec.get("loadBalancerClass") is not None and stype != "LoadBalancer":
        errs.append(forbidden("spec.loadBalancerClass", "may only be used when `type` is 'LoadBalancer'"))
    external = stype in ("NodePort", "LoadBalancer") or bool(lst(spec.get("externalIPs")))
    etp = s(spec.get("externalTrafficPolicy"))
    if not external:
        if etp:
            errs.append(
                invalid("spec.externalTrafficPolicy", etp, "may only be set for externally-accessible services")
            )
    elif not etp:
        errs.append(required("spec.externalTrafficPolicy"))
    elif etp not in ("Cluster", "Local"):
        errs.append(not_supported("spec.externalTrafficPolicy", etp, ["Cluster", "Local"]))
    needs_hc = stype == "LoadBalancer" and etp == "Local"
    hc = i(spec.get("healthCheckNodePort"))
    if not needs_hc and hc != 0:
        errs.append(
            invalid(
                "spec.healthCheckNodePort",
                hc,
                "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'",
            )
        )
    itp = spec.get("internalTrafficPolicy")
    if itp is None:
        if stype in ("NodePort", "LoadBalancer", "ClusterIP"):
            errs.append(required("spec.internalTrafficPolicy"))
    elif s(itp) not in ("Cluster", "Local"):
        errs.append(not_supported("spec.internalTrafficPolicy", s(itp), ["Cluster", "Local"]))
    return errs


def validate_service_update(svc: Any, old: Any) -> list[FieldError]:
    """``ValidateServiceUpdate``: the allocated clusterIPs may not change once set."""
    svc, old = copy.deepcopy(d(svc)), d(old)
    errs = m.validate_object_meta_update(svc.get("metadata"), old.get("metadata"))
    spec, ospec = d(svc.get("spec")), d(old.get("spec"))
    # Strategy PrepareForUpdate: keep allocated values the user left out, and sync clusterIPs.
    if not s(spec.get("clusterIP")) and not lst(spec.get("clusterIPs")) and s(ospec.get("clusterIP")):
        spec["clusterIP"] = ospec.get("clusterIP")
        spec["clusterIPs"] = copy.deepcopy(ospec.get("clusterIPs"))
    elif (
        s(spec.get("clusterIP")) != s(ospec.get("clusterIP"))
        and lst(spec.get("clusterIPs")) == lst(ospec.get("clusterIPs"))
        and lst(spec.get("clusterIPs"))
    ):
        spec["clusterIPs"] = [spec.get("clusterIP")] + lst(spec.get("clusterIPs"))[1:]
    stype, otype = s(spec.get("type")), s(ospec.get("type"))
    if "ExternalName" not in (stype, otype) and not (_is_headless(spec) and _is_headless(ospec)):
        new_ips, old_ips = lst(spec.get("clusterIPs")), lst(ospec.get("clusterIPs"))
        if len(new_ips) == len(old_ips):
            for n, ip in enumerate(old_ips):
                if ip != new_ips[n]:
                    errs.append(invalid(index("spec.clusterIPs", n), new_ips, "may not change once set"))
        elif len(old_ips) > len(new_ips):
            if not new_ips:
                errs.append(invalid("spec.clusterIPs[0]", new_ips, "primary clusterIP can not be unset"))
            elif old_ips and new_ips[0] != old_ips[0]:
                errs.append(invalid("spec.clusterIPs[0]", new_ips, "may not change once set"))
        elif old_ips and new_ips[0] != old_ips[0]:
            errs.append(invalid("spec.clusterIPs[0]", new_ips, "may not change once set"))
    return errs + validate_service(svc)


def _data_size(value: Any) -> int:
    return len(s(value).encode())


def validate_config_map(cm: Any) -> list[FieldError]:
    """``ValidateConfigMap``: keys, data/binaryData duplicates, 1 MiB total."""
    cm = d(cm)
    errs = m.validate_object_meta(cm.get("metadata"), True, m.name_is_dns_subdomain)
    data, binary = d(cm.get("data")), d(cm.get("binaryData"))
    total = 0
    for k, v in data.items():
        k = str(k)
        errs += [invalid(key("data", k), k, msg) for msg in m.is_config_map_key(k)]
        if k in binary:
            errs.append(invalid(key("data", k), k, "duplicate of key present in binaryData"))
        total += _data_size(v)
    for k, v in binary.items():
        k = str(k)
        errs += [invalid(key("binaryData", k), k, msg) for msg in m.is_config_map_key(k)]
        total += _decoded_size(v)
    if total > MAX_SECRET_SIZE:
        errs.append(too_long("", "", MAX_SECRET_SIZE))
    return errs


def _immutable_data(new: dict, old: dict, fields: tuple[str, ...]) -> list[FieldError]:
    errs: list[FieldError] = []
    if old.get("immutable") is True:
        if new.get("immutable") is not True:
            errs.append(forbidden("immutable", "field is immutable when `immutable` is set"))
        for f in fields:
            if (new.get(f) or None) != (old.get(f) or None):
                errs.append(forbidden(f, "field is immutable when `immutable` is set"))
    return errs


def validate_config_map_update(cm: Any, old: Any) -> list[FieldError]:
    cm, old = d(cm), d(old)
    errs = m.validate_object_meta_update(cm.get("metadata"), old.get("metadata"))
    errs += _immutable_data(cm, old, ("data", "binaryData"))
    return errs + validate_config_map(cm)


def _decoded_size(value: Any) -> int:
    try:
        return len(base64.b64decode(s(value), validate=False))
    except Exception:
        return len(s(value))


def _decoded(value: Any) -> bytes | None:
    try:
        return base64.b64decode(s(value), validate=False)
    except Exception:
        return None


def validate_secret(secret: Any) -> list[FieldError]:
    """``ValidateSecret``: keys, 1 MiB total, the keys each secret type requires."""
    secret = d(secret)
    md = d(secret.get("metadata"))
    errs = m.validate_object_meta(md, True, m.name_is_dns_subdomain)
    data = d(secret.get("data"))
    total = 0
    for k, v in data.items():
        k = str(k)
        errs += [invalid(key("data", k), k, msg) for msg in m.is_config_map_key(k)]
        total += _decoded_size(v)
    if total > MAX_SECRET_SIZE:
        errs.append(too_long("data", "", MAX_SECRET_SIZE))
    stype = s(secret.get("type"))
    if stype == "kubernetes.io/service-account-token":
        if not s(d(md.get("annotations")).get("kubernetes.io/service-account.name")):
            errs.append(required("metadata.annotations[kubernetes.io/service-account.name]"))
    elif stype in ("kubernetes.io/dockercfg", "kubernetes.io/dockerconfigjson"):
        k = ".dockercfg" if stype == "kubernetes.io/dockercfg" else ".dockerconfigjson"
        if k not in data:
            errs.append(required(key("data", k)))
        else:
            raw = _decoded(data[k]) or b""
            err = _json_object_error(raw)
            if err:
                errs.append(invalid(key("data", k), "<secret contents redacted>", err))
    elif stype == "kubernetes.io/basic-auth":
        if "username" not in data and "password" not in data:
            errs.append(required("data[username]"))
            errs.append(required("data[password]"))
    elif stype == "kubernetes.io/ssh-auth":
        if not (_decoded(data.get("ssh-privatekey")) or b""):
            errs.append(required("data[ssh-privatekey]"))
    elif stype == "kubernetes.io/tls":
        if "tls.crt" not in data:
            errs.append(required("data[tls.crt]"))
        if "tls.key" not in data:
            errs.append(required("data[tls.key]"))
    return errs


def _json_object_error(raw: bytes) -> str:
    """The ``json.Unmarshal`` error for a docker config that is not a JSON object, or ""."""
    try:
        value = json.loads(raw.decode("utf-8", "replace"))
    except json.JSONDecodeError as e:
        if e.msg.startswith("Expecting value") and e.pos >= len(raw.strip()):
            return "unexpected end of JSON input"
        ch = raw.decode("utf-8", "replace")[e.pos : e.pos + 1] or " "
        return f"invalid character '{ch}' looking for beginning of value"
    if not isinstance(value, dict):
        kind = {list: "array", str: "string", bool: "bool", type(None): "null"}.get(type(value), "number")
        if kind == "null":
            return ""
        return f"json: cannot unmarshal {kind} into Go value of type map[string]interface {{}}"
    return ""


def validate_secret_update(secret: Any, old: Any) -> list[FieldError]:
    secret, old = d(secret), d(old)
    errs = m.validate_object_meta_update(secret.get("metadata"), old.get("metadata"))
    errs += m.validate_immutable(s(secret.get("type")), s(old.get("type")), "type")
    errs += _immutable_data(secret, old, ("data",))
    return errs + validate_secret(secret)


def validate_namespace(ns: Any) -> list[FieldError]:
    ns = d(ns)
    errs = m.validate_object_meta(ns.get("metadata"), False, m.name_is_dns_label)
    for f in lst(d(ns.get("spec")).get("finalizers")):
        f = s(f)
        errs += [invalid("spec.finalizers", f, msg) for msg in m.is_qualified_name(f)]
        if "/" not in f and f != "kubernetes":
            errs.append(
                invalid("spec.finalizers", f, "name is neither a standard finalizer name nor is it fully qualified")
            )
    return errs


def _node_taints(taints: Any, path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    seen: dict[str, set[str]] = {}
    for n, t in enumerate(lst(taints)):
        t = d(t)
        p = index(path, n)
        k, v, effect = s(t.get("key")), s(t.get("value")), s(t.get("effect"))
        errs += m.validate_label_name(k, child(p, "key"))
        msgs = m.is_valid_label_value(v)
        if msgs:
            errs.append(invalid(child(p, "value"), v, ";".join(msgs)))
        errs += validate_taint_effect(effect, False, child(p, "effect"))
        if k in seen.get(effect, set()):
            value = GoStruct(("Key", k), ("Value", v), ("Effect", effect), ("TimeAdded", t.get("timeAdded")))
            errs.append(duplicate_v(p, value, "taints must be unique by key and effect pair"))
            continue
        seen.setdefault(effect, set()).add(k)
    return errs


def _node_resources(node: dict) -> list[FieldError]:
    errs: list[FieldError] = []
    status = d(node.get("status"))
    for part in ("capacity", "allocatable"):
        for name, raw in d(status.get(part)).items():
            q, text = parse_quantity(raw)
            if q is not None and q.milli_value() < 0:
                errs.append(invalid(f"status.{part}.{name}", text, NEGATIVE))
    return errs


def _pod_cidrs(node: dict) -> list[FieldError]:
    errs: list[FieldError] = []
    cidrs = [s(c) for c in lst(d(node.get("spec")).get("podCIDRs"))]
    for n, c in enumerate(cidrs):
        try:
            ipaddress.ip_network(c, strict=False)
            if "/" not in c:
                raise ValueError
        except ValueError:
            errs.append(
                invalid(index("spec.podCIDRs", n), c, "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)")
            )
    if len(cidrs) > 1:
        seen: set[str] = set()
        for n, c in enumerate(cidrs):
            if c in seen:
                errs.append(duplicate_v(index("spec.podCIDRs", n), c))
            seen.add(c)
    return errs


def validate_node(node: Any) -> list[FieldError]:
    """``ValidateNode``: name, taints (note: reported under ``metadata.taints`` as upstream does)."""
    node = d(node)
    errs = m.validate_object_meta(node.get("metadata"), False, m.name_is_dns_subdomain)
    if lst(d(node.get("spec")).get("taints")):
        errs += _node_taints(d(node.get("spec")).get("taints"), "metadata.taints")
    errs += _node_resources(node)
    errs += _pod_cidrs(node)
    return errs


def validate_node_update(node: Any, old: Any) -> list[FieldError]:
    node, old = d(node), d(old)
    errs = m.validate_object_meta_update(node.get("metadata"), old.get("metadata"))
    errs += _node_resources(node)
    spec, ospec = d(node.get("spec")), d(old.get("spec"))
    old_cidrs, new_cidrs = lst(ospec.get("podCIDRs")), lst(spec.get("podCIDRs"))
    msg = 'node updates may not change podCIDR except from "" to valid'
    if old_cidrs:
        if len(old_cidrs) != len(new_cidrs):
            errs.append(forbidden("spec.podCIDRs", msg))
        else:
            for n, c in enumerate(old_cidrs):
                if c != new_cidrs[n]:
                    errs.append(forbidden("spec.podCIDRs", msg))
    if s(ospec.get("providerID")) and s(ospec.get("providerID")) != s(spec.get("providerID")):
        errs.append(forbidden("spec.providerID", 'node updates may not change providerID except from "" to valid'))
    if lst(spec.get("taints")):
        errs += _node_taints(spec.get("taints"), "metadata.taints")
    return errs


_PV_SOURCES = (
    "hostPath", "gcePersistentDisk", "awsElasticBlockStore", "glusterfs", "flocker", "nfs", "rbd", "quobyte",
    "cephfs", "iscsi", "cinder", "fc", "flexVolume", "azureFile", "vsphereVolume", "photonPersistentDisk",
    "portworxVolume", "azureDisk", "scaleIO", "local", "storageos", "csi",
)  # fmt: skip


def _access_modes(modes: Any, path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    rwop, other = False, False
    for mode in lst(modes):
        mode = s(mode)
        if mode not in _ACCESS_MODES:
            errs.append(not_supported(path, mode, _ACCESS_MODES))
        if mode == "ReadWriteOncePod":
            rwop = True
        elif mode in _ACCESS_MODES:
            other = True
    if rwop and other:
        errs.append(forbidden(path, "may not use ReadWriteOncePod with other access modes"))
    return errs


def validate_pv(pv: Any) -> list[FieldError]:
    """``ValidatePersistentVolume``: access modes, capacity storage, reclaim policy, one source."""
    pv = d(pv)
    spec = d(pv.get("spec"))
    errs = m.validate_object_meta(pv.get("metadata"), False, m.name_is_dns_subdomain)
    if not lst(spec.get("accessModes")):
        errs.append(required("spec.accessModes"))
    errs += _access_modes(spec.get("accessModes"), "spec.accessModes")
    cap = d(spec.get("capacity"))
    if not cap:
        errs.append(required("spec.capacity"))
    if "storage" not in cap or len(cap) > 1:
        errs.append(not_supported("spec.capacity", cap, ["storage"]))
    for name, raw in cap.items():
        q, text = parse_quantity(raw)
        if q is None:
            continue
        if q.milli_value() < 0:
            errs.append(invalid(key("spec.capacity", name), q.value(), "must be a valid resource quantity"))
        if q.milli_value() <= 0:
            errs.append(invalid(key("spec.capacity", name), text, "must be greater than zero"))
    pol = s(spec.get("persistentVolumeReclaimPolicy"))
    if pol and pol not in ("Delete", "Recycle", "Retain"):
        errs.append(not_supported("spec.persistentVolumeReclaimPolicy", pol, ["Delete", "Recycle", "Retain"]))
    node_affinity = spec.get("nodeAffinity")
    if node_affinity is not None:
        req = d(node_affinity).get("required")
        if req is not None:
            errs += validate_node_selector(req, "spec.nodeAffinity.required")
        else:
            errs.append(required("spec.nodeAffinity.required", "must specify required node constraints"))
    count = 0
    for src in _PV_SOURCES:
        if spec.get(src) is None:
            continue
        if count > 0 and src != "flexVolume":
            errs.append(forbidden(child("spec", src), "may not specify more than 1 volume type"))
            continue
        count += 1
        body = d(spec.get(src))
        if src in ("hostPath", "local"):
            if not s(body.get("path")):
                errs.append(required(child("spec", src, "path")))
            if src == "local" and node_affinity is None:
                errs.append(required("spec.nodeAffinity", "Local volume requires node affinity"))
        elif src == "nfs":
            if not s(body.get("server")):
                errs.append(required("spec.nfs.server"))
            if not s(body.get("path")):
                errs.append(required("spec.nfs.path"))
        elif src == "csi":
            if not s(body.get("driver")):
                errs.append(required("spec.csi.driver"))
            if not s(body.get("volumeHandle")):
                errs.append(required("spec.csi.volumeHandle"))
    if count == 0:
        errs.append(required("spec", "must specify a volume type"))
    hp = spec.get("hostPath")
    if hp is not None and s(d(hp).get("path")).rstrip("/") == "" and s(d(hp).get("path")) and pol == "Recycle":
        errs.append(forbidden("spec.persistentVolumeReclaimPolicy", "may not be 'recycle' for a hostPath mount of '/'"))
    sc = s(spec.get("storageClassName"))
    if sc:
        errs += [invalid("spec.storageClassName", sc, msg) for msg in m.name_is_dns_subdomain(sc, False)]
    if spec.get("volumeMode") is not None and s(spec.get("volumeMode")) not in ("Block", "Filesystem"):
        errs.append(not_supported("spec.volumeMode", s(spec.get("volumeMode")), ["Block", "Filesystem"]))
    return errs


def validate_pv_update(pv: Any, old: Any) -> list[FieldError]:
    pv, old = d(pv), d(old)
    errs = validate_pv(pv)
    spec, ospec = d(pv.get("spec")), d(old.get("spec"))
    if {k: spec.get(k) for k in _PV_SOURCES} != {k: ospec.get(k) for k in _PV_SOURCES}:
        errs.append(
            forbidden("spec.persistentvolumesource", "spec.persistentvolumesource is immutable after creation\n")
        )
    errs += m.validate_immutable(spec.get("volumeMode"), ospec.get("volumeMode"), "volumeMode")
    return errs


def validate_pvc_spec(spec: Any, path: str) -> list[FieldError]:
    spec = d(spec)
    errs: list[FieldError] = []
    if not lst(spec.get("accessModes")):
        errs.append(required(child(path, "accessModes"), "at least 1 access mode is required"))
    if spec.get("selector") is not None:
        errs += m.validate_label_selector(spec.get("selector"), child(path, "selector"))
    errs += _access_modes(spec.get("accessModes"), child(path, "accessModes"))
    requests = d(d(spec.get("resources")).get("requests"))
    sp = key(child(path, "resources"), "storage")
    if "storage" not in requests:
        errs.append(required(sp))
    else:
        q, text = parse_quantity(requests["storage"])
        if q is not None and q.milli_value() <= 0:
            errs.append(invalid(sp, text, "must be greater than zero"))
    sc = spec.get("storageClassName")
    if isinstance(sc, str) and sc:
        errs += [invalid(child(path, "storageClassName"), sc, msg) for msg in m.name_is_dns_subdomain(sc, False)]
    if spec.get("volumeMode") is not None and s(spec.get("volumeMode")) not in ("Block", "Filesystem"):
        errs.append(not_supported(child(path, "volumeMode"), s(spec.get("volumeMode")), ["Block", "Filesystem"]))
    return errs


def validate_pvc(pvc: Any) -> list[FieldError]:
    pvc = d(pvc)
    errs = m.validate_object_meta(pvc.get("metadata"), True, m.name_is_dns_subdomain)
    return errs + validate_pvc_spec(pvc.get("spec"), "spec")


def validate_pvc_update(pvc: Any, old: Any) -> list[FieldError]:
    """Claims are immutable except a larger ``resources.requests`` (and volumeName once)."""
    pvc, old = d(pvc), d(old)
    errs = m.validate_object_meta_update(pvc.get("metadata"), old.get("metadata"))
    errs += validate_pvc(pvc)
    new_spec, old_spec = copy.deepcopy(d(pvc.get("spec"))), copy.deepcopy(d(old.get("spec")))
    if not s(old_spec.get("volumeName")):
        if "volumeName" in new_spec:
            old_spec["volumeName"] = new_spec["volumeName"]
        else:
            old_spec.pop("volumeName", None)
    bound = s(d(pvc.get("status")).get("phase")) == "Bound"
    new_req = d(d(new_spec.get("resources")).get("requests"))
    old_req = d(d(old_spec.get("resources")).get("requests"))
    if bound and isinstance(d(new_spec.get("resources")).get("requests"), dict) and "storage" in old_req:
        new_spec["resources"]["requests"]["storage"] = old_req["storage"]
    if new_spec != old_spec:
        errs.append(
            forbidden(
                "spec",
                "spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims\n",
            )
        )
    nq, _ = parse_quantity(new_req.get("storage"))
    oq, _ = parse_quantity(old_req.get("storage"))
    if nq is not None and oq is not None and nq.milli_value() < oq.milli_value():
        errs.append(forbidden("spec.resources.requests.storage", "field can not be less than status.capacity"))
    errs += m.validate_immutable(
        d(pvc.get("spec")).get("volumeMode"), d(old.get("spec")).get("volumeMode"), "volumeMode"
    )
    return errs


def validate_endpoints(ep: Any) -> list[FieldError]:
    ep = d(ep)
    errs = m.validate_object_meta(ep.get("metadata"), True, m.name_is_dns_subdomain)
    for n, ss in enumerate(lst(ep.get("subsets"))):
        ss = d(ss)
        p = index("subsets", n)
        if not lst(ss.get("addresses")) and not lst(ss.get("notReadyAddresses")):
            errs.append(required(p, "must specify `addresses` or `notReadyAddresses`"))
        for part in ("addresses", "notReadyAddresses"):
            for a, addr in enumerate(lst(ss.get(part))):
                errs += _valid_ip(child(index(child(p, part), a), "ip"), s(d(addr).get("ip")))
        ports = lst(ss.get("ports"))
        for pn, port in enumerate(ports):
            port = d(port)
            pp = index(child(p, "ports"), pn)
            name = s(port.get("name"))
            if len(ports) > 1 and not name:
                errs.append(required(child(pp, "name")))
            elif name:
                errs += [invalid(child(pp, "name"), name, msg) for msg in m.is_dns1123_label(name)]
            errs += [
                invalid(child(pp, "port"), i(port.get("port")), msg) for msg in m.is_valid_port_num(i(port.get("port")))
            ]
            proto = s(port.get("protocol"))
            if not proto:
                errs.append(required(child(pp, "protocol")))
            elif proto not in _PROTOCOLS:
                errs.append(not_supported(child(pp, "protocol"), proto, _PROTOCOLS))
    return errs


def validate_event(ev: Any) -> list[FieldError]:
    """Light ``ValidateEventCreate``: name, and the involved object's namespace."""
    ev = d(ev)
    md = d(ev.get("metadata"))
    errs = m.validate_object_meta(md, True, m.name_is_dns_subdomain)
    inv = d(ev.get("involvedObject"))
    ins, ens = s(inv.get("namespace")), s(md.get("namespace"))
    if ins and ins != ens:
        errs.append(invalid("involvedObject.namespace", ins, "does not match event.namespace"))
    return errs
