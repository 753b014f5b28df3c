"""Browser sessions: the cookie the login form sets, and what a request sent with it must show.

``POST /auth/login`` sets the cookie ``tradewind_session``: a token of :mod:`.tokens` (the
same claims as an access token, ``token_version`` included, so a new password, a disabled or
a deleted user ends every session at once) that lasts ``[api] session_lifetime`` seconds.
The cookie is ``HttpOnly`` (scripts in the page cannot read it), ``SameSite=Lax``, for the
whole site (``Path=/``), and ``Secure`` when the request came over https.

A browser attaches cookies to requests other sites make it send, so a request with an unsafe
method (``POST``, ``PUT``, ``PATCH``, ``DELETE``) authenticated by the cookie must also carry
an ``Origin`` (or, without one, a ``Referer``) naming this server: a page elsewhere cannot
make the browser send that. Bearer tokens and Basic credentials are never sent by a browser
on its own, so requests that use them need no such header.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from urllib.parse import urlsplit

from starlette.responses import Response

from tradewind.api.auth.errors import NotAuthenticatedError, NotAuthorizedError
from tradewind.api.auth.tokens import TokenClaims, TokenService

COOKIE_NAME = "tradewind_session"
LOGIN_PATH = "/auth/login"
#: Methods that change something: a cookie-authenticated one must come from this server's pages.
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: The longest ``next`` a login keeps; longer ones send the user to ``/``.
MAX_NEXT_LENGTH = 2000

_DEFAULT_PORTS = {"http": 80, "https": 443}


class SessionCookies:
    """Issues, checks, sets and clears the session cookie."""

    def __init__(self, secret_key: str, *, lifetime: timedelta) -> None:
        self.tokens = TokenService(secret_key, expiration=lifetime)
        self.lifetime = lifetime

    def issue(self, *, user_id: int, username: str, role: str, token_version: int) -> str:
        return self.tokens.issue(
            user_id=user_id, username=username, role=role, token_version=token_version
        )

    def check(self, value: str) -> TokenClaims:
        """The claims of a valid session cookie; :class:`NotAuthenticatedError` otherwise."""
        try:
            return self.tokens.check(value)
        except NotAuthenticatedError:
            raise NotAuthenticatedError(
                f"The session has expired or is not valid; log in again at {LOGIN_PATH}."
            ) from None

    def set(self, response: Response, token: str, *, https: bool) -> None:
        response.set_cookie(
            COOKIE_NAME,
            token,
            max_age=int(self.lifetime.total_seconds()),
            path="/",
            secure=https,
            httponly=True,
            samesite="lax",
        )

    @staticmethod
    def clear(response: Response, *, https: bool) -> None:
        response.delete_cookie(COOKIE_NAME, path="/", secure=https, httponly=True, samesite="lax")


def safe_next(value: str | None) -> str:
    """``value`` if it is a path on this server (``/dags?x=1``), else ``/``.

    Anything that could lead elsewhere is refused: absolute URLs, scheme-relative ones
    (``//host``), backslashes (some browsers read them as slashes) and control characters.
    """
    if not value or len(value) > MAX_NEXT_LENGTH or not value.startswith("/"):
        return "/"
    if value.startswith("//") or "\\" in value or any(ord(c) < 0x20 or c == "\x7f" for c in value):
        return "/"
    try:
        parts = urlsplit(value)
    except ValueError:
        return "/"
    if parts.scheme or parts.netloc:
        return "/"
    return value


def _host_and_port(netloc: str, default_port: int | None) -> tuple[str, int | None] | None:
    try:
        parts = urlsplit(f"//{netloc}")
        return (parts.hostname or "").lower(), parts.port or default_port
    except ValueError:  # a port that is not a number
        return None


def check_same_origin(method: str, headers: Mapping[str, str]) -> None:
    """For an unsafe ``method``: raise :class:`NotAuthorizedError` (403) unless ``Origin``
    (else ``Referer``) names the server the request was sent to (its ``Host``)."""
    if method.upper() not in UNSAFE_METHODS:
        return
    source = headers.get("origin") or headers.get("referer")
    host = headers.get("host")
    if not source or source == "null" or not host:
        raise NotAuthorizedError(
            f"A {method.upper()} request authenticated by the session cookie must carry an "
            "Origin or Referer header naming this server (browsers send one from Tradewind's "
            "own pages). Scripts should send a bearer token from POST /auth/token instead."
        )
    try:
        origin = urlsplit(source)
    except ValueError:
        origin = None
    scheme = origin.scheme.lower() if origin is not None else ""
    if origin is None or scheme not in _DEFAULT_PORTS or not origin.netloc:
        same = False
    else:
        default = _DEFAULT_PORTS[scheme]
        # A Host without a port means the default port of the scheme the page was loaded with.
        theirs = _host_and_port(origin.netloc, default)
        same = theirs is not None and theirs == _host_and_port(host, default)
    if not same:
        raise NotAuthorizedError(
            f"A {method.upper()} request authenticated by the session cookie came from another "
            f"site ({source[:200]!r} is not this server, {host[:200]!r}); it was refused to "
            "protect the session. Send it from Tradewind's own pages, or authenticate with a "
            "bearer token from POST /auth/token."
        )
