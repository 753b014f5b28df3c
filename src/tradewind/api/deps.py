"""What each request gets: the app's state, a database session, and its authenticated user.

Authentication takes, in order: a bearer token from ``POST /auth/token``, or HTTP Basic
credentials (for scripts written against Airflow's ``/api/v1``, which used them), or the
session cookie of the login form (``auth.sessions``; unsafe methods must come from this
server's pages). Failed Basic logins count towards the login throttle like failed token
requests; successful ones are remembered for a few minutes (``auth.basic_cache``), so a
script sending them with every request pays for one password check, not one per request.
Routes declare what they need with ``Depends(requires(Permission.…))``; DAG-scoped checks
(a DAG's ``access_control``) go through :class:`ApiState.access`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated, NamedTuple

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import (
    APIKeyCookie,
    HTTPAuthorizationCredentials,
    HTTPBasic,
    HTTPBasicCredentials,
    HTTPBearer,
)
from sqlalchemy.orm import Session

from tradewind.api.auth import users
from tradewind.api.auth.access import DagAccess
from tradewind.api.auth.basic_cache import BasicAuthCache
from tradewind.api.auth.errors import NotAuthenticatedError
from tradewind.api.auth.roles import AuthUser, Permission
from tradewind.api.auth.sessions import COOKIE_NAME, LOGIN_PATH, SessionCookies, check_same_origin
from tradewind.api.auth.throttle import LoginThrottle
from tradewind.api.auth.tokens import TokenService
from tradewind.api.loop_database import LoopDatabase
from tradewind.config import Settings
from tradewind.server.specs import SessionFactory, SpecCache
from tradewind.storage.repos import users as user_repo
from tradewind.storage.repos.users import UserIdentity
from tradewind.storage.rows import UserRow


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class ApiState:
    """Everything the routes share, built once by ``create_app``."""

    settings: Settings
    session_factory: SessionFactory
    tokens: TokenService
    throttle: LoginThrottle
    specs: SpecCache = field(default_factory=SpecCache)
    clock: Callable[[], datetime] = _utcnow
    basic_logins: BasicAuthCache = field(default_factory=BasicAuthCache)
    access: DagAccess = field(init=False)
    #: Sessions for code on the event loop (see ``loop_database``).
    loop_db: LoopDatabase = field(init=False)

    def __post_init__(self) -> None:
        self.access = DagAccess(self.specs)
        self.loop_db = LoopDatabase(self.session_factory)

    def page_limit(self, limit: int) -> int:
        """``limit``, capped at ``[api] maximum_page_limit`` as Airflow does."""
        return min(limit, self.settings.api.maximum_page_limit)


async def get_state(request: Request) -> ApiState:
    """The app's state (``async``: no work, so no hop to a worker thread)."""
    state: ApiState = request.app.state.tradewind
    return state


State = Annotated[ApiState, Depends(get_state)]


async def get_session(state: State) -> AsyncIterator[Session]:
    """One session per request; routes that write commit it themselves.

    ``async`` so that opening and closing it cost no hops to a worker thread: opening does
    no I/O (the connection is taken at the first query, in the route's thread), and closing
    hands the connection back to the pool.
    """
    with state.session_factory() as session:
        yield session


DbSession = Annotated[Session, Depends(get_session)]

_bearer = HTTPBearer(auto_error=False, description="A token from POST /auth/token.")
_basic = HTTPBasic(auto_error=False, description="Username and password (Airflow /api/v1 style).")
_session_cookie = APIKeyCookie(
    name=COOKIE_NAME,
    scheme_name="SessionCookie",
    auto_error=False,
    description=(
        "The session cookie POST /auth/login sets (the web UI's login). POST, PUT, PATCH and "
        "DELETE requests authenticated by it must carry an Origin or Referer of this server."
    ),
)


def client_address(request: Request) -> str:
    return request.client.host if request.client is not None else "unknown"


def _verified_row(
    state: ApiState, session: Session, username: str, password: str, address: str
) -> tuple[UserRow, AuthUser]:
    """Check a username and password (one argon2 verification), through the login throttle."""
    state.throttle.check(username, address)
    row = users.authenticate(session, username, password)
    user = users.as_auth_user(row) if row is not None else None
    if row is None or user is None:
        state.throttle.failed(username, address)
        raise NotAuthenticatedError("Invalid username or password.")
    state.throttle.succeeded(username, address)
    return row, user


def login(
    state: ApiState, session: Session, username: str, password: str, address: str
) -> AuthUser:
    """Check a username and password, through the login throttle."""
    return _verified_row(state, session, username, password, address)[1]


class Credentials(NamedTuple):
    """Who checked credentials (a token, or Basic credentials remembered) say the caller is."""

    user_id: int
    token_version: int
    #: The username Basic credentials gave; None for a token.
    username: str | None = None


