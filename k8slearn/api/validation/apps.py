"""Deployment, ReplicaSet and DaemonSet validation.

Notes
-----
Mirrors ``pkg/apis/apps/validation/validation.go`` (ValidateDeploymentSpec,
ValidateRollingUpdateDeployment, ValidateReplicaSetSpec, ValidateDaemonSetSpec,
ValidatePodTemplateSpecForReplicaSet) and the apps/v1 strategies, which make
``spec.selector`` immutable on update.
Used in: 05_self_healing, 07_rolling_updates.
"""

from __future__ import annotations

from typing import Any

from k8slearn.api import labels as _labels
from k8slearn.api.errors import FieldError, forbidden, invalid, not_supported, required
from k8slearn.api.validation import meta as m
from k8slearn.api.validation._field import IMMUTABLE, GoStruct, child, d, i, invalid_v, is_int, lst, s
from k8slearn.api.validation.pod import validate_pod_template

__all__ = [
    "validate_deployment",
    "validate_deployment_update",
    "validate_replica_set",
    "validate_replica_set_update",
    "validate_daemon_set",
    "validate_daemon_set_update",
    "selector_value",
    "selector_matches",
]


def selector_value(sel: Any) -> Any:
    """A ``*metav1.LabelSelector`` as ``json.Marshal`` renders it (fields in Go order)."""
    if sel is None:
        return None
    sel = d(sel)
    fields: list[tuple[str, Any]] = []
    if d(sel.get("matchLabels")):
        fields.append(("matchLabels", {str(k): v for k, v in d(sel.get("matchLabels")).items()}))
    exprs = []
    for e in lst(sel.get("matchExpressions")):
        e = d(e)
        ef: list[tuple[str, Any]] = [("key", s(e.get("key"))), ("operator", s(e.get("operator")))]
        if lst(e.get("values")):
            ef.append(("values", [s(v) for v in lst(e.get("values"))]))
        exprs.append(GoStruct(*ef))
    if exprs:
        fields.append(("matchExpressions", exprs))
    return GoStruct(*fields)


def selector_matches(sel: Any, labels: Any) -> tuple[bool, bool]:
    """``(converted, matches)`` for ``LabelSelectorAsSelector(sel).Matches(labels)``.

    A missing selector converts to "nothing" (matches no labels); an empty one to
    "everything".
    """
    if sel is None:
        return True, False
    try:
        selector = _labels.selector_from_label_selector(d(sel))
    except (ValueError, TypeError):
        return False, False
    return True, bool(selector.matches({str(k): s(v) for k, v in d(labels).items()}))


def _is_empty_selector(sel: Any) -> bool:
    sel = d(sel)
    return not d(sel.get("matchLabels")) and not lst(sel.get("matchExpressions"))


def _template_for_rs(spec: dict, path: str, owner: str) -> list[FieldError]:
    """``ValidatePodTemplateSpecForReplicaSet``."""
    errs: list[FieldError] = []
    sel = spec.get("selector")
    template = d(spec.get("template"))
    template_labels = d(template.get("metadata")).get("labels")
    tp = child(path, "template")
    if sel is not None and _is_empty_selector(sel):
        pass  # labels.Everything(): Empty() is true, no match check
    else:
        ok, matches = selector_matches(sel, template_labels)
        if not ok:
            return [invalid_v(child(path, "selector"), selector_value(sel), "invalid label selector")]
        if not matches:
            errs.append(
                invalid(
                    child(tp, "metadata", "labels"),
                    _labels_value(template_labels),
                    "`selector` does not match template `labels`",
                )
            )
    errs += validate_pod_template(template, tp)
    tspec = d(template.get("spec"))
    rp = s(tspec.get("restartPolicy"))
    if rp != "Always":
        errs.append(not_supported(child(tp, "spec", "restartPolicy"), rp, ["Always"]))
    if tspec.get("activeDeadlineSeconds") is not None:
        errs.append(
            forbidden(child(tp, "spec", "activeDeadlineSeconds"), f"activeDeadlineSeconds in {owner} is not Supported")
        )
    return errs


def _labels_value(template_labels: Any) -> Any:
    if template_labels is None:
        return None
    return {str(k): v for k, v in d(template_labels).items()}


def _selector_checks(spec: dict, path: str, kind: str) -> list[FieldError]:
    sel = spec.get("selector")
    if sel is None:
        return [required(child(path, "selector"))]
    errs = m.validate_label_selector(sel, child(path, "selector"))
    if _is_empty_selector(sel):
        errs.append(invalid_v(child(path, "selector"), selector_value(sel), f"empty selector is invalid for {kind}"))
    return errs


