"""Label selectors and label syntax: ``app=web``, ``tier in (a,b)``, ``!canary``.

A selector is an AND of requirements, each a key, an operator and values. Services,
ReplicaSets, Deployments and ``kubectl get -l`` all select pods this way.

Notes
-----
Mirrors k8s.io/apimachinery ``pkg/labels/selector.go`` (lexer, parser, ``NewRequirement``,
``Requirement.Matches``, ``String``), ``pkg/labels/labels.go`` (``FormatLabels``),
``pkg/apis/meta/v1/helpers.go`` (``LabelSelectorAsSelector``) and
``pkg/api/validate/content`` (``IsLabelKey`` a.k.a. ``IsQualifiedName``, ``IsLabelValue``).
Error texts are upstream's, including field paths such as ``values[0][app]``.

Used in: Service endpoints, ReplicaSet/Deployment controllers, ``Cluster.list(selector=)``,
lesson 04.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import lru_cache
from typing import NamedTuple

__all__ = [
    "Requirement",
    "Selector",
    "new_requirement",
    "parse_selector",
    "selector_from_label_selector",
    "selector_from_set",
    "validate_label_key",
    "validate_label_value",
    "format_labels",
    "DOES_NOT_EXIST",
    "EQUALS",
    "DOUBLE_EQUALS",
    "IN",
    "NOT_EQUALS",
    "NOT_IN",
    "EXISTS",
    "GREATER_THAN",
    "LESS_THAN",
]

# selection.Operator values
DOES_NOT_EXIST = "!"
EQUALS = "="
DOUBLE_EQUALS = "=="
IN = "in"
NOT_EQUALS = "!="
NOT_IN = "notin"
EXISTS = "exists"
GREATER_THAN = "gt"
LESS_THAN = "lt"

_BINARY_OPERATORS = (IN, NOT_IN, EQUALS, DOUBLE_EQUALS, NOT_EQUALS, GREATER_THAN, LESS_THAN)
_UNARY_OPERATORS = (EXISTS, DOES_NOT_EXIST)
_VALID_OPERATORS = _BINARY_OPERATORS + _UNARY_OPERATORS

# -- label key and value syntax (pkg/api/validate/content) ------------------------

_LABEL_KEY_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
_LABEL_KEY_ERR = (
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"
)
_LABEL_VALUE_FMT = "(" + _LABEL_KEY_FMT + ")?"
_LABEL_VALUE_ERR = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', "
    "and must start and end with an alphanumeric character"
)
_DNS1123_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS1123_SUBDOMAIN_FMT = _DNS1123_LABEL_FMT + "(\\." + _DNS1123_LABEL_FMT + ")*"
_DNS1123_SUBDOMAIN_ERR = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
    "and must start and end with an alphanumeric character"
)
_LABEL_KEY_RE = re.compile(_LABEL_KEY_FMT)
_LABEL_VALUE_RE = re.compile(_LABEL_VALUE_FMT)
_DNS1123_SUBDOMAIN_RE = re.compile(_DNS1123_SUBDOMAIN_FMT)
_INT64_RE = re.compile(r"[+-]?[0-9]+")


def _regex_error(msg: str, regex: str, *examples: str) -> str:
    """content.RegexError: note the double spaces upstream puts before each "or"."""
    if not examples:
        return f"{msg} (regex used for validation is '{regex}')"
    listed = " or ".join(f"'{e}', " for e in examples)
    return f"{msg} (e.g. {listed}regex used for validation is '{regex}')"


def _max_len_error(length: int) -> str:
    return f"must be no more than {length} bytes"


def _byte_len(s: str) -> int:
    return len(s) if s.isascii() else len(s.encode("utf-8", "surrogatepass"))


def _dns1123_subdomain_errors(value: str) -> list[str]:
    errs = []
    if _byte_len(value) > 253:
        errs.append(_max_len_error(253))
    if not _DNS1123_SUBDOMAIN_RE.fullmatch(value):
        errs.append(_regex_error(_DNS1123_SUBDOMAIN_ERR, _DNS1123_SUBDOMAIN_FMT, "example.com"))
    return errs


def validate_label_key(key: str) -> list[str]:
    """Why ``key`` is not a valid label key (empty list when it is).

    A key is an optional DNS-1123 subdomain prefix and ``/``, then a name of at most 63
    alphanumerics, ``-``, ``_`` or ``.``, starting and ending alphanumeric.

    Examples
    --------
    >>> validate_label_key("app.kubernetes.io/name")
    []
    >>> validate_label_key("a/b/c")[0][:30]
    'a valid label key must consist'

    Notes
    -----
    Mirrors ``content.IsLabelKey`` (``validation.IsQualifiedName``), messages verbatim.
    """
    if _LABEL_KEY_RE.fullmatch(key) and len(key) <= 63:
        return []  # fast path: a plain valid name
    errs: list[str] = []
    parts = key.split("/")
    if len(parts) == 1:
        name = parts[0]
    elif len(parts) == 2:
        prefix, name = parts
        if not prefix:
            errs.append("prefix part must be non-empty")
        else:
            errs.extend("prefix part " + msg for msg in _dns1123_subdomain_errors(prefix))
    else:
        return [
            "a valid label key "
            + _regex_error(_LABEL_KEY_ERR, _LABEL_KEY_FMT, "MyName", "my.name", "123-abc")
            + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
        ]
    if not name:
        errs.append("name part must be non-empty")
    elif _byte_len(name) > 63:
        errs.append("name part " + _max_len_error(63))
    if not _LABEL_KEY_RE.fullmatch(name):
        errs.append("name part " + _regex_error(_LABEL_KEY_ERR, _LABEL_KEY_FMT, "MyName", "my.name", "123-abc"))
    return errs


def validate_label_value(value: str) -> list[str]:
    """Why ``value`` is not a valid label value (empty list when it is).

    Examples
    --------
    >>> validate_label_value("")
    []
    >>> validate_label_value("x" * 64)
    ['must be no more than 63 bytes']

    Notes
    -----
    Mirrors ``content.IsLabelValue`` (``validation.IsValidLabelValue``), messages verbatim.
    """
    errs = []
    if _byte_len(value) > 63:
        errs.append(_max_len_error(63))
    if not _LABEL_VALUE_RE.fullmatch(value):
        errs.append(_regex_error(_LABEL_VALUE_ERR, _LABEL_VALUE_FMT, "MyValue", "my_value", "12345"))
    return errs


# -- Go formatting of field errors -------------------------------------------------

_GO_ESCAPES = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v"}


def _go_quote(s: str) -> str:
    """Go's ``%q`` / ``strconv.Quote`` of a string."""
    out = ['"']
    for ch in s:
        if ch == '"' or ch == "\\":
            out.append("\\" + ch)
        elif ch in _GO_ESCAPES:
            out.append(_GO_ESCAPES[ch])
        elif ch.isprintable() or ch == " ":
            out.append(ch)
        elif ord(ch) < 0x80:
            out.append(f"\\x{ord(ch):02x}")
        elif ord(ch) < 0x10000:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(f"\\U{ord(ch):08x}")
    out.append('"')
    return "".join(out)


