"""Conformance tests for k8slearn.api.quantity.

Expectations come from k8s.io/apimachinery ``pkg/api/resource/quantity_test.go``
(TestQuantityParse, TestQuantityString, TestQuantityParseEmit, TestParseQuantity,
TestNewSet, TestMilliNewSet, TestNewScaledSet, TestAdd, TestSub, TestMul, TestQuantityCmp,
TestQuantityAddZeroPreservesSuffix) and from ``quantity.go`` itself (ErrFormatWrong,
ErrNumeric, ErrSuffix, the canonical-string cache of ParseQuantity). Cases marked
"oracle" were checked by running upstream's quantity.go on the same input.
"""

from __future__ import annotations

import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st

from k8slearn.api.quantity import (
    BINARY_SI,
    DECIMAL_EXPONENT,
    DECIMAL_SI,
    ERR_FORMAT_WRONG,
    ERR_NUMERIC,
    ERR_SUFFIX,
    Quantity,
    cpu_millis,
    format_bytes_binary,
    format_cpu_millis,
    memory_bytes,
    parse_quantity,
)

SI, BIN, EXP = DECIMAL_SI, BINARY_SI, DECIMAL_EXPONENT
MAX_INT64 = 2**63 - 1


def dec(mantissa: int, exponent: int) -> int:
    """Nano-units of ``mantissa * 10**exponent`` (upstream's decQuantity helper)."""
    return mantissa * 10 ** (exponent + 9) if exponent >= -9 else mantissa // 10 ** (-9 - exponent)


def test_error_messages_are_upstream_text():
    """quantity.go: ErrFormatWrong embeds splitREString; ErrNumeric and ErrSuffix are fixed sentences."""
    assert ERR_FORMAT_WRONG == (
        "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
    )
    assert ERR_NUMERIC == "unable to parse numeric part of quantity"
    assert ERR_SUFFIX == "unable to parse quantity's suffix"


