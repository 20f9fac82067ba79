"""Resource quantities ("500m", "1Gi", "1e3") parsed to Decimal and printed canonically.

Upstream keeps a quantity's suffix family (binary, decimal SI or exponent) and prints the
canonical form on the way out ("1024Mi" -> "1Gi", "0.5" -> "500m"); resource lists are also
rounded up to milli precision by defaulting.
"""
from __future__ import annotations

import re
from decimal import ROUND_CEILING, Decimal, InvalidOperation, localcontext
from typing import Any

FORMAT_ERROR = ("quantities must match the regular expression "
                "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")
_SHAPE = re.compile(r"^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$")
_NUMBER = re.compile(r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)$")
_BINARY = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
_DECIMAL = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
_DECIMAL_BY_EXP = {v: k for k, v in _DECIMAL.items()}
_EXPONENT = re.compile(r"^[eE][-+]?[0-9]+$")


def _split(text: str) -> tuple[Decimal, str, str]:
    """(number, suffix, format) where format is "binary", "decimal" or "exponent"."""
    m = _SHAPE.match(text.strip()) if isinstance(text, str) else None
    if not m or not _NUMBER.match(m.group(1)):
        raise ValueError(FORMAT_ERROR)
    number, suffix = Decimal(m.group(1)), m.group(2)
    if suffix in _BINARY:
        return number, suffix, "binary"
    if suffix in _DECIMAL:
        return number, suffix, "decimal"
    if _EXPONENT.match(suffix) and abs(int(suffix[1:])) <= 100:
        return number, suffix, "exponent"
    raise ValueError("unable to parse quantity's suffix")


def parse_quantity(text: Any) -> Decimal:
    """The value of a quantity; ValueError with upstream's message when it does not parse.

    JSON numbers are accepted as upstream's decoder accepts them.
    """
    if isinstance(text, bool):
        raise ValueError(FORMAT_ERROR)
    if isinstance(text, (int, float)):
        text = repr(text) if isinstance(text, float) else str(text)
    if not isinstance(text, str):
        raise ValueError(FORMAT_ERROR)
    if len(text) > 100:
        raise ValueError(FORMAT_ERROR)
    number, suffix, fmt = _split(text)
    with localcontext() as ctx:
        ctx.prec = 120
        if fmt == "binary":
            return number * (Decimal(2) ** _BINARY[suffix])
        if fmt == "decimal":
            return number.scaleb(_DECIMAL[suffix])
        return number.scaleb(int(suffix[1:]))


def _format_of(text: Any) -> str:
    if not isinstance(text, str):
        return "decimal"
    try:
        return _split(text)[2]
    except ValueError:
        return "decimal"


def _decimal_text(value: Decimal, exponent_style: bool) -> str:
    """Integer mantissa with the largest exponent, a multiple of 3, that keeps it exact."""
    if value == 0:
        return "0"
    sign = "-" if value < 0 else ""
    value = abs(value)
    exp = 0
    with localcontext() as ctx:
        ctx.prec = 400
        while value != value.to_integral_value():
            value, exp = value * 1000, exp - 3
        value = value.to_integral_value()
        limit = 18 if not exponent_style else 10**6
        while value % 1000 == 0 and exp < limit:
            value, exp = value / 1000, exp + 3
    mantissa = str(int(value))
    if exponent_style:
        return f"{sign}{mantissa}" + (f"e{exp}" if exp else "")
    if exp < -9:  # smaller than nano: upstream rounds before printing; keep it exact instead
        return f"{sign}{mantissa}e{exp}"
    return f"{sign}{mantissa}{_DECIMAL_BY_EXP[exp]}"


def format_quantity(value: Decimal, fmt: str = "decimal") -> str:
    """Upstream's canonical string for a value in the given suffix family."""
    if fmt == "binary" and abs(value) >= 1024 and value == value.to_integral_value():
        sign, rest = ("-" if value < 0 else ""), int(abs(value))
        power = 0
        while rest % 1024 == 0 and power < 60:
            rest //= 1024
            power += 10
        suffix = next((k for k, v in _BINARY.items() if v == power), "")
        return f"{sign}{rest}{suffix}"
    return _decimal_text(value, fmt == "exponent")


def canonical_quantity(text: Any, round_to_milli: bool = False) -> str | None:
    """The canonical form of a quantity string, or None when it does not parse."""
    try:
        value = parse_quantity(text)
    except (ValueError, InvalidOperation):
        return None
    if round_to_milli:
        value = value.quantize(Decimal("0.001"), rounding=ROUND_CEILING) \
            if value > 0 else -((-value).quantize(Decimal("0.001"), rounding=ROUND_CEILING))
    try:
        return format_quantity(value, _format_of(text))
    except (InvalidOperation, KeyError, OverflowError):
        return None
