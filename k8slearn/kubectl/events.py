"""``kubectl events``: the event stream of a namespace, oldest first.

Notes
-----
Mirrors kubectl ``pkg/cmd/events`` (``events.go``, ``event_printer.go``): sorted by
the time of the last occurrence, ``LAST SEEN`` as ``20m (x3 over 30m)`` for repeats,
``OBJECT`` as ``Kind/name`` (capitalised, unlike ``get events``), ``--for TYPE/NAME``,
``--types=Warning``, and ``No events found in <ns> namespace.`` on stderr.
Used in: 04_kubelet_and_runtime, 05_self_healing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from ..clock import parse_timestamp
from . import KubectlError, KubectlOutput, Terminal
from .builder import resolve_type
from .flags import GLOBAL_FLAGS, Flag, parse_flags
from .output import check_output_format, print_generic
from .printers import format_table, translate_timestamp_since

if TYPE_CHECKING:
    from ..cluster import Cluster

__all__ = ["run_events", "event_interval"]

EVENTS_FLAGS = (
    Flag("all-namespaces", "A", kind="bool", default=False),
    Flag("for"),
    Flag("types", kind="list"),
    Flag("no-headers", kind="bool", default=False),
    Flag("watch", "w", kind="bool", default=False),
    Flag("output", "o"),
    Flag("chunk-size", kind="int", default=500),
    *GLOBAL_FLAGS,
)


def event_interval(e: Mapping, now: float) -> str:
    """``LAST SEEN``: the age, or ``<last> (x<count> over <first>)`` (``getInterval``)."""
    if e.get("eventTime"):
        first = translate_timestamp_since(e["eventTime"], now)
    else:
        first = translate_timestamp_since(e.get("firstTimestamp"), now)
    series = e.get("series")
    if series:
        return f"{translate_timestamp_since(series.get('lastObservedTime'), now)} (x{series.get('count')} over {first})"
    if (e.get("count") or 0) > 1:
        return f"{translate_timestamp_since(e.get('lastTimestamp'), now)} (x{e['count']} over {first})"
    return first


def _event_time(e: Mapping) -> float:
    if e.get("series") and e["series"].get("lastObservedTime"):
        return parse_timestamp(e["series"]["lastObservedTime"])
    if e.get("lastTimestamp"):
        return parse_timestamp(e["lastTimestamp"])
    if e.get("eventTime"):
        return parse_timestamp(e["eventTime"])
    return float("-inf")


def run_events(cluster: Cluster, args: list[str]) -> str | KubectlOutput:
    """``kubectl events [--for TYPE/NAME] [--types=Normal,Warning] [-A]``."""
    args, opts = parse_flags("events", args, EVENTS_FLAGS)
    if args:
        raise KubectlError(f'unknown command {args[0]!r} for "kubectl events"')
    if opts["watch"]:
        raise KubectlError("events --watch is not simulated by k8slearn; run the clock and call events again")
    fmt = check_output_format(opts["output"])
    types = sorted(set(opts["types"]))
    for t in types:
        if t.lower() not in ("normal", "warning"):
            raise KubectlError("valid --types are Normal or Warning")
    namespace = opts["namespace"] or "default"
    all_ns = opts["all-namespaces"]
    for_kind = for_name = None
    if opts["for"]:
        if "/" not in opts["for"]:
            raise KubectlError("--for must be in resource/name form")
        parts = opts["for"].split("/")
        if len(parts) != 2:
            raise KubectlError("arguments in resource/name form may not have more than one slash")
        for_kind, for_name = resolve_type(parts[0]).kind, parts[1]
    events = []
    for e in cluster.api.list("Event", None if all_ns else namespace):
        if types and e.get("type", "").lower() not in {t.lower() for t in types}:
            continue
        inv = e.get("involvedObject") or {}
        if for_kind and (inv.get("kind") != for_kind or inv.get("name") != for_name):
            continue
        events.append(e)
    term = Terminal()
    if not events:
        term.err("No events found." if all_ns else f"No events found in {namespace} namespace.")
        return term.result(0)
    events.sort(key=_event_time)
    if fmt not in ("", "wide"):
        from .builder import Info

        res = resolve_type("events")
        term.out(print_generic([Info(res, e) for e in events], fmt, opts["output"], False))
        return term.result(0)
    now = cluster.clock.now
    rows = []
    if not opts["no-headers"]:
        rows.append((["NAMESPACE"] if all_ns else []) + ["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"])
    for e in events:
        inv = e.get("involvedObject") or {}
        row = [
            event_interval(e, now),
            e.get("type", ""),
            e.get("reason", ""),
            f"{inv.get('kind', '')}/{inv.get('name', '')}",
            (e.get("message") or "").strip(),
        ]
        if all_ns:
            row.insert(0, e["metadata"].get("namespace", ""))
        rows.append(row)
    term.out(format_table(rows))
    return term.result(0)