# (input, exact value in nano-units, format) - TestQuantityParse's table
PARSE_TABLE = [
    ("0", dec(0, 0), SI),
    ("0n", dec(0, 0), SI),
    ("0u", dec(0, 0), SI),
    ("0m", dec(0, 0), SI),
    ("0Ki", dec(0, 0), BIN),
    ("0k", dec(0, 0), SI),
    ("0Mi", dec(0, 0), BIN),
    ("0M", dec(0, 0), SI),
    ("0Gi", dec(0, 0), BIN),
    ("0G", dec(0, 0), SI),
    ("0Ti", dec(0, 0), BIN),
    ("0T", dec(0, 0), SI),
    ("1", dec(1, 0), SI),
    ("1Ki", dec(1024, 0), BIN),
    ("8Ki", dec(8 * 1024, 0), BIN),
    ("7Mi", dec(7 * 1024**2, 0), BIN),
    ("6Gi", dec(6 * 1024**3, 0), BIN),
    ("5Ti", dec(5 * 1024**4, 0), BIN),
    ("4Pi", dec(4 * 1024**5, 0), BIN),
    ("3Ei", dec(3 * 1024**6, 0), BIN),
    ("10Ti", dec(10 * 1024**4, 0), BIN),
    ("100Ti", dec(100 * 1024**4, 0), BIN),
    ("5n", dec(5, -9), SI),
    ("4u", dec(4, -6), SI),
    ("3m", dec(3, -3), SI),
    ("9", dec(9, 0), SI),
    ("8k", dec(8, 3), SI),
    ("50k", dec(5, 4), SI),
    ("7M", dec(7, 6), SI),
    ("6G", dec(6, 9), SI),
    ("5T", dec(5, 12), SI),
    ("40T", dec(4, 13), SI),
    ("300T", dec(3, 14), SI),
    ("2P", dec(2, 15), SI),
    ("1E", dec(1, 18), SI),
    ("1E-3", dec(1, -3), EXP),
    ("1e3", dec(1, 3), EXP),
    ("1E6", dec(1, 6), EXP),
    ("1e9", dec(1, 9), EXP),
    ("1E12", dec(1, 12), EXP),
    ("1e15", dec(1, 15), EXP),
    ("1E18", dec(1, 18), EXP),
    ("1e14", dec(1, 14), EXP),
    ("1e13", dec(1, 13), EXP),
    ("100.035k", dec(100035, 0), SI),
    ("0.001", dec(1, -3), SI),
    ("0.0005k", dec(5, -1), SI),
    ("0.005", dec(5, -3), SI),
    ("0.05", dec(5, -2), SI),
    ("0.5", dec(5, -1), SI),
    ("0.00050k", dec(5, -1), SI),
    ("0.00500", dec(5, -3), SI),
    ("0.05000", dec(5, -2), SI),
    ("0.50000", dec(5, -1), SI),
    ("0.5e0", dec(5, -1), EXP),
    ("0.5e-1", dec(5, -2), EXP),
    ("0.5e-2", dec(5, -3), EXP),
    ("10.035M", dec(10035, 3), SI),
    ("1.2e3", dec(12, 2), EXP),
    ("1.3E+6", dec(13, 5), EXP),
    ("1.40e9", dec(14, 8), EXP),
    ("1.53E12", dec(153, 10), EXP),
    ("1.6e15", dec(16, 14), EXP),
    ("1.7E18", dec(17, 17), EXP),
    ("9.01", dec(901, -2), SI),
    ("8.1k", dec(81, 2), SI),
    ("7.123456M", dec(7123456, 0), SI),
    ("6.987654321G", dec(6987654321, 0), SI),
    ("5.444T", dec(5444, 9), SI),
    ("40.1T", dec(401, 11), SI),
    ("300.2T", dec(3002, 11), SI),
    ("2.5P", dec(25, 14), SI),
    ("1.01E", dec(101, 16), SI),
    # things that saturate or round up to 1n
    ("3.001n", dec(4, -9), SI),
    ("1.1E-9", dec(2, -9), EXP),
    ("0.0000000001", dec(1, -9), SI),
    ("0.0000000005", dec(1, -9), SI),
    ("0.00000000050", dec(1, -9), SI),
    ("0.5e-9", dec(1, -9), EXP),
    ("0.9n", dec(1, -9), SI),
    ("0.00000012345", dec(124, -9), SI),
    ("0.00000012354", dec(124, -9), SI),
    ("9Ei", dec(MAX_INT64, 0), BIN),
    ("9223372036854775807Ki", dec(MAX_INT64, 0), BIN),
    ("12E", dec(12, 18), SI),
    # fractional binary
    ("100.035Ki", 10243584 * 10**7, BIN),
    ("0.5Mi", dec(512 * 1024, 0), BIN),
    ("0.05Gi", 536870912 * 10**8, BIN),
    ("0.025Ti", 274877906944 * 10**8, BIN),
    # written by trolls
    ("0.000000000001Ki", dec(2, -9), SI),
    (".001", dec(1, -3), SI),
    (".0001k", dec(100, -3), SI),
    ("1.", dec(1, 0), SI),
    ("1.G", dec(1, 9), SI),
]


@pytest.mark.parametrize(("text", "nanos", "fmt"), PARSE_TABLE, ids=[row[0] for row in PARSE_TABLE])
def test_parse_gives_the_exact_value_and_format(text, nanos, fmt):
    q = parse_quantity(text)
    assert (q.nanos, q.format) == (nanos, fmt)


@pytest.mark.parametrize(("text", "nanos", "fmt"), PARSE_TABLE, ids=[row[0] for row in PARSE_TABLE])
def test_parse_with_a_minus_sign_negates_and_keeps_the_format(text, nanos, fmt):
    q = parse_quantity("-" + text)
    assert (q.nanos, q.format) == (-nanos, fmt)


@pytest.mark.parametrize(("text", "nanos", "fmt"), PARSE_TABLE, ids=[row[0] for row in PARSE_TABLE])
def test_parse_with_a_plus_sign_is_the_same_value(text, nanos, fmt):
    q = parse_quantity("+" + text)
    assert (q.nanos, q.format) == (nanos, fmt)


