"""Names, ObjectMeta, labels, annotations, owner references and label selectors.

Notes
-----
Mirrors apimachinery ``pkg/util/validation`` (IsDNS1123Subdomain, IsDNS1123Label,
IsDNS1035Label, IsValidPortName, IsConfigMapKey ...), ``pkg/api/validation``
(ValidateObjectMeta, NameIsDNSSubdomain, maskTrailingDash) and
``pkg/apis/meta/v1/validation`` (ValidateLabels, ValidateLabelSelector), with their
exact detail sentences. Label keys and values are checked by :mod:`k8slearn.api.labels`.
Used in: 01_api_server_and_etcd.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from k8slearn.api import labels as _labels
from k8slearn.api.errors import FieldError, forbidden, invalid, required, too_long
from k8slearn.api.validation._field import IMMUTABLE, NEGATIVE, child, d, index, is_int, key, lst, s

__all__ = [
    "is_dns1123_label",
    "is_dns1123_subdomain",
    "is_dns1035_label",
    "is_valid_port_name",
    "is_config_map_key",
    "is_valid_percent",
    "is_env_var_name",
    "is_qualified_name",
    "name_is_dns_subdomain",
    "name_is_dns_label",
    "name_is_dns1035_label",
    "validate_object_meta",
    "validate_object_meta_update",
    "validate_labels",
    "validate_annotations",
    "validate_label_name",
    "validate_label_selector",
    "validate_immutable",
    "validate_nonnegative",
    "regex_error",
    "inclusive_range_error",
    "TOTAL_ANNOTATION_SIZE_LIMIT",
]

DNS1123_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
DNS1123_SUBDOMAIN_FMT = DNS1123_LABEL_FMT + "(\\." + DNS1123_LABEL_FMT + ")*"
DNS1035_LABEL_FMT = "[a-z]([-a-z0-9]*[a-z0-9])?"
CONFIG_MAP_KEY_FMT = "[-._a-zA-Z0-9]+"
PERCENT_FMT = "[0-9]+%"
ENV_VAR_NAME_FMT = "[-._a-zA-Z][-._a-zA-Z0-9]*"

_DNS1123_LABEL_MSG = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
    "and must start and end with an alphanumeric character"
)
_DNS1123_SUBDOMAIN_MSG = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
    "and must start and end with an alphanumeric character"
)
_DNS1035_LABEL_MSG = (
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', "
    "start with an alphabetic character, and end with an alphanumeric character"
)
_CONFIG_MAP_KEY_MSG = "a valid config key must consist of alphanumeric characters, '-', '_' or '.'"
_PERCENT_MSG = "a valid percent string must be a numeric string followed by an ending '%'"
_ENV_VAR_NAME_MSG = (
    "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', "
    "and must not start with a digit"
)

_DNS1123_LABEL_RE = re.compile("^" + DNS1123_LABEL_FMT + "$")
_DNS1123_SUBDOMAIN_RE = re.compile("^" + DNS1123_SUBDOMAIN_FMT + "$")
_DNS1035_LABEL_RE = re.compile("^" + DNS1035_LABEL_FMT + "$")
_CONFIG_MAP_KEY_RE = re.compile("^" + CONFIG_MAP_KEY_FMT + "$")
_PERCENT_RE = re.compile("^" + PERCENT_FMT + "$")
_ENV_VAR_NAME_RE = re.compile("^" + ENV_VAR_NAME_FMT + "$")
_PORT_NAME_CHARSET_RE = re.compile("^[-a-z0-9]+$")
_PORT_NAME_LETTER_RE = re.compile("[a-z]")

#: ``TotalAnnotationSizeLimitB``: 256 KiB for all annotation keys and values together.
TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024


def _match(regex: re.Pattern, value: str) -> bool:
    # Go's regexp "$" does not accept a trailing newline the way Python's does.
    return regex.fullmatch(value) is not None and regex.match(value) is not None


def regex_error(msg: str, fmt: str, *examples: str) -> str:
    """``RegexError``: the detail sentence with examples and the regex."""
    if not examples:
        return f"{msg} (regex used for validation is '{fmt}')"
    ex = " or ".join(f"'{e}'" for e in examples)
    return f"{msg} (e.g. {ex}, regex used for validation is '{fmt}')"


def max_len_error(n: int) -> str:
    return f"must be no more than {n} characters"


def inclusive_range_error(lo: int, hi: int) -> str:
    return f"must be between {lo} and {hi}, inclusive"


def is_dns1123_label(value: str) -> list[str]:
    errs = []
    if len(value) > 63:
        errs.append(max_len_error(63))
    if not _match(_DNS1123_LABEL_RE, value):
        if _match(_DNS1123_SUBDOMAIN_RE, value):
            errs.append("must not contain dots")
        else:
            errs.append(regex_error(_DNS1123_LABEL_MSG, DNS1123_LABEL_FMT, "my-name", "123-abc"))
    return errs


def is_dns1123_subdomain(value: str) -> list[str]:
    errs = []
    if len(value) > 253:
        errs.append(max_len_error(253))
    if not _match(_DNS1123_SUBDOMAIN_RE, value):
        errs.append(regex_error(_DNS1123_SUBDOMAIN_MSG, DNS1123_SUBDOMAIN_FMT, "example.com"))
    return errs


def is_dns1035_label(value: str) -> list[str]:
    errs = []
    if len(value) > 63:
        errs.append(max_len_error(63))
    if not _match(_DNS1035_LABEL_RE, value):
        errs.append(regex_error(_DNS1035_LABEL_MSG, DNS1035_LABEL_FMT, "my-name", "abc-123"))
    return errs


def is_valid_port_name(port: str) -> list[str]:
    """``IsValidPortName`` (IANA_SVC_NAME): at most 15 of ``[-a-z0-9]``, one letter at least."""
    errs = []
    if len(port) > 15:
        errs.append(max_len_error(15))
    if not _match(_PORT_NAME_CHARSET_RE, port):
        errs.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
    if not _PORT_NAME_LETTER_RE.search(port):
        errs.append("must contain at least one letter (a-z)")
    if "--" in port:
        errs.append("must not contain consecutive hyphens")
    if port and (port[0] == "-" or port[-1] == "-"):
        errs.append("must not begin or end with a hyphen")
    return errs


def is_valid_port_num(port: int) -> list[str]:
    return [] if 1 <= port <= 65535 else [inclusive_range_error(1, 65535)]


def _chdir_prefix(value: str) -> list[str]:
    if value == ".":
        return ["must not be '.'"]
    if value == "..":
        return ["must not be '..'"]
    if value.startswith(".."):
        return ["must not start with '..'"]
    return []


def is_config_map_key(value: str) -> list[str]:
    errs = []
    if len(value) > 253:
        errs.append(max_len_error(253))
    if not _match(_CONFIG_MAP_KEY_RE, value):
        errs.append(regex_error(_CONFIG_MAP_KEY_MSG, CONFIG_MAP_KEY_FMT, "key.name", "KEY_NAME", "key-name"))
    return errs + _chdir_prefix(value)


def is_valid_percent(value: str) -> list[str]:
    if not _match(_PERCENT_RE, value):
        return [regex_error(_PERCENT_MSG, PERCENT_FMT, "1%", "93%")]
    return []


def is_env_var_name(value: str) -> list[str]:
    errs = []
    if not _match(_ENV_VAR_NAME_RE, value):
        errs.append(regex_error(_ENV_VAR_NAME_MSG, ENV_VAR_NAME_FMT, "my.env-name", "MY_ENV.NAME", "MyEnvName1"))
    return errs + _chdir_prefix(value)


def is_qualified_name(value: str) -> list[str]:
    """``IsQualifiedName``: a label key (optional DNS prefix, ``/``, name part)."""
    return list(_labels.validate_label_key(value))


def is_valid_label_value(value: str) -> list[str]:
    return list(_labels.validate_label_value(value))


def _mask_trailing_dash(name: str) -> str:
    # Upstream drops two characters here (name[:len-2] + "a"); kept as upstream does it.
    if len(name) > 1 and name.endswith("-"):
        return name[:-2] + "a"
    return name


def name_is_dns_subdomain(name: str, prefix: bool) -> list[str]:
    return is_dns1123_subdomain(_mask_trailing_dash(name) if prefix else name)


def name_is_dns_label(name: str, prefix: bool) -> list[str]:
    return is_dns1123_label(_mask_trailing_dash(name) if prefix else name)


def name_is_dns1035_label(name: str, prefix: bool) -> list[str]:
    return is_dns1035_label(_mask_trailing_dash(name) if prefix else name)


NameFunc = Callable[[str, bool], list[str]]


def validate_nonnegative(value: Any, path: str) -> list[FieldError]:
    if is_int(value) and value < 0:
        return [invalid(path, value, NEGATIVE)]
    return []


def validate_immutable(new: Any, old: Any, path: str) -> list[FieldError]:
    """``ValidateImmutableField``: ``<path>: Invalid value: <new>: field is immutable``."""
    if new != old:
        return [invalid(path, new, IMMUTABLE)]
    return []


def validate_label_name(name: Any, path: str) -> list[FieldError]:
    name = s(name)
    return [invalid(path, name, msg) for msg in is_qualified_name(name)]


def validate_labels(labels: Any, path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    for k, v in d(labels).items():
        errs += validate_label_name(str(k), path)
        v = s(v)
        errs += [invalid(path, v, msg) for msg in is_valid_label_value(v)]
    return errs


def validate_annotations(annotations: Any, path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    total = 0
    for k, v in d(annotations).items():
        k = str(k)
        errs += [invalid(path, k, msg) for msg in is_qualified_name(k.lower())]
        total += len(k) + len(s(v))
    if total > TOTAL_ANNOTATION_SIZE_LIMIT:
        errs.append(too_long(path, "", TOTAL_ANNOTATION_SIZE_LIMIT))
    return errs


def validate_label_selector(sel: Any, path: str) -> list[FieldError]:
    """``ValidateLabelSelector`` (strict values, known operators only)."""
    if not isinstance(sel, dict):
        return []
    errs = validate_labels(sel.get("matchLabels"), child(path, "matchLabels"))
    for n, expr in enumerate(lst(sel.get("matchExpressions"))):
        p = index(child(path, "matchExpressions"), n)
        expr = d(expr)
        op = s(expr.get("operator"))
        values = lst(expr.get("values"))
        if op in ("In", "NotIn"):
            if not values:
                errs.append(required(child(p, "values"), "must be specified when `operator` is 'In' or 'NotIn'"))
        elif op in ("Exists", "DoesNotExist"):
            if values:
                errs.append(
                    forbidden(child(p, "values"), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'")
                )
        else:
            errs.append(invalid(child(p, "operator"), op, "not a valid selector operator"))
        errs += validate_label_name(expr.get("key"), child(p, "key"))
        for vi, v in enumerate(values):
            v = s(v)
            errs += [invalid(index(child(p, "values"), vi), v, msg) for msg in is_valid_label_value(v)]
    return errs


def _validate_owner_references(refs: Any, path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    first_controller = ""
    for ref in lst(refs):
        ref = d(ref)
        api_version = s(ref.get("apiVersion"))
        kind = s(ref.get("kind"))
        version = api_version.rsplit("/", 1)[-1] if api_version else ""
        group = api_version.rsplit("/", 1)[0] if "/" in api_version else ""
        if not version:
            errs.append(invalid(child(path, "apiVersion"), api_version, "version must not be empty"))
        if not kind:
            errs.append(invalid(child(path, "kind"), kind, "must not be empty"))
        if not s(ref.get("name")):
            errs.append(invalid(child(path, "name"), s(ref.get("name")), "must not be empty"))
        if not s(ref.get("uid")):
            errs.append(invalid(child(path, "uid"), s(ref.get("uid")), "must not be empty"))
        if group == "" and version == "v1" and kind == "Event":
            errs.append(invalid(path, ref, "/v1, Kind=Event is disallowed from being an owner"))
        if ref.get("controller") is True:
            current = f"{kind}/{s(ref.get('name'))}"
            if first_controller:
                errs.append(
                    invalid(
                        path,
                        refs,
                        "Only one reference can have Controller set to true. "
                        f'Found "true" in references for {first_controller} and {current}',
                    )
                )
            else:
                first_controller = current
    return errs


_STANDARD_FINALIZERS = ("kubernetes", "orphan", "foregroundDeletion")


def _validate_finalizers(finalizers: Any, path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    items = [s(f) for f in lst(finalizers)]
    for f in items:
        errs += [invalid(path, f, msg) for msg in is_qualified_name(f)]
    if "orphan" in items and "foregroundDeletion" in items:
        errs.append(invalid(path, items, "finalizer orphan and foregroundDeletion cannot be both set"))
    for n, f in enumerate(items):
        if "/" not in f and f not in _STANDARD_FINALIZERS:
            errs.append(
                invalid(index(path, n), f, "name is neither a standard finalizer name nor is it fully qualified")
            )
    return errs


def _common(meta: dict, namespaced: bool, path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    ns = s(meta.get("namespace"))
    if namespaced:
        if not ns:
            errs.append(required(child(path, "namespace")))
        else:
            errs += [invalid(child(path, "namespace"), ns, msg) for msg in name_is_dns_label(ns, False)]
    elif ns:
        errs.append(forbidden(child(path, "namespace"), "not allowed on this type"))
    errs += validate_nonnegative(meta.get("generation"), child(path, "generation"))
    errs += validate_labels(meta.get("labels"), child(path, "labels"))
    errs += validate_annotations(meta.get("annotations"), child(path, "annotations"))
    errs += _validate_owner_references(meta.get("ownerReferences"), child(path, "ownerReferences"))
    errs += _validate_finalizers(meta.get("finalizers"), child(path, "finalizers"))
    return errs


def validate_object_meta(meta: Any, namespaced: bool, name_fn: NameFunc, path: str = "metadata") -> list[FieldError]:
    """``ValidateObjectMeta``: generateName, name, namespace, labels, annotations, owners."""
    meta = d(meta)
    errs: list[FieldError] = []
    generate_name = s(meta.get("generateName"))
    if generate_name:
        errs += [invalid(child(path, "generateName"), generate_name, msg) for msg in name_fn(generate_name, True)]
    name = s(meta.get("name"))
    if not name:
        errs.append(required(child(path, "name"), "name or generateName is required"))
    else:
        errs += [invalid(child(path, "name"), name, msg) for msg in name_fn(name, False)]
    return errs + _common(meta, namespaced, path)


def validate_object_meta_update(new: Any, old: Any, path: str = "metadata") -> list[FieldError]:
    """``ValidateObjectMetaUpdate``: name, namespace, uid and creationTimestamp are immutable."""
    new, old = d(new), d(old)
    errs: list[FieldError] = []
    if old.get("deletionTimestamp"):
        extra = sorted(set(s(f) for f in lst(new.get("finalizers"))) - set(s(f) for f in lst(old.get("finalizers"))))
        if extra:
            quoted = ", ".join(f'"{e}"' for e in extra)
            errs.append(
                forbidden(
                    child(path, "finalizers"),
                    f"no new finalizers can be added if the object is being deleted, found new finalizers []string{{{quoted}}}",
                )
            )
    if is_int(new.get("generation")) and is_int(old.get("generation")) and new["generation"] < old["generation"]:
        errs.append(invalid(child(path, "generation"), new["generation"], "must not be decremented"))
    for f in ("name", "namespace", "uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds"):
        nv, ov = new.get(f), old.get(f)
        if f in ("name", "namespace", "uid", "creationTimestamp"):
            nv, ov = s(nv), s(ov)
        errs += validate_immutable(nv, ov, child(path, f))
    errs += validate_labels(new.get("labels"), child(path, "labels"))
    errs += validate_annotations(new.get("annotations"), child(path, "annotations"))
    errs += _validate_owner_references(new.get("ownerReferences"), child(path, "ownerReferences"))
    for n, f in enumerate(lst(new.get("finalizers"))):
        f = s(f)
        if "/" not in f and f not in _STANDARD_FINALIZERS:
            errs.append(
                invalid(
                    index(child(path, "finalizers"), n),
                    f,
                    "name is neither a standard finalizer name nor is it fully qualified",
                )
            )
    return errs


def validate_template_meta(meta: Any, path: str) -> list[FieldError]:
    """Pod template metadata: labels and annotations only (``ValidatePodTemplateSpec``)."""
    meta = d(meta)
    return validate_labels(meta.get("labels"), child(path, "labels")) + validate_annotations(
        meta.get("annotations"), child(path, "annotations")
    )


def key_path(path: str, k: Any) -> str:
    return key(path, k)