def _go_json(value: object) -> str:
    """Go's ``json.Marshal`` of a string or a list of strings (HTML-safe escaping)."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    for ch, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(ch, esc)
    return text


def _invalid(field: str, bad_value: str | Sequence[str] | None, detail: str) -> str:
    """``field.Invalid(...).Error()``: strings are %q-quoted, lists JSON-encoded."""
    shown = _go_quote(bad_value) if isinstance(bad_value, str) else _go_json(bad_value)
    return f"{field}: Invalid value: {shown}: {detail}"


def _aggregate(errors: list[str]) -> str:
    """``ErrorList.ToAggregate().Error()``: one message, or ``[a, b]`` after de-duplication."""
    unique = list(dict.fromkeys(errors))
    return unique[0] if len(unique) == 1 else "[" + ", ".join(unique) + "]"


def _parse_int64(s: str) -> int | None:
    """Go's ``strconv.ParseInt(s, 10, 64)``, or None on error."""
    if not _INT64_RE.fullmatch(s):
        return None
    v = int(s)
    return v if -(2**63) <= v < 2**63 else None


# -- requirements and selectors ------------------------------------------------------


class Requirement(NamedTuple):
    """One clause of a selector: ``key``, an operator (``"in"``, ``"="``, ``"exists"`` ...) and values.

    Notes
    -----
    Mirrors ``labels.Requirement``. Build validated ones with :func:`new_requirement`.
    """

    key: str
    operator: str
    values: tuple[str, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        """Whether ``labels`` satisfy this requirement (``Requirement.Matches``)."""
        op = self.operator
        if op in (IN, EQUALS, DOUBLE_EQUALS):
            return self.key in labels and labels[self.key] in self.values
        if op in (NOT_IN, NOT_EQUALS):
            return self.key not in labels or labels[self.key] not in self.values
        if op == EXISTS:
            return self.key in labels
        if op == DOES_NOT_EXIST:
            return self.key not in labels
        if op in (GREATER_THAN, LESS_THAN):
            if self.key not in labels or len(self.values) != 1:
                return False
            have, want = _parse_int64(labels[self.key]), _parse_int64(self.values[0])
            if have is None or want is None:
                return False
            return have > want if op == GREATER_THAN else have < want
        return False

    def __str__(self) -> str:
        op = self.operator
        head = ("!" if op == DOES_NOT_EXIST else "") + self.key
        if op in (EXISTS, DOES_NOT_EXIST):
            return head
        symbol = {
            EQUALS: "=",
            DOUBLE_EQUALS: "==",
            NOT_EQUALS: "!=",
            IN: " in ",
            NOT_IN: " notin ",
            GREATER_THAN: ">",
            LESS_THAN: "<",
        }.get(op, "")
        values = self.values[0] if len(self.values) == 1 else ",".join(sorted(self.values))
        if op in (IN, NOT_IN):
            values = f"({values})"
        return head + symbol + values


def _requirement_errors(key: str, operator: str, values: Sequence[str] | None) -> list[str]:
    vals = list(values) if values else []
    errs = []
    key_errs = validate_label_key(key)
    if key_errs:
        errs.append(_invalid("key", key, "; ".join(key_errs)))
    bad = None if values is None else vals  # Go prints a nil slice as null
    if operator in (IN, NOT_IN):
        if not vals:
            errs.append(_invalid("values", bad, "for 'in', 'notin' operators, values set can't be empty"))
    elif operator in (EQUALS, DOUBLE_EQUALS, NOT_EQUALS):
        if len(vals) != 1:
            errs.append(_invalid("values", bad, "exact-match compatibility requires one single value"))
    elif operator in (EXISTS, DOES_NOT_EXIST):
        if vals:
            errs.append(_invalid("values", bad, "values set must be empty for exists and does not exist"))
    elif operator in (GREATER_THAN, LESS_THAN):
        if len(vals) != 1:
            errs.append(_invalid("values", bad, "for 'Gt', 'Lt' operators, exactly one value is required"))
        for i, v in enumerate(vals):
            if _parse_int64(v) is None:
                errs.append(_invalid(f"values[{i}]", v, "for 'Gt', 'Lt' operators, the value must be an integer"))
    else:
        supported = ", ".join(_go_quote(op) for op in _VALID_OPERATORS)
        errs.append(f"operator: Unsupported value: {_go_json(operator)}: supported values: {supported}")
    for i, v in enumerate(vals):
        value_errs = validate_label_value(v)
        if value_errs:
            errs.append(_invalid(f"values[{i}][{key}]", v, "; ".join(value_errs)))
    return errs


def new_requirement(key: str, operator: str, values: Sequence[str] | None = ()) -> Requirement:
    """A validated requirement, like ``labels.NewRequirement``.

    Parameters
    ----------
    key : str
        A valid label key.
    operator : str
        One of ``in notin = == != gt lt exists !`` (the ``selection.Operator`` values).
    values : sequence of str or None
        Kept in the given order; ``None`` stands for Go's nil slice (printed ``null``
        in errors).

    Raises
    ------
    ValueError
        With upstream's aggregated field errors, e.g.
        ``values: Invalid value: []: for 'in', 'notin' operators, values set can't be empty``.
    """
    errs = _requirement_errors(key, operator, values)
    if errs:
        raise ValueError(_aggregate(errs))
    return Requirement(key, operator, tuple(values or ()))


class Selector:
    """An AND of requirements over labels, kept sorted by key.

    Examples
    --------
    >>> s = parse_selector("tier in (web,api),!canary")
    >>> str(s), s.matches({"tier": "web"}), s.matches({"tier": "web", "canary": "1"})
    ('!canary,tier in (api,web)', True, False)

    Notes
    -----
    Mirrors ``labels.Selector`` (``internalSelector``, ``Everything()``, ``Nothing()``).
    Immutable and hashable.
    """

    __slots__ = ("_requirements", "_nothing", "_pairs", "_checks")

    def __init__(self, requirements: Iterable[Requirement] = (), *, _nothing: bool = False) -> None:
        self._setup(tuple(sorted(map(_as_requirement, requirements), key=_by_key)), _nothing)

    @classmethod
    def _from_sorted(cls, requirements: tuple[Requirement, ...]) -> Selector:
        sel = object.__new__(cls)
        sel._setup(requirements, False)
        return sel

    def _setup(self, requirements: tuple[Requirement, ...], nothing: bool) -> None:
        self._requirements = requirements
        self._nothing = nothing
        # Exact-match clauses are checked first with dict lookups: the common case.
        pairs, checks = [], []
        for r in requirements:
            if r.operator in _EXACT and len(r.values) == 1:
                pairs.append((r.key, r.values[0]))
            else:
                checks.append(_compile(r))
        self._pairs = tuple(pairs)
        self._checks = tuple(checks)

    @staticmethod
    def everything() -> Selector:
        """The selector that matches every label set (``labels.Everything()``)."""
        return _EVERYTHING

    @staticmethod
    def nothing() -> Selector:
        """The selector that matches no label set (``labels.Nothing()``)."""
        return _NOTHING

    @property
    def requirements(self) -> tuple[Requirement, ...]:
        """The requirements, sorted by key (empty for ``nothing()`` too)."""
        return self._requirements

    def matches(self, labels: Mapping[str, str] | None) -> bool:
        """Whether every requirement holds for ``labels`` (None means no labels)."""
        if self._nothing:
            return False
        if labels is None:
            labels = _NO_LABELS
        get = labels.get
        for key, value in self._pairs:
            if get(key) != value:
                return False
        for check in self._checks:  # noqa: SIM110 - a plain loop is faster than all() on this hot path
            if not check(labels):
                return False
        return True

    def empty(self) -> bool:
        """True when the selector does not restrict anything (``Everything()``)."""
        return not self._nothing and not self._requirements

    def add(self, *requirements: Requirement) -> Selector:
        """A new selector with more requirements (``Selector.Add``)."""
        if self._nothing:
            return self
        return Selector(self._requirements + requirements)

    def requires_exact_match(self, key: str) -> str | None:
        """The single value ``key`` must have, if the selector pins one (``RequiresExactMatch``)."""
        for r in self._requirements:
            if r.key == key:
                if r.operator in (EQUALS, DOUBLE_EQUALS, IN) and len(r.values) == 1:
                    return r.values[0]
                return None
        return None

    def __str__(self) -> str:
        return ",".join(str(r) for r in self._requirements)

    def __repr__(self) -> str:
        if self._nothing:
            return "Selector.nothing()"
        if not self._requirements:
            return "Selector.everything()"
        return f"parse_selector({str(self)!r})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Selector):
            return self._nothing == other._nothing and self._requirements == other._requirements
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self._nothing, self._requirements))


