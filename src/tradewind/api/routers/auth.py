"""``POST /auth/token`` (public): a username and password for an access token.

The body is JSON ``{"username": …, "password": …}`` or the same fields form-encoded, as
Airflow's simple auth manager takes them. Failed logins are slowed down per username and
client address (``auth.throttle``): past the free failures, 429 with ``Retry-After``.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from tradewind.api.deps import ApiState, State, client_address, login
from tradewind.api.errors import error_responses
from tradewind.api.schemas.auth import LoginCreate, TokenRead
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


def _issue(state: ApiState, body: LoginCreate, address: str) -> TokenRead:
    with state.session_factory() as session:
        user = login(state, session, body.username, body.password, address)
        row = user_repo.get_user(session=session, user_id=user.id)
        assert row is not None
        user_repo.update_user_last_login(session=session, user_id=user.id, now=state.clock())
        session.commit()
        token = state.tokens.issue(
            user_id=user.id,
            username=user.username,
            role=user.role.value,
            token_version=row.token_version,
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