INVALID = [
    pytest.param("", ERR_FORMAT_WRONG, id="the empty string is malformed"),
    pytest.param("1.1.M", ERR_FORMAT_WRONG, id="two decimal points are malformed"),
    pytest.param("1+1.0M", ERR_FORMAT_WRONG, id="a sign inside the number is malformed"),
    pytest.param("0.1am", ERR_FORMAT_WRONG, id="a letter outside the suffix alphabet is malformed"),
    pytest.param("aoeu", ERR_FORMAT_WRONG, id="words are malformed"),
    pytest.param(" 1", ERR_FORMAT_WRONG, id="leading whitespace is malformed"),
    pytest.param("1 ", ERR_FORMAT_WRONG, id="trailing whitespace is malformed"),
    pytest.param("1\n", ERR_FORMAT_WRONG, id="a trailing newline is malformed"),
    pytest.param("1e3.5", ERR_FORMAT_WRONG, id="a fractional exponent is malformed"),
    pytest.param("1KI", ERR_FORMAT_WRONG, id="upper-case I is not a suffix letter"),
    pytest.param("1kb", ERR_FORMAT_WRONG, id="b is not a suffix letter"),
    pytest.param("0.1mi", ERR_SUFFIX, id="mi is not a suffix"),
    pytest.param(".5i", ERR_SUFFIX, id="a lone i is not a suffix"),
    pytest.param("1i", ERR_SUFFIX, id="1i has an unknown suffix"),
    pytest.param("-3.01i", ERR_SUFFIX, id="negative with an unknown suffix"),
    pytest.param("-3.01e-", ERR_SUFFIX, id="an exponent without digits"),
    pytest.param("1e", ERR_SUFFIX, id="a bare e"),
    pytest.param("1ee3", ERR_SUFFIX, id="a doubled e"),
    pytest.param("1Ki3", ERR_SUFFIX, id="digits after a binary suffix"),
    pytest.param("-+1", ERR_SUFFIX, id="two signs (oracle)"),
    pytest.param("Pi", ERR_NUMERIC, id="no digits on the big-number path (oracle)"),
    pytest.param(".e-10", ERR_NUMERIC, id="only a dot on the big-number path (oracle)"),
]


@pytest.mark.parametrize(("text", "message"), INVALID)
def test_malformed_quantities_raise_the_upstream_error(text, message):
    with pytest.raises(ValueError) as info:
        parse_quantity(text)
    assert str(info.value) == message


# (value in nanos, format, canonical string, an alternate spelling or "") - TestQuantityString
STRING_TABLE = [
    (dec(1024**3, 0), BIN, "1Gi", "1024Mi"),
    (dec(300 * 1024**2, 0), BIN, "300Mi", "307200Ki"),
    (dec(6 * 1024, 0), BIN, "6Ki", ""),
    (dec(1001 * 1024**3, 0), BIN, "1001Gi", "1025024Mi"),
    (dec(1024**4, 0), BIN, "1Ti", "1024Gi"),
    (dec(5, 0), BIN, "5", "5000m"),
    (dec(500, -3), BIN, "500m", "0.5"),
    (dec(1, 9), SI, "1G", "1000M"),
    (dec(1000, 6), SI, "1G", "0.001T"),
    (dec(1000000, 3), SI, "1G", ""),
    (dec(1000000000, 0), SI, "1G", ""),
    (dec(1, -3), SI, "1m", "1000u"),
    (dec(80, -3), SI, "80m", ""),
    (dec(1080, -3), SI, "1080m", "1.08"),
    (dec(108, -2), SI, "1080m", "1080000000n"),
    (dec(10800, -4), SI, "1080m", ""),
    (dec(300, 6), SI, "300M", ""),
    (dec(1, 12), SI, "1T", ""),
    (dec(1234567, 6), SI, "1234567M", ""),
    (dec(1234567, -3), BIN, "1234567m", ""),
    (dec(3, 3), SI, "3k", ""),
    (dec(1025, 0), BIN, "1025", ""),
    (dec(0, 0), SI, "0", ""),
    (dec(0, 0), BIN, "0", ""),
    (dec(1, 9), EXP, "1e9", ".001e12"),
    (dec(1, -3), EXP, "1e-3", "0.001e0"),
    (dec(1, -9), EXP, "1e-9", "1000e-12"),
    (dec(80, -3), EXP, "80e-3", ""),
    (dec(300, 6), EXP, "300e6", ""),
    (dec(1, 12), EXP, "1e12", ""),
    (dec(1, 3), EXP, "1e3", ""),
    (dec(3, 3), EXP, "3e3", ""),
    (dec(3, 3), SI, "3k", ""),
    (dec(0, 0), EXP, "0", "00"),
    (dec(1, -9), SI, "1n", ""),
    (dec(80, -9), SI, "80n", ""),
    (dec(1080, -9), SI, "1080n", ""),
    (dec(108, -8), SI, "1080n", ""),
    (dec(10800, -10), SI, "1080n", ""),
    (dec(1, -6), SI, "1u", ""),
    (dec(80, -6), SI, "80u", ""),
    (dec(1080, -6), SI, "1080u", ""),
]
STRING_IDS = [f"{row[2]} ({row[1]})" for row in STRING_TABLE]


