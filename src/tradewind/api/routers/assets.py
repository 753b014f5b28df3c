"""``/api/v2/assets``: assets and aliases, their events, events posted from outside,
materializing, and the events queued for DAGs' next runs.

Assets and asset aliases are what DAGs mention (schedules, task outlets and inlets),
recorded by the DAG processor with ids that never change. Every user who may read DAGs sees
every asset and alias; posting an event needs the User role, and materializing an asset needs
the right to trigger the DAG that produces it. A posted event triggers the DAGs scheduled on
the asset exactly as a producing task's event does: the scheduler sees it at its next look
for runs. Deleting queued events (the User role, and the right to change the DAG's runs)
makes the scheduler leave those events out of the DAG's next run.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Response
from pydantic import AwareDatetime, BaseModel, Field
from sqlalchemy.orm import Session

from tradewind.api.auth.roles import Permission
from tradewind.api.deps import ApiState, CurrentUser, DbSession, State, requires
from tradewind.api.errors import error_responses
from tradewind.api.lookups import get_dag_row, get_run_row, run_reads
from tradewind.api.params import INT_MAX, Limit, Offset, OrderByList, parse_order_by
from tradewind.api.schemas.assets import (
    AssetAliasCollectionRead,
    AssetAliasRead,
    AssetCollectionRead,
    AssetEventCollectionRead,
    AssetEventCreate,
    AssetEventRead,
    AssetMaterialize,
    AssetRead,
    DagRunAssetReferenceRead,
    DagScheduleAssetReferenceRead,
    LastAssetEventRead,
    QueuedEventCollectionRead,
    QueuedEventRead,
    TaskAssetReferenceRead,
)
from tradewind.api.schemas.dag_runs import DagRunRead
from tradewind.server import asset_triggers, triggering
from tradewind.storage.repos import asset_aliases as alias_repo
from tradewind.storage.repos import asset_events as event_repo
from tradewind.storage.repos import assets as asset_repo
from tradewind.storage.repos import listing
from tradewind.storage.rows import AssetAliasRow, AssetEventRow, AssetRow, AssetUse, DagRunRow

router = APIRouter(prefix="/api/v2", tags=["Asset"])

_READ = Depends(requires(Permission.DAGS_READ))
AssetIdPath = Annotated[int, Path(ge=0, le=INT_MAX)]


def _asset_reads(session: Session, rows: list[AssetRow]) -> list[AssetRead]:
    ids = [row.id for row in rows]
    references = asset_repo.list_asset_references(session=session, asset_ids=ids)
    last = asset_repo.list_last_asset_events(session=session, asset_ids=ids)
    aliases = alias_repo.list_asset_aliases(session=session, asset_ids=ids)
    reads = []
    for row in rows:
        uses: defaultdict[AssetUse, list[TaskAssetReferenceRead]] = defaultdict(list)
        scheduled = []
        for ref in references.get(row.id, ()):
            if ref.use is AssetUse.SCHEDULE:
                scheduled.append(
                    DagScheduleAssetReferenceRead(
                        dag_id=ref.dag_id, created_at=ref.created_at, updated_at=ref.updated_at
                    )
                )
            else:
                uses[ref.use].append(
                    TaskAssetReferenceRead(
                        dag_id=ref.dag_id,
                        task_id=ref.task_id,
                        created_at=ref.created_at,
                        updated_at=ref.updated_at,
                    )
                )
        event = last.get(row.id)
        reads.append(
            AssetRead(
                id=row.id,
                name=row.name,
                uri=row.uri,
                group=row.group,
                extra=row.extra,
                created_at=row.created_at,
                updated_at=row.updated_at,
                scheduled_dags=scheduled,
                producing_tasks=uses[AssetUse.OUTLET],
                consuming_tasks=uses[AssetUse.INLET],
                aliases=[_alias_read(alias) for alias in aliases.get(row.id, ())],
                last_asset_event=(
                    LastAssetEventRead(id=event[0], timestamp=event[1]) if event else None
                ),
            )
        )
    return reads


def _asset_or_404(session: Session, asset_id: int) -> AssetRow:
    row = asset_repo.get_asset(session=session, asset_id=asset_id)
    if row is None:
        raise HTTPException(
            404,
            f"The Asset with ID: `{asset_id}` was not found; GET /api/v2/assets lists the "
            "assets the DAGs mention.",
        )
    return row


@router.get(
    "/assets", response_model=AssetCollectionRead, summary="Get Assets", dependencies=[_READ]
)
def get_assets(
    session: DbSession,
    state: State,
    limit: Limit = 50,
    offset: Offset = 0,
    name_pattern: Annotated[str | None, Query(max_length=1500)] = None,
    uri_pattern: Annotated[str | None, Query(max_length=1500)] = None,
    dag_ids: Annotated[list[str] | None, Query()] = None,
    only_active: bool = True,
    order_by: OrderByList = None,
) -> AssetCollectionRead:
    """Assets, filtered by name or URI (case-insensitive, ``%`` and ``_`` wildcards), by the
    DAGs that mention them, and (by default) to those an active DAG mentions."""
    rows, total = asset_repo.list_asset_page(
        session=session,
        name_pattern=name_pattern,
        uri_pattern=uri_pattern,
        dag_ids=dag_ids,
        only_active=only_active,
        order_by=parse_order_by(order_by, asset_repo.ASSET_ORDER_FIELDS, default=(("id", False),)),
        limit=state.page_limit(limit),
        offset=offset,
    )
    return AssetCollectionRead(assets=_asset_reads(session, rows), total_entries=total)


def _alias_read(row: AssetAliasRow) -> AssetAliasRead:
    return AssetAliasRead(id=row.id, name=row.name, group=row.group)


@router.get(
    "/assets/aliases",
    response_model=AssetAliasCollectionRead,
    responses=error_responses(400),
    summary="Get Asset Aliases",
    dependencies=[_READ],
)
def get_asset_aliases(
    session: DbSession,
    state: State,
    limit: Limit = 50,
    offset: Offset = 0,
    name_pattern: Annotated[str | None, Query(max_length=1500)] = None,
    order_by: OrderByList = None,
) -> AssetAliasCollectionRead:
    """The asset aliases DAGs mention (``AssetAlias("name")``), filtered by name
    (case-insensitive, ``%`` and ``_`` wildcards)."""
    rows, total = asset_repo.list_alias_page(
        session=session,
        name_pattern=name_pattern,
        order_by=parse_order_by(order_by, asset_repo.ALIAS_ORDER_FIELDS, default=(("id", False),)),
        limit=state.page_limit(limit),
        offset=offset,
    )
    return AssetAliasCollectionRead(
        asset_aliases=[_alias_read(row) for row in rows], total_entries=total
    )


@router.get(
    "/assets/aliases/{asset_alias_id}",
    response_model=AssetAliasRead,
    responses=error_responses(404),
    summary="Get Asset Alias",
    dependencies=[_READ],
)
def get_asset_alias(asset_alias_id: AssetIdPath, session: DbSession) -> AssetAliasRead:
    row = asset_repo.get_alias(session=session, alias_id=asset_alias_id)
    if row is None:
        raise HTTPException(
            404,
            f"The Asset Alias with ID: `{asset_alias_id}` was not found; GET "
            "/api/v2/assets/aliases lists the aliases the DAGs mention.",
        )
    return _alias_read(row)


# -- events ----------------------------------------------------------------------------------


class AssetEventQuery(BaseModel):
    """The query parameters of ``GET /assets/events``."""

    limit: int = Field(50, ge=0, le=2**53)
    offset: int = Field(0, ge=0, le=2**53)
    order_by: list[str] = Field(default_factory=list)
    asset_id: int | None = Field(None, ge=0, le=INT_MAX)
    source_dag_id: str | None = Field(None, max_length=250)
    source_task_id: str | None = Field(None, max_length=250)
    source_run_id: str | None = Field(None, max_length=250)
    source_map_index: int | None = Field(None, ge=-1, le=INT_MAX)
    name_pattern: str | None = Field(None, max_length=1500)
    timestamp_gte: AwareDatetime | None = None
    timestamp_gt: AwareDatetime | None = None
    timestamp_lte: AwareDatetime | None = None
    timestamp_lt: AwareDatetime | None = None


def _run_reference(run: DagRunRow) -> DagRunAssetReferenceRead:
    return DagRunAssetReferenceRead(
        run_id=run.run_id,
        dag_id=run.dag_id,
        logical_date=run.logical_date,
        # The schema wants a start: a run still queued shows when it was queued.
        start_date=run.start_date or run.queued_at or run.run_after,
        end_date=run.end_date,
        state=run.state.value,
        data_interval_start=run.data_interval_start,
        data_interval_end=run.data_interval_end,
    )


def _event_reads(
    session: Session, events: Sequence[tuple[AssetEventRow, int]]
) -> list[AssetEventRead]:
    """The events (with their assets' ids) and the runs each one created."""
    runs = event_repo.list_created_runs(session=session, event_ids=[e.id for e, _ in events])
    return [_event_read(event, asset_id, runs.get(event.id, ())) for event, asset_id in events]


def _event_read(
    event: AssetEventRow, asset_id: int, runs: Sequence[DagRunRow] = ()
) -> AssetEventRead:
    return AssetEventRead(
        id=event.id,
        asset_id=asset_id,
        uri=event.asset_uri,
        name=event.asset_name,
        group=event.asset_group,
        extra=event.extra,
        source_task_id=event.source_task_id,
        source_dag_id=event.source_dag_id,
        source_run_id=event.source_run_id,
        source_map_index=event.source_map_index,
        created_dagruns=[_run_reference(run) for run in runs],
        timestamp=event.timestamp,
    )


@router.get(
    "/assets/events",
    response_model=AssetEventCollectionRead,
    summary="Get Asset Events",
    dependencies=[_READ],
)
def get_asset_events(
    query: Annotated[AssetEventQuery, Query()], session: DbSession, state: State
) -> AssetEventCollectionRead:
    """Asset events, oldest first by default."""
    bounds = [
        (op, value)
        for op in ("gte", "gt", "lte", "lt")
        if (value := getattr(query, f"timestamp_{op}")) is not None
    ]
    rows, total = event_repo.list_asset_event_page(
        session=session,
        where=event_repo.EventFilter(
            asset_id=query.asset_id,
            source_dag_id=query.source_dag_id,
            source_task_id=query.source_task_id,
            source_run_id=query.source_run_id,
            source_map_index=query.source_map_index,
            name_pattern=query.name_pattern,
            timestamp_bounds=bounds,
        ),
        order_by=parse_order_by(
            query.order_by, event_repo.EVENT_ORDER_FIELDS, default=(("timestamp", False),)
        ),
        limit=state.page_limit(query.limit),
        offset=query.offset,
    )
    return AssetEventCollectionRead(
        asset_events=_event_reads(session, rows),
        total_entries=total,
    )


@router.get(
    "/dags/{dag_id}/dagRuns/{dag_run_id}/upstreamAssetEvents",
    response_model=AssetEventCollectionRead,
    responses=error_responses(404),
    summary="Get Upstream Asset Events",
    tags=["DagRun"],
)
def get_upstream_asset_events(
    dag_id: str, dag_run_id: str, state: State, session: DbSession, user: CurrentUser
) -> AssetEventCollectionRead:
    """The asset events the run consumed (none for a run not triggered by assets)."""
    get_dag_row(state, session, user, dag_id, Permission.DAGS_READ)
    run = get_run_row(session, dag_id, dag_run_id)
    rows, total = event_repo.list_asset_event_page(
        session=session, where=event_repo.EventFilter(consumed_by_run=run.id)
    )
    return AssetEventCollectionRead(asset_events=_event_reads(session, rows), total_entries=total)


@router.post(
    "/assets/events",
    response_model=AssetEventRead,
    responses=error_responses(404),
    summary="Create Asset Event",
    dependencies=[Depends(requires(Permission.RUNS_TRIGGER))],
)
def create_asset_event(body: AssetEventCreate, session: DbSession, state: State) -> AssetEventRead:
    """Record that the asset was updated outside Tradewind, with ``extra``; the DAGs
    scheduled on it get runs as when a producing task succeeds."""
    if body.partition_key is not None:
        raise HTTPException(400, "partition_key is not supported yet: leave it out.")
    asset = _asset_or_404(session, body.asset_id)
    event = asset_triggers.record_asset_event(
        session,
        name=asset.name,
        uri=asset.uri,
        group=asset.group,
        extra=body.extra,
        now=state.clock(),
    )
    session.commit()
    return _event_read(event, asset.id)


# -- one asset ---------------------------------------------------------------------------------


@router.get(
    "/assets/{asset_id}",
    response_model=AssetRead,
    responses=error_responses(404),
    summary="Get Asset",
    dependencies=[_READ],
)
def get_asset(asset_id: AssetIdPath, session: DbSession) -> AssetRead:
    return _asset_reads(session, [_asset_or_404(session, asset_id)])[0]


@router.post(
    "/assets/{asset_id}/materialize",
    responses=error_responses(404, 409),
    response_model=DagRunRead,
    summary="Materialize Asset",
)
def materialize_asset(
    asset_id: AssetIdPath,
    state: State,
    session: DbSession,
    user: CurrentUser,
    body: AssetMaterialize | None = None,
) -> DagRunRead:
    """Trigger a run of the one DAG with a task that produces the asset."""
    user.require(Permission.RUNS_TRIGGER)
    asset = _asset_or_404(session, asset_id)
    producers = asset_repo.list_dags_producing(session=session, asset_id=asset.id)
    if not producers:
        raise HTTPException(
            404, f"No DAG materializes the asset with ID: {asset_id} (no task has it as an outlet)"
        )
    if len(producers) > 1:
        raise HTTPException(
            409,
            f"More than one DAG materializes the asset with ID: {asset_id} "
            f"({', '.join(producers)}); trigger the one you mean with "
            "POST /api/v2/dags/{dag_id}/dagRuns.",
        )
    (dag_id,) = producers
    get_dag_row(state, session, user, dag_id, Permission.RUNS_TRIGGER)
    body = body or AssetMaterialize()
    for name in ("data_interval_start", "data_interval_end", "run_after", "partition_key"):
        if getattr(body, name) is not None:
            raise HTTPException(400, f"{name} is not supported yet: leave it out.")
    run = triggering.trigger_dag_run(
        session,
        state.specs,
        dag_id,
        now=state.clock(),
        run_id=body.dag_run_id,
        conf=body.conf,
        logical_date=body.logical_date,
        note=body.note,
    )
    session.commit()
    return run_reads(session, [get_run_row(session, dag_id, run.run_id)])[0]


# -- queued events -----------------------------------------------------------------------------


def _queued(
    state: ApiState, session: Session, dag_id: str, asset_ids: set[int] | None
) -> list[QueuedEventRead]:
    """The assets (of ``asset_ids``, or all) with events the DAG's next asset-triggered run
    will consume, each with its earliest such event's time."""
    spec = state.specs.latest(session, dag_id)
    if spec is None:
        return []
    events = asset_triggers.pending_asset_events(session, spec, state.clock())
    keys = {(event.asset_name, event.asset_uri) for event in events}
    assets = asset_repo.list_assets_by_key(session=session, keys=keys)
    name = listing.list_dag_display_names(session=session, dag_ids=[dag_id]).get(dag_id, dag_id)
    first: dict[int, QueuedEventRead] = {}
    for event in events:
        asset = assets.get((event.asset_name, event.asset_uri))
        if asset is None or (asset_ids is not None and asset.id not in asset_ids):
            continue
        first.setdefault(
            asset.id,
            QueuedEventRead(
                dag_id=dag_id, asset_id=asset.id, created_at=event.timestamp, dag_display_name=name
            ),
        )
    return sorted(first.values(), key=lambda read: read.asset_id)


@router.get(
    "/assets/{asset_id}/queuedEvents",
    responses=error_responses(404),
    response_model=QueuedEventCollectionRead,
    summary="Get Asset Queued Events",
)
def get_asset_queued_events(
    asset_id: AssetIdPath, state: State, session: DbSession, user: CurrentUser
) -> QueuedEventCollectionRead:
    """The DAGs scheduled on the asset that wait with an event of it not consumed yet."""
    asset = _asset_or_404(session, asset_id)
    readable = state.access.readable_dag_ids(session, user)
    scheduled = asset_repo.list_dags_scheduled_on(session=session, asset_ids=[asset.id])
    reads = [
        read
        for dag_id in sorted(scheduled)
        if readable is None or dag_id in readable
        for read in _queued(state, session, dag_id, {asset.id})
    ]
    if not reads:
        raise HTTPException(404, f"Queue event with asset_id: `{asset_id}` was not found")
    return QueuedEventCollectionRead(queued_events=reads, total_entries=len(reads))


@router.get(
    "/dags/{dag_id}/assets/queuedEvents",
    responses=error_responses(404),
    response_model=QueuedEventCollectionRead,
    summary="Get Dag Asset Queued Events",
)
def get_dag_asset_queued_events(
    dag_id: str, state: State, session: DbSession, user: CurrentUser
) -> QueuedEventCollectionRead:
    """The assets of the DAG's schedule with events its next asset-triggered run will consume."""
    get_dag_row(state, session, user, dag_id, Permission.DAGS_READ)
    reads = _queued(state, session, dag_id, None)
    if not reads:
        raise HTTPException(404, f"Queue event with dag_id: `{dag_id}` was not found")
    return QueuedEventCollectionRead(queued_events=reads, total_entries=len(reads))


@router.get(
    "/dags/{dag_id}/assets/{asset_id}/queuedEvents",
    responses=error_responses(404),
    response_model=QueuedEventRead,
    summary="Get Dag Asset Queued Event",
)
def get_dag_asset_queued_event(
    dag_id: str, asset_id: AssetIdPath, state: State, session: DbSession, user: CurrentUser
) -> QueuedEventRead:
    get_dag_row(state, session, user, dag_id, Permission.DAGS_READ)
    _asset_or_404(session, asset_id)
    reads = _queued(state, session, dag_id, {asset_id})
    if not reads:
        raise HTTPException(
            404,
            f"Queued event with dag_id: `{dag_id}` and asset_id: `{asset_id}` was not found",
        )
    return reads[0]


# -- deleting queued events --------------------------------------------------------------------

BeforeQuery = Annotated[
    AwareDatetime | None,
    Query(description="Only the queued events of assets first updated before this moment."),
]


def _clear_queued(
    state: ApiState,
    session: Session,
    dag_id: str,
    asset_ids: set[int] | None,
    before: AwareDatetime | None,
) -> list[QueuedEventRead]:
    """Delete the DAG's queued events (of ``asset_ids``, or all; of assets whose first
    queued event came before ``before``, when given): the scheduler leaves every event of
    those assets until now out of the DAG's next asset-triggered run."""
    reads = _queued(state, session, dag_id, asset_ids)
    if before is not None:
        reads = [read for read in reads if read.created_at < before]
    asset_repo.clear_queued_events(
        session=session,
        dag_id=dag_id,
        asset_ids={read.asset_id for read in reads},
        at=state.clock(),
    )
    return reads


@router.delete(
    "/assets/{asset_id}/queuedEvents",
    status_code=204,
    responses=error_responses(404),
    summary="Delete Asset Queued Events",
)
def delete_asset_queued_events(
    asset_id: AssetIdPath,
    state: State,
    session: DbSession,
    user: CurrentUser,
    before: BeforeQuery = None,
) -> Response:
    """Delete the asset's queued events for every DAG scheduled on it whose runs the user
    may change."""
    user.require(Permission.RUNS_EDIT)
    asset = _asset_or_404(session, asset_id)
    scheduled = asset_repo.list_dags_scheduled_on(session=session, asset_ids=[asset.id])
    cleared = [
        read
        for dag_id in sorted(scheduled)
        if state.access.allows(session, user, dag_id, Permission.RUNS_EDIT)
        for read in _clear_queued(state, session, dag_id, {asset.id}, before)
    ]
    if not cleared:
        raise HTTPException(404, f"Queue event with asset_id: `{asset_id}` was not found")
    session.commit()
    return Response(status_code=204)


@router.delete(
    "/dags/{dag_id}/assets/queuedEvents",
    status_code=204,
    responses=error_responses(404),
    summary="Delete Dag Asset Queued Events",
)
def delete_dag_asset_queued_events(
    dag_id: str, state: State, session: DbSession, user: CurrentUser, before: BeforeQuery = None
) -> Response:
    """Delete the queued events of every asset of the DAG's schedule."""
    user.require(Permission.RUNS_EDIT)
    get_dag_row(state, session, user, dag_id, Permission.RUNS_EDIT)
    if not _clear_queued(state, session, dag_id, None, before):
        raise HTTPException(404, f"Queue event with dag_id: `{dag_id}` was not found")
    session.commit()
    return Response(status_code=204)


@router.delete(
    "/dags/{dag_id}/assets/{asset_id}/queuedEvents",
    status_code=204,
    responses=error_responses(404),
    summary="Delete Dag Asset Queued Event",
)
def delete_dag_asset_queued_event(
    dag_id: str,
    asset_id: AssetIdPath,
    state: State,
    session: DbSession,
    user: CurrentUser,
    before: BeforeQuery = None,
) -> Response:
    """Delete the queued events of one asset for the DAG."""
    user.require(Permission.RUNS_EDIT)
    get_dag_row(state, session, user, dag_id, Permission.RUNS_EDIT)
    _asset_or_404(session, asset_id)
    if not _clear_queued(state, session, dag_id, {asset_id}, before):
        raise HTTPException(
            404,
            f"Queued event with dag_id: `{dag_id}` and asset_id: `{asset_id}` was not found",
        )
    session.commit()
    return Response(status_code=204)
