"""Pieces of the REST API's list queries: counting, ordering, and Airflow's name patterns.

``order_rows`` takes (field, descending) pairs whose names are keys of a fields mapping (the
caller has checked them); NULLs sort last both ways on every backend. Patterns work as in
Airflow's ``…_pattern`` filters (a case-insensitive substring, SQL wildcards allowed) and
``…_prefix_pattern`` filters (a case-sensitive prefix, taken literally); in both, ``|``
separates alternatives and ``~`` matches everything.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, func, or_, select, true
from sqlalchemy.orm import Session

_S = TypeVar("_S", bound=Select[*tuple[Any, ...]])

#: (field name, descending)
OrderBy = Sequence[tuple[str, bool]]


def count_rows(session: Session, stmt: Select[*tuple[Any, ...]]) -> int:
    """How many rows ``stmt`` selects (its ordering, limit and offset left out)."""
    counted = select(func.count()).select_from(stmt.order_by(None).subquery())
    return int(session.scalar(counted) or 0)


def order_rows(stmt: _S, fields: Mapping[str, Any], order_by: OrderBy) -> _S:
    """``stmt`` ordered by ``order_by``; a field mapped to None orders nothing (all equal)."""
    for name, descending in order_by:
        column = fields[name]
        if column is None:
            continue
        stmt = stmt.order_by(
            column.desc().nulls_last() if descending else column.asc().nulls_last()
        )
    return stmt


def _alternatives(pattern: str) -> list[str] | None:
    """The alternatives of a pattern; None when it matches everything."""
    parts = [part for part in pattern.split("|") if part]
    if not parts or "~" in parts:
        return None
    return parts


def matches_pattern(column: Any, pattern: str) -> ColumnElement[bool]:
    """``column`` contains one of the pattern's alternatives, ignoring case."""
    parts = _alternatives(pattern)
    if parts is None:
        return true()
    return or_(*(column.ilike(f"%{part}%") for part in parts))


def matches_prefix(column: Any, pattern: str) -> ColumnElement[bool]:
    """``column`` starts with one of the pattern's alternatives (literally, case counting)."""
    parts = _alternatives(pattern)
    if parts is None:
        return true()
    return or_(*(column.startswith(part, autoescape=True) for part in parts))


def within(column: Any, op: str, value: Any) -> ColumnElement[bool]:
    """``column`` compared with ``value`` by a range filter's ``op`` (gte, gt, lte, lt)."""
    if op == "gte":
        return column >= value  # type: ignore[no-any-return]
    if op == "gt":
        return column > value  # type: ignore[no-any-return]
    if op == "lte":
        return column <= value  # type: ignore[no-any-return]
    if op == "lt":
        return column < value  # type: ignore[no-any-return]
    raise ValueError(f"Unknown range operator {op!r}; use gte, gt, lte or lt.")
