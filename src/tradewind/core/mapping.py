"""How many instances a mapped task gets, from its length expression and upstream results."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from tradewind.errors import MappingError

#: ``lookup(task_id, key)`` → the length of that upstream result, or None while unknown.
LengthLookup = Callable[[str, str], int | None]


def resolve_length(spec: dict[str, Any], lookup: LengthLookup) -> int | None:
    """The number of mapped instances, or None while an upstream result is missing."""
    if "literal" in spec:
        return int(spec["literal"])
    if "xcom" in spec:
        task_id, key = spec["xcom"]
        return lookup(task_id, key)
    if "product" in spec:
        lengths = [resolve_length(item, lookup) for item in spec["product"]]
        if any(length is None for length in lengths):
            return None
        return math.prod(length for length in lengths if length is not None)
    if "zip" in spec:
        lengths = [resolve_length(item, lookup) for item in spec["zip"]]
        if any(length is None for length in lengths):
            return None
        known = [length for length in lengths if length is not None]
        return (max(known) if spec.get("longest") else min(known)) if known else 0
    raise MappingError(f"Unknown mapping length expression {spec!r}.")


def referenced_tasks(spec: dict[str, Any]) -> set[str]:
    """Upstream task ids whose results the length expression depends on."""
    if "xcom" in spec:
        return {spec["xcom"][0]}
    found: set[str] = set()
    for key in ("product", "zip"):
        for item in spec.get(key, ()):
            found |= referenced_tasks(item)
    return found
