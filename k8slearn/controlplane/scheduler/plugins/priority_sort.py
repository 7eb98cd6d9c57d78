"""PrioritySort (QueueSort): higher ``spec.priority`` first, then whoever waited longer.

Notes
-----
Mirrors ``pkg/scheduler/framework/plugins/queuesort/priority_sort.go``.
Used in: 02_scheduling.
"""

from __future__ import annotations

from typing import Any

from ..framework import Plugin

__all__ = ["PrioritySort", "NAME", "less"]

NAME = "PrioritySort"


def less(priority_a: int, timestamp_a: float, priority_b: int, timestamp_b: float) -> bool:
    """Whether pod A goes before pod B in the active queue.

    Examples
    --------
    >>> less(1000, 5.0, 0, 1.0), less(0, 1.0, 0, 5.0)
    (True, True)
    """
    return priority_a > priority_b or (priority_a == priority_b and timestamp_a < timestamp_b)


class PrioritySort(Plugin):
    """QueueSort plugin: orders the active queue by priority, then queue time."""

    name = NAME

    def less(self, a: Any, b: Any) -> bool:
        return less(a.priority, a.timestamp, b.priority, b.timestamp)

    def sort_key(self, qpi: Any) -> tuple[int, float]:
        """A heap key giving the same order as :meth:`less`."""
        return (-qpi.priority, qpi.timestamp)
