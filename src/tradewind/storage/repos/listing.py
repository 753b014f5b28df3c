"""Filtered, ordered, paged reads of DAGs, runs and task instances, with their totals.

What the REST API lists (and deletes one run: ``delete_dag_run``). Each ``list_…_page`` function takes filters, an ``order_by`` of
(field, descending) pairs whose field names are the keys of the matching ``…_ORDER_FIELDS``
mapping (the caller checks them, so a bad name is the caller's 4xx), a limit and an offset,
and returns the page and the number of rows that match the filters. Every ordering ends with
the table's key, so pages never overlap. NULLs sort last in both directions on every backend.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, NamedTuple

from sqlalchemy import (
    ColumnElement,
    DateTime,
    Select,
    String,
    Text,
    and_,
    bindparam,
    cast,
    delete,
    exists,
    func,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import array
from sqlalchemy.orm import Session

from tradewind.contracts.runs import DagRunType
from tradewind.contracts.states import DagRunState
from tradewind.contracts.states import TaskInstanceState as S
from tradewind.storage.repos.driver_reads import read_rows
from tradewind.storage.repos.paging import OrderBy, count_rows, order_rows, within
from tradewind.storage.repos.users import IDENTITY_COLUMNS, UserIdentity
from tradewind.storage.rows import (
    DagRow,
    DagRunCountRow,
    DagRunRow,
    DagVersionRow,
    ImportErrorRow,
    JobRow,
    TaskInstanceRow,
    TaskTryRow,
    UserRow,
)


@dataclass(frozen=True, slots=True)
class Bound:
    """``field op value``, e.g. ``start_date >= 2024-01-01``."""

    field: str
    op: Literal["gte", "gt", "lte", "lt"]
    value: datetime


def _bounded(column: Any, bound: Bound) -> ColumnElement[bool]:
    return within(column, bound.op, bound.value)


def _substring(column: Any, pattern: str) -> ColumnElement[bool]:
    """Airflow's ``…_pattern`` filters: a case-insensitive LIKE, wildcards allowed, anywhere."""
    return column.ilike(f"%{pattern}%")  # type: ignore[no-any-return]


# -- DAGs ----------------------------------------------------------------------------------------

DAG_ORDER_FIELDS: Mapping[str, Any] = {
    "dag_id": DagRow.dag_id,
    "dag_display_name": func.coalesce(DagRow.dag_display_name, DagRow.dag_id),
    "next_dagrun": DagRow.next_dagrun,
    "next_dagrun_logical_date": DagRow.next_dagrun,
    "last_parsed_time": DagRow.last_parsed_time,
    "is_paused": DagRow.is_paused,
    "fileloc": DagRow.fileloc,
    "owners": DagRow.owners,
}


def _has_any_tag(session: Session, tags: Collection[str]) -> ColumnElement[bool]:
    """DAGs with at least one of ``tags`` (a JSON list column), on SQLite and PostgreSQL."""
    if session.get_bind().dialect.name == "postgresql":
        clause: ColumnElement[bool] = DagRow.tags.op("?|")(array(sorted(tags)))
        return clause
    each = func.json_each(DagRow.tags).table_valued("value")
    return exists(select(each.c.value).where(each.c.value.in_(list(tags))))


def _has_owner(owner: str) -> ColumnElement[bool]:
    column = DagRow.owners
    return or_(
        column == owner,
        column.startswith(f"{owner},", autoescape=True),
        column.endswith(f",{owner}", autoescape=True),
        column.contains(f",{owner},", autoescape=True),
    )


