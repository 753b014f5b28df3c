"""Pools: named slot counts that limit how many tasks run at once."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, case, delete, func, select, update
from sqlalchemy.orm import Session

from tradewind.contracts.states import TaskInstanceState as S
from tradewind.errors import TradewindError
from tradewind.storage.repos.paging import count_rows, matches_pattern, order_rows
from tradewind.storage.rows import DEFAULT_POOL, PoolRow, TaskInstanceRow

#: Slots of a pool without a limit, as in Airflow.
UNLIMITED_SLOTS = -1

#: What a page of pools may be ordered by (``pool`` and ``id``: Airflow's names for the name).
POOL_ORDER_FIELDS: Mapping[str, Any] = {
    "name": PoolRow.name,
    "pool": PoolRow.name,
    "id": PoolRow.name,
    "slots": PoolRow.slots,
    "description": PoolRow.description,
    "include_deferred": PoolRow.include_deferred,
}

#: The fields ``update_pool`` may change.
POOL_FIELDS = ("slots", "description", "include_deferred")


@dataclass(frozen=True, slots=True)
class PoolUsage:
    """A pool's settings and the slots its task instances hold now."""

    name: str
    slots: int
    queued: int
    running: int
    deferred: int
    include_deferred: bool
    scheduled: int = 0
    description: str | None = None

    @property
    def occupied(self) -> int:
        return self.queued + self.running + (self.deferred if self.include_deferred else 0)

    @property
    def open(self) -> int:
        """Slots left; :data:`UNLIMITED_SLOTS` for a pool without a limit."""
        if self.slots == UNLIMITED_SLOTS:
            return UNLIMITED_SLOTS
        return self.slots - self.occupied


def get_pool(*, session: Session, name: str) -> PoolRow | None:
    return session.get(PoolRow, name)


def list_pools(*, session: Session) -> list[PoolRow]:
    return list(session.scalars(select(PoolRow).order_by(PoolRow.name)))


def create_pool(
    *,
    session: Session,
    name: str,
    slots: int,
    description: str | None = None,
    include_deferred: bool = False,
) -> PoolRow:
    row = PoolRow(
        name=name, slots=slots, description=description, include_deferred=include_deferred
    )
    session.add(row)
    session.flush()
    return row


def update_pool(*, session: Session, name: str, **fields: Any) -> bool:
    """Change the given fields (``slots``, ``description``, ``include_deferred``) of a pool;
    False if there is no such pool."""
    unknown = set(fields) - set(POOL_FIELDS)
    if unknown:
        raise TypeError(f"Unknown pool field(s): {', '.join(sorted(unknown))}.")
    if not fields:
        return get_pool(session=session, name=name) is not None
    result = session.execute(update(PoolRow).where(PoolRow.name == name).values(**fields))
    return int(getattr(result, "rowcount", 0)) == 1


def delete_pool(*, session: Session, name: str) -> bool:
    """Delete a pool; False if there is none. The default pool cannot be deleted."""
    if name == DEFAULT_POOL:
        raise TradewindError(
            f"The pool {DEFAULT_POOL!r} cannot be deleted: tasks that name no pool use it. "
            "Change its slots instead."
        )
    result = session.execute(delete(PoolRow).where(PoolRow.name == name))
    return int(getattr(result, "rowcount", 0)) == 1


def _slots_in(state: S) -> ColumnElement[int]:
    return func.coalesce(
        func.sum(case((TaskInstanceRow.state == state, TaskInstanceRow.pool_slots), else_=0)), 0
    )


def list_pool_usage(*, session: Session, names: Collection[str] | None = None) -> list[PoolUsage]:
    """Every pool (or those of ``names``) with the slots its scheduled, queued, running and
    deferred instances hold, by name."""
    stmt = _USAGE if names is None else _USAGE.where(PoolRow.name.in_(list(names)))
    return [
        PoolUsage(
            name=name,
            slots=slots,
            queued=int(queued),
            running=int(running),
            deferred=int(deferred),
            include_deferred=include_deferred,
            scheduled=int(scheduled),
            description=description,
        )
        for (
            name,
            slots,
            include_deferred,
            description,
            queued,
            running,
            deferred,
            scheduled,
        ) in session.execute(stmt)
    ]


def get_pool_usage(*, session: Session, name: str) -> PoolUsage | None:
    usage = list_pool_usage(session=session, names=[name])
    return usage[0] if usage else None


def list_pool_page(
    *,
    session: Session,
    name_pattern: str | None = None,
    order_by: Sequence[tuple[str, bool]] = (),
    limit: int | None = None,
    offset: int = 0,
) -> tuple[list[PoolUsage], int]:
    """A page of pools whose name matches ``name_pattern`` (as Airflow's ``…_pattern``
    filters), with their usage, and how many match; ``order_by`` names keys of
    :data:`POOL_ORDER_FIELDS`."""
    stmt = select(PoolRow.name)
    if name_pattern:
        stmt = stmt.where(matches_pattern(PoolRow.name, name_pattern))
    total = count_rows(session, stmt)
    stmt = order_rows(stmt, POOL_ORDER_FIELDS, [*order_by, ("name", False)])
    names = list(session.scalars(stmt.offset(offset).limit(limit)))
    usage = {pool.name: pool for pool in list_pool_usage(session=session, names=names)}
    return [usage[name] for name in names if name in usage], total


_COUNTED_STATES = [S.SCHEDULED, S.QUEUED, S.RUNNING, S.DEFERRED]


def _usage_statement() -> Select[str, int, bool, str | None, int, int, int, int]:
    return (
        select(
            PoolRow.name,
            PoolRow.slots,
            PoolRow.include_deferred,
            PoolRow.description,
            _slots_in(S.QUEUED),
            _slots_in(S.RUNNING),
            _slots_in(S.DEFERRED),
            _slots_in(S.SCHEDULED),
        )
        .outerjoin(
            TaskInstanceRow,
            (TaskInstanceRow.pool == PoolRow.name) & TaskInstanceRow.state.in_(_COUNTED_STATES),
        )
        .group_by(PoolRow.name, PoolRow.slots, PoolRow.include_deferred, PoolRow.description)
        .order_by(PoolRow.name)
    )


_USAGE = _usage_statement()
