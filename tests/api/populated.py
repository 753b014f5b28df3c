"""A deployment with something behind every route, for tests that walk the whole OpenAPI document.

The schemathesis fuzzing and the secrets scan call every operation the app has, including
routes added after they were written; :data:`REAL_PATH_VALUES` fills a path parameter with
an object that exists, by the parameter's name.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from tradewind.storage.repos import connections as connection_repo
from tradewind.storage.repos import variables as variable_repo

#: A connection's password and a sensitive variable's value: never in a response or a log.
CONNECTION_ID = "warehouse"
CONNECTION_PASSWORD = "s3cr3t-Conn-Pa55word-91"
VARIABLE_KEY = "db_password"
VARIABLE_VALUE = "s3cr3t-Var-Value-77"
PLAIN_VARIABLE_KEY = "greeting"

#: Path parameter name → a value naming an object the populated deployment has.
REAL_PATH_VALUES: dict[str, Any] = {
    "dag_id": "etl",
    "dag_run_id": "done",
    "run_id": "done",
    "task_id": "extract",
    "map_index": -1,
    "task_try_number": 1,
    "try_number": 1,
    "version_number": 1,
    "variable_key": PLAIN_VARIABLE_KEY,
    "connection_id": CONNECTION_ID,
    "pool_name": "default_pool",
    "xcom_key": "return_value",
}

#: A DAG that exists for DELETE routes to remove, so the objects above stay.
SCRATCH_DAG = """
with DAG("scratch", schedule=None, start_date=datetime(2024, 1, 1)) as dag:
    EmptyOperator(task_id="nothing")
"""
SCRATCH_PATH_VALUES: dict[str, Any] = {"dag_id": "scratch", "dag_run_id": "scratch_run"}


def store_secrets(sessions: sessionmaker[Session]) -> None:
    """The connection and the variables above, written through the storage layer."""
    with sessions.begin() as session:
        connection_repo.create_connection(
            session=session,
            conn_id=CONNECTION_ID,
            conn_type="postgres",
            host="db.example.com",
            login="loader",
            password=CONNECTION_PASSWORD,
            port=5432,
        )
        variable_repo.create_variable(session=session, key=VARIABLE_KEY, value=VARIABLE_VALUE)
        variable_repo.create_variable(session=session, key=PLAIN_VARIABLE_KEY, value="hello")


def operations(app: FastAPI) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(method, path, OpenAPI operation) of every operation the app documents."""
    for path, item in app.openapi()["paths"].items():
        for method, operation in item.items():
            if method in ("get", "put", "post", "patch", "delete"):
                yield method.upper(), path, operation


def path_parameters(operation: dict[str, Any]) -> list[str]:
    return [p["name"] for p in operation.get("parameters", []) if p.get("in") == "path"]


def fill_path(path: str, values: dict[str, Any]) -> str | None:
    """``path`` with its parameters filled from ``values``; None if one has no value."""
    names = [part[1:-1] for part in path.split("/") if part.startswith("{")]
    if any(name not in values for name in names):
        return None
    return path.format(**{name: values[name] for name in names})


def openapi_app_for_collection(home: Path) -> FastAPI:
    """The app, over no database: enough for its OpenAPI document at collection time."""
    from tests.api.conftest import settings_for

    from tradewind.api.app import create_app

    return create_app(settings_for(home), sessionmaker())