def user_of(identity: UserIdentity | None, credentials: Credentials) -> AuthUser | None:
    """The caller, if the user ``identity`` shows (read for this request) still exists, is
    active, has the credentials' ``token_version`` and, for Basic credentials, their name."""
    if identity is None or identity.token_version != credentials.token_version:
        return None
    if credentials.username is not None and identity.username != credentials.username:
        return None
    return users.as_auth_user(identity)


def active_user(session: Session, credentials: Credentials) -> AuthUser | None:
    """The user of ``credentials``, read for every request (not cached): a new password, or
    a disabled or deleted user, takes effect at once, on every API worker."""
    identity = user_repo.get_user_identity(session=session, user_id=credentials.user_id)
    return user_of(identity, credentials)


def remembered_credentials(state: ApiState, username: str, password: str) -> Credentials | None:
    """Basic credentials checked lately, as what they say of the caller."""
    cached = state.basic_logins.get(username, password)
    if cached is None:
        return None
    return Credentials(cached.user_id, cached.token_version, username)


def remembered_user(
    state: ApiState, session: Session, username: str, password: str
) -> AuthUser | None:
    """The user of Basic credentials checked lately, if the user has not changed since."""
    credentials = remembered_credentials(state, username, password)
    if credentials is None:
        return None
    user = active_user(session, credentials)
    if user is None:
        state.basic_logins.forget(username, password)
    return user


def _verify_basic(
    state: ApiState, session: Session, username: str, password: str, address: str
) -> AuthUser:
    """HTTP Basic credentials not remembered: checked (in a worker thread) and remembered."""
    with state.basic_logins.verifying(username, password):
        # Another request may have checked the same credentials while this one waited.
        user = remembered_user(state, session, username, password)
        if user is not None:
            return user
        row, user = _verified_row(state, session, username, password, address)
        state.basic_logins.put(username, password, user_id=row.id, token_version=row.token_version)
        return user


def session_cookies(request: Request) -> SessionCookies:
    """The app's session cookies (``create_app`` keeps them next to the state)."""
    cookies: SessionCookies = request.app.state.tradewind_sessions
    return cookies


def session_login(request: Request, session: Session, cookie: str) -> AuthUser:
    """The user of a session cookie, if the request may use it (see ``auth.sessions``)."""
    claims = session_cookies(request).check(cookie)
    user = active_user(session, Credentials(claims.user_id, claims.token_version))
    if user is None:
        raise NotAuthenticatedError(
            "The session's user is gone, disabled or has a new password; log in again at "
            f"{LOGIN_PATH}."
        )
    check_same_origin(request.method, request.headers)
    return user


async def current_user(
    request: Request,
    state: State,
    session: DbSession,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    basic: Annotated[HTTPBasicCredentials | None, Depends(_basic)],
    cookie: Annotated[str | None, Depends(_session_cookie)],
) -> AuthUser:
    """The user the request authenticates as (a bearer token, else Basic credentials, else
    the session cookie); 401 without valid credentials.

    A bearer token or remembered Basic credentials are checked on the event loop: a
    signature or a cache entry and one read by primary key cost less than a hop to a worker
    thread. Basic credentials not yet remembered (an argon2 verification) and session
    cookies are checked in a worker thread.
    """
    if bearer is not None:
        claims = state.tokens.check(bearer.credentials)
        with state.loop_db.session() as loop_session:
            user = active_user(loop_session, Credentials(claims.user_id, claims.token_version))
        if user is None:
            raise NotAuthenticatedError(
                "The access token's user is gone, disabled or has a new password; log in again."
            )
        return user
    if basic is not None:
        address = client_address(request)
        state.throttle.check(basic.username, address)
        with state.loop_db.session() as loop_session:
            user = remembered_user(state, loop_session, basic.username, basic.password)
        if user is not None:
            return user
        return await run_in_threadpool(
            _verify_basic, state, session, basic.username, basic.password, address
        )
    if cookie:
        return await run_in_threadpool(session_login, request, session, cookie)
    raise NotAuthenticatedError(
        "Not authenticated: send 'Authorization: Bearer <token>' (POST /auth/token gives one) "
        f"or HTTP Basic credentials, or log in at {LOGIN_PATH} for a session cookie."
    )


CurrentUser = Annotated[AuthUser, Depends(current_user)]


def requires(permission: Permission) -> Callable[[AuthUser], AuthUser]:
    """A dependency: the current user, if its role may do ``permission`` (403 otherwise)."""

    def check(user: CurrentUser) -> AuthUser:
        user.require(permission)
        return user

    check.__name__ = f"requires_{permission.name.lower()}"
    return check
