"""``kubectl top nodes|pods``: CPU and memory usage from the metrics pipeline.

Notes
-----
Mirrors kubectl ``pkg/cmd/top`` and ``pkg/metricsutil/metrics_printer.go`` (1.32+
headers ``CPU(%)``/``MEMORY(%)``): CPU in millicores ``%vm``, memory ``%vMi``
(bytes / 2^20, truncated), percentages of the node's allocatable; every cell ends with
a tab, so every line ends in spaces; ``error: metrics not available yet`` while there
is no sample. Samples come from ``k8slearn.node.cadvisor.pod_metrics(cluster)`` and
``node_metrics(cluster)`` (metrics.k8s.io ``PodMetrics``/``NodeMetrics`` shapes).
Used in: 09_autoscaling.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..api.errors import ApiError
from ..api.quantity import Quantity, parse_quantity
from . import KubectlError, KubectlOutput, Terminal, usage_error
from .flags import GLOBAL_FLAGS, Flag, parse_flags
from .printers import format_table

if TYPE_CHECKING:
    from ..cluster import Cluster

__all__ = ["run_top", "NODE_COLUMNS", "POD_COLUMNS"]

NODE_COLUMNS = ("NAME", "CPU(cores)", "CPU(%)", "MEMORY(bytes)", "MEMORY(%)")
POD_COLUMNS = ("NAME", "CPU(cores)", "MEMORY(bytes)")
_NOT_YET = "metrics not available yet"

_TOP_HELP = """\
Display resource (CPU/memory) usage.

 The top command allows you to see the resource consumption for nodes or pods.

 This command requires Metrics Server to be correctly configured and working on the server.

Available Commands:
  node          Display resource (CPU/memory) usage of nodes
  pod           Display resource (CPU/memory) usage of pods

Usage:
  kubectl top [flags] [options]

