"""Marking task instances (``PATCH …/taskInstances/{task_id}``) and clearing them
(``POST /api/v2/dags/{dag_id}/clearTaskInstances``).

Marking follows ``server.run_operations.set_task_instance_state``: the failed and
upstream-failed tasks downstream of the marked ones are cleared so the run resumes; with
``include_future``/``include_past`` the DAG's later/earlier runs (by logical date) are marked
too. Clearing follows ``clear_task_instances``. ``dry_run`` variants change nothing and list
what would change.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query
from sqlalchemy.orm import Session

from tradewind.api.auth.roles import AuthUser, Permission
from tradewind.api.deps import ApiState, CurrentUser, DbSession, State
from tradewind.api.errors import error_responses
from tradewind.api.lookups import (
    TiKey,
    check_task,
    get_dag_row,
    get_run_row,
    run_spec,
    ti_reads_of_keys,
)
from tradewind.api.params import INT_MAX, MapIndexPath
from tradewind.api.schemas.task_instances import (
    ClearTaskInstances,
    TaskInstanceCollectionRead,
    TaskInstancePatch,
)
from tradewind.contracts.states import ACTIVE_TASK_STATES, TaskInstanceState
from tradewind.server import run_operations
from tradewind.storage.records import TaskInstanceRecord
from tradewind.storage.repos import run_history
from tradewind.storage.rows import DagRunRow
from tradewind.storage.sql_store import SqlStore

router = APIRouter(
    prefix="/api/v2", tags=["Task Instance"], responses=error_responses(400, 404, 409)
)

_PREFIX = "/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances"


# -- marking ------------------------------------------------------------------------------------


def _runs_to_mark(session: Session, run: DagRunRow, *, future: bool, past: bool) -> list[DagRunRow]:
    """The run, and with ``future``/``past`` the DAG's runs after/before it by logical date."""
    if not (future or past) or run.logical_date is None:
        return [run]
    start: datetime | None = None if past else run.logical_date
    end: datetime | None = None if future else run.logical_date
    runs = run_history.list_dag_runs_between(
        session=session, dag_id=run.dag_id, start=start, end=end
    )
    return runs if any(r.run_id == run.run_id for r in runs) else [run, *runs]


def _patch(
    state: ApiState,
    session: Session,
    user: AuthUser,
    dag_id: str,
    run_id: str,
    task_id: str,
    map_index: int | None,
    body: TaskInstancePatch,
    update_mask: list[str] | None,
    *,
    dry_run: bool,
) -> TaskInstanceCollectionRead:
    state.access.require(session, user, dag_id, Permission.TASKS_EDIT)
    fields = set(body.model_fields_set)
    if update_mask:
        unknown = sorted(set(update_mask) - {"new_state", "note"})
        if unknown:
            raise HTTPException(400, f"Invalid fields in update_mask: {', '.join(unknown)}")
        fields &= set(update_mask) | {
            "include_upstream",
            "include_downstream",
            "include_future",
            "include_past",
        }
    run = get_run_row(session, dag_id, run_id)
    check_task(run_spec(state, session, run), [task_id])

    def instances() -> list[TaskInstanceRecord]:
        return [
            ti
            for ti in SqlStore(session).list_task_instances_of_tasks(dag_id, run_id, [task_id])
            if map_index is None or ti.map_index == map_index
        ]

    selected = instances()
    if not selected:
        raise HTTPException(
            404,
            f"The Task Instance with dag_id: {dag_id!r}, run_id: {run_id!r}, task_id: "
            f"{task_id!r} and map_index: {map_index} was not found",
        )
    changed: list[TiKey] = []
    if "new_state" in fields and body.new_state is not None:
        for each in _runs_to_mark(session, run, future=body.include_future, past=body.include_past):
            changed += run_operations.set_task_instance_state(
                session,
                state.specs,
                dag_id,
                each.run_id,
                [task_id],
                state=TaskInstanceState(body.new_state),
                map_indexes=None if map_index is None else [map_index],
                downstream=body.include_downstream,
                upstream=body.include_upstream,
                dry_run=dry_run,
                now=state.clock(),
            )
    if "note" in fields and not dry_run:
        selected = instances()  # marking changed them
        for ti in selected:
            ti.note = body.note
        SqlStore(session).save_task_instances(selected)
    if not dry_run:
        session.commit()
    keys = [*changed, *(ti.key for ti in selected)]
    reads = ti_reads_of_keys(session, keys)
    return TaskInstanceCollectionRead(task_instances=reads, total_entries=len(reads))


@router.patch(
    _PREFIX + "/{task_id}/dry_run",
    response_model=TaskInstanceCollectionRead,
    summary="Patch Task Instance Dry Run",
)
def patch_task_instance_dry_run(
    dag_id: str,
    dag_run_id: str,
    task_id: str,
    body: TaskInstancePatch,
    state: State,
    session: DbSession,
    user: CurrentUser,
    map_index: Annotated[int | None, Query(ge=-1, le=INT_MAX)] = None,
    update_mask: Annotated[list[str] | None, Query()] = None,
) -> TaskInstanceCollectionRead:
    """What the same PATCH would mark, without marking anything."""
    return _patch(
        state,
        session,
        user,
        dag_id,
        dag_run_id,
        task_id,
        map_index,
        body,
        update_mask,
        dry_run=True,
    )