def _int_or_percent(v: Any, path: str) -> list[FieldError]:
    if isinstance(v, str):
        return [invalid(path, v, msg) for msg in m.is_valid_percent(v)]
    return m.validate_nonnegative(v, path)


def _int_or_percent_value(v: Any) -> int:
    if isinstance(v, str):
        if not m.is_valid_percent(v):
            return int(v[:-1])
        try:
            return int(v, 10)
        except ValueError:
            return 0
    return i(v)


def _not_more_than_100(v: Any, path: str) -> list[FieldError]:
    if isinstance(v, str) and not m.is_valid_percent(v) and int(v[:-1]) > 100:
        return [invalid(path, v, "must not be greater than 100%")]
    return []


def _strategy_value(strategy: dict) -> GoStruct:
    return GoStruct(("Type", s(strategy.get("type"))), ("RollingUpdate", None))


def _deployment_strategy(strategy: Any, path: str) -> list[FieldError]:
    strategy = d(strategy)
    t = s(strategy.get("type"))
    ru = strategy.get("rollingUpdate")
    if t == "Recreate":
        if ru is not None:
            return [forbidden(child(path, "rollingUpdate"), "may not be specified when strategy `type` is 'Recreate'")]
        return []
    if t == "RollingUpdate":
        if ru is None:
            return [required(child(path, "rollingUpdate"), "this should be defaulted and never be nil")]
        ru = d(ru)
        rp = child(path, "rollingUpdate")
        mu, ms = ru.get("maxUnavailable"), ru.get("maxSurge")
        errs = _int_or_percent(mu, child(rp, "maxUnavailable")) + _int_or_percent(ms, child(rp, "maxSurge"))
        if _int_or_percent_value(mu) == 0 and _int_or_percent_value(ms) == 0:
            errs.append(
                invalid(child(rp, "maxUnavailable"), mu if mu is not None else 0, "may not be 0 when `maxSurge` is 0")
            )
        return errs + _not_more_than_100(mu, child(rp, "maxUnavailable"))
    err = not_supported(path, None, ["Recreate", "RollingUpdate"])
    from k8slearn.api.validation._field import _StructFieldError

    return [_StructFieldError(err.path, err.type, _strategy_value(strategy), err.detail)]


def _deployment_spec(spec: Any, path: str) -> list[FieldError]:
    spec = d(spec)
    errs = m.validate_nonnegative(spec.get("replicas"), child(path, "replicas"))
    errs += _selector_checks(spec, path, "deployment")
    errs += _template_for_rs(spec, path, "ReplicaSet")
    errs += _deployment_strategy(spec.get("strategy"), child(path, "strategy"))
    errs += m.validate_nonnegative(spec.get("minReadySeconds"), child(path, "minReadySeconds"))
    errs += m.validate_nonnegative(spec.get("revisionHistoryLimit"), child(path, "revisionHistoryLimit"))
    pds = spec.get("progressDeadlineSeconds")
    if is_int(pds):
        errs += m.validate_nonnegative(pds, child(path, "progressDeadlineSeconds"))
        if pds <= i(spec.get("minReadySeconds")):
            errs.append(invalid(child(path, "progressDeadlineSeconds"), pds, "must be greater than minReadySeconds"))
    return errs


def validate_deployment(obj: Any) -> list[FieldError]:
    obj = d(obj)
    errs = m.validate_object_meta(obj.get("metadata"), True, m.name_is_dns_subdomain)
    return errs + _deployment_spec(obj.get("spec"), "spec")


def _selector_immutable(new: dict, old: dict) -> list[FieldError]:
    ns, os_ = d(new.get("spec")).get("selector"), d(old.get("spec")).get("selector")
    if ns != os_:
        return [invalid_v("spec.selector", selector_value(ns), IMMUTABLE)]
    return []


def validate_deployment_update(obj: Any, old: Any) -> list[FieldError]:
    obj, old = d(obj), d(old)
    errs = m.validate_object_meta_update(obj.get("metadata"), old.get("metadata"))
    errs += _deployment_spec(obj.get("spec"), "spec")
    return errs + _selector_immutable(obj, old)


def _replica_set_spec(spec: Any, path: str) -> list[FieldError]:
    spec = d(spec)
    errs = m.validate_nonnegative(spec.get("replicas"), child(path, "replicas"))
    errs += m.validate_nonnegative(spec.get("minReadySeconds"), child(path, "minReadySeconds"))
    errs += _selector_checks(spec, path, "deployment")  # upstream says "deployment" here too
    return errs + _template_for_rs(spec, path, "ReplicaSet")


