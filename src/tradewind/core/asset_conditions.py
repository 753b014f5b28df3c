"""Whether an asset schedule is satisfied by the assets updated since a DAG's last such run.

A condition is the JSON the SDK serializes: ``{"asset": {"name", "uri", "group"}}``,
``{"alias": {"name", "group"}}``, ``{"all": [conditions…]}`` or ``{"any": [conditions…]}``.
A list of assets as a schedule is ``all`` of them, as in Airflow. An alias stands for the
assets it resolved to (``aliases``: alias name → their URIs): it holds when any of them was
updated, and never while it has resolved to none.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from typing import Any

_NO_ALIASES: Mapping[str, Collection[str]] = {}


def condition_aliases(condition: dict[str, Any]) -> Iterator[str]:
    """The name of every alias the condition mentions."""
    if "alias" in condition:
        yield str(condition["alias"]["name"])
    for key in ("all", "any"):
        for item in condition.get(key, ()):
            yield from condition_aliases(item)


def condition_uris(
    condition: dict[str, Any], aliases: Mapping[str, Collection[str]] = _NO_ALIASES
) -> Iterator[str]:
    """Every asset URI the condition mentions, those its aliases resolved to included."""
    if "asset" in condition:
        yield str(condition["asset"]["uri"])
    if "alias" in condition:
        yield from aliases.get(str(condition["alias"]["name"]), ())
    for key in ("all", "any"):
        for item in condition.get(key, ()):
            yield from condition_uris(item, aliases)


def is_satisfied(
    condition: dict[str, Any],
    updated_uris: Collection[str],
    aliases: Mapping[str, Collection[str]] = _NO_ALIASES,
) -> bool:
    """True when the updated assets make the condition hold."""
    if "asset" in condition:
        return str(condition["asset"]["uri"]) in updated_uris
    if "alias" in condition:
        resolved = aliases.get(str(condition["alias"]["name"]), ())
        return any(uri in updated_uris for uri in resolved)
    if "all" in condition:
        return all(is_satisfied(item, updated_uris, aliases) for item in condition["all"])
    if "any" in condition:
        return any(is_satisfied(item, updated_uris, aliases) for item in condition["any"])
    return False
