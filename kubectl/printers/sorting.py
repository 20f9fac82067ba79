"""`--sort-by` ordering, as kubectl's sorter compares field values: missing values first,
numbers by value, quantities (`100m`, `1Gi`) by amount, other strings in natural order
(`pod-2` before `pod-10`)."""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

_QUANTITY = re.compile(r"^([+-]?[0-9.]+)([a-zA-Z]{0,2})$")
_SUFFIXES = {"": 1, "n": Decimal("1e-9"), "u": Decimal("1e-6"), "m": Decimal("1e-3"),
             "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12, "P": 10**15, "E": 10**18,
             "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}


def parse_quantity(text: str) -> Decimal | None:
    m = _QUANTITY.match(text)
    if not m or m.group(2) not in _SUFFIXES:
        return None
    try:
        return Decimal(m.group(1)) * Decimal(_SUFFIXES[m.group(2)])
    except InvalidOperation:
        return None


def natural_less(a: str, b: str) -> bool:
    """fvbommel/sortorder.NaturalLess: digit runs compare as numbers."""
    ca, cb = _chunks(a), _chunks(b)
    for x, y in zip(ca, cb):
        if x == y:
            continue
        if isinstance(x, int) and isinstance(y, int):
            return x < y
        return str(x) < str(y)
    return len(ca) < len(cb)


def _chunks(s: str) -> list[Any]:
    return [int(p) if p.isdigit() else p for p in re.findall(r"\d+|\D+", s)]


def sort_key_compare(a: Any, b: Any) -> int:
    if a == b:
        return 0
    if a is None or b is None:
        return -1 if a is None else 1
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return -1 if a < b else 1
    if isinstance(a, str) and isinstance(b, str):
        qa, qb = parse_quantity(a), parse_quantity(b)
        if qa is not None and qb is not None and qa != qb:
            return -1 if qa < qb else 1
        return -1 if natural_less(a, b) else (1 if natural_less(b, a) else 0)
    return -1 if str(a) < str(b) else 1
