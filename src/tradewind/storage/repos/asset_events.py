"""Asset events: an asset was updated, by a task or from outside."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from tradewind.storage.rows import AssetEventRow


def create_asset_events(
    *, session: Session, events: Iterable[AssetEventRow]
) -> list[AssetEventRow]:
    """Record new events (rows built by the caller); their ids are set on return."""
    rows = list(events)
    session.add_all(rows)
    session.flush()
    return rows


def list_asset_events(
    *,
    session: Session,
    uris: Collection[str] | None = None,
    after: datetime | None = None,
    until: datetime | None = None,
    limit: int | None = None,
) -> list[AssetEventRow]:
    """Events, oldest first; ``after`` excludes, ``until`` includes its moment."""
    stmt = select(AssetEventRow).order_by(AssetEventRow.timestamp, AssetEventRow.id).limit(limit)
    if uris is not None:
        stmt = stmt.where(AssetEventRow.asset_uri.in_(list(uris)))
    if after is not None:
        stmt = stmt.where(AssetEventRow.timestamp > after)
    if until is not None:
        stmt = stmt.where(AssetEventRow.timestamp <= until)
    return list(session.scalars(stmt))
