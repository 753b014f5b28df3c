"""Building the task context (Airflow's template variables) for one task try.

The keys and their meanings follow Airflow's templates reference. Date strings are computed
from the logical date in UTC. When a run has no logical date (an Airflow 3 manual run without
one), the keys that depend on it are absent, as in Airflow 3, and ``task_instance_key_str``
ends with the run id instead of ``ds_nodash``.

Airflow 2 keys that Airflow 3 removed are still set, without warnings:

* ``execution_date`` is the logical date; ``yesterday_ds``/``tomorrow_ds`` are one day either
  side of it.
* ``next_execution_date``/``prev_execution_date`` are the logical dates of the neighbouring
  scheduled runs. For a manual run both are the run's own logical date (Airflow 2 did this for
  externally triggered runs); for an asset-triggered run both are ``None``. For scheduled and
  backfill runs they are one data interval after/before the logical date, so ``next_ds`` is
  ``data_interval_end | ds`` (Airflow's own deprecation hint) for interval schedules. The
  interval is stepped in calendar months when it spans whole months (monthly, yearly
  schedules), else as a fixed length; a run whose interval is empty (trigger-style schedules)
  gets ``None``.
* ``prev_execution_date_success`` is ``prev_data_interval_start_success``.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, NoReturn

from tradewind.contracts.runs import DagRunInfo, DagRunType
from tradewind.errors import ConnectionNotFoundError, TradewindError, VariableNotFoundError
from tradewind.runtime.outlet_events import OutletEventAccessors
from tradewind.runtime.triggering_events import TriggeringAssetEvents
from tradewind.sdk import macros
from tradewind.sdk.context import Context

__all__ = [
    "ConnectionAccessor",
    "ConnectionNotFoundError",
    "ContextDagRun",
    "VariableAccessor",
    "VariableNotFoundError",
    "build_context",
    "context_dag_run",
]

_ONE_DAY = timedelta(days=1)
_NO_DEFAULT: Any = object()


@dataclass(frozen=True, slots=True)
class ContextDagRun:
    """The ``dag_run`` object that templates and tasks see."""

    dag_id: str
    run_id: str
    run_type: DagRunType
    logical_date: datetime | None
    data_interval_start: datetime | None
    data_interval_end: datetime | None
    run_after: datetime
    start_date: datetime | None = None
    conf: dict[str, Any] = field(default_factory=dict)
    note: str | None = None

    @property
    def execution_date(self) -> datetime | None:
        """Airflow 2's name for :attr:`logical_date`."""
        return self.logical_date

    @property
    def external_trigger(self) -> bool:
        """Airflow 2's flag for runs triggered by hand."""
        return self.run_type is DagRunType.MANUAL


class _VariableValues:
    """``var.value`` or ``var.json``: Variables by attribute, item or ``.get(name, default)``."""

    __slots__ = ("_as_json", "_get_variable")

    def __init__(self, get_variable: Callable[[str], str | None], *, as_json: bool) -> None:
        self._get_variable = get_variable
        self._as_json = as_json

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):  # keep copy, pickle and friends from looking up Variables
            raise AttributeError(name)
        return self._read(name)

    def __getitem__(self, name: str) -> Any:
        return self._read(name)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self._get_variable(name) is not None

    def get(self, name: str, default: Any = _NO_DEFAULT) -> Any:
        """The Variable's value, or ``default`` when it does not exist.

        Without a default a missing Variable is an error, as in Airflow.
        """
        raw = self._get_variable(name)
        if raw is None:
            if default is _NO_DEFAULT:
                self._missing(name)
            return default
        return self._decode(name, raw)

    def _read(self, name: str) -> Any:
        raw = self._get_variable(name)
        if raw is None:
            self._missing(name)
        return self._decode(name, raw)

    def _decode(self, name: str, raw: str) -> Any:
        if not self._as_json:
            return raw
        try:
            return json.loads(raw)
        except ValueError as exc:
            raise TradewindError(
                f"Variable {name!r} is not valid JSON ({exc}); read it as text with "
                f"var.value.{name}, or store a JSON document in it."
            ) from None

    def _missing(self, name: str) -> NoReturn:
        kind = "json" if self._as_json else "value"
        raise VariableNotFoundError(
            f"Variable {name!r} does not exist. Create it (CLI, REST API or UI) before the "
            f"task runs, or give a default: {{{{ var.{kind}.get({name!r}, 'fallback') }}}}."
        )

    def __repr__(self) -> str:
        return f"<Variables as {'JSON' if self._as_json else 'text'}>"


