"""What users manage for their tasks: variables, pools, connections."""

from __future__ import annotations

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tradewind.storage.rows.base import ID_LENGTH, Base

#: The pool of tasks that name none; created by the first migration with 128 slots.
DEFAULT_POOL = "default_pool"


class VariableRow(Base):
    __tablename__ = "variable"

    key: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    #: The value; encrypted when ``is_encrypted`` (encryption comes later).
    val: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    is_encrypted: Mapped[bool] = mapped_column(default=False)


class PoolRow(Base):
    """A named number of slots that limits how many tasks run at once."""

    __tablename__ = "pool"

    name: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    slots: Mapped[int]
    description: Mapped[str | None] = mapped_column(Text)
    #: Whether deferred tasks hold their slots.
    include_deferred: Mapped[bool] = mapped_column(default=False)


class ConnectionRow(Base):
    """How to reach an outside system.

    ``password`` and ``extra`` are stored as given for now; encryption at rest (Fernet)
    comes later, flagged by ``is_encrypted`` / ``is_extra_encrypted``.
    """

    __tablename__ = "connection"

    conn_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    conn_type: Mapped[str] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text)
    host: Mapped[str | None] = mapped_column(String(500))
    schema: Mapped[str | None] = mapped_column(String(500))
    login: Mapped[str | None] = mapped_column(Text)
    password: Mapped[str | None] = mapped_column(Text)
    port: Mapped[int | None]
    #: A JSON object as text (provider-specific options).
    extra: Mapped[str | None] = mapped_column(Text)
    is_encrypted: Mapped[bool] = mapped_column(default=False)
    is_extra_encrypted: Mapped[bool] = mapped_column(default=False)
