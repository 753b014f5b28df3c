"""Every error a request can meet, mapped to an HTTP status in one place.

Bodies are ``{"detail": ..., "title": ...}``: ``detail`` is the message (for validation
errors, Airflow's list of ``{"loc", "msg", "type"}`` naming each bad field) and ``title``
the status's name (for validation errors, one line naming the fields). Tradewind's own
errors map by class (:data:`STATUS_BY_ERROR`, most specific first); anything else a request
triggers is a bug, answered with 500 and logged with its traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from tradewind.api.auth.errors import (
    InvalidUserError,
    NotAuthenticatedError,
    NotAuthorizedError,
    TooManyLoginFailuresError,
    UserExistsError,
    UserNotFoundError,
)
from tradewind.errors import (
    ConnectionNotFoundError,
    DagDefinitionError,
    DagFileError,
    DagRunAlreadyExistsError,
    InvalidTransitionError,
    ParamValidationError,
    TaskNotFoundError,
    TradewindError,
    VariableNotFoundError,
    XComNotFoundError,
)
from tradewind.server.run_operations import DagRunNotFoundError

log = logging.getLogger(__name__)

#: (error class, status), most specific first; the first class the error is an instance of wins.
STATUS_BY_ERROR: Sequence[tuple[type[TradewindError], int]] = (
    (NotAuthenticatedError, 401),
    (NotAuthorizedError, 403),
    (TooManyLoginFailuresError, 429),
    (UserExistsError, 409),
    (UserNotFoundError, 404),
    (InvalidUserError, 400),
    (DagRunAlreadyExistsError, 409),
    (InvalidTransitionError, 409),
    (DagRunNotFoundError, 404),
    (TaskNotFoundError, 404),
    (XComNotFoundError, 404),
    (VariableNotFoundError, 404),
    (ConnectionNotFoundError, 404),
    (DagFileError, 404),  # DagNotFoundError: a dag_id no file defines
    (ParamValidationError, 400),
    (DagDefinitionError, 400),
    (TradewindError, 400),
)


def status_of(error: TradewindError) -> int:
    for error_class, status in STATUS_BY_ERROR:
        if isinstance(error, error_class):
            return status
    return 400


def error_body(status: int, detail: Any, title: str | None = None) -> dict[str, Any]:
    return {"detail": detail, "title": title or HTTPStatus(status).phrase}


def _response(
    status: int, detail: Any, title: str | None = None, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(error_body(status, detail, title), status_code=status, headers=headers)


def _headers(error: TradewindError) -> dict[str, str] | None:
    if isinstance(error, NotAuthenticatedError):
        return {"WWW-Authenticate": "Bearer"}
    if isinstance(error, TooManyLoginFailuresError):
        return {"Retry-After": str(error.retry_after)}
    return None


async def _tradewind_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, TradewindError)
    return _response(status_of(error), str(error), headers=_headers(error))


def _field(loc: Sequence[Any]) -> str:
    return ".".join(str(part) for part in loc)


async def _validation_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    details = []
    for item in error.errors():
        # The input is not echoed back: it may be a password.
        details.append({key: value for key, value in item.items() if key not in ("input", "url")})
    summary = "; ".join(f"{_field(item['loc'])}: {item['msg']}" for item in details)
    return _response(422, jsonable_encoder(details), f"Invalid request: {summary}")


async def _http_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StarletteHTTPException)
    return _response(error.status_code, error.detail, headers=error.headers)


def _reason(error: Exception) -> str:
    text = str(getattr(error, "orig", None) or error).strip()
    return text.splitlines()[0] if text else type(error).__name__


async def _data_error(request: Request, error: Exception) -> JSONResponse:
    return _response(400, f"The database refused a value of the request: {_reason(error)}")


async def _integrity_error(request: Request, error: Exception) -> JSONResponse:
    return _response(
        409, f"The request conflicts with the current state of the database: {_reason(error)}"
    )


async def _operational_error(request: Request, error: Exception) -> JSONResponse:
    log.warning("Database unavailable for %s %s: %s", request.method, request.url.path, error)
    return _response(
        503,
        "The metadata database is unavailable or busy; try again shortly.",
        headers={"Retry-After": "5"},
    )


async def _bug(request: Request, error: Exception) -> JSONResponse:
    log.error("Internal error in %s %s", request.method, request.url.path, exc_info=error)
    return _response(500, "Internal server error; the API server's log has the details.")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(TradewindError, _tradewind_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(DataError, _data_error)
    app.add_exception_handler(IntegrityError, _integrity_error)
    app.add_exception_handler(OperationalError, _operational_error)
    app.add_exception_handler(Exception, _bug)
