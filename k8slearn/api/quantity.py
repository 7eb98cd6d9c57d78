"""Kubernetes resource quantities: ``500m`` CPU, ``1Gi`` memory, ``2e3`` anything.

A quantity is an exact fixed-point number written with a suffix. The API server parses
it, remembers which family of suffix it came with (its *format*), and prints it back in
canonical form. The scheduler and the kubelet compare CPU in millicores and memory in
bytes, rounding any fraction up.

Notes
-----
Mirrors k8s.io/apimachinery ``pkg/api/resource`` (``quantity.go``: ``ParseQuantity``,
``CanonicalizeBytes``, ``String``, ``MilliValue``, ``Value``; ``suffix.go``;
``amount.go``). Internally a value is an integer count of nano-units (10^-9), which is
exactly what upstream can represent: parsing rounds anything finer up to ``1n``.

Faithful oddities kept on purpose (each is what ``kubectl get -o yaml`` shows):

- A parsed string that is already canonical *in value* is echoed back verbatim, so
  ``+1``, ``1E3`` and ``1.500k`` print as typed (upstream caches the input string).
- ``BinarySI`` values between -1024 and 1024, or with a fraction, print as ``DecimalSI``
  (``NewQuantity(1000, BinarySI)`` prints ``1k``).
- A ``DecimalSI`` value whose canonical exponent is above 18 prints without a suffix
  (``1000E`` prints ``1``), because upstream has no suffix to print.

Deliberate differences: values never overflow (Python integers), and decimal exponents
above 1000 or more than 1000 digits are refused with the ``ErrNumeric`` message.

Used in: scheduler NodeResourcesFit, kubelet admission, kubectl describe, lesson 02.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache

__all__ = [
    "Quantity",
    "parse_quantity",
    "cpu_millis",
    "memory_bytes",
    "format_cpu_millis",
    "format_bytes_binary",
    "DECIMAL_SI",
    "BINARY_SI",
    "DECIMAL_EXPONENT",
    "ERR_FORMAT_WRONG",
    "ERR_NUMERIC",
    "ERR_SUFFIX",
]

DECIMAL_EXPONENT = "DecimalExponent"  # e.g. 12e6
BINARY_SI = "BinarySI"  # e.g. 12Mi (12 * 2^20)
DECIMAL_SI = "DecimalSI"  # e.g. 12M (12 * 10^6)
_FORMATS = (DECIMAL_SI, BINARY_SI, DECIMAL_EXPONENT)

SPLIT_RE_STRING = "^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$"
ERR_FORMAT_WRONG = "quantities must match the regular expression '" + SPLIT_RE_STRING + "'"
ERR_NUMERIC = "unable to parse numeric part of quantity"
ERR_SUFFIX = "unable to parse quantity's suffix"

_NANO = 10**9
_MILLI_IN_NANOS = 10**6
_MAX_INT64 = 2**63 - 1
_MAX_BINARY_NANOS = _MAX_INT64 * _NANO  # BinarySI values are capped at 2^63-1 on parse
_GUARD = 1000  # k8slearn guard: max decimal exponent and max digits

# The scanner of parseQuantityString as one pattern: sign, leading zeros, integer
# digits, optional "." and fraction digits, then suffix letters, a sign and digits.
_SCAN = re.compile(r"([+-]?)(0*)([0-9]*)(\.([0-9]*))?([eEinumkKMGTP]*[+-]?[0-9]*)")
_SIGNED_INT = re.compile(r"[+-]?[0-9]+")

_DECIMAL_SUFFIXES = {"": 0, "n": -9, "u": -6, "m": -3, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
_BINARY_SUFFIXES = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
_DECIMAL_SUFFIX_OF = {exp: suffix for suffix, exp in _DECIMAL_SUFFIXES.items()}
_BINARY_SUFFIX_OF = {exp // 10: suffix for suffix, exp in _BINARY_SUFFIXES.items()}


class Quantity:
    """An exact resource quantity with the format it prints in.

    Immutable and hashable; compares by value (``1Ki == 1024``), adds and subtracts with
    other quantities and multiplies by integers. Build one with :meth:`parse` (or
    :func:`parse_quantity`), :meth:`from_value` or :meth:`from_milli`.

    Parameters
    ----------
    nanos : int
        The exact value in nano-units (``1`` is ``1n``, ``10**9`` is ``1``).
    format : str
        ``"DecimalSI"``, ``"BinarySI"`` or ``"DecimalExponent"``.

    Examples
    --------
    >>> q = Quantity.parse("1.5Gi")
    >>> str(q), q.format, q.value()
    ('1536Mi', 'BinarySI', 1610612736)
    >>> str(Quantity.parse("250m") + Quantity.parse("1"))
    '1250m'

    Notes
    -----
    Mirrors apimachinery ``resource.Quantity``. ``+`` and ``-`` keep the left format
    unless the left value is zero (then the right format), like ``Quantity.Add``/``Sub``.
    """

    __slots__ = ("_nanos", "_format", "_s")

    def __init__(self, nanos: int = 0, format: str = DECIMAL_SI) -> None:
        if format not in _FORMATS:
            raise ValueError(f"unknown quantity format {format!r}; expected one of {', '.join(_FORMATS)}")
        self._nanos = int(nanos)
        self._format = format
        self._s: str | None = None

    @classmethod
    def _make(cls, nanos: int, format: str, s: str | None = None) -> Quantity:
        q = object.__new__(cls)
        q._nanos = nanos
        q._format = format
        q._s = s
        return q

    # -- constructors -------------------------------------------------------------
    @staticmethod
    def parse(s: str | int | float | Quantity) -> Quantity:
        """Parse ``s`` like ``resource.ParseQuantity``; see :func:`parse_quantity`."""
        return parse_quantity(s)

    @classmethod
    def from_value(cls, value: int, format: str = DECIMAL_SI) -> Quantity:
        """``value`` whole units, like ``resource.NewQuantity`` (``from_value(1024, "BinarySI")`` is ``1Ki``)."""
        return cls(value * _NANO, format)

    @classmethod
    def from_milli(cls, milli: int, format: str = DECIMAL_SI) -> Quantity:
        """``milli`` thousandths, like ``resource.NewMilliQuantity`` (``from_milli(250)`` is ``250m``)."""
        return cls(milli * _MILLI_IN_NANOS, format)

    # -- accessors ----------------------------------------------------------------
    @property
    def format(self) -> str:
        """The suffix family this quantity prints with."""
        return self._format

    @property
    def nanos(self) -> int:
        """The exact value in nano-units."""
        return self._nanos

    def milli_value(self) -> int:
        """``ceil(q * 1000)``, rounding away from zero, like ``MilliValue`` (``0.1m`` gives 1)."""
        n = self._nanos
        if n >= 0:
            return -(-n // _MILLI_IN_NANOS)
        return n // _MILLI_IN_NANOS

    def value(self) -> int:
        """The value rounded up to an integer, away from zero, like ``Value`` (``1500m`` gives 2)."""
        n = self._nanos
        if n >= 0:
            return -(-n // _NANO)
        return n // _NANO

    def is_zero(self) -> bool:
        """True when the value is zero, like ``IsZero``."""
        return self._nanos == 0

    def sign(self) -> int:
        """-1, 0 or 1, like ``Sign``."""
        n = self._nanos
        return (n > 0) - (n < 0)

    def cmp(self, other: Quantity) -> int:
        """-1, 0 or 1 as ``self`` is below, equal to or above ``other``, like ``Cmp``."""
        a, b = self._nanos, other._nanos
        return (a > b) - (a < b)

    # -- arithmetic ---------------------------------------------------------------
    def __add__(self, other: Quantity) -> Quantity:
        if not isinstance(other, Quantity):
            return NotImplemented
        fmt = other._format if self._nanos == 0 else self._format
        return Quantity._make(self._nanos + other._nanos, fmt)

    def __radd__(self, other: object) -> Quantity:
        # lets sum() start from the integer 0
        if other == 0 and not isinstance(other, bool):
            return self
        return NotImplemented

    def __sub__(self, other: Quantity) -> Quantity:
        if not isinstance(other, Quantity):
            return NotImplemented
        fmt = other._format if self._nanos == 0 else self._format
        return Quantity._make(self._nanos - other._nanos, fmt)

    def __mul__(self, other: int) -> Quantity:
        if not isinstance(other, int) or isinstance(other, bool):
            return NotImplemented
        return Quantity._make(self._nanos * other, self._format)

    __rmul__ = __mul__

    def __neg__(self) -> Quantity:
        return Quantity._make(-self._nanos, self._format)

    def __pos__(self) -> Quantity:
        return self

    def __bool__(self) -> bool:
        return self._nanos != 0

    # -- comparison ---------------------------------------------------------------
    def __eq__(self, other: object) -> bool:
        if isinstance(other, Quantity):
            return self._nanos == other._nanos
        return NotImplemented

    def __ne__(self, other: object) -> bool:
        if isinstance(other, Quantity):
            return self._nanos != other._nanos
        return NotImplemented

    def __lt__(self, other: Quantity) -> bool:
        if isinstance(other, Quantity):
            return self._nanos < other._nanos
        return NotImplemented

    def __le__(self, other: Quantity) -> bool:
        if isinstance(other, Quantity):
            return self._nanos <= other._nanos
        return NotImplemented

    def __gt__(self, other: Quantity) -> bool:
        if isinstance(other, Quantity):
            return self._nanos > other._nanos
        return NotImplemented

    def __ge__(self, other: Quantity) -> bool:
        if isinstance(other, Quantity):
            return self._nanos >= other._nanos
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._nanos)

    # -- printing -----------------------------------------------------------------
    def __str__(self) -> str:
        s = self._s
        if s is None:
            s = self._s = _canonical(self._nanos, self._format)
        return s

    def __repr__(self) -> str:
        return f"Quantity.parse({str(self)!r})"

    def __reduce__(self):
        return (Quantity._make, (self._nanos, self._format, self._s))


def _canonical(nanos: int, fmt: str) -> str:
    """The canonical text of a value, as ``Quantity.CanonicalizeBytes``."""
    if nanos == 0:
        return "0"
    if fmt == BINARY_SI:
        if -1024 * _NANO < nanos < 1024 * _NANO or nanos % _NANO:
            fmt = DECIMAL_SI  # small or fractional: would lose precision in base 1024
        else:
            mantissa, exponent = nanos // _NANO, 0
            while mantissa % 1024 == 0:
                mantissa //= 1024
                exponent += 1
            return f"{mantissa}{_BINARY_SUFFIX_OF.get(exponent, '')}"
    digits = str(abs(nanos))
    stripped = digits.rstrip("0")
    exponent = len(digits) - len(stripped) - 9
    pad = exponent % 3  # lower the exponent to a multiple of three
    mantissa = stripped + "0" * pad
    exponent -= pad
    sign = "-" if nanos < 0 else ""
    if fmt == DECIMAL_SI:
        return f"{sign}{mantissa}{_DECIMAL_SUFFIX_OF.get(exponent, '')}"
    return f"{sign}{mantissa}e{exponent}" if exponent else f"{sign}{mantissa}"


def _interpret(suffix: str) -> tuple[int, int, str] | None:
    """(base, exponent, format) of a suffix, like ``suffixer.interpret``."""
    exponent = _DECIMAL_SUFFIXES.get(suffix)
    if exponent is not None:
        return 10, exponent, DECIMAL_SI
    exponent = _BINARY_SUFFIXES.get(suffix)
    if exponent is not None:
        return 2, exponent, BINARY_SI
    if len(suffix) > 1 and suffix[0] in "eE" and _SIGNED_INT.fullmatch(suffix, 1):
        parsed = int(suffix[1:])
        if -(2**63) <= parsed <= _MAX_INT64:
            return 10, (parsed + 2**31) % 2**32 - 2**31, DECIMAL_EXPONENT  # Go's int32(parsed)
    return None


@lru_cache(maxsize=8192)
def _parse_text(text: str) -> Quantity:
    if not text:
        raise ValueError(ERR_FORMAT_WRONG)
    if text == "0":
        return Quantity._make(0, DECIMAL_SI, "0")
    m = _SCAN.fullmatch(text)
    if m is None:
        raise ValueError(ERR_FORMAT_WRONG)
    sign, zeros, num, dot, denom, suffix = m.groups()
    denom = denom or ""
    interpreted = _interpret(suffix)
    if interpreted is None:
        raise ValueError(ERR_SUFFIX)
    base, exponent, fmt = interpreted
    num = num or "0"
    if len(num) + len(denom) > _GUARD or (exponent > _GUARD and (num != "0" or denom.strip("0"))):
        raise ValueError(ERR_NUMERIC)
    shifted = num + denom

    # Upstream has an int64 fast path; inputs that take it and are already canonical
    # keep their original text as their printed form.
    cached = None
    if base == 10:
        scale = exponent - len(denom)
        fast = len(num) + len(denom) <= 18 and scale >= -9
        if fast and scale % 3 == 0 and not shifted.endswith("000") and shifted[0] != "0":
            cached = text
        numerator, shift = int(shifted), scale + 9
    else:
        fast = not denom and 15 - len(num) - exponent * 3 // 10 - 1 >= 0
        if fast and int(shifted) & 7:
            cached = text
        numerator, shift = int(shifted) << exponent, 9 - len(denom)
    if not fast and not (zeros or m.group(3) or denom):
        raise ValueError(ERR_NUMERIC)  # inf.Dec.SetString found no digits

    if shift >= 0:
        nanos = numerator * 10**shift
    elif numerator == 0:
        nanos = 0
    elif -shift > len(str(numerator)):
        nanos = 1  # below 1n: rounds up to the smallest representable amount
    else:
        nanos = -(-numerator // 10**-shift)
    if fmt == BINARY_SI:
        if nanos > _MAX_BINARY_NANOS:
            nanos = _MAX_BINARY_NANOS
        elif 0 < nanos < _NANO:
            fmt = DECIMAL_SI
    if sign == "-":
        nanos = -nanos
    return Quantity._make(nanos, fmt, cached)


def _go_json_number(f: float) -> str:
    """The text Go's encoding/json writes for a float, which is what ParseQuantity sees."""
    if f != f or f in (float("inf"), float("-inf")):
        return repr(f)
    a = abs(f)
    if a == 0 or 1e-6 <= a < 1e21:
        return format(Decimal(repr(f)).normalize(), "f")
    text = repr(f)
    return re.sub(r"e-0(\d)$", r"e-\1", text)


