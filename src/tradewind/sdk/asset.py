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

    While it runs, the task attaches events through the alias:
    ``context["outlet_events"][AssetAlias("daily-exports")].add(Asset("s3://x"), extra={})``
    (or ``yield Metadata(Asset("s3://x"), {}, alias=AssetAlias("daily-exports"))``). When the
    try succeeds, each such event is recorded for its asset, and the alias resolves to that
    asset from then on: a DAG scheduled on the alias is triggered by this event and by every
    later event of an asset the alias resolved to, however it was produced.
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


class Metadata:
    """What a task function yields to attach an asset event while it runs:
    ``yield Metadata(Asset("s3://x"), {"rows": 3})`` sets the extra of the event of the
    declared outlet ``s3://x``; with ``alias=AssetAlias("a")`` the event is added through
    that alias (which must be among the task's outlets). A string names the asset's URI or
    the alias."""

    __slots__ = ("alias", "asset", "extra")

    def __init__(
        self,
        asset: Asset | str,
        extra: Mapping[str, Any] | None = None,
        alias: AssetAlias | str | None = None,
    ) -> None:
        self.asset = asset if isinstance(asset, Asset) else Asset(asset)
        self.extra: dict[str, Any] = dict(extra or {})
        self.alias = AssetAlias(alias) if isinstance(alias, str) else alias

    def __repr__(self) -> str:
        return f"Metadata({self.asset!r}, {self.extra!r}, alias={self.alias!r})"


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
