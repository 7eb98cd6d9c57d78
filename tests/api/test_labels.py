"""Conformance tests for k8slearn.api.labels.

Expectations come from k8s.io/apimachinery ``pkg/labels/selector_test.go``
(TestSelectorParse, TestSelectorMatches, TestSetSelectorParser, TestToString,
TestRequirementConstructor, TestRequirementSelectorMatching, TestParseOperator,
TestRequiresExactMatch, TestSetSelectorString), ``pkg/labels/labels_test.go``,
``pkg/apis/meta/v1/helpers_test.go`` (TestLabelSelectorAsSelector) and
``pkg/api/validate/content/kube.go`` / ``errors.go`` (message texts). Cases marked
"oracle" were checked by running upstream's selector.go on the same input.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from k8slearn.api.labels import (
    DOES_NOT_EXIST,
    DOUBLE_EQUALS,
    EQUALS,
    EXISTS,
    GREATER_THAN,
    IN,
    LESS_THAN,
    NOT_EQUALS,
    NOT_IN,
    Requirement,
    Selector,
    format_labels,
    new_requirement,
    parse_selector,
    selector_from_label_selector,
    selector_from_set,
    validate_label_key,
    validate_label_value,
)

KEY_REGEX_ERROR = (
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric "
    "character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
    "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
)
VALUE_REGEX_ERROR = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must "
    "start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used "
    "for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
)
SUBDOMAIN_REGEX_ERROR = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must "
    "start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)
BINARY_OPS = "in, notin, =, ==, !=, gt, lt"


# -- label syntax ---------------------------------------------------------------------------

KEYS = [
    pytest.param("app", [], id="a plain name is valid"),
    pytest.param("app.kubernetes.io/name", [], id="a DNS prefix and a name are valid"),
    pytest.param("MyName", [], id="upper case is valid in the name part"),
    pytest.param("a" * 63, [], id="a 63-character name is valid"),
    pytest.param("p" * 253 + "/x", [], id="a 253-character prefix is valid"),
    pytest.param("a" * 64, ["name part must be no more than 63 bytes"], id="a 64-character name is too long"),
    pytest.param("", ["name part must be non-empty", "name part " + KEY_REGEX_ERROR], id="the empty key"),
    pytest.param("-x", ["name part " + KEY_REGEX_ERROR], id="a name starting with a dash"),
    pytest.param("x_", ["name part " + KEY_REGEX_ERROR], id="a name ending with an underscore"),
    pytest.param("/x", ["prefix part must be non-empty"], id="an empty prefix"),
    pytest.param(
        "x/", ["name part must be non-empty", "name part " + KEY_REGEX_ERROR], id="an empty name after the prefix"
    ),
    pytest.param("UPPER/x", ["prefix part " + SUBDOMAIN_REGEX_ERROR], id="an upper-case prefix"),
    pytest.param(
        "p" * 254 + "/x",
        ["prefix part must be no more than 253 bytes"],
        id="a 254-character prefix is too long",
    ),
    pytest.param(
        "a/b/c",
        [
            "a valid label key "
            + KEY_REGEX_ERROR
            + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
        ],
        id="two slashes",
    ),
    pytest.param("é", ["name part " + KEY_REGEX_ERROR], id="non-ASCII letters"),
]


@pytest.mark.parametrize(("key", "errors"), KEYS)
def test_validate_label_key(key, errors):
    """content.IsLabelKey (validation.IsQualifiedName), messages verbatim."""
    assert validate_label_key(key) == errors


VALUES = [
    pytest.param("", [], id="the empty value is valid"),
    pytest.param("my_value", [], id="underscores are valid"),
    pytest.param("v1.2-rc", [], id="dots and dashes inside are valid"),
    pytest.param("v" * 63, [], id="63 characters are valid"),
    pytest.param("v" * 64, ["must be no more than 63 bytes"], id="64 characters are too long"),
    pytest.param("-a", [VALUE_REGEX_ERROR], id="a leading dash"),
    pytest.param("a b", [VALUE_REGEX_ERROR], id="a space"),
    pytest.param("a/b", [VALUE_REGEX_ERROR], id="a slash"),
    pytest.param("-" * 64, ["must be no more than 63 bytes", VALUE_REGEX_ERROR], id="too long and malformed"),
    pytest.param("é" * 32, ["must be no more than 63 bytes", VALUE_REGEX_ERROR], id="length counts UTF-8 bytes"),
]


@pytest.mark.parametrize(("value", "errors"), VALUES)
def test_validate_label_value(value, errors):
    """content.IsLabelValue (validation.IsValidLabelValue), messages verbatim."""
    assert validate_label_value(value) == errors


def test_regex_error_has_upstream_double_spaces():
    """content.RegexError joins examples as "'a', " + " or " + "'b', ", hence two spaces."""
    assert "(e.g. 'MyName',  or 'my.name',  or '123-abc', regex used" in validate_label_key("-")[0]


# -- parsing ----------------------------------------------------------------------------------

GOOD_STRINGS = ["x=a,y=b,z=c", "", "x!=a,y=b", "x=", "x= ", "x=,z= ", "x= ,z= ", "!x", "x>1", "x>1,z<5"]


@pytest.mark.parametrize("text", GOOD_STRINGS, ids=[repr(s) for s in GOOD_STRINGS])
def test_good_selectors_restring_without_spaces(text):
    """TestSelectorParse: String() of the parse is the input without spaces."""
    assert str(parse_selector(text)) == text.replace(" ", "")


PARSED = [
    # TestSetSelectorParser, (input, canonical string)
    ("", ""),
    ("\rx", "x"),
    ("this-is-a-dns.domain.com/key-with-dash", "this-is-a-dns.domain.com/key-with-dash"),
    (
        "this-is-another-dns.domain.com/key-with-dash in (so,what)",
        "this-is-another-dns.domain.com/key-with-dash in (so,what)",
    ),
    ("0.1.2.domain/99 notin (10.10.100.1, tick.tack.clock)", "0.1.2.domain/99 notin (10.10.100.1,tick.tack.clock)"),
    ("foo  in\t (abc)", "foo in (abc)"),
    ("x notin\n (abc)", "x notin (abc)"),
    ("x  notin\t\t(abc,def)", "x notin (abc,def)"),
    ("x in (abc,def)", "x in (abc,def)"),
    ("x in (abc,)", "x in (,abc)"),
    ("x in (abc,abc)", "x in (abc)"),
    ("x in ()", "x in ()"),
    ("x in (a,,)", "x in (,a)"),
    ("x in (a,,,)", "x in (,a)"),
    ("x in (a,,,,,,)", "x in (,a)"),
    ("x in (a,,a,,a,,a,,)", "x in (,a)"),
    ("x notin (abc,,def),bar,z in (),w", "bar,w,x notin (,abc,def),z in ()"),
    ("x,y in (a)", "x,y in (a)"),
    ("x=a", "x=a"),
    ("x>1", "x>1"),
    ("x<7", "x<7"),
    ("x=a,y!=b", "x=a,y!=b"),
    ("x=a,y!=b,z in (h,i,j)", "x=a,y!=b,z in (h,i,j)"),
    ("x notin ( )", "x notin ()"),
    ("x notin (, a)", "x notin (,a)"),
    ("a ", "a"),
    ("a in (x,y,notin, z,in)", "a in (in,notin,x,y,z)"),
    ("x=a,a=x", "a=x,x=a"),
    ("notin=in", "notin=in"),
    ("x==y", "x==y"),
    ("x ==, y", "x==,y"),
    ("in", "in"),
    ("x=\x00y", "x=y"),
]


@pytest.mark.parametrize(("text", "expect"), PARSED, ids=[repr(a) for a, _ in PARSED])
def test_parse_gives_the_canonical_string(text, expect):
    """Requirements sorted by key, set values sorted and de-duplicated, whitespace dropped."""
    assert str(parse_selector(text)) == expect


def test_parse_is_deterministic_and_cached():
    """TestDeterministicParse."""
    assert parse_selector("x=a,a=x") == parse_selector("a=x,x=a")
    assert parse_selector("x=a,a=x") is parse_selector("x=a,a=x")


def test_parsed_requirements():
    sel = parse_selector("x notin (b,a),!y,z>3,w")
    assert sel.requirements == (
        Requirement("w", EXISTS, ()),
        Requirement("x", NOT_IN, ("a", "b")),
        Requirement("y", DOES_NOT_EXIST, ()),
        Requirement("z", GREATER_THAN, ("3",)),
    )


PARSE_ERRORS = [
    ("x=a||y=b", 'unable to parse requirement: values[0][x]: Invalid value: "a||y": ' + VALUE_REGEX_ERROR),
    ("x==a==b", "found '==', expected: ',' or 'end of string'"),
    ("!x=a", "found '=', expected: ',' or 'end of string'"),
    (
        "x<a",
        "unable to parse requirement: values[0]: Invalid value: \"a\": for 'Gt', 'Lt' operators, the value must be an integer",
    ),
    ("x,,y", "found ',', expected: identifier after ','"),
    (",x,y", "found ',', expected: !, identifier, or 'end of string'"),
    ("x nott in (y)", f"unable to parse requirement: found 'nott', expected: {BINARY_OPS}"),
    ("a in (xyz),", "found '', expected: identifier after ','"),
    ("a in (xyz)b notin ()", "found 'b', expected: ',' or 'end of string'"),
    ("a in (xyz abc)", "unable to parse requirement: found 'abc', expected: ',' or ')'"),
    ("a notin(", "unable to parse requirement: found '', expected: ',', ')' or identifier"),
    ("a (", f"unable to parse requirement: found '(', expected: {BINARY_OPS}"),
    ("(", "found '(', expected: !, identifier, or 'end of string'"),
    ("!", "unable to parse requirement: found '', expected: identifier"),
    ("!!x", "unable to parse requirement: found '!', expected: identifier"),
    ("x!", f"unable to parse requirement: found '!', expected: {BINARY_OPS}"),
    ("x=(", "unable to parse requirement: found '(', expected: identifier"),
    ("x in y", "unable to parse requirement: found 'y' expected: '('"),
    ("x in", "unable to parse requirement: found '' expected: '('"),
    ("x in (=)", "unable to parse requirement: found '=', expected: ',', ')' or identifier"),
    ("x in ((a))", "unable to parse requirement: found '(', expected: ',', ')' or identifier"),
    ("a b", f"unable to parse requirement: found 'b', expected: {BINARY_OPS}"),
    (
        "x>",
        "unable to parse requirement: values[0]: Invalid value: \"\": for 'Gt', 'Lt' operators, the value must be an integer",
    ),
    (
        "x<1.5",
        "unable to parse requirement: values[0]: Invalid value: \"1.5\": for 'Gt', 'Lt' operators, the value must be an integer",
    ),
    (
        "x>9223372036854775808",
        "unable to parse requirement: values[0]: Invalid value: \"9223372036854775808\": for 'Gt', 'Lt' operators, the value must be an integer",
    ),
    ("x=a,", "found '', expected: identifier after ','"),
    ("x=-a", 'unable to parse requirement: values[0][x]: Invalid value: "-a": ' + VALUE_REGEX_ERROR),
    (
        "x=" + "v" * 64,
        'unable to parse requirement: values[0][x]: Invalid value: "' + "v" * 64 + '": must be no more than 63 bytes',
    ),
    ("-x", 'unable to parse requirement: <nil>: Invalid value: "-x": name part ' + KEY_REGEX_ERROR),
    ("/x", 'unable to parse requirement: <nil>: Invalid value: "/x": prefix part must be non-empty'),
    ("UPPER/x", 'unable to parse requirement: <nil>: Invalid value: "UPPER/x": prefix part ' + SUBDOMAIN_REGEX_ERROR),
    (
        "a/b/c",
        'unable to parse requirement: <nil>: Invalid value: "a/b/c": a valid label key '
        + KEY_REGEX_ERROR
        + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ),
]


@pytest.mark.parametrize(("text", "message"), PARSE_ERRORS, ids=[repr(a) for a, _ in PARSE_ERRORS])
def test_parse_errors_have_upstream_wording(text, message):
    """selector.go parser messages (oracle); keys are validated with a nil field path, printed <nil>."""
    with pytest.raises(ValueError) as info:
        parse_selector(text)
    assert str(info.value) == message


# -- matching ---------------------------------------------------------------------------------

MATCHES = [
    # TestSelectorMatches and TestRequirementSelectorMatching
    ("", {"x": "y"}, True),
    ("x=y", {"x": "y"}, True),
    ("x=y,z=w", {"x": "y", "z": "w"}, True),
    ("x!=y,z!=w", {"x": "z", "z": "a"}, True),
    ("notin=in", {"notin": "in"}, True),
    ("x", {"x": "z"}, True),
    ("!x", {"y": "z"}, True),
    ("x>1", {"x": "2"}, True),
    ("x<1", {"x": "0"}, True),
    ("x=z", {}, False),
    ("x=y", {"x": "z"}, False),
    ("x=y,z=w", {"x": "w", "z": "w"}, False),
    ("x!=y,z!=w", {"x": "z", "z": "w"}, False),
    ("x", {"y": "z"}, False),
    ("!x", {"x": "z"}, False),
    ("x>1", {"x": "0"}, False),
    ("x<1", {"x": "2"}, False),
    ("foo=bar", {"foo": "bar", "baz": "blah"}, True),
    ("baz=blah", {"foo": "bar", "baz": "blah"}, True),
    ("foo=bar,baz=blah", {"foo": "bar", "baz": "blah"}, True),
    ("foo=blah", {"foo": "bar", "baz": "blah"}, False),
    ("baz=bar", {"foo": "bar", "baz": "blah"}, False),
    ("foo=bar,foobar=bar,baz=blah", {"foo": "bar", "baz": "blah"}, False),
    ("x in (foo),y notin (alpha)", {"x": "foo", "y": "baz"}, True),
    ("x in (foo),y in (alpha)", {"x": "foo", "y": "baz"}, False),
    ("x notin (),y", {"y": ""}, True),
    ("!x,y", {"y": ""}, True),
    ("x notin (),!y", {"y": ""}, False),
    ("x in ()", {"y": "baz"}, False),
    ("x in ()", {"x": ""}, True),
    ("z>1", {"z": "2"}, True),
    ("z>1", {"z": "v2"}, False),
    ("z<1", {}, False),
    ("x=", {"x": ""}, True),
    ("x=", {}, False),
    ("x!=", {}, True),
    ("x in (a,b)", {"x": "b"}, True),
    ("x notin (a,b)", {"x": "b"}, False),
    ("x notin (a,b)", {}, True),
    ("x==a", {"x": "a"}, True),
]


@pytest.mark.parametrize(("text", "labels", "expect"), MATCHES, ids=[f"{s!r} on {ls}" for s, ls, _ in MATCHES])
def test_matches(text, labels, expect):
    assert parse_selector(text).matches(labels) is expect


def test_gt_lt_match_64_bit_integers_only():
    sel = Selector([Requirement("n", GREATER_THAN, ("5",))])
    assert sel.matches({"n": "6"}) and sel.matches({"n": "+6"})
    assert not sel.matches({"n": "5"}) and not sel.matches({"n": "9223372036854775808"})
    assert not sel.matches({"n": "6.0"}) and not sel.matches({"n": " 6"})
    assert not Selector([Requirement("n", LESS_THAN, ("x",))]).matches({"n": "1"})
    assert not Selector([Requirement("n", LESS_THAN, ("1", "2"))]).matches({"n": "0"})


def test_matches_accepts_none_as_no_labels():
    assert parse_selector("!x").matches(None)
    assert not parse_selector("x").matches(None)


# -- Selector values ---------------------------------------------------------------------------


def test_everything_and_nothing():
    """TestEverything; labels.Nothing() matches nothing, is not Empty and prints ""."""
    everything, nothing = Selector.everything(), Selector.nothing()
    assert everything.matches({"x": "y"}) and everything.matches({}) and everything.empty()
    assert not nothing.matches({"x": "y"}) and not nothing.matches({}) and not nothing.empty()
    assert str(everything) == str(nothing) == ""
    assert everything != nothing
    assert parse_selector("") is everything
    assert (repr(everything), repr(nothing)) == ("Selector.everything()", "Selector.nothing()")
    assert nothing.add(Requirement("x", EXISTS)) is nothing


TO_STRING = [
    # TestToString
    (
        [Requirement("x", IN, ("abc", "def")), Requirement("y", NOT_IN, ("jkl",)), Requirement("z", EXISTS)],
        "x in (abc,def),y notin (jkl),z",
    ),
    (
        [
            Requirement("x", NOT_IN, ("abc", "def")),
            Requirement("y", NOT_EQUALS, ("jkl",)),
            Requirement("z", DOES_NOT_EXIST),
        ],
        "x notin (abc,def),y!=jkl,!z",
    ),
    (
        [Requirement("x", NOT_IN, ("abc",)), Requirement("y", IN, ("jkl", "mno")), Requirement("z", NOT_IN, ("",))],
        "x notin (abc),y in (jkl,mno),z notin ()",
    ),
    (
        [
            Requirement("x", EQUALS, ("abc",)),
            Requirement("y", DOUBLE_EQUALS, ("jkl",)),
            Requirement("z", NOT_EQUALS, ("a",)),
            Requirement("z", EXISTS),
        ],
        "x=abc,y==jkl,z!=a,z",
    ),
    (
        [Requirement("x", GREATER_THAN, ("2",)), Requirement("y", LESS_THAN, ("8",)), Requirement("z", EXISTS)],
        "x>2,y<8,z",
    ),
    ([Requirement("z", IN, ("b", "a")), Requirement("a", EXISTS)], "a,z in (a,b)"),
]


@pytest.mark.parametrize(("requirements", "expect"), TO_STRING, ids=[e for _, e in TO_STRING])
def test_selector_string(requirements, expect):
    assert str(Selector(requirements)) == expect


def test_requirement_values_keep_their_order_but_print_sorted():
    """Requirement.String sorts a copy (safeSort); the stored values are untouched."""
    r = new_requirement("x", IN, ["b", "a"])
    assert r.values == ("b", "a")
    assert str(r) == "x in (a,b)"


def test_add_and_requires_exact_match():
    """Selector.Add sorts by key; TestRequiresExactMatch."""
    sel = Selector([Requirement("key", IN, ("value",))]).add(Requirement("key2", EQUALS, ("value2",)))
    assert str(sel) == "key in (value),key2=value2"
    assert sel.requires_exact_match("key") == "value"
    assert sel.requires_exact_match("key2") == "value2"
    assert sel.requires_exact_match("other") is None
    assert parse_selector("key in (v,w)").requires_exact_match("key") is None
    assert parse_selector("key!=v").requires_exact_match("key") is None
    assert parse_selector("key==v").requires_exact_match("key") == "v"


def test_selectors_are_hashable_values():
    assert hash(parse_selector("a=b,c")) == hash(Selector([Requirement("c", EXISTS), Requirement("a", EQUALS, ["b"])]))
    assert repr(parse_selector("b,a=x")) == "parse_selector('a=x,b')"


# -- new_requirement ------------------------------------------------------------------------------

REQUIREMENT_ERRORS = [
    # TestRequirementConstructor with the detail strings (oracle)
    pytest.param(
        "x1",
        IN,
        [],
        "values: Invalid value: []: for 'in', 'notin' operators, values set can't be empty",
        id="in without values",
    ),
    pytest.param(
        "x2",
        NOT_IN,
        None,
        "values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty",
        id="notin with nil values",
    ),
    pytest.param(
        "x5",
        EQUALS,
        ["bar", "foo"],
        'values: Invalid value: ["bar","foo"]: exact-match compatibility requires one single value',
        id="equals with two values",
    ),
    pytest.param(
        "x8",
        EXISTS,
        ["foo"],
        'values: Invalid value: ["foo"]: values set must be empty for exists and does not exist',
        id="exists with a value",
    ),
    pytest.param(
        "x13",
        GREATER_THAN,
        [],
        "values: Invalid value: []: for 'Gt', 'Lt' operators, exactly one value is required",
        id="gt without a value",
    ),
    pytest.param(
        "x14",
        GREATER_THAN,
        ["bar"],
        "values[0]: Invalid value: \"bar\": for 'Gt', 'Lt' operators, the value must be an integer",
        id="gt with a word",
    ),
    pytest.param(
        "x15",
        LESS_THAN,
        ["bar"],
        "values[0]: Invalid value: \"bar\": for 'Gt', 'Lt' operators, the value must be an integer",
        id="lt with a word",
    ),
    pytest.param(
        "a" * 254,
        EXISTS,
        [],
        'key: Invalid value: "' + "a" * 254 + '": name part must be no more than 63 bytes',
        id="a key too long",
    ),
    pytest.param(
        "x16",
        EQUALS,
        ["a" * 254],
        'values[0][x16]: Invalid value: "' + "a" * 254 + '": must be no more than 63 bytes',
        id="a value too long",
    ),
    pytest.param(
        "x17", EQUALS, ["a b"], 'values[0][x17]: Invalid value: "a b": ' + VALUE_REGEX_ERROR, id="a value with a space"
    ),
    pytest.param(
        "x22",
        GREATER_THAN,
        ["-5"],
        'values[0][x22]: Invalid value: "-5": ' + VALUE_REGEX_ERROR,
        id="a negative number is not a label value",
    ),
    pytest.param(
        "x25",
        EQUALS,
        ["a\tb\x01"],
        'values[0][x25]: Invalid value: "a\\tb\\x01": ' + VALUE_REGEX_ERROR,
        id="control characters are Go-quoted",
    ),
    pytest.param(
        "x18",
        "unsupportedOp",
        None,
        'operator: Unsupported value: "unsupportedOp": supported values: "in", "notin", "=", "==", "!=", "gt", "lt", "exists", "!"',
        id="an unsupported operator",
    ),
    pytest.param(
        "x19",
        "<op>",
        None,
        'operator: Unsupported value: "\\u003cop\\u003e": supported values: "in", "notin", "=", "==", "!=", "gt", "lt", "exists", "!"',
        id="an unsupported operator is JSON-encoded",
    ),
    pytest.param(
        "bad key",
        GREATER_THAN,
        ["x", "y"],
        '[key: Invalid value: "bad key": name part '
        + KEY_REGEX_ERROR
        + ", values: Invalid value: [\"x\",\"y\"]: for 'Gt', 'Lt' operators, exactly one value is required"
        + ", values[0]: Invalid value: \"x\": for 'Gt', 'Lt' operators, the value must be an integer"
        + ", values[1]: Invalid value: \"y\": for 'Gt', 'Lt' operators, the value must be an integer]",
        id="several errors are aggregated in brackets",
    ),
]


@pytest.mark.parametrize(("key", "op", "values", "message"), REQUIREMENT_ERRORS)
def test_new_requirement_errors(key, op, values, message):
    with pytest.raises(ValueError) as info:
        new_requirement(key, op, values)
    assert str(info.value) == message


GOOD_REQUIREMENTS = [
    ("x3", IN, ["foo"], "x3 in (foo)"),
    ("x4", NOT_IN, ["foo"], "x4 notin (foo)"),
    ("x6", EXISTS, [], "x6"),
    ("x7", DOES_NOT_EXIST, [], "!x7"),
    ("x11", GREATER_THAN, ["1"], "x11>1"),
    ("x12", LESS_THAN, ["6"], "x12<6"),
    ("x20", IN, ["b", "a", "c"], "x20 in (a,b,c)"),
    ("x21", DOUBLE_EQUALS, [""], "x21=="),
]


@pytest.mark.parametrize(("key", "op", "values", "expect"), GOOD_REQUIREMENTS, ids=[g[3] for g in GOOD_REQUIREMENTS])
def test_new_requirement_accepts(key, op, values, expect):
    assert str(new_requirement(key, op, values)) == expect


# -- API form and sets -------------------------------------------------------------------------


LABEL_SELECTORS = [
    # TestLabelSelectorAsSelector
    pytest.param(None, "", False, id="None selects nothing"),
    pytest.param({}, "", True, id="an empty selector selects everything"),
    pytest.param({"matchLabels": {}, "matchExpressions": []}, "", True, id="empty fields select everything"),
    pytest.param({"matchLabels": {"foo": "bar"}}, "foo=bar", False, id="matchLabels"),
    pytest.param(
        {"matchExpressions": [{"key": "baz", "operator": "In", "values": ["qux", "norf"]}]},
        "baz in (norf,qux)",
        False,
        id="matchExpressions",
    ),
    pytest.param(
        {
            "matchLabels": {"foo": "bar"},
            "matchExpressions": [{"key": "baz", "operator": "In", "values": ["qux", "norf"]}],
        },
        "baz in (norf,qux),foo=bar",
        False,
        id="both, sorted by key",
    ),
    pytest.param(
        {
            "matchExpressions": [
                {"key": "a", "operator": "NotIn", "values": ["x"]},
                {"key": "b", "operator": "Exists"},
                {"key": "c", "operator": "DoesNotExist", "values": []},
            ]
        },
        "a notin (x),b,!c",
        False,
        id="NotIn, Exists and DoesNotExist",
    ),
]


@pytest.mark.parametrize(("ls", "expect", "is_empty"), LABEL_SELECTORS)
def test_selector_from_label_selector(ls, expect, is_empty):
    sel = selector_from_label_selector(ls)
    assert (str(sel), sel.empty()) == (expect, is_empty)


def test_selector_from_label_selector_matching():
    sel = selector_from_label_selector(
        {"matchLabels": {"app": "web"}, "matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["db"]}]}
    )
    assert sel.matches({"app": "web"})
    assert sel.matches({"app": "web", "tier": "fe"})
    assert not sel.matches({"app": "web", "tier": "db"})
    assert not sel.matches({"tier": "fe"})
    assert not selector_from_label_selector(None).matches({})
    assert selector_from_label_selector({}).matches({"any": "thing"})


LABEL_SELECTOR_ERRORS = [
    pytest.param(
        {"matchExpressions": [{"key": "baz", "operator": "Foo"}]},
        '"Foo" is not a valid label selector operator',
        id="an unknown operator",
    ),
    pytest.param(
        {"matchExpressions": [{"key": "baz", "operator": "in", "values": ["a"]}]},
        '"in" is not a valid label selector operator',
        id="operators are case sensitive",
    ),
    pytest.param(
        {"matchExpressions": [{"key": "baz"}]},
        '"" is not a valid label selector operator',
        id="a missing operator",
    ),
    pytest.param(
        {"matchExpressions": [{"key": "baz", "operator": "Exists", "values": ["qux", "norf"]}]},
        'values: Invalid value: ["qux","norf"]: values set must be empty for exists and does not exist',
        id="Exists with values",
    ),
    pytest.param(
        {"matchExpressions": [{"key": "baz", "operator": "In", "values": []}]},
        "values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty",
        id="In with no values (Go copies them into a nil slice)",
    ),
    pytest.param(
        {"matchLabels": {"app": "a b"}},
        'values[0][app]: Invalid value: "a b": ' + VALUE_REGEX_ERROR,
        id="a bad matchLabels value",
    ),
    pytest.param(
        {"matchLabels": {"bad key": "x"}},
        'key: Invalid value: "bad key": name part ' + KEY_REGEX_ERROR,
        id="a bad matchLabels key",
    ),
]


@pytest.mark.parametrize(("ls", "message"), LABEL_SELECTOR_ERRORS)
def test_selector_from_label_selector_errors(ls, message):
    """metav1.LabelSelectorAsSelector error texts (oracle)."""
    with pytest.raises(ValueError) as info:
        selector_from_label_selector(ls)
    assert str(info.value) == message


def test_selector_from_set():
    """TestSetMatches, TestNilMapIsValid, TestSetIsEmpty; no validation, as SelectorFromSet."""
    labels = {"foo": "bar", "baz": "blah"}
    for selector in ({}, {"foo": "bar"}, {"baz": "blah"}, {"foo": "bar", "baz": "blah"}):
        assert selector_from_set(selector).matches(labels)
    assert not selector_from_set({"foo": "bar", "x": "y"}).matches(labels)
    assert selector_from_set(None).empty() and selector_from_set({}).empty()
    assert str(selector_from_set({"app": "foo", "a": "b"})) == "a=b,app=foo"
    assert str(selector_from_set({"k": "not valid!"})) == "k=not valid!"


FORMAT = [
    # labels.FormatLabels and TestSetString: sorted "k=v" strings, "<none>" when empty
    pytest.param(None, "<none>", id="None"),
    pytest.param({}, "<none>", id="no labels"),
    pytest.param({"app": "foo"}, "app=foo", id="one label"),
    pytest.param({"app": "foo", "a": "b"}, "a=b,app=foo", id="sorted"),
    pytest.param({"a": "2", "a.b": "1"}, "a.b=1,a=2", id="sorts whole k=v strings, so a.b before a"),
    pytest.param({"x": ""}, "x=", id="an empty value"),
]


@pytest.mark.parametrize(("labels", "expect"), FORMAT)
def test_format_labels(labels, expect):
    assert format_labels(labels) == expect


# -- properties ---------------------------------------------------------------------------------

ALNUM = "abcxyzABZ0129"
names = st.one_of(
    st.text(ALNUM, min_size=1, max_size=1),
    st.builds(
        lambda a, mid, b: a + mid + b,
        st.sampled_from(ALNUM),
        st.text(ALNUM + "-_.", max_size=8),
        st.sampled_from(ALNUM),
    ),
)
keys = st.one_of(names, st.builds(lambda p, n: f"{p}.io/{n}", st.text("abcxyz", min_size=1, max_size=6), names))
values = st.one_of(st.just(""), names)
requirements = st.one_of(
    st.builds(lambda k, v: Requirement(k, EQUALS, (v,)), keys, values),
    st.builds(lambda k, v: Requirement(k, NOT_EQUALS, (v,)), keys, values),
    st.builds(lambda k, vs: Requirement(k, IN, tuple(sorted(vs))), keys, st.sets(values, min_size=1, max_size=3)),
    st.builds(lambda k, vs: Requirement(k, NOT_IN, tuple(sorted(vs))), keys, st.sets(values, min_size=1, max_size=3)),
    st.builds(lambda k: Requirement(k, EXISTS), keys),
    st.builds(lambda k: Requirement(k, DOES_NOT_EXIST), keys),
    st.builds(lambda k, n: Requirement(k, GREATER_THAN, (str(n),)), keys, st.integers(0, 10**6)),
    st.builds(lambda k, n: Requirement(k, LESS_THAN, (str(n),)), keys, st.integers(0, 10**6)),
)
label_sets = st.dictionaries(keys, values, max_size=5)


@given(st.lists(requirements, max_size=5))
def test_property_parse_of_str_is_the_same_selector(reqs):
    sel = Selector(reqs)
    assert parse_selector(str(sel)) == sel if reqs else parse_selector(str(sel)).empty()


@given(st.lists(requirements, max_size=5), label_sets)
def test_property_a_selector_is_the_and_of_its_requirements(reqs, labels):
    assert Selector(reqs).matches(labels) == all(r.matches(labels) for r in reqs)


@given(label_sets, label_sets)
def test_property_a_set_selector_matches_any_superset(selector, extra):
    labels = {**extra, **selector}
    assert selector_from_set(selector).matches(labels)
    assert selector_from_set(selector).matches(extra) == all(extra.get(k) == v for k, v in selector.items())
