"""``DAG`` and ``@dag``: a pipeline of tasks, its schedule and its run options."""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, ParamSpec, overload

from tradewind.errors import DagCycleError, DuplicateTaskIdError, TaskNotFoundError
from tradewind.sdk import _stack
from tradewind.sdk._callsite import user_callsite
from tradewind.sdk.ids import validate_id
from tradewind.sdk.taskgroup import TaskGroup
from tradewind.sdk.xcom_arg import XComArg
from tradewind.timetables import Timetable, schedule_to_timetable

if TYPE_CHECKING:
    from tradewind.sdk.abstractoperator import AbstractOperator

_P = ParamSpec("_P")
_NOTSET: Any = object()

DagCallback = Callable[[Any], object]


def _as_aware(value: Any, name: str) -> datetime | None:
    """Naive datetimes are UTC; dates become midnight UTC."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if not isinstance(value, datetime):
        raise TypeError(f"{name} must be a datetime, got {value!r}.")
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


class DAG:
    """A pipeline: tasks, their dependencies, a schedule and options for its runs.

    Use it as a context manager (``with DAG("etl", schedule="@daily") as dag:``) or through
    the :func:`dag` decorator. Tasks created inside the ``with`` block belong to it.
    """

    def __init__(
        self,
        dag_id: str,
        description: str | None = None,
        schedule: Any = _NOTSET,
        *,
        start_date: datetime | None = None,
        end_date: datetime | None = None,
        catchup: bool | None = None,
        default_args: Mapping[str, Any] | None = None,
        params: Mapping[str, Any] | None = None,
        tags: Sequence[str] | None = None,
        owner_links: Mapping[str, str] | None = None,
        max_active_runs: int = 16,
        max_active_tasks: int = 16,
        max_consecutive_failed_dag_runs: int = 0,
        dagrun_timeout: timedelta | None = None,
        doc_md: str | None = None,
        on_success_callback: DagCallback | Sequence[DagCallback] | None = None,
        on_failure_callback: DagCallback | Sequence[DagCallback] | None = None,
        template_searchpath: str | Sequence[str] | None = None,
        user_defined_macros: Mapping[str, Any] | None = None,
        user_defined_filters: Mapping[str, Callable[..., Any]] | None = None,
        render_template_as_native_obj: bool = False,
        access_control: Mapping[str, Any] | None = None,
        is_paused_upon_creation: bool | None = None,
        fail_fast: bool = False,
        dag_display_name: str | None = None,
        jinja_environment_kwargs: Mapping[str, Any] | None = None,
        auto_register: bool = True,
        schedule_interval: Any = _NOTSET,
        timetable: Timetable | None = None,
        concurrency: int | None = None,
        default_view: str | None = None,
        orientation: str | None = None,
    ) -> None:
        self.dag_id = validate_id(dag_id, "dag_id")
        self.description = description
        self.default_args = dict(default_args or {})
        self.start_date = _as_aware(
            start_date if start_date is not None else self.default_args.get("start_date"),
            "start_date",
        )
        self.end_date = _as_aware(
            end_date if end_date is not None else self.default_args.get("end_date"), "end_date"
        )
        self.timezone: tzinfo = self.start_date.tzinfo if self.start_date else UTC  # type: ignore[assignment]
        self.catchup = bool(catchup) if catchup is not None else False
        self.tags = sorted(set(tags or []))
        self.owner_links = dict(owner_links or {})
        self.max_active_runs = max_active_runs
        self.max_active_tasks = concurrency if concurrency is not None else max_active_tasks
        self.max_consecutive_failed_dag_runs = max_consecutive_failed_dag_runs
        self.dagrun_timeout = dagrun_timeout
        self.on_success_callback = on_success_callback
        self.on_failure_callback = on_failure_callback
        if isinstance(template_searchpath, str):
            template_searchpath = [template_searchpath]
        self.template_searchpath = list(template_searchpath or [])
        self.user_defined_macros = dict(user_defined_macros or {})
        self.user_defined_filters = dict(user_defined_filters or {})
        self.render_template_as_native_obj = render_template_as_native_obj
        self.jinja_environment_kwargs = dict(jinja_environment_kwargs or {})
        self.access_control = dict(access_control or {})
        self.is_paused_upon_creation = is_paused_upon_creation
        self.fail_fast = fail_fast
        self.dag_display_name = dag_display_name or dag_id
        self.auto_register = auto_register
        self.fileloc = _defining_file()
        self.doc_md = self._load_doc_md(doc_md)
        self.params = self._build_params(params)
        self.task_dict: dict[str, AbstractOperator] = {}
        self.task_group = TaskGroup(None, dag=self)
        self._group_ids: set[str] = set()
        self.edge_info: dict[tuple[str, str], dict[str, Any]] = {}
        self.schedule = self._pick_schedule(schedule, schedule_interval, timetable)
        # DAG files that say schedule_interval were written for Airflow 2, where a cron
        # schedule's runs cover the interval between two ticks (ds = the interval's start).
        self.timetable = self._build_timetable(
            self.schedule, data_intervals=schedule_interval is not _NOTSET
        )

    # -- construction helpers ------------------------------------------------------------

    @staticmethod
    def _pick_schedule(schedule: Any, schedule_interval: Any, timetable: Any) -> Any:
        given = [v for v in (schedule, schedule_interval) if v is not _NOTSET]
        if timetable is not None:
            given.append(timetable)
        if len(given) > 1:
            raise ValueError("Give only one of schedule, schedule_interval and timetable.")
        return given[0] if given else None

    def _build_timetable(self, schedule: Any, *, data_intervals: bool = False) -> Timetable:
        from tradewind.sdk.asset import asset_condition

        condition = asset_condition(schedule)
        if condition is not None:
            from tradewind.timetables import AssetTriggeredTimetable

            return AssetTriggeredTimetable(condition)
        return schedule_to_timetable(
            schedule, timezone=self.timezone, create_cron_data_intervals=data_intervals
        )

    def _build_params(self, params: Mapping[str, Any] | None) -> Any:
        from tradewind.sdk.params import ParamsDict

        merged = dict(self.default_args.get("params") or {})
        merged.update(params or {})
        return ParamsDict(merged)

    def _load_doc_md(self, doc_md: str | None) -> str | None:
        if doc_md and doc_md.endswith(".md") and "\n" not in doc_md:
            path = Path(self.fileloc).parent / doc_md
            if path.is_file():
                return path.read_text()
        return doc_md

    # -- tasks -----------------------------------------------------------------------------

    def add_task(self, task: AbstractOperator) -> None:
        existing = self.task_dict.get(task.task_id)
        if existing is task:
            return
        if existing is not None or task.task_id in self._group_ids:
            raise DuplicateTaskIdError(
                f"Task id {task.task_id!r} is used twice in DAG {self.dag_id!r} "
                f"(second use at {user_callsite()}). Give each task a unique task_id."
            )
        if task.dag is not None and task.dag is not self:
            from tradewind.errors import CrossDagDependencyError

            raise CrossDagDependencyError(
                f"Task {task.task_id!r} already belongs to DAG {task.dag.dag_id!r}."
            )
        task._dag = self
        if task.task_group is None:
            task.task_group = self.task_group
        task.task_group.add(task)
        self.task_dict[task.task_id] = task

    def add_tasks(self, tasks: Sequence[AbstractOperator]) -> None:
        for task in tasks:
            self.add_task(task)

    def add_task_group(self, group: TaskGroup) -> None:
        assert group.group_id is not None and group.parent_group is not None
        if group.group_id in self._group_ids or group.group_id in self.task_dict:
            raise DuplicateTaskIdError(
                f"Task group id {group.group_id!r} is used twice in DAG {self.dag_id!r} "
                f"({user_callsite()}). Give each task group a unique group_id."
            )
        self._group_ids.add(group.group_id)
        group.parent_group.add(group)

    def unique_id(self, task_id: str) -> str:
        """``task_id``, or ``task_id__N`` if taken (a TaskFlow function called again).

        As in Airflow, only a trailing ``__<number>`` is a suffix (``load__data`` stays the
        base of ``load__data__1``), and N is one more than the largest suffix in use.
        """
        if task_id not in self.task_dict and task_id not in self._group_ids:
            return task_id
        base = re.split(r"__\d+$", task_id)[0]
        pattern = re.compile(rf"^{re.escape(base)}__(\d+)$")
        used = [
            int(match.group(1))
            for taken in (*self.task_dict, *self._group_ids)
            if (match := pattern.match(taken))
        ]
        return f"{base}__{max(used, default=0) + 1}"

    def get_task(self, task_id: str) -> AbstractOperator:
        try:
            return self.task_dict[task_id]
        except KeyError:
            raise TaskNotFoundError(
                f"DAG {self.dag_id!r} has no task {task_id!r}; its tasks are: "
                f"{', '.join(sorted(self.task_dict)) or '(none)'}."
            ) from None

    def has_task(self, task_id: str) -> bool:
        return task_id in self.task_dict

    @property
    def tasks(self) -> list[AbstractOperator]:
        return list(self.task_dict.values())

    @property
    def task_ids(self) -> list[str]:
        return list(self.task_dict)

    @property
    def roots(self) -> list[AbstractOperator]:
        return [t for t in self.task_dict.values() if not t.upstream_task_ids]

    @property
    def leaves(self) -> list[AbstractOperator]:
        return [t for t in self.task_dict.values() if not t.downstream_task_ids]

    @property
    def owner(self) -> str:
        return ", ".join(sorted({t.owner for t in self.task_dict.values()}))

    def set_edge_info(self, upstream_id: str, downstream_id: str, info: dict[str, Any]) -> None:
        self.edge_info[(upstream_id, downstream_id)] = info

    def get_edge_info(self, upstream_id: str, downstream_id: str) -> dict[str, Any]:
        return self.edge_info.get((upstream_id, downstream_id), {})

    def iter_task_groups(self) -> Iterator[TaskGroup]:
        return self.task_group.iter_groups()

    @property
    def task_group_dict(self) -> dict[str, TaskGroup]:
        return {g.group_id: g for g in self.iter_task_groups() if g.group_id}

    # -- checks ----------------------------------------------------------------------------

    def topological_sort(self) -> list[AbstractOperator]:
        """Tasks ordered so that each comes after its upstream tasks; raises on a cycle."""
        indegree = {tid: len(t.upstream_task_ids) for tid, t in self.task_dict.items()}
        ready = [tid for tid, n in indegree.items() if n == 0]
        ordered: list[AbstractOperator] = []
        while ready:
            task = self.task_dict[ready.pop(0)]
            ordered.append(task)
            for down in sorted(task.downstream_task_ids):
                indegree[down] -= 1
                if indegree[down] == 0:
                    ready.append(down)
        if len(ordered) != len(self.task_dict):
            raise DagCycleError(self.dag_id, self._find_cycle())
        return ordered

    def _find_cycle(self) -> list[str]:
        state: dict[str, int] = {}  # 1 = on the current path, 2 = finished
        path: list[str] = []

        def visit(task_id: str) -> list[str] | None:
            state[task_id] = 1
            path.append(task_id)
            for down in sorted(self.task_dict[task_id].downstream_task_ids):
                if state.get(down) == 1:
                    return [*path[path.index(down) :], down]
                if down not in state:
                    found = visit(down)
                    if found:
                        return found
            path.pop()
            state[task_id] = 2
            return None

        for task_id in sorted(self.task_dict):
            if task_id not in state:
                cycle = visit(task_id)
                if cycle:
                    return cycle
        return []

    def validate(self) -> None:
        """Check what can be checked before a run: cycles and param defaults."""
        self.topological_sort()
        self.params.validate_defaults()

    # -- context manager -------------------------------------------------------------------

    def __enter__(self) -> DAG:
        _stack.push_dag(self)
        return self

    def __exit__(self, *exc: object) -> None:
        _stack.pop_dag()

    # -- running ---------------------------------------------------------------------------

    def test(
        self,
        logical_date: datetime | None = None,
        conf: Mapping[str, Any] | None = None,
        run_id: str | None = None,
        **options: Any,
    ) -> Any:
        """Run every task of this DAG once, in this process, and return the finished run."""
        from tradewind.cli.dag_test import run_dag_test

        return run_dag_test(self, logical_date=logical_date, conf=conf, run_id=run_id, **options)

    def cli(self, argv: Sequence[str] | None = None) -> None:
        """Run ``tradewind`` commands against this DAG's file (``python my_dag.py dags test``).

        Airflow's forms work too: ``dags test [DAG_ID] [DATE]`` and
        ``tasks test [DAG_ID] TASK_ID [DATE]``; the file and the dag_id are filled in.
        """
        import sys

        from tradewind.cli.main import main

        main(_dag_cli_args(self, list(sys.argv[1:] if argv is None else argv)))

    def param(self, name: str, default: Any = _NOTSET) -> DagParam:
        """A reference to a run-time param value, usable as a task argument."""
        return DagParam(self, name, default)

    def __repr__(self) -> str:
        return f"<DAG: {self.dag_id}>"


class DagParam(XComArg):
    """A param's run-time value passed as a task argument (``@dag`` function arguments)."""

    def __init__(self, dag: DAG, name: str, default: Any = _NOTSET) -> None:
        self.dag = dag
        self.name = name
        self.default = default

    def iter_references(self) -> Iterator[tuple[AbstractOperator, str]]:
        return iter(())

    def resolve(self, context: Any) -> Any:
        params = context["params"]
        if self.name in params:
            return params[self.name]
        if self.default is not _NOTSET:
            return self.default
        raise KeyError(f"Param {self.name!r} has no value in this run.")

    def length_spec(self) -> dict[str, Any]:
        from tradewind.errors import MappingError

        raise MappingError(f"Cannot expand over the DAG param {self.name!r}.")