def list_dag_page(
    *,
    session: Session,
    dag_ids: Collection[str] | None = None,
    tags: Collection[str] = (),
    tags_match_all: bool = False,
    owners: Collection[str] = (),
    dag_id_pattern: str | None = None,
    dag_display_name_pattern: str | None = None,
    paused: bool | None = None,
    exclude_stale: bool = True,
    order_by: OrderBy = (("dag_id", False),),
    limit: int | None = None,
    offset: int = 0,
) -> tuple[list[DagRow], int]:
    """DAGs matching every filter given; ``dag_ids`` None means any DAG."""
    stmt = select(DagRow)
    if dag_ids is not None:
        stmt = stmt.where(DagRow.dag_id.in_(sorted(dag_ids)))
    if tags:
        if tags_match_all:
            stmt = stmt.where(and_(*(_has_any_tag(session, [tag]) for tag in tags)))
        else:
            stmt = stmt.where(_has_any_tag(session, tags))
    if owners:
        stmt = stmt.where(or_(*(_has_owner(owner) for owner in owners)))
    if dag_id_pattern:
        stmt = stmt.where(_substring(DagRow.dag_id, dag_id_pattern))
    if dag_display_name_pattern:
        stmt = stmt.where(
            _substring(
                func.coalesce(DagRow.dag_display_name, DagRow.dag_id), dag_display_name_pattern
            )
        )
    if paused is not None:
        stmt = stmt.where(DagRow.is_paused == paused)
    if exclude_stale:
        stmt = stmt.where(DagRow.is_active)
    total = count_rows(session, stmt)
    page = order_rows(stmt, DAG_ORDER_FIELDS, [*order_by, ("dag_id", False)])
    return list(session.scalars(page.offset(offset).limit(limit))), total


_DAG_EXISTS = select(DagRow.dag_id).where(DagRow.dag_id == bindparam("dag_id"))


def dag_exists(*, session: Session, dag_id: str) -> bool:
    return session.connection().execute(_DAG_EXISTS, {"dag_id": dag_id}).first() is not None


def list_dag_display_names(*, session: Session, dag_ids: Collection[str]) -> dict[str, str]:
    """dag_id → its display name (its id when it has none), for the DAGs that exist."""
    if not dag_ids:
        return {}
    stmt = select(DagRow.dag_id, DagRow.dag_display_name).where(DagRow.dag_id.in_(sorted(dag_ids)))
    return {row[0]: row[1] or row[0] for row in session.execute(stmt)}


def list_filelocs_with_import_errors(*, session: Session, filelocs: Collection[str]) -> set[str]:
    """The files among ``filelocs`` that have an import error now."""
    if not filelocs:
        return set()
    stmt = select(ImportErrorRow.filename).where(ImportErrorRow.filename.in_(sorted(filelocs)))
    return set(session.scalars(stmt.distinct()))


def list_latest_version_hashes(*, session: Session) -> dict[str, str]:
    """dag_id → the version hash of its latest version, for every DAG that has one."""
    newest = (
        select(DagVersionRow.dag_id, func.max(DagVersionRow.version_number).label("number"))
        .group_by(DagVersionRow.dag_id)
        .subquery()
    )
    stmt = select(DagVersionRow.dag_id, DagVersionRow.version_hash).join(
        newest,
        (DagVersionRow.dag_id == newest.c.dag_id)
        & (DagVersionRow.version_number == newest.c.number),
    )
    return {row[0]: row[1] for row in session.execute(stmt)}


#: The columns of a version without its (large) spec and source.
_VERSION_COLUMNS = (
    DagVersionRow.id,
    DagVersionRow.dag_id,
    DagVersionRow.version_number,
    DagVersionRow.version_hash,
    DagVersionRow.created_at,
)


def list_version_summaries(*, session: Session, version_ids: Collection[int]) -> dict[int, Any]:
    """version id → (id, dag_id, version_number, version_hash, created_at)."""
    if not version_ids:
        return {}
    stmt = select(*_VERSION_COLUMNS).where(DagVersionRow.id.in_(sorted(version_ids)))
    return {row.id: row for row in session.execute(stmt)}


def list_latest_version_summaries(*, session: Session, dag_ids: Collection[str]) -> dict[str, Any]:
    """dag_id → its latest version as (id, dag_id, version_number, version_hash, created_at)."""
    if not dag_ids:
        return {}
    newest = (
        select(DagVersionRow.dag_id, func.max(DagVersionRow.version_number).label("number"))
        .where(DagVersionRow.dag_id.in_(sorted(dag_ids)))
        .group_by(DagVersionRow.dag_id)
        .subquery()
    )
    stmt = select(*_VERSION_COLUMNS).join(
        newest,
        (DagVersionRow.dag_id == newest.c.dag_id)
        & (DagVersionRow.version_number == newest.c.number),
    )
    return {row.dag_id: row for row in session.execute(stmt)}


def get_dag_version_by_number(
    *, session: Session, dag_id: str, version_number: int | None
) -> DagVersionRow | None:
    """A version of ``dag_id`` by its number; its latest when ``version_number`` is None."""
    stmt = select(DagVersionRow).where(DagVersionRow.dag_id == dag_id)
    if version_number is not None:
        stmt = stmt.where(DagVersionRow.version_number == version_number)
    return session.scalars(stmt.order_by(DagVersionRow.version_number.desc()).limit(1)).first()


