"""Resource quantities ("500m", "1Gi", "2e3") as integers: milli-units for cpu, units otherwise.

The scheduler only needs the value of a quantity, never its canonical text, so this is the small
reading half of upstream's `resource.Quantity`.
"""
from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation
from typing import Any

_BINARY = {"Ki": 2 ** 10, "Mi": 2 ** 20, "Gi": 2 ** 30, "Ti": 2 ** 40, "Pi": 2 ** 50,
           "Ei": 2 ** 60}
_DECIMAL = {"n": Decimal("1e-9"), "u": Decimal("1e-6"), "m": Decimal("1e-3"), "": Decimal(1),
            "k": Decimal("1e3"), "M": Decimal("1e6"), "G": Decimal("1e9"), "T": Decimal("1e12"),
            "P": Decimal("1e15"), "E": Decimal("1e18")}


def parse(value: Any) -> Decimal:
    """The exact value of a quantity; ValueError when it does not parse."""
    if isinstance(value, (int, float)):
        return Decimal(str(value))
    text = str(value).strip()
    if not text:
        raise ValueError("empty quantity")
    for suffix, factor in _BINARY.items():
        if text.endswith(suffix):
            return _number(text[:-2]) * factor
    if text[-1] in _DECIMAL and text[-1] != "" and not text[-1].isdigit():
        return _number(text[:-1]) * _DECIMAL[text[-1]]
    return _number(text)      # a plain number, possibly with an exponent ("1e3", "5E-1")


def _number(text: str) -> Decimal:
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"quantities must match the regular expression: {text!r}") from None
    if not number.is_finite():
        raise ValueError(f"not a finite quantity: {text!r}")
    return number


def milli_value(value: Any) -> int:
    """cpu: "500m" -> 500, "2" -> 2000 (rounded up, as upstream's MilliValue)."""
    return math.ceil(parse(value) * 1000)


def int_value(value: Any) -> int:
    """memory, storage, pods, extended resources: "1Gi" -> 1073741824 (rounded up)."""
    return math.ceil(parse(value))