def validate_replica_set(obj: Any) -> list[FieldError]:
    obj = d(obj)
    errs = m.validate_object_meta(obj.get("metadata"), True, m.name_is_dns_subdomain)
    return errs + _replica_set_spec(obj.get("spec"), "spec")


def validate_replica_set_update(obj: Any, old: Any) -> list[FieldError]:
    obj, old = d(obj), d(old)
    errs = m.validate_object_meta_update(obj.get("metadata"), old.get("metadata"))
    errs += _replica_set_spec(obj.get("spec"), "spec")
    return errs + _selector_immutable(obj, old)


def _daemon_set_strategy(strategy: Any, path: str) -> list[FieldError]:
    strategy = d(strategy)
    t = s(strategy.get("type"))
    if t == "OnDelete":
        return []
    if t == "RollingUpdate":
        ru = strategy.get("rollingUpdate")
        rp = child(path, "rollingUpdate")
        if ru is None:
            return [required(rp)]
        ru = d(ru)
        mu, ms = ru.get("maxUnavailable"), ru.get("maxSurge")
        errs = _int_or_percent(mu, child(rp, "maxUnavailable")) + _int_or_percent(ms, child(rp, "maxSurge"))
        errs += _not_more_than_100(mu, child(rp, "maxUnavailable")) + _not_more_than_100(ms, child(rp, "maxSurge"))
        has_u, has_s = _int_or_percent_value(mu) != 0, _int_or_percent_value(ms) != 0
        if has_u and has_s:
            errs.append(invalid(child(rp, "maxSurge"), ms, "may not be set when maxUnavailable is non-zero"))
        elif not has_u and not has_s:
            errs.append(required(child(rp, "maxUnavailable"), "cannot be 0 when maxSurge is 0"))
        return errs
    err = not_supported(path, None, ["RollingUpdate", "OnDelete"])
    from k8slearn.api.validation._field import _StructFieldError

    return [_StructFieldError(err.path, err.type, GoStruct(("Type", t), ("RollingUpdate", None)), err.detail)]


def _daemon_set_spec(spec: Any, path: str) -> list[FieldError]:
    spec = d(spec)
    sel = spec.get("selector")
    errs = m.validate_label_selector(sel, child(path, "selector"))
    template = d(spec.get("template"))
    template_labels = d(template.get("metadata")).get("labels")
    ok, matches = selector_matches(sel, template_labels)
    if ok and not matches:
        errs.append(
            invalid(
                child(path, "template", "metadata", "labels"),
                _labels_value(template_labels),
                "`selector` does not match template `labels`",
            )
        )
    if sel is not None and _is_empty_selector(sel):
        errs.append(invalid_v(child(path, "selector"), selector_value(sel), "empty selector is invalid for daemonset"))
    tp = child(path, "template")
    errs += validate_pod_template(template, tp)
    tspec = d(template.get("spec"))
    rp = s(tspec.get("restartPolicy"))
    if rp != "Always":
        errs.append(not_supported(child(tp, "spec", "restartPolicy"), rp, ["Always"]))
    if tspec.get("activeDeadlineSeconds") is not None:
        errs.append(
            forbidden(child(tp, "spec", "activeDeadlineSeconds"), "activeDeadlineSeconds in DaemonSet is not Supported")
        )
    errs += m.validate_nonnegative(spec.get("minReadySeconds"), child(path, "minReadySeconds"))
    errs += m.validate_nonnegative(spec.get("templateGeneration"), child(path, "templateGeneration"))
    errs += _daemon_set_strategy(spec.get("updateStrategy"), child(path, "updateStrategy"))
    errs += m.validate_nonnegative(spec.get("revisionHistoryLimit"), child(path, "revisionHistoryLimit"))
    return errs


def validate_daemon_set(obj: Any) -> list[FieldError]:
    obj = d(obj)
    errs = m.validate_object_meta(obj.get("metadata"), True, m.name_is_dns_subdomain)
    return errs + _daemon_set_spec(obj.get("spec"), "spec")


def validate_daemon_set_update(obj: Any, old: Any) -> list[FieldError]:
    obj, old = d(obj), d(old)
    errs = m.validate_object_meta_update(obj.get("metadata"), old.get("metadata"))
    errs += _daemon_set_spec(obj.get("spec"), "spec")
    return errs + _selector_immutable(obj, old)
