"""What every task in a DAG has, mapped or not: identity, dependencies and scheduling options."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from tradewind.contracts.states import TriggerRule
from tradewind.errors import UnknownTriggerRuleError
from tradewind.sdk.dependencies import DependencyMixin

if TYPE_CHECKING:
    from tradewind.sdk.dag import DAG
    from tradewind.sdk.taskgroup import TaskGroup
    from tradewind.sdk.xcom_arg import XComArg

DEFAULT_OWNER = "tradewind"
DEFAULT_POOL = "default_pool"
DEFAULT_QUEUE = "default"
DEFAULT_RETRY_DELAY = timedelta(seconds=300)
WEIGHT_RULES = ("downstream", "upstream", "absolute")

TaskCallback = Callable[[Any], object]

#: The scheduling options every task has, with their defaults (Airflow's names and defaults).
TASK_DEFAULTS: dict[str, Any] = {
    "owner": DEFAULT_OWNER,
    "email": None,
    "retries": 0,
    "retry_delay": DEFAULT_RETRY_DELAY,
    "retry_exponential_backoff": False,
    "max_retry_delay": None,
    "execution_timeout": None,
    "trigger_rule": TriggerRule.ALL_SUCCESS,
    "pool": DEFAULT_POOL,
    "pool_slots": 1,
    "priority_weight": 1,
    "weight_rule": "downstream",
    "queue": DEFAULT_QUEUE,
    "depends_on_past": False,
    "wait_for_downstream": False,
    "ignore_first_depends_on_past": True,
    "start_date": None,
    "end_date": None,
    "on_execute_callback": None,
    "on_success_callback": None,
    "on_failure_callback": None,
    "on_retry_callback": None,
    "on_skipped_callback": None,
    "doc_md": None,
    "doc": None,
    "do_xcom_push": True,
    "multiple_outputs": False,
    "max_active_tis_per_dag": None,
    "max_active_tis_per_dagrun": None,
    "executor_config": None,
    "inlets": None,
    "outlets": None,
    "map_index_template": None,
}


#: Names older Airflow versions used for rules that were renamed since.
_RENAMED_TRIGGER_RULES = {
    "dummy": TriggerRule.ALWAYS,
    "none_failed_or_skipped": TriggerRule.NONE_FAILED_MIN_ONE_SUCCESS,
}


def parse_trigger_rule(value: object) -> TriggerRule:
    renamed = _RENAMED_TRIGGER_RULES.get(str(value))
    if renamed is not None:
        return renamed
    try:
        return TriggerRule(str(value))
    except ValueError:
        valid = ", ".join(rule.value for rule in TriggerRule)
        raise UnknownTriggerRuleError(
            f"Unknown trigger_rule {value!r}. Use one of: {valid}."
        ) from None


def _as_timedelta(name: str, value: object) -> timedelta | None:
    if value is None or isinstance(value, timedelta):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return timedelta(seconds=value)
    raise TypeError(f"{name} must be a timedelta or a number of seconds, got {value!r}.")


def normalize_task_options(options: dict[str, Any]) -> dict[str, Any]:
    """Fill in defaults and check the scheduling options of one task."""
    result = {**TASK_DEFAULTS, **{k: v for k, v in options.items() if k in TASK_DEFAULTS}}
    result["trigger_rule"] = parse_trigger_rule(result["trigger_rule"])
    retries = result["retries"]
    if retries is None:
        retries = 0
    if isinstance(retries, bool) or not isinstance(retries, int | str) or int(retries) < 0:
        raise ValueError(f"retries must be a whole number of at least 0, got {retries!r}.")
    result["retries"] = int(retries)
    for name in ("retry_delay", "max_retry_delay", "execution_timeout"):
        result[name] = _as_timedelta(name, result[name])
    if result["retry_delay"] is None:
        result["retry_delay"] = DEFAULT_RETRY_DELAY
    if int(result["pool_slots"]) < 1:
        raise ValueError(f"pool_slots must be at least 1, got {result['pool_slots']!r}.")
    if result["weight_rule"] not in WEIGHT_RULES:
        raise ValueError(
            f"weight_rule must be one of {', '.join(WEIGHT_RULES)}, got {result['weight_rule']!r}."
        )
    result["inlets"] = _as_list(result["inlets"])
    result["outlets"] = _as_list(result["outlets"])
    if result["wait_for_downstream"]:  # waiting for the past's downstream implies its task
        result["depends_on_past"] = True
    return result


def _as_list(value: object) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return list(value)
    return [value]


class AbstractOperator(DependencyMixin):
    """Identity, dependencies and scheduling options shared by plain and mapped tasks."""

    task_id: str
    template_fields: Sequence[str] = ()
    template_ext: Sequence[str] = ()
    template_fields_renderers: dict[str, str] = {}
    ui_color: str = "#fff"
    ui_fgcolor: str = "#000"
    is_mapped: bool = False

    # Scheduling options (see TASK_DEFAULTS), set by subclasses from their arguments.
    owner: str
    email: str | Sequence[str] | None
    retries: int
    retry_delay: timedelta
    retry_exponential_backoff: bool
    max_retry_delay: timedelta | None
    execution_timeout: timedelta | None
    trigger_rule: TriggerRule
    pool: str
    pool_slots: int
    priority_weight: int
    weight_rule: str
    queue: str
    depends_on_past: bool
    wait_for_downstream: bool
    start_date: datetime | None
    end_date: datetime | None
    on_execute_callback: TaskCallback | Sequence[TaskCallback] | None
    on_success_callback: TaskCallback | Sequence[TaskCallback] | None
    on_failure_callback: TaskCallback | Sequence[TaskCallback] | None
    on_retry_callback: TaskCallback | Sequence[TaskCallback] | None
    on_skipped_callback: TaskCallback | Sequence[TaskCallback] | None
    doc_md: str | None
    do_xcom_push: bool
    multiple_outputs: bool
    inlets: list[Any]
    outlets: list[Any]

    def _init_identity(self, task_id: str) -> None:
        self.task_id = task_id
        self.upstream_task_ids: set[str] = set()
        self.downstream_task_ids: set[str] = set()
        self._dag: DAG | None = None
        self.task_group: TaskGroup | None = None
        self.is_setup = False
        self.is_teardown = False
        self.on_failure_fail_dagrun = False
        self.params: dict[str, Any] = {}

    def _apply_task_options(self, options: dict[str, Any]) -> None:
        for name, value in normalize_task_options(options).items():
            setattr(self, name, value)

    # -- DAG membership ---------------------------------------------------------------

    @property
    def dag(self) -> DAG | None:
        return self._dag

    @dag.setter
    def dag(self, dag: DAG | None) -> None:
        if dag is None or dag is self._dag:
            return
        dag.add_task(self)

    @property
    def dag_id(self) -> str | None:
        return self._dag.dag_id if self._dag is not None else None

    @property
    def label(self) -> str:
        """The task id without its task group prefix, as graph views show it."""
        group = self.task_group
        if group is not None and group.group_id and group.prefix_group_id:
            prefix = group.group_id + "."
            if self.task_id.startswith(prefix):
                return self.task_id[len(prefix) :]
        return self.task_id

    # -- dependencies ------------------------------------------------------------------

    @property
    def roots(self) -> list[AbstractOperator]:
        return [self]

    @property
    def leaves(self) -> list[AbstractOperator]:
        return [self]

    @property
    def upstream_list(self) -> list[AbstractOperator]:
        return [self._require_dag().get_task(i) for i in sorted(self.upstream_task_ids)]

    @property
    def downstream_list(self) -> list[AbstractOperator]:
        return [self._require_dag().get_task(i) for i in sorted(self.downstream_task_ids)]

    def get_direct_relative_ids(self, upstream: bool = False) -> set[str]:
        return set(self.upstream_task_ids if upstream else self.downstream_task_ids)

    def get_direct_relatives(self, upstream: bool = False) -> list[AbstractOperator]:
        return self.upstream_list if upstream else self.downstream_list

    def get_flat_relatives(self, upstream: bool = False) -> list[AbstractOperator]:
        dag = self._require_dag()
        return [dag.get_task(i) for i in sorted(self.get_flat_relative_ids(upstream=upstream))]

    def get_flat_relative_ids(self, *, upstream: bool = False) -> set[str]:
        """Ids of every task reachable upstream (or downstream) of this one."""
        dag = self._require_dag()
        found: set[str] = set()
        pending = list(self.upstream_task_ids if upstream else self.downstream_task_ids)
        while pending:
            task_id = pending.pop()
            if task_id in found:
                continue
            found.add(task_id)
            task = dag.get_task(task_id)
            pending.extend(task.upstream_task_ids if upstream else task.downstream_task_ids)
        return found

    def _require_dag(self) -> DAG:
        if self._dag is None:
            from tradewind.errors import TaskOutsideDagError

            raise TaskOutsideDagError(f"Task {self.task_id!r} is not part of any DAG.")
        return self._dag

    # -- setup and teardown --------------------------------------------------------------

    def as_setup(self) -> AbstractOperator:
        """Mark this task as a setup task: it prepares resources that a teardown frees."""
        self.is_setup = True
        return self

    def as_teardown(
        self,
        *,
        setups: DependencyMixin | Iterable[DependencyMixin] | None = None,
        on_failure_fail_dagrun: bool | None = None,
    ) -> AbstractOperator:
        """Mark this task as a teardown: it runs even when the work failed, once a setup ran."""
        self.is_teardown = True
        self.trigger_rule = TriggerRule.ALL_DONE_SETUP_SUCCESS
        if on_failure_fail_dagrun is not None:
            self.on_failure_fail_dagrun = on_failure_fail_dagrun
        if setups is not None:
            setup_items = [setups] if isinstance(setups, DependencyMixin) else list(setups)
            for item in setup_items:
                for op in item.leaves:
                    op.is_setup = True
                item.set_downstream(self)
        return self

    # -- results -------------------------------------------------------------------------

    @property
    def output(self) -> XComArg:
        """This task's return value, as an argument for downstream tasks."""
        from tradewind.sdk.xcom_arg import PlainXComArg

        return PlainXComArg(self)

    def __repr__(self) -> str:
        return f"<Task({type(self).__name__}): {self.task_id}>"
