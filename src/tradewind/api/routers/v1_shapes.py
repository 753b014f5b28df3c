"""The ``/api/v1`` routes answer with what the ``/api/v2`` routes compute, reshaped here to
Airflow 2's fields; and v1's parameter names (``execution_date…``) map onto v2's."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any, TypeVar

from fastapi import HTTPException
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from tradewind.api.deps import ApiState
from tradewind.api.schemas.dag_runs import DagRunRead
from tradewind.api.schemas.dags import DagDetailsRead, DagRead, TaskRead, TimeDeltaRead
from tradewind.api.schemas.task_instances import TaskInstanceRead
from tradewind.api.schemas.v1 import (
    ClassReferenceV1,
    CronExpressionReadV1,
    DagDetailReadV1,
    DagReadV1,
    DagRunReadV1,
    TagReadV1,
    TaskInstanceReadV1,
    TaskReadV1,
)
from tradewind.contracts.dagspec import DagSpec
from tradewind.contracts.runs import DagRunType
from tradewind.storage.repos import listing

M = TypeVar("M", bound=BaseModel)

#: v1 names of fields that v2 renamed, for ``order_by`` and filters.
V2_FIELD_NAMES: Mapping[str, str] = {"execution_date": "logical_date"}

#: Airflow 2 called asset-triggered runs dataset-triggered.
_RUN_TYPES = {DagRunType.ASSET_TRIGGERED: "dataset_triggered"}


def v2_order_by(order_by: str | None) -> list[str]:
    """A v1 ``order_by`` (one field, ``-`` for descending) in v2's names."""
    if not order_by:
        return []
    descending = order_by.startswith("-")
    field = order_by.lstrip("-")
    return [("-" if descending else "") + V2_FIELD_NAMES.get(field, field)]


def latest_specs(state: ApiState, session: Session, dag_ids: Collection[str]) -> dict[str, DagSpec]:
    """dag_id → the spec of its latest version (cached), for the DAGs that have one."""
    versions = listing.list_latest_version_summaries(session=session, dag_ids=list(dag_ids))
    specs = {}
    for dag_id, version in versions.items():
        spec = state.specs.get(session, dag_id, version.version_hash)
        if spec is not None:
            specs[dag_id] = spec
    return specs


def schedule_interval(spec: DagSpec | None) -> CronExpressionReadV1 | TimeDeltaRead | None:
    """Airflow 2's ``schedule_interval``: a duration as a ``TimeDelta``; a cron expression,
    preset or ``Dataset`` (asset-triggered) as a ``CronExpression``; null for no schedule."""
    if spec is None:
        return None
    kind = str(spec.timetable.get("type", ""))
    if kind == "NullTimetable":
        return None
    delta = spec.timetable.get("delta")
    if isinstance(delta, Mapping):
        return TimeDeltaRead(
            days=int(delta.get("days", 0)),
            seconds=int(delta.get("seconds", 0)),
            microseconds=int(delta.get("microseconds", 0)),
        )
    if kind.startswith("Asset"):
        return CronExpressionReadV1(value="Dataset")
    return CronExpressionReadV1(value=spec.schedule_summary)


def _dag_fields(read: DagRead, spec: DagSpec | None) -> dict[str, Any]:
    return {
        "dag_id": read.dag_id,
        "dag_display_name": read.dag_display_name,
        "is_paused": read.is_paused,
        "is_active": not read.is_stale,
        "last_parsed_time": read.last_parsed_time,
        "fileloc": read.fileloc,
        "file_token": read.file_token,
        "owners": read.owners,
        "description": read.description,
        "schedule_interval": schedule_interval(spec),
        "timetable_description": read.timetable_description,
        "tags": [TagReadV1(name=tag.name) for tag in read.tags],
        "max_active_tasks": read.max_active_tasks,
        "max_active_runs": read.max_active_runs,
        "has_task_concurrency_limits": read.has_task_concurrency_limits,
        "has_import_errors": read.has_import_errors,
        "next_dagrun": read.next_dagrun_logical_date,
        "next_dagrun_data_interval_start": read.next_dagrun_data_interval_start,
        "next_dagrun_data_interval_end": read.next_dagrun_data_interval_end,
        "next_dagrun_create_after": read.next_dagrun_run_after,
        "max_consecutive_failed_dag_runs": read.max_consecutive_failed_dag_runs,
    }


