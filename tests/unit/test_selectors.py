"""Label and field selectors: syntax, matching, canonical strings and upstream's error texts."""
import pytest

from machinery.api.errors import BadRequest
from machinery.selectors import (
    LabelSelector, label_selector_from_dict, label_selector_to_string, parse_field_selector,
    parse_label_selector, selector_from_set,
)

pytestmark = pytest.mark.unit

WEB = {"app": "web", "tier": "front", "n": "7"}


@pytest.mark.parametrize("text,expected", [
    ("app=web", True), ("app==web", True), ("app!=web", False), ("app!=db", True),
    ("missing!=x", True), ("app in (db,web)", True), ("app notin (db,web)", False),
    ("missing notin (x)", True), ("missing in (x)", False), ("app", True), ("!app", False),
    ("!missing", True), ("missing", False), ("app=web,tier=front", True),
    ("app=web,tier=back", False), ("n>5", True), ("n<5", False), ("app>5", False),
    ("", True), ("  app = web ,  tier in ( front , back )  ", True), ("missing=", False),
])
def test_label_selector_matches(text, expected):
    assert parse_label_selector(text).matches(WEB) is expected


def test_empty_value_matches_label_with_empty_value_only():
    sel = parse_label_selector("a=")
    assert sel.matches({"a": ""})
    assert not sel.matches({})
    assert parse_label_selector("a in ()").matches({"a": ""})


def test_none_labels_are_no_labels():
    assert parse_label_selector("!app").matches(None)
    assert not parse_label_selector("app").matches(None)


@pytest.mark.parametrize("text,canonical", [
    ("b=1,a=2", "a=2,b=1"),
    ("x in (foo,,baz),y,z notin ()", "x in (,baz,foo),y,z notin ()"),
    (" a , !b ", "a,!b"),
    ("a==b", "a==b"),
    ("k in (b,a,b)", "k in (a,b)"),
    ("in in (in,notin)", "in in (in,notin)"),
    ("example.com/app=x", "example.com/app=x"),
    ("a>5", "a>5"),
])
def test_label_selector_canonical_string(text, canonical):
    assert str(parse_label_selector(text)) == canonical


def test_empty_label_selector():
    assert parse_label_selector("").empty
    assert parse_label_selector(None).empty
    assert not parse_label_selector("a").empty
    assert LabelSelector.everything().matches({"x": "y"})
    assert not LabelSelector.nothing().matches({"x": "y"})
    assert not LabelSelector.nothing().empty


@pytest.mark.parametrize("text,message", [
    ("a in b", "unable to parse requirement: found 'b' expected: '('"),
    ("a b", "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"),
    ("a=b c", "found 'c', expected: ',' or 'end of string'"),
    (",a", "found ',', expected: !, identifier, or 'end of string'"),
    ("a,", "found '', expected: identifier after ','"),
    ("a in (x", "unable to parse requirement: found '', expected: ',' or ')'"),
    ("a=(b)", "unable to parse requirement: found '(', expected: identifier"),
    ("!a=b", "found '=', expected: ',' or 'end of string'"),
    ("=b", "found '=', expected: !, identifier, or 'end of string'"),
])
def test_label_selector_syntax_errors(text, message):
    with pytest.raises(BadRequest) as err:
        parse_label_selector(text)
    assert err.value.message == message
    assert err.value.code == 400


def test_label_selector_invalid_key():
    with pytest.raises(BadRequest) as err:
        parse_label_selector("-bad=x")
    assert err.value.message.startswith(
        'unable to parse requirement: <nil>: Invalid value: "-bad": name part must consist of '
        "alphanumeric characters")


@pytest.mark.parametrize("text,fragment", [
    ("a/b/c", "a qualified name must consist of"),
    ("/a", "prefix part must be non-empty"),
    ("Bad_Prefix/a", "prefix part a lowercase RFC 1123 subdomain"),
    ("a/", "name part must be non-empty"),
    ("k" * 64, "name part must be no more than 63 characters"),
])
def test_label_selector_invalid_key_messages(text, fragment):
    with pytest.raises(BadRequest) as err:
        parse_label_selector(text)
    assert fragment in err.value.message


def test_label_selector_invalid_values():
    with pytest.raises(BadRequest) as err:
        parse_label_selector("a=-x")
    assert err.value.message.startswith(
        'unable to parse requirement: values[0][a]: Invalid value: "-x": a valid label must be')
    with pytest.raises(BadRequest, match="must be no more than 63 characters"):
        parse_label_selector("a=" + "v" * 64)
    with pytest.raises(BadRequest, match="the value must be an integer"):
        parse_label_selector("a>x")


def test_requires_exact_match():
    sel = parse_label_selector("app=web,tier in (a),x in (a,b),y")
    assert sel.requires_exact_match("app") == "web"
    assert sel.requires_exact_match("tier") == "a"
    assert sel.requires_exact_match("x") is None
    assert sel.requires_exact_match("y") is None
    assert sel.requires_exact_match("nope") is None


def test_selector_from_set():
    sel = selector_from_set({"b": "2", "a": "1"})
    assert str(sel) == "a=1,b=2"
    assert sel.matches({"a": "1", "b": "2", "c": "3"})
    assert not sel.matches({"a": "1"})
    assert selector_from_set({}).empty and selector_from_set(None).matches({})


