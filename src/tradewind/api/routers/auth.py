"""Logging in (public routes): ``POST /auth/token`` for scripts, the login form for browsers.

``POST /auth/token`` takes JSON ``{"username": …, "password": …}`` or the same fields
form-encoded, as Airflow's simple auth manager takes them, and answers an access token.
``GET /auth/login`` is a plain HTML form; ``POST /auth/login`` checks the same credentials the
same way and sets the session cookie (``auth.sessions``), then sends the browser on to
``next`` (a path on this server only). ``/auth/logout`` clears the cookie. Failed logins are
slowed down per username and client address (``auth.throttle``): past the free failures,
429 with ``Retry-After``.
"""

from __future__ import annotations

import html
import json
from typing import Annotated, Any
from urllib.parse import parse_qs

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.constants import REF_TEMPLATE
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from tradewind.api.auth import users
from tradewind.api.auth.errors import (
    NotAuthenticatedError,
    NotAuthorizedError,
    TooManyLoginFailuresError,
)
from tradewind.api.auth.roles import AuthUser
from tradewind.api.auth.sessions import LOGIN_PATH, SessionCookies, check_same_origin, safe_next
from tradewind.api.deps import ApiState, State, client_address, login, session_cookies
from tradewind.api.errors import ERROR_DESCRIPTIONS, error_responses
from tradewind.api.schemas.auth import LoginCreate, LoginForm, TokenRead
from tradewind.api.schemas.common import ErrorRead
from tradewind.storage.repos import users as user_repo

router = APIRouter(tags=["Login"])

_BODY_SCHEMA = LoginCreate.model_json_schema()


def _parse(content_type: str, raw: bytes) -> LoginCreate:
    kind = content_type.split(";")[0].strip().lower()
    try:
        if kind in ("", "application/json"):
            try:
                data = json.loads(raw or b"null")
            except ValueError:  # not UTF-8, not JSON, or a number too long to convert
                raise RequestValidationError(
                    [
                        {
                            "loc": ("body",),
                            "msg": "The body is not valid JSON",
                            "type": "json_invalid",
                        }
                    ]
                ) from None
            return LoginCreate.model_validate(data)
        if kind == "application/x-www-form-urlencoded":
            form = parse_qs(raw.decode("utf-8", errors="replace"), keep_blank_values=True)
            return LoginCreate.model_validate({key: values[0] for key, values in form.items()})
    except ValidationError as error:
        raise RequestValidationError(
            [{**item, "loc": ("body", *item["loc"])} for item in error.errors()]
        ) from None
    raise HTTPException(
        415, "Send the credentials as application/json or application/x-www-form-urlencoded."
    )


def _log_in(state: ApiState, username: str, password: str, address: str) -> tuple[AuthUser, int]:
    """Check the credentials (through the throttle) and record the login: the user and its
    ``token_version``, which every token issued for it carries."""
    with state.session_factory() as session:
        user = login(state, session, username, password, address)
        row = user_repo.get_user(session=session, user_id=user.id)
        assert row is not None
        user_repo.update_user_last_login(session=session, user_id=user.id, now=state.clock())
        session.commit()
        return user, row.token_version


def _issue(state: ApiState, body: LoginCreate, address: str) -> TokenRead:
    user, token_version = _log_in(state, body.username, body.password, address)
    token = state.tokens.issue(
        user_id=user.id, username=user.username, role=user.role.value, token_version=token_version
    )
    return TokenRead(access_token=token)


@router.post(
    "/auth/token",
    status_code=201,
    response_model=TokenRead,
    summary="Create Token",
    responses=error_responses(401, 415, 422, 429),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": _BODY_SCHEMA},
                "application/x-www-form-urlencoded": {"schema": _BODY_SCHEMA},
            },
        }
    },
)
async def create_token(request: Request, state: State) -> TokenRead:
    body = _parse(request.headers.get("content-type", ""), await request.body())
    return await run_in_threadpool(_issue, state, body, client_address(request))


