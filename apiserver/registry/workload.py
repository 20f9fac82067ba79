"""Rules shared by the pod-owning controllers: selector vs template, int-or-percent fields."""
from __future__ import annotations

import re
from typing import Any

from .fielderr import NEGATIVE, GoRepr, forbidden, invalid, not_supported, required
from .labels import (selector_go_repr, selector_is_empty, selector_matches_labels,
                     selector_values_ok, validate_label_selector)
from .names import validate_percent
from .pod_spec import validate_pod_template
from .typed import Errs, get_int, get_map, int_or_str, sub

MISMATCH = "`selector` does not match template `labels`"


def validate_nonnegative(errs: Errs, obj: dict, key: str, path: str) -> int | None:
    value = get_int(errs, obj, key, path)
    if value is not None and value < 0:
        errs.append(invalid(path, value, NEGATIVE))
    return value


def validate_selector(errs: Errs, spec: dict, path: str, kind_word: str) -> None:
    """Selector required, valid, and not empty ("empty selector is invalid for deployment")."""
    sel = spec.get("selector")
    if sel is None:
        errs.append(required(f"{path}.selector"))
        return
    errs.extend(validate_label_selector(sel, f"{path}.selector"))
    if isinstance(sel, dict) and selector_is_empty(sel):
        errs.append(invalid(f"{path}.selector", selector_go_repr(sel),
                            f"empty selector is invalid for {kind_word}"))


def template_labels(spec: dict) -> Any:
    return (sub(sub(spec, "template"), "metadata") or {}).get("labels")


def check_template_matches(errs: Errs, spec: dict, path: str) -> None:
    """The template labels must be selected by a non-empty, well-formed selector."""
    sel = spec.get("selector")
    if not isinstance(sel, dict) or selector_is_empty(sel) or not selector_values_ok(sel):
        return
    labels = template_labels(spec)
    if not selector_matches_labels(sel, labels):
        shown = labels if isinstance(labels, dict) and labels else _nil_labels(labels)
        errs.append(invalid(f"{path}.template.metadata.labels", shown, MISMATCH))


def _nil_labels(labels: Any) -> Any:
    return GoRepr("map[string]string(nil)") if labels is None else labels


def validate_replica_set_template(errs: Errs, spec: dict, path: str, kind_word: str) -> None:
    """ValidatePodTemplateSpecForReplicaSet: matching labels, a valid pod, restartPolicy Always."""
    check_template_matches(errs, spec, path)
    validate_pod_template(errs, spec.get("template"), f"{path}.template")
    tspec = sub(sub(spec, "template"), "spec") or {}
    policy = tspec.get("restartPolicy")
    if policy != "Always" and isinstance(policy, str) and policy:
        errs.append(not_supported(f"{path}.template.spec.restartPolicy", policy, ("Always",)))
    if tspec.get("activeDeadlineSeconds") is not None:
        errs.append(forbidden(f"{path}.template.spec.activeDeadlineSeconds",
                              f"activeDeadlineSeconds in {kind_word} is not Supported"))


_INT_PERCENT = re.compile(r"^[0-9]+%$")


def int_or_percent_value(value: Any) -> int:
    """getIntOrPercentValue: the number of a "25%" string or an int; 0 otherwise."""
    if isinstance(value, str):
        return int(value[:-1]) if _INT_PERCENT.match(value) else 0
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def validate_int_or_percent(errs: Errs, obj: dict, key: str, path: str,
                            max_100: bool = True) -> None:
    """ValidatePositiveIntOrPercent plus IsNotMoreThan100Percent."""
    value = int_or_str(errs, obj, key, path)
    if isinstance(value, str):
        msgs = validate_percent(value)
        errs.extend(invalid(path, value, m) for m in msgs)
        if not msgs and max_100 and int(value[:-1]) > 100:
            errs.append(invalid(path, value, "must not be greater than 100%"))
    elif isinstance(value, int) and value < 0:
        errs.append(invalid(path, value, NEGATIVE))


def get_spec(errs: Errs, obj: dict) -> dict:
    return get_map(errs, obj, "spec", "spec")
