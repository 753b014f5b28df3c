"""What authentication and authorization refuse; ``api.errors`` maps each to its status."""

from __future__ import annotations

from tradewind.errors import TradewindError


class AuthError(TradewindError):
    """Root of the errors of users, logins and permissions."""


class NotAuthenticatedError(AuthError):
    """No credentials, or credentials that do not identify a user (HTTP 401)."""


class NotAuthorizedError(AuthError):
    """The user is known but its role may not do this (HTTP 403)."""


class TooManyLoginFailuresError(AuthError):
    """Too many failed logins in a row for this username from this address (HTTP 429)."""

    def __init__(self, retry_after: float) -> None:
        self.retry_after = max(1, int(retry_after + 0.999))
        super().__init__(
            f"Too many failed logins for this user from this address; try again in "
            f"{self.retry_after} s."
        )


class UserExistsError(AuthError):
    """A username that is taken (HTTP 409)."""


class UserNotFoundError(AuthError, KeyError):
    """A username that does not exist (HTTP 404)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class InvalidUserError(AuthError, ValueError):
    """A username, role or password that cannot be used (HTTP 400)."""