_EXACT = frozenset((EQUALS, DOUBLE_EQUALS, IN))
_MISSING = object()


def _by_key(r: Requirement) -> str:
    return r.key


def _compile(r: Requirement) -> Callable[[Mapping[str, str]], bool]:
    """A fast predicate equivalent to ``r.matches``."""
    key, op = r.key, r.operator
    if op in _EXACT:
        values = frozenset(r.values)
        return lambda labels: labels.get(key, _MISSING) in values
    if op in (NOT_IN, NOT_EQUALS):
        values = frozenset(r.values)
        return lambda labels: labels.get(key, _MISSING) not in values
    if op == EXISTS:
        return lambda labels: key in labels
    if op == DOES_NOT_EXIST:
        return lambda labels: key not in labels
    return r.matches


def _as_requirement(r: Requirement | Sequence) -> Requirement:
    if type(r) is Requirement and type(r.values) is tuple:
        return r
    key, operator, *rest = r
    return Requirement(key, operator, tuple(rest[0]) if rest else ())


_NO_LABELS: Mapping[str, str] = {}
_EVERYTHING = Selector()
_NOTHING = Selector(_nothing=True)


# -- the selector string parser (selector.go Lexer and Parser) -------------------------

(
    _ERROR,
    _END,
    _CLOSED_PAR,
    _COMMA,
    _NOT,
    _DOUBLE_EQUALS,
    _EQUALS,
    _GT,
    _IDENT,
    _IN,
    _LT,
    _NOT_EQUALS,
    _NOT_IN,
    _OPEN_PAR,
) = range(14)
_TOKENS = {
    ")": _CLOSED_PAR,
    ",": _COMMA,
    "!": _NOT,
    "==": _DOUBLE_EQUALS,
    "=": _EQUALS,
    ">": _GT,
    "in": _IN,
    "<": _LT,
    "!=": _NOT_EQUALS,
    "notin": _NOT_IN,
    "(": _OPEN_PAR,
}
_SPECIAL = frozenset("=!(),><")
_WHITESPACE = frozenset(" \t\r\n")
_OPERATOR_OF_TOKEN = {
    _IN: IN,
    _EQUALS: EQUALS,
    _DOUBLE_EQUALS: DOUBLE_EQUALS,
    _GT: GREATER_THAN,
    _LT: LESS_THAN,
    _NOT_IN: NOT_IN,
    _NOT_EQUALS: NOT_EQUALS,
}


