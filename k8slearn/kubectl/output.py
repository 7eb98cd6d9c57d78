"""Printing objects: the human-readable tables, ``-o yaml|json|name|jsonpath|custom-columns``.

Notes
-----
Mirrors kubectl ``get`` printing: cli-runtime ``HumanReadablePrinter`` + table
decoration (NAMESPACE column, ``kind/name`` prefix, ``-L`` and ``--show-labels``
columns), the JSON printer (``json.MarshalIndent(obj, "", "    ")``: sorted keys, four
spaces, HTML-escaped ``<``, ``>``, ``&``), the YAML printer (JSON -> YAML, sorted keys,
strings that need quoting in double quotes), the name printer, and ``printGeneric``'s
``List`` wrapper for several objects.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

import yaml

from . import KubectlError
from .builder import Info
from .printers import format_labels, format_table
from .tables import table_for

__all__ = [
    "ALLOWED_FORMATS",
    "check_output_format",
    "print_tables",
    "to_json",
    "to_yaml",
    "as_list",
    "print_generic",
]

ALLOWED_FORMATS = (
    "custom-columns,custom-columns-file,go-template,go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-file,"
    "name,template,templatefile,wide,yaml"
)


def check_output_format(output: str | None) -> str:
    """Validate ``-o``; returns the format name (``""`` for the default table)."""
    if not output:
        return ""
    head = output.split("=", 1)[0]
    if output in ("wide", "yaml", "json", "name") or head in ("jsonpath", "jsonpath-as-json", "custom-columns"):
        return head
    if head in ("go-template", "go-template-file", "template", "templatefile", "jsonpath-file", "custom-columns-file"):
        raise KubectlError(f"-o {head} is not simulated by k8slearn (use -o jsonpath=... or -o custom-columns=...)")
    raise KubectlError(
        f'unable to match a printer suitable for the output format "{output}", allowed formats are: {ALLOWED_FORMATS}'
    )


def print_tables(
    infos: Sequence[Info],
    now: float,
    *,
    wide: bool = False,
    all_namespaces: bool = False,
    with_kind: bool = False,
    show_labels: bool = False,
    label_columns: Sequence[str] = (),
    no_headers: bool = False,
) -> str:
    """Tables for ``infos``, one per run of the same resource, separated by a blank line."""
    out: list[str] = []
    i = 0
    n = len(infos)
    while i < n:
        res = infos[i].res
        j = i
        while j < n and infos[j].res is res:
            j += 1
        spec = table_for(res.kind)
        with_ns = all_namespaces and res.namespaced
        headers = list(spec.headers(wide))
        for label in label_columns:
            headers.append(label.split("/")[-1].upper())
        if show_labels:
            headers.append("LABELS")
        if with_ns:
            headers.insert(0, "NAMESPACE")
        name_idx = spec.name_index(wide) if with_kind else None
        prefix = res.kubectl_kind + "/"
        row_fn = spec.row
        rows: list[list[str]] = [] if no_headers else [headers]
        for k in range(i, j):
            obj = infos[k].obj
            row = row_fn(obj, now, wide)
            if name_idx is not None:
                row[name_idx] = prefix + row[name_idx]
            if label_columns or show_labels:
                labels = obj["metadata"].get("labels") or {}
                for label in label_columns:
                    row.append(labels.get(label, ""))
                if show_labels:
                    row.append(format_labels(labels))
            if with_ns:
                row.insert(0, obj["metadata"].get("namespace", ""))
            rows.append(row)
        table = format_table(rows)
        if out and table and not no_headers:
            out.append("\n")
        out.append(table)
        i = j
    return "".join(out)


def _go_json_escape(text: str) -> str:
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def to_json(obj: Any) -> str:
    """``json.MarshalIndent(obj, "", "    ")`` plus a newline, as kubectl ``-o json`` prints."""
    return _go_json_escape(json.dumps(obj, indent=4, sort_keys=True, ensure_ascii=False)) + "\n"


class _KubectlDumper(yaml.SafeDumper):
    """PyYAML emitting like go-yaml v2 (sigs.k8s.io/yaml): double quotes, literal blocks."""

    def choose_scalar_style(self) -> str:
        style = super().choose_scalar_style()
        return '"' if style == "'" else style


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    if "\n" in data:
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", data)


_KubectlDumper.add_representer(str, _represent_str)


def to_yaml(obj: Any) -> str:
    """YAML the way kubectl ``-o yaml`` prints it: keys sorted, block style, ``"quoted"`` strings.

    Notes
    -----
    Same settings as :func:`k8slearn.api.manifests.dump_yaml` (sorted keys, no
    line folding); the emitter prefers double quotes, as go-yaml does, so
    ``status: "True"`` and ``creationTimestamp: "2026-01-01T00:00:05Z"`` look the same
    as on a real cluster.
    """
    return yaml.dump(
        obj, Dumper=_KubectlDumper, default_flow_style=False, sort_keys=True, allow_unicode=True, width=10**9
    )


def as_list(objs: Iterable[dict]) -> dict:
    """The ``List`` kubectl wraps several objects in (``printGeneric``)."""
    return {"apiVersion": "v1", "items": list(objs), "kind": "List", "metadata": {"resourceVersion": ""}}


def print_generic(infos: Sequence[Info], fmt: str, output: str, single_item: bool) -> str:
    """``-o yaml|json|name|jsonpath=...|custom-columns=...`` for ``infos``."""
    if fmt == "name":
        return "".join(f"{i.res.kubectl_kind}/{i.name}\n" for i in infos)
    if single_item and len(infos) == 1:
        target: Any = infos[0].obj
    else:
        target = as_list(i.obj for i in infos)
    if fmt == "json":
        return to_json(target)
    if fmt == "yaml":
        return to_yaml(target)
    from .jsonpath import custom_columns, jsonpath_print

    template = output.split("=", 1)[1] if "=" in output else ""
    if fmt in ("jsonpath", "jsonpath-as-json"):
        return jsonpath_print(template, target, as_json=fmt == "jsonpath-as-json")
    return custom_columns(template, [i.obj for i in infos])
