"""Job validation.

Notes
-----
Mirrors ``pkg/apis/batch/validation/validation.go`` (ValidateJob, validateJobSpec,
ValidateGeneratedSelector, ValidateJobSpecUpdate) for the fields k8slearn uses.
Used in: 05_self_healing.
"""

from __future__ import annotations

from typing import Any

from k8slearn.api.errors import FieldError, invalid, not_supported, required
from k8slearn.api.validation import meta as m
from k8slearn.api.validation._field import IMMUTABLE, child, d, invalid_v, s
from k8slearn.api.validation.apps import selector_matches, selector_value
from k8slearn.api.validation.pod import validate_pod_template

__all__ = ["validate_job", "validate_job_update"]

_CONTROLLER_UID = "batch.kubernetes.io/controller-uid"
_LEGACY_CONTROLLER_UID = "controller-uid"


def _has_label(template_meta: dict, path: str, label: str, expected: str) -> list[FieldError]:
    labels = d(template_meta.get("labels"))
    lp = f"{child(path, 'labels')}[{label}]"
    if label not in labels:
        return [required(lp, f"must be '{expected}'")]
    if labels[label] != expected:
        return [invalid(lp, {str(k): v for k, v in labels.items()}, f"must be '{expected}'")]
    return []


def _generated_selector(job: dict) -> list[FieldError]:
    spec = d(job.get("spec"))
    if spec.get("manualSelector") is True or spec.get("selector") is None:
        return []
    md = d(job.get("metadata"))
    uid = s(md.get("uid"))
    if not uid:
        return [required("metadata.uid")]
    tmeta = d(d(spec.get("template")).get("metadata"))
    tpath = "spec.template.metadata"
    errs = _has_label(tmeta, tpath, _LEGACY_CONTROLLER_UID, uid)
    errs += _has_label(tmeta, tpath, _CONTROLLER_UID, uid)
    sel_labels = d(d(spec.get("selector")).get("matchLabels"))
    if sel_labels.get(_CONTROLLER_UID) != uid:
        if _CONTROLLER_UID not in sel_labels:
            errs.append(required(f"spec.selector.matchLabels[{_CONTROLLER_UID}]", f"must be '{uid}'"))
        else:
            errs.append(invalid(f"spec.selector.matchLabels[{_CONTROLLER_UID}]", sel_labels, f"must be '{uid}'"))
    return errs


def _job_spec(spec: Any, path: str) -> list[FieldError]:
    spec = d(spec)
    errs: list[FieldError] = []
    for f in ("parallelism", "completions", "activeDeadlineSeconds", "backoffLimit", "ttlSecondsAfterFinished"):
        errs += m.validate_nonnegative(spec.get(f), child(path, f))
    mode = spec.get("completionMode")
    if mode is not None:
        if s(mode) not in ("NonIndexed", "Indexed"):
            errs.append(not_supported(child(path, "completionMode"), s(mode), ["NonIndexed", "Indexed"]))
        if s(mode) == "Indexed" and spec.get("completions") is None:
            errs.append(required(child(path, "completions"), "when completion mode is Indexed"))
    sel = spec.get("selector")
    if sel is None:
        errs.append(required(child(path, "selector")))
    else:
        errs += m.validate_label_selector(sel, child(path, "selector"))
    template = d(spec.get("template"))
    template_labels = d(template.get("metadata")).get("labels")
    if sel is not None:
        ok, matches = selector_matches(sel, template_labels)
        if ok and not matches:
            errs.append(
                invalid(
                    child(path, "template", "metadata", "labels"),
                    None if template_labels is None else {str(k): v for k, v in d(template_labels).items()},
                    "`selector` does not match template `labels`",
                )
            )
    tp = child(path, "template")
    errs += validate_pod_template(template, tp)
    rp = s(d(template.get("spec")).get("restartPolicy"))
    if rp not in ("OnFailure", "Never"):
        errs.append(not_supported(child(tp, "spec", "restartPolicy"), rp, ["OnFailure", "Never"]))
    return errs


def validate_job(job: Any) -> list[FieldError]:
    """``ValidateJob``: metadata, the generated selector, and the spec."""
    job = d(job)
    errs = m.validate_object_meta(job.get("metadata"), True, m.name_is_dns_subdomain)
    errs += _generated_selector(job)
    return errs + _job_spec(job.get("spec"), "spec")


def validate_job_update(job: Any, old: Any) -> list[FieldError]:
    """``ValidateJobUpdate``: selector, template and completions are immutable."""
    job, old = d(job), d(old)
    errs = m.validate_object_meta_update(job.get("metadata"), old.get("metadata"))
    errs += _generated_selector(job)
    errs += _job_spec(job.get("spec"), "spec")
    spec, ospec = d(job.get("spec")), d(old.get("spec"))
    if spec.get("selector") != ospec.get("selector"):
        errs.append(invalid_v("spec.selector", selector_value(spec.get("selector")), IMMUTABLE))
    if spec.get("template") != ospec.get("template") and spec.get("suspend") is not True:
        errs.append(invalid("spec.template", spec.get("template"), IMMUTABLE))
    if spec.get("completions") != ospec.get("completions") and s(spec.get("completionMode")) != "Indexed":
        errs.append(invalid("spec.completions", spec.get("completions"), IMMUTABLE))
    if spec.get("completionMode") != ospec.get("completionMode"):
        errs.append(invalid("spec.completionMode", spec.get("completionMode"), IMMUTABLE))
    return errs