def parse_quantity(s: str | int | float | Quantity) -> Quantity:
    """Parse a quantity the way the API server does.

    Parameters
    ----------
    s : str, int, float or Quantity
        The text (``"500m"``, ``"1Gi"``, ``"2e3"``), or a number as YAML gives it
        (``2``, ``0.5``: read as Go's JSON decoder would print it). A Quantity is
        returned unchanged.

    Returns
    -------
    Quantity
        Cached: the same string always gives the same (immutable) object.

    Raises
    ------
    ValueError
        With upstream's message: ``ErrFormatWrong`` (not of the quantity shape, or
        empty), ``ErrSuffix`` (unknown suffix such as ``1i``) or ``ErrNumeric``.

    Examples
    --------
    >>> str(parse_quantity("1.5")), str(parse_quantity("2048Ki")), str(parse_quantity(0.1))
    ('1500m', '2Mi', '100m')

    Notes
    -----
    Mirrors ``resource.ParseQuantity``: leading/trailing spaces are errors, fractions
    finer than ``1n`` round up, ``BinarySI`` is capped at 2^63-1.
    """
    if type(s) is str:
        return _parse_text(s)
    if isinstance(s, Quantity):
        return s
    if isinstance(s, bool):
        return _parse_text("true" if s else "false")
    if isinstance(s, int):
        return _parse_text(str(s))
    if isinstance(s, float):
        return _parse_text(_go_json_number(s))
    if isinstance(s, str):
        return _parse_text(str(s))
    raise TypeError(f"cannot parse a quantity from {type(s).__name__}")


