"""Asset events from producing tasks, and the runs they create for consuming DAGs.

When a task with ``outlets`` succeeds, an event is recorded per declared asset, with the
extra the task set (``outlet_events[asset].extra``), and one per asset (and extra) the task
added through its alias outlets (``outlet_events[alias].add(asset)``): that event is linked
to the aliases, the asset is recorded if no DAG named it yet, and each alias resolves to it
from then on. A DAG scheduled on assets gets an ``asset_triggered`` run once the events since
its last such run satisfy its condition, an alias standing for the assets it resolved to;
the run's conf carries nothing, and its ``triggering_asset_events`` are the events it
consumed (their timestamps lie after the previous asset-triggered run was queued). An event
posted through the API (``POST /api/v2/assets/events``) is recorded in the same table, so
the scheduler's next look for runs (every ``poll_interval``) sees it the same way.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tradewind.contracts.dagspec import DagSpec
from tradewind.contracts.runs import DagRunType, TaskInstanceKey
from tradewind.core.asset_conditions import condition_aliases, condition_uris, is_satisfied
from tradewind.core.dagrun import DagRunDriver
from tradewind.logging import get_logger
from tradewind.server.specs import SpecCache
from tradewind.storage.repos import asset_aliases as alias_repo
from tradewind.storage.repos import asset_events as event_repo
from tradewind.storage.repos import assets as asset_repo
from tradewind.storage.rows import AssetEventRow, DagRow, DagRunRow, DagVersionRow
from tradewind.storage.sql_store import SqlStore

log = get_logger(__name__)


def _task_event(
    key: TaskInstanceKey, asset: Mapping[str, Any], extra: Any, now: datetime
) -> AssetEventRow:
    return AssetEventRow(
        asset_name=asset["name"],
        asset_uri=asset["uri"],
        asset_group=asset.get("group") or "asset",
        extra=dict(extra or {}),
        source_dag_id=key.dag_id,
        source_run_id=key.run_id,
        source_task_id=key.task_id,
        source_map_index=key.map_index,
        timestamp=now,
    )


def record_outlet_events(
    session: Session,
    spec: DagSpec,
    key: TaskInstanceKey,
    now: datetime,
    reported: Sequence[Mapping[str, Any]] = (),
) -> list[str]:
    """Record the events of a succeeded task (see the module docstring) from its declared
    outlets and what it ``reported`` (``TaskEvent.outlet_events``); returns their URIs."""
    task = spec.tasks.get(key.task_id)
    if task is None:
        return []
    extras = {(r["name"], r["uri"]): r.get("extra") for r in reported if not r.get("aliases")}
    events = [
        _task_event(key, asset, extras.get((asset["name"], asset["uri"])), now)
        for asset in task.outlets
        if "alias" not in asset
    ]
    alias_groups = {
        str(ref["alias"]["name"]): str(ref["alias"].get("group") or "asset")
        for ref in task.outlets
        if "alias" in ref
    }
    through: list[tuple[Mapping[str, Any], list[str]]] = []
    for report in reported:
        names = [name for name in report.get("aliases") or () if name in alias_groups]
        if names:
            through.append((report, names))
        elif report.get("aliases"):  # the runtime checks this; a changed DAG could disagree
            log.warning("%s reported an event through aliases it has not: %s", key, report)
    created = event_repo.create_asset_events(
        session=session,
        events=[
            *events,
            *(_task_event(key, report, report.get("extra"), now) for report, _ in through),
        ],
    )
    if through:
        _link_aliases(session, through, created[len(events) :], alias_groups, now)
    return [event.asset_uri for event in created]


def _link_aliases(
    session: Session,
    through: Sequence[tuple[Mapping[str, Any], list[str]]],
    events: Sequence[AssetEventRow],
    alias_groups: Mapping[str, str],
    now: datetime,
) -> None:
    """Record the assets of events added through aliases (if new), and link each event and
    its asset to the aliases."""
    asset_ids = asset_repo.upsert_assets(
        session=session,
        assets={(r["name"], r["uri"]): str(r.get("group") or "asset") for r, _ in through},
        now=now,
        update_groups=False,
    )
    named = {name for _, names in through for name in names}
    alias_ids = asset_repo.upsert_aliases(
        session=session, aliases={name: alias_groups[name] for name in named}, now=now
    )
    resolved: set[tuple[int, int]] = set()
    linked: set[tuple[int, int]] = set()
    for (report, names), event in zip(through, events, strict=True):
        asset_id = asset_ids[(report["name"], report["uri"])]
        for name in names:
            resolved.add((alias_ids[name], asset_id))
            linked.add((alias_ids[name], event.id))
    alias_repo.link_alias_assets(session=session, pairs=resolved, now=now)
    alias_repo.link_event_aliases(session=session, pairs=linked)


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


def resolved_aliases(session: Session, condition: dict[str, Any]) -> dict[str, set[str]]:
    """Alias name → the URIs of the assets it resolved to, for the condition's aliases."""
    names = set(condition_aliases(condition))
    return alias_repo.list_alias_uris(session=session, names=names) if names else {}


def pending_asset_events(
    session: Session,
    spec: DagSpec,
    now: datetime,
    aliases: Mapping[str, Collection[str]] | None = None,
) -> list[AssetEventRow]:
    """The events of the DAG's schedule's assets (and of the assets its aliases resolved to:
    ``aliases``, read when not given) that its next asset-triggered run consumes (those since
    its last one, but for those deleted through the API), oldest first; none for a DAG not
    scheduled on assets."""
    condition = spec.timetable.get("condition") or {}
    if aliases is None:
        aliases = resolved_aliases(session, condition)
    uris = sorted(set(condition_uris(condition, aliases)))
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
    """Create a run for each unpaused asset-scheduled DAG whose condition the new events meet;
    each run is linked to the events it consumed."""
    created = []
    store = store or SqlStore(session)
    for spec in _asset_scheduled_dags(session, specs):
        condition = spec.timetable.get("condition") or {}
        aliases = resolved_aliases(session, condition)
        events = pending_asset_events(session, spec, now, aliases)
        if not events or not is_satisfied(
            condition, {event.asset_uri for event in events}, aliases
        ):
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
        event_repo.link_run_events(
            session=session,
            dag_id=spec.dag_id,
            run_id=driver.run.run_id,
            event_ids=[event.id for event in events],
        )
        created.append(driver.run.run_id)
    return created