Use "kubectl top <command> --help" for more information about a given command.
Use "kubectl options" for a list of global command-line options (applies to all commands).
"""

TOP_FLAGS = (
    Flag("selector", "l"),
    Flag("field-selector"),
    Flag("all-namespaces", "A", kind="bool", default=False),
    Flag("containers", kind="bool", default=False),
    Flag("sort-by"),
    Flag("no-headers", kind="bool", default=False),
    Flag("sum", kind="bool", default=False),
    Flag("show-capacity", kind="bool", default=False),
    Flag("use-protocol-buffers", kind="bool", default=True),
    Flag("show-swap", kind="bool", default=False),
    *GLOBAL_FLAGS,
)

_Z = Quantity()


def _metrics(kind: str, cluster: Cluster) -> list[Mapping]:
    try:
        from ..node import cadvisor
    except ImportError:
        return []
    fn = getattr(cadvisor, f"{kind}_metrics", None)
    if fn is None:
        return []
    return list(fn(cluster) or [])


def _q(value: Any) -> Quantity:
    if value is None:
        return _Z
    return parse_quantity(value)


def _cpu(q: Quantity) -> str:
    return f"{q.milli_value()}m"


def _mem(q: Quantity) -> str:
    return f"{q.value() // (1024 * 1024)}Mi"


def _pct(usage: Quantity, available: Quantity) -> str:
    if available.is_zero():
        return "0%"
    return f"{int(usage.milli_value() / available.milli_value() * 100)}%"


def run_top(cluster: Cluster, args: list[str]) -> str | KubectlOutput:
    """``kubectl top nodes [NAME]`` / ``kubectl top pods [NAME] [-A] [--containers]``."""
    if not args or args[0].startswith("-"):
        return KubectlOutput(_TOP_HELP, "", 0)
    sub, rest = args[0], args[1:]
    if sub in ("node", "nodes", "no"):
        return _top_nodes(cluster, rest)
    if sub in ("pod", "pods", "po"):
        return _top_pods(cluster, rest)
    raise usage_error("top", f'unknown command "{sub}"')


def _sort_key(sort_by: str | None, usage: dict[str, Quantity], name: tuple) -> tuple:
    if sort_by == "cpu":
        return (-usage.get("cpu", _Z).milli_value(), name)
    if sort_by == "memory":
        return (-usage.get("memory", _Z).value(), name)
    return (0, name)


def _check_sort(sort_by: str | None) -> None:
    if sort_by not in (None, "", "cpu", "memory"):
        raise KubectlError("--sort-by accepts only cpu or memory")


def _top_nodes(cluster: Cluster, args: list[str]) -> str | KubectlOutput:
    args, opts = parse_flags("top node", args, TOP_FLAGS)
    _check_sort(opts["sort-by"])
    if len(args) > 1:
        raise usage_error("top node", "only one NAME may be specified")
    metrics = _metrics("node", cluster)
    if args:
        metrics = [m for m in metrics if m["metadata"]["name"] == args[0]]
        if not metrics:
            raise ApiError.not_found("nodemetrics.metrics.k8s.io", args[0])
    if opts["selector"]:
        names = {n["metadata"]["name"] for n in cluster.api.list("Node", selector=opts["selector"])}
        metrics = [m for m in metrics if m["metadata"]["name"] in names]
    if not metrics:
        raise KubectlError(_NOT_YET)
    nodes = [cluster.api.get_or_none("Node", args[0])] if args else cluster.api.list("Node", selector=opts["selector"])
    available = {}
    for n in nodes:
        if n is None:
            continue
        status = n.get("status") or {}
        resources = status.get("capacity" if opts["show-capacity"] else "allocatable") or {}
        available[n["metadata"]["name"]] = {k: _q(v) for k, v in resources.items()}
    entries = []
    for m in metrics:
        usage = {k: _q(v) for k, v in (m.get("usage") or {}).items()}
        entries.append((m["metadata"]["name"], usage))
    entries.sort(key=lambda e: _sort_key(opts["sort-by"], e[1], (e[0],)))
    rows = [] if opts["no-headers"] else [list(NODE_COLUMNS)]
    seen = set()
    for name, usage in entries:
        seen.add(name)
        avail = available.get(name, {})
        row = [name]
        for res, fmt in (("cpu", _cpu), ("memory", _mem)):
            q = usage.get(res, _Z)
            row.append(fmt(q))
            if res in avail:
                row.append(_pct(q, avail[res]))
        rows.append(row)
    for name in sorted(set(available) - seen):
        rows.append([name, "<unknown>", "<unknown>", "<unknown>", "<unknown>"])
    return _table(rows)


def _table(rows: list[list[str]]) -> str:
    width = max(len(r) for r in rows)
    return format_table([r + [""] * (width - len(r)) for r in rows], pad_last=True) if rows else ""


def _top_pods(cluster: Cluster, args: list[str]) -> str | KubectlOutput:
    args, opts = parse_flags("top pod", args, TOP_FLAGS)
    _check_sort(opts["sort-by"])
    namespace = opts["namespace"] or "default"
    all_ns = opts["all-namespaces"]
    if len(args) > 1:
        raise usage_error("top pod", "only one NAME may be specified")
    metrics = _metrics("pod", cluster)
    if not all_ns:
        metrics = [m for m in metrics if m["metadata"].get("namespace") == namespace]
    if args:
        metrics = [m for m in metrics if m["metadata"]["name"] == args[0]]
    if opts["selector"]:
        keep = {
            (p["metadata"].get("namespace"), p["metadata"]["name"])
            for p in cluster.api.list("Pod", None if all_ns else namespace, selector=opts["selector"])
        }
        metrics = [m for m in metrics if (m["metadata"].get("namespace"), m["metadata"]["name"]) in keep]
    term = Terminal()
    if args and not metrics:
        # metrics-server answers a named request itself (metrics.k8s.io PodMetrics Get)
        raise ApiError.not_found("podmetrics.metrics.k8s.io", f"{namespace}/{args[0]}")
    if not metrics:
        pods = cluster.api.list("Pod", None if all_ns else namespace, selector=opts["selector"])
        if pods:
            raise KubectlError(_NOT_YET)
        term.err("No resources found" if all_ns else f"No resources found in {namespace} namespace.")
        return term.result(0)
    entries = []
    for m in metrics:
        total = {"cpu": _Z, "memory": _Z}
        containers = []
        for c in m.get("containers") or ():
            usage = {k: _q(v) for k, v in (c.get("usage") or {}).items()}
            containers.append((c.get("name", ""), usage))
            for k in total:
                total[k] = total[k] + usage.get(k, _Z)
        key_name = (m["metadata"].get("namespace", ""), m["metadata"]["name"]) if all_ns else (m["metadata"]["name"],)
        entries.append((m, total, containers, key_name))
    entries.sort(key=lambda e: _sort_key(opts["sort-by"], e[1], e[3]))
    header = (["NAMESPACE"] if all_ns else []) + (["POD"] if opts["containers"] else []) + list(POD_COLUMNS)
    rows = [] if opts["no-headers"] else [header]
    sums = {"cpu": _Z, "memory": _Z}
    for m, total, containers, _ in entries:
        prefix = [m["metadata"].get("namespace", "")] if all_ns else []
        if opts["containers"]:
            for cname, usage in sorted(containers, key=lambda c: _sort_key(opts["sort-by"], c[1], (c[0],))):
                rows.append(
                    prefix + [m["metadata"]["name"], cname, _cpu(usage.get("cpu", _Z)), _mem(usage.get("memory", _Z))]
                )
        else:
            rows.append(prefix + [m["metadata"]["name"], _cpu(total["cpu"]), _mem(total["memory"])])
        for k in sums:
            sums[k] = sums[k] + total[k]
    if opts["sum"]:
        pad = len(header) - 2
        rows.append([""] * pad + ["________", "________"])
        rows.append([""] * pad + [_cpu(sums["cpu"]), _mem(sums["memory"])])
    term.out(_table(rows))
    return term.result(0)