@router.patch(
    _PREFIX + "/{task_id}/{map_index}/dry_run",
    response_model=TaskInstanceCollectionRead,
    summary="Patch Task Instance Dry Run",
)
def patch_task_instance_dry_run_by_map_index(
    dag_id: str,
    dag_run_id: str,
    task_id: str,
    map_index: MapIndexPath,
    body: TaskInstancePatch,
    state: State,
    session: DbSession,
    user: CurrentUser,
    update_mask: Annotated[list[str] | None, Query()] = None,
) -> TaskInstanceCollectionRead:
    return _patch(
        state,
        session,
        user,
        dag_id,
        dag_run_id,
        task_id,
        map_index,
        body,
        update_mask,
        dry_run=True,
    )


@router.patch(
    _PREFIX + "/{task_id}/{map_index}",
    response_model=TaskInstanceCollectionRead,
    summary="Patch Task Instance",
)
def patch_task_instance_by_map_index(
    dag_id: str,
    dag_run_id: str,
    task_id: str,
    map_index: MapIndexPath,
    body: TaskInstancePatch,
    state: State,
    session: DbSession,
    user: CurrentUser,
    update_mask: Annotated[list[str] | None, Query()] = None,
) -> TaskInstanceCollectionRead:
    return _patch(
        state,
        session,
        user,
        dag_id,
        dag_run_id,
        task_id,
        map_index,
        body,
        update_mask,
        dry_run=False,
    )


@router.patch(
    _PREFIX + "/{task_id}", response_model=TaskInstanceCollectionRead, summary="Patch Task Instance"
)
def patch_task_instance(
    dag_id: str,
    dag_run_id: str,
    task_id: str,
    body: TaskInstancePatch,
    state: State,
    session: DbSession,
    user: CurrentUser,
    map_index: Annotated[int | None, Query(ge=-1, le=INT_MAX)] = None,
    update_mask: Annotated[list[str] | None, Query()] = None,
) -> TaskInstanceCollectionRead:
    """Mark the task's instances in the run (one with ``map_index``), or set their note."""
    return _patch(
        state,
        session,
        user,
        dag_id,
        dag_run_id,
        task_id,
        map_index,
        body,
        update_mask,
        dry_run=False,
    )


# -- clearing -----------------------------------------------------------------------------------


@router.post(
    "/dags/{dag_id}/clearTaskInstances",
    response_model=TaskInstanceCollectionRead,
    summary="Post Clear Task Instances",
)
def post_clear_task_instances(
    dag_id: str, body: ClearTaskInstances, state: State, session: DbSession, user: CurrentUser
) -> TaskInstanceCollectionRead:
    """Clear task instances so they run again (``dry_run``, the default, only lists them)."""
    get_dag_row(state, session, user, dag_id, Permission.TASKS_EDIT)
    if body.only_running:
        raise HTTPException(
            400, "only_running is not supported yet: clear running task instances by task id."
        )
    task_ids: list[str] | None = None
    if body.task_ids is not None:
        mapped = [item for item in body.task_ids if not isinstance(item, str)]
        if mapped:
            raise HTTPException(
                400,
                "task_ids: [task_id, map_index] pairs are not supported yet; give task ids "
                "(every map index of the task is cleared).",
            )
        task_ids = [item for item in body.task_ids if isinstance(item, str)]
    run_id = body.dag_run_id
    start, end = body.start_date, body.end_date
    if run_id is not None and (body.include_future or body.include_past):
        run = get_run_row(session, dag_id, run_id)
        if run.logical_date is not None:
            start = None if body.include_past else run.logical_date
            end = None if body.include_future else run.logical_date
            run_id = None

    def clear(dry_run: bool) -> list[TiKey]:
        return run_operations.clear_task_instances(
            session,
            state.specs,
            dag_id,
            run_id,
            task_ids,
            downstream=body.include_downstream,
            upstream=body.include_upstream,
            only_failed=body.only_failed,
            dry_run=dry_run,
            start_date=start,
            end_date=end,
            now=state.clock(),
        )

    if body.prevent_running_task:
        running = [
            read
            for read in ti_reads_of_keys(session, clear(dry_run=True))
            if read.state in ACTIVE_TASK_STATES
        ]
        if running:
            names = ", ".join(f"{read.task_id} ({read.dag_run_id})" for read in running[:5])
            raise HTTPException(
                400, f"Task instances are queued or running: {names}; prevent_running_task is set."
            )
    keys = clear(dry_run=body.dry_run)
    if not body.dry_run and body.note is not None:
        store = SqlStore(session)
        cleared = [store.get_task_instance(*key) for key in keys]
        for ti in cleared:
            if ti is not None:
                ti.note = body.note
        store.save_task_instances(ti for ti in cleared if ti is not None)
    if not body.dry_run:
        session.commit()
    reads = ti_reads_of_keys(session, keys)
    return TaskInstanceCollectionRead(task_instances=reads, total_entries=len(reads))
