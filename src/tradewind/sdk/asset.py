"""Assets: named pieces of data that tasks produce and that can trigger DAG runs, and asset
aliases: names that stand for the assets a task says it updated while it ran."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any


class BaseAsset:
    """Something a DAG can be scheduled on: an asset or a condition over assets."""

    def __or__(self, other: BaseAsset) -> AssetAny:
        return AssetAny(self, other)

    def __and__(self, other: BaseAsset) -> AssetAll:
        return AssetAll(self, other)

    def as_condition(self) -> dict[str, Any]:
        raise NotImplementedError

    def iter_assets(self) -> Iterator[Asset]:
        raise NotImplementedError

    def references(self) -> Iterator[dict[str, Any]]:
        """How a task's ``outlets`` or ``inlets`` name this in the DAG's spec: an asset as
        ``{"name", "uri", "group"}``, an alias as ``{"alias": {"name", "group"}}``."""
        for asset in self.iter_assets():
            yield {"name": asset.name, "uri": asset.uri, "group": asset.group}


@dataclass(frozen=True, eq=False)
class Asset(BaseAsset):
    """A named piece of data. ``Asset("s3://bucket/raw.csv")`` or ``Asset(name=..., uri=...)``."""

    name: str = ""
    uri: str = ""
    group: str = "asset"
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.name and not self.uri:
            raise ValueError("An Asset needs a name or a uri.")
        if not self.name:
            object.__setattr__(self, "name", self.uri)
        if not self.uri:
            object.__setattr__(self, "uri", self.name)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Asset) and (self.name, self.uri) == (other.name, other.uri)

    def __hash__(self) -> int:
        return hash((self.name, self.uri))

    def as_condition(self) -> dict[str, Any]:
        return {"asset": {"name": self.name, "uri": self.uri, "group": self.group}}

    def iter_assets(self) -> Iterator[Asset]:
        yield self


class _AssetBooleanCondition(BaseAsset):
    kind = ""

    def __init__(self, *objects: BaseAsset) -> None:
        for item in objects:
            if not isinstance(item, BaseAsset):
                raise TypeError(f"Assets can be combined only with assets, got {item!r}.")
        self.objects = list(objects)

    def as_condition(self) -> dict[str, Any]:
        return {self.kind: [item.as_condition() for item in self.objects]}

    def iter_assets(self) -> Iterator[Asset]:
        for item in self.objects:
            yield from item.iter_assets()

    def references(self) -> Iterator[dict[str, Any]]:
        for item in self.objects:
            yield from item.references()


@dataclass(frozen=True)
class AssetAlias(BaseAsset):
    """A name for the assets a task updates, when the task learns which only while it runs:
    ``outlets=[AssetAlias("daily-exports")]``, and DAGs may be scheduled on it
    (``schedule=[AssetAlias("daily-exports")]``, alone or with ``&`` and ``|``).

    Tradewind records aliases and the DAGs and tasks that mention them (the API lists them),
    but tasks cannot attach asset events to an alias yet (``outlet_events`` is not in the
    context): an alias stands for no asset, so a task's alias outlet records no event and a
    schedule condition on an alias alone never triggers a run. Name the assets themselves
    to have their events trigger runs.
    """

    name: str
    group: str = "asset"

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise ValueError("An AssetAlias needs a name: AssetAlias('my-alias').")

    def as_condition(self) -> dict[str, Any]:
        return {"alias": {"name": self.name, "group": self.group}}

    def iter_assets(self) -> Iterator[Asset]:
        # Which assets an alias stands for is known only at run time.
        return iter(())

    def references(self) -> Iterator[dict[str, Any]]:
        yield self.as_condition()


class AssetAny(_AssetBooleanCondition):
    """Triggers when any of its assets is updated."""

    kind = "any"


class AssetAll(_AssetBooleanCondition):
    """Triggers when all of its assets have been updated."""

    kind = "all"


def asset_condition(schedule: Any) -> dict[str, Any] | None:
    """The JSON condition for an asset schedule, or None if ``schedule`` is not about assets."""
    if isinstance(schedule, BaseAsset):
        return schedule.as_condition()
    if (
        isinstance(schedule, list | tuple)
        and schedule
        and all(isinstance(item, BaseAsset) for item in schedule)
    ):
        return AssetAll(*schedule).as_condition()
    return None
