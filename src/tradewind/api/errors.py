"""Every error a request can meet, mapped to an HTTP status in one place, and documented.

Bodies are ``{"detail": ..., "title": ...}``: ``detail`` is the message (for validation
errors, Airflow's list of ``{"loc", "msg", "type"}`` naming each bad field) and ``title``
the status's name (for validation errors, one line naming the fields). Tradewind's own
errors map by class (:data:`STATUS_BY_ERROR`, most specific first); anything else a request
triggers is a bug, answered with 500 and logged with its traceback.

The OpenAPI document lists the errors each operation may answer: a route declares its own
with ``responses=error_responses(404, 409)``; :func:`install_error_handlers` adds those every
authenticated operation shares (401, 403, 429, 503) and those of any input (400, 422).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.constants import REF_TEMPLATE
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException

from tradewind.api.auth.errors import (
    InvalidUserError,
    NotAuthenticatedError,
    NotAuthorizedError,
    TooManyLoginFailuresError,
    UserExistsError,
    UserNotFoundError,
)
from tradewind.api.schemas.common import ErrorRead, ValidationErrorRead
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


async def _pool_exhausted(request: Request, error: Exception) -> JSONResponse:
    log.warning("No database connection for %s %s: %s", request.method, request.url.path, error)
    return _response(
        503,
        "Every database connection of this API server is in use; try again shortly (a server "
        "this busy needs a larger [database] pool_size or max_overflow).",
        headers={"Retry-After": "5"},
    )


async def _bug(request: Request, error: Exception) -> JSONResponse:
    log.error("Internal error in %s %s", request.method, request.url.path, exc_info=error)
    return _response(500, "Internal server error; the API server's log has the details.")


# -- the OpenAPI document ------------------------------------------------------------------------

#: Why an operation may answer each error status, as its OpenAPI description says.
ERROR_DESCRIPTIONS: Mapping[int, str] = {
    400: "Bad request: a value the server cannot use; the detail names it",
    401: "Not authenticated: no credentials, or credentials that are not valid",
    403: "Forbidden: the user's role (or the DAG's access_control) does not allow this",
    404: "Not found: what the path names does not exist",
    406: "Not acceptable: the Accept header asks for a format this route cannot give",
    409: "Conflict: the request clashes with the current state (a taken id, a running task)",
    415: "Unsupported media type: send the body in a format this route takes",
    422: "Validation error: each bad field of the request, by location",
    429: "Too many failed logins: wait Retry-After seconds",
    503: "The metadata database is unavailable or busy: retry after Retry-After seconds",
}

#: Errors every authenticated operation may answer (the authentication and the database).
_AUTHENTICATED_ERRORS = (401, 403, 429, 503)
#: Errors every operation that takes input may answer.
_INPUT_ERRORS = (400, 422)


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The ``responses=`` of a route that may answer ``statuses`` (e.g. 404, 409)."""
    return {
        status: {
            "model": ValidationErrorRead if status == 422 else ErrorRead,
            "description": ERROR_DESCRIPTIONS.get(status, HTTPStatus(status).phrase),
        }
        for status in statuses
    }


def invalid_field(loc: Sequence[str | int], message: str, kind: str = "value_error") -> Exception:
    """A 422 naming one bad field, in the shape of the framework's validation errors."""
    return RequestValidationError([{"loc": tuple(loc), "msg": message, "type": kind}])


def _error_response(status: int) -> dict[str, Any]:
    model = ValidationErrorRead if status == 422 else ErrorRead
    return {
        "description": ERROR_DESCRIPTIONS[status],
        "content": {
            "application/json": {"schema": {"$ref": REF_TEMPLATE.format(model=model.__name__)}}
        },
    }


def _document_errors(document: dict[str, Any]) -> None:
    """Add the shared error responses to every operation of an OpenAPI ``document``."""
    for path_item in document.get("paths", {}).values():
        for operation in path_item.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses: dict[str, Any] = operation["responses"]
            shared: list[int] = []
            if operation.get("security"):
                shared += _AUTHENTICATED_ERRORS
            if operation.get("parameters") or operation.get("requestBody"):
                shared += _INPUT_ERRORS
            for status in shared:
                responses.setdefault(str(status), _error_response(status))
            # The framework's own 422 body has no title; Tradewind's has.
            if "422" in responses:
                responses["422"] = _error_response(422)
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for model in (ErrorRead, ValidationErrorRead):
        definition = model.model_json_schema(ref_template=REF_TEMPLATE)
        for name, nested in definition.pop("$defs", {}).items():
            schemas.setdefault(name, nested)
        schemas.setdefault(model.__name__, definition)
    for name in ("HTTPValidationError", "ValidationError"):
        # The framework's 422 schemas, now unused unless a route names them itself.
        if name in schemas and REF_TEMPLATE.format(model=name) not in json.dumps(document):
            del schemas[name]


def _install_error_documentation(app: FastAPI) -> None:
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            _document_errors(generate())
        assert app.openapi_schema is not None
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def install_error_handlers(app: FastAPI) -> None:
    """The handlers mapping errors to responses, and the error responses in the OpenAPI."""
    _install_error_documentation(app)
    app.add_exception_handler(TradewindError, _tradewind_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(DataError, _data_error)
    app.add_exception_handler(IntegrityError, _integrity_error)
    app.add_exception_handler(OperationalError, _operational_error)
    app.add_exception_handler(PoolTimeoutError, _pool_exhausted)
    app.add_exception_handler(Exception, _bug)