def dag_v1(read: DagRead, spec: DagSpec | None) -> DagReadV1:
    return DagReadV1(**_dag_fields(read, spec))


def dag_detail_v1(read: DagDetailsRead, spec: DagSpec | None) -> DagDetailReadV1:
    return DagDetailReadV1(
        **_dag_fields(read, spec),
        timezone=read.timezone,
        catchup=read.catchup,
        concurrency=read.concurrency,
        start_date=read.start_date,
        dag_run_timeout=(
            TimeDeltaRead.of(read.dag_run_timeout.total_seconds())
            if read.dag_run_timeout is not None
            else None
        ),
        dataset_expression=(spec.timetable.get("condition") if spec is not None else None),
        doc_md=read.doc_md,
        params=read.params,
        end_date=read.end_date,
        is_paused_upon_creation=read.is_paused_upon_creation,
        last_parsed=read.last_parsed,
    )


def task_v1(read: TaskRead) -> TaskReadV1:
    class_ref = read.class_ref or {}
    return TaskReadV1(
        class_ref=ClassReferenceV1(
            module_path=class_ref.get("module_path"), class_name=class_ref.get("class_name")
        ),
        task_id=read.task_id,
        task_display_name=read.task_display_name,
        owner=read.owner,
        start_date=read.start_date,
        end_date=read.end_date,
        trigger_rule=read.trigger_rule,
        extra_links=[],
        depends_on_past=read.depends_on_past,
        is_mapped=read.is_mapped,
        wait_for_downstream=read.wait_for_downstream,
        retries=read.retries,
        queue=read.queue,
        pool=read.pool,
        pool_slots=read.pool_slots,
        execution_timeout=read.execution_timeout,
        retry_delay=read.retry_delay,
        retry_exponential_backoff=read.retry_exponential_backoff > 0,
        priority_weight=read.priority_weight,
        weight_rule=read.weight_rule,
        ui_color=read.ui_color,
        ui_fgcolor=read.ui_fgcolor,
        template_fields=read.template_fields,
        downstream_task_ids=read.downstream_task_ids,
        doc_md=read.doc_md,
    )


def dag_run_v1(read: DagRunRead) -> DagRunReadV1:
    return DagRunReadV1(
        dag_run_id=read.dag_run_id,
        dag_id=read.dag_id,
        logical_date=read.logical_date,
        execution_date=read.logical_date,
        start_date=read.start_date,
        end_date=read.end_date,
        data_interval_start=read.data_interval_start,
        data_interval_end=read.data_interval_end,
        last_scheduling_decision=read.last_scheduling_decision,
        run_type=_RUN_TYPES.get(read.run_type, read.run_type.value),  # type: ignore[arg-type]
        state=read.state.value,
        external_trigger=read.run_type is DagRunType.MANUAL,
        conf=read.conf or {},
        note=read.note,
    )


def task_instance_v1(read: TaskInstanceRead) -> TaskInstanceReadV1:
    return TaskInstanceReadV1(
        task_id=read.task_id,
        task_display_name=read.task_display_name,
        dag_id=read.dag_id,
        dag_run_id=read.dag_run_id,
        execution_date=read.logical_date,
        start_date=read.start_date,
        end_date=read.end_date,
        duration=read.duration,
        state=read.state.value if read.state is not None else None,
        try_number=read.try_number,
        map_index=read.map_index,
        max_tries=read.max_tries,
        hostname=read.hostname or "",
        unixname=read.unixname or "",
        pool=read.pool,
        pool_slots=read.pool_slots,
        queue=read.queue,
        priority_weight=read.priority_weight,
        operator=read.operator,
        queued_when=read.queued_when,
        pid=read.pid,
        executor=read.executor,
        executor_config=read.executor_config,
        rendered_map_index=read.rendered_map_index,
        rendered_fields=read.rendered_fields,
        trigger=read.trigger,
        triggerer_job=read.triggerer_job,
        note=read.note,
    )


def v2_model(model: type[M], **fields: Any) -> M:
    """A v2 request model built from v1's fields. What v2 refuses that v1's schema let through
    (fields that must come together, say) is a 400 naming the fields."""
    try:
        return model(**fields)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in item['loc']) or 'body'}: {item['msg']}"
            for item in error.errors(include_url=False)
        )
        raise HTTPException(400, f"Invalid request: {problems}") from None
