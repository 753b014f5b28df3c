"""Triggering with ``"logical_date": null``: as Airflow 3, a run without a logical date.

The run has no data interval either, ``run_after`` is the time of the trigger, and its run id
is made from ``run_after``. The scheduler identifies runs by run id and orders them by
``run_after``, so such runs run like any other, several of them side by side.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.api.conftest import ETL, Api

RUNS = "/api/v2/dags/etl/dagRuns"


def test_two_runs_without_a_logical_date_run_to_success_side_by_side(sql_api: Api) -> None:
    sql_api.dags(ETL)
    before = datetime.now(UTC)
    first = sql_api.ok("POST", RUNS, json={"logical_date": None, "dag_run_id": "one"})
    second = sql_api.ok("POST", RUNS, json={"logical_date": None, "conf": {"size": 4}})
    assert first["logical_date"] is None and second["logical_date"] is None
    run_after = datetime.fromisoformat(second["run_after"])
    assert before <= run_after <= datetime.now(UTC) + timedelta(seconds=1)
    sql_api.deployment.run_until_finished("etl", "one", second["dag_run_id"])
    for run_id in ("one", second["dag_run_id"]):
        run = sql_api.ok("GET", f"{RUNS}/{run_id}")
        assert (run["state"], run["logical_date"]) == ("success", None)
        instances = sql_api.ok("GET", f"{RUNS}/{run_id}/taskInstances")["task_instances"]
        assert {ti["logical_date"] for ti in instances} == {None}
        assert {ti["state"] for ti in instances} == {"success"}


def test_a_dated_run_and_a_dateless_one_list_and_filter_apart(api: Api) -> None:
    api.dags(ETL)
    api.ok("POST", RUNS, json={"logical_date": "2024-05-01T00:00:00Z", "dag_run_id": "dated"})
    api.ok("POST", RUNS, json={"logical_date": None, "dag_run_id": "dateless"})
    dated = api.ok("GET", RUNS, params={"logical_date_gte": "2024-01-01T00:00:00Z"})
    assert [run["dag_run_id"] for run in dated["dag_runs"]] == ["dated"]
    by_run_after = api.ok("GET", RUNS, params={"order_by": "-run_after"})
    assert [run["dag_run_id"] for run in by_run_after["dag_runs"]] == ["dateless", "dated"]


def test_marking_with_include_future_leaves_a_dateless_run_alone(api: Api) -> None:
    api.dags(ETL)
    run_id = api.run("etl", dag_run_id="plain")["dag_run_id"]
    marked = api.ok(
        "PATCH",
        f"{RUNS}/{run_id}/taskInstances/extract",
        json={"new_state": "failed", "include_future": True, "include_past": True},
    )
    assert {(ti["dag_run_id"], ti["task_id"]) for ti in marked["task_instances"]} >= {
        ("plain", "extract")
    }
    assert api.ok("GET", f"{RUNS}/plain/taskInstances/extract")["state"] == "failed"