@pytest.mark.parametrize(("nanos", "fmt", "expect", "alternate"), STRING_TABLE, ids=STRING_IDS)
def test_canonical_string(nanos, fmt, expect, alternate):
    assert str(Quantity(nanos, fmt)) == expect
    assert str(parse_quantity(expect)) == expect
    if alternate:
        assert str(parse_quantity(alternate)) == expect


@pytest.mark.parametrize(("nanos", "fmt", "expect", "alternate"), STRING_TABLE, ids=STRING_IDS)
def test_canonical_string_of_the_negated_value_has_a_minus_sign(nanos, fmt, expect, alternate):
    if nanos == 0:
        assert str(-Quantity(nanos, fmt)) == "0"  # never "-0"
    else:
        assert str(-Quantity(nanos, fmt)) == "-" + expect


PARSE_EMIT = [
    # TestQuantityParseEmit
    ("1Ki", "1Ki"),
    ("1Mi", "1Mi"),
    ("1Gi", "1Gi"),
    ("1024Mi", "1Gi"),
    ("1000M", "1G"),
    (".001Ki", "1024m"),
    (".000001Ki", "1024u"),
    (".000000001Ki", "1024n"),
    (".000000000001Ki", "2n"),
    # the examples of the Quantity doc comment and of this project's brief
    ("1500m", "1500m"),
    ("1.5", "1500m"),
    ("1.5Gi", "1536Mi"),
    ("1536Mi", "1536Mi"),
    ("2048Ki", "2Mi"),
    ("1000k", "1M"),
    ("1e3", "1e3"),
    ("0.1", "100m"),
    ("1024", "1024"),
    ("0.1m", "100u"),
    ("128974848", "128974848"),
    ("129e6", "129e6"),
    ("123Mi", "123Mi"),
    # BinarySI that is fractional or below 1024 prints as DecimalSI (oracle)
    ("0.5Ki", "512"),
    ("1023.5Ki", "1048064"),
    ("0.5Gi", "512Mi"),
    ("1Pi", "1Pi"),
    ("1Ei", "1Ei"),
    ("9Ei", "9223372036854775807"),
    ("1e-20", "1e-9"),
    # the zero forms
    ("-0", "0"),
    (".", "0"),
    ("-.", "0"),
    ("Ki", "0"),
    ("m", "0"),
]


@pytest.mark.parametrize(("text", "expect"), PARSE_EMIT, ids=[f"{a} prints as {b}" for a, b in PARSE_EMIT])
def test_parse_then_print(text, expect):
    assert str(parse_quantity(text)) == expect


@pytest.mark.parametrize(("text", "expect"), PARSE_EMIT[:9], ids=[a for a, _ in PARSE_EMIT[:9]])
def test_parse_then_print_negative(text, expect):
    assert str(parse_quantity("-" + text)) == "-" + expect


