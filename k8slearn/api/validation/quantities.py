"""Quantity parsing for validation: tolerant of junk, canonical text for messages.

Notes
-----
Uses :mod:`k8slearn.api.quantity`. Malformed quantities are rejected earlier, when the
object is decoded (:func:`k8slearn.api.validation.check_decodable`), so here a value that
does not parse is simply skipped.
"""

from __future__ import annotations

from typing import Any

__all__ = ["parse_quantity", "quantity_text"]


def quantity_text(raw: Any) -> str:
    """The text a quantity was written as: YAML numbers become their JSON spelling."""
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, int):
        return str(raw)
    if isinstance(raw, float):
        return repr(raw) if not raw.is_integer() else str(int(raw))
    return raw if isinstance(raw, str) else ""


def parse_quantity(raw: Any) -> tuple[Any, str]:
    """``(Quantity or None, canonical text)``; never raises."""
    from k8slearn.api.quantity import Quantity

    text = quantity_text(raw)
    try:
        q = Quantity.parse(text)
    except Exception:
        return None, text
    if type(q).__str__ is not object.__str__:
        try:
            return q, str(q)
        except Exception:
            return q, text
    return q, text