# -- the login form (browsers) -------------------------------------------------------------

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Log in to Tradewind</title>
<style>
body {{ font-family: system-ui, sans-serif; background: #f4f6f8; margin: 0; }}
main {{ max-width: 22rem; margin: 12vh auto; background: #fff; padding: 2rem;
  border-radius: 8px; box-shadow: 0 1px 4px rgba(0, 0, 0, .15); }}
h1 {{ font-size: 1.4rem; margin: 0 0 1.2rem; }}
label {{ display: block; margin: .8rem 0 .3rem; }}
input {{ width: 100%; box-sizing: border-box; padding: .5rem; font-size: 1rem; }}
button {{ margin-top: 1.2rem; width: 100%; padding: .6rem; font-size: 1rem; }}
.message {{ color: #a40000; background: #fdecec; padding: .6rem; border-radius: 4px; }}
</style>
</head>
<body>
<main>
<h1>Log in to Tradewind</h1>
{message}<form method="post" action="{action}">
<input type="hidden" name="next" value="{next}">
<label for="username">Username</label>
<input id="username" name="username" autocomplete="username" required autofocus value="{username}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Log in</button>
</form>
</main>
</body>
</html>
"""

#: The form is never cached, and no other site may frame it (clickjacking).
_PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "form-action 'self'; frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
}


def _page(
    next_path: str,
    *,
    message: str | None = None,
    username: str = "",
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    text = _PAGE.format(
        message=f'<p class="message" role="alert">{html.escape(message)}</p>\n' if message else "",
        action=LOGIN_PATH,
        next=html.escape(next_path),
        username=html.escape(username),
    )
    return HTMLResponse(text, status_code=status, headers={**_PAGE_HEADERS, **(headers or {})})


def _html(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"text/html": {"schema": {"type": "string"}}}}


def _redirect(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "headers": {"Location": {"description": "Where to go next", "schema": {"type": "string"}}},
    }


_FORM_SCHEMA = LoginForm.model_json_schema()

NextQuery = Annotated[
    str | None,
    Query(
        description="The path on this server to go to after logging in (anything else: /).",
    ),
]


@router.get(
    LOGIN_PATH,
    response_class=HTMLResponse,
    summary="Login Form",
    responses={200: _html("The login form")},
)
async def login_form(next: NextQuery = None) -> HTMLResponse:
    """A plain HTML form for the web UI: it posts to ``POST /auth/login``."""
    return _page(safe_next(next))


def _form(raw: bytes) -> dict[str, str]:
    fields = parse_qs(raw.decode("utf-8", errors="replace"), keep_blank_values=True)
    return {key: values[0] for key, values in fields.items()}


def _session_login(
    state: ApiState, cookies: SessionCookies, form: LoginForm, address: str, https: bool
) -> Response:
    next_path = safe_next(form.next)
    try:
        if not users.USERNAME_PATTERN.fullmatch(form.username):
            # No user can have this name: refused like a wrong password, without a look-up.
            raise NotAuthenticatedError("Invalid username or password.")
        user, token_version = _log_in(state, form.username, form.password, address)
    except NotAuthenticatedError:
        return _page(
            next_path,
            message="Invalid username or password.",
            username=form.username,
            status=401,
        )
    except TooManyLoginFailuresError as error:
        return _page(
            next_path,
            message=str(error),
            username=form.username,
            status=429,
            headers={"Retry-After": str(error.retry_after)},
        )
    token = cookies.issue(
        user_id=user.id, username=user.username, role=user.role.value, token_version=token_version
    )
    response = RedirectResponse(next_path, status_code=303)
    cookies.set(response, token, https=https)
    return response


@router.post(
    LOGIN_PATH,
    status_code=303,
    response_class=Response,
    summary="Login",
    responses={
        303: _redirect("Logged in: the session cookie is set, and the browser goes on to `next`"),
        400: {
            "description": "The form again: a field is missing or too long",
            "content": {
                "text/html": {"schema": {"type": "string"}},
                "application/json": {
                    "schema": {"$ref": REF_TEMPLATE.format(model=ErrorRead.__name__)}
                },
            },
        },
        401: _html("The form again: the username or password is wrong"),
        403: _html("The form again: the form was posted from another site"),
        415: {"model": ErrorRead, "description": ERROR_DESCRIPTIONS[415]},
        429: _html("The form again: too many failed logins; wait Retry-After seconds"),
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/x-www-form-urlencoded": {"schema": _FORM_SCHEMA}},
        }
    },
)
async def create_session(request: Request, state: State) -> Response:
    """Log in from the form: on success the session cookie (``HttpOnly``, ``SameSite=Lax``)
    is set and the browser is sent to ``next`` (a path on this server) or ``/``; otherwise
    the form again, with why."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/x-www-form-urlencoded":
        raise HTTPException(
            415, "Send the login form as application/x-www-form-urlencoded (as browsers do)."
        )
    fields = _form(await request.body())
    try:
        form = LoginForm.model_validate(fields)
    except ValidationError:
        return _page(
            safe_next(fields.get("next")),
            message="Enter your username and password.",
            username=fields.get("username", "")[:250],
            status=400,
        )
    if request.headers.get("origin") or request.headers.get("referer"):
        # A form another site posts would log the browser in as someone else's user.
        try:
            check_same_origin(request.method, request.headers)
        except NotAuthorizedError:
            return _page(
                safe_next(form.next),
                message="This login came from another site. Log in on this page instead.",
                username=form.username,
                status=403,
            )
    https = request.url.scheme == "https"
    cookies = session_cookies(request)
    return await run_in_threadpool(
        _session_login, state, cookies, form, client_address(request), https
    )


def _logged_out(request: Request) -> Response:
    response = RedirectResponse(LOGIN_PATH, status_code=303)
    SessionCookies.clear(response, https=request.url.scheme == "https")
    return response


_LOGOUT_RESPONSES: dict[int | str, dict[str, Any]] = {
    303: _redirect("The session cookie is cleared; the browser goes to the login form")
}


@router.post(
    "/auth/logout",
    status_code=303,
    response_class=Response,
    summary="Logout",
    responses=_LOGOUT_RESPONSES,
)
async def logout(request: Request) -> Response:
    """Clear the session cookie and go back to the login form."""
    return _logged_out(request)


@router.get(
    "/auth/logout",
    status_code=303,
    response_class=Response,
    summary="Logout Link",
    responses=_LOGOUT_RESPONSES,
)
async def logout_link(request: Request) -> Response:
    """``POST /auth/logout`` for a plain link."""
    return _logged_out(request)
