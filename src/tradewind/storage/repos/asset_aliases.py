"""What asset aliases resolved to: the assets tasks attached events of through each alias,
and the aliases each event was added through.

An alias resolves to an asset the first time a task attaches an event of that asset through
it, and stays resolved; the DAGs scheduled on the alias then count that asset's events.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from tradewind.storage.rows import AssetAliasAssetRow, AssetAliasEventRow, AssetAliasRow, AssetRow
from tradewind.storage.upsert import dialect_insert


def link_alias_assets(
    *, session: Session, pairs: Collection[tuple[int, int]], now: datetime
) -> None:
    """Record that each (alias id, asset id) alias resolved to the asset (again is no-op)."""
    if not pairs:
        return
    session.execute(
        dialect_insert(session, AssetAliasAssetRow).on_conflict_do_nothing(),
        [
            {"alias_id": alias_id, "asset_id": asset_id, "created_at": now}
            for alias_id, asset_id in sorted(pairs)
        ],
    )


def link_event_aliases(*, session: Session, pairs: Collection[tuple[int, int]]) -> None:
    """Record that each (alias id, event id) event was added through the alias."""
    if not pairs:
        return
    session.execute(
        dialect_insert(session, AssetAliasEventRow).on_conflict_do_nothing(),
        [{"alias_id": alias_id, "event_id": event_id} for alias_id, event_id in sorted(pairs)],
    )


def list_alias_uris(*, session: Session, names: Collection[str]) -> dict[str, set[str]]:
    """Alias name → the URIs of the assets it resolved to, for the names that resolved."""
    if not names:
        return {}
    stmt = (
        select(AssetAliasRow.name, AssetRow.uri)
        .join(AssetAliasAssetRow, AssetAliasAssetRow.alias_id == AssetAliasRow.id)
        .join(AssetRow, AssetRow.id == AssetAliasAssetRow.asset_id)
        .where(AssetAliasRow.name.in_(sorted(names)))
    )
    found: defaultdict[str, set[str]] = defaultdict(set)
    for name, uri in session.execute(stmt):
        found[name].add(uri)
    return dict(found)


def list_asset_aliases(
    *, session: Session, asset_ids: Collection[int]
) -> dict[int, list[AssetAliasRow]]:
    """Asset id → the aliases that resolved to it, by name."""
    found: defaultdict[int, list[AssetAliasRow]] = defaultdict(list)
    if not asset_ids:
        return found
    stmt = (
        select(AssetAliasAssetRow.asset_id, AssetAliasRow)
        .join(AssetAliasRow, AssetAliasRow.id == AssetAliasAssetRow.alias_id)
        .where(AssetAliasAssetRow.asset_id.in_(sorted(asset_ids)))
        .order_by(AssetAliasRow.name)
    )
    for asset_id, alias in session.execute(stmt):
        found[asset_id].append(alias)
    return found


def list_event_alias_names(*, session: Session, event_ids: Collection[int]) -> dict[int, list[str]]:
    """Event id → the names of the aliases it was added through, for events added so."""
    if not event_ids:
        return {}
    stmt = (
        select(AssetAliasEventRow.event_id, AssetAliasRow.name)
        .join(AssetAliasRow, AssetAliasRow.id == AssetAliasEventRow.alias_id)
        .where(AssetAliasEventRow.event_id.in_(sorted(event_ids)))
        .order_by(AssetAliasRow.name)
    )
    found: defaultdict[int, list[str]] = defaultdict(list)
    for event_id, name in session.execute(stmt):
        found[event_id].append(name)
    return dict(found)