ECHOED = [
    # (text, format, what arithmetic on it prints: the cached text is gone)
    pytest.param("+1", DECIMAL_SI, "1", id="a plus sign is kept"),
    pytest.param("1E3", DECIMAL_EXPONENT, "1e3", id="an upper-case E exponent is kept"),
    pytest.param("1e+3", DECIMAL_EXPONENT, "1e3", id="an explicit exponent sign is kept"),
    pytest.param("1.500k", DECIMAL_SI, "1500", id="a fraction that fills the suffix step is kept"),
    pytest.param("01", DECIMAL_SI, "1", id="a leading zero is kept"),
    pytest.param("1.G", DECIMAL_SI, "1G", id="a trailing dot is kept"),
    pytest.param("1.Ki", BINARY_SI, "1Ki", id="a trailing dot before Ki is kept"),
    pytest.param("100E", DECIMAL_SI, "100E", id="the largest decimal suffix is kept"),
]


@pytest.mark.parametrize(("text", "fmt", "recomputed"), ECHOED)
def test_input_that_is_already_canonical_in_value_is_echoed_verbatim(text, fmt, recomputed):
    """ParseQuantity caches the input string on its int64 fast path when the value is canonical (oracle)."""
    q = parse_quantity(text)
    assert (str(q), q.format) == (text, fmt)
    assert str(q + Quantity(0)) == recomputed


def test_a_decimal_exponent_above_18_prints_without_a_suffix():
    """Upstream has no DecimalSI suffix for 10^21, so 1000E prints as "1" (oracle)."""
    assert str(parse_quantity("1000E")) == "1"
    assert parse_quantity("1000E").value() == 10**21


BIG = [
    # TestParseQuantity: (input, canonical or "" when the input is echoed)
    ("-999999999999999999", ""),
    ("999999999999999999", ""),
    ("-999999999999999999.0", "-999999999999999999"),
    ("999999999999999999.1", "999999999999999999100m"),
    ("9999999999999999999", ""),
    ("-1E", ""),
    ("1000000000000000000", "1E"),
    ("-1000000000000000000", "-1E"),
    ("1.0E", "1E"),
    ("9999999999999999999000m", "9999999999999999999"),
    ("1.0000000000000000001E", "1000000000000000000100m"),
    ("1.000000000000000001E", "1000000000000000001"),
    ("10E", ""),
    ("10000000000000000000", "10E"),
    ("-10.0E", "-10E"),
    ("10000000000000000000000m", "10E"),
    ("10.0000000000000000001E", "10000000000000000000100m"),
    ("9223372036854775807", ""),
    ("9223372036854775808", ""),
    ("-9223372036854775808.1", "-9223372036854775808100m"),
    ("9223372036854775807000m", "9223372036854775807"),
]


@pytest.mark.parametrize(("text", "canonical"), BIG, ids=[row[0] for row in BIG])
def test_values_beyond_int64_stay_exact(text, canonical):
    assert str(parse_quantity(text)) == (canonical or text)


ROUNDING = [
    # (text, milli_value, value)
    pytest.param("1", 1000, 1, id="one core"),
    pytest.param("250m", 250, 1, id="a quarter core rounds up to one whole"),
    pytest.param("1500m", 1500, 2, id="1.5 rounds up to 2"),
    pytest.param("0.1m", 1, 1, id="a tenth of a millicore rounds up to 1m"),
    pytest.param("1n", 1, 1, id="one nano-unit rounds up to 1m and to 1"),
    pytest.param("1u", 1, 1, id="one micro-unit rounds up to 1m"),
    pytest.param("1001u", 2, 1, id="just above 1m rounds up to 2m"),
    pytest.param("1Gi", 1073741824000, 1073741824, id="one gibibyte"),
    pytest.param("1e3", 1000000, 1000, id="an exponent form"),
    pytest.param("0", 0, 0, id="zero"),
    pytest.param("-1500m", -1500, -2, id="negatives round away from zero"),
    pytest.param("-0.0015", -2, -1, id="negative fractions of a milli round away from zero (oracle)"),
]


@pytest.mark.parametrize(("text", "milli", "value"), ROUNDING)
def test_milli_value_and_value_round_up(text, milli, value):
    q = parse_quantity(text)
    assert (q.milli_value(), q.value()) == (milli, value)
    assert (cpu_millis(text), memory_bytes(text)) == (milli, value)


