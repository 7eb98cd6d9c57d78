"""StorageClass, PriorityClass, Lease, HorizontalPodAutoscaler (v2) and EndpointSlice.

Notes
-----
Mirrors ``pkg/apis/storage/validation``, ``pkg/apis/scheduling/validation``,
``pkg/apis/coordination/validation``, ``pkg/apis/autoscaling/validation`` and
``pkg/apis/discovery/validation``, lightly where the kind is light in k8slearn.
Used in: 02_scheduling, 08_config_secrets_storage, 09_autoscaling.
"""

from __future__ import annotations

from typing import Any

from k8slearn.api.errors import FieldError, forbidden, invalid, not_supported, required
from k8slearn.api.validation import meta as m
from k8slearn.api.validation._field import NOT_POSITIVE, child, d, i, index, is_int, lst, s
from k8slearn.api.validation.quantities import parse_quantity

__all__ = [
    "validate_storage_class",
    "validate_storage_class_update",
    "validate_priority_class",
    "validate_priority_class_update",
    "validate_lease",
    "validate_hpa",
    "validate_endpoint_slice",
    "validate_endpoint_slice_update",
    "SYSTEM_PRIORITY_CLASSES",
    "HIGHEST_USER_DEFINABLE_PRIORITY",
]

#: ``HighestUserDefinablePriority``.
HIGHEST_USER_DEFINABLE_PRIORITY = 1000000000
#: The built-in classes: name -> value (``SystemCriticalPriority`` and +1000).
SYSTEM_PRIORITY_CLASSES = {"system-node-critical": 2000001000, "system-cluster-critical": 2000000000}


def validate_storage_class(sc: Any) -> list[FieldError]:
    sc = d(sc)
    errs = m.validate_object_meta(sc.get("metadata"), False, m.name_is_dns_subdomain)
    prov = s(sc.get("provisioner"))
    if not prov:
        errs.append(required("provisioner", prov))
    else:
        errs += [invalid("provisioner", prov, msg) for msg in m.is_qualified_name(prov.lower())]
    params = d(sc.get("parameters"))
    total = sum(len(str(k)) + len(s(v)) for k, v in params.items())
    if len(params) > 512:
        errs.append(invalid("parameters", params, "can't have more than 512 parameters"))
    if total > 256 * 1024:
        errs.append(invalid("parameters", params, "total size must be under 256.00 KiB"))
    for k in params:
        if not str(k):
            errs.append(invalid("parameters", params, "key cannot be empty"))
    pol = sc.get("reclaimPolicy")
    if pol is not None and s(pol) and s(pol) not in ("Delete", "Retain"):
        errs.append(not_supported("reclaimPolicy", s(pol), ["Delete", "Retain"]))
    mode = sc.get("volumeBindingMode")
    if mode is None:
        errs.append(required("volumeBindingMode"))
    elif s(mode) not in ("Immediate", "WaitForFirstConsumer"):
        errs.append(not_supported("volumeBindingMode", s(mode), ["Immediate", "WaitForFirstConsumer"]))
    return errs


def validate_storage_class_update(sc: Any, old: Any) -> list[FieldError]:
    sc, old = d(sc), d(old)
    errs = m.validate_object_meta_update(sc.get("metadata"), old.get("metadata"))
    if (sc.get("parameters") or None) != (old.get("parameters") or None):
        errs.append(forbidden("parameters", "updates to parameters are forbidden."))
    if s(sc.get("provisioner")) != s(old.get("provisioner")):
        errs.append(forbidden("provisioner", "updates to provisioner are forbidden."))
    if s(sc.get("reclaimPolicy")) != s(old.get("reclaimPolicy")):
        errs.append(forbidden("reclaimPolicy", "updates to reclaimPolicy are forbidden."))
    errs += m.validate_immutable(sc.get("volumeBindingMode"), old.get("volumeBindingMode"), "volumeBindingMode")
    return errs


def _known_system_class(name: str, value: Any, global_default: Any) -> str:
    if name not in SYSTEM_PRIORITY_CLASSES:
        return f"{name} is not a known system priority class"
    if value != SYSTEM_PRIORITY_CLASSES[name]:
        return f"value of {name} PriorityClass must be {SYSTEM_PRIORITY_CLASSES[name]}"
    if global_default is True:
        return f"globalDefault of {name} PriorityClass must be false"
    return ""


