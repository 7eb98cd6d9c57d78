"""Events: what components report about objects (``kubectl describe`` shows them).

Notes
-----
Mirrors client-go's ``record.EventRecorder`` with the ``EventCorrelator``: a repeat
of the same event (same object, type, reason, message and source) is not a new
object but bumps ``count`` and ``lastTimestamp`` of the existing one, which kubectl
prints as ``10s (x3 over 20s)``. Event objects expire after ``--event-ttl`` (1 h).
Each occurrence is also kept in an append-only log for timelines
(:meth:`EventLog.frame`). Similar-but-different messages are not combined (upstream
merges more than 10 of them within 10 minutes).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from ..api.objects import meta
from ..clock import Priority

if TYPE_CHECKING:
    from .apiserver import APIServer

__all__ = ["EventRecorder", "EventLog", "EventRecord", "EVENT_TTL"]

EVENT_TTL = 3600.0


class EventRecord(NamedTuple):
    """One occurrence of an event."""

    time: float
    type: str
    reason: str
    kind: str
    namespace: str
    name: str
    message: str
    source: str
    host: str


class EventLog:
    """Every event occurrence in order; shared by all recorders of a cluster."""

    def __init__(self, api: APIServer) -> None:
        self.api = api
        self.records: list[EventRecord] = []
        self.enabled = True
        # aggregation key -> event name
        self._keys: dict[tuple, str] = {}
        # last UnixNano used in an event name per object: names stay unique without a search
        self._last_nanos: dict[tuple[str, str], int] = {}

    def record(self, obj: dict, type_: str, reason: str, message: str, component: str, host: str = "",
               field_path: str = "") -> None:  # fmt: skip
        if not self.enabled:
            return
        api = self.api
        now = api.clock.now
        m = meta(obj)
        kind = obj.get("kind", "")
        ns = m.get("namespace") or "default"
        name = m.get("name", "")
        self.records.append(
            EventRecord(now, type_, reason, kind, m.get("namespace") or "", name, message, component, host)
        )
        key = (component, host, kind, ns, name, m.get("uid", ""), field_path, type_, reason, message)
        ts = api.clock.timestamp()
        existing_name = self._keys.get(key)
        if existing_name is not None:
            current = api.get_or_none("Event", existing_name, ns)
            if current is not None:
                api.replace_fields(
                    "Event",
                    existing_name,
                    ns,
                    {"count": current.get("count", 1) + 1, "lastTimestamp": ts},
                    user=component,
                )
                return
        nanos = int(round(now * 1e9)) + _EPOCH_NANOS
        last = self._last_nanos.get((ns, name))
        if last is not None and nanos <= last:
            nanos = last + 1
        self._last_nanos[(ns, name)] = nanos
        ev_name = f"{name}.{nanos:x}"
        involved: dict[str, Any] = {"kind": kind, "namespace": m.get("namespace") or "", "name": name}
        if not involved["namespace"]:
            del involved["namespace"]
        if m.get("uid"):
            involved["uid"] = m["uid"]
        if obj.get("apiVersion"):
            involved["apiVersion"] = obj["apiVersion"]
        if m.get("resourceVersion"):
            involved["resourceVersion"] = m["resourceVersion"]
        if field_path:
            involved["fieldPath"] = field_path
        source = {"component": component}
        if host:
            source["host"] = host
        event = {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {"name": ev_name, "namespace": ns},
            "involvedObject": involved,
            "reason": reason,
            "message": message,
            "source": source,
            "firstTimestamp": ts,
            "lastTimestamp": ts,
            "count": 1,
            "type": type_,
            "eventTime": None,
            "reportingComponent": component,
            "reportingInstance": host,
        }
        api.create_event(event)
        self._keys[key] = ev_name
        api.clock.schedule(EVENT_TTL, lambda: self._expire(key, ns, ev_name), priority=Priority.PERIODIC,
                           label="event ttl")  # fmt: skip

    def _expire(self, key: tuple, ns: str, name: str) -> None:
        from ..clock import parse_timestamp

        api = self.api
        current = api.get_or_none("Event", name, ns)
        if current is None:
            return
        due = parse_timestamp(current["lastTimestamp"]) + EVENT_TTL
        if due > api.clock.now:
            api.clock.at(due, lambda: self._expire(key, ns, name), priority=Priority.PERIODIC, label="event ttl")
            return
        api.delete("Event", name, ns, user="kube-apiserver")
        if self._keys.get(key) == name:
            del self._keys[key]

    def frame(self) -> Any:
        """All occurrences as a pandas DataFrame (time, type, reason, object, message, source)."""
        import pandas as pd

        rows = [
            {
                "time": r.time,
                "type": r.type,
                "reason": r.reason,
                "object": f"{r.kind}/{r.name}",
                "namespace": r.namespace,
                "message": r.message,
                "source": r.source,
            }
            for r in self.records
        ]
        return pd.DataFrame(rows, columns=["time", "type", "reason", "object", "namespace", "message", "source"])


# nanoseconds of the virtual epoch since the Unix epoch (event names use UnixNano)
_EPOCH_NANOS = 1767225600 * 10**9


class EventRecorder:
    """What a component uses to report: ``recorder.event(pod, "Normal", "Scheduled", msg)``."""

    def __init__(self, log: EventLog, component: str, host: str = "") -> None:
        self.log = log
        self.component = component
        self.host = host

    def event(self, obj: dict, type_: str, reason: str, message: str, field_path: str = "") -> None:
        self.log.record(obj, type_, reason, message, self.component, self.host, field_path)

    def normal(self, obj: dict, reason: str, message: str, field_path: str = "") -> None:
        self.log.record(obj, "Normal", reason, message, self.component, self.host, field_path)

    def warning(self, obj: dict, reason: str, message: str, field_path: str = "") -> None:
        self.log.record(obj, "Warning", reason, message, self.component, self.host, field_path)