NEW = [
    # TestNewSet / TestMilliNewSet / TestNewScaledSet
    pytest.param(Quantity.from_value(1), "1", id="NewQuantity 1"),
    pytest.param(Quantity.from_value(1000), "1k", id="NewQuantity 1000"),
    pytest.param(Quantity.from_value(1234000), "1234k", id="NewQuantity 1234000"),
    pytest.param(Quantity.from_value(1024, BINARY_SI), "1Ki", id="NewQuantity 1024 BinarySI"),
    pytest.param(Quantity.from_value(1000000, DECIMAL_EXPONENT), "1e6", id="NewQuantity 1e6 DecimalExponent"),
    pytest.param(Quantity.from_value(1024 * 1024, BINARY_SI), "1Mi", id="NewQuantity 1Mi"),
    pytest.param(Quantity.from_milli(1), "1m", id="NewMilliQuantity 1"),
    pytest.param(Quantity.from_milli(1000), "1", id="NewMilliQuantity 1000"),
    pytest.param(Quantity.from_milli(1234000), "1234", id="NewMilliQuantity 1234000"),
    pytest.param(Quantity.from_milli(1024, BINARY_SI), "1024m", id="NewMilliQuantity 1024 BinarySI changes format"),
    pytest.param(Quantity.from_milli(1000000, DECIMAL_EXPONENT), "1e3", id="NewMilliQuantity 1e6 DecimalExponent"),
    pytest.param(Quantity.from_milli(1024 * 1024, BINARY_SI), "1048576m", id="NewMilliQuantity 1Mi BinarySI"),
    pytest.param(Quantity(1), "1n", id="NewScaledQuantity 1 Nano"),
    pytest.param(Quantity(1000), "1u", id="NewScaledQuantity 1000 Nano"),
    pytest.param(Quantity(1000 * 1000), "1m", id="NewScaledQuantity 1000 Micro"),
]


@pytest.mark.parametrize(("q", "expect"), NEW)
def test_constructed_quantities_print_canonically(q, expect):
    assert str(q) == expect
    assert parse_quantity(expect) == q


def test_unknown_format_is_rejected():
    with pytest.raises(ValueError, match="unknown quantity format"):
        Quantity(1, "Binary")


ARITHMETIC = [
    # TestAdd
    pytest.param(Quantity(dec(10, 0)) + Quantity(dec(1, 1)), dec(20, 0), SI, id="10 + 1e1"),
    pytest.param(Quantity(dec(10, 0)) + Quantity(dec(1, 0), BIN), dec(11, 0), SI, id="add keeps the left format"),
    pytest.param(Quantity(dec(10, 0), BIN) + Quantity(dec(1, 0)), dec(11, 0), BIN, id="add keeps BinarySI on the left"),
    pytest.param(Quantity(0) + Quantity(dec(50, 0)), dec(50, 0), SI, id="zero plus 50"),
    pytest.param(Quantity(0) + Quantity(0), 0, SI, id="zero plus zero"),
    # TestSub
    pytest.param(Quantity(dec(10, 0)) - Quantity(dec(1, 1)), 0, SI, id="10 - 1e1"),
    pytest.param(Quantity(dec(10, 0)) - Quantity(dec(1, 0), BIN), dec(9, 0), SI, id="sub keeps the left format"),
    pytest.param(Quantity(dec(10, 0), BIN) - Quantity(dec(1, 0)), dec(9, 0), BIN, id="sub keeps BinarySI on the left"),
    pytest.param(Quantity(0) - Quantity(dec(50, 0)), dec(-50, 0), SI, id="zero minus 50"),
    # TestMul
    pytest.param(Quantity(dec(10, 0)) * 10, dec(100, 0), SI, id="10 times 10"),
    pytest.param(Quantity(dec(10, 0), BIN) * -1, dec(-10, 0), BIN, id="times -1 keeps BinarySI"),
    pytest.param(Quantity(dec(-50, 0)) * -50, dec(2500, 0), SI, id="-50 times -50"),
    pytest.param(Quantity(dec(MAX_INT64, 0)) * 2, dec(2 * MAX_INT64, 0), SI, id="no overflow past int64"),
    pytest.param(3 * Quantity(dec(1, -3)), dec(3, -3), SI, id="int times quantity"),
]


