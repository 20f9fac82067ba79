"""Resource quantities ("500m", "128Mi", "1.5") as numbers: the kubelet's only arithmetic on them."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL = {"n": Decimal("1e-9"), "u": Decimal("1e-6"), "m": Decimal("1e-3"), "": Decimal(1),
            "k": Decimal(10**3), "M": Decimal(10**6), "G": Decimal(10**9),
            "T": Decimal(10**12), "P": Decimal(10**15), "E": Decimal(10**18)}


def parse_quantity(text: str | int | float) -> Decimal:
    """The value of a Kubernetes quantity; ValueError if it is not one."""
    s = str(text).strip()
    for suffix, factor in _BINARY.items():
        if s.endswith(suffix):
            return _number(s[:-2], text) * factor
    if s and s[-1] in _DECIMAL and not s[-1].isdigit() and s[-1] != "":
        return _number(s[:-1], text) * _DECIMAL[s[-1]]
    return _number(s, text)


def _number(s: str, original: object) -> Decimal:
    try:
        return Decimal(s)
    except InvalidOperation:
        raise ValueError(f"invalid quantity {original!r}") from None


def cpu_millis(text: str | int | float) -> int:
    return int((parse_quantity(text) * 1000).to_integral_value(rounding="ROUND_CEILING"))


def bytes_of(text: str | int | float) -> int:
    return int(parse_quantity(text).to_integral_value(rounding="ROUND_CEILING"))


def format_cpu(millis: int) -> str:
    return str(millis // 1000) if millis % 1000 == 0 else f"{millis}m"


def format_memory(n_bytes: int) -> str:
    """Ki, as the kubelet reports memory capacity ("16318284Ki"), or plain bytes."""
    return f"{n_bytes // 1024}Ki" if n_bytes % 1024 == 0 else str(n_bytes)