class VariableAccessor:
    """The ``var`` context key: ``var.value.name``, ``var.json.name.key``, ``var["value"]``."""

    __slots__ = ("json", "value")

    def __init__(self, get_variable: Callable[[str], str | None]) -> None:
        self.value = _VariableValues(get_variable, as_json=False)
        self.json = _VariableValues(get_variable, as_json=True)

    def __getitem__(self, kind: str) -> _VariableValues:
        # Airflow's ``var`` is a dict, so task code may write context["var"]["value"].
        if kind == "value":
            return self.value
        if kind == "json":
            return self.json
        raise KeyError(kind)

    def __repr__(self) -> str:
        return "<VariableAccessor var.value / var.json>"


class ConnectionAccessor:
    """The ``conn`` context key: ``conn.my_conn_id.host``, ``conn.get("id", default)``."""

    __slots__ = ("_get_connection",)

    def __init__(self, get_connection: Callable[[str], Any] | None) -> None:
        self._get_connection = get_connection

    def __getattr__(self, conn_id: str) -> Any:
        if conn_id.startswith("__"):
            raise AttributeError(conn_id)
        return self._read(conn_id)

    def __getitem__(self, conn_id: str) -> Any:
        return self._read(conn_id)

    def get(self, conn_id: str, default_conn: Any = None) -> Any:
        """The connection, or ``default_conn`` when it does not exist."""
        found = self._lookup(conn_id)
        return default_conn if found is None else found

    def _read(self, conn_id: str) -> Any:
        found = self._lookup(conn_id)
        if found is None:
            raise ConnectionNotFoundError(
                f"Connection {conn_id!r} does not exist. Create it (CLI, REST API or UI) "
                "before the task runs."
            )
        return found

    def _lookup(self, conn_id: str) -> Any:
        if self._get_connection is None:
            raise TradewindError(
                f"Cannot read connection {conn_id!r}: this task context was built without a "
                "connection lookup. Connections are available only in a task run by a worker."
            )
        return self._get_connection(conn_id)

    def __repr__(self) -> str:
        return "<ConnectionAccessor>"


def context_dag_run(run: DagRunInfo) -> ContextDagRun:
    """The ``dag_run`` that templates, tasks and DAG callbacks see of ``run``."""
    return ContextDagRun(
        dag_id=run.dag_id,
        run_id=run.run_id,
        run_type=run.run_type,
        logical_date=_utc(run.logical_date),
        data_interval_start=_utc(run.data_interval_start),
        data_interval_end=_utc(run.data_interval_end),
        run_after=run.run_after,
        start_date=run.start_date,
        # A copy: tasks of one run may share a process and must not see each other's edits.
        conf=copy.deepcopy(run.conf) if run.conf else {},
        note=run.note,
    )


def build_context(
    *,
    dag: Any,
    task: Any,
    ti: Any,
    run: DagRunInfo,
    params: Mapping[str, Any],
    get_variable: Callable[[str], str | None],
    get_connection: Callable[[str], Any] | None = None,
    test_mode: bool = False,
    extra: Mapping[str, Any] | None = None,
) -> Context:
    """The context of one try of ``task`` in ``run``; ``extra`` entries are added last."""
    logical_date = _utc(run.logical_date)
    dag_run = context_dag_run(run)
    task_id = getattr(task, "task_id", "")
    asset_events = TriggeringAssetEvents(run.triggering_asset_events)
    context = Context(
        conf=None,
        dag=dag,
        dag_run=dag_run,
        expanded_ti_count=None,
        inlets=_list_attr(task, "inlets"),
        outlets=_list_attr(task, "outlets"),
        outlet_events=OutletEventAccessors(_list_attr(task, "outlets"), task_id),
        macros=macros,
        map_index_template=getattr(task, "map_index_template", None),
        params=params if isinstance(params, dict) else dict(params),
        prev_start_date_success=run.prev_start_date_success,
        run_id=run.run_id,
        task=task,
        task_instance=ti,
        ti=ti,
        task_instance_key_str=f"{run.dag_id}__{task_id}__{run.run_id}",
        test_mode=test_mode,
        triggering_asset_events=asset_events,
        triggering_dataset_events=asset_events,
        var=VariableAccessor(get_variable),
        conn=ConnectionAccessor(get_connection),
    )
    if logical_date is not None:
        _add_logical_date_keys(context, run, dag_run, logical_date, task_id)
    if extra:
        context.update(extra)
    return context


