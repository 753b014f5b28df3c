"""The runs list's fast lane answers exactly as the route does, and leaves the rest to it."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from starlette.types import Receive, Scope, Send
from tests.api.conftest import ETL, OTHER, PASSWORD, Api, settings_for

from tradewind.api.app import create_app
from tradewind.api.auth import users
from tradewind.api.fast_lane import RunsListFastLane

RESTRICTED = """
with DAG("restricted", schedule=None, start_date=datetime(2024, 1, 1),
         access_control={"Op": {"can_read"}}) as dag:
    EmptyOperator(task_id="only")
"""

RUNS = "/api/v2/dags/etl/dagRuns"

#: (path, query, role or None for no credentials): pages, and every kind of request the
#: lane must leave to the app.
CASES: list[tuple[str, str, str | None]] = [
    (RUNS, "", "Admin"),
    (RUNS, "limit=1&offset=1&order_by=-id", "Admin"),
    (RUNS, "state=success&state=failed&run_type=manual", "Viewer"),
    (RUNS, "run_id_pattern=manual&logical_date_gte=2020-01-01T00:00:00Z", "Admin"),
    (RUNS, "order_by=run_after&order_by=-id&limit=2", "User"),
    ("/api/v2/dags/~/dagRuns", "", "Admin"),
    ("/api/v2/dags/~/dagRuns", "", "User"),
    (RUNS, "limit=-1", "Admin"),
    (RUNS, "limit=lots", "Admin"),
    (RUNS, "limit=1&limit=2", "Admin"),
    (RUNS, "state=bogus", "Admin"),
    (RUNS, "order_by=nope", "Admin"),
    (RUNS, "logical_date_gte=yesterday", "Admin"),
    (RUNS, "unknown=1", "Admin"),
    ("/api/v2/dags/missing/dagRuns", "", "Admin"),
    ("/api/v2/dags/restricted/dagRuns", "", "User"),
    ("/api/v2/dags/restricted/dagRuns", "", "Op"),
    (RUNS, "", None),
]


@pytest.fixture
def plain(sql_api: Api) -> Iterator[TestClient]:
    """A client of the same deployment's app without the fast lane."""
    app = create_app(settings_for(sql_api.deployment.home), sql_api.deployment.sessions)
    app.user_middleware = [m for m in app.user_middleware if m.cls is not RunsListFastLane]
    with TestClient(app) as client:
        yield client


@pytest.fixture
def listed(sql_api: Api) -> Api:
    sql_api.dags(ETL, OTHER, RESTRICTED)
    for dag_id in ("etl", "etl", "other", "restricted"):
        sql_api.run(dag_id, conf={"n": 1})
    return sql_api


@pytest.mark.parametrize(("path", "query", "role"), CASES)
def test_every_request_gets_the_answer_the_route_gives(
    listed: Api, plain: TestClient, path: str, query: str, role: str | None
) -> None:
    headers = listed.headers(role)
    fast = listed.client.get(f"{path}?{query}", headers=headers)
    slow = plain.get(f"{path}?{query}", headers=headers)
    assert (fast.status_code, fast.content) == (slow.status_code, slow.content)


def _basic(credentials: str) -> str:
    return "Basic " + base64.b64encode(credentials.encode()).decode()


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer not-a-token",
        "Bearer",
        "Token abc",
        _basic(f"admin:{PASSWORD}"),
        _basic("admin:wrong"),
        _basic("no-colon"),
        "Basic !!!",
    ],
)
def test_other_credentials_get_the_answer_the_route_gives(
    listed: Api, plain: TestClient, authorization: str
) -> None:
    headers = {"Authorization": authorization}
    for _ in range(2):  # the second time, right Basic credentials are remembered
        fast = listed.client.get(RUNS, headers=headers)
        slow = plain.get(RUNS, headers=headers)
        assert (fast.status_code, fast.content) == (slow.status_code, slow.content)


def _lane(listed: Api) -> tuple[TestClient, list[str]]:
    """The lane alone, before an app that answers 418 and notes what it was passed."""
    passed: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        passed.append(f"{scope['path']}?{scope['query_string'].decode()}")
        await send({"type": "http.response.start", "status": 418, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    return TestClient(RunsListFastLane(app, listed.state)), passed


def test_the_lane_serves_pages_alone_and_passes_the_rest_on(listed: Api) -> None:
    lane, passed = _lane(listed)
    admin = listed.headers("Admin")
    page = lane.get(RUNS, params={"limit": 1}, headers=admin)
    assert page.status_code == 200
    assert page.json()["total_entries"] == 2
    assert len(page.json()["dag_runs"]) == 1
    assert lane.get("/api/v2/dags/~/dagRuns", headers=listed.headers("Viewer")).status_code == 200
    assert passed == []

    # Basic credentials are the lane's once the app has checked them.
    basic = {"Authorization": _basic(f"admin:{PASSWORD}")}
    assert lane.get(RUNS, headers=basic).status_code == 418
    assert listed.client.get(RUNS, headers=basic).status_code == 200
    assert lane.get(RUNS, headers=basic).status_code == 200
    assert len(passed) == 1
    passed.clear()

    for path, query, role in [
        (RUNS, "limit=lots", "Admin"),  # the model refuses it: the app's 422
        (RUNS, "unknown=1", "Admin"),
        ("/api/v2/dags/missing/dagRuns", "", "Admin"),  # the app's 404
        ("/api/v2/dags/restricted/dagRuns", "", "User"),
        (RUNS, "", None),
        ("/api/v2/dags/etl", "", "Admin"),  # another route
    ]:
        assert lane.get(f"{path}?{query}", headers=listed.headers(role)).status_code == 418
    assert len(passed) == 6


def test_a_user_changed_since_the_credentials_were_checked_is_left_to_the_app(
    listed: Api,
) -> None:
    lane, passed = _lane(listed)
    user, op = listed.headers("User"), listed.headers("Op")
    basic = {"Authorization": _basic(f"admin:{PASSWORD}")}
    assert listed.client.get(RUNS, headers=basic).status_code == 200  # remembered
    restricted = "/api/v2/dags/restricted/dagRuns"
    for path, headers in ((RUNS, user), (restricted, op), (RUNS, basic)):
        assert lane.get(path, headers=headers).status_code == 200
    assert passed == []

    with listed.deployment.sessions.begin() as session:
        users.reset_password(session, "user", "another long password")
        users.delete_user(session, "op")
        users.reset_password(session, "admin", "yet another long password")
    for path, headers in ((RUNS, user), (restricted, op), (RUNS, basic)):
        assert lane.get(path, headers=headers).status_code == 418
    assert len(passed) == 3
    # The app refuses them.
    for path, headers in ((RUNS, user), (restricted, op), (RUNS, basic)):
        assert listed.client.get(path, headers=headers).status_code == 401
