"""The API over an in-process deployment: ``api`` (SQLite) and ``sql_api`` (SQLite, PostgreSQL).

``Api`` wraps a ``TestClient`` of ``create_app`` over a ``tests.server.deployment.Deployment``
(DAG files the test writes, parsed in this process, a scheduler stepped in this thread) and
holds one user per role, whose bearer tokens ``api.get(..., role="Viewer")`` sends. The test
client raises any exception a request meets, so a 500 (a bug) fails the test that causes it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine
from tests.server.deployment import Deployment, parse_here
from tests.server.postgres_schema import empty_tables, migrated_postgres_schema

from tradewind.api.app import create_app
from tradewind.api.auth import passwords
from tradewind.api.auth.roles import Role
from tradewind.api.auth.throttle import LoginThrottle
from tradewind.api.deps import ApiState
from tradewind.config import ApiSettings, Settings
from tradewind.storage.engine import create_engine_from_url, session_factory
from tradewind.storage.migrate import migrate
from tradewind.storage.repos import users as user_repo

#: Cheap argon2 parameters for tests: production's cost 0.1 s per check on purpose.
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
#: Every test user's password, hashed once.
PASSWORD = "correct horse battery staple"
PASSWORD_HASH = FAST_HASHER.hash(PASSWORD)
SECRET_KEY = "k" * 48

#: A DAG of two tasks, with params, tags and a conf-reading task.
ETL = """
from tradewind import Param

with DAG(
    "etl",
    schedule=None,
    start_date=datetime(2024, 1, 1),
    tags=["finance", "daily"],
    params={"size": Param(3, type="integer", minimum=1)},
    description="Extract and load",
) as dag:
    a = PythonOperator(task_id="extract", python_callable=work("extract"))
    b = PythonOperator(task_id="load", python_callable=work("load"))
    a >> b
"""

OTHER = """
with DAG("other", schedule="@daily", start_date=datetime(2024, 1, 1), tags=["ml"]) as dag:
    EmptyOperator(task_id="only")
