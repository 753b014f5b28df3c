"""Asset events from producing tasks, and the runs they create for consuming DAGs.

When a task with ``outlets`` succeeds, an event is recorded per asset. A DAG scheduled on
assets gets an ``asset_triggered`` run once the events since its last such run satisfy its
condition; the run's conf carries nothing, and its ``triggering_asset_events`` come from the
events it consumed (their timestamps lie after the previous asset-triggered run was queued).
An event posted through the API (``POST /api/v2/assets/events``) is recorded in the same
table, so the scheduler's next look for runs (every ``poll_interval``) sees it the same way.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tradewind.contracts.dagspec import DagSpec
from tradewind.contracts.runs import DagRunType, TaskInstanceKey
from tradewind.core.asset_conditions import condition_uris, is_satisfied
from tradewind.core.dagrun import DagRunDriver
from tradewind.server.specs import SpecCache
from tradewind.storage.repos import asset_events as event_repo
from tradewind.storage.repos import assets as asset_repo
from tradewind.storage.rows import AssetEventRow, DagRow, DagRunRow, DagVersionRow
from tradewind.storage.sql_store import SqlStore


def record_outlet_events(
    session: Session, spec: DagSpec, key: TaskInstanceKey, now: datetime
) -> list[str]:
    """Record an event for each asset the succeeded task declares as an outlet."""
    task = spec.tasks.get(key.task_id)
    # An alias outlet ({"alias": …}) stands for no asset until tasks can attach events to it.
    outlets = [asset for asset in task.outlets if "alias" not in asset] if task else []
    if not outlets:
        return []
    event_repo.create_asset_events(
        session=session,
        events=[
            AssetEventRow(
                asset_name=asset["name"],
                asset_uri=asset["uri"],
                asset_group=asset.get("group", "asset"),
                extra={},
                source_dag_id=key.dag_id,
                source_run_id=key.run_id,
                source_task_id=key.task_id,
                source_map_index=key.map_index,
                timestamp=now,
            )
            for asset in outlets
        ],
    )
    return [asset["uri"] for asset in outlets]


def record_asset_event(
    session: Session,
    *,
    name: str,
    uri: str,
    group: str,
    extra: dict[str, Any] | None,
    now: datetime,
) -> AssetEventRow:
    """Record that an asset was updated from outside (no task): the DAGs scheduled on it
    are triggered by the scheduler's next look for runs, as by a task's event."""
    (event,) = event_repo.create_asset_events(
        session=session,
        events=[
            AssetEventRow(
                asset_name=name,
                asset_uri=uri,
                asset_group=group,
                extra=dict(extra or {}),
                source_map_index=-1,
                timestamp=now,
            )
        ],
    )
    return event


def _asset_scheduled_dags(session: Session, specs: SpecCache) -> list[DagSpec]:
    rows = session.scalars(
        select(DagRow.dag_id).where(
            DagRow.is_active, ~DagRow.is_paused, DagRow.schedule_summary == "Asset"
        )
    )
    found = []
    for dag_id in rows:
        spec = specs.latest(session, dag_id)
        if spec is not None and spec.timetable.get("type", "").startswith("Asset"):
            found.append(spec)
    return found


def _watermark(session: Session, dag_id: str) -> datetime | None:
    """Events after this moment count towards the DAG's next asset-triggered run."""
    watermark = session.scalar(
        select(func.max(DagRunRow.queued_at)).where(
            DagRunRow.dag_id == dag_id,
            DagRunRow.run_type == DagRunType.ASSET_TRIGGERED,
        )
    )
    if watermark is None:
        # Events before the DAG existed do not trigger it.
        watermark = session.scalar(
            select(func.min(DagVersionRow.created_at)).where(DagVersionRow.dag_id == dag_id)
        )
    return watermark


def pending_asset_events(session: Session, spec: DagSpec, now: datetime) -> list[AssetEventRow]:
    """The events of the DAG's schedule's assets that its next asset-triggered run consumes
    (those since its last one, but for those deleted through the API), oldest first; none
    for a DAG not scheduled on assets."""
    condition = spec.timetable.get("condition") or {}
    uris = sorted(set(condition_uris(condition)))
    if not uris:
        return []
    events = event_repo.list_asset_events(
        session=session, uris=uris, after=_watermark(session, spec.dag_id), until=now
    )
    cleared = asset_repo.list_queue_clears(session=session, dag_id=spec.dag_id)
    if not cleared:
        return events
    return [
        event
        for event in events
        if (until := cleared.get((event.asset_name, event.asset_uri))) is None
        or event.timestamp > until
    ]


def create_asset_triggered_runs(
    session: Session, specs: SpecCache, now: datetime, store: SqlStore | None = None
) -> list[str]:
    """Create a run for each unpaused asset-scheduled DAG whose condition the new events meet."""
    created = []
    store = store or SqlStore(session)
    for spec in _asset_scheduled_dags(session, specs):
        condition = spec.timetable.get("condition") or {}
        events = pending_asset_events(session, spec, now)
        if not events or not is_satisfied(condition, {event.asset_uri for event in events}):
            continue
        driver = DagRunDriver.create(
            spec,
            store,
            run_id=None,
            run_type=DagRunType.ASSET_TRIGGERED,
            logical_date=None,
            data_interval=None,
            run_after=now,
            now=now,
        )
        created.append(driver.run.run_id)
    return created
