"""The ``outlet_events`` context key: the asset events a running task attaches.

``outlet_events[Asset("s3://x")]`` is the accessor of a declared asset outlet: its ``extra``
becomes the extra of the event recorded for ``s3://x`` when the try succeeds.
``outlet_events[AssetAlias("a")].add(Asset("s3://y"), extra={...})`` attaches an event for
``s3://y`` through the alias ``a``, which must be among the task's outlets. A key may also be
a name: an alias outlet's, else an asset outlet's name or URI (Airflow 2 looked events up by
URI); ``for_asset(name=..., uri=...)`` and ``for_asset_alias(name=...)`` do the same.

:func:`outlet_event_reports` turns what the task attached into the JSON objects that its
:class:`~tradewind.contracts.events.TaskEvent` carries back to the scheduler.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from tradewind.errors import OutletEventError
from tradewind.logging import get_logger
from tradewind.sdk.asset import Asset, AssetAlias, BaseAsset

__all__ = ["AliasEvent", "OutletEventAccessor", "OutletEventAccessors", "outlet_event_reports"]

log = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class AliasEvent:
    """An event for ``asset`` that a task added through the alias ``alias_name``."""

    alias_name: str
    asset: Asset
    extra: dict[str, Any]


class OutletEventAccessor:
    """What a task attaches through one key: an asset outlet's ``extra``, or the events it
    adds through an alias (``add``)."""

    def __init__(
        self, task_id: str, *, asset: Asset | None = None, alias: AssetAlias | None = None
    ) -> None:
        self._task_id = task_id
        self.asset = asset
        self.alias = alias
        self.extra: dict[str, Any] = {}
        self.asset_alias_events: list[AliasEvent] = []

    def add(self, asset: Asset | str, extra: Mapping[str, Any] | None = None) -> None:
        """Attach an event for ``asset`` (an Asset, or a URI) through this accessor's alias."""
        target = asset if isinstance(asset, Asset) else Asset(asset)
        if self.alias is None:
            # Airflow ignores this too; the warning says why nothing was recorded.
            log.warning(
                "outlet_events[...].add(%r) does nothing on an asset's accessor: add events "
                "through an AssetAlias among the task's outlets, or set .extra instead.",
                target.uri,
            )
            return
        self.asset_alias_events.append(AliasEvent(self.alias.name, target, dict(extra or {})))

    def __repr__(self) -> str:
        subject = self.alias if self.alias is not None else self.asset
        return f"<OutletEventAccessor of {subject!r}>"


class _UndeclaredAliasAccessor(OutletEventAccessor):
    """An alias that is not among the task's outlets: adding through it is an error."""

    def add(self, asset: Asset | str, extra: Mapping[str, Any] | None = None) -> None:
        target = asset if isinstance(asset, Asset) else Asset(asset)
        name = self.alias.name if self.alias is not None else ""
        raise OutletEventError(
            f"Task {self._task_id!r} adds an event for asset {target.uri!r} through the asset "
            f"alias {name!r}, which is not among its outlets. Add AssetAlias({name!r}) to the "
            "task's outlets."
        )


