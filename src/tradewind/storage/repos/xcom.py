"""XCom entries as the REST API lists, reads and writes them (tasks reach theirs through the
execution service instead). Values are the runtime's serialized text (``contracts.serde``)."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, delete, func, select, update
from sqlalchemy.orm import Session

from tradewind.storage.repos.listing import Bound
from tradewind.storage.repos.paging import (
    count_rows,
    matches_pattern,
    matches_prefix,
    order_rows,
    within,
)
from tradewind.storage.rows import DagRow, DagRunRow, XComRow

_DISPLAY_NAME = func.coalesce(DagRow.dag_display_name, XComRow.dag_id)

#: The columns a pattern may name.
PATTERN_FIELDS: Mapping[str, Any] = {
    "key": XComRow.key,
    "dag_display_name": _DISPLAY_NAME,
    "run_id": XComRow.run_id,
    "task_id": XComRow.task_id,
}

_BOUND_FIELDS: Mapping[str, Any] = {
    "logical_date": DagRunRow.logical_date,
    "run_after": DagRunRow.run_after,
}

_FIELDS: Mapping[str, Any] = {
    "dag_id": XComRow.dag_id,
    "task_id": XComRow.task_id,
    "run_id": XComRow.run_id,
    "map_index": XComRow.map_index,
    "key": XComRow.key,
}

#: Airflow's order: by DAG, task, run, map index and key.
_ORDER = (
    ("dag_id", False),
    ("task_id", False),
    ("run_id", False),
    ("map_index", False),
    ("key", False),
)


@dataclass(frozen=True)
class XComFilter:
    """Which entries a list takes; None (or empty) filters nothing."""

    dag_ids: Collection[str] | None = None
    run_id: str | None = None
    task_id: str | None = None
    key: str | None = None
    map_index: int | None = None
    #: field of :data:`PATTERN_FIELDS` → a substring pattern, or a prefix.
    patterns: Mapping[str, str] = field(default_factory=dict)
    prefixes: Mapping[str, str] = field(default_factory=dict)
    #: Bounds on the run's ``logical_date`` and ``run_after``.
    bounds: Sequence[Bound] = ()

    def clauses(self) -> list[ColumnElement[bool]]:
        clauses: list[ColumnElement[bool]] = []
        if self.dag_ids is not None:
            clauses.append(XComRow.dag_id.in_(sorted(self.dag_ids)))
        for column, value in (
            (XComRow.run_id, self.run_id),
            (XComRow.task_id, self.task_id),
            (XComRow.key, self.key),
            (XComRow.map_index, self.map_index),
        ):
            if value is not None:
                clauses.append(column == value)
        clauses += [matches_pattern(PATTERN_FIELDS[n], p) for n, p in self.patterns.items()]
        clauses += [matches_prefix(PATTERN_FIELDS[n], p) for n, p in self.prefixes.items()]
        clauses += [within(_BOUND_FIELDS[b.field], b.op, b.value) for b in self.bounds]
        return clauses


def _select() -> Select[XComRow, datetime | None, datetime, str]:
    """Entries with their run's ``logical_date`` and ``run_after`` and the DAG's display name."""
    return (
        select(XComRow, DagRunRow.logical_date, DagRunRow.run_after, _DISPLAY_NAME)
        .join(
            DagRunRow,
            (DagRunRow.dag_id == XComRow.dag_id) & (DagRunRow.run_id == XComRow.run_id),
        )
        .outerjoin(DagRow, DagRow.dag_id == XComRow.dag_id)
    )


def list_xcom_page(
    *, session: Session, where: XComFilter, limit: int | None = None, offset: int = 0
) -> tuple[list[Any], int]:
    """``(XComRow, logical_date, run_after, dag_display_name)`` rows, and how many match."""
    stmt = _select().where(*where.clauses())
    total = count_rows(session, stmt)
    page = order_rows(stmt, _FIELDS, _ORDER)
    return list(session.execute(page.offset(offset).limit(limit))), total


@dataclass(frozen=True, slots=True)
class XComEntryKey:
    """Names one entry: a task instance's value under ``key``."""

    dag_id: str
    run_id: str
    task_id: str
    map_index: int
    key: str

    def where(self) -> tuple[ColumnElement[bool], ...]:
        return (
            XComRow.dag_id == self.dag_id,
            XComRow.run_id == self.run_id,
            XComRow.task_id == self.task_id,
            XComRow.map_index == self.map_index,
            XComRow.key == self.key,
        )


def get_xcom_entry(*, session: Session, entry: XComEntryKey) -> Any | None:
    """One entry as a :func:`list_xcom_page` row, or None."""
    return session.execute(_select().where(*entry.where())).first()


def create_xcom_entry(*, session: Session, entry: XComEntryKey, value: str, now: datetime) -> None:
    """Add an entry; a taken key fails on the primary key when the session flushes."""
    session.add(
        XComRow(
            dag_id=entry.dag_id,
            run_id=entry.run_id,
            task_id=entry.task_id,
            map_index=entry.map_index,
            key=entry.key,
            value=value,
            updated_at=now,
        )
    )
    session.flush()


def update_xcom_value(*, session: Session, entry: XComEntryKey, value: str, now: datetime) -> bool:
    """Replace an entry's value; False if there is no such entry."""
    result = session.execute(
        update(XComRow)
        .where(*entry.where())
        .values(value=value, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0)) == 1


def delete_xcom_entry(*, session: Session, entry: XComEntryKey) -> bool:
    """Delete an entry; False if there was none."""
    result = session.execute(
        delete(XComRow).where(*entry.where()).execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0)) == 1
