"""Rows and specs → the API's ``…Read`` models, with Airflow's field names and defaults
(runs and versions as plain documents in their model's shape, which ``fast_json`` writes).

Where Tradewind keeps nothing for an Airflow field (bundles, executors, triggers) the field
is null; ids that Airflow makes UUIDs (task instances, DAG versions) are UUIDs derived from
the row's key, so they are stable.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from tradewind.api.fast_json import verbatim
from tradewind.api.schemas.dags import (
    DagDetailsRead,
    DagRead,
    DagTagRead,
    DagVersionRead,
    TaskRead,
    TimeDeltaRead,
)
from tradewind.api.schemas.task_instances import TaskInstanceHistoryRead, TaskInstanceRead
from tradewind.contracts.dagspec import DagSpec, TaskSpec
from tradewind.contracts.runs import DagRunType
from tradewind.contracts.states import TaskInstanceState as S
from tradewind.core.run_creation import timetable_of
from tradewind.storage.rows import DagRow, TaskInstanceRow, TaskTryRow

_RETRIED = frozenset({S.UP_FOR_RETRY, S.UP_FOR_RESCHEDULE})

_NAMESPACE = uuid.UUID("6f1c1e0e-5b8e-4f5e-9a55-7a1d7c0e2b11")

#: Why a run exists → Airflow's ``triggered_by`` (manual runs: not recorded yet).
_TRIGGERED_BY = {
    DagRunType.SCHEDULED: "timetable",
    DagRunType.BACKFILL: "backfill",
    DagRunType.ASSET_TRIGGERED: "asset",
}


def _uuid(*parts: object) -> str:
    return str(uuid.uuid5(_NAMESPACE, "\x1f".join(str(part) for part in parts)))


def _seconds(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return (end - start).total_seconds()


def file_token(dag_id: str) -> str:
    return base64.urlsafe_b64encode(dag_id.encode()).decode().rstrip("=")


def relative_fileloc(fileloc: str, dags_folder: Path) -> str:
    path = Path(fileloc)
    try:
        return str(path.relative_to(dags_folder))
    except ValueError:
        return path.name


def version_document(
    *, dag_id: str, version_number: int, created_at: datetime, dag_display_name: str
) -> dict[str, Any]:
    """A DAG version as Airflow's ``DagVersionResponse``: ``DagVersionRead``'s fields, in order."""
    return {
        "id": _uuid("dag_version", dag_id, version_number),
        "version_number": version_number,
        "dag_id": dag_id,
        "bundle_name": None,
        "bundle_version": None,
        "created_at": created_at,
        "dag_display_name": dag_display_name,
        "bundle_url": None,
    }


def version_read(version: Any, dag_display_name: str) -> DagVersionRead:
    """A version summary (``listing.list_version_summaries``) as Airflow's ``DagVersionResponse``."""
    return DagVersionRead(
        **version_document(
            dag_id=version.dag_id,
            version_number=version.version_number,
            created_at=version.created_at,
            dag_display_name=dag_display_name,
        )
    )


def _has_task_concurrency_limits(spec: DagSpec | None) -> bool:
    if spec is None:
        return False
    return any(
        task.max_active_tis_per_dag is not None or task.max_active_tis_per_dagrun is not None
        for task in spec.tasks.values()
    )


def dag_read(
    row: DagRow, *, spec: DagSpec | None, has_import_errors: bool, dags_folder: Path
) -> DagRead:
    display = row.dag_display_name or row.dag_id
    periodic = spec is not None and timetable_of(spec).periodic
    return DagRead(
        dag_id=row.dag_id,
        dag_display_name=display,
        is_paused=row.is_paused,
        is_stale=not row.is_active,
        last_parsed_time=row.last_parsed_time,
        relative_fileloc=relative_fileloc(row.fileloc, dags_folder),
        fileloc=row.fileloc,
        description=row.description,
        timetable_summary=row.schedule_summary,
        timetable_description=timetable_of(spec).description if spec is not None else None,
        tags=[
            DagTagRead(name=tag, dag_id=row.dag_id, dag_display_name=display) for tag in row.tags
        ],
        max_active_tasks=row.max_active_tasks,
        max_active_runs=row.max_active_runs,
        max_consecutive_failed_dag_runs=row.max_consecutive_failed_dag_runs,
        has_task_concurrency_limits=_has_task_concurrency_limits(spec),
        has_import_errors=has_import_errors,
        next_dagrun_logical_date=row.next_dagrun,
        next_dagrun_data_interval_start=row.next_dagrun_data_interval_start,
        next_dagrun_data_interval_end=row.next_dagrun_data_interval_end,
        next_dagrun_run_after=row.next_dagrun_create_after,
        owners=[owner for owner in row.owners.split(",") if owner],
        file_token=file_token(row.dag_id),
        is_backfillable=periodic,
        timetable_periodic=periodic,
    )