class OutletEventAccessors(Mapping[Any, OutletEventAccessor]):
    """The ``outlet_events`` of one try: an accessor per asset or alias, made on first use;
    iterating gives the task's declared asset and alias outlets."""

    def __init__(self, outlets: Iterable[Any], task_id: str) -> None:
        self.task_id = task_id
        self._assets: dict[tuple[str, str], Asset] = {}
        self._aliases: dict[str, AssetAlias] = {}
        for outlet in outlets:
            if isinstance(outlet, AssetAlias):
                self._aliases[outlet.name] = outlet
            elif isinstance(outlet, BaseAsset):
                for asset in outlet.iter_assets():
                    self._assets[(asset.name, asset.uri)] = asset
        self._accessors: dict[tuple[str, ...], OutletEventAccessor] = {}

    def __getitem__(self, key: Any) -> OutletEventAccessor:
        if isinstance(key, AssetAlias):
            return self.for_asset_alias(name=key.name)
        if isinstance(key, Asset):
            return self._for(key)
        if isinstance(key, str):
            if key in self._aliases:
                return self.for_asset_alias(name=key)
            return self.for_asset(name=key) if self._find(key, None) else self.for_asset(uri=key)
        raise TypeError(
            f"outlet_events is looked up by an Asset, an AssetAlias or a name, not by "
            f"{type(key).__name__} {key!r}."
        )

    def for_asset(self, *, name: str | None = None, uri: str | None = None) -> OutletEventAccessor:
        """The accessor of the asset outlet with this name and/or URI."""
        if not name and not uri:
            raise TypeError("for_asset() needs a name or a uri.")
        return self._for(self._find(name, uri) or Asset(name=name or "", uri=uri or ""))

    def for_asset_alias(self, *, name: str) -> OutletEventAccessor:
        """The accessor of the asset alias ``name``."""
        key = ("alias", name)
        if key not in self._accessors:
            alias = self._aliases.get(name)
            if alias is None:
                self._accessors[key] = _UndeclaredAliasAccessor(
                    self.task_id, alias=AssetAlias(name)
                )
            else:
                self._accessors[key] = OutletEventAccessor(self.task_id, alias=alias)
        return self._accessors[key]

    def _find(self, name: str | None, uri: str | None) -> Asset | None:
        for (asset_name, asset_uri), asset in self._assets.items():
            if (name is None or name == asset_name) and (uri is None or uri == asset_uri):
                return asset
        return None

    def _for(self, asset: Asset) -> OutletEventAccessor:
        key = ("asset", asset.name, asset.uri)
        if key not in self._accessors:
            declared = self._assets.get((asset.name, asset.uri), asset)
            self._accessors[key] = OutletEventAccessor(self.task_id, asset=declared)
        return self._accessors[key]

    def __iter__(self) -> Iterator[Any]:
        yield from self._assets.values()
        yield from self._aliases.values()

    def __len__(self) -> int:
        return len(self._assets) + len(self._aliases)

    def declared_asset_accessors(self) -> Iterator[OutletEventAccessor]:
        """The accessors used for the task's declared asset outlets."""
        for name, uri in self._assets:
            accessor = self._accessors.get(("asset", name, uri))
            if accessor is not None:
                yield accessor

    def alias_events(self) -> Iterator[AliasEvent]:
        """The events added through the task's alias outlets, in the order they were added."""
        for name in self._aliases:
            accessor = self._accessors.get(("alias", name))
            if accessor is not None:
                yield from accessor.asset_alias_events

    def __repr__(self) -> str:
        return f"<OutletEventAccessors of task {self.task_id!r}>"


def _as_json(extra: Mapping[str, Any], asset: Asset, task_id: str) -> dict[str, Any]:
    """``extra`` as plain JSON (tuples become lists), or a clear error."""
    try:
        plain = json.loads(json.dumps(dict(extra), allow_nan=False))
    except (TypeError, ValueError) as error:
        raise OutletEventError(
            f"Task {task_id!r} set an extra on its event for asset {asset.uri!r} that cannot "
            f"be stored as JSON ({error}). Use strings, numbers, booleans, None, lists and "
            "dicts with string keys."
        ) from None
    return dict(plain)


def outlet_event_reports(accessors: OutletEventAccessors) -> tuple[dict[str, Any], ...]:
    """What the try attached, as the JSON objects of ``TaskEvent.outlet_events``: the extra
    of each declared asset outlet that has one, and one event per asset and extra added
    through aliases (naming every alias it was added through)."""
    task_id = accessors.task_id
    reports: list[dict[str, Any]] = []
    for accessor in accessors.declared_asset_accessors():
        asset = accessor.asset
        if asset is not None and accessor.extra:
            report = {"name": asset.name, "uri": asset.uri, "group": asset.group}
            reports.append({**report, "extra": _as_json(accessor.extra, asset, task_id)})
    grouped: dict[tuple[str, str, str, str], tuple[dict[str, Any], list[str]]] = {}
    for event in accessors.alias_events():
        asset = event.asset
        extra = _as_json(event.extra, asset, task_id)
        key = (asset.name, asset.uri, asset.group, json.dumps(extra, sort_keys=True))
        report, aliases = grouped.setdefault(
            key, ({"name": asset.name, "uri": asset.uri, "group": asset.group, "extra": extra}, [])
        )
        if event.alias_name not in aliases:
            aliases.append(event.alias_name)
    return (*reports, *({**report, "aliases": aliases} for report, aliases in grouped.values()))