def _lex(s: str) -> list[tuple[int, str]]:
    """All tokens of ``s`` ending with the end-of-string token; NUL ends input as in Go."""
    items: list[tuple[int, str]] = []
    pos, n = 0, len(s)
    while True:
        # skip whitespace; reading past the end (or a NUL) gives the end token
        while True:
            ch = s[pos] if pos < n else "\0"
            pos += 1
            if ch not in _WHITESPACE:
                break
        if ch == "\0":
            items.append((_END, ""))
            return items
        if ch in _SPECIAL:
            op = s[pos - 1 : pos + 1]
            if op in ("==", "!="):
                pos += 1
            else:
                op = ch
            if pos < n and s[pos] == "\0":
                pos += 1  # Go's read() consumed the NUL
            items.append((_TOKENS[op], op))
            continue
        start = pos - 1
        while pos < n and s[pos] not in _SPECIAL and s[pos] not in _WHITESPACE and s[pos] != "\0":
            pos += 1
        word = s[start:pos]
        if pos < n and s[pos] == "\0":
            pos += 1  # Go's read() consumed the NUL
        items.append((_TOKENS.get(word, _IDENT), word))


class _Parser:
    """selector.go's recursive-descent parser over pre-scanned tokens."""

    __slots__ = ("items", "position")

    def __init__(self, s: str) -> None:
        self.items = _lex(s)
        self.position = 0

    def lookahead(self, values: bool) -> tuple[int, str]:
        tok, lit = self.items[self.position]
        if values and tok in (_IN, _NOT_IN):
            tok = _IDENT
        return tok, lit

    def consume(self, values: bool) -> tuple[int, str]:
        tok, lit = self.lookahead(values)
        self.position += 1
        return tok, lit

    def parse(self) -> list[Requirement]:
        requirements: list[Requirement] = []
        while True:
            tok, lit = self.lookahead(True)
            if tok in (_IDENT, _NOT):
                try:
                    requirements.append(self.parse_requirement())
                except ValueError as err:
                    raise ValueError(f"unable to parse requirement: {err}") from None
                t, lit2 = self.consume(True)
                if t == _END:
                    return requirements
                if t == _COMMA:
                    t2, lit3 = self.lookahead(True)
                    if t2 not in (_IDENT, _NOT):
                        raise ValueError(f"found '{lit3}', expected: identifier after ','")
                else:
                    raise ValueError(f"found '{lit2}', expected: ',' or 'end of string'")
            elif tok == _END:
                return requirements
            else:
                raise ValueError(f"found '{lit}', expected: !, identifier, or 'end of string'")

    def parse_requirement(self) -> Requirement:
        key, operator = self.parse_key_and_infer_operator()
        if operator in (EXISTS, DOES_NOT_EXIST):
            return new_requirement(key, operator, [])
        operator = self.parse_operator()
        if operator in (IN, NOT_IN):
            values = self.parse_values()
        else:
            values = self.parse_exact_value()
        return new_requirement(key, operator, sorted(values))

    def parse_key_and_infer_operator(self) -> tuple[str, str]:
        operator = ""
        tok, lit = self.consume(True)
        if tok == _NOT:
            operator = DOES_NOT_EXIST
            tok, lit = self.consume(True)
        if tok != _IDENT:
            raise ValueError(f"found '{lit}', expected: identifier")
        errs = validate_label_key(lit)
        if errs:
            raise ValueError(_invalid("<nil>", lit, "; ".join(errs)))
        if self.lookahead(True)[0] in (_END, _COMMA) and operator != DOES_NOT_EXIST:
            operator = EXISTS
        return lit, operator

    def parse_operator(self) -> str:
        tok, lit = self.consume(False)
        op = _OPERATOR_OF_TOKEN.get(tok)
        if op is None:
            raise ValueError(f"found '{lit}', expected: {', '.join(_BINARY_OPERATORS)}")
        return op

    def parse_values(self) -> set[str]:
        tok, lit = self.consume(True)
        if tok != _OPEN_PAR:
            raise ValueError(f"found '{lit}' expected: '('")
        tok, lit = self.lookahead(True)
        if tok in (_IDENT, _COMMA):
            values = self.parse_identifiers_list()
            if self.consume(True)[0] != _CLOSED_PAR:
                raise ValueError(f"found '{lit}', expected: ')'")
            return values
        if tok == _CLOSED_PAR:
            self.consume(True)
            return {""}
        raise ValueError(f"found '{lit}', expected: ',', ')' or identifier")

    def parse_identifiers_list(self) -> set[str]:
        values: set[str] = set()
        while True:
            tok, lit = self.consume(True)
            if tok == _IDENT:
                values.add(lit)
                tok2, lit2 = self.lookahead(True)
                if tok2 == _COMMA:
                    continue
                if tok2 == _CLOSED_PAR:
                    return values
                raise ValueError(f"found '{lit2}', expected: ',' or ')'")
            if tok == _COMMA:
                if not values:
                    values.add("")  # "(,"
                tok2 = self.lookahead(True)[0]
                if tok2 == _CLOSED_PAR:
                    values.add("")  # ",)"
                    return values
                if tok2 == _COMMA:
                    values.add("")  # ",,"
            else:
                raise ValueError(f"found '{lit}', expected: ',', or identifier")

    def parse_exact_value(self) -> set[str]:
        if self.lookahead(True)[0] in (_END, _COMMA):
            return {""}
        tok, lit = self.consume(True)
        if tok == _IDENT:
            return {lit}
        raise ValueError(f"found '{lit}', expected: identifier")