# --- metav1.LabelSelector ----------------------------------------------------------------------

def test_label_selector_from_dict_matches():
    sel = label_selector_from_dict({
        "matchLabels": {"app": "web"},
        "matchExpressions": [
            {"key": "tier", "operator": "In", "values": ["front", "back"]},
            {"key": "env", "operator": "NotIn", "values": ["prod"]},
            {"key": "app", "operator": "Exists"},
            {"key": "canary", "operator": "DoesNotExist"},
        ]})
    assert sel.matches({"app": "web", "tier": "front"})
    assert not sel.matches({"app": "web", "tier": "front", "canary": "1"})
    assert not sel.matches({"app": "web", "tier": "front", "env": "prod"})
    assert not sel.matches({"app": "db", "tier": "front"})


def test_label_selector_from_dict_empty_and_none():
    assert label_selector_from_dict({}).matches({"a": "b"})
    assert label_selector_from_dict(None).matches({"a": "b"})
    assert not label_selector_from_dict(None, none_matches_all=False).matches({"a": "b"})
    assert label_selector_from_dict({"matchLabels": {}, "matchExpressions": []}).empty


@pytest.mark.parametrize("sel,message", [
    ({"matchExpressions": [{"key": "a", "operator": "Equals", "values": ["x"]}]},
     '"Equals" is not a valid label selector operator'),
    ({"matchExpressions": [{"key": "a", "operator": "In", "values": []}]},
     "values set can't be empty"),
    ({"matchExpressions": [{"key": "a", "operator": "Exists", "values": ["x"]}]},
     "values set must be empty for exists and does not exist"),
    ({"matchLabels": {"-a": "x"}}, 'key: Invalid value: "-a"'),
    ({"matchLabels": {"a": "x y"}}, 'values[0][a]: Invalid value: "x y"'),
])
def test_label_selector_from_dict_errors(sel, message):
    with pytest.raises(BadRequest) as err:
        label_selector_from_dict(sel)
    assert message in err.value.message


def test_label_selector_to_string():
    assert label_selector_to_string({"matchLabels": {"app": "web"}}) == "app=web"
    assert label_selector_to_string({
        "matchLabels": {"tier": "x", "app": "web"},
        "matchExpressions": [{"key": "b", "operator": "In", "values": ["y", "x"]},
                             {"key": "c", "operator": "DoesNotExist"}]}) == \
        "app=web,b in (x,y),!c,tier=x"
    assert label_selector_to_string({}) == ""


def test_string_round_trips():
    for text in ["app=web,b in (x,y),!c,tier=x", "a notin (,b),z"]:
        assert str(parse_label_selector(str(parse_label_selector(text)))) == text
        assert parse_label_selector(text) == parse_label_selector(str(parse_label_selector(text)))


# --- field selectors ---------------------------------------------------------------------------

POD_FIELDS = {"metadata.name": "web-1", "metadata.namespace": "default",
              "spec.nodeName": "node-1", "status.phase": "Running"}


@pytest.mark.parametrize("text,expected", [
    ("metadata.name=web-1", True), ("metadata.name==web-1", True),
    ("metadata.name!=web-1", False), ("spec.nodeName=node-2", False),
    ("spec.nodeName=node-1,status.phase!=Pending", True),
    ("spec.nodeName=node-1,status.phase!=Running", False),
    ("", True), ("spec.unknown=", True), ("spec.unknown!=", False),
])
def test_field_selector_matches(text, expected):
    assert parse_field_selector(text).matches(POD_FIELDS) is expected


def test_field_selector_requirements_and_string():
    sel = parse_field_selector("status.phase!=Running,spec.nodeName==n1")
    assert sel.requirements == [("spec.nodeName", "=", "n1"), ("status.phase", "!=", "Running")]
    assert str(sel) == "spec.nodeName=n1,status.phase!=Running"
    assert sel.requires_exact_match("spec.nodeName") == "n1"
    assert sel.requires_exact_match("status.phase") is None
    assert parse_field_selector("").empty and parse_field_selector(None).empty
    assert not sel.empty


def test_field_selector_escaping():
    sel = parse_field_selector(r"a=x\,y\=z\\,b=c")
    assert sel.requirements == [("a", "=", "x,y=z\\"), ("b", "=", "c")]
    assert str(sel) == r"a=x\,y\=z\\,b=c"
    assert sel.matches({"a": "x,y=z\\", "b": "c"})


@pytest.mark.parametrize("text,message", [
    ("a", "invalid selector: 'a'; can't understand 'a'"),
    ("a=b,c", "invalid selector: 'a=b,c'; can't understand 'c'"),
    (r"a=b\c", r"invalid field selector: invalid escape sequence: \c"),
    ("a=b\\", "invalid field selector: invalid escape sequence: \\"),
    ("a=b=c", "invalid field selector: unescaped character in value: ="),
])
def test_field_selector_errors(text, message):
    with pytest.raises(BadRequest) as err:
        parse_field_selector(text)
    assert err.value.message == message


def test_field_selector_check_supported():
    sel = parse_field_selector("metadata.name=x,spec.bogus=y")
    with pytest.raises(BadRequest, match="field label not supported: spec.bogus"):
        sel.check_supported({"metadata.name", "metadata.namespace"})
    parse_field_selector("metadata.name=x").check_supported({"metadata.name"})
