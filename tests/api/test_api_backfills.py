"""``/api/v2/backfills``: create, preview, list, read, pause, unpause and cancel backfills, whose
runs the scheduler starts as earlier ones finish."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from tests.api.conftest import ETL, Api, make_api, settings_for, sqlite_deployment

from tradewind.contracts.runs import DagRunType
from tradewind.server.api_process import serve_api_in_thread
from tradewind.storage.rows import DagRunRow

# Starts in 2100, so the scheduler makes no runs of its own while tests backfill 2024.
DAILY = """
with DAG("daily", schedule="@daily", start_date=datetime(2100, 1, 1), max_active_runs=8) as dag:
    PythonOperator(task_id="t", python_callable=work("t"))
"""

GUARDED = """
with DAG(
    "guarded",
    schedule="@daily",
    start_date=datetime(2100, 1, 1),
    access_control={"User": {"can_read"}},
) as dag:
    EmptyOperator(task_id="t")
"""

JAN = {"from_date": "2024-01-01T00:00:00Z", "to_date": "2024-01-04T00:00:00Z"}


def _runs(api: Api) -> dict[str, str]:
    """run_id → state of the daily DAG's backfill runs, by logical date."""
    with api.deployment.sessions() as session:
        rows = session.scalars(
            select(DagRunRow)
            .where(DagRunRow.dag_id == "daily", DagRunRow.run_type == DagRunType.BACKFILL)
            .order_by(DagRunRow.logical_date)
        )
        return {row.run_id: str(row.state) for row in rows}


