"""A shorter way through the app for the busiest request: a page of a DAG's runs.

``GET /api/v2/dags/{dag_id}/dagRuns`` is what dashboards and scripts poll. Through FastAPI,
routing (a scan of every route), dependency resolution and the parsing of the query model
cost more CPU than reading the page and writing its JSON. This middleware answers such a
request itself when it carries a bearer token or HTTP Basic credentials the app checked
lately, with the pieces the route uses (the token check or the Basic cache, the login
throttle, ``DagRunQuery``, ``dag_run_page``), on the event loop's own connection. For one
DAG's runs the user is read in the page's own statement (``dag_run_page_for``): the whole
request is one statement.

It only ever answers with a page. Anything else (other credentials, Basic credentials not
checked yet, a query parameter it does not know, a value the model refuses, a bad token, an
unknown or forbidden DAG, a database error) goes on to the app unchanged, which answers as it
always does: errors, their messages and the OpenAPI document are the route's. A request
whose answer is an error has its reads done twice.
"""

from __future__ import annotations

import base64
import re
from typing import Any, get_origin
from urllib.parse import parse_qsl

from pydantic import ValidationError
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from tradewind.api.deps import ApiState, Credentials, active_user, remembered_credentials
from tradewind.api.lookups import ALL
from tradewind.api.routers.dag_runs import DagRunQuery, dag_run_page, dag_run_page_for
from tradewind.errors import TradewindError

_PATH = re.compile(r"/api/v2/dags/([^/]+)/dagRuns")
_FIELDS = frozenset(DagRunQuery.model_fields)
_LIST_FIELDS = frozenset(
    name for name, field in DagRunQuery.model_fields.items() if get_origin(field.annotation) is list
)


class RunsListFastLane:
    """ASGI middleware: serves a page of runs, passes every other request on."""

    def __init__(self, app: ASGIApp, state: ApiState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET" and not scope.get("root_path"):
            matched = _PATH.fullmatch(scope["path"])
            if matched is not None:
                response = self._page(scope, matched.group(1))
                if response is not None:
                    await response(scope, receive, send)
                    return
        await self.app(scope, receive, send)

    def _page(self, scope: Scope, dag_id: str) -> Response | None:
        credentials = _credentials(scope["headers"])
        query = _query(scope["query_string"])
        if credentials is None or query is None:
            return None
        state = self.state
        try:
            checked = self._credentials(scope, *credentials)
            if checked is None:
                return None
            with state.loop_db.session() as session:
                if dag_id != ALL:
                    return dag_run_page_for(state, session, checked, dag_id, query)
                user = active_user(session, checked)
                return None if user is None else dag_run_page(state, session, user, dag_id, query)
        except Exception:  # the app answers every error itself
            return None

    def _credentials(self, scope: Scope, scheme: str, value: str) -> Credentials | None:
        """What a bearer token, or Basic credentials the app checked lately, say of the
        caller (the user is read with the page)."""
        state = self.state
        if scheme == "bearer":
            claims = state.tokens.check(value)
            return Credentials(claims.user_id, claims.token_version)
        username, separator, password = base64.b64decode(value).decode("ascii").partition(":")
        if not separator:
            return None
        client = scope.get("client")
        state.throttle.check(username, client[0] if client else "unknown")
        return remembered_credentials(state, username, password)


def _credentials(headers: list[tuple[bytes, bytes]]) -> tuple[str, str] | None:
    """("bearer" or "basic", the rest) of the request's one ``Authorization`` header, if it
    has one of those (a session cookie alongside does not matter: the app prefers them too)."""
    values = [value for name, value in headers if name == b"authorization"]
    if len(values) != 1:
        return None
    scheme, _, value = values[0].decode("latin-1").partition(" ")
    scheme = scheme.lower()
    if scheme not in ("bearer", "basic") or not value:
        return None
    return scheme, value


def _query(query_string: bytes) -> DagRunQuery | None:
    """The query parameters as the route reads them, or None to leave them to the app."""
    values: dict[str, Any] = {}
    for name, value in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True):
        if name not in _FIELDS:
            return None
        if name in _LIST_FIELDS:
            values.setdefault(name, []).append(value)
        elif name in values:
            return None
        else:
            values[name] = value
    try:
        return DagRunQuery.model_validate(values)
    except (ValidationError, TradewindError):
        return None