def _add_logical_date_keys(
    context: Context,
    run: DagRunInfo,
    dag_run: ContextDagRun,
    logical_date: datetime,
    task_id: str,
) -> None:
    ds = logical_date.strftime("%Y-%m-%d")
    ds_nodash = ds.replace("-", "")
    ts = logical_date.isoformat()
    prev_date, next_date = _schedule_neighbours(
        run.run_type, logical_date, dag_run.data_interval_start, dag_run.data_interval_end
    )
    next_ds = _ds(next_date)
    prev_ds = _ds(prev_date)
    yesterday_ds = (logical_date - _ONE_DAY).strftime("%Y-%m-%d")
    tomorrow_ds = (logical_date + _ONE_DAY).strftime("%Y-%m-%d")
    prev_success_start = _utc(run.prev_data_interval_start_success)
    context.update(
        logical_date=logical_date,
        ds=ds,
        ds_nodash=ds_nodash,
        ts=ts,
        ts_nodash=logical_date.strftime("%Y%m%dT%H%M%S"),
        ts_nodash_with_tz=ts.replace("-", "").replace(":", ""),
        task_instance_key_str=f"{run.dag_id}__{task_id}__{ds_nodash}",
        data_interval_start=dag_run.data_interval_start,
        data_interval_end=dag_run.data_interval_end,
        prev_data_interval_start_success=prev_success_start,
        prev_data_interval_end_success=_utc(run.prev_data_interval_end_success),
        # Airflow 2 names, kept so that Airflow 2 DAG files run unchanged.
        execution_date=logical_date,
        next_execution_date=next_date,
        prev_execution_date=prev_date,
        prev_execution_date_success=prev_success_start,
        next_ds=next_ds,
        next_ds_nodash=None if next_ds is None else next_ds.replace("-", ""),
        prev_ds=prev_ds,
        prev_ds_nodash=None if prev_ds is None else prev_ds.replace("-", ""),
        yesterday_ds=yesterday_ds,
        yesterday_ds_nodash=yesterday_ds.replace("-", ""),
        tomorrow_ds=tomorrow_ds,
        tomorrow_ds_nodash=tomorrow_ds.replace("-", ""),
    )


def _schedule_neighbours(
    run_type: DagRunType,
    logical_date: datetime,
    start: datetime | None,
    end: datetime | None,
) -> tuple[datetime | None, datetime | None]:
    """(previous, next) scheduled logical dates, for the Airflow 2 keys (module docstring)."""
    if run_type is DagRunType.MANUAL:
        return logical_date, logical_date
    if run_type is DagRunType.ASSET_TRIGGERED or start is None or end is None or end <= start:
        return None, None
    months = (end.year - start.year) * 12 + end.month - start.month
    if months > 0 and _add_months(start, months) == end:
        return _add_months(logical_date, -months), _add_months(logical_date, months)
    step = end - start
    return logical_date - step, logical_date + step


def _add_months(moment: datetime, months: int) -> datetime:
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    first_of_next = datetime(year + month // 12, month % 12 + 1, 1)
    last_day = (first_of_next - _ONE_DAY).day
    return moment.replace(year=year, month=month, day=min(moment.day, last_day))


def _utc(moment: datetime | None) -> datetime | None:
    # Naive datetimes are taken as UTC, which is what Tradewind stores.
    if moment is None or moment.tzinfo is UTC:
        return moment
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _ds(moment: datetime | None) -> str | None:
    return None if moment is None else moment.strftime("%Y-%m-%d")


def _list_attr(task: Any, name: str) -> Any:
    value = getattr(task, name, None)
    return [] if value is None else value