# -- DAG runs ------------------------------------------------------------------------------------

RUN_ORDER_FIELDS: Mapping[str, Any] = {
    "id": DagRunRow.id,
    "dag_id": DagRunRow.dag_id,
    "run_id": DagRunRow.run_id,
    "dag_run_id": DagRunRow.run_id,
    "state": DagRunRow.state,
    "run_type": DagRunRow.run_type,
    "logical_date": DagRunRow.logical_date,
    "run_after": DagRunRow.run_after,
    "queued_at": DagRunRow.queued_at,
    "start_date": DagRunRow.start_date,
    "end_date": DagRunRow.end_date,
    "data_interval_start": DagRunRow.data_interval_start,
    "data_interval_end": DagRunRow.data_interval_end,
    "last_scheduling_decision": DagRunRow.last_scheduling_decision,
}

#: The fields a run's date bounds may name.
RUN_BOUND_FIELDS: Mapping[str, Any] = {
    "logical_date": DagRunRow.logical_date,
    "run_after": DagRunRow.run_after,
    "start_date": DagRunRow.start_date,
    "end_date": DagRunRow.end_date,
}


class RunFilters(NamedTuple):
    """Which filters a page of runs has: the shape of its query, built once per shape."""

    #: None: every DAG; "one": a single DAG (an equality, no list to expand); "several".
    dag_ids: Literal["one", "several"] | None
    states: bool
    run_types: bool
    run_id_pattern: bool
    #: (field, op) of each date bound, in order.
    bounds: tuple[tuple[str, str], ...]


def _utc_naive(column: Any, dialect: str) -> ColumnElement[datetime]:
    """A timestamp column read as a naive datetime in UTC, labelled with its name.

    ``UtcDateTime`` makes each value aware in Python (1-2 µs each, most of the cost of a
    page of runs); the API writes naive values as UTC, so the list reads them as they are
    (SQLite stores UTC; PostgreSQL converts in the query).
    """
    if dialect == "postgresql":
        return func.timezone("UTC", column, type_=DateTime()).label(column.key)
    return type_coerce(column, DateTime()).label(column.key)


#: The fields of a row of :func:`list_dag_run_page`, in order: a run's fields as the API
#: shows them, its timestamps naive in UTC, ``run_type`` and ``state`` as text, ``conf`` as
#: its JSON text, its DAG's display name (its id when it has none), and its version's number
#: and creation time (null when the version is gone).
RUN_VIEW_FIELDS = (
    "run_id",
    "dag_id",
    "logical_date",
    "queued_at",
    "start_date",
    "end_date",
    "data_interval_start",
    "data_interval_end",
    "run_after",
    "last_scheduling_decision",
    "run_type",
    "state",
    "conf",
    "note",
    "dag_version_id",
    "dag_display_name",
    "version_number",
    "version_created_at",
)


def _run_view(dialect: str) -> Select[*tuple[Any, ...]]:
    """The runs with ``RUN_VIEW_FIELDS``."""
    timestamps = (
        DagRunRow.logical_date,
        DagRunRow.queued_at,
        DagRunRow.start_date,
        DagRunRow.end_date,
        DagRunRow.data_interval_start,
        DagRunRow.data_interval_end,
        DagRunRow.run_after,
        DagRunRow.last_scheduling_decision,
    )
    return (
        select(
            DagRunRow.run_id,
            DagRunRow.dag_id,
            *(_utc_naive(column, dialect) for column in timestamps),
            # The enum values as text: the API writes them as they are.
            type_coerce(DagRunRow.run_type, String()).label("run_type"),
            type_coerce(DagRunRow.state, String()).label("state"),
            # As stored: the API writes it out as it is, without reading it.
            cast(DagRunRow.conf, Text).label("conf"),
            DagRunRow.note,
            DagRunRow.dag_version_id,
            func.coalesce(DagRow.dag_display_name, DagRunRow.dag_id).label("dag_display_name"),
            DagVersionRow.version_number,
            _utc_naive(DagVersionRow.created_at, dialect).label("version_created_at"),
        )
        .outerjoin(DagRow, DagRow.dag_id == DagRunRow.dag_id)
        .outerjoin(DagVersionRow, DagVersionRow.id == DagRunRow.dag_version_id)
    )


