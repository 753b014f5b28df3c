"""Users: create, check a password, change it, delete; the ``tradewind users`` commands' logic.

Functions take the session and leave the transaction to the caller.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tradewind.api.auth.errors import InvalidUserError, UserExistsError, UserNotFoundError
from tradewind.api.auth.passwords import MIN_PASSWORD_LENGTH, hash_password, verify_password
from tradewind.api.auth.roles import AuthUser, Role, parse_role
from tradewind.storage.repos import users as user_repo
from tradewind.storage.repos.users import UserIdentity
from tradewind.storage.rows import UserRow

#: Letters, digits and ``_ . @ + -``: safe in URLs, logs and Basic authentication.
USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9_.@+-]{1,250}$")


def _check_username(username: str) -> str:
    if not USERNAME_PATTERN.fullmatch(username):
        raise InvalidUserError(
            f"The username {username!r} is not allowed: use 1 to 250 letters, digits or "
            "the characters _ . @ + -."
        )
    return username


def _check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidUserError(
            f"The password is too short: use at least {MIN_PASSWORD_LENGTH} characters."
        )
    if len(password) > 4096:
        raise InvalidUserError("The password is too long: use at most 4096 characters.")
    return password


def _role(name: str | Role) -> Role:
    if isinstance(name, Role):
        return name
    try:
        return parse_role(name)
    except ValueError as error:
        raise InvalidUserError(str(error)) from None


def create_user(
    session: Session,
    *,
    username: str,
    password: str,
    role: str | Role,
    email: str | None = None,
    first_name: str | None = None,
    last_name: str | None = None,
    now: datetime | None = None,
) -> UserRow:
    """Add a user with an argon2 hash of ``password``; raises for a taken or bad username."""
    _check_username(username)
    _check_password(password)
    checked_role = _role(role)
    if user_repo.get_user_by_name(session=session, username=username) is not None:
        raise UserExistsError(
            f"There is a user {username!r} already; `tradewind users reset-password "
            f"{username}` changes its password."
        )
    try:
        with session.begin_nested():
            return user_repo.create_user(
                session=session,
                username=username,
                password_hash=hash_password(password),
                role=checked_role.value,
                email=email,
                first_name=first_name,
                last_name=last_name,
                now=now or datetime.now(UTC),
            )
    except IntegrityError:
        raise UserExistsError(f"There is a user {username!r} already.") from None


def authenticate(session: Session, username: str, password: str) -> UserRow | None:
    """The active user of that name if ``password`` is its password, else None.

    Takes the time of one hash check whether or not the user exists.
    """
    row = user_repo.get_user_by_name(session=session, username=username)
    ok = verify_password(row.password_hash if row is not None else None, password)
    if row is None or not ok or not row.is_active:
        return None
    return row


def reset_password(session: Session, username: str, password: str) -> None:
    """Give the user a new password; its tokens issued before stop working."""
    _check_password(password)
    if not user_repo.update_user_password(
        session=session, username=username, password_hash=hash_password(password)
    ):
        raise UserNotFoundError(
            f"There is no user {username!r}; `tradewind users list` lists them."
        )


def delete_user(session: Session, username: str) -> None:
    if not user_repo.delete_user(session=session, username=username):
        raise UserNotFoundError(
            f"There is no user {username!r}; `tradewind users list` lists them."
        )


def as_auth_user(row: UserRow | UserIdentity) -> AuthUser | None:
    """The caller ``row`` makes, or None for an inactive user or an unknown role."""
    if not row.is_active:
        return None
    try:
        role = parse_role(row.role)
    except ValueError:
        return None
    return AuthUser(id=row.id, username=row.username, role=role)
