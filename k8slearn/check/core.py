"""The exercise-check helper every lesson uses.

A check function takes the student's answer and returns :class:`Feedback`: a pass
with a one-line explanation, or a fail with a hint. :func:`check` wraps a check so
that any exception inside becomes a hint instead of a traceback.

Examples
--------
>>> @check
... def ex1(answer):
...     if answer == 3:
...         return passed("3 nodes: one per worker machine.")
...     return fail("Count the Node objects: c.list('nodes').")
>>> ex1(3).ok
True
>>> print(ex1(None))
❌ Not yet. Hint: Count the Node objects: c.list('nodes').
"""

from __future__ import annotations

import functools
import html
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["Feedback", "check", "passed", "fail", "NOT_ANSWERED"]

NOT_ANSWERED = "Replace `None` with your answer, then run this cell again."


@dataclass(frozen=True)
class Feedback:
    """Outcome of one check: ``ok`` and the message shown to the student."""

    ok: bool
    message: str

    def __str__(self) -> str:
        if self.ok:
            return f"✅ Correct. {self.message}"
        return f"❌ Not yet. Hint: {self.message}"

    def __repr__(self) -> str:
        return str(self)

    def __bool__(self) -> bool:
        return self.ok

    def _repr_html_(self) -> str:
        colour = "#1b7f3b" if self.ok else "#b3261e"
        return f'<div style="color:{colour};font-weight:500">{html.escape(str(self))}</div>'


def passed(message: str) -> Feedback:
    return Feedback(True, message)


def fail(hint: str) -> Feedback:
    return Feedback(False, hint)


def check(fn: Callable[..., Feedback]) -> Callable[..., Feedback]:
    """Decorate a check: ``None`` answers get the "not answered" hint; errors become hints."""

    @functools.wraps(fn)
    def wrapper(answer: Any = None, *args: Any, **kwargs: Any) -> Feedback:
        if answer is None:
            return fail(NOT_ANSWERED)
        try:
            result = fn(answer, *args, **kwargs)
        except Exception as err:  # a check never raises: the error is the hint
            return fail(f"Checking your answer raised {type(err).__name__}: {err}")
        return result if isinstance(result, Feedback) else fail(str(result))

    return wrapper