def _run_conditions(filters: RunFilters) -> list[ColumnElement[bool]]:
    """The WHERE clauses of ``filters``, with the bind parameters ``list_dag_run_page`` fills."""
    where: list[ColumnElement[bool]] = []
    if filters.dag_ids == "one":
        where.append(DagRunRow.dag_id == bindparam("dag_id"))
    elif filters.dag_ids == "several":
        where.append(DagRunRow.dag_id.in_(bindparam("dag_ids", expanding=True)))
    if filters.states:
        where.append(DagRunRow.state.in_(bindparam("states", expanding=True)))
    if filters.run_types:
        where.append(DagRunRow.run_type.in_(bindparam("run_types", expanding=True)))
    if filters.run_id_pattern:
        where.append(DagRunRow.run_id.ilike(bindparam("run_id_pattern")))
    for number, (field, op) in enumerate(filters.bounds):
        where.append(within(RUN_BOUND_FIELDS[field], op, bindparam(f"bound_{number}")))
    return where


def _kept_run_count(filters: RunFilters) -> Select[*tuple[Any, ...]]:
    """The number of runs of the DAGs ``filters`` names, from the counts the database keeps
    (migration 0007): reading one row costs far less than counting a busy DAG's runs."""
    count = select(func.coalesce(func.sum(DagRunCountRow.runs), 0))
    if filters.dag_ids == "one":
        return count.where(DagRunCountRow.dag_id == bindparam("dag_id"))
    if filters.dag_ids == "several":
        return count.where(DagRunCountRow.dag_id.in_(bindparam("dag_ids", expanding=True)))
    return count


class RunPageStatements(NamedTuple):
    total: Select[*tuple[Any, ...]]
    page: Select[*tuple[Any, ...]]
    #: Whether each row of the page has the total after ``RUN_VIEW_FIELDS`` (when it is a
    #: kept count, which costs next to nothing: one statement fewer for a full page).
    counted: bool


class RunPage(NamedTuple):
    #: Each row starts with ``RUN_VIEW_FIELDS`` (and may have more fields after them).
    rows: Sequence[Any]
    total: int
    #: The user ``identity_of`` named, when asked for, the page has rows and the user exists.
    identity: UserIdentity | None = None


@functools.lru_cache(maxsize=128)
def _run_page_statements(
    dialect: str,
    filters: RunFilters,
    order_by: tuple[tuple[str, bool], ...],
    limited: bool,
    with_identity: bool,
) -> RunPageStatements:
    """The count and the page of runs for one shape of filters and ordering.

    Built once per shape: building a statement and its cache key costs about as much as
    running the count of ten thousand runs.
    """
    where = _run_conditions(filters)
    page = order_rows(_run_view(dialect).where(*where), RUN_ORDER_FIELDS, order_by)
    if limited:
        page = page.limit(bindparam("limit"))
    page = page.offset(bindparam("offset"))
    if filters.states or filters.run_types or filters.run_id_pattern or filters.bounds:
        count = select(func.count()).select_from(DagRunRow).where(*where)
        counted = False
    else:
        count = _kept_run_count(filters)
        page = page.add_columns(count.scalar_subquery().label("total_entries"))
        counted = True
    if with_identity:
        page = page.add_columns(*IDENTITY_COLUMNS).outerjoin(
            UserRow, UserRow.id == bindparam("identity_of")
        )
    return RunPageStatements(count, page, counted)


