"""Self-checking exercises: one module per lesson (``check.lesson02.ex1(answer)``).

Every check returns a :class:`~k8slearn.check.core.Feedback` that shows ✅ with a
one-line why, or ❌ with a hint pointing at the concept. Checks never raise, so
"Run All" always works.
"""

from __future__ import annotations

import importlib
from typing import Any

from .core import Feedback, check, fail, passed

__all__ = ["Feedback", "check", "passed", "fail"]


def __getattr__(name: str) -> Any:
    # check.lesson02 -> k8slearn.check.lesson02, imported on first use
    if name.startswith("lesson"):
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(name)
