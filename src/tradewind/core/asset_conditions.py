"""Whether an asset schedule is satisfied by the assets updated since a DAG's last such run.

A condition is the JSON the SDK serializes: ``{"asset": {"name", "uri", "group"}}``,
``{"all": [conditions…]}`` or ``{"any": [conditions…]}``. A list of assets as a schedule
is ``all`` of them, as in Airflow.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from typing import Any


def condition_uris(condition: dict[str, Any]) -> Iterator[str]:
    """Every asset URI the condition mentions."""
    if "asset" in condition:
        yield str(condition["asset"]["uri"])
    for key in ("all", "any"):
        for item in condition.get(key, ()):
            yield from condition_uris(item)


def is_satisfied(condition: dict[str, Any], updated_uris: Collection[str]) -> bool:
    """True when the updated assets make the condition hold."""
    if "asset" in condition:
        return str(condition["asset"]["uri"]) in updated_uris
    if "all" in condition:
        return all(is_satisfied(item, updated_uris) for item in condition["all"])
    if "any" in condition:
        return any(is_satisfied(item, updated_uris) for item in condition["any"])
    return False