def validate_priority_class(pc: Any) -> list[FieldError]:
    """``ValidatePriorityClass``: the ``system-`` prefix is reserved, user values <= 1e9."""
    pc = d(pc)
    errs = m.validate_object_meta(pc.get("metadata"), False, m.name_is_dns_subdomain)
    name = s(d(pc.get("metadata")).get("name"))
    value = i(pc.get("value"))
    if name.startswith("system-"):
        err = _known_system_class(name, value, pc.get("globalDefault"))
        if err:
            errs.append(
                forbidden(
                    "metadata.name",
                    f"priority class names with 'system-' prefix are reserved for system use only. error: {err}",
                )
            )
    elif value > HIGHEST_USER_DEFINABLE_PRIORITY:
        errs.append(
            forbidden("value", f"maximum allowed value of a user defined priority is {HIGHEST_USER_DEFINABLE_PRIORITY}")
        )
    if pc.get("preemptionPolicy") is not None:
        pp = s(pc.get("preemptionPolicy"))
        if not pp:
            errs.append(required("preemptionPolicy"))
        elif pp not in ("PreemptLowerPriority", "Never"):
            errs.append(not_supported("preemptionPolicy", pp, ["PreemptLowerPriority", "Never"]))
    return errs


def validate_priority_class_update(pc: Any, old: Any) -> list[FieldError]:
    pc, old = d(pc), d(old)
    errs = m.validate_object_meta_update(pc.get("metadata"), old.get("metadata"))
    errs += m.validate_immutable(pc.get("value"), old.get("value"), "value")
    errs += m.validate_immutable(pc.get("preemptionPolicy"), old.get("preemptionPolicy"), "preemptionPolicy")
    return errs


def validate_lease(lease: Any) -> list[FieldError]:
    lease = d(lease)
    errs = m.validate_object_meta(lease.get("metadata"), True, m.name_is_dns_subdomain)
    spec = d(lease.get("spec"))
    lds = spec.get("leaseDurationSeconds")
    if is_int(lds) and lds <= 0:
        errs.append(invalid("spec.leaseDurationSeconds", lds, "must be greater than 0"))
    lt = spec.get("leaseTransitions")
    if is_int(lt) and lt < 0:
        errs.append(invalid("spec.leaseTransitions", lt, "must be greater than or equal to 0"))
    return errs


_METRIC_TYPES = ["Object", "Pods", "Resource", "External", "ContainerResource"]