def _date(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _params(params: dict[str, Any]) -> dict[str, Any]:
    """A spec's params as Airflow's serialized ``Param`` objects."""
    return {
        name: {
            "__class": "airflow.sdk.definitions.param.Param",
            "value": entry.get("value"),
            "description": entry.get("description"),
            "schema": entry.get("schema") or {},
        }
        for name, entry in params.items()
    }


def dag_details_read(
    row: DagRow,
    *,
    spec: DagSpec | None,
    latest_version: Any | None,
    has_import_errors: bool,
    dags_folder: Path,
) -> DagDetailsRead:
    base = dag_read(row, spec=spec, has_import_errors=has_import_errors, dags_folder=dags_folder)
    display = base.dag_display_name
    return DagDetailsRead(
        **base.model_dump(),
        catchup=spec.catchup if spec else False,
        dag_run_timeout=(
            timedelta(seconds=spec.dagrun_timeout)
            if spec is not None and spec.dagrun_timeout is not None
            else None
        ),
        doc_md=spec.doc_md if spec else None,
        start_date=_date(spec.start_date) if spec else None,
        end_date=_date(spec.end_date) if spec else None,
        is_paused_upon_creation=spec.is_paused_upon_creation if spec else None,
        params=_params(spec.params) if spec else None,
        timezone=spec.timezone if spec else None,
        last_parsed=row.last_parsed_time,
        concurrency=row.max_active_tasks,
        latest_dag_version=(
            version_read(latest_version, display) if latest_version is not None else None
        ),
    )


def dag_run_documents(rows: Iterable[Sequence[Any]]) -> list[dict[str, Any]]:
    """Runs (rows of ``listing.list_dag_run_page``) as Airflow's ``DAGRunResponse``:
    ``DagRunRead``'s fields, in order, as ``fast_json`` writes them.

    The one place a run's answer is built: lists send it through ``fast_json``, single runs
    read it back as ``DagRunRead``. Rows are unpacked by position (``listing.RUN_VIEW_FIELDS``,
    then fields not used here): reading a SQLAlchemy row's fields by name costs about 1 µs
    each.
    """
    versions: dict[int, dict[str, Any]] = {}
    documents = []
    for (
        run_id,
        dag_id,
        logical_date,
        queued_at,
        start_date,
        end_date,
        data_interval_start,
        data_interval_end,
        run_after,
        last_scheduling_decision,
        run_type,
        state,
        conf,
        note,
        version_id,
        dag_display_name,
        version_number,
        version_created_at,
        *_,
    ) in rows:
        version = None
        if version_number is not None:
            version = versions.get(version_id)
            if version is None:
                version = versions[version_id] = version_document(
                    dag_id=dag_id,
                    version_number=version_number,
                    created_at=version_created_at,
                    dag_display_name=dag_display_name,
                )
        documents.append(
            {
                "dag_run_id": run_id,
                "dag_id": dag_id,
                "logical_date": logical_date,
                "queued_at": queued_at,
                "start_date": start_date,
                "end_date": end_date,
                "duration": _seconds(start_date, end_date),
                "data_interval_start": data_interval_start,
                "data_interval_end": data_interval_end,
                "run_after": run_after,
                "last_scheduling_decision": last_scheduling_decision,
                "run_type": run_type,
                "state": state,
                "triggered_by": _TRIGGERED_BY.get(run_type),
                "triggering_user_name": None,
                "conf": verbatim(conf),
                "note": note,
                "dag_versions": [version] if version is not None else [],
                "bundle_version": None,
                "dag_display_name": dag_display_name,
                "partition_key": None,
                "partition_date": None,
            }
        )
    return documents


def task_instance_id(dag_id: str, run_id: str, task_id: str, map_index: int) -> str:
    return _uuid("task_instance", dag_id, run_id, task_id, map_index)


def _shared_fields(
    ti: TaskInstanceRow, dag_version: DagVersionRead | None, dag_display_name: str
) -> dict[str, Any]:
    """Fields an instance and each of its tries have in common (from the instance)."""
    return {
        "max_tries": ti.max_tries,
        "task_display_name": ti.task_id,
        "dag_display_name": dag_display_name,
        "pool": ti.pool,
        "pool_slots": ti.pool_slots,
        "queue": ti.queue,
        "priority_weight": ti.priority,
        "operator": ti.operator or None,
        "operator_name": ti.operator or None,
        "dag_version": dag_version,
    }


def task_instance_read(
    ti: TaskInstanceRow,
    *,
    logical_date: datetime | None,
    run_after: datetime,
    dag_version: DagVersionRead | None,
    dag_display_name: str,
) -> TaskInstanceRead:
    return TaskInstanceRead(
        id=task_instance_id(ti.dag_id, ti.run_id, ti.task_id, ti.map_index),
        task_id=ti.task_id,
        dag_id=ti.dag_id,
        dag_run_id=ti.run_id,
        map_index=ti.map_index,
        logical_date=logical_date,
        run_after=run_after,
        start_date=ti.start_date,
        end_date=ti.end_date,
        duration=_seconds(ti.start_date, ti.end_date),
        state=ti.state,
        try_number=ti.try_number,
        hostname=ti.hostname,
        queued_when=ti.queued_at,
        pid=ti.pid,
        note=ti.note,
        **_shared_fields(ti, dag_version, dag_display_name),
    )


def task_try_read(
    attempt: TaskTryRow,
    *,
    ti: TaskInstanceRow,
    dag_version: DagVersionRead | None,
    dag_display_name: str,
) -> TaskInstanceHistoryRead:
    """A finished try (``attempt``) of the instance ``ti``."""
    return TaskInstanceHistoryRead(
        task_id=attempt.task_id,
        dag_id=attempt.dag_id,
        dag_run_id=attempt.run_id,
        map_index=attempt.map_index,
        start_date=attempt.start_date,
        end_date=attempt.end_date,
        duration=_seconds(attempt.start_date, attempt.end_date),
        # As Airflow's history: a try that was retried (or rescheduled) failed.
        state=S.FAILED if attempt.state in _RETRIED else attempt.state,
        try_number=attempt.try_number,
        hostname=attempt.hostname,
        queued_when=None,
        pid=None,
        **_shared_fields(ti, dag_version, dag_display_name),
    )


def current_try_read(
    ti: TaskInstanceRow, *, dag_version: DagVersionRead | None, dag_display_name: str
) -> TaskInstanceHistoryRead:
    """The instance's current try, not finished yet (so not in the try history)."""
    return TaskInstanceHistoryRead(
        task_id=ti.task_id,
        dag_id=ti.dag_id,
        dag_run_id=ti.run_id,
        map_index=ti.map_index,
        start_date=ti.start_date,
        end_date=ti.end_date,
        duration=_seconds(ti.start_date, ti.end_date),
        state=ti.state,
        try_number=ti.try_number,
        hostname=ti.hostname,
        queued_when=ti.queued_at,
        pid=ti.pid,
        **_shared_fields(ti, dag_version, dag_display_name),
    )


def task_read(spec: DagSpec, task: TaskSpec) -> TaskRead:
    module, _, name = task.operator.rpartition(".")
    return TaskRead(
        task_id=task.task_id,
        task_display_name=task.task_id,
        owner=task.owner,
        start_date=_date(spec.start_date),
        end_date=_date(spec.end_date),
        trigger_rule=task.trigger_rule,
        depends_on_past=task.depends_on_past,
        wait_for_downstream=task.wait_for_downstream,
        retries=task.retries,
        queue=task.queue,
        pool=task.pool,
        pool_slots=task.pool_slots,
        execution_timeout=TimeDeltaRead.of(task.execution_timeout),
        retry_delay=TimeDeltaRead.of(task.retry_delay),
        retry_exponential_backoff=2.0 if task.retry_exponential_backoff else 0.0,
        priority_weight=task.priority_weight,
        weight_rule=task.weight_rule,
        ui_color=task.ui_color,
        ui_fgcolor="#000",
        template_fields=list(task.template_fields),
        downstream_task_ids=sorted(task.downstream),
        doc_md=task.doc_md,
        operator_name=name or task.operator,
        params={},
        class_ref={"module_path": module or None, "class_name": name or task.operator},
        is_mapped=task.is_mapped,
        extra_links=[],
    )
