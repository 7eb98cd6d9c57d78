"""Virtual time: an ordered event queue of ``(time, priority, sequence, callback)``.

Notes
-----
The whole cluster runs on one clock. Nothing reads the wall clock; a component that
wants to act later schedules a callback. Events at the same instant run by a named
:class:`Priority` and then in the order they were scheduled, so "who runs first at
t=10" is a documented rule, not an accident. A callback that raises stops the clock
loudly: the exception propagates out of :meth:`Clock.run`.

Used in: every lesson (``cluster.run(seconds)``), 00_architecture (``step``).
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from enum import IntEnum
from functools import lru_cache

__all__ = ["Clock", "Priority", "Timer", "TraceEntry", "EPOCH", "format_timestamp", "parse_timestamp"]

#: Virtual second 0 as a wall-clock date, for timestamps in objects (creationTimestamp ...).
EPOCH = datetime(2026, 1, 1, tzinfo=timezone.utc)


class Priority(IntEnum):
    """Order of work scheduled for the same instant (lower runs first)."""

    API = 0  #: API requests and watch delivery
    CONTROLLER = 10  #: controller-manager and scheduler work queues
    NODE = 20  #: kubelet, container runtime, kube-proxy
    PERIODIC = 30  #: heartbeats, resyncs, samplers
    USER = 40  #: actions a lesson scheduled for later


@dataclass(frozen=True)
class TraceEntry:
    """One executed clock event: when, who, what."""

    time: float
    priority: int
    seq: int
    label: str


class Timer:
    """Handle of a scheduled callback; :meth:`cancel` stops it from running."""

    __slots__ = ("time", "priority", "seq", "callback", "label", "cancelled")

    def __init__(self, time: float, priority: int, seq: int, callback: Callable[[], object], label: str) -> None:
        self.time = time
        self.priority = priority
        self.seq = seq
        self.callback = callback
        self.label = label
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True

    def __lt__(self, other: Timer) -> bool:
        return (self.time, self.priority, self.seq) < (other.time, other.priority, other.seq)

    def __repr__(self) -> str:
        state = " cancelled" if self.cancelled else ""
        return f"<Timer t={self.time:g} {self.label!r}{state}>"


class Clock:
    """Deterministic discrete-event clock (a heap and three verbs: schedule, step, run).

    Examples
    --------
    >>> clock = Clock()
    >>> seen = []
    >>> _ = clock.schedule(5, lambda: seen.append(clock.now), label="tick")
    >>> clock.run(10)
    >>> seen, clock.now
    ([5.0], 10.0)
    """

    def __init__(self) -> None:
        self.now: float = 0.0
        self._heap: list[Timer] = []
        self._seq = 0
        self.hooks: list[Callable[[TraceEntry], None]] = []
        self.steps = 0

    # -- scheduling ------------------------------------------------------------------
    def schedule(
        self,
        delay: float,
        callback: Callable[[], object],
        *,
        priority: int = Priority.CONTROLLER,
        label: str = "",
    ) -> Timer:
        """Run ``callback`` after ``delay`` virtual seconds."""
        if delay < 0:
            raise ValueError(f"delay must be >= 0, got {delay}")
        return self.at(self.now + delay, callback, priority=priority, label=label)

    def at(
        self, time: float, callback: Callable[[], object], *, priority: int = Priority.CONTROLLER, label: str = ""
    ) -> Timer:
        """Run ``callback`` at virtual time ``time`` (not earlier than now)."""
        time = round(max(time, self.now), 6)
        self._seq += 1
        timer = Timer(time, int(priority), self._seq, callback, label)
        heapq.heappush(self._heap, timer)
        return timer

    # -- running -----------------------------------------------------------------------
    def peek(self) -> float | None:
        """Time of the next pending event, or None when nothing is scheduled."""
        heap = self._heap
        while heap and heap[0].cancelled:
            heapq.heappop(heap)
        return heap[0].time if heap else None

    def step(self) -> TraceEntry | None:
        """Run the next event (advancing time to it); None when the queue is empty."""
        heap = self._heap
        while heap:
            timer = heapq.heappop(heap)
            if timer.cancelled:
                continue
            self.now = timer.time
            self.steps += 1
            timer.cancelled = True  # a timer runs once
            timer.callback()
            entry = TraceEntry(timer.time, timer.priority, timer.seq, timer.label)
            for hook in self.hooks:
                hook(entry)
            return entry
        return None

    def run(self, seconds: float) -> None:
        """Advance ``seconds`` of virtual time, running every event due on the way."""
        if seconds < 0:
            raise ValueError(f"seconds must be >= 0, got {seconds}")
        self.run_to(self.now + seconds)

    def run_to(self, time: float) -> None:
        """Advance to virtual time ``time`` (absolute)."""
        time = round(time, 6)
        heap = self._heap
        while heap:
            timer = heap[0]
            if timer.cancelled:
                heapq.heappop(heap)
                continue
            if timer.time > time:
                break
            self.step()
        if time > self.now:
            self.now = time

    def run_until(self, predicate: Callable[[], bool], timeout: float) -> bool:
        """Advance until ``predicate()`` holds (checked whenever time moves); False on timeout."""
        deadline = round(self.now + timeout, 6)
        if predicate():
            return True
        heap = self._heap
        while True:
            nxt = self.peek()
            if nxt is None or nxt > deadline:
                self.now = max(self.now, deadline)
                return predicate()
            # run every event of this instant, then look
            while heap and (heap[0].cancelled or heap[0].time == nxt):
                if heap[0].cancelled:
                    heapq.heappop(heap)
                    continue
                self.step()
            if predicate():
                return True

    @property
    def pending(self) -> int:
        """Number of scheduled (not cancelled) events."""
        return sum(1 for t in self._heap if not t.cancelled)

    def upcoming(self, n: int = 10) -> list[Timer]:
        """The next ``n`` events in the order they will run (for lessons that peek ahead)."""
        return heapq.nsmallest(n, (t for t in self._heap if not t.cancelled))

    # -- wall-clock rendering of virtual time --------------------------------------------
    def timestamp(self, t: float | None = None) -> str:
        """RFC 3339 timestamp (second precision) of virtual time ``t`` (default now)."""
        return format_timestamp(self.now if t is None else t)

    def micro_timestamp(self, t: float | None = None) -> str:
        """RFC 3339 timestamp with microseconds (``metav1.MicroTime``)."""
        t = self.now if t is None else t
        return (EPOCH + timedelta(seconds=t)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def format_timestamp(t: float) -> str:
    """Virtual seconds -> ``2026-01-01T00:00:05Z`` (truncated to the second, as metav1.Time)."""
    return (EPOCH + timedelta(seconds=int(t // 1))).strftime("%Y-%m-%dT%H:%M:%SZ")


@lru_cache(maxsize=65536)
def parse_timestamp(ts: str) -> float:
    """``2026-01-01T00:00:05Z`` (or with fraction) -> virtual seconds since :data:`EPOCH`."""
    if ts.endswith("Z"):
        ts = ts[:-1] + "+00:00"
    return (datetime.fromisoformat(ts) - EPOCH).total_seconds()