def _dag_cli_args(dag: DAG, args: list[str]) -> list[str]:
    """``dags test`` / ``tasks test`` arguments of ``dag.cli()`` as the tradewind CLI takes them."""
    if len(args) < 2 or args[0] not in ("dags", "tasks") or args[1] != "test":
        return args
    rest = args[2:]
    split = next((i for i, arg in enumerate(rest) if arg.startswith("-")), len(rest))
    positional, options = rest[:split], rest[split:]
    if positional and positional[0].endswith(".py"):
        return args  # already tradewind's form: PATH DAG_ID ...
    if positional and positional[0] == dag.dag_id:
        positional = positional[1:]
    head = [args[0], "test", dag.fileloc, dag.dag_id]
    if args[0] == "tasks" and positional:
        head.append(positional.pop(0))
    if positional:
        head += ["--logical-date", positional[0]]
    return head + options


def _defining_file() -> str:
    """The user file that is creating the DAG."""
    site = user_callsite()
    return site.rsplit(":", 1)[0] if site != "<unknown>" else ""


class DagFunction(Generic[_P]):
    """A function decorated with ``@dag``; each call builds and returns a DAG."""

    def __init__(self, function: Callable[_P, Any], dag_kwargs: dict[str, Any]) -> None:
        self.function = function
        self.dag_kwargs = dag_kwargs
        functools.update_wrapper(self, function)

    def __call__(self, *args: _P.args, **kwargs: _P.kwargs) -> DAG:
        signature = inspect.signature(self.function)
        bound = signature.bind_partial(*args, **kwargs)
        params = dict(self.dag_kwargs.get("params") or {})
        for name, parameter in signature.parameters.items():
            if name in bound.arguments:
                params[name] = bound.arguments[name]
            elif parameter.default is not inspect.Parameter.empty and name not in params:
                params[name] = parameter.default
        dag_kwargs = {**self.dag_kwargs, "params": params}
        dag_kwargs.setdefault("dag_id", self.function.__name__)
        dag_kwargs.setdefault("doc_md", self.function.__doc__)
        dag_obj = DAG(**dag_kwargs)
        dag_obj.fileloc = inspect.getsourcefile(self.function) or dag_obj.fileloc
        build: Callable[..., Any] = self.function
        with dag_obj:
            build(**{name: dag_obj.param(name) for name in signature.parameters})
        return dag_obj


@overload
def dag(function: Callable[_P, Any]) -> DagFunction[_P]: ...
@overload
def dag(
    function: str | None = None, *, dag_id: str | None = None, **dag_kwargs: Any
) -> Callable[[Callable[_P, Any]], DagFunction[_P]]: ...
def dag(function: Any = None, dag_id: str | None = None, **dag_kwargs: Any) -> Any:
    """Build a DAG from a function that creates its tasks: ``@dag(schedule="@daily")``.

    The function's arguments become DAG params (their defaults the params' defaults).
    """
    if isinstance(function, str):
        dag_id, function = function, None
    if dag_id is not None:
        dag_kwargs["dag_id"] = dag_id
    if function is not None:
        return DagFunction(function, dag_kwargs)
    return lambda fn: DagFunction(fn, dag_kwargs)