@lru_cache(maxsize=4096)
def parse_selector(s: str) -> Selector:
    """Parse a selector string like ``kubectl get -l`` does.

    Parameters
    ----------
    s : str
        ``a=b``, ``a==b``, ``a!=b``, ``a in (x,y)``, ``a notin (x)``, ``a``, ``!a``,
        ``a>1``, ``a<1``, joined by commas; spaces, tabs and newlines around tokens.
        The empty string selects everything.

    Returns
    -------
    Selector
        Requirements sorted by key, set values sorted and de-duplicated. Cached.

    Raises
    ------
    ValueError
        With upstream's parser message, e.g. ``found ',', expected: !, identifier, or
        'end of string'`` or ``unable to parse requirement: found 'b', expected: in, notin,
        =, ==, !=, gt, lt``.

    Examples
    --------
    >>> str(parse_selector("x in (b,a), y"))
    'x in (a,b),y'

    Notes
    -----
    Mirrors ``labels.Parse``.
    """
    requirements = _Parser(s).parse()
    return Selector(requirements) if requirements else _EVERYTHING


# -- conversions -------------------------------------------------------------------------

_LABEL_SELECTOR_OPERATORS = {"In": IN, "NotIn": NOT_IN, "Exists": EXISTS, "DoesNotExist": DOES_NOT_EXIST}


