"""Labels and label selectors: syntax checks and matching (apimachinery's meta/v1 validation)."""
from __future__ import annotations

from typing import Any

from .fielderr import GoRepr, forbidden, go_quote, invalid, required
from .names import validate_label_value, validate_qualified_name
from .typed import Errs, get_list, get_str, get_str_list, get_str_map, type_error

OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")


def validate_label_key_at(key: str, path: str) -> Errs:
    return [invalid(path, key, msg) for msg in validate_qualified_name(key)]


def validate_labels(labels: Any, path: str) -> Errs:
    """ValidateLabels: every key a qualified name, every value a label value; field is the map."""
    errs: Errs = []
    if labels is None:
        return errs
    if not isinstance(labels, dict):
        return [type_error(path, labels, dict)]
    for key, value in labels.items():
        errs.extend(validate_label_key_at(key, path))
        if not isinstance(value, str):
            errs.append(type_error(f"{path}[{key}]", value, str))
            continue
        errs.extend(invalid(path, value, msg) for msg in validate_label_value(value))
    return errs


def validate_label_selector(sel: Any, field: str, allow_invalid_values: bool = False) -> Errs:
    """ValidateLabelSelector: matchLabels as labels, matchExpressions operator/values rules."""
    errs: Errs = []
    if sel is None:
        return errs
    if not isinstance(sel, dict):
        return [type_error(field, sel, dict)]
    errs.extend(validate_labels(sel.get("matchLabels"), f"{field}.matchLabels"))
    for i, expr in enumerate(get_list(errs, sel, "matchExpressions", f"{field}.matchExpressions")):
        path = f"{field}.matchExpressions[{i}]"
        if not isinstance(expr, dict):
            errs.append(type_error(path, expr, dict))
            continue
        errs.extend(_validate_requirement(expr, path, allow_invalid_values))
    return errs


def _validate_requirement(expr: dict, path: str, allow_invalid_values: bool) -> Errs:
    errs: Errs = []
    op = get_str(errs, expr, "operator", f"{path}.operator")
    values = get_str_list(errs, expr, "values", f"{path}.values")
    if op in ("In", "NotIn"):
        if not values:
            errs.append(required(f"{path}.values",
                                 "must be specified when `operator` is 'In' or 'NotIn'"))
    elif op in ("Exists", "DoesNotExist"):
        if values:
            errs.append(forbidden(f"{path}.values",
                                  "may not be specified when `operator` is 'Exists' or "
                                  "'DoesNotExist'"))
    else:
        errs.append(invalid(f"{path}.operator", op, "not a valid selector operator"))
    errs.extend(validate_label_key_at(get_str(errs, expr, "key", f"{path}.key"), f"{path}.key"))
    if not allow_invalid_values:
        for j, value in enumerate(values):
            errs.extend(invalid(f"{path}.values[{j}]", value, m)
                        for m in validate_label_value(value))
    return errs


def selector_is_empty(sel: Any) -> bool:
    """True for a selector with neither matchLabels nor matchExpressions."""
    if not isinstance(sel, dict):
        return True
    return not sel.get("matchLabels") and not sel.get("matchExpressions")


def selector_matches_labels(sel: Any, labels: Any) -> bool:
    """LabelSelectorAsSelector(sel).Matches(labels): nil matches nothing, {} matches everything.

    A malformed selector (bad operator, wrong types) matches nothing, as upstream's conversion
    error does.
    """
    if not isinstance(sel, dict):
        return False
    labels = labels if isinstance(labels, dict) else {}
    match_labels = sel.get("matchLabels") or {}
    exprs = sel.get("matchExpressions") or []
    if not isinstance(match_labels, dict) or not isinstance(exprs, list):
        return False
    if any(labels.get(k) != v for k, v in match_labels.items()):
        return False
    return all(_requirement_matches(e, labels) for e in exprs)


def _requirement_matches(expr: Any, labels: dict) -> bool:
    if not isinstance(expr, dict):
        return False
    key, op, values = expr.get("key"), expr.get("operator"), expr.get("values") or []
    if not isinstance(values, list):
        return False
    if op == "In":
        return bool(values) and key in labels and labels[key] in values
    if op == "NotIn":
        return bool(values) and (key not in labels or labels[key] not in values)
    if op == "Exists":
        return key in labels
    if op == "DoesNotExist":
        return key not in labels
    return False


def selector_go_repr(sel: Any) -> GoRepr:
    """A LabelSelector as Go's %#v prints it in upstream's Invalid messages."""
    sel = sel if isinstance(sel, dict) else {}
    labels = sel.get("matchLabels")
    if isinstance(labels, dict) and labels:
        inner = ", ".join(f"{go_quote(str(k))}:{go_quote(str(v))}"
                          for k, v in sorted(labels.items()))
        ml = f"map[string]string{{{inner}}}"
    else:
        ml = "map[string]string(nil)" if labels is None else "map[string]string{}"
    exprs = sel.get("matchExpressions")
    if isinstance(exprs, list) and exprs:
        parts = []
        for e in exprs:
            e = e if isinstance(e, dict) else {}
            vals = e.get("values") if isinstance(e.get("values"), list) else None
            vs = "[]string(nil)" if vals is None else \
                "[]string{" + ", ".join(go_quote(str(v)) for v in vals) + "}"
            parts.append(f"v1.LabelSelectorRequirement{{Key:{go_quote(str(e.get('key', '')))}, "
                         f"Operator:{go_quote(str(e.get('operator', '')))}, Values:{vs}}}")
        me = "[]v1.LabelSelectorRequirement{" + ", ".join(parts) + "}"
    else:
        me = "[]v1.LabelSelectorRequirement(nil)"
    return GoRepr(f"v1.LabelSelector{{MatchLabels:{ml}, MatchExpressions:{me}}}")


def selector_values_ok(sel: Any) -> bool:
    """Whether the selector converts (LabelSelectorAsSelector would not fail)."""
    errs: Errs = []
    if not isinstance(sel, dict):
        return sel is None
    get_str_map(errs, sel, "matchLabels", "")
    for expr in get_list(errs, sel, "matchExpressions", ""):
        if not isinstance(expr, dict) or expr.get("operator") not in OPERATORS:
            return False
    return not errs
