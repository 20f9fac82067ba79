"""Label and selector cells, written as upstream's `labels.FormatLabels` and selector `String()`.

`FormatLabels` gives `a=1,b=2` (sorted) or `<none>`. A LabelSelector becomes a selector string with
requirements sorted by key: `app=web,tier in (a,b),!canary`. Upstream rejects an invalid selector
when it builds it, which the printers show as `<error>` (most kinds) or `<invalid>` (Deployment).
"""
from __future__ import annotations

import re
from typing import Any

from apiserver.tables.fields import dicts, str_map, strings

_NAME = r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
_KEY = re.compile(rf"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?{_NAME}$")
_VALUE = re.compile(rf"^({_NAME})?$")
_OPERATORS = {"In": " in ", "NotIn": " notin ", "Exists": "", "DoesNotExist": ""}


class InvalidSelector(ValueError):
    """The LabelSelector cannot be turned into a selector (bad key, value or operator)."""


def format_labels(labels: Any) -> str:
    """labels.FormatLabels: `k=v` pairs sorted by key, or `<none>`."""
    pairs = str_map({"m": labels}, "m")
    if not pairs:
        return "<none>"
    return ",".join(f"{k}={pairs[k]}" for k in sorted(pairs))


def _check_key(key: str) -> None:
    prefix, _, name = key.rpartition("/")
    if not _KEY.match(key) or len(name) > 63 or len(prefix) > 253:
        raise InvalidSelector(f"invalid label key {key!r}")


def _check_value(value: str) -> None:
    if len(value) > 63 or not _VALUE.match(value):
        raise InvalidSelector(f"invalid label value {value!r}")


def _requirement(key: str, operator: str, values: list[str]) -> str:
    _check_key(key)
    if operator == "=":
        _check_value(values[0])
        return f"{key}={values[0]}"
    if operator not in _OPERATORS:
        raise InvalidSelector(f"{operator!r} is not a valid label selector operator")
    if operator in ("Exists", "DoesNotExist"):
        if values:
            raise InvalidSelector("values set must be empty for exists and does not exist")
        return key if operator == "Exists" else f"!{key}"
    if not values:
        raise InvalidSelector("for 'in', 'notin' operators, values set can't be empty")
    for value in values:
        _check_value(value)
    return f"{key}{_OPERATORS[operator]}({','.join(sorted(values))})"


def selector_string(selector: Any) -> str:
    """metav1.LabelSelectorAsSelector(...).String(); "" for a nil or empty selector.

    Raises InvalidSelector for a selector upstream would refuse to build.
    """
    if not isinstance(selector, dict):
        return ""
    reqs: list[tuple[str, str]] = []
    for key, value in str_map(selector, "matchLabels").items():
        reqs.append((key, _requirement(key, "=", [value])))
    for expr in dicts(selector, "matchExpressions"):
        key = expr.get("key") if isinstance(expr.get("key"), str) else ""
        operator = expr.get("operator") if isinstance(expr.get("operator"), str) else ""
        reqs.append((key, _requirement(key, operator, strings(expr, "values"))))
    reqs.sort(key=lambda req: req[0])
    return ",".join(req for _, req in reqs)


def format_label_selector(selector: Any) -> str:
    """metav1.FormatLabelSelector: the selector, `<none>` when empty, `<error>` when invalid."""
    try:
        rendered = selector_string(selector)
    except InvalidSelector:
        return "<error>"
    return rendered or "<none>"
