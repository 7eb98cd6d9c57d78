"""Go-style duration text, as the kubelet writes it into events and status messages.

Notes
-----
Mirrors Go's ``time.Duration.String`` (``717ms``, ``1.146s``, ``1m20s``, ``5m0s``,
``1h0m0s``), which the kubelet uses in ``back-off 1m20s restarting failed container``
and ``Successfully pulled image "nginx" in 1.146s``.
"""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache

from ..clock import EPOCH

__all__ = ["go_duration", "busybox_date", "log_stamp", "timestamp"]


def go_duration(seconds: float) -> str:
    """``time.Duration(seconds).String()`` at millisecond precision (truncated, like ``Truncate(ms)``).

    Examples
    --------
    >>> [go_duration(s) for s in (0, 0.717, 1.146, 10, 80, 300, 3600)]
    ['0s', '717ms', '1.146s', '10s', '1m20s', '5m0s', '1h0m0s']
    """
    ms = int(round(seconds * 1_000_000)) // 1000  # truncate to whole milliseconds
    if ms == 0:
        return "0s"
    sign = "-" if ms < 0 else ""
    ms = abs(ms)
    if ms < 1000:
        return f"{sign}{ms}ms"
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, frac = divmod(rest, 1000)
    text = f"{secs}.{frac:03d}".rstrip("0").rstrip(".") + "s"
    if hours:
        return f"{sign}{hours}h{minutes}m{text}"
    if minutes:
        return f"{sign}{minutes}m{text}"
    return sign + text


@lru_cache(maxsize=4096)
def timestamp(second: int) -> str:
    """RFC 3339 of a whole virtual second (``metav1.Time``), memoized: status writes use it a lot."""
    return (EPOCH + timedelta(seconds=second)).strftime("%Y-%m-%dT%H:%M:%SZ")


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def busybox_date(t: float) -> str:
    """``date`` as busybox prints it: ``Thu Jan  1 00:00:07 UTC 2026``."""
    d = EPOCH + timedelta(seconds=int(t))
    return f"{_DAYS[d.weekday()]} {_MONTHS[d.month - 1]} {d.day:2d} {d:%H:%M:%S} UTC {d.year}"


def log_stamp(t: float, style: str) -> str:
    """A program's own log timestamp at virtual time ``t`` (nginx, redis, pg, mysql, httpd, go styles)."""
    d = EPOCH + timedelta(seconds=t)
    if style == "redis":
        return f"{d.day:02d} {_MONTHS[d.month - 1]} {d.year} {d:%H:%M:%S}.{d.microsecond // 1000:03d}"
    if style == "pg":
        return f"{d:%Y-%m-%d %H:%M:%S}.{d.microsecond // 1000:03d}"
    if style == "mysql":
        return f"{d:%Y-%m-%d %H:%M:%S}"
    if style == "httpd":
        return f"{_DAYS[d.weekday()]} {_MONTHS[d.month - 1]} {d.day:02d} {d:%H:%M:%S}.{d.microsecond:06d} {d.year}"
    return f"{d:%Y/%m/%d %H:%M:%S}"
