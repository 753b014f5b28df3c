"""Column types that behave the same on SQLite and PostgreSQL.

* :class:`UtcDateTime`: aware datetimes in, aware UTC datetimes out (SQLite keeps no zone).
* :class:`StrEnumType`: a ``StrEnum`` stored as its plain value in a ``VARCHAR``, so adding a
  state needs no migration and no database enum type.
* :data:`JSON_TYPE`: JSON, as ``JSONB`` on PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import JSON, DateTime, Dialect, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeDecorator, TypeEngine

E = TypeVar("E", bound=StrEnum)


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp with time zone; naive datetimes are refused, results are UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(
                f"Naive datetime {value.isoformat()} given to the store: pass an aware datetime "
                "(for example datetime.now(UTC))."
            )
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class StrEnumType(TypeDecorator[E]):
    """A ``StrEnum`` member stored as its value in a ``VARCHAR(length)``."""

    impl = String
    cache_ok = True

    def __init__(self, enum_class: type[E], length: int = 20) -> None:
        super().__init__(length)
        self.enum_class = enum_class

    def process_bind_param(self, value: E | str | None, dialect: Dialect) -> str | None:
        return None if value is None else self.enum_class(value).value

    def process_result_value(self, value: str | None, dialect: Dialect) -> E | None:
        return None if value is None else self.enum_class(value)


#: JSON documents; ``JSONB`` on PostgreSQL (indexable, compact).
JSON_TYPE: TypeEngine[Any] = JSON().with_variant(JSONB(), "postgresql")
