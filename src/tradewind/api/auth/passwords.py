"""Password hashes: argon2id, with the library's recommended parameters.

Checking a password against no user still spends the time of one hash, so a login does not
tell whether the username exists.
"""

from __future__ import annotations

import functools

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_HASHER = PasswordHasher()

#: Shortest password ``tradewind users`` accepts.
MIN_PASSWORD_LENGTH = 8


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


@functools.cache
def _dummy_hash() -> str:
    """A hash of nothing anyone types, checked when the username is unknown (made at first
    use: hashing costs tens of milliseconds that every process importing this would pay)."""
    return _HASHER.hash("tradewind: no such user")


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches ``password_hash`` (None: no user; always False)."""
    try:
        return (
            _HASHER.verify(password_hash or _dummy_hash(), password) and password_hash is not None
        )
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