def _step_until(api: Api, what: str, check: Any, timeout: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (found := check()):
        assert time.monotonic() < deadline, f"still not {what}"
        if api.deployment.scheduler.step() == 0:
            time.sleep(0.005)
    return found


def _backfill(api: Api, role: str = "User", **body: Any) -> dict[str, Any]:
    result: dict[str, Any] = api.ok(
        "POST", "/api/v2/backfills", role=role, json={"dag_id": "daily", **JAN, **body}
    )
    return result


@pytest.fixture
def daily(api: Api) -> Api:
    api.dags(DAILY, ETL)
    return api


def test_a_backfill_runs_every_date_at_most_max_active_runs_at_once(sql_api: Api) -> None:
    sql_api.dags(DAILY)
    created = _backfill(sql_api, max_active_runs=2, dag_run_conf={"from": "api"})
    assert (created["dag_id"], created["dag_display_name"], created["is_paused"]) == (
        "daily",
        "daily",
        False,
    )
    assert (created["max_active_runs"], created["reprocess_behavior"]) == (2, "none")
    assert (created["from_date"], created["to_date"]) == (JAN["from_date"], JAN["to_date"])
    assert created["dag_run_conf"] == {"from": "api"} and created["completed_at"] is None
    # The first two runs exist at once; the scheduler starts the others as they finish.
    assert list(_runs(sql_api).values()) == ["queued", "queued"]
    seen_active: set[int] = set()

    def completed() -> Any:
        states = _runs(sql_api).values()
        seen_active.add(sum(1 for s in states if s in ("queued", "running")))
        body = sql_api.ok("GET", f"/api/v2/backfills/{created['id']}")
        return body if body["completed_at"] else None

    done = _step_until(sql_api, "completed", completed)
    assert list(_runs(sql_api).values()) == ["success"] * 4
    assert max(seen_active) <= 2
    assert done["updated_at"] >= created["updated_at"]
    with sql_api.deployment.sessions() as session:
        run = session.scalars(select(DagRunRow).where(DagRunRow.dag_id == "daily")).first()
        assert run is not None and run.conf == {"from": "api"}


def test_a_dry_run_lists_the_dates_and_changes_nothing(daily: Api) -> None:
    body = daily.ok(
        "POST",
        "/api/v2/backfills/dry_run",
        role="User",
        json={"dag_id": "daily", **JAN, "run_backwards": True},
    )
    assert body["total_entries"] == 4
    assert [item["logical_date"][:10] for item in body["backfills"]] == [
        "2024-01-04",
        "2024-01-03",
        "2024-01-02",
        "2024-01-01",
    ]
    assert _runs(daily) == {}
    assert daily.ok("GET", "/api/v2/backfills", params={"dag_id": "daily"})["total_entries"] == 0


def test_dates_with_runs_follow_the_reprocess_behavior(daily: Api) -> None:
    first = _backfill(daily, to_date="2024-01-02T00:00:00Z")
    _step_until(
        daily,
        "completed",
        lambda: daily.ok("GET", f"/api/v2/backfills/{first['id']}")["completed_at"],
    )

    def dates(**body: Any) -> list[str]:
        result = daily.ok(
            "POST", "/api/v2/backfills/dry_run", json={"dag_id": "daily", **JAN, **body}
        )
        return [item["logical_date"][:10] for item in result["backfills"]]

    assert dates() == ["2024-01-03", "2024-01-04"]
    assert dates(reprocess_behavior="failed") == ["2024-01-03", "2024-01-04"]
    assert dates(reprocess_behavior="completed") == [
        "2024-01-01",
        "2024-01-02",
        "2024-01-03",
        "2024-01-04",
    ]


def test_a_paused_backfill_starts_no_new_runs_until_unpaused(daily: Api) -> None:
    created = _backfill(daily, max_active_runs=1)
    paused = daily.ok("PUT", f"/api/v2/backfills/{created['id']}/pause", role="User")
    assert paused["is_paused"] is True
    _step_until(daily, "the first run finished", lambda: list(_runs(daily).values()) == ["success"])
    for _ in range(5):
        daily.deployment.scheduler.step()
    assert list(_runs(daily).values()) == ["success"]
    assert daily.ok("PUT", f"/api/v2/backfills/{created['id']}/unpause")["is_paused"] is False
    _step_until(daily, "every run", lambda: list(_runs(daily).values()) == ["success"] * 4)


def test_cancelling_fails_the_queued_runs_and_completes_the_backfill(daily: Api) -> None:
    created = _backfill(daily, max_active_runs=2)
    cancelled = daily.ok("PUT", f"/api/v2/backfills/{created['id']}/cancel", role="User")
    assert cancelled["completed_at"] is not None and cancelled["is_paused"] is True
    assert list(_runs(daily).values()) == ["failed", "failed"]
    for _ in range(5):
        daily.deployment.scheduler.step()
    assert len(_runs(daily)) == 2
    for action in ("pause", "unpause", "cancel"):
        refused = daily.request("PUT", f"/api/v2/backfills/{created['id']}/{action}")
        assert refused.status_code == 409
        assert "has completed" in refused.json()["detail"]


def test_a_dag_has_one_unfinished_backfill_at_a_time(daily: Api) -> None:
    first = _backfill(daily)
    second = daily.post("/api/v2/backfills", json={"dag_id": "daily", **JAN})
    assert second.status_code == 409
    assert f"/api/v2/backfills/{first['id']}/cancel" in second.json()["detail"]
    daily.ok("PUT", f"/api/v2/backfills/{first['id']}/cancel")
    assert _backfill(daily, reprocess_behavior="completed")["id"] != first["id"]


def test_backfills_are_listed_per_dag(daily: Api) -> None:
    first = _backfill(daily)
    daily.ok("PUT", f"/api/v2/backfills/{first['id']}/cancel")
    second = _backfill(daily, reprocess_behavior="failed")
    body = daily.ok(
        "GET", "/api/v2/backfills", role="Viewer", params={"dag_id": "daily", "order_by": "-id"}
    )
    assert [item["id"] for item in body["backfills"]] == [second["id"], first["id"]]
    assert body["total_entries"] == 2
    page = daily.ok("GET", "/api/v2/backfills", params={"dag_id": "daily", "limit": 1, "offset": 1})
    assert [item["id"] for item in page["backfills"]] == [second["id"]]
    page = daily.ok(
        "GET", "/api/v2/backfills", params={"dag_id": "daily", "order_by": "-id", "offset": 1}
    )
    assert [item["id"] for item in page["backfills"]] == [first["id"]]
    assert daily.ok("GET", "/api/v2/backfills", params={"dag_id": "etl"})["backfills"] == []
    assert daily.get("/api/v2/backfills").status_code == 422
    assert daily.get("/api/v2/backfills", params={"dag_id": "nope"}).status_code == 404
    assert daily.get("/api/v2/backfills/424242").status_code == 404


@pytest.mark.parametrize(
    ("body", "status", "says"),
    [
        ({"dag_id": "etl"}, 400, "no time-based schedule"),
        ({"dag_id": "nope"}, 404, "'nope' was not found"),
        ({"to_date": "2023-12-01T00:00:00Z"}, 400, "before it starts"),
        ({"from_date": "2024-01-01T00:00:00"}, 422, "from_date"),
        ({"max_active_runs": 0}, 422, "max_active_runs"),
        ({"reprocess_behavior": "all"}, 422, "reprocess_behavior"),
        ({"run_on_latest_version": False}, 400, "run_on_latest_version"),
        ({"dag_run_conf": "x"}, 422, "dag_run_conf"),
        ({"unknown": 1}, 422, "unknown"),
    ],
)
def test_bad_backfills_are_refused_naming_the_problem(
    daily: Api, body: dict[str, Any], status: int, says: str
) -> None:
    for path in ("/api/v2/backfills", "/api/v2/backfills/dry_run"):
        response = daily.post(path, json={"dag_id": "daily", **JAN, **body})
        assert response.status_code == status, response.text
        assert says in response.text
    assert _runs(daily) == {}


def test_a_paused_dag_is_not_backfilled(daily: Api) -> None:
    daily.ok("PATCH", "/api/v2/dags/daily", json={"is_paused": True})
    refused = daily.post("/api/v2/backfills", json={"dag_id": "daily", **JAN})
    assert refused.status_code == 400
    assert "unpause it first" in refused.json()["detail"]


@pytest.mark.parametrize("role", ["Viewer", "User", "Op", "Admin"])
def test_the_backfill_role_matrix(daily: Api, role: str) -> None:
    allowed = role != "Viewer"
    response = daily.post("/api/v2/backfills", role=role, json={"dag_id": "daily", **JAN})
    assert response.status_code == (200 if allowed else 403), response.text
    dry = daily.post("/api/v2/backfills/dry_run", role=role, json={"dag_id": "daily", **JAN})
    assert dry.status_code == (200 if allowed else 403)
    created = response.json() if allowed else _backfill(daily, role="Admin")
    for action in ("pause", "unpause", "cancel"):
        changed = daily.request("PUT", f"/api/v2/backfills/{created['id']}/{action}", role=role)
        assert changed.status_code == (200 if allowed else 403), changed.text
    assert daily.get(f"/api/v2/backfills/{created['id']}", role=role).status_code == 200
    listed = daily.get("/api/v2/backfills", role=role, params={"dag_id": "daily"})
    assert listed.status_code == 200
    assert daily.get("/api/v2/backfills", role=None, params={"dag_id": "daily"}).status_code == 401


def test_a_dags_access_control_applies_to_its_backfills(api: Api) -> None:
    api.dags(GUARDED)
    refused = api.post("/api/v2/backfills", role="User", json={"dag_id": "guarded", **JAN})
    assert refused.status_code == 403
    assert "access_control" in refused.json()["detail"]
    created = api.ok("POST", "/api/v2/backfills", json={"dag_id": "guarded", **JAN})
    assert api.get(f"/api/v2/backfills/{created['id']}", role="User").status_code == 200
    assert (
        api.request("PUT", f"/api/v2/backfills/{created['id']}/pause", role="User").status_code
        == 403
    )


# -- Airflow's Python client ---------------------------------------------------------------------


@pytest.fixture
def served_daily(tmp_path: Path) -> Iterator[tuple[Api, str]]:
    api = make_api(sqlite_deployment(tmp_path))
    api.dags(DAILY)
    stop = threading.Event()
    server = serve_api_in_thread(
        settings_for(tmp_path), api.deployment.sessions, "127.0.0.1", 0, stop
    )
    try:
        yield api, server.url
    finally:
        stop.set()
        server.thread.join(10)
        api.deployment.engine.dispose()


def test_airflows_python_client_manages_backfills(served_daily: tuple[Api, str]) -> None:
    client = pytest.importorskip("airflow_client.client")
    api, url = served_daily
    configuration = client.Configuration(host=url, access_token=api.tokens["user"])
    start, end = datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 1, 3, tzinfo=UTC)
    with client.ApiClient(configuration) as api_client:
        backfills = client.BackfillApi(api_client)
        body = client.BackfillPostBody(
            dag_id="daily", from_date=start, to_date=end, max_active_runs=1
        )
        dry = backfills.create_backfill_dry_run(body)
        assert [item.logical_date for item in dry.backfills] == [
            datetime(2024, 1, day, tzinfo=UTC) for day in (1, 2, 3)
        ]
        created = backfills.create_backfill(body)
        assert (created.dag_id, created.max_active_runs, created.is_paused) == ("daily", 1, False)
        assert backfills.pause_backfill(created.id).is_paused is True
        assert backfills.unpause_backfill(created.id).is_paused is False
        listed = backfills.list_backfills("daily")
        assert [item.id for item in listed.backfills] == [created.id]
        cancelled = backfills.cancel_backfill(created.id)
        assert cancelled.completed_at is not None
        assert backfills.get_backfill(created.id).completed_at == cancelled.completed_at


