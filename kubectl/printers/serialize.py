"""YAML and JSON exactly as kubectl prints them (Go's sigs.k8s.io/yaml and encoding/json).

YAML: keys in go-yaml's natural order (digit runs compare as numbers, non-letters before
letters), strings that YAML 1.1 would read as something else double-quoted (`"1"`, `"y"`,
`""`, timestamps), multi-line strings as literal blocks, lines folded at 80 columns.
JSON: 4-space indent, sorted keys, non-ASCII kept, and `<`, `>`, `&` escaped as `\\u003c`...
"""
from __future__ import annotations

import functools
import json
import re
from typing import Any

import yaml

# what go-yaml v2 resolves a plain scalar to, when it is not a string
_YAML_BOOL_NULL = {"y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "true", "True",
                   "TRUE", "false", "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF",
                   "", "~", "null", "Null", "NULL", ".inf", ".Inf", ".INF", "+.inf", "+.Inf",
                   "+.INF", "-.inf", "-.Inf", "-.INF", ".nan", ".NaN", ".NAN"}
_INT = re.compile(r"^[-+]?(0b[01_]+|0o?[0-7_]+|0x[0-9a-fA-F_]+|[0-9][0-9_]*)$")
_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")
_BASE60 = re.compile(r"^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$")
_TIMESTAMP = re.compile(r"^\d{4}-\d\d?-\d\d?([Tt]|[ \t]+)\d\d?:\d\d?:\d\d?(\.\d*)?"
                        r"([ \t]*(Z|[-+]\d\d?(:\d\d)?))?$|^\d{4}-\d\d-\d\d$")


def _needs_quotes(s: str) -> bool:
    """True if a plain scalar `s` would not read back as a string (go-yaml's resolve)."""
    if s in _YAML_BOOL_NULL:
        return True
    if _INT.match(s) or _FLOAT.match(s) or _BASE60.match(s) or _TIMESTAMP.match(s):
        return True
    return False


def _go_yaml_less(a: str, b: str) -> bool:
    """go-yaml v2's keyList.Less for two string keys."""
    for i in range(min(len(a), len(b))):
        if a[i] == b[i]:
            continue
        al, bl = a[i].isalpha(), b[i].isalpha()
        if al and bl:
            return a[i] < b[i]
        if al or bl:
            return bl
        an, ai = _digits(a, i)
        bn, bi = _digits(b, i)
        if (a[i] == "0" or b[i] == "0") and _nonzero_digit_before(a, i):
            an, bn = an + 1, bn + 1  # leading zeros are not numbers: keep lexical order
        if an != bn:
            return an < bn
        if ai != bi:
            return ai < bi
        return a[i] < b[i]
    return len(a) < len(b)


def _nonzero_digit_before(s: str, i: int) -> bool:
    j = i - 1
    while j >= 0 and s[j].isdigit():
        if s[j] != "0":
            return True
        j -= 1
    return False


def _digits(s: str, i: int) -> tuple[int, int]:
    n, j = 0, i
    while j < len(s) and s[j].isdigit():
        n = n * 10 + int(s[j])
        j += 1
    return n, j


def _key_order(a: Any, b: Any) -> int:
    a, b = str(a), str(b)
    if a == b:
        return 0
    return -1 if _go_yaml_less(a, b) else 1


class _GoYamlDumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:  # Go never writes anchors
        return True


def _represent_str(dumper: yaml.SafeDumper, s: str) -> yaml.Node:
    if "\n" in s:
        return dumper.represent_scalar("tag:yaml.org,2002:str", s, style="|")
    if _needs_quotes(s):
        return dumper.represent_scalar("tag:yaml.org,2002:str", s, style='"')
    return dumper.represent_scalar("tag:yaml.org,2002:str", s)


def _represent_dict(dumper: yaml.SafeDumper, d: dict) -> yaml.Node:
    items = sorted(d.items(), key=functools.cmp_to_key(lambda x, y: _key_order(x[0], y[0])))
    return dumper.represent_mapping("tag:yaml.org,2002:map", items)


def _represent_float(dumper: yaml.SafeDumper, f: float) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:float", go_float(f))


_GoYamlDumper.add_representer(str, _represent_str)
_GoYamlDumper.add_representer(dict, _represent_dict)
_GoYamlDumper.add_representer(float, _represent_float)


def go_float(f: float) -> str:
    """Go's strconv.FormatFloat(f, 'g', -1, 64), as %v prints a float64."""
    if f != f:
        return "NaN"
    if f in (float("inf"), float("-inf")):
        return "+Inf" if f > 0 else "-Inf"
    if f == int(f) and abs(f) < 1e21:
        return str(int(f))
    text = repr(f)
    if "e" in text:
        mantissa, exp = text.split("e")
        sign = "-" if exp.startswith("-") else "+"
        digits = exp.lstrip("+-").lstrip("0") or "0"
        return f"{mantissa}e{sign}{digits.zfill(2)}"
    return text


def to_yaml(obj: Any) -> str:
    return yaml.dump(obj, Dumper=_GoYamlDumper, default_flow_style=False, allow_unicode=True,
                     sort_keys=False, width=80)


_HTML_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028",
                 "\u2029": "\\u2029"}


def to_json(obj: Any, indent: int | None = 4, sort_keys: bool = True) -> str:
    """json.MarshalIndent(obj, "", "    ") (or json.Marshal when indent is None). Maps print
    with sorted keys; typed objects (`sort_keys=False`) in their struct's field order."""
    separators = (",", ": ") if indent else (",", ":")
    text = json.dumps(obj, indent=indent, sort_keys=sort_keys, ensure_ascii=False,
                      separators=separators, default=str)
    return re.sub("[<>&\u2028\u2029]", lambda m: _HTML_ESCAPES[m.group(0)], text)
