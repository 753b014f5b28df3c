"""The declarative base of every row: one ``MetaData`` with constraint naming rules."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from tradewind.storage.column_types import JSON_TYPE, UtcDateTime

#: Deterministic constraint names, so migrations can refer to them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: Identifier columns (dag_id, run_id, task_id, pool name, …).
ID_LENGTH = 250


class Base(DeclarativeBase):
    """Rows are data: columns and constraints only, no business methods."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        datetime: UtcDateTime(),
        dict[str, Any]: JSON_TYPE,
        dict[str, int]: JSON_TYPE,
        list[str]: JSON_TYPE,
    }
