"""``…/taskInstances/{task_id}[/{map_index}]/dependencies``: why a task instance does not run.

Each unmet dependency is ``{"name", "reason"}`` with Airflow's dependency names: the task
instance's state, its run's state, the DAG being paused, its trigger rule, its retry delay,
its previous run (depends_on_past, wait_for_downstream) and its pool's free slots. An
instance that could run now (or is running) has none.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel
from sqlalchemy.orm import Session

from tradewind.api.auth.roles import Permission
from tradewind.api.deps import ApiState, CurrentUser, DbSession, State
from tradewind.api.errors import error_responses
from tradewind.api.lookups import get_dag_row, get_run_row, run_spec
from tradewind.api.params import MapIndexPath
from tradewind.contracts.states import DagRunState
from tradewind.contracts.states import TaskInstanceState as S
from tradewind.core.planner import unmet_dependencies
from tradewind.core.spec_index import index_spec
from tradewind.storage.repos import pools as pool_repo
from tradewind.storage.rows import DagRow
from tradewind.storage.sql_store import SqlStore

router = APIRouter(prefix="/api/v2", tags=["Task Instance"])

_PREFIX = "/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}"

#: States from which the scheduler may still start a try.
_RUNNABLE = frozenset({None, S.SCHEDULED, S.QUEUED, S.UP_FOR_RETRY, S.UP_FOR_RESCHEDULE})


class TaskDependencyRead(BaseModel):
    name: str
    reason: str


class TaskDependencyCollectionRead(BaseModel):
    dependencies: list[TaskDependencyRead]


def _dependencies(
    state: ApiState,
    session: Session,
    dag: DagRow,
    dag_run_id: str,
    task_id: str,
    map_index: int,
) -> TaskDependencyCollectionRead:
    run = get_run_row(session, dag.dag_id, dag_run_id)
    spec = run_spec(state, session, run)
    store = SqlStore(session)
    tis = store.list_task_instances(dag.dag_id, dag_run_id)
    ti = next((t for t in tis if t.task_id == task_id and t.map_index == map_index), None)
    if ti is None:
        raise HTTPException(
            404,
            f"The Task Instance with dag_id: {dag.dag_id!r}, run_id: {dag_run_id!r}, "
            f"task_id: {task_id!r} and map_index: {map_index} was not found",
        )
    found: list[tuple[str, str]] = []
    if ti.state not in _RUNNABLE:
        found.append(
            (
                "Task Instance State",
                f"The task instance is {ti.state}, from which it does not run again; clear it "
                "to run it again.",
            )
        )
    if run.state is not DagRunState.RUNNING:
        found.append(("Dagrun Running", f"The DAG run is {run.state}, not running."))
    if dag.is_paused:
        found.append(("Dag Not Paused", f"The DAG {dag.dag_id!r} is paused."))
    if ti.state in _RUNNABLE and task_id in spec.tasks:
        now: datetime = state.clock()
        index = index_spec(spec)
        past = None
        if any(t.depends_on_past or t.wait_for_downstream for t in spec.tasks.values()):
            past = store.get_previous_task_states(
                dag.dag_id, dag_run_id, before=run.logical_date or run.run_after
            )
        found += unmet_dependencies(index, tis, ti, now=now, past_states=past)
        if ti.state in (None, S.SCHEDULED):
            found += _pool_shortage(session, ti.pool, ti.pool_slots)
    return TaskDependencyCollectionRead(
        dependencies=[TaskDependencyRead(name=name, reason=reason) for name, reason in found]
    )


def _pool_shortage(session: Session, pool: str, slots: int) -> list[tuple[str, str]]:
    usage = pool_repo.get_pool_usage(session=session, name=pool)
    if usage is None:
        return [("Pool Slots Available", f"The pool {pool!r} does not exist; create it.")]
    free = usage.slots - usage.occupied
    if usage.slots < 0 or free >= slots:
        return []
    return [
        (
            "Pool Slots Available",
            f"The pool {pool!r} has {max(0, free)} of {usage.slots} slots free; the task "
            f"needs {slots}.",
        )
    ]


@router.get(
    _PREFIX + "/dependencies",
    response_model=TaskDependencyCollectionRead,
    summary="Get Task Instance Dependencies",
    responses=error_responses(404),
)
def get_task_instance_dependencies(
    dag_id: str, dag_run_id: str, task_id: str, state: State, session: DbSession, user: CurrentUser
) -> TaskDependencyCollectionRead:
    """Why the task instance is not running: the dependencies it has not met."""
    dag = get_dag_row(state, session, user, dag_id, Permission.DAGS_READ)
    return _dependencies(state, session, dag, dag_run_id, task_id, -1)


@router.get(
    _PREFIX + "/{map_index}/dependencies",
    response_model=TaskDependencyCollectionRead,
    summary="Get Task Instance Dependencies By Map Index",
    responses=error_responses(404),
)
def get_task_instance_dependencies_by_map_index(
    dag_id: str,
    dag_run_id: str,
    task_id: str,
    map_index: MapIndexPath,
    state: State,
    session: DbSession,
    user: CurrentUser,
) -> TaskDependencyCollectionRead:
    """Why one mapped task instance is not running."""
    dag = get_dag_row(state, session, user, dag_id, Permission.DAGS_READ)
    return _dependencies(state, session, dag, dag_run_id, task_id, map_index)
