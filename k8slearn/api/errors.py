"""API errors with the upstream codes, reasons and message wording.

Notes
-----
Mirrors apimachinery ``pkg/api/errors`` (``NewNotFound``, ``NewConflict``,
``NewInvalid`` ...) and ``pkg/util/validation/field`` (``field.Error``).
Used in: 01_api_server_and_etcd.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "ApiError",
    "FieldError",
    "required",
    "invalid",
    "not_supported",
    "duplicate",
    "forbidden",
    "too_long",
    "too_many",
    "not_found_field",
    "aggregate",
]


def _go_value(value: Any) -> str:
    """Render a bad value the way ``field.Error.ErrorBody`` does."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)


@dataclass(frozen=True)
class FieldError:
    """One field error: ``<path>: <Type>: <value>: <detail>``.

    Examples
    --------
    >>> str(invalid("spec.replicas", -1, "must be greater than or equal to 0"))
    'spec.replicas: Invalid value: -1: must be greater than or equal to 0'
    """

    path: str
    type: str
    value: Any = None
    detail: str = ""

    # These types do not print the bad value (apimachinery ErrorBody).
    _NO_VALUE = ("Required value", "Forbidden", "Too long", "Internal error")

    def body(self) -> str:
        if self.type in self._NO_VALUE:
            text = self.type
        else:
            text = f"{self.type}: {_go_value(self.value)}"
        if self.detail:
            text += f": {self.detail}"
        return text

    def __str__(self) -> str:
        return f"{self.path}: {self.body()}"


def required(path: str, detail: str = "") -> FieldError:
    return FieldError(path, "Required value", None, detail)


def invalid(path: str, value: Any, detail: str) -> FieldError:
    return FieldError(path, "Invalid value", value, detail)


def not_supported(path: str, value: Any, supported: list[str] | tuple[str, ...]) -> FieldError:
    detail = "supported values: " + ", ".join(json.dumps(s) for s in supported) if supported else ""
    return FieldError(path, "Unsupported value", value, detail)


def duplicate(path: str, value: Any) -> FieldError:
    return FieldError(path, "Duplicate value", value)


def forbidden(path: str, detail: str) -> FieldError:
    return FieldError(path, "Forbidden", None, detail)


def too_long(path: str, value: Any, max_length: int) -> FieldError:
    unit = "byte" if max_length == 1 else "bytes"
    return FieldError(path, "Too long", value, f"may not be more than {max_length} {unit}")


def too_many(path: str, actual: int, max_items: int) -> FieldError:
    return FieldError(path, "Too many", actual, f"must have at most {max_items} items")


def not_found_field(path: str, value: Any) -> FieldError:
    return FieldError(path, "Not found", value)


def aggregate(errors: list[FieldError]) -> str:
    """Join field errors as ``ToAggregate().Error()`` does: one alone, several in ``[...]``."""
    seen: list[str] = []
    for e in errors:
        s = str(e)
        if s not in seen:
            seen.append(s)
    if len(seen) == 1:
        return seen[0]
    return "[" + ", ".join(seen) + "]"


@dataclass
class ApiError(Exception):
    """An error the API server answers with: HTTP code, reason and message.

    ``str(err)`` is the server's message, exactly as a client library sees it.
    ``err.kubectl()`` is what kubectl prints for it.

    Examples
    --------
    >>> err = ApiError.not_found("pods", "web")
    >>> err.code, err.reason, str(err)
    (404, 'NotFound', 'pods "web" not found')
    """

    code: int
    reason: str
    message: str
    kind: str = ""
    name: str = ""
    causes: list[FieldError] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message

    def status(self) -> dict:
        """The ``metav1.Status`` body of this error."""
        status: dict[str, Any] = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        }
        if self.kind or self.name:
            details: dict[str, Any] = {"name": self.name, "kind": self.kind}
            if self.causes:
                details["causes"] = [
                    {"reason": "Field" + c.type.title().replace(" ", ""), "message": c.body(), "field": c.path}
                    for c in self.causes
                ]
            status["details"] = details
        return status

    def kubectl(self) -> str:
        """The text kubectl prints for this error (``cmdutil.CheckErr``)."""
        if self.reason == "Invalid" and self.kind:
            head = f'The {self.kind} "{self.name}" is invalid'
            lines = []
            for c in self.causes:
                s = str(c)
                if s not in lines:
                    lines.append(s)
            if len(lines) == 1:
                return f"{head}: {lines[0]}"
            if lines:
                return f"{head}: \n" + "\n".join("* " + s for s in lines)
            return head
        if self.reason:
            return f"Error from server ({self.reason}): {self.message}"
        return f"Error from server: {self.message}"

    # -- constructors with the upstream wording -------------------------------------
    @classmethod
    def not_found(cls, resource: str, name: str, kind: str = "") -> ApiError:
        return cls(404, "NotFound", f'{resource} "{name}" not found', kind=kind, name=name)

    @classmethod
    def already_exists(cls, resource: str, name: str, kind: str = "") -> ApiError:
        return cls(409, "AlreadyExists", f'{resource} "{name}" already exists', kind=kind, name=name)

    @classmethod
    def conflict(cls, resource: str, name: str, detail: str | None = None, kind: str = "") -> ApiError:
        detail = detail or (
            "the object has been modified; please apply your changes to the latest version and try again"
        )
        return cls(
            409, "Conflict", f'Operation cannot be fulfilled on {resource} "{name}": {detail}', kind=kind, name=name
        )

    @classmethod
    def invalid(cls, qualified_kind: str, name: str, errors: list[FieldError]) -> ApiError:
        kind = qualified_kind.split(".", 1)[0]
        return cls(
            422,
            "Invalid",
            f'{qualified_kind} "{name}" is invalid: {aggregate(errors)}',
            kind=kind,
            name=name,
            causes=list(errors),
        )

    @classmethod
    def forbidden(cls, resource: str, name: str, detail: str) -> ApiError:
        return cls(403, "Forbidden", f'{resource} "{name}" is forbidden: {detail}', name=name)

    @classmethod
    def bad_request(cls, message: str) -> ApiError:
        return cls(400, "BadRequest", message)

    @classmethod
    def expired(cls, message: str) -> ApiError:
        return cls(410, "Expired", message)

    @classmethod
    def method_not_allowed(cls, message: str) -> ApiError:
        return cls(405, "MethodNotAllowed", message)

    @classmethod
    def too_many_requests(cls, message: str) -> ApiError:
        return cls(429, "TooManyRequests", message)