def _metric_target(t: dict, path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    tt = s(t.get("type"))
    if not tt:
        errs.append(required(child(path, "type"), "must specify a metric target type"))
    if tt not in ("Utilization", "Value", "AverageValue"):
        errs.append(invalid(child(path, "type"), tt, "must be either Utilization, Value, or AverageValue"))
    for f in ("value", "averageValue"):
        if t.get(f) is not None:
            q, text = parse_quantity(t.get(f))
            if q is not None and q.milli_value() <= 0:
                errs.append(invalid(child(path, f), text, "must be positive"))
    au = t.get("averageUtilization")
    if is_int(au) and au < 1:
        errs.append(invalid(child(path, "averageUtilization"), au, "must be greater than 0"))
    return errs


def _metric(spec: dict, path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    mt = s(spec.get("type"))
    if not mt:
        errs.append(required(child(path, "type"), "must specify a metric source type"))
    if mt not in _METRIC_TYPES:
        errs.append(not_supported(child(path, "type"), mt, _METRIC_TYPES))
    present = [f for f in ("object", "pods", "resource", "containerResource", "external") if spec.get(f) is not None]
    expected = mt[:1].lower() + mt[1:] if mt else ""
    for f in present:
        if f != expected:
            errs.append(forbidden(child(path, f), "must populate information for the given metric source only"))
    if expected and mt in _METRIC_TYPES and expected not in present:
        errs.append(required(child(path, expected), "must populate information for the given metric source"))
    if mt in ("Resource", "ContainerResource") and expected in present:
        src = d(spec.get(expected))
        sp = child(path, expected)
        if not s(src.get("name")):
            errs.append(required(child(sp, "name"), "must specify a resource name"))
        if mt == "ContainerResource" and not s(src.get("container")):
            errs.append(required(child(sp, "container"), "must specify a container"))
        target = d(src.get("target"))
        errs += _metric_target(target, child(sp, "target"))
        if target.get("averageUtilization") is None and target.get("averageValue") is None:
            errs.append(
                required(
                    child(sp, "target", "averageUtilization"),
                    "must set either a target raw value or a target utilization",
                )
            )
        if target.get("averageUtilization") is not None and target.get("averageValue") is not None:
            errs.append(
                forbidden(
                    child(sp, "target", "averageValue"), "may not set both a target raw value and a target utilization"
                )
            )
    elif mt in ("Pods", "Object", "External") and expected in present:
        src = d(spec.get(expected))
        sp = child(path, expected)
        if not s(d(src.get("metric")).get("name")):
            errs.append(required(child(sp, "metric", "name"), "must specify a metric name"))
        errs += _metric_target(d(src.get("target")), child(sp, "target"))
    return errs


def _scaling_rules(rules: Any, path: str) -> list[FieldError]:
    if rules is None:
        return []
    rules = d(rules)
    errs: list[FieldError] = []
    sw = rules.get("stabilizationWindowSeconds")
    if is_int(sw) and sw < 0:
        errs.append(invalid(child(path, "stabilizationWindowSeconds"), sw, "must be greater than or equal to zero"))
    if is_int(sw) and sw > 3600:
        errs.append(invalid(child(path, "stabilizationWindowSeconds"), sw, "must be less than or equal to 3600"))
    sp = rules.get("selectPolicy")
    if sp is not None and s(sp) not in ("Max", "Min", "Disabled"):
        errs.append(not_supported(child(path, "selectPolicy"), s(sp), ["Max", "Min", "Disabled"]))
    pp = child(path, "policies")
    policies = lst(rules.get("policies"))
    if not policies:
        errs.append(required(pp, "must specify at least one Policy"))
    for n, pol in enumerate(policies):
        pol = d(pol)
        p = index(pp, n)
        if s(pol.get("type")) not in ("Pods", "Percent"):
            errs.append(not_supported(child(p, "type"), s(pol.get("type")), ["Pods", "Percent"]))
        if i(pol.get("value")) <= 0:
            errs.append(invalid(child(p, "value"), i(pol.get("value")), NOT_POSITIVE))
        period = i(pol.get("periodSeconds"))
        if period <= 0:
            errs.append(invalid(child(p, "periodSeconds"), period, NOT_POSITIVE))
        if period > 1800:
            errs.append(invalid(child(p, "periodSeconds"), period, "must be less than or equal to 1800"))
    return errs


def validate_hpa(hpa: Any) -> list[FieldError]:
    """``ValidateHorizontalPodAutoscaler`` (autoscaling/v2)."""
    hpa = d(hpa)
    errs = m.validate_object_meta(hpa.get("metadata"), True, m.name_is_dns_subdomain)
    spec = d(hpa.get("spec"))
    mn = spec.get("minReplicas")
    mx = i(spec.get("maxReplicas"))
    if is_int(mn) and mn < 1:
        errs.append(invalid("spec.minReplicas", mn, "must be greater than or equal to 1"))
    if mx < 1:
        errs.append(invalid("spec.maxReplicas", mx, "must be greater than 0"))
    if is_int(mn) and mx < mn:
        errs.append(invalid("spec.maxReplicas", mx, "must be greater than or equal to `minReplicas`"))
    ref = d(spec.get("scaleTargetRef"))
    ref_errs: list[FieldError] = []
    for f in ("kind", "name"):
        v = s(ref.get(f))
        if not v:
            ref_errs.append(required(f"spec.scaleTargetRef.{f}"))
        else:
            for bad in ("/", "%"):
                if bad in v:
                    ref_errs.append(invalid(f"spec.scaleTargetRef.{f}", v, f"may not contain '{bad}'"))
            if v in (".", ".."):
                ref_errs.append(invalid(f"spec.scaleTargetRef.{f}", v, f"may not be '{v}'"))
    if ref_errs:
        errs += ref_errs
    else:
        for n, metric in enumerate(lst(spec.get("metrics"))):
            errs += _metric(d(metric), index("spec.metrics", n))
    behavior = spec.get("behavior")
    if behavior is not None:
        errs += _scaling_rules(d(behavior).get("scaleUp"), "spec.behavior.scaleUp")
        errs += _scaling_rules(d(behavior).get("scaleDown"), "spec.behavior.scaleDown")
    return errs


def validate_endpoint_slice(es: Any) -> list[FieldError]:
    es = d(es)
    errs = m.validate_object_meta(es.get("metadata"), True, m.name_is_dns_subdomain)
    at = s(es.get("addressType"))
    if not at:
        errs.append(required("addressType"))
    elif at not in ("IPv4", "IPv6", "FQDN"):
        errs.append(not_supported("addressType", at, ["IPv4", "IPv6", "FQDN"]))
    for n, ep in enumerate(lst(es.get("endpoints"))):
        ep = d(ep)
        p = index("endpoints", n)
        addrs = lst(ep.get("addresses"))
        if not addrs:
            errs.append(required(child(p, "addresses"), "must contain at least 1 address"))
        elif len(addrs) > 100:
            errs.append(invalid(child(p, "addresses"), len(addrs), "must have at most 100 items"))
        node = s(ep.get("nodeName"))
        if node:
            errs += [invalid(child(p, "nodeName"), node, msg) for msg in m.name_is_dns_subdomain(node, False)]
    for n, port in enumerate(lst(es.get("ports"))):
        port = d(port)
        p = index("ports", n)
        name = s(port.get("name"))
        if name:
            errs += [invalid(child(p, "name"), name, msg) for msg in m.is_dns1123_label(name)]
        proto = port.get("protocol")
        if proto is not None and s(proto) not in ("SCTP", "TCP", "UDP"):
            errs.append(not_supported(child(p, "protocol"), s(proto), ["SCTP", "TCP", "UDP"]))
    return errs


def validate_endpoint_slice_update(es: Any, old: Any) -> list[FieldError]:
    es, old = d(es), d(old)
    errs = m.validate_object_meta_update(es.get("metadata"), old.get("metadata"))
    errs += validate_endpoint_slice(es)
    errs += m.validate_immutable(s(es.get("addressType")), s(old.get("addressType")), "addressType")
    return errs
