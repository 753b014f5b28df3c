"""Asset events: an asset was updated, by a task or from outside; and the events each
asset-triggered run consumed."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from tradewind.storage.repos.asset_aliases import list_event_alias_names
from tradewind.storage.rows import AssetEventRow, AssetRow, DagRunAssetEventRow, DagRunRow
from tradewind.storage.upsert import dialect_insert


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


def link_run_events(
    *, session: Session, dag_id: str, run_id: str, event_ids: Collection[int]
) -> None:
    """Record that the run consumed these events (its ``triggering_asset_events``)."""
    run_pk = session.scalar(
        select(DagRunRow.id).where(DagRunRow.dag_id == dag_id, DagRunRow.run_id == run_id)
    )
    if run_pk is None or not event_ids:
        return
    session.execute(
        dialect_insert(session, DagRunAssetEventRow).on_conflict_do_nothing(),
        [{"dag_run_id": run_pk, "event_id": event_id} for event_id in sorted(event_ids)],
    )


def list_created_runs(
    *, session: Session, event_ids: Collection[int]
) -> dict[int, list[DagRunRow]]:
    """Event id → the asset-triggered runs that consumed it (oldest first)."""
    if not event_ids:
        return {}
    stmt = (
        select(DagRunAssetEventRow.event_id, DagRunRow)
        .join(DagRunRow, DagRunRow.id == DagRunAssetEventRow.dag_run_id)
        .where(DagRunAssetEventRow.event_id.in_(list(event_ids)))
        .order_by(DagRunRow.id)
    )
    found: dict[int, list[DagRunRow]] = {}
    for event_id, run in session.execute(stmt):
        found.setdefault(event_id, []).append(run)
    return found


def list_triggering_events(
    *, session: Session, dag_id: str, run_id: str
) -> dict[str, list[dict[str, Any]]]:
    """Asset URI → the events the run consumed, oldest first, as the task context shows
    them (``triggering_asset_events``)."""
    stmt = (
        select(AssetEventRow)
        .join(DagRunAssetEventRow, DagRunAssetEventRow.event_id == AssetEventRow.id)
        .join(DagRunRow, DagRunRow.id == DagRunAssetEventRow.dag_run_id)
        .where(DagRunRow.dag_id == dag_id, DagRunRow.run_id == run_id)
        .order_by(AssetEventRow.timestamp, AssetEventRow.id)
    )
    events = list(session.scalars(stmt))
    aliases = list_event_alias_names(session=session, event_ids=[event.id for event in events])
    sources = _source_runs(session, events)
    found: dict[str, list[dict[str, Any]]] = {}
    for event in events:
        found.setdefault(event.asset_uri, []).append(
            {
                "id": event.id,
                "asset": {
                    "name": event.asset_name,
                    "uri": event.asset_uri,
                    "group": event.asset_group,
                },
                "extra": dict(event.extra or {}),
                "source_dag_id": event.source_dag_id,
                "source_run_id": event.source_run_id,
                "source_task_id": event.source_task_id,
                "source_map_index": event.source_map_index,
                "source_aliases": [{"name": name} for name in aliases.get(event.id, ())],
                "source_dag_run": sources.get((event.source_dag_id, event.source_run_id)),
                "timestamp": event.timestamp,
            }
        )
    return found


def _source_runs(
    session: Session, events: Sequence[AssetEventRow]
) -> dict[tuple[str | None, str | None], dict[str, Any]]:
    """(dag_id, run_id) → the run that produced each event, as Airflow's
    ``source_dag_run`` shows it (events posted from outside have none)."""
    keys = {(e.source_dag_id, e.source_run_id) for e in events if e.source_run_id is not None}
    if not keys:
        return {}
    rows = session.scalars(
        select(DagRunRow).where(
            DagRunRow.dag_id.in_({dag_id for dag_id, _ in keys}),
            DagRunRow.run_id.in_({run_id for _, run_id in keys}),
        )
    )
    return {
        (run.dag_id, run.run_id): {
            "dag_id": run.dag_id,
            "run_id": run.run_id,
            "run_type": run.run_type.value,
            "state": run.state.value,
            "logical_date": run.logical_date,
            "data_interval_start": run.data_interval_start,
            "data_interval_end": run.data_interval_end,
            "start_date": run.start_date,
            "end_date": run.end_date,
        }
        for run in rows
        if (run.dag_id, run.run_id) in keys
    }


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
    #: The events this run (``dag_run.id``) consumed.
    consumed_by_run: int | None = None


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
    if where.consumed_by_run is not None:
        stmt = stmt.join(
            DagRunAssetEventRow, DagRunAssetEventRow.event_id == AssetEventRow.id
        ).where(DagRunAssetEventRow.dag_run_id == where.consumed_by_run)
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