@lru_cache(maxsize=8192)
def _cpu_millis_text(text: str) -> int:
    return _parse_text(text).milli_value()


@lru_cache(maxsize=8192)
def _memory_bytes_text(text: str) -> int:
    return _parse_text(text).value()


def cpu_millis(s: str | int | float | Quantity) -> int:
    """Millicores of a CPU quantity (``"250m"`` gives 250, ``"2"`` gives 2000), rounded up.

    Notes
    -----
    What the scheduler and kubelet compare: ``Quantity.MilliValue()``.
    """
    if type(s) is str:
        return _cpu_millis_text(s)
    return parse_quantity(s).milli_value()


def memory_bytes(s: str | int | float | Quantity) -> int:
    """Bytes of a memory quantity (``"1Gi"`` gives 1073741824), rounded up.

    Notes
    -----
    What the scheduler and kubelet compare: ``Quantity.Value()``.
    """
    if type(s) is str:
        return _memory_bytes_text(s)
    return parse_quantity(s).value()


def format_cpu_millis(m: int) -> str:
    """Millicores as kubectl prints them: 250 gives ``250m``, 2000 gives ``2``.

    Notes
    -----
    ``resource.NewMilliQuantity(m, DecimalSI).String()``.
    """
    return _canonical(m * _MILLI_IN_NANOS, DECIMAL_SI)


def format_bytes_binary(b: int) -> str:
    """Bytes as kubectl prints them: 134217728 gives ``128Mi``, 1000 gives ``1k``.

    Notes
    -----
    ``resource.NewQuantity(b, BinarySI).String()``: below 1024, or when not a whole
    number of Ki, the decimal form is printed.
    """
    return _canonical(b * _NANO, BINARY_SI)
