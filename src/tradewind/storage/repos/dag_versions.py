"""DAG versions and run counts, as the REST API lists them (without specs or sources)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tradewind.contracts.states import DagRunState
from tradewind.storage.repos.paging import OrderBy, count_rows, order_rows
from tradewind.storage.rows import DagRunRow, DagVersionRow

#: The fields versions may be ordered by; Tradewind has no bundles, so those order nothing.
VERSION_ORDER_FIELDS: Mapping[str, Any] = {
    "id": DagVersionRow.id,
    "version_number": DagVersionRow.version_number,
    "created_at": DagVersionRow.created_at,
    "dag_id": DagVersionRow.dag_id,
    "bundle_name": None,
    "bundle_version": None,
}

#: The columns of a version without its (large) spec and source.
_SUMMARY = (
    DagVersionRow.id,
    DagVersionRow.dag_id,
    DagVersionRow.version_number,
    DagVersionRow.version_hash,
    DagVersionRow.created_at,
)


def list_dag_version_page(
    *,
    session: Session,
    dag_ids: Collection[str] | None = None,
    version_number: int | None = None,
    order_by: OrderBy = (("id", False),),
    limit: int | None = None,
    offset: int = 0,
) -> tuple[list[Any], int]:
    """Versions as (id, dag_id, version_number, version_hash, created_at), and how many match;
    ``dag_ids`` None means the versions of every DAG."""
    stmt = select(*_SUMMARY)
    if dag_ids is not None:
        stmt = stmt.where(DagVersionRow.dag_id.in_(sorted(dag_ids)))
    if version_number is not None:
        stmt = stmt.where(DagVersionRow.version_number == version_number)
    total = count_rows(session, stmt)
    page = order_rows(stmt, VERSION_ORDER_FIELDS, [*order_by, ("id", False)])
    return list(session.execute(page.offset(offset).limit(limit))), total


def get_dag_version_summary(*, session: Session, dag_id: str, version_number: int) -> Any | None:
    """One version as a :func:`list_dag_version_page` row, or None."""
    stmt = select(*_SUMMARY).where(
        DagVersionRow.dag_id == dag_id, DagVersionRow.version_number == version_number
    )
    return session.execute(stmt).first()


def count_runs_by_state(
    *, session: Session, dag_ids: Collection[str] | None = None
) -> dict[str, dict[DagRunState, int]]:
    """dag_id → run state → how many of its runs are in it, for the DAGs that have runs."""
    stmt = select(DagRunRow.dag_id, DagRunRow.state, func.count()).group_by(
        DagRunRow.dag_id, DagRunRow.state
    )
    if dag_ids is not None:
        stmt = stmt.where(DagRunRow.dag_id.in_(sorted(dag_ids)))
    counts: defaultdict[str, dict[DagRunState, int]] = defaultdict(dict)
    for dag_id, state, count in session.execute(stmt):
        counts[dag_id][DagRunState(state)] = int(count)
    return dict(counts)