def list_dag_run_page(
    *,
    session: Session,
    dag_ids: Collection[str] | None = None,
    states: Collection[DagRunState] | None = None,
    run_types: Collection[DagRunType] | None = None,
    run_id_pattern: str | None = None,
    bounds: Sequence[Bound] = (),
    order_by: OrderBy = (("id", False),),
    limit: int | None = None,
    offset: int = 0,
    identity_of: int | None = None,
) -> RunPage:
    """Runs matching every filter; ``dag_ids`` None means the runs of every DAG.

    The count is left out when the page shows where the matches end (a page shorter than
    ``limit``). ``identity_of`` reads that user's identity in the page's statement (for a
    request that checks its credentials and reads the page in one statement).
    """
    filters = RunFilters(
        dag_ids=None if dag_ids is None else "one" if len(dag_ids) == 1 else "several",
        states=states is not None,
        run_types=run_types is not None,
        run_id_pattern=bool(run_id_pattern),
        bounds=tuple((bound.field, bound.op) for bound in bounds),
    )
    total, page, counted = _run_page_statements(
        session.get_bind().dialect.name,
        filters,
        (*order_by, ("id", False)),
        limit is not None,
        identity_of is not None,
    )
    params: dict[str, Any] = {
        "dag_id": next(iter(dag_ids or ()), None),
        "dag_ids": sorted(dag_ids or ()),
        "states": sorted(states or ()),
        "run_types": sorted(run_types or ()),
        "run_id_pattern": f"%{run_id_pattern}%",
        "limit": limit,
        "offset": offset,
        "identity_of": identity_of,
        **{f"bound_{number}": bound.value for number, bound in enumerate(bounds)},
    }
    # Not through the ORM, whose handling of the rows costs more than the page query itself.
    rows = read_rows(session, page, params)
    extra = len(RUN_VIEW_FIELDS) + counted
    identity = None
    if identity_of is not None and rows and rows[0][extra] is not None:
        identity = UserIdentity(*rows[0][extra:])
    if (limit is None or len(rows) < limit) and (rows or offset == 0):
        return RunPage(rows, offset + len(rows), identity)
    if counted and rows:
        return RunPage(rows, int(rows[0][len(RUN_VIEW_FIELDS)]), identity)
    return RunPage(rows, int(session.connection().scalar(total, params) or 0), identity)


@functools.cache
def _run_by_key(dialect: str) -> Select[*tuple[Any, ...]]:
    return _run_view(dialect).where(
        DagRunRow.dag_id == bindparam("dag_id"), DagRunRow.run_id == bindparam("run_id")
    )


def get_dag_run_view(*, session: Session, dag_id: str, run_id: str) -> Any | None:
    """One run with ``RUN_VIEW_FIELDS``, or None."""
    stmt = _run_by_key(session.get_bind().dialect.name)
    return session.connection().execute(stmt, {"dag_id": dag_id, "run_id": run_id}).first()


# -- task instances ------------------------------------------------------------------------------

TI_ORDER_FIELDS: Mapping[str, Any] = {
    "dag_id": TaskInstanceRow.dag_id,
    "run_id": TaskInstanceRow.run_id,
    "dag_run_id": TaskInstanceRow.run_id,
    "task_id": TaskInstanceRow.task_id,
    "map_index": TaskInstanceRow.map_index,
    "state": TaskInstanceRow.state,
    "try_number": TaskInstanceRow.try_number,
    "max_tries": TaskInstanceRow.max_tries,
    "start_date": TaskInstanceRow.start_date,
    "end_date": TaskInstanceRow.end_date,
    "queued_when": TaskInstanceRow.queued_at,
    "pool": TaskInstanceRow.pool,
    "queue": TaskInstanceRow.queue,
    "priority_weight": TaskInstanceRow.priority,
    "operator": TaskInstanceRow.operator,
    "hostname": TaskInstanceRow.hostname,
    "logical_date": DagRunRow.logical_date,
    "run_after": DagRunRow.run_after,
    "data_interval_start": DagRunRow.data_interval_start,
    "data_interval_end": DagRunRow.data_interval_end,
    # Airflow's task instance ids are random UUIDs: ordering by them is only stable.
    "id": TaskInstanceRow.task_id,
    "rendered_map_index": TaskInstanceRow.map_index,
}

#: The fields a task instance's date bounds may name (the last two are its run's).
TI_BOUND_FIELDS: Mapping[str, Any] = {
    "start_date": TaskInstanceRow.start_date,
    "end_date": TaskInstanceRow.end_date,
    "logical_date": DagRunRow.logical_date,
    "run_after": DagRunRow.run_after,
}

_TI_KEY = (("dag_id", False), ("run_id", False), ("task_id", False), ("map_index", False))


def _in_states(states: Collection[S | None]) -> ColumnElement[bool]:
    named = sorted(state for state in states if state is not None)
    clause = TaskInstanceRow.state.in_(named)
    return or_(clause, TaskInstanceRow.state.is_(None)) if None in states else clause