"""


@dataclass
class Api:
    """A test client with one user per role (``usernames[role]``), and the deployment."""

    deployment: Deployment
    app: FastAPI
    client: TestClient
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def state(self) -> ApiState:
        state: ApiState = self.app.state.tradewind
        return state

    def add_user(self, username: str, role: Role | str) -> None:
        with self.deployment.sessions.begin() as session:
            row = user_repo.create_user(
                session=session,
                username=username,
                password_hash=PASSWORD_HASH,
                role=str(role),
                now=datetime.now(UTC),
            )
            self.tokens[username] = self.state.tokens.issue(
                user_id=row.id, username=username, role=str(role), token_version=0
            )

    def headers(self, role: str | None) -> dict[str, str]:
        if role is None:
            return {}
        return {"Authorization": f"Bearer {self.tokens[role.lower()]}"}

    def request(
        self, method: str, path: str, *, role: str | None = "Admin", **kwargs: Any
    ) -> Response:
        headers = {**self.headers(role), **kwargs.pop("headers", {})}
        return self.client.request(method, path, headers=headers, **kwargs)

    def get(self, path: str, **kwargs: Any) -> Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Response:
        return self.request("POST", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> Response:
        return self.request("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Response:
        return self.request("DELETE", path, **kwargs)

    def ok(self, method: str, path: str, status: int = 200, **kwargs: Any) -> Any:
        """The JSON body of a request that must answer ``status``."""
        response = self.request(method, path, **kwargs)
        assert response.status_code == status, response.text
        return response.json() if response.content else None

    # -- the deployment ------------------------------------------------------------------

    def dags(self, *bodies: str) -> None:
        """Write DAG files (ETL, OTHER, …), parse them, and unpause every DAG."""
        for number, body in enumerate(bodies):
            self.deployment.write_dag(f"dag_{number}.py", body)
        report = self.deployment.parse()
        self.deployment.unpause(*report.dag_ids)

    def run(self, dag_id: str = "etl", **body: Any) -> dict[str, Any]:
        """Trigger through the API and run to the end; the run as the API shows it after."""
        run = self.ok("POST", f"/api/v2/dags/{dag_id}/dagRuns", json={"logical_date": None, **body})
        self.deployment.run_until_finished(dag_id, run["dag_run_id"])
        result: dict[str, Any] = self.ok(
            "GET", f"/api/v2/dags/{dag_id}/dagRuns/{run['dag_run_id']}"
        )
        return result


def settings_for(home: Path, **api: Any) -> Settings:
    return Settings(home=home, api=ApiSettings(**{"secret_key": SECRET_KEY, **api}))


def make_api(
    deployment: Deployment,
    *,
    throttle: LoginThrottle | None = None,
    with_users: bool = True,
    **api_settings: Any,
) -> Api:
    app = create_app(
        settings_for(deployment.home, **api_settings), deployment.sessions, throttle=throttle
    )
    api = Api(deployment, app, TestClient(app))
    if with_users:
        for role in Role:
            api.add_user(role.value.lower(), role)
    return api


@pytest.fixture(autouse=True)
def _parse_in_this_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tradewind.server.dag_processor.parse_dag_files", parse_here)


@pytest.fixture(autouse=True)
def _fast_password_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(passwords, "_HASHER", FAST_HASHER)
    dummy = FAST_HASHER.hash("no such user")
    monkeypatch.setattr(passwords, "_dummy_hash", lambda: dummy)


def sqlite_deployment(home: Path) -> Deployment:
    engine = create_engine_from_url(f"sqlite:///{home / 'tradewind.db'}")
    migrate(engine)
    return Deployment(engine, session_factory(engine), home)


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    """The API over a fresh SQLite deployment, with users Admin, Op, User and Viewer."""
    deployment = sqlite_deployment(tmp_path)
    api = make_api(deployment)
    with api.client:
        yield api
    deployment.engine.dispose()


@pytest.fixture(scope="session")
def api_postgres_engine() -> Iterator[Engine]:
    """A migrated PostgreSQL schema of its own for this test session."""
    with migrated_postgres_schema("tw_api") as engine:
        yield engine


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def sql_api(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Api]:
    """The API on SQLite, then on PostgreSQL."""
    if request.param == "sqlite":
        deployment = sqlite_deployment(tmp_path)
    else:
        engine = request.getfixturevalue("api_postgres_engine")
        empty_tables(engine)
        deployment = Deployment(engine, session_factory(engine), tmp_path)
    api = make_api(deployment)
    with api.client:
        yield api
    if request.param == "sqlite":
        deployment.engine.dispose()


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def module_sql_api(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Api]:
    """One API per module and backend, with ETL parsed: for tests that only need it to exist."""
    home = tmp_path_factory.mktemp("api")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("tradewind.server.dag_processor.parse_dag_files", parse_here)
        if request.param == "sqlite":
            deployment = sqlite_deployment(home)
        else:
            engine = request.getfixturevalue("api_postgres_engine")
            empty_tables(engine)
            deployment = Deployment(engine, session_factory(engine), home)
        api = make_api(deployment)
        api.dags(ETL)
        with api.client:
            yield api
    if request.param == "sqlite":
        deployment.engine.dispose()


@pytest.fixture(scope="module")
def module_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """One SQLite API per module with ETL, its finished run ``done`` and queued run ``waiting``.

    For tests of requests that are refused, which change nothing.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("tradewind.server.dag_processor.parse_dag_files", parse_here)
        api = make_api(sqlite_deployment(tmp_path_factory.mktemp("api")))
        api.dags(ETL)
        api.run("etl", dag_run_id="done")
        api.ok(
            "POST", "/api/v2/dags/etl/dagRuns", json={"logical_date": None, "dag_run_id": "waiting"}
        )
        with api.client:
            yield api
    api.deployment.engine.dispose()
