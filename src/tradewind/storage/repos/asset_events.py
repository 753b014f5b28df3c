"""Asset events: an asset was updated, by a task or from outside."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from tradewind.storage.rows import AssetEventRow, AssetRow


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


#: What asset events may be ordered by.
EVENT_ORDER_FIELDS: Mapping[str, Any] = {
    "id": AssetEventRow.id,
    "source_task_id": AssetEventRow.source_task_id,
    "source_dag_id": AssetEventRow.source_dag_id,
    "source_run_id": AssetEventRow.source_run_id,
    "source_map_index": AssetEventRow.source_map_index,
    "timestamp": AssetEventRow.timestamp,
}


@dataclass(frozen=True, slots=True)
class EventFilter:
    """The filters of :func:`list_asset_event_page`; None means any."""

    asset_id: int | None = None
    source_dag_id: str | None = None
    source_task_id: str | None = None
    source_run_id: str | None = None
    source_map_index: int | None = None
    name_pattern: str | None = None
    #: (op, moment) pairs on the timestamp: "gte", "gt", "lte" or "lt".
    timestamp_bounds: Sequence[tuple[str, datetime]] = ()


_COMPARE = {
    "gte": lambda column, value: column >= value,
    "gt": lambda column, value: column > value,
    "lte": lambda column, value: column <= value,
    "lt": lambda column, value: column < value,
}


def list_asset_event_page(
    *,
    session: Session,
    where: EventFilter,
    order_by: Sequence[tuple[str, bool]] = (("timestamp", False),),
    limit: int | None = None,
    offset: int = 0,
) -> tuple[list[tuple[AssetEventRow, int]], int]:
    """(event, its asset's id) pairs, and how many match; events of unrecorded assets left out."""
    stmt = select(AssetEventRow, AssetRow.id).join(
        AssetRow,
        and_(AssetEventRow.asset_name == AssetRow.name, AssetEventRow.asset_uri == AssetRow.uri),
    )
    if where.asset_id is not None:
        stmt = stmt.where(AssetRow.id == where.asset_id)
    for name in ("source_dag_id", "source_task_id", "source_run_id", "source_map_index"):
        value = getattr(where, name)
        if value is not None:
            stmt = stmt.where(getattr(AssetEventRow, name) == value)
    if where.name_pattern:
        stmt = stmt.where(AssetEventRow.asset_name.ilike(f"%{where.name_pattern}%"))
    for op, moment in where.timestamp_bounds:
        stmt = stmt.where(_COMPARE[op](AssetEventRow.timestamp, moment))
    total = int(
        session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    )
    for name, descending in [*order_by, ("id", False)]:
        column = EVENT_ORDER_FIELDS[name]
        stmt = stmt.order_by(
            column.desc().nulls_last() if descending else column.asc().nulls_last()
        )
    rows = session.execute(stmt.offset(offset).limit(limit)).all()
    return [(event, asset_id) for event, asset_id in rows], total