def list_task_instance_page(
    *,
    session: Session,
    dag_ids: Collection[str] | None = None,
    run_id: str | None = None,
    task_id: str | None = None,
    map_index: int | None = None,
    mapped_only: bool = False,
    states: Collection[S | None] | None = None,
    pools: Collection[str] = (),
    queues: Collection[str] = (),
    operators: Collection[str] = (),
    try_numbers: Collection[int] = (),
    bounds: Sequence[Bound] = (),
    order_by: OrderBy = (("map_index", False),),
    limit: int | None = None,
    offset: int = 0,
) -> tuple[list[Any], int]:
    """Task instances with their run's (logical_date, run_after, dag_version_id).

    Each row is ``(TaskInstanceRow, logical_date, run_after, dag_version_id)``;
    ``dag_ids`` None means every DAG, ``run_id`` None every run, ``mapped_only`` the
    expanded instances of mapped tasks only (map index 0 and up).
    """
    stmt = select(
        TaskInstanceRow, DagRunRow.logical_date, DagRunRow.run_after, DagRunRow.dag_version_id
    ).join(
        DagRunRow,
        (DagRunRow.dag_id == TaskInstanceRow.dag_id) & (DagRunRow.run_id == TaskInstanceRow.run_id),
    )
    if dag_ids is not None:
        stmt = stmt.where(TaskInstanceRow.dag_id.in_(sorted(dag_ids)))
    if run_id is not None:
        stmt = stmt.where(TaskInstanceRow.run_id == run_id)
    if task_id is not None:
        stmt = stmt.where(TaskInstanceRow.task_id == task_id)
    if map_index is not None:
        stmt = stmt.where(TaskInstanceRow.map_index == map_index)
    if mapped_only:
        stmt = stmt.where(TaskInstanceRow.map_index >= 0)
    if states is not None:
        stmt = stmt.where(_in_states(states))
    if pools:
        stmt = stmt.where(TaskInstanceRow.pool.in_(sorted(pools)))
    if queues:
        stmt = stmt.where(TaskInstanceRow.queue.in_(sorted(queues)))
    if operators:
        stmt = stmt.where(TaskInstanceRow.operator.in_(sorted(operators)))
    if try_numbers:
        stmt = stmt.where(TaskInstanceRow.try_number.in_(sorted(try_numbers)))
    for bound in bounds:
        stmt = stmt.where(_bounded(TI_BOUND_FIELDS[bound.field], bound))
    total = count_rows(session, stmt)
    page = order_rows(stmt, TI_ORDER_FIELDS, [*order_by, *_TI_KEY])
    return list(session.execute(page.offset(offset).limit(limit))), total


def get_task_instance_with_run(
    *, session: Session, dag_id: str, run_id: str, task_id: str, map_index: int
) -> Any | None:
    """``(TaskInstanceRow, logical_date, run_after, dag_version_id)`` of one instance."""
    rows, _ = list_task_instance_page(
        session=session, dag_ids=[dag_id], run_id=run_id, task_id=task_id, map_index=map_index
    )
    return rows[0] if rows else None


def list_task_tries(
    *, session: Session, dag_id: str, run_id: str, task_id: str, map_index: int
) -> list[TaskTryRow]:
    """The finished tries of one task instance, oldest first."""
    stmt = (
        select(TaskTryRow)
        .where(
            TaskTryRow.dag_id == dag_id,
            TaskTryRow.run_id == run_id,
            TaskTryRow.task_id == task_id,
            TaskTryRow.map_index == map_index,
        )
        .order_by(TaskTryRow.try_number)
    )
    return list(session.scalars(stmt))


# -- jobs ----------------------------------------------------------------------------------------


def get_latest_job(*, session: Session, kind: str) -> JobRow | None:
    """The job of ``kind`` that heartbeat last (ended or not), or None if none ever ran."""
    stmt = (
        select(JobRow)
        .where(JobRow.kind == kind)
        .order_by(JobRow.latest_heartbeat.desc(), JobRow.id.desc())
        .limit(1)
    )
    return session.scalars(stmt).first()


# -- the few writes of the API that no other module makes ------------------------------------


def delete_dag_run(*, session: Session, dag_id: str, run_id: str) -> bool:
    """Delete one run; its task instances, tries, XCom and log locations go with it.

    Returns False if there was no such run.
    """
    result = session.execute(
        delete(DagRunRow).where(DagRunRow.dag_id == dag_id, DagRunRow.run_id == run_id)
    )
    return int(getattr(result, "rowcount", 0)) == 1