def selector_from_label_selector(ls: Mapping | None) -> Selector:
    """The selector an API ``LabelSelector`` (``matchLabels`` + ``matchExpressions``) means.

    Parameters
    ----------
    ls : dict or None
        ``None`` selects nothing; ``{}`` (no labels, no expressions) selects everything.

    Raises
    ------
    ValueError
        ``"Foo" is not a valid label selector operator``, or the field errors of
        :func:`new_requirement` (e.g. ``values: Invalid value: null: for 'in', 'notin'
        operators, values set can't be empty``).

    Examples
    --------
    >>> str(
    ...     selector_from_label_selector(
    ...         {
    ...             "matchLabels": {"app": "web"},
    ...             "matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["db"]}],
    ...         }
    ...     )
    ... )
    'app=web,tier notin (db)'

    Notes
    -----
    Mirrors ``metav1.LabelSelectorAsSelector``. matchLabels are checked in key order
    (Go's map order is random). Results are cached by content, so controllers can call
    this on every reconcile.
    """
    if ls is None:
        return _NOTHING
    match_labels = ls.get("matchLabels") or {}
    match_expressions = ls.get("matchExpressions") or ()
    if not match_labels and not match_expressions:
        return _EVERYTHING
    key = (
        tuple(sorted(match_labels.items())),
        tuple((e.get("key") or "", e.get("operator") or "", tuple(e.get("values") or ())) for e in match_expressions),
    )
    try:
        return _label_selector(key)
    except TypeError:  # unhashable junk inside: build it without the cache
        return _label_selector.__wrapped__(key)


