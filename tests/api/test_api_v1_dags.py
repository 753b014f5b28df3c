"""``/api/v1`` (Airflow 2's paths and fields): DAGs, tasks, DAG runs, task instances, health."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from tests.api.conftest import ETL, OTHER, PASSWORD, Api

EVERY_HOUR = """
from tradewind import Asset

with DAG("hourly", schedule=timedelta(hours=1), start_date=datetime(2024, 1, 1)) as dag:
    EmptyOperator(task_id="tick")

with DAG("on_asset", schedule=[Asset("s3://lake/raw")], start_date=datetime(2024, 1, 1)) as d2:
    EmptyOperator(task_id="tock")
"""

RUNS = "/api/v1/dags/etl/dagRuns"


def basic(username: str) -> dict[str, str]:
    token = base64.b64encode(f"{username}:{PASSWORD}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def test_the_tutorials_trigger_call_queues_a_run_that_runs(sql_api: Api) -> None:
    sql_api.dags(ETL)
    # curl -X POST .../api/v1/dags/etl/dagRuns -u admin:pw -H 'Content-Type: application/json'
    #      -d '{"dag_run_id": "x", "execution_date": "2024-01-01T00:00:00Z", "conf": {"a": 1}}'
    response = sql_api.client.post(
        RUNS,
        headers={**basic("admin"), "Content-Type": "application/json"},
        content=b'{"dag_run_id": "x", "execution_date": "2024-01-01T00:00:00Z", "conf": {"a": 1}}',
    )
    assert response.status_code == 200, response.text
    run = response.json()
    assert (run["dag_run_id"], run["state"], run["conf"], run["run_type"]) == (
        "x",
        "queued",
        {"a": 1},
        "manual",
    )
    assert run["execution_date"] == run["logical_date"] == "2024-01-01T00:00:00Z"
    assert run["external_trigger"] is True
    assert sql_api.deployment.run_until_finished("etl", "x") == "success"
    done = sql_api.ok("GET", f"{RUNS}/x", role=None, headers=basic("viewer"))
    assert done["state"] == "success" and done["end_date"] is not None


def test_a_trigger_without_a_date_runs_at_now_as_in_airflow_2(api: Api) -> None:
    api.dags(ETL)
    before = datetime.now(UTC)

    run = api.ok("POST", RUNS, json={"conf": {"a": 1}}, role=None, headers=basic("user"))

    logical = datetime.fromisoformat(run["logical_date"].replace("Z", "+00:00"))
    assert run["execution_date"] == run["logical_date"]
    assert before - timedelta(seconds=1) <= logical <= datetime.now(UTC)


def test_dags_have_airflow_2_fields(sql_api: Api) -> None:
    sql_api.dags(ETL, OTHER, EVERY_HOUR)
    body = sql_api.ok("GET", "/api/v1/dags", role="Viewer", params={"order_by": "-dag_id"})
    assert body["total_entries"] == 4
    dags = {dag["dag_id"]: dag for dag in body["dags"]}
    assert list(dags) == ["other", "on_asset", "hourly", "etl"]
    etl = dags["etl"]
    assert etl["tags"] == [{"name": "daily"}, {"name": "finance"}]
    assert (etl["is_active"], etl["is_paused"], etl["schedule_interval"]) == (True, False, None)
    assert etl["description"] == "Extract and load"
    # Presets come back as their cron expression.
    assert dags["other"]["schedule_interval"] == {"__type": "CronExpression", "value": "0 0 * * *"}
    assert dags["hourly"]["schedule_interval"] == {
        "__type": "TimeDelta",
        "days": 0,
        "seconds": 3600,
        "microseconds": 0,
    }
    assert dags["on_asset"]["schedule_interval"] == {
        "__type": "CronExpression",
        "value": "Dataset",
    }
    assert "is_stale" not in etl and "timetable_summary" not in etl
    assert sql_api.ok("GET", "/api/v1/dags/etl") == etl


def test_dags_filter_by_tag_pattern_and_pause(api: Api) -> None:
    api.dags(ETL, OTHER)
    api.ok("PATCH", "/api/v1/dags/other", json={"is_paused": True})

    def ids(**params: Any) -> list[str]:
        return [dag["dag_id"] for dag in api.ok("GET", "/api/v1/dags", params=params)["dags"]]

    assert ids(tags=["ml"]) == ["other"]
    assert ids(dag_id_pattern="et") == ["etl"]
    assert ids(paused=True) == ["other"]
    assert ids(limit=1, offset=1) == ["other"]
    assert api.get("/api/v1/dags", params={"order_by": "nope"}).status_code == 400


def test_a_dag_is_paused_and_unpaused(api: Api) -> None:
    api.dags(ETL)
    assert api.ok("PATCH", "/api/v1/dags/etl", role="User", json={"is_paused": True})["is_paused"]
    assert api.ok("GET", "/api/v1/dags/etl")["is_paused"] is True
    masked = api.patch(
        "/api/v1/dags/etl", params={"update_mask": "description"}, json={"is_paused": False}
    )
    assert masked.status_code == 400
    extra = api.patch("/api/v1/dags/etl", json={"is_paused": False, "owners": ["me"]})
    assert extra.status_code == 422
    assert "owners" in extra.json()["title"]
    assert (
        api.patch("/api/v1/dags/etl", role="Viewer", json={"is_paused": False}).status_code == 403
    )


def test_a_dag_is_deleted_and_an_unknown_one_is_a_404(api: Api) -> None:
    api.dags(ETL, OTHER)
    assert api.delete("/api/v1/dags/other", role="Viewer").status_code == 403
    assert api.ok("DELETE", "/api/v1/dags/other", 204) is None
    assert api.get("/api/v1/dags/other").status_code == 404
    missing = api.get("/api/v1/dags/nope")
    assert missing.status_code == 404
    assert missing.json()["detail"].startswith("The DAG with dag_id 'nope' was not found")


def test_dag_details_and_tasks(api: Api) -> None:
    api.dags(ETL)
    details = api.ok("GET", "/api/v1/dags/etl/details")
    assert (details["catchup"], details["timezone"]) == (False, "UTC")
    assert details["params"]["size"]["value"] == 3
    tasks = api.ok("GET", "/api/v1/dags/etl/tasks")
    assert [task["task_id"] for task in tasks["tasks"]] == ["extract", "load"]
    extract = api.ok("GET", "/api/v1/dags/etl/tasks/extract")
    assert extract["downstream_task_ids"] == ["load"]
    assert extract["class_ref"]["class_name"] == "PythonOperator"
    assert extract["retry_exponential_backoff"] is False
    assert extract["retry_delay"]["__type"] == "TimeDelta"
    assert api.get("/api/v1/dags/etl/tasks/nope").status_code == 404


def test_runs_list_filter_and_order_with_v1_names(sql_api: Api) -> None:
    sql_api.dags(ETL)
    for day in (1, 2, 3):
        sql_api.ok(
            "POST",
            RUNS,
            role="User",
            json={"dag_run_id": f"d{day}", "execution_date": f"2024-01-0{day}T00:00:00+00:00"},
        )

    def run_ids(**params: Any) -> list[str]:
        body = sql_api.ok("GET", RUNS, params=params, role="Viewer")
        return [run["dag_run_id"] for run in body["dag_runs"]]

    assert run_ids(order_by="-execution_date") == ["d3", "d2", "d1"]
    assert run_ids(execution_date_gte="2024-01-02T00:00:00Z") == ["d2", "d3"]
    assert run_ids(execution_date_lte="2024-01-01T00:00:00Z", state=["queued"]) == ["d1"]
    assert run_ids(limit=1, offset=2, order_by="execution_date") == ["d3"]
    every = sql_api.ok("GET", "/api/v1/dags/~/dagRuns")
    assert every["total_entries"] == 3
    assert sql_api.get(RUNS, params={"state": "nope"}).status_code == 422
    assert sql_api.get(RUNS, params={"updated_at_gte": "2024-01-01T00:00:00Z"}).status_code == 400


def test_runs_of_several_dags_in_a_batch(api: Api) -> None:
    api.dags(ETL, OTHER)
    api.ok("POST", RUNS, json={"dag_run_id": "e"})
    api.ok("POST", "/api/v1/dags/other/dagRuns", json={"dag_run_id": "o"})
    body = api.ok(
        "POST",
        "/api/v1/dags/~/dagRuns/list",
        role="Viewer",
        json={"dag_ids": ["etl", "other"], "order_by": "-dag_run_id", "page_limit": 10},
    )
    assert [run["dag_run_id"] for run in body["dag_runs"]] == ["o", "e"]
    states = api.ok("POST", "/api/v1/dags/~/dagRuns/list", json={"states": ["success"]})
    assert states["total_entries"] == 0
    assert api.post("/api/v1/dags/~/dagRuns/list", json={"states": ["x"]}).status_code == 422
    assert api.post("/api/v1/dags/etl/dagRuns/list", json={}).status_code == 422


def test_bad_trigger_bodies_are_4xx_naming_the_field(api: Api) -> None:
    api.dags(ETL)
    both = api.post(
        RUNS,
        json={
            "execution_date": "2024-01-01T00:00:00Z",
            "logical_date": "2024-01-02T00:00:00Z",
        },
    )
    assert both.status_code == 400
    assert "execution_date and logical_date" in both.text
    half = api.post(RUNS, json={"data_interval_start": "2024-01-01T00:00:00Z"})
    assert half.status_code == 400
    assert "data_interval_end" in half.text
    assert api.post(RUNS, json={"conf": {"size": "big"}}).status_code == 400
    assert api.post(RUNS, json={"dag_run_id": "bad id!"}).status_code == 422
    api.ok("POST", RUNS, json={"dag_run_id": "same"})
    assert api.post(RUNS, json={"dag_run_id": "same"}).status_code == 409
    assert api.post(RUNS, role="Viewer", json={}).status_code == 403


def test_a_run_is_marked_noted_and_deleted(api: Api) -> None:
    api.dags(ETL)
    api.ok("POST", RUNS, json={"dag_run_id": "r"})
    marked = api.ok("PATCH", f"{RUNS}/r", role="User", json={"state": "failed"})
    assert marked["state"] == "failed"
    noted = api.ok("PATCH", f"{RUNS}/r/setNote", json={"note": "looked at"})
    assert (noted["note"], noted["state"]) == ("looked at", "failed")
    assert api.patch(f"{RUNS}/r", json={"state": "running"}).status_code == 422
    assert api.patch(f"{RUNS}/r", role="Viewer", json={"state": "success"}).status_code == 403
    assert api.ok("DELETE", f"{RUNS}/r", 204) is None
    assert api.get(f"{RUNS}/r").status_code == 404


def test_task_instances_have_execution_date_and_airflow_2_fields(sql_api: Api) -> None:
    sql_api.dags(ETL)
    run = sql_api.run("etl", dag_run_id="done")
    body = sql_api.ok("GET", f"{RUNS}/done/taskInstances", role="Viewer")
    assert body["total_entries"] == 2
    first = body["task_instances"][0]
    assert (first["task_id"], first["state"], first["try_number"]) == ("extract", "success", 1)
    assert first["execution_date"] == run["logical_date"]
    assert isinstance(first["hostname"], str) and first["unixname"] == ""
    one = sql_api.ok("GET", f"{RUNS}/done/taskInstances/load")
    assert (one["task_id"], one["map_index"], one["dag_run_id"]) == ("load", -1, "done")
    assert sql_api.ok("GET", f"{RUNS}/done/taskInstances/load/-1") == one
    filtered = sql_api.ok(
        "GET", f"{RUNS}/done/taskInstances", params={"state": ["failed"], "pool": "default_pool"}
    )
    assert filtered["total_entries"] == 0
    refused = sql_api.get(f"{RUNS}/done/taskInstances", params={"executor": "local"})
    assert refused.status_code == 400
    assert sql_api.get(f"{RUNS}/done/taskInstances/nope").status_code == 404
    every = sql_api.ok("GET", "/api/v1/dags/~/dagRuns/~/taskInstances")
    assert every["total_entries"] == 2


def test_health_is_public(api: Api) -> None:
    body = api.ok("GET", "/api/v1/health", role=None)
    assert body["metadatabase"] == {"status": "healthy"}
    assert set(body) == {"metadatabase", "scheduler", "triggerer", "dag_processor"}


@pytest.mark.parametrize("role", ["Viewer", "User", "Op", "Admin"])
def test_the_v1_role_matrix(module_api: Api, role: str) -> None:
    may_change = role != "Viewer"
    reads = (
        "/api/v1/dags",
        "/api/v1/dags/etl",
        "/api/v1/dags/etl/tasks",
        RUNS,
        f"{RUNS}/done",
        f"{RUNS}/done/taskInstances",
        f"{RUNS}/done/taskInstances/load",
    )
    for path in reads:
        assert module_api.get(path, role=role).status_code == 200, path
    changes = (
        ("PATCH", "/api/v1/dags/etl", {"is_paused": False}),
        ("POST", RUNS, {}),
        ("PATCH", f"{RUNS}/done/setNote", {"note": role}),
        ("POST", "/api/v1/dags/~/dagRuns/list", {}),
    )
    for method, path, body in changes:
        response = module_api.request(method, path, role=role, json=body)
        allowed = may_change or path.endswith("/list")
        assert response.status_code == (200 if allowed else 403), (path, response.text)
    assert module_api.get("/api/v1/dags", role=None).status_code == 401
