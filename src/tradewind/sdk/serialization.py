"""Turning an authored DAG into a :class:`~tradewind.contracts.dagspec.DagSpec`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tradewind.contracts.dagspec import DagSpec, TaskGroupSpec, TaskSpec
from tradewind.sdk.asset import BaseAsset
from tradewind.sdk.mapping import MappedOperator
from tradewind.sdk.taskgroup import MappedTaskGroup, TaskGroup

if TYPE_CHECKING:
    from tradewind.sdk.abstractoperator import AbstractOperator
    from tradewind.sdk.dag import DAG


def _seconds(value: Any) -> float | None:
    return value.total_seconds() if value is not None else None


def _assets(items: list[Any]) -> tuple[dict[str, Any], ...]:
    return tuple(
        reference
        for item in items
        if isinstance(item, BaseAsset)
        for reference in item.references()
    )


def _json_safe(value: Any) -> Any:
    """Sets become sorted lists, so a DAG's JSON (and its version hash) never varies."""
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        return sorted(_json_safe(v) for v in value)
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return value


def _priorities(dag: DAG) -> dict[str, int]:
    """priority_weight totals: each task's own weight plus its relatives' per weight_rule."""
    order = dag.topological_sort()
    down_sets: dict[str, set[str]] = {}
    for task in reversed(order):
        reach: set[str] = set()
        for child in task.downstream_task_ids:
            reach.add(child)
            reach |= down_sets[child]
        down_sets[task.task_id] = reach
    up_sets: dict[str, set[str]] = {}
    for task in order:
        reach = set()
        for parent in task.upstream_task_ids:
            reach.add(parent)
            reach |= up_sets[parent]
        up_sets[task.task_id] = reach
    weights = {t.task_id: int(t.priority_weight) for t in order}
    totals: dict[str, int] = {}
    for task in order:
        own = weights[task.task_id]
        if task.weight_rule == "absolute":
            totals[task.task_id] = own
        elif task.weight_rule == "upstream":
            totals[task.task_id] = own + sum(weights[i] for i in up_sets[task.task_id])
        else:
            totals[task.task_id] = own + sum(weights[i] for i in down_sets[task.task_id])
    return totals


def _group_length(group: TaskGroup | None) -> tuple[str | None, dict[str, Any] | None]:
    mapped = group.mapped_group() if group is not None else None
    if mapped is None:
        return None, None
    return mapped.group_id, mapped.expand_input.length_spec()


def _operator_name(task: AbstractOperator) -> str:
    cls = task.operator_class if isinstance(task, MappedOperator) else type(task)
    return str(getattr(cls, "custom_operator_name", cls.__name__))


def serialize_task(task: AbstractOperator, priority: int) -> TaskSpec:
    mapped_group, _ = _group_length(task.task_group)
    group = task.task_group
    return TaskSpec(
        task_id=task.task_id,
        operator=_operator_name(task),
        upstream=tuple(sorted(task.upstream_task_ids)),
        downstream=tuple(sorted(task.downstream_task_ids)),
        trigger_rule=str(task.trigger_rule),
        retries=task.retries,
        retry_delay=task.retry_delay.total_seconds(),
        retry_exponential_backoff=bool(task.retry_exponential_backoff),
        max_retry_delay=_seconds(task.max_retry_delay),
        execution_timeout=_seconds(task.execution_timeout),
        pool=task.pool,
        pool_slots=int(task.pool_slots),
        priority_weight=int(task.priority_weight),
        weight_rule=task.weight_rule,
        priority=priority,
        queue=task.queue,
        owner=task.owner,
        depends_on_past=bool(task.depends_on_past),
        wait_for_downstream=bool(task.wait_for_downstream),
        max_active_tis_per_dag=getattr(task, "max_active_tis_per_dag", None),
        max_active_tis_per_dagrun=getattr(task, "max_active_tis_per_dagrun", None),
        is_setup=task.is_setup,
        is_teardown=task.is_teardown,
        on_failure_fail_dagrun=task.on_failure_fail_dagrun,
        map_length=(task.expand_input.length_spec() if isinstance(task, MappedOperator) else None),
        mapped_group=mapped_group,
        task_group=group.group_id if group is not None else None,
        template_fields=tuple(task.template_fields),
        doc_md=task.doc_md,
        ui_color=task.ui_color,
        outlets=_assets(task.outlets),
        inlets=_assets(task.inlets),
    )


def serialize_dag(dag: DAG) -> DagSpec:
    """The scheduler's view of ``dag``; raises ``DagCycleError`` for a cyclic DAG."""
    priorities = _priorities(dag)
    groups = {
        group.group_id: TaskGroupSpec(
            group_id=group.group_id,
            parent=group.parent_group.group_id if group.parent_group else None,
            tooltip=group.tooltip,
            ui_color=group.ui_color,
            map_length=(
                group.expand_input.length_spec() if isinstance(group, MappedTaskGroup) else None
            ),
            children=tuple(group.children),
        )
        for group in dag.iter_task_groups()
        if group.group_id is not None
    }
    return DagSpec(
        dag_id=dag.dag_id,
        fileloc=dag.fileloc,
        timetable=dag.timetable.serialize(),
        schedule_summary=dag.timetable.summary,
        tasks={t.task_id: serialize_task(t, priorities[t.task_id]) for t in dag.tasks},
        task_groups=groups,
        description=dag.description,
        start_date=dag.start_date.isoformat() if dag.start_date else None,
        end_date=dag.end_date.isoformat() if dag.end_date else None,
        timezone=str(dag.timezone),
        catchup=dag.catchup,
        max_active_runs=dag.max_active_runs,
        max_active_tasks=dag.max_active_tasks,
        max_consecutive_failed_dag_runs=dag.max_consecutive_failed_dag_runs,
        dagrun_timeout=_seconds(dag.dagrun_timeout),
        tags=tuple(dag.tags),
        owner=dag.owner,
        params=dag.params.dump(),
        doc_md=dag.doc_md,
        is_paused_upon_creation=dag.is_paused_upon_creation,
        fail_fast=dag.fail_fast,
        has_on_success_callback=dag.on_success_callback is not None,
        has_on_failure_callback=dag.on_failure_callback is not None,
        access_control=_json_safe(dag.access_control),
        edge_info=tuple((up, down, info) for (up, down), info in sorted(dag.edge_info.items())),
        dag_display_name=dag.dag_display_name,
    )
