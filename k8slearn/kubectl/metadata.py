"""``kubectl label``, ``kubectl annotate`` and ``kubectl taint``.

Notes
-----
Mirrors kubectl ``pkg/cmd/label`` (``labeled``/``unlabeled``/``not labeled``/
``modified``, ``'app' already has a value (web), and --overwrite is false``),
``pkg/cmd/annotate`` (``--overwrite is false but found the following declared
annotation(s): ...``) and ``pkg/cmd/taint`` (``tainted``/``untainted``/``modified``,
``node n1 already has key1 taint(s) with same effect(s) and --overwrite is false``).
Changes are written as JSON merge patches through the API server.
Used in: 02_scheduling (taints, labels), 05_self_healing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..api.errors import ApiError
from ..api.labels import validate_label_key, validate_label_value
from . import KubectlError, KubectlOutput, Terminal
from .builder import Info, fetch, parse_resource_args
from .flags import GLOBAL_FLAGS, Flag, parse_flags

if TYPE_CHECKING:
    from ..cluster import Cluster

__all__ = ["run_label", "run_annotate", "run_taint", "parse_taint", "split_pairs"]


def split_pairs(args: list[str], what: str) -> tuple[list[str], list[str]]:
    """Resource words first, then ``key=value`` / ``key-`` pairs (``GetResourcesAndPairs``)."""
    resources: list[str] = []
    pairs: list[str] = []
    for arg in args:
        is_pair = "=" in arg or arg.endswith("-")
        if is_pair:
            pairs.append(arg)
        elif pairs:
            raise KubectlError(f"all resources must be specified before {what} changes: {arg}")
        else:
            resources.append(arg)
    return resources, pairs


_SELECT_FLAGS = (
    Flag("selector", "l"),
    Flag("field-selector"),
    Flag("all", kind="bool", default=False),
    Flag("all-namespaces", "A", kind="bool", default=False),
    Flag("overwrite", kind="bool", default=False),
    Flag("list", kind="bool", default=False),
    Flag("local", kind="bool", default=False),
    Flag("dry-run", default="none"),
    Flag("output", "o"),
    Flag("resource-version"),
    Flag("filename", "f", kind="list"),
    *GLOBAL_FLAGS,
)


def _targets(cluster: Cluster, command: str, resources: list[str], opts: dict[str, Any]) -> tuple[list[Info], list]:
    if opts["all"] and opts["selector"]:
        raise KubectlError("cannot set --all and --selector at the same time")
    if opts["filename"]:
        from .apply import read_manifests

        resources = [
            f"{o.get('kind')}/{(o.get('metadata') or {}).get('name')}" for o in read_manifests(opts["filename"])
        ]
    if not resources:
        raise KubectlError("one or more resources must be specified as <resource> <name> or <resource>/<name>")
    return fetch(
        cluster,
        parse_resource_args(resources),
        namespace=opts["namespace"] or "default",
        all_namespaces=opts["all-namespaces"],
        selector=opts["selector"],
        field_selector=opts["field-selector"],
        select_all=opts["all"],
    )


def _parse_label_pairs(pairs: list[str]) -> tuple[dict[str, str], list[str]]:
    labels: dict[str, str] = {}
    remove: list[str] = []
    for spec in pairs:
        if "=" in spec:
            parts = spec.split("=")
            if len(parts) != 2:
                raise KubectlError(f"invalid label spec: {spec}")
            errs = validate_label_value(parts[1])
            if errs:
                raise KubectlError(f'invalid label value: "{spec}": {";".join(errs)}')
            labels[parts[0]] = parts[1]
        elif spec.endswith("-"):
            remove.append(spec[:-1])
        else:
            raise KubectlError(f"unknown label spec: {spec}")
    for key in remove:
        if key in labels:
            raise KubectlError("can not both modify and remove a label in the same command")
    return labels, remove


def run_label(cluster: Cluster, args: list[str]) -> str | KubectlOutput:
    """``kubectl label TYPE NAME key=value [key-] [--overwrite]``."""
    args, opts = parse_flags("label", args, _SELECT_FLAGS)
    resources, pairs = split_pairs(args, "label")
    if not pairs and not opts["list"]:
        raise KubectlError("at least one label update is required")
    new, remove = _parse_label_pairs(pairs)
    infos, errors = _targets(cluster, "label", resources, opts)
    term = Terminal()
    for info in infos:
        current: Mapping[str, str] = info.obj["metadata"].get("labels") or {}
        if opts["list"]:
            term.out(f"Listing labels for {info.res.kind}.{info.res.group}/{info.name}:\n")
            for k, v in current.items():
                term.out(f" {k}={v}\n")
            continue
        for key in remove:
            if key not in current:
                term.out(f'label "{key}" not found.\n')
        if not opts["overwrite"]:
            conflicts = [
                KubectlError(f"'{k}' already has a value ({current[k]}), and --overwrite is false")
                for k, v in new.items()
                if k in current and current[k] != v
            ]
            if conflicts:
                errors.extend(conflicts)
                continue
        added = [k for k, v in new.items() if current.get(k) != v]
        removed = [k for k in remove if k in current]
        if added and removed:
            msg = "modified"
        elif added:
            msg = "labeled"
        elif removed:
            msg = "unlabeled"
        else:
            msg = "not labeled"
        if added or removed:
            patch = {k: new[k] for k in added}
            patch.update({k: None for k in removed})
            try:
                cluster.api.patch(info.res.kind, info.name, info.namespace or None, {"metadata": {"labels": patch}})
            except ApiError as err:
                errors.append(err)
                continue
        term.out(f"{info.res.kubectl_kind}/{info.name} {msg}\n")
    for err in errors:
        term.error(err)
    return term.result(1 if errors else 0)


def _parse_pairs(pairs: list[str], what: str) -> tuple[dict[str, str], list[str]]:
    new: dict[str, str] = {}
    remove: list[str] = []
    for spec in pairs:
        if "=" in spec:
            key, _, value = spec.partition("=")
            if not key:
                raise KubectlError(f"invalid {what} format: {spec}")
            new[key] = value
        elif spec.endswith("-"):
            remove.append(spec[:-1])
        else:
            raise KubectlError(f"invalid {what} format: {spec}")
    return new, remove


def run_annotate(cluster: Cluster, args: list[str]) -> str | KubectlOutput:
    """``kubectl annotate TYPE NAME key=value [key-] [--overwrite]``."""
    args, opts = parse_flags("annotate", args, _SELECT_FLAGS)
    resources, pairs = split_pairs(args, "annotation")
    if not resources and not opts["filename"]:
        raise KubectlError("one or more resources must be specified as <resource> <name> or <resource>/<name>")
    if not pairs and not opts["list"]:
        raise KubectlError("at least one annotation update is required")
    new, remove = _parse_pairs(pairs, "annotation")
    both = [k for k in remove if k in new]
    if both:
        raise KubectlError(
            f"can not both modify and remove the following annotation(s) in the same command: {', '.join(both)}"
        )
    infos, errors = _targets(cluster, "annotate", resources, opts)
    term = Terminal()
    for info in infos:
        current: Mapping[str, str] = info.obj["metadata"].get("annotations") or {}
        if opts["list"]:
            for k, v in current.items():
                term.out(f"{k}={v}\n")
            continue
        if not opts["overwrite"]:
            conflicts = [
                f"'{k}' already has a value ({current[k]})"
                for k, v in new.items()
                if k != "kubernetes.io/change-cause" and k in current and current[k] != v
            ]
            if conflicts:
                errors.append(
                    KubectlError(
                        "--overwrite is false but found the following declared annotation(s): " + "; ".join(conflicts)
                    )
                )
                continue
        patch: dict[str, Any] = dict(new)
        patch.update({k: None for k in remove if k in current})
        if patch:
            try:
                cluster.api.patch(
                    info.res.kind, info.name, info.namespace or None, {"metadata": {"annotations": patch}}
                )
            except ApiError as err:
                errors.append(err)
                continue
        term.out(f"{info.res.kubectl_kind}/{info.name} annotated\n")
    for err in errors:
        term.error(err)
    return term.result(1 if errors else 0)


# -- taint -------------------------------------------------------------------------------

_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")


def parse_taint(spec: str) -> dict[str, str]:
    """``key=value:Effect``, ``key:Effect`` or ``key`` -> a taint dict (``parseTaint``)."""
    parts = spec.split(":")
    value = ""
    effect = ""
    if len(parts) == 1:
        key = parts[0]
    elif len(parts) == 2:
        effect = parts[1]
        if effect not in _EFFECTS:
            raise KubectlError(f"invalid taint effect: {effect}, unsupported taint effect")
        kv = parts[0].split("=")
        if len(kv) > 2:
            raise KubectlError(f"invalid taint spec: {spec}")
        key = kv[0]
        if len(kv) == 2:
            value = kv[1]
            errs = validate_label_value(value)
            if errs:
                raise KubectlError(f"invalid taint spec: {spec}, {'; '.join(errs)}")
    else:
        raise KubectlError(f"invalid taint spec: {spec}")
    errs = validate_label_key(key)
    if errs:
        raise KubectlError(f"invalid taint spec: {spec}, {'; '.join(errs)}")
    taint = {"key": key}
    if value:
        taint["value"] = value
    if effect:
        taint["effect"] = effect
    return taint


def _taint_text(t: Mapping) -> str:
    text = t.get("key", "")
    if t.get("value"):
        text += "=" + t["value"]
    if t.get("effect"):
        text += ":" + t["effect"]
    return text


TAINT_FLAGS = (
    Flag("selector", "l"),
    Flag("all", kind="bool", default=False),
    Flag("overwrite", kind="bool", default=False),
    Flag("dry-run", default="none"),
    Flag("output", "o"),
    *GLOBAL_FLAGS,
)


def run_taint(cluster: Cluster, args: list[str]) -> str | KubectlOutput:
    """``kubectl taint nodes NAME key=value:Effect`` (add) or ``key[:Effect]-`` (remove)."""
    args, opts = parse_flags("taint", args, TAINT_FLAGS)
    resources: list[str] = []
    specs: list[str] = []
    for arg in args:
        if ":" in arg or "=" in arg or arg.endswith("-"):
            specs.append(arg)
        elif specs:
            raise KubectlError(f"all resources must be specified before taint changes: {arg}")
        else:
            resources.append(arg)
    if not resources:
        raise KubectlError("one or more resources must be specified as <resource> <name>")
    if not specs:
        raise KubectlError("at least one taint update is required")
    to_add: list[dict] = []
    to_remove: list[dict] = []
    seen: set[tuple[str, str]] = set()
    for spec in specs:
        if spec.endswith("-"):
            t = parse_taint(spec[:-1])
            to_remove.append({k: v for k, v in t.items() if k in ("key", "effect")})
            continue
        t = parse_taint(spec)
        if not t.get("effect"):
            raise KubectlError(f"invalid taint spec: {spec}")
        if (t["key"], t["effect"]) in seen:
            raise KubectlError(f"duplicated taints with the same key and effect: {_taint_struct(t)}")
        seen.add((t["key"], t["effect"]))
        to_add.append(t)
    conflicts = [
        _taint_text(r) for r in to_remove for a in to_add if a["key"] == r["key"] and a.get("effect") == r.get("effect")
    ]
    if conflicts:
        raise KubectlError(
            f"can not both modify and remove the following taint(s) in the same command: {', '.join(conflicts)}"
        )
    request = parse_resource_args(resources)
    for res in [*request.types, *(r for r, _ in request.tuples)]:
        if res.kind != "Node":
            raise KubectlError(f"invalid resource type {res.plural}, only node types are supported")
    if not request.names and not request.tuples and not opts["all"] and not opts["selector"]:
        raise KubectlError("at least one resource name must be specified since 'all' parameter is not set")
    infos, errors = fetch(cluster, request, namespace="", selector=opts["selector"], select_all=opts["all"])
    term = Terminal()
    for info in infos:
        node = info.obj
        old = list((node.get("spec") or {}).get("taints") or [])
        if not opts["overwrite"]:
            exists = [
                a["key"] for a in to_add for o in old if a["key"] == o.get("key") and a["effect"] == o.get("effect")
            ]
            if exists:
                errors.append(
                    KubectlError(
                        f"node {info.name} already has {','.join(exists)} taint(s) with same effect(s) and --overwrite is false"
                    )
                )
                continue
        new = [dict(t) for t in to_add]
        for o in old:
            if not any(o.get("key") == t["key"] and o.get("effect") == t.get("effect") for t in new):
                new.append(o)
        added = len(old) != len(new)
        removed = False
        missing = []
        for r in to_remove:
            before = len(new)
            if r.get("effect"):
                new = [t for t in new if not (t.get("key") == r["key"] and t.get("effect") == r["effect"])]
            else:
                new = [t for t in new if t.get("key") != r["key"]]
            removed = len(new) != before
            if not removed:
                missing.append(KubectlError(f'taint "{_taint_text(r)}" not found'))
        if missing:
            errors.extend(missing)
            continue
        if (added and removed) or opts["overwrite"]:
            operation = "modified"
        elif added:
            operation = "tainted"
        else:
            operation = "untainted"
        try:
            cluster.api.patch("Node", info.name, None, {"spec": {"taints": new or None}})
        except ApiError as err:
            errors.append(err)
            continue
        term.out(f"node/{info.name} {operation}\n")
    for err in errors:
        term.error(err)
    return term.result(1 if errors else 0)


def _taint_struct(t: Mapping) -> str:
    # Go's %v of a corev1.Taint value: {key value effect <nil>}
    return f"{{{t.get('key', '')} {t.get('value', '')} {t.get('effect', '')} <nil>}}"
