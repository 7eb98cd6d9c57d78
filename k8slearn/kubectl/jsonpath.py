"""Kubernetes JSONPath templates for ``-o jsonpath=...``, ``-o custom-columns=...`` and ``--sort-by``.

Supported: text outside braces, ``{.a.b}``, ``{.items[0]}``, ``{.items[*].x}``,
``{.items[1:3]}``, ``{..name}`` (recursive), ``{.items[?(@.type=="Ready")].status}``
(``==``, ``!=``, ``<``, ``>``, ``<=``, ``>=`` and existence), ``{range .items[*]}...{end}``,
quoted literals ``{"\\n"}`` and ``{'\\t'}``, and ``{$}`` for the whole object.

Examples
--------
>>> obj = {"items": [{"metadata": {"name": "a"}}, {"metadata": {"name": "b"}}]}
>>> jsonpath_print("{.items[*].metadata.name}", obj)
'a b'
>>> jsonpath_print('{range .items[*]}{.metadata.name}{"\\n"}{end}', obj)
'a\\nb\\n'

Notes
-----
Mirrors client-go ``util/jsonpath`` (parser + ``JSONPath.Execute`` with
``AllowMissingKeys(true)``, as kubectl uses it): several results of one expression are
joined by a space; maps and lists print as compact JSON, strings as they are.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from . import KubectlError
from .printers import format_table

__all__ = ["parse_template", "evaluate", "jsonpath_print", "relaxed", "custom_columns", "find_values"]

_MISSING = object()


class _Expr:
    __slots__ = ("steps",)

    def __init__(self, steps: list[tuple]) -> None:
        self.steps = steps


def _error(template: str, msg: str) -> KubectlError:
    return KubectlError(f"error parsing jsonpath {template}, {msg}")


def parse_template(template: str) -> list[Any]:
    """Parse a template into nodes: ``str`` text, ``_Expr``, ``("range", expr, body)``."""
    pos = 0
    root: list[Any] = []
    stack: list[tuple[list, Any]] = []
    current = root
    n = len(template)
    while pos < n:
        start = template.find("{", pos)
        if start < 0:
            current.append(template[pos:])
            break
        if start > pos:
            current.append(template[pos:start])
        end = _find_close(template, start)
        if end < 0:
            raise _error(template, "unclosed action")
        inner = template[start + 1 : end].strip()
        pos = end + 1
        if inner.startswith("range "):
            body: list[Any] = []
            node = ["range", _parse_expr(inner[6:].strip(), template), body]
            current.append(node)
            stack.append((current, node))
            current = body
        elif inner == "end":
            if not stack:
                raise _error(template, "not in range, nothing to end")
            current, _ = stack.pop()
        elif inner[:1] in ('"', "'"):
            current.append(_unquote(inner, template))
        else:
            current.append(_parse_expr(inner, template))
    if stack:
        raise _error(template, "unclosed range")
    return root


def _find_close(template: str, start: int) -> int:
    depth = 0
    quote = ""
    i = start
    while i < len(template):
        c = template[i]
        if quote:
            if c == "\\":
                i += 2
                continue
            if c == quote:
                quote = ""
        elif c in "\"'":
            quote = c
        elif c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


def _unquote(text: str, template: str) -> str:
    q = text[0]
    if len(text) < 2 or text[-1] != q:
        raise _error(template, "unterminated quoted string")
    body = text[1:-1]
    try:
        return json.loads('"' + body.replace('"', '\\"') + '"') if q == "'" else json.loads(text)
    except json.JSONDecodeError:
        return body


_TOKEN = re.compile(r"\.\.|\.|\[|[^.\[]+")


def _parse_expr(text: str, template: str) -> _Expr:
    steps: list[tuple] = []
    i = 0
    if text.startswith("$") or text.startswith("@"):
        i = 1
    n = len(text)
    while i < n:
        c = text[i]
        if text.startswith("..", i):
            j = i + 2
            m = re.match(r"[A-Za-z0-9_\-/]+|\*", text[j:])
            if not m:
                raise _error(template, f"invalid recursive descent in {text!r}")
            steps.append(("recurse", m.group(0)))
            i = j + m.end()
        elif c == ".":
            m = re.match(r"[^.\[\]]+", text[i + 1 :])
            if not m:
                i += 1
                continue
            name = m.group(0)
            steps.append(("wild",) if name == "*" else ("field", name))
            i += 1 + m.end()
        elif c == "[":
            close = _match_bracket(text, i)
            if close < 0:
                raise _error(template, "unterminated array")
            steps.append(_parse_bracket(text[i + 1 : close].strip(), template))
            i = close + 1
        elif c.isspace():
            i += 1
        else:
            m = re.match(r"[^.\[\]]+", text[i:])
            name = m.group(0) if m else text[i:]
            steps.append(("field", name.strip()))
            i += len(name)
    return _Expr(steps)


def _match_bracket(text: str, start: int) -> int:
    depth = 0
    quote = ""
    for i in range(start, len(text)):
        c = text[i]
        if quote:
            if c == quote:
                quote = ""
            continue
        if c in "\"'":
            quote = c
        elif c == "[":
            depth += 1
        elif c == "]":
            depth -= 1
            if depth == 0:
                return i
    return -1


_FILTER = re.compile(r"^\?\((.*)\)$", re.S)
_CMP = re.compile(r"^(@[^=!<>]*?)\s*(==|!=|<=|>=|<|>)\s*(.+)$", re.S)


def _parse_bracket(inner: str, template: str) -> tuple:
    if inner == "*":
        return ("wild",)
    m = _FILTER.match(inner)
    if m:
        cond = m.group(1).strip()
        cm = _CMP.match(cond)
        if cm:
            left = _parse_expr(cm.group(1).strip(), template)
            right_text = cm.group(3).strip()
            if right_text[:1] in "\"'":
                right: Any = _unquote(right_text, template)
            else:
                try:
                    right = json.loads(right_text)
                except json.JSONDecodeError:
                    right = _parse_expr(right_text, template)
            return ("filter", left, cm.group(2), right)
        return ("filter", _parse_expr(cond, template), "exists", None)
    if inner[:1] in "\"'":
        return ("field", _unquote(inner, template))
    if ":" in inner:
        parts = [p.strip() for p in inner.split(":")]
        try:
            nums = [int(p) if p else None for p in parts]
        except ValueError:
            raise _error(template, f"invalid array index {inner}") from None
        return ("slice", *(nums + [None] * (3 - len(nums))))
    if "," in inner:
        keys = [k.strip().strip("'\"") for k in inner.split(",")]
        return ("union", keys)
    try:
        return ("index", int(inner))
    except ValueError:
        return ("field", inner)


def _children(value: Any) -> list:
    if isinstance(value, dict):
        return list(value.values())
    if isinstance(value, list):
        return list(value)
    return []


def _walk(values: list, steps: Sequence[tuple]) -> list:
    for step in steps:
        kind = step[0]
        out: list = []
        if kind == "field":
            for v in values:
                if isinstance(v, dict) and step[1] in v:
                    out.append(v[step[1]])
        elif kind == "wild":
            for v in values:
                out.extend(_children(v))
        elif kind == "index":
            for v in values:
                if isinstance(v, list):
                    idx = step[1]
                    if -len(v) <= idx < len(v):
                        out.append(v[idx])
        elif kind == "slice":
            _, a, b, c = step
            for v in values:
                if isinstance(v, list):
                    out.extend(v[slice(a, b, c)])
        elif kind == "union":
            for v in values:
                if isinstance(v, dict):
                    out.extend(v[k] for k in step[1] if k in v)
        elif kind == "recurse":
            for v in values:
                out.extend(_recurse(v, step[1]))
        elif kind == "filter":
            _, left, op, right = step
            for v in values:
                for item in _children(v) if isinstance(v, list) else [v]:
                    if _test(item, left, op, right):
                        out.append(item)
        values = out
    return values


def _recurse(value: Any, name: str) -> list:
    out = []
    stack = [value]
    while stack:
        v = stack.pop(0)
        if isinstance(v, dict):
            if name == "*":
                out.extend(v.values())
            elif name in v:
                out.append(v[name])
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
    return out


def _test(item: Any, left: _Expr, op: str, right: Any) -> bool:
    found = _walk([item], left.steps)
    if op == "exists":
        return bool(found)
    if not found:
        return False
    lhs = found[0]
    if isinstance(right, _Expr):
        r = _walk([item], right.steps)
        if not r:
            return False
        right = r[0]
    try:
        if op == "==":
            return lhs == right
        if op == "!=":
            return lhs != right
        if op == "<":
            return lhs < right
        if op == ">":
            return lhs > right
        if op == "<=":
            return lhs <= right
        return lhs >= right
    except TypeError:
        return False


def find_values(expr: Any, obj: Any) -> list:
    """The values an expression (parsed or a ``.a.b`` string) selects in ``obj``."""
    if isinstance(expr, str):
        expr = _parse_expr(expr, expr)
    return _walk([obj], expr.steps)


def _text(value: Any, as_json: bool) -> str:
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def evaluate(nodes: list[Any], obj: Any, out: list[str], as_json: bool = False) -> None:
    """Append the text of every node of a parsed template applied to ``obj`` to ``out``.

    With ``as_json`` (``-o jsonpath-as-json``) the results of each expression print
    as one JSON array indented by four spaces (``JSONPath.PrintResults``).
    """
    for node in nodes:
        if isinstance(node, str):
            out.append(json.dumps([node], indent=4, ensure_ascii=False) + "\n" if as_json else node)
        elif isinstance(node, _Expr):
            results = _walk([obj], node.steps)
            if as_json:
                out.append(json.dumps(results, indent=4, ensure_ascii=False) + "\n")
            else:
                out.append(" ".join(_text(r, False) for r in results))
        else:
            _, expr, body = node
            for item in _walk([obj], expr.steps):
                items = item if isinstance(item, list) else [item]
                for it in items:
                    evaluate(body, it, out, as_json)


def jsonpath_print(template: str, obj: Any, as_json: bool = False) -> str:
    """Execute a kubectl JSONPath template against ``obj``."""
    if template.startswith(("'", '"')) and template.endswith(template[0]) and len(template) > 1:
        template = template[1:-1]
    if not template:
        raise KubectlError("template format specified but no template given")
    nodes = parse_template(template)
    out: list[str] = []
    evaluate(nodes, obj, out, as_json)
    return "".join(out)


def relaxed(field: str) -> str:
    """``RelaxedJSONPathExpression``: ``.metadata.name``, ``metadata.name`` and ``{.metadata.name}`` all work."""
    text = field.strip()
    if text.startswith("{") and text.endswith("}"):
        text = text[1:-1]
    if not text.startswith(".") and not text.startswith("$"):
        text = "." + text
    return text


def _go_fmt(value: Any) -> str:
    if isinstance(value, dict):
        return "map[" + " ".join(f"{k}:{_go_fmt(v)}" for k, v in sorted(value.items())) + "]"
    if isinstance(value, list):
        return "[" + " ".join(_go_fmt(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "<nil>"
    return str(value)


def custom_columns(spec: str, objs: Sequence[dict], no_headers: bool = False) -> str:
    """``-o custom-columns=NAME:.metadata.name,NODE:.spec.nodeName`` (missing values print ``<none>``)."""
    columns = []
    for part in spec.split(","):
        if not part:
            continue
        header, sep, path = part.partition(":")
        if not sep:
            raise KubectlError(f"unexpected custom-columns spec: {part}, expected <header>:<json-path-expr>")
        columns.append((header, _parse_expr(relaxed(path), path)))
    rows = [] if no_headers else [[h for h, _ in columns]]
    for obj in objs:
        row = []
        for _, expr in columns:
            found = _walk([obj], expr.steps)
            row.append(",".join(_go_fmt(v) for v in found) if found else "<none>")
        rows.append(row)
    return format_table(rows)
