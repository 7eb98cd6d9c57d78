"""``kubectl get``: list or fetch objects and print them as tables or documents.

Notes
-----
Mirrors kubectl ``pkg/cmd/get/get.go`` (``Run``: one table per resource type with a
blank line between, ``kind/name`` when several types are printed, ``No resources found
in <ns> namespace.`` on stderr when nothing matched; ``printGeneric`` for
``-o yaml|json|name|jsonpath``) and ``sorter.go`` for ``--sort-by``. Reading
``v1 Endpoints`` draws the API server's 1.33+ deprecation warning.
Used in: every lesson.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..api.quantity import parse_quantity
from . import KubectlError, KubectlOutput, Terminal
from .builder import Info, fetch, parse_resource_args
from .flags import GLOBAL_FLAGS, Flag, parse_flags
from .output import check_output_format, print_generic, print_tables

if TYPE_CHECKING:
    from ..cluster import Cluster

__all__ = ["run_get", "GET_FLAGS", "ENDPOINTS_WARNING", "sort_infos"]

ENDPOINTS_WARNING = "Warning: v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice"

GET_FLAGS = (
    Flag("output", "o"),
    Flag("selector", "l"),
    Flag("field-selector"),
    Flag("all-namespaces", "A", kind="bool", default=False),
    Flag("show-labels", kind="bool", default=False),
    Flag("label-columns", "L", kind="list"),
    Flag("sort-by"),
    Flag("no-headers", kind="bool", default=False),
    Flag("show-kind", kind="bool", default=False),
    Flag("ignore-not-found", kind="bool", default=False),
    Flag("watch", "w", kind="bool", default=False),
    Flag("watch-only", kind="bool", default=False),
    Flag("chunk-size", kind="int", default=500),
    Flag("filename", "f", kind="list"),
    Flag("recursive", "R", kind="bool", default=False),
    Flag("allow-missing-template-keys", kind="bool", default=True),
    Flag("show-managed-fields", kind="bool", default=False),
    Flag("subresource"),
    Flag("template"),
    *GLOBAL_FLAGS,
)

_NO_TYPE = (
    'You must specify the type of resource to get. Use "kubectl api-resources" for a complete list of supported '
    "resources.\n\n"
    "error: Required resource not specified.\n"
    'Use "kubectl explain <resource>" for a detailed description of that resource (e.g. kubectl explain pods).\n'
    "See 'kubectl get -h' for help and examples"
)


def _sort_key(values: list) -> tuple:
    if not values:
        return (0, 0, "")
    v = values[0]
    if isinstance(v, bool):
        return (1, int(v), "")
    if isinstance(v, (int, float)):
        return (1, v, "")
    if isinstance(v, str):
        try:
            return (1, parse_quantity(v).nanos, "")
        except (ValueError, TypeError):
            return (2, 0, v)
    return (3, 0, str(v))


def sort_infos(infos: list[Info], field: str) -> list[Info]:
    """Order objects by a JSONPath field as ``--sort-by`` does (missing values first).

    Notes
    -----
    Mirrors kubectl ``sorter.go``: numbers compare as numbers, strings that parse as
    quantities compare as quantities, other strings lexically (so RFC 3339 timestamps
    sort by time); the sort keeps the server order of equal items.
    """
    from .jsonpath import find_values, relaxed

    path = relaxed(field)
    values = [find_values(path, i.obj) for i in infos]
    if infos and not any(values):
        raise KubectlError(f'couldn\'t find any field with path "{{{path}}}" in the list of objects')
    order = sorted(range(len(infos)), key=lambda k: _sort_key(values[k]))
    return [infos[k] for k in order]


def run_get(cluster: Cluster, args: list[str]) -> str | KubectlOutput:
    """``kubectl get TYPE[,TYPE] [NAME...] [-o wide|yaml|json|name|jsonpath=...] [-l ...] [-A]``."""
    args, opts = parse_flags("get", args, GET_FLAGS)
    if opts["watch"] or opts["watch-only"]:
        raise KubectlError("get --watch is not simulated by k8slearn; use cluster.watch(kind) to follow changes")
    fmt = check_output_format(opts["output"])
    namespace = opts["namespace"] or "default"
    all_ns = opts["all-namespaces"]
    term = Terminal()
    if opts["filename"]:
        from .apply import read_manifests

        objs = read_manifests(opts["filename"])
        args = [f"{o.get('kind', '')}/{(o.get('metadata') or {}).get('name', '')}" for o in objs]
        if not args:
            raise KubectlError("no objects passed to get")
    if not args:
        raise KubectlError(_NO_TYPE, raw=True)
    request = parse_resource_args(args)
    single_item = len(request.names) == 1 and not request.tuples or len(request.tuples) == 1
    if any(r.kind == "Endpoints" for r in request.types) or any(r.kind == "Endpoints" for r, _ in request.tuples):
        term.err(ENDPOINTS_WARNING)
    infos, errors = fetch(
        cluster,
        request,
        namespace=namespace,
        all_namespaces=all_ns,
        selector=opts["selector"],
        field_selector=opts["field-selector"],
        allow_empty_selector=True,
    )
    if opts["ignore-not-found"]:
        errors = []
    if opts["sort-by"] and len(infos) > 1:
        infos = sort_infos(infos, opts["sort-by"])
    now = cluster.clock.now
    if fmt in ("", "wide"):
        kinds = {id(i.res) for i in infos}
        term.out(
            print_tables(
                infos,
                now,
                wide=fmt == "wide",
                all_namespaces=all_ns,
                with_kind=opts["show-kind"] or len(kinds) > 1,
                show_labels=opts["show-labels"],
                label_columns=opts["label-columns"],
                no_headers=opts["no-headers"],
            )
        )
        if not infos and not errors and not opts["ignore-not-found"]:
            namespaced = (
                not all_ns and all(r.namespaced for r in request.types) and all(r.namespaced for r, _ in request.tuples)
            )
            term.err(f"No resources found in {namespace} namespace." if namespaced else "No resources found")
    elif not (single_item and errors and not infos):
        text = _print_generic(infos, fmt, opts, single_item)
        term.out(text)
    for err in errors:
        term.error(err)
    return term.result(1 if errors else 0)


def _print_generic(infos: list[Info], fmt: str, opts: dict[str, Any], single_item: bool) -> str:
    if fmt == "custom-columns":
        from .jsonpath import custom_columns

        return custom_columns(opts["output"].split("=", 1)[1], [i.obj for i in infos], opts["no-headers"])
    return print_generic(infos, fmt, opts["output"], single_item)
