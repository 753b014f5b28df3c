"""Pools: named slot counts that limit how many tasks run at once."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, case, delete, func, select, update
from sqlalchemy.orm import Session

from tradewind.contracts.states import TaskInstanceState as S
from tradewind.errors import TradewindError
from tradewind.storage.rows import DEFAULT_POOL, PoolRow, TaskInstanceRow


@dataclass(frozen=True, slots=True)
class PoolUsage:
    """A pool's slots and the slots its task instances hold now."""

    name: str
    slots: int
    queued: int
    running: int
    deferred: int
    include_deferred: bool

    @property
    def occupied(self) -> int:
        return self.queued + self.running + (self.deferred if self.include_deferred else 0)

    @property
    def open(self) -> int:
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


def update_pool(
    *,
    session: Session,
    name: str,
    slots: int | None = None,
    description: str | None = None,
    include_deferred: bool | None = None,
) -> bool:
    """Change the given fields of a pool; False if there is no such pool."""
    changes = {
        key: value
        for key, value in (
            ("slots", slots),
            ("description", description),
            ("include_deferred", include_deferred),
        )
        if value is not None
    }
    if not changes:
        return get_pool(session=session, name=name) is not None
    result = session.execute(update(PoolRow).where(PoolRow.name == name).values(**changes))
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


def list_pool_usage(*, session: Session) -> list[PoolUsage]:
    """Every pool with the slots its queued, running and deferred instances hold."""
    return [
        PoolUsage(
            name=name,
            slots=slots,
            queued=int(queued),
            running=int(running),
            deferred=int(deferred),
            include_deferred=include_deferred,
        )
        for name, slots, include_deferred, queued, running, deferred in session.execute(_USAGE)
    ]


def _usage_statement() -> Select[str, int, bool, int, int, int]:
    return (
        select(
            PoolRow.name,
            PoolRow.slots,
            PoolRow.include_deferred,
            _slots_in(S.QUEUED),
            _slots_in(S.RUNNING),
            _slots_in(S.DEFERRED),
        )
        .outerjoin(
            TaskInstanceRow,
            (TaskInstanceRow.pool == PoolRow.name)
            & TaskInstanceRow.state.in_([S.QUEUED, S.RUNNING, S.DEFERRED]),
        )
        .group_by(PoolRow.name, PoolRow.slots, PoolRow.include_deferred)
        .order_by(PoolRow.name)
    )


_USAGE = _usage_statement()
