"""``triggering_asset_events`` as DAG code written for Airflow reads it.

The scheduler sends an asset-triggered run's events as plain data: asset URI → a list of
event dicts. Airflow 2 code iterates that mapping by URI; Airflow 3 code looks events up by
the ``Asset`` (or ``AssetAlias``) object; both read an event's fields as attributes
(``event.extra``, ``event.source_dag_run.data_interval_start``), in Python and in templates.
The view here offers all of that over the same data, and still compares equal to it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from tradewind.sdk.asset import AssetAlias


class EventFields(dict[str, Any]):
    """A dict whose keys also read as attributes (an event, its asset, its source run)."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(
                f"An asset event has no field {name!r}; it has {', '.join(sorted(self))}."
            ) from None


def _fields(value: Any) -> Any:
    if isinstance(value, Mapping):
        return EventFields({key: _fields(item) for key, item in value.items()})
    if isinstance(value, list | tuple):
        return [_fields(item) for item in value]
    return value


class TriggeringAssetEvents(dict[str, list[EventFields]]):
    """Asset URI → the events the run consumed, oldest first; also looked up by an ``Asset``
    (its URI) or an ``AssetAlias`` (the events added through it)."""

    def __init__(self, events: Mapping[str, Sequence[Mapping[str, Any]]]) -> None:
        super().__init__({uri: _fields(found) for uri, found in events.items()})

    def _key(self, key: Any) -> Any:
        uri = getattr(key, "uri", None)  # an Asset, or Airflow 2's Dataset
        return uri if isinstance(uri, str) else key

    def __getitem__(self, key: Any) -> list[EventFields]:
        if isinstance(key, AssetAlias):
            return [
                event
                for found in self.values()
                for event in found
                if any(alias.get("name") == key.name for alias in event["source_aliases"])
            ]
        return super().__getitem__(self._key(key))

    def __contains__(self, key: object) -> bool:
        if isinstance(key, AssetAlias):
            return bool(self[key])
        return super().__contains__(self._key(key))

    def get(self, key: Any, default: Any = None) -> Any:
        try:
            return self[key]
        except KeyError:
            return default
