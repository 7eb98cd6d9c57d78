"""Small helpers shared by the validation modules: paths, safe getters, Go-shaped values.

Notes
-----
Paths print like apimachinery ``field.Path``: ``spec.containers[0].name``, map keys in
brackets without quotes (``data[bad key]``). Objects arrive as the user wrote them, so
every getter tolerates the wrong type and returns an empty value instead of raising.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from k8slearn.api.errors import FieldError, duplicate, invalid

__all__ = [
    "child",
    "index",
    "key",
    "d",
    "lst",
    "s",
    "i",
    "is_int",
    "GoStruct",
    "invalid_v",
    "duplicate_v",
    "NEGATIVE",
    "IMMUTABLE",
    "NOT_POSITIVE",
]

NEGATIVE = "must be greater than or equal to 0"
IMMUTABLE = "field is immutable"
NOT_POSITIVE = "must be greater than zero"


def child(path: str, *names: str) -> str:
    for name in names:
        path = f"{path}.{name}" if path else name
    return path


def index(path: str, i: int) -> str:
    return f"{path}[{i}]"


def key(path: str, k: Any) -> str:
    return f"{path}[{k}]"


def d(x: Any) -> dict:
    """``x`` if it is a dict, else an empty dict (junk tolerant)."""
    return x if isinstance(x, dict) else {}


def lst(x: Any) -> list:
    return x if isinstance(x, list) else []


def s(x: Any) -> str:
    return x if isinstance(x, str) else ""


def is_int(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def i(x: Any, default: int = 0) -> int:
    return x if is_int(x) else default


class GoStruct:
    """A Go struct value: rendered as ``json.Marshal`` renders it, fields in declaration order.

    Since Kubernetes 1.34 field errors render composite bad values with JSON; internal
    API types have no json tags, so their Go field names appear (``{"Key":"k",...}``).
    """

    def __init__(self, *fields: tuple[str, Any]) -> None:
        self.fields = fields

    def render(self) -> str:
        return "{" + ",".join(json.dumps(k) + ":" + _render(v) for k, v in self.fields) + "}"


def _render(v: Any) -> str:
    if isinstance(v, GoStruct):
        return v.render()
    if isinstance(v, list):
        return "[" + ",".join(_render(x) for x in v) + "]"
    return json.dumps(v, separators=(",", ":"), sort_keys=True, ensure_ascii=False)


@dataclass(frozen=True)
class _StructFieldError(FieldError):
    """A field error whose bad value is a Go struct (kept in field order)."""

    def body(self) -> str:
        text = f"{self.type}: {self.value.render()}"
        if self.detail:
            text += f": {self.detail}"
        return text


def invalid_v(path: str, value: Any, detail: str) -> FieldError:
    if isinstance(value, GoStruct):
        return _StructFieldError(path, "Invalid value", value, detail)
    return invalid(path, value, detail)


def duplicate_v(path: str, value: Any, detail: str = "") -> FieldError:
    if isinstance(value, GoStruct):
        return _StructFieldError(path, "Duplicate value", value, detail)
    e = duplicate(path, value)
    return FieldError(e.path, e.type, e.value, detail) if detail else e