@lru_cache(maxsize=4096)
def _label_selector(
    key: tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str, tuple[str, ...]], ...]],
) -> Selector:
    match_labels, match_expressions = key
    requirements = [new_requirement(k, EQUALS, [v]) for k, v in match_labels]
    for expr_key, op_name, values in match_expressions:
        op = _LABEL_SELECTOR_OPERATORS.get(op_name)
        if op is None:
            raise ValueError(f"{_go_quote(str(op_name))} is not a valid label selector operator")
        # Go copies Values into a nil slice, so "no values" is reported as null
        requirements.append(new_requirement(expr_key, op, list(values) or None))
    return Selector(requirements)


def selector_from_set(labels: Mapping[str, str] | None) -> Selector:
    """The selector matching exactly ``labels`` (a Service's ``spec.selector``); no validation.

    Empty or None selects everything, as upstream ``SelectorFromSet``. Cached by content.

    Examples
    --------
    >>> selector_from_set({"app": "web"}).matches({"app": "web", "tier": "fe"})
    True
    """
    if not labels:
        return _EVERYTHING
    try:
        return _set_selector(frozenset(labels.items()))
    except TypeError:  # unhashable values: build it without the cache
        return _set_selector.__wrapped__(labels.items())


@lru_cache(maxsize=4096)
def _set_selector(items: Iterable[tuple[str, str]]) -> Selector:
    return Selector._from_sorted(tuple(Requirement(k, EQUALS, (v,)) for k, v in sorted(items, key=_first)))


def _first(item: tuple[str, str]) -> str:
    return item[0]


def format_labels(labels: Mapping[str, str] | None) -> str:
    """``a=b,c=d`` as kubectl prints labels, or ``<none>``.

    Examples
    --------
    >>> format_labels({"tier": "fe", "app": "web"}), format_labels({})
    ('app=web,tier=fe', '<none>')

    Notes
    -----
    Mirrors ``labels.FormatLabels``: the ``key=value`` strings are sorted, so ``a.b=1``
    comes before ``a=2``.
    """
    if not labels:
        return "<none>"
    return ",".join(sorted(f"{k}={v}" for k, v in labels.items()))
