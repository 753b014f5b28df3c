"""People (and scripts) who use the REST API: their login, password hash and role."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tradewind.storage.rows.base import ID_LENGTH, Base


class UserRow(Base):
    """A user of the API. ``role`` is one of the API's roles (Admin, Op, User, Viewer)."""

    __tablename__ = "api_user"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(ID_LENGTH), unique=True)
    #: An argon2 hash (``$argon2id$…``); the password itself is never stored.
    password_hash: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(String(64))
    email: Mapped[str | None] = mapped_column(String(500))
    first_name: Mapped[str | None] = mapped_column(String(500))
    last_name: Mapped[str | None] = mapped_column(String(500))
    is_active: Mapped[bool] = mapped_column(default=True)
    #: Raised whenever the password changes: tokens issued before stop working.
    token_version: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]
    last_login_at: Mapped[datetime | None]
