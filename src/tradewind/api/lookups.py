"""Finding what a request names (a DAG, a run, task instances), with its 403 or 404, and
reading pages of them as ``…Read`` models (runs as their JSON too). Shared by the routers."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

from fastapi import HTTPException, Response
from sqlalchemy.orm import Session

from tradewind.api.auth.roles import AuthUser, Permission
from tradewind.api.deps import ApiState
from tradewind.api.fast_json import dumps, json_response
from tradewind.api.schemas.dag_runs import DagRunRead
from tradewind.api.schemas.dags import DagVersionRead
from tradewind.api.schemas.task_instances import TaskInstanceRead
from tradewind.api.serialize import dag_run_documents, task_instance_read, version_read
from tradewind.contracts.dagspec import DagSpec
from tradewind.storage.repos import dag_runs as run_repo
from tradewind.storage.repos import dags as dag_repo
from tradewind.storage.repos import listing
from tradewind.storage.rows import DagRow, DagRunRow

#: ``~`` in a path: every DAG (or every run) the user may read.
ALL = "~"

#: (dag_id, run_id, task_id, map_index)
TiKey = tuple[str, str, str, int]


def dag_not_found(dag_id: str) -> HTTPException:
    return HTTPException(
        404,
        f"The DAG with dag_id {dag_id!r} was not found; is its file in the DAG folder, and has "
        "the DAG processor parsed it?",
    )


def get_dag_row(
    state: ApiState, session: Session, user: AuthUser, dag_id: str, permission: Permission
) -> DagRow:
    """The DAG, if the user may do ``permission`` to it: 403, or 404 when it is unknown."""
    state.access.require(session, user, dag_id, permission)
    row = dag_repo.get_dag(session=session, dag_id=dag_id)
    if row is None:
        raise dag_not_found(dag_id)
    return row


def run_not_found(dag_id: str, run_id: str) -> HTTPException:
    return HTTPException(
        404, f"The DagRun with dag_id: {dag_id!r} and run_id: {run_id!r} was not found"
    )


def get_run_row(session: Session, dag_id: str, run_id: str) -> DagRunRow:
    row = run_repo.get_dag_run(session=session, dag_id=dag_id, run_id=run_id)
    if row is None:
        raise run_not_found(dag_id, run_id)
    return row


def run_spec(state: ApiState, session: Session, run: DagRunRow) -> DagSpec:
    """The DAG version the run runs (the DAG's latest when that version is gone)."""
    spec = state.specs.get(session, run.dag_id, run.dag_version_hash) or state.specs.latest(
        session, run.dag_id
    )
    if spec is None:
        raise HTTPException(404, f"DAG {run.dag_id!r} has no recorded version")
    return spec


def require_dag(session: Session, dag_id: str) -> None:
    """404 unless the DAG exists."""
    if not listing.dag_exists(session=session, dag_id=dag_id):
        raise dag_not_found(dag_id)


def readable_dag_ids(
    state: ApiState, session: Session, user: AuthUser, dag_id: str, *, must_exist: bool = True
) -> set[str] | None:
    """The DAGs a list for ``dag_id`` (``~``: every DAG) covers; None means every DAG.

    ``must_exist=False`` leaves the 404 of an unknown DAG to the caller (``require_dag``).
    """
    if dag_id == ALL:
        return state.access.readable_dag_ids(session, user)
    state.access.require(session, user, dag_id, Permission.DAGS_READ)
    if must_exist:
        require_dag(session, dag_id)
    return {dag_id}


def version_reads(
    session: Session, version_ids: Iterable[int | None], names: Mapping[str, str]
) -> dict[int | None, DagVersionRead]:
    """Each DAG version named (by row id) as ``DagVersionRead``, built once per version."""
    summaries = listing.list_version_summaries(
        session=session, version_ids={vid for vid in version_ids if vid is not None}
    )
    return {
        vid: version_read(summary, names.get(summary.dag_id, summary.dag_id))
        for vid, summary in summaries.items()
    }


def run_page_response(rows: Sequence[Any], total: int) -> Response:
    """A page of runs as ``DagRunCollectionRead``'s JSON, written by ``fast_json``."""
    return json_response({"dag_runs": dag_run_documents(rows), "total_entries": total})


def run_read(session: Session, dag_id: str, run_id: str) -> DagRunRead:
    """The run as ``DagRunRead`` (404 when there is none), read from the JSON a list shows."""
    row = listing.get_dag_run_view(session=session, dag_id=dag_id, run_id=run_id)
    if row is None:
        raise run_not_found(dag_id, run_id)
    return DagRunRead.model_validate_json(dumps(dag_run_documents([row])[0]))


def run_reads(session: Session, rows: Sequence[DagRunRow]) -> list[DagRunRead]:
    """``run_read`` of each run (for routes that hold the runs' rows)."""
    return [run_read(session, row.dag_id, row.run_id) for row in rows]


def ti_reads(session: Session, rows: Sequence[Any]) -> list[TaskInstanceRead]:
    """``listing.list_task_instance_page`` rows as ``TaskInstanceRead``."""
    names = listing.list_dag_display_names(session=session, dag_ids={row[0].dag_id for row in rows})
    versions = version_reads(session, (row[3] for row in rows), names)
    return [
        task_instance_read(
            ti,
            logical_date=logical_date,
            run_after=run_after,
            dag_version=versions.get(version_id),
            dag_display_name=names.get(ti.dag_id, ti.dag_id),
        )
        for ti, logical_date, run_after, version_id in rows
    ]


def ti_reads_of_keys(session: Session, keys: Iterable[TiKey]) -> list[TaskInstanceRead]:
    """The task instances of ``keys`` that exist, in the order of the keys."""
    wanted = list(dict.fromkeys(keys))
    by_run: defaultdict[tuple[str, str], set[str]] = defaultdict(set)
    for dag_id, run_id, task_id, _ in wanted:
        by_run[(dag_id, run_id)].add(task_id)
    found: dict[TiKey, Any] = {}
    for (dag_id, run_id), task_ids in by_run.items():
        for task_id in task_ids:
            rows, _ = listing.list_task_instance_page(
                session=session, dag_ids=[dag_id], run_id=run_id, task_id=task_id, order_by=()
            )
            for row in rows:
                ti = row[0]
                found[(ti.dag_id, ti.run_id, ti.task_id, ti.map_index)] = row
    return ti_reads(session, [found[key] for key in wanted if key in found])


def check_task(spec: DagSpec, task_ids: Collection[str]) -> None:
    unknown = sorted(set(task_ids) - set(spec.tasks))
    if unknown:
        raise HTTPException(
            404, f"Task(s) {', '.join(map(repr, unknown))} not found in DAG {spec.dag_id!r}"
        )