@pytest.mark.parametrize(("q", "nanos", "fmt"), ARITHMETIC)
def test_arithmetic_is_exact_and_keeps_the_format(q, nanos, fmt):
    assert (q.nanos, q.format) == (nanos, fmt)


@pytest.mark.parametrize("text", ["100m", "1Gi"])
def test_adding_or_subtracting_zero_preserves_the_suffix(text):
    """TestQuantityAddZeroPreservesSuffix / TestQuantitySubZeroPreservesSuffix."""
    value, zero = parse_quantity(text), parse_quantity("0")
    assert str(value + zero) == text
    assert str(zero + value) == text
    assert str(value - zero) == text
    assert str(zero - value) == "-" + text


def test_sum_starts_from_integer_zero():
    total = sum(parse_quantity(s) for s in ["100m", "250m", "1"])
    assert str(total) == "1350m"


def test_arithmetic_rejects_other_types():
    q = parse_quantity("1")
    with pytest.raises(TypeError):
        q + 1  # noqa: B018
    with pytest.raises(TypeError):
        q * 1.5  # noqa: B018
    with pytest.raises(TypeError):
        q * True  # noqa: B018


COMPARE = [
    # TestQuantityCmp
    pytest.param("0", "0", 0, id="zero equals zero"),
    pytest.param("100m", "50m", 1, id="100m is more than 50m"),
    pytest.param("50m", "100m", -1, id="50m is less than 100m"),
    pytest.param("10000T", "100Gi", 1, id="10000T is more than 100Gi"),
    pytest.param("1Ki", "1024", 0, id="1Ki equals 1024 across formats"),
    pytest.param("1k", "1Ki", -1, id="1k is less than 1Ki"),
    pytest.param("1e3", "1k", 0, id="1e3 equals 1k"),
]


@pytest.mark.parametrize(("a", "b", "expect"), COMPARE)
def test_comparison(a, b, expect):
    qa, qb = parse_quantity(a), parse_quantity(b)
    assert qa.cmp(qb) == expect
    assert (qa < qb, qa == qb, qa > qb) == (expect < 0, expect == 0, expect > 0)
    assert (qa <= qb, qa != qb, qa >= qb) == (expect <= 0, expect != 0, expect >= 0)


def test_equal_quantities_hash_alike_and_sort_by_value():
    assert hash(parse_quantity("1Ki")) == hash(parse_quantity("1024"))
    assert len({parse_quantity("1Ki"), parse_quantity("1024"), parse_quantity("1.024k"), parse_quantity("1k")}) == 2
    ordered = sorted(parse_quantity(s) for s in ["1Gi", "1G", "500Mi", "1", "2e3"])
    assert [str(q) for q in ordered] == ["1", "2e3", "500Mi", "1G", "1Gi"]
    assert parse_quantity("1") != "1"


YAML_NUMBERS = [
    pytest.param(2, "2", SI, id="an int"),
    pytest.param(0.5, "500m", SI, id="a float"),
    pytest.param(2.0, "2", SI, id="a whole float prints like an int"),
    pytest.param(1e-5, "10u", SI, id="a small float is written without an exponent"),
    pytest.param(1e-7, "100e-9", EXP, id="a tiny float is written with an exponent"),
    pytest.param(1e21, "1e+21", EXP, id="a huge float is written with an exponent and kept verbatim"),
    pytest.param(134217728, "134217728", SI, id="bytes as an int stay DecimalSI"),
]


@pytest.mark.parametrize(("value", "expect", "fmt"), YAML_NUMBERS)
def test_numbers_from_yaml_parse_as_go_json_prints_them(value, expect, fmt):
    q = parse_quantity(value)
    assert (str(q), q.format) == (expect, fmt)


@pytest.mark.parametrize("value", [True, float("nan"), float("inf")], ids=["a bool", "nan", "infinity"])
def test_non_quantity_values_are_malformed(value):
    with pytest.raises(ValueError, match="quantities must match"):
        parse_quantity(value)


def test_other_types_are_a_type_error():
    with pytest.raises(TypeError):
        parse_quantity(None)


