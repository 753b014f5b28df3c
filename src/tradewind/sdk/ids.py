"""Validation of dag and task ids."""

from __future__ import annotations

import re

from tradewind.errors import InvalidIdError

_ID_PATTERN = re.compile(r"^[\w.-]+$")
MAX_ID_LENGTH = 250


def validate_id(value: object, kind: str) -> str:
    """Return ``value`` if it is a usable id; raise :class:`InvalidIdError` naming the rule."""
    if not isinstance(value, str) or not value:
        raise InvalidIdError(f"{kind} must be a non-empty string, got {value!r}.")
    if len(value) > MAX_ID_LENGTH:
        raise InvalidIdError(
            f"{kind} {value[:40]!r}… is {len(value)} characters long; the limit is {MAX_ID_LENGTH}."
        )
    if not _ID_PATTERN.match(value):
        raise InvalidIdError(
            f"{kind} {value!r} may contain only letters, digits, underscores, dashes and dots."
        )
    return value
