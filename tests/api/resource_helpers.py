"""Shared by the tests of variables, connections and pools: one API per test module, the
role matrix, and Airflow's official Python client against a served API."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from tests.api.conftest import Api, make_api, settings_for, sqlite_deployment

from tradewind.server.api_process import serve_api_in_thread

#: Roles from the least to the most privileged.
RANKS = {"Viewer": 0, "User": 1, "Op": 2, "Admin": 3}


@contextmanager
def module_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """An API over a fresh SQLite database, for the tests of one module."""
    api = make_api(sqlite_deployment(tmp_path_factory.mktemp("resources")))
    with api.client:
        yield api
    api.deployment.engine.dispose()


@dataclass(frozen=True)
class Operation:
    """A request; ``{fresh}`` in the path or body is a new name, made before the request
    by ``prepare`` (when given) as an Admin."""

    method: str
    path: str
    body: Any
    status: int
    least_role: str
    prepare: tuple[str, str, Any] | None = None


def _filled(value: Any, fresh: str) -> Any:
    if isinstance(value, str):
        return value.replace("{fresh}", fresh)
    if isinstance(value, dict):
        return {key: _filled(item, fresh) for key, item in value.items()}
    if isinstance(value, list):
        return [_filled(item, fresh) for item in value]
    return value


def check_role(api: Api, operation: Operation, role: str) -> None:
    """The operation succeeds for ``role`` if it ranks high enough, else is a 403 naming it."""
    fresh = f"fresh_{uuid.uuid4().hex[:8]}"
    if operation.prepare is not None:
        method, path, body = operation.prepare
        api.ok(method, _filled(path, fresh), 201, json=_filled(body, fresh))
    kwargs = {} if operation.body is None else {"json": _filled(operation.body, fresh)}
    response = api.request(operation.method, _filled(operation.path, fresh), role=role, **kwargs)
    if RANKS[role] >= RANKS[operation.least_role]:
        assert response.status_code == operation.status, response.text
    else:
        assert response.status_code == 403, response.text
        assert f"role {role}" in response.json()["detail"]


@contextmanager
def airflow_client(api: Api, role: str = "admin") -> Iterator[tuple[Any, Any]]:
    """(``airflow_client.client``, an ``ApiClient``) talking to the API served over HTTP."""
    client_module = pytest.importorskip("airflow_client.client")
    stop = threading.Event()
    server = serve_api_in_thread(
        settings_for(api.deployment.home), api.deployment.sessions, "127.0.0.1", 0, stop
    )
    try:
        configuration = client_module.Configuration(host=server.url, access_token=api.tokens[role])
        with client_module.ApiClient(configuration) as client:
            yield client_module, client
    finally:
        stop.set()
        server.thread.join(10)
