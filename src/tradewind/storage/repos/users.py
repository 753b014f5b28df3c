"""Users of the REST API: created, found by name, listed, changed and deleted."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.orm import Session

from tradewind.storage.repos.driver_reads import read_rows
from tradewind.storage.rows import UserRow


def create_user(
    *,
    session: Session,
    username: str,
    password_hash: str,
    role: str,
    now: datetime,
    email: str | None = None,
    first_name: str | None = None,
    last_name: str | None = None,
) -> UserRow:
    """Add a user; its id is set on return. A taken username fails on flush (unique)."""
    row = UserRow(
        username=username,
        password_hash=password_hash,
        role=role,
        email=email,
        first_name=first_name,
        last_name=last_name,
        is_active=True,
        token_version=0,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row


def get_user(*, session: Session, user_id: int) -> UserRow | None:
    return session.get(UserRow, user_id)


#: What checking a request's credentials needs of a user, in :class:`UserIdentity`'s order.
IDENTITY_COLUMNS = (
    UserRow.id,
    UserRow.username,
    UserRow.role,
    UserRow.is_active,
    UserRow.token_version,
)
_IDENTITY = select(*IDENTITY_COLUMNS).where(UserRow.id == bindparam("user_id"))


class UserIdentity(NamedTuple):
    id: int
    username: str
    role: str
    is_active: bool
    token_version: int


def get_user_identity(*, session: Session, user_id: int) -> UserIdentity | None:
    """What checking a request's credentials needs of a user, or None: read without loading
    the whole row (every request does it)."""
    rows = read_rows(session, _IDENTITY, {"user_id": user_id})
    return UserIdentity(*rows[0]) if rows else None


def get_user_by_name(*, session: Session, username: str) -> UserRow | None:
    return session.scalars(select(UserRow).where(UserRow.username == username)).first()


def list_users(*, session: Session) -> list[UserRow]:
    """Every user, by username."""
    return list(session.scalars(select(UserRow).order_by(UserRow.username)))


def count_users(*, session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(UserRow)) or 0)


def update_user_password(*, session: Session, username: str, password_hash: str) -> bool:
    """Set a new password hash; tokens issued before stop working. False if no such user."""
    result = session.execute(
        update(UserRow)
        .where(UserRow.username == username)
        .values(password_hash=password_hash, token_version=UserRow.token_version + 1)
        .execution_options(synchronize_session="fetch")
    )
    return int(getattr(result, "rowcount", 0)) == 1


def update_user_last_login(*, session: Session, user_id: int, now: datetime) -> None:
    session.execute(
        update(UserRow)
        .where(UserRow.id == user_id)
        .values(last_login_at=now)
        .execution_options(synchronize_session="fetch")
    )


def delete_user(*, session: Session, username: str) -> bool:
    """Delete a user; False if there was none of that name."""
    result = session.execute(delete(UserRow).where(UserRow.username == username))
    return int(getattr(result, "rowcount", 0)) == 1