PAST_BOUND = """
with DAG("bound", schedule="@daily", start_date=datetime(2100, 1, 1)) as dag:
    EmptyOperator(task_id="t", depends_on_past=True)
"""


def test_a_dag_that_depends_on_past_runs_is_not_backfilled_backwards(api: Api) -> None:
    api.dags(PAST_BOUND)
    body = {"dag_id": "bound", **JAN, "run_backwards": True}
    refused = api.post("/api/v2/backfills", json=body)
    assert refused.status_code == 400
    assert "depends_on_past" in refused.json()["detail"]
    assert api.ok("POST", "/api/v2/backfills", json={**body, "run_backwards": False})["id"]


def test_a_date_that_got_a_run_meanwhile_is_left_to_that_run(daily: Api) -> None:
    created = _backfill(daily, max_active_runs=1)
    daily.ok(
        "POST",
        "/api/v2/dags/daily/dagRuns",
        json={"dag_run_id": "by_hand", "logical_date": "2024-01-03T00:00:00Z"},
    )
    _step_until(
        daily,
        "completed",
        lambda: daily.ok("GET", f"/api/v2/backfills/{created['id']}")["completed_at"],
    )
    assert list(_runs(daily)) == [
        "backfill__2024-01-01T00:00:00+00:00",
        "backfill__2024-01-02T00:00:00+00:00",
        "backfill__2024-01-04T00:00:00+00:00",
    ]
    assert daily.deployment.run_state("daily", "by_hand") == "success"
