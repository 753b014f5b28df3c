"""The run store on the metadata database: :class:`~tradewind.storage.base.RunStore` on SQL.

``SqlStore`` and ``MemoryStore`` are interchangeable behind ``DagRunDriver``. Records are
copied to and from rows; like a session's identity map, one store hands out one record object
per run and per task instance, and reading a row again refreshes that object in place, so the
records an engine holds (a plan's ready list, the driver's run) see what was saved since.
Use one store per session.

A store made with ``reuse_reads=True`` answers :meth:`SqlStore.get_task_instance` from the
records it already holds (read or written through it) without asking the database again: for
one short transaction whose writes all go through the store, such as a scheduler step.

A store made with ``defer_writes=True`` keeps the task instances it saves and the tries it
adds, and writes them all at once (one statement each) just before the session executes any
other statement or commits: what is read is always what was written, in fewer round trips.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import fields
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, bindparam, delete, event, func, insert, select, tuple_, update
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.orm.util import identity_key

from tradewind.contracts.states import TaskInstanceState
from tradewind.errors import DagRunAlreadyExistsError
from tradewind.storage.engine import hold_write_lock
from tradewind.storage.records import DagRunRecord, TaskInstanceRecord, TaskTryRecord
from tradewind.storage.repos import asset_events
from tradewind.storage.rows import (
    ConnectionRow,
    DagRunRow,
    DagVersionRow,
    TaskInstanceRow,
    TaskTryRow,
    VariableRow,
    XComRow,
)
from tradewind.storage.upsert import dialect_insert, upsert

_TiKey = tuple[str, str, str, int]
_RUN_FIELDS = [f.name for f in fields(DagRunRecord) if f.name != "dag_version"]
_TI_FIELDS = [f.name for f in fields(TaskInstanceRecord)]
_TI_KEY_FIELDS = ("dag_id", "run_id", "task_id", "map_index")
_TRY_FIELDS = [f.name for f in fields(TaskTryRecord)]
_RUN_COLUMNS = [*(getattr(DagRunRow, n) for n in _RUN_FIELDS), DagRunRow.dag_version_hash]
_TI_COLUMNS = [getattr(TaskInstanceRow, n) for n in _TI_FIELDS]
_TI_PK = tuple_(*(getattr(TaskInstanceRow, n) for n in _TI_KEY_FIELDS))
_TI_XCOM_LENGTHS = _TI_FIELDS.index("xcom_lengths")
_TI_TABLE: Table = TaskInstanceRow.__table__  # type: ignore[assignment]

# The statements of the scheduler's hot path, built once (their parameters are bound).
_GET_RUN = select(*_RUN_COLUMNS).where(
    DagRunRow.dag_id == bindparam("dag_id"), DagRunRow.run_id == bindparam("run_id")
)
_LOCK_RUN = _GET_RUN.with_for_update()
_GET_TI = select(*_TI_COLUMNS).where(
    *(getattr(TaskInstanceRow, n) == bindparam(n) for n in _TI_KEY_FIELDS)
)
_SAVE_TI = (
    update(_TI_TABLE)
    .where(*(_TI_TABLE.c[n] == bindparam(f"key_{n}") for n in _TI_KEY_FIELDS))
    .values({n: bindparam(n) for n in _TI_FIELDS if n not in _TI_KEY_FIELDS})
)
_LIST_TIS = (
    select(*_TI_COLUMNS)
    .where(
        TaskInstanceRow.dag_id == bindparam("dag_id"), TaskInstanceRow.run_id == bindparam("run_id")
    )
    .order_by(TaskInstanceRow.task_id, TaskInstanceRow.map_index)
)
_LIST_TIS_OF_TASKS = _LIST_TIS.where(
    TaskInstanceRow.task_id.in_(bindparam("task_ids", expanding=True))
)
_TRY_KEY = ("dag_id", "run_id", "task_id", "map_index", "try_number")


def _run_values(run: DagRunRecord) -> dict[str, Any]:
    values = {name: getattr(run, name) for name in _RUN_FIELDS}
    values["conf"] = dict(run.conf)
    values["dag_version_hash"] = run.dag_version
    return values


def _ti_values(ti: TaskInstanceRecord) -> dict[str, Any]:
    values = {name: getattr(ti, name) for name in _TI_FIELDS}
    values["xcom_lengths"] = dict(ti.xcom_lengths)
    return values


def _refresh(record: Any, values: dict[str, Any]) -> None:
    for name, value in values.items():
        setattr(record, name, value)


class SqlStore:
    """Implements ``RunStore`` on a SQLAlchemy session. It never commits: the caller does."""

    def __init__(
        self, session: Session, *, reuse_reads: bool = False, defer_writes: bool = False
    ) -> None:
        self.session = session
        self.reuse_reads = reuse_reads
        self._runs: dict[tuple[str, str], DagRunRecord] = {}
        self._tis: dict[_TiKey, TaskInstanceRecord] = {}
        self._deferred = defer_writes
        self._unsaved: dict[_TiKey, TaskInstanceRecord] = {}
        self._unsaved_tries: dict[tuple[Any, ...], dict[str, Any]] = {}
        self._flushing = False
        if defer_writes:
            event.listen(session, "do_orm_execute", self._before_statement)
            event.listen(session, "before_commit", self._before_commit)

    # -- deferred writes -------------------------------------------------------------------

    def _before_statement(self, state: ORMExecuteState) -> None:
        self.flush()

    def _before_commit(self, session: Session) -> None:
        self.flush()

    def flush(self) -> None:
        """Write the task instances saved and the tries added since the last flush."""
        if self._flushing or not (self._unsaved or self._unsaved_tries):
            return
        self._flushing = True
        try:
            if self._unsaved:
                items = list(self._unsaved.values())
                self._unsaved.clear()
                self._write_task_instances(items)
            if self._unsaved_tries:
                tries = list(self._unsaved_tries.values())
                self._unsaved_tries.clear()
                update_columns = [name for name in _TRY_FIELDS if name not in _TRY_KEY]
                upsert(self.session, TaskTryRow, tries, keys=_TRY_KEY, update=update_columns)
        finally:
            self._flushing = False

    # -- rows → records (also for rows a scheduler claimed through the repos) --------------

    def dag_run_record(self, row: Any) -> DagRunRecord:
        """The record of a ``DagRunRow`` (or a result row with its columns)."""
        values = {name: getattr(row, name) for name in _RUN_FIELDS}
        values["conf"] = dict(values["conf"] or {})
        values["dag_version"] = row.dag_version_hash
        record = self._runs.get((row.dag_id, row.run_id))
        if record is None:
            record = self._runs[(row.dag_id, row.run_id)] = DagRunRecord(**values)
        else:
            _refresh(record, values)
        return record

    def task_instance_record(self, row: Any) -> TaskInstanceRecord:
        """The record of a ``TaskInstanceRow`` (or a result row with its columns)."""
        values = {name: getattr(row, name) for name in _TI_FIELDS}
        values["xcom_lengths"] = dict(values["xcom_lengths"] or {})
        key = (row.dag_id, row.run_id, row.task_id, row.map_index)
        record = self._tis.get(key)
        if record is None:
            record = self._tis[key] = TaskInstanceRecord(**values)
        else:
            _refresh(record, values)
        return record

    def _ti_from_columns(self, row: Sequence[Any]) -> TaskInstanceRecord:
        """The record of a result row of ``_TI_COLUMNS`` (positional: the hot path of reads)."""
        values = list(row)
        values[_TI_XCOM_LENGTHS] = dict(values[_TI_XCOM_LENGTHS] or {})
        key: _TiKey = (values[0], values[1], values[2], values[3])
        record = self._tis.get(key)
        if record is None:
            record = self._tis[key] = TaskInstanceRecord(*values)
        else:
            for name, value in zip(_TI_FIELDS, values, strict=True):
                setattr(record, name, value)
        return record

    def _expire(self, row_class: type[Any], keys: Iterable[tuple[Any, ...]]) -> None:
        """Make ORM objects of the session reload rows this store wrote around them."""
        identity_map = self.session.identity_map
        for key in keys:
            obj = identity_map.get(identity_key(row_class, key))
            if obj is not None:
                self.session.expire(obj)

    # -- runs ------------------------------------------------------------------------------

    def add_dag_run(self, run: DagRunRecord) -> None:
        version_id = (
            select(DagVersionRow.id)
            .where(
                DagVersionRow.dag_id == run.dag_id, DagVersionRow.version_hash == run.dag_version
            )
            .order_by(DagVersionRow.version_number.desc())
            .limit(1)
            .scalar_subquery()
        )
        stmt = (
            dialect_insert(self.session, DagRunRow)
            .values(**_run_values(run), dag_version_id=version_id)
            .on_conflict_do_nothing()
            .returning(DagRunRow.id)
        )
        if self.session.execute(stmt).first() is None:
            raise DagRunAlreadyExistsError(run.dag_id, self._clashing_run_id(run))
        self._runs[(run.dag_id, run.run_id)] = run

    def _clashing_run_id(self, run: DagRunRecord) -> str:
        """The run id taken, or the id of the run that has the same logical date."""
        clash = self.session.scalar(
            select(DagRunRow.run_id)
            .where(DagRunRow.dag_id == run.dag_id, DagRunRow.logical_date == run.logical_date)
            .where(DagRunRow.run_id != run.run_id)
        )
        return clash or run.run_id

    def get_dag_run(self, dag_id: str, run_id: str) -> DagRunRecord | None:
        row = self.session.execute(_GET_RUN, {"dag_id": dag_id, "run_id": run_id}).first()
        return None if row is None else self.dag_run_record(row)

    def lock_dag_run(self, dag_id: str, run_id: str) -> DagRunRecord | None:
        """The run, its row locked until the transaction ends (``FOR UPDATE``: another
        scheduler planning the run waits; on SQLite the transaction becomes the writer)."""
        hold_write_lock(self.session)
        row = self.session.execute(_LOCK_RUN, {"dag_id": dag_id, "run_id": run_id}).first()
        return None if row is None else self.dag_run_record(row)

    def list_dag_runs(self, dag_id: str) -> list[DagRunRecord]:
        rows = self.session.execute(
            select(*_RUN_COLUMNS).where(DagRunRow.dag_id == dag_id).order_by(DagRunRow.id)
        )
        return [self.dag_run_record(row) for row in rows]

    def save_dag_run(self, run: DagRunRecord) -> None:
        result = self.session.execute(
            update(DagRunRow)
            .where(DagRunRow.dag_id == run.dag_id, DagRunRow.run_id == run.run_id)
            .values(**_run_values(run))
        )
        if getattr(result, "rowcount", 1) == 0:
            raise KeyError(f"DAG run {run.run_id!r} of {run.dag_id!r} does not exist.")
        self._runs[(run.dag_id, run.run_id)] = run

    # -- task instances ------------------------------------------------------------------

    def list_task_instances(self, dag_id: str, run_id: str) -> list[TaskInstanceRecord]:
        rows = self.session.execute(_LIST_TIS, {"dag_id": dag_id, "run_id": run_id})
        return [self._ti_from_columns(row) for row in rows]

    def list_task_instances_of_tasks(
        self, dag_id: str, run_id: str, task_ids: Collection[str]
    ) -> list[TaskInstanceRecord]:
        """The instances (every map index) of some tasks of a run."""
        if not task_ids:
            return []
        rows = self.session.execute(
            _LIST_TIS_OF_TASKS,
            {"dag_id": dag_id, "run_id": run_id, "task_ids": sorted(task_ids)},
        )
        return [self._ti_from_columns(row) for row in rows]

    def get_task_instance(
        self, dag_id: str, run_id: str, task_id: str, map_index: int
    ) -> TaskInstanceRecord | None:
        if self.reuse_reads:
            held = self._tis.get((dag_id, run_id, task_id, map_index))
            if held is not None:
                return held
        row = self.session.execute(
            _GET_TI,
            {"dag_id": dag_id, "run_id": run_id, "task_id": task_id, "map_index": map_index},
        ).first()
        return None if row is None else self._ti_from_columns(row)

    def add_task_instances(self, tis: Iterable[TaskInstanceRecord]) -> None:
        items = list(tis)
        if items:
            self.session.execute(insert(TaskInstanceRow), [_ti_values(ti) for ti in items])
        self._tis.update((ti.key, ti) for ti in items)

    def delete_task_instances(self, tis: Iterable[TaskInstanceRecord]) -> None:
        keys = [ti.key for ti in tis]
        if keys:
            self.session.execute(delete(TaskInstanceRow).where(_TI_PK.in_(keys)))
        for key in keys:
            self._tis.pop(key, None)

    def save_task_instances(self, tis: Iterable[TaskInstanceRecord]) -> None:
        items = list(tis)
        if not items:
            return
        if self._deferred:
            self._unsaved.update((ti.key, ti) for ti in items)
            self._tis.update((ti.key, ti) for ti in items)
            return
        self._write_task_instances(items)

    def _write_task_instances(self, items: list[TaskInstanceRecord]) -> None:
        params = []
        for ti in items:
            values = _ti_values(ti)
            for name in _TI_KEY_FIELDS:
                values[f"key_{name}"] = values.pop(name)
            params.append(values)
        self.session.execute(_SAVE_TI, params)
        self._expire(TaskInstanceRow, (ti.key for ti in items))
        self._tis.update((ti.key, ti) for ti in items)

    def add_try(self, record: TaskTryRecord) -> None:
        values = {name: getattr(record, name) for name in _TRY_FIELDS}
        if self._deferred:
            self._unsaved_tries[tuple(values[name] for name in _TRY_KEY)] = values
            return
        update_columns = [name for name in _TRY_FIELDS if name not in _TRY_KEY]
        upsert(self.session, TaskTryRow, [values], keys=_TRY_KEY, update=update_columns)

    def list_tries(self, dag_id: str, run_id: str, task_id: str) -> list[TaskTryRecord]:
        rows = self.session.execute(
            select(*(getattr(TaskTryRow, name) for name in _TRY_FIELDS))
            .where(
                TaskTryRow.dag_id == dag_id,
                TaskTryRow.run_id == run_id,
                TaskTryRow.task_id == task_id,
            )
            .order_by(TaskTryRow.map_index, TaskTryRow.try_number)
        )
        return [TaskTryRecord(**row._asdict()) for row in rows]

    # -- xcom ------------------------------------------------------------------------------

    def set_xcom(
        self, dag_id: str, run_id: str, task_id: str, map_index: int, key: str, value: str
    ) -> None:
        row = {
            "dag_id": dag_id,
            "run_id": run_id,
            "task_id": task_id,
            "map_index": map_index,
            "key": key,
            "value": value,
            "updated_at": datetime.now(UTC),
        }
        keys = ("dag_id", "run_id", "task_id", "map_index", "key")
        upsert(self.session, XComRow, [row], keys=keys, update=("value", "updated_at"))

    def _xcom_where(self, dag_id: str, run_id: str, task_id: str) -> Sequence[Any]:
        return (XComRow.dag_id == dag_id, XComRow.run_id == run_id, XComRow.task_id == task_id)

    def get_previous_task_states(
        self, dag_id: str, run_id: str, *, before: datetime
    ) -> dict[tuple[str, int], TaskInstanceState | None]:
        when = func.coalesce(DagRunRow.logical_date, DagRunRow.run_after)
        previous = self.session.scalar(
            select(DagRunRow.run_id)
            .where(DagRunRow.dag_id == dag_id, DagRunRow.run_id != run_id, when < before)
            .order_by(when.desc())
            .limit(1)
        )
        if previous is None:
            return {}
        rows = self.session.execute(
            select(TaskInstanceRow.task_id, TaskInstanceRow.map_index, TaskInstanceRow.state).where(
                TaskInstanceRow.dag_id == dag_id, TaskInstanceRow.run_id == previous
            )
        )
        return {(task_id, map_index): state for task_id, map_index, state in rows}

    def get_latest_xcom(
        self, dag_id: str, task_id: str, map_index: int, key: str, *, until: datetime
    ) -> str | None:
        return self.session.scalar(
            select(XComRow.value)
            .join(
                DagRunRow,
                (DagRunRow.dag_id == XComRow.dag_id) & (DagRunRow.run_id == XComRow.run_id),
            )
            .where(
                XComRow.dag_id == dag_id,
                XComRow.task_id == task_id,
                XComRow.map_index == map_index,
                XComRow.key == key,
                DagRunRow.logical_date <= until,
            )
            .order_by(DagRunRow.logical_date.desc())
            .limit(1)
        )

    def get_xcom(
        self, dag_id: str, run_id: str, task_id: str, map_index: int, key: str
    ) -> str | None:
        return self.session.scalar(
            select(XComRow.value).where(
                *self._xcom_where(dag_id, run_id, task_id),
                XComRow.map_index == map_index,
                XComRow.key == key,
            )
        )

    def list_xcom(self, dag_id: str, run_id: str, task_id: str, key: str) -> list[tuple[int, str]]:
        rows = self.session.execute(
            select(XComRow.map_index, XComRow.value)
            .where(*self._xcom_where(dag_id, run_id, task_id), XComRow.key == key)
            .order_by(XComRow.map_index)
        )
        return [(row.map_index, row.value) for row in rows]

    def delete_xcom(self, dag_id: str, run_id: str, task_id: str, map_index: int) -> None:
        self.session.execute(
            delete(XComRow).where(
                *self._xcom_where(dag_id, run_id, task_id), XComRow.map_index == map_index
            )
        )

    # -- variables ---------------------------------------------------------------------------

    def get_variable(self, key: str) -> str | None:
        return self.session.scalar(select(VariableRow.val).where(VariableRow.key == key))

    def get_connection(self, conn_id: str) -> dict[str, Any] | None:
        row = self.session.get(ConnectionRow, conn_id)
        if row is None:
            return None
        fields = (
            "conn_id",
            "conn_type",
            "description",
            "host",
            "schema",
            "login",
            "password",
            "port",
            "extra",
        )
        return {name: getattr(row, name) for name in fields}

    def set_variable(self, key: str, value: str) -> None:
        upsert(
            self.session, VariableRow, [{"key": key, "val": value}], keys=("key",), update=("val",)
        )

    def list_triggering_asset_events(
        self, dag_id: str, run_id: str
    ) -> dict[str, list[dict[str, Any]]]:
        return asset_events.list_triggering_events(
            session=self.session, dag_id=dag_id, run_id=run_id
        )
