"""Access tokens: JWTs signed with HS256, and the key that signs them.

A token names its user by id (``sub``) and carries the user's ``token_version``: changing the
password raises the version, so tokens issued before stop working. The key is
``[api] secret_key``; when that is empty, one is generated once and kept (readable by its
owner only) in ``$TRADEWIND_HOME/api_secret_key``, so tokens survive restarts. Several API
servers must share one key: set it in their settings.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt

from tradewind.api.auth.errors import NotAuthenticatedError
from tradewind.config import Settings
from tradewind.errors import ConfigError

ALGORITHM = "HS256"
SECRET_KEY_FILE = "api_secret_key"
#: HS256 keys shorter than this are refused (RFC 7518 asks for at least 256 bits).
MIN_KEY_BYTES = 32
#: Seconds of clock difference the time claims allow.
LEEWAY = 5
#: Tokens whose signature was checked, kept so the next request with one skips the check.
_CHECKED_TOKENS = 4096
_EXPIRED = "The access token has expired; get a new one from POST /auth/token."


def resolve_secret_key(settings: Settings) -> str:
    """``[api] secret_key``, or the key kept under ``$TRADEWIND_HOME`` (made on first use)."""
    key = settings.api.secret_key
    if key:
        if len(key.encode()) < MIN_KEY_BYTES:
            raise ConfigError(
                f"[api] secret_key is {len(key.encode())} bytes long; use at least "
                f"{MIN_KEY_BYTES} (for example `python -c 'import secrets; "
                "print(secrets.token_urlsafe(48))'`), or leave it empty to have one generated."
            )
        return key
    path = Path(settings.home) / SECRET_KEY_FILE
    with contextlib.suppress(FileNotFoundError):
        stored = path.read_text(encoding="utf-8").strip()
        if len(stored.encode()) >= MIN_KEY_BYTES:
            return stored
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    temporary = path.with_name(f".{SECRET_KEY_FILE}.{os.getpid()}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(key + "\n")
    temporary.replace(path)
    # Another process may have raced us; whichever key landed last is the one to use.
    return path.read_text(encoding="utf-8").strip()


@dataclass(frozen=True, slots=True)
class TokenClaims:
    user_id: int
    token_version: int


@dataclass(frozen=True, slots=True)
class _Checked:
    claims: TokenClaims
    expires: float


class TokenService:
    """Issues and checks access tokens."""

    def __init__(
        self,
        secret_key: str,
        *,
        expiration: timedelta,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._key = secret_key
        self.expiration = expiration
        self._clock = clock
        # A token's signature stays valid, and its start has passed: only its expiry needs
        # looking at again.
        self._checked: dict[str, _Checked] = {}

    def issue(self, *, user_id: int, username: str, role: str, token_version: int) -> str:
        now = self._clock()
        claims = {
            "sub": str(user_id),
            "username": username,
            "role": role,
            "ver": token_version,
            "iat": now,
            "nbf": now,
            "exp": now + self.expiration,
            "jti": secrets.token_hex(8),
        }
        return jwt.encode(claims, self._key, algorithm=ALGORITHM)

    def check(self, token: str) -> TokenClaims:
        """The claims of a valid token; raises :class:`NotAuthenticatedError` otherwise."""
        checked = self._checked.get(token)
        if checked is not None:
            if time.time() < checked.expires + LEEWAY:
                return checked.claims
            self._checked.pop(token, None)
            raise NotAuthenticatedError(_EXPIRED)
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=[ALGORITHM],
                options={"require": ["sub", "exp", "iat", "ver"]},
                leeway=LEEWAY,
            )
            read = TokenClaims(user_id=int(claims["sub"]), token_version=int(claims["ver"]))
            if len(self._checked) >= _CHECKED_TOKENS:
                self._checked.clear()
            self._checked[token] = _Checked(read, float(claims["exp"]))
            return read
        except jwt.ExpiredSignatureError:
            raise NotAuthenticatedError(_EXPIRED) from None
        except (jwt.InvalidTokenError, ValueError, TypeError):
            raise NotAuthenticatedError(
                "The access token is not valid; get one from POST /auth/token."
            ) from None