def test_parsing_is_cached_and_quantities_are_immutable():
    assert parse_quantity("1Gi") is parse_quantity("1Gi")
    assert Quantity.parse("1Gi") is parse_quantity("1Gi")
    q = parse_quantity("1Gi")
    assert parse_quantity(q) is q
    with pytest.raises(AttributeError):
        q.format = BINARY_SI
    with pytest.raises(AttributeError):
        q.extra = 1


def test_repr_pickle_and_truthiness():
    q = parse_quantity("1536Mi")
    assert repr(q) == "Quantity.parse('1536Mi')"
    assert eval(repr(q), {"Quantity": Quantity}) == q
    assert pickle.loads(pickle.dumps(q)) == q
    assert str(pickle.loads(pickle.dumps(parse_quantity("+1")))) == "+1"
    assert bool(q) and not parse_quantity("0")
    assert (q.sign(), (-q).sign(), parse_quantity("0").sign()) == (1, -1, 0)
    assert parse_quantity("0m").is_zero()


FORMAT_CPU = [(250, "250m"), (2000, "2"), (0, "0"), (1500, "1500m"), (100000, "100"), (1, "1m")]


@pytest.mark.parametrize(("millis", "expect"), FORMAT_CPU, ids=[f"{m} millicores" for m, _ in FORMAT_CPU])
def test_format_cpu_millis(millis, expect):
    assert format_cpu_millis(millis) == expect


FORMAT_BYTES = [
    (134217728, "128Mi"),
    (1073741824, "1Gi"),
    (8 * 1024**3 + 512 * 1024**2, "8704Mi"),
    (1024, "1Ki"),
    (1000, "1k"),  # below 1024 BinarySI prints as DecimalSI
    (1500000, "1500000"),  # not a whole number of Ki: printed in base 1024 with no suffix
    (0, "0"),
    (3 * 1024**5, "3Pi"),
]


@pytest.mark.parametrize(("size", "expect"), FORMAT_BYTES, ids=[str(b) for b, _ in FORMAT_BYTES])
def test_format_bytes_binary(size, expect):
    assert format_bytes_binary(size) == expect


def test_cpu_and_memory_helpers_accept_quantities_and_numbers():
    assert cpu_millis(parse_quantity("2")) == 2000
    assert cpu_millis(0.5) == 500
    assert memory_bytes(parse_quantity("1Ki")) == 1024
    assert memory_bytes(1024) == 1024


# -- properties ---------------------------------------------------------------------------

formats = st.sampled_from([DECIMAL_SI, BINARY_SI, DECIMAL_EXPONENT])
# below 10^21 in magnitude, where every canonical DecimalSI exponent has a suffix
nanos = st.integers(min_value=-(10**30) + 1, max_value=10**30 - 1)


@given(nanos, formats)
def test_property_parse_of_str_is_the_same_value(n, fmt):
    q = Quantity(n, fmt)
    text = str(q)
    assert parse_quantity(text) == q
    assert str(parse_quantity(text)) == text


@given(st.integers(min_value=0, max_value=10**24), st.sampled_from(["", "m", "k", "Mi", "Gi", "e3", "n"]))
def test_property_parse_of_integer_text_is_exact(n, suffix):
    scale = {"": 10**9, "m": 10**6, "k": 10**12, "Mi": 2**20 * 10**9, "Gi": 2**30 * 10**9, "e3": 10**12, "n": 1}
    q = parse_quantity(f"{n}{suffix}")
    expect = n * scale[suffix]
    if suffix in ("Mi", "Gi"):
        expect = min(expect, MAX_INT64 * 10**9)  # BinarySI is capped at 2^63-1
    assert q.nanos == expect


@given(nanos, nanos)
def test_property_arithmetic_and_order_follow_the_exact_value(a, b):
    qa, qb = Quantity(a), Quantity(b)
    assert (qa + qb) - qb == qa
    assert (qa < qb) == (a < b)
    magnitude = -(-abs(a) // 10**6)  # ceil(|a| / 10^6): rounding away from zero
    assert qa.milli_value() == (magnitude if a >= 0 else -magnitude)
