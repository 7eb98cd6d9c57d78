"""The virtual clock: ordering rules, run/run_until, no wall clock."""

from __future__ import annotations

import pytest

from k8slearn.clock import EPOCH, Clock, Priority, format_timestamp, parse_timestamp


def test_events_run_in_time_then_priority_then_insertion_order():
    clock = Clock()
    seen: list[str] = []
    clock.schedule(5, lambda: seen.append("t5 periodic"), priority=Priority.PERIODIC)
    clock.schedule(5, lambda: seen.append("t5 api"), priority=Priority.API)
    clock.schedule(5, lambda: seen.append("t5 controller a"), priority=Priority.CONTROLLER)
    clock.schedule(5, lambda: seen.append("t5 controller b"), priority=Priority.CONTROLLER)
    clock.schedule(1, lambda: seen.append("t1"))
    clock.run(10)
    assert seen == ["t1", "t5 api", "t5 controller a", "t5 controller b", "t5 periodic"]
    assert clock.now == 10


def test_run_stops_at_the_target_time_and_leaves_later_events():
    clock = Clock()
    seen: list[float] = []
    for t in (1, 2, 3):
        clock.schedule(t, lambda: seen.append(clock.now))
    clock.run(2)
    assert seen == [1.0, 2.0]
    assert clock.peek() == 3.0


def test_cancelled_timers_do_not_run():
    clock = Clock()
    seen: list[int] = []
    timer = clock.schedule(1, lambda: seen.append(1))
    timer.cancel()
    clock.run(5)
    assert seen == []


def test_run_until_checks_when_time_moves_and_reports_timeout():
    clock = Clock()
    box = {"n": 0}

    def tick() -> None:
        box["n"] += 1
        clock.schedule(1, tick)

    clock.schedule(1, tick)
    assert clock.run_until(lambda: box["n"] >= 3, timeout=10)
    assert clock.now == 3
    assert not clock.run_until(lambda: box["n"] >= 100, timeout=5)
    assert clock.now == 8


def test_a_failing_callback_stops_the_clock_loudly():
    clock = Clock()

    def boom() -> None:
        raise RuntimeError("component crashed")

    clock.schedule(1, boom)
    with pytest.raises(RuntimeError, match="component crashed"):
        clock.run(5)


def test_step_returns_a_trace_entry_and_feeds_hooks():
    clock = Clock()
    trace = []
    clock.hooks.append(trace.append)
    clock.schedule(2, lambda: None, label="kube-scheduler")
    entry = clock.step()
    assert entry is not None and entry.label == "kube-scheduler" and entry.time == 2
    assert trace == [entry]
    assert clock.step() is None


def test_negative_delays_are_rejected():
    with pytest.raises(ValueError):
        Clock().schedule(-1, lambda: None)


def test_timestamps_are_virtual_seconds_after_the_epoch():
    assert EPOCH.year == 2026
    assert format_timestamp(0) == "2026-01-01T00:00:00Z"
    assert format_timestamp(3725.9) == "2026-01-01T01:02:05Z"
    assert parse_timestamp("2026-01-01T01:02:05Z") == 3725.0
