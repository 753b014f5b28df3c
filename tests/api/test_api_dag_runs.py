"""``/api/v2/dags/{dag_id}/dagRuns``: trigger, list, read, mark, note, clear, delete."""

from __future__ import annotations

from typing import Any

import pytest
from tests.api.conftest import ETL, OTHER, Api

#: Airflow 3's ``DAGRunResponse`` fields, in its order.
RUN_FIELDS = [
    "dag_run_id",
    "dag_id",
    "logical_date",
    "queued_at",
    "start_date",
    "end_date",
    "duration",
    "data_interval_start",
    "data_interval_end",
    "run_after",
    "last_scheduling_decision",
    "run_type",
    "state",
    "triggered_by",
    "triggering_user_name",
    "conf",
    "note",
    "dag_versions",
    "bundle_version",
    "dag_display_name",
    "partition_key",
    "partition_date",
]

RUNS = "/api/v2/dags/etl/dagRuns"


def _trigger(api: Api, **body: Any) -> dict[str, Any]:
    result: dict[str, Any] = api.ok("POST", RUNS, json={"logical_date": None, **body})
    return result


def test_trigger_queues_a_run_with_conf_note_and_logical_date(sql_api: Api) -> None:
    sql_api.dags(ETL)
    run = _trigger(
        sql_api,
        dag_run_id="nightly-1",
        logical_date="2024-03-01T00:00:00+00:00",
        conf={"size": 7},
        note="by hand",
    )
    assert list(run) == RUN_FIELDS
    assert run["dag_run_id"] == "nightly-1"
    assert run["state"] == "queued"
    assert run["run_type"] == "manual"
    assert run["logical_date"] == "2024-03-01T00:00:00Z"
    assert run["conf"] == {"size": 7}
    assert run["note"] == "by hand"
    assert run["dag_versions"][0]["version_number"] == 1
    sql_api.deployment.run_until_finished("etl", "nightly-1")
    done = sql_api.ok("GET", f"{RUNS}/nightly-1")
    assert done["state"] == "success"
    assert done["duration"] is not None and done["duration"] >= 0


def test_a_null_logical_date_stays_null_and_the_run_id_comes_from_run_after(api: Api) -> None:
    api.dags(ETL)
    run = _trigger(api)
    assert run["logical_date"] is None
    assert run["data_interval_start"] is None and run["data_interval_end"] is None
    assert run["dag_run_id"] == "manual__" + run["run_after"].replace("Z", "+00:00")


def test_logical_date_must_be_given_even_if_null(api: Api) -> None:
    api.dags(ETL)
    response = api.post(RUNS, json={"conf": {}})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "logical_date"]
    assert "logical_date" in response.json()["title"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"logical_date": "2024-01-01T00:00:00"}, "logical_date"),  # no time zone
        ({"logical_date": "yesterday"}, "logical_date"),
        ({"logical_date": None, "conf": [1, 2]}, "conf"),
        ({"logical_date": None, "dag_run_id": "a/b"}, "dag_run_id"),
        ({"logical_date": None, "dag_run_id": "x" * 251}, "dag_run_id"),
        ({"logical_date": None, "note": "n" * 1001}, "note"),
        ({"logical_date": None, "colour": "red"}, "colour"),
    ],
)
def test_a_bad_trigger_body_is_a_422_naming_the_field(
    module_api: Api, body: dict[str, Any], field: str
) -> None:
    response = module_api.post(RUNS, json=body)
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"][-1] == field


def test_conf_that_breaks_the_params_is_a_400_naming_the_param(api: Api) -> None:
    api.dags(ETL)
    response = api.post(RUNS, json={"logical_date": None, "conf": {"size": 0}})
    assert response.status_code == 400
    assert "size" in response.json()["detail"]


def test_half_a_data_interval_is_a_422_and_a_whole_one_a_400(api: Api) -> None:
    api.dags(ETL)
    half = api.post(
        RUNS, json={"logical_date": None, "data_interval_start": "2024-01-01T00:00:00Z"}
    )
    assert half.status_code == 422
    whole = api.post(
        RUNS,
        json={
            "logical_date": None,
            "data_interval_start": "2024-01-01T00:00:00Z",
            "data_interval_end": "2024-01-02T00:00:00Z",
        },
    )
    assert whole.status_code == 400
    assert "data_interval_start" in whole.json()["detail"]


def test_a_taken_run_id_or_logical_date_is_a_409(api: Api) -> None:
    api.dags(ETL)
    _trigger(api, dag_run_id="once", logical_date="2024-01-01T00:00:00Z")
    again = api.post(RUNS, json={"logical_date": None, "dag_run_id": "once"})
    assert again.status_code == 409
    assert "'once'" in again.json()["detail"]
    same_date = api.post(RUNS, json={"logical_date": "2024-01-01T00:00:00Z"})
    assert same_date.status_code == 409


def test_triggering_an_unknown_dag_is_a_404(api: Api) -> None:
    response = api.post("/api/v2/dags/nope/dagRuns", json={"logical_date": None})
    assert response.status_code == 404
    assert "'nope'" in response.json()["detail"]


def test_list_runs_filters_orders_and_pages(sql_api: Api) -> None:
    sql_api.dags(ETL, OTHER)
    for day in (1, 2, 3):
        _trigger(sql_api, dag_run_id=f"r{day}", logical_date=f"2024-01-0{day}T00:00:00Z")
    _trigger(sql_api, dag_run_id="now")
    sql_api.ok("PATCH", f"{RUNS}/r1", json={"state": "success"})
    body = sql_api.ok("GET", RUNS, params={"order_by": "-logical_date", "limit": 2})
    assert body["total_entries"] == 4
    assert [r["dag_run_id"] for r in body["dag_runs"]] == ["r3", "r2"]  # no date: last
    default = sql_api.ok("GET", RUNS, params={"offset": 1, "limit": 2})
    assert [r["dag_run_id"] for r in default["dag_runs"]] == ["r2", "r3"]  # by id
    success = sql_api.ok("GET", RUNS, params={"state": "success"})
    assert [r["dag_run_id"] for r in success["dag_runs"]] == ["r1"]
    ranged = sql_api.ok(
        "GET",
        RUNS,
        params={
            "logical_date_gte": "2024-01-02T00:00:00Z",
            "logical_date_lt": "2024-01-03T00:00:00Z",
        },
    )
    assert [r["dag_run_id"] for r in ranged["dag_runs"]] == ["r2"]
    pattern = sql_api.ok("GET", RUNS, params={"run_id_pattern": "r_"})
    assert pattern["total_entries"] == 3
    ordered = sql_api.ok("GET", RUNS, params={"order_by": "dag_run_id", "run_id_pattern": "r"})
    assert [r["dag_run_id"] for r in ordered["dag_runs"]] == ["r1", "r2", "r3"]


def test_tilde_lists_the_runs_of_every_dag(api: Api) -> None:
    api.dags(ETL, OTHER)
    _trigger(api)
    api.ok("POST", "/api/v2/dags/other/dagRuns", json={"logical_date": None})
    body = api.ok("GET", "/api/v2/dags/~/dagRuns")
    assert sorted(r["dag_id"] for r in body["dag_runs"]) == ["etl", "other"]
    assert body["total_entries"] == 2


@pytest.mark.parametrize(
    ("params", "status", "word"),
    [
        ({"state": "sleeping"}, 422, "state"),
        ({"run_type": "magic"}, 422, "run_type"),
        ({"order_by": "nope"}, 400, "nope"),
        ({"start_date_gte": "2024-01-01"}, 422, "start_date_gte"),
    ],
)
def test_bad_run_filters_name_the_parameter(
    module_api: Api, params: dict[str, str], status: int, word: str
) -> None:
    response = module_api.get(RUNS, params=params)
    assert response.status_code == status
    assert word in response.text


def test_listing_runs_of_an_unknown_dag_is_a_404(api: Api) -> None:
    assert api.get("/api/v2/dags/nope/dagRuns").status_code == 404


def test_the_batch_list_filters_runs_of_several_dags(sql_api: Api) -> None:
    sql_api.dags(ETL, OTHER)
    _trigger(sql_api, dag_run_id="e1")
    sql_api.ok(
        "POST", "/api/v2/dags/other/dagRuns", json={"logical_date": None, "dag_run_id": "o1"}
    )
    body = sql_api.ok(
        "POST", "/api/v2/dags/~/dagRuns/list", json={"dag_ids": ["other"], "page_limit": 10}
    )
    assert [r["dag_run_id"] for r in body["dag_runs"]] == ["o1"]
    everything = sql_api.ok(
        "POST", "/api/v2/dags/~/dagRuns/list", json={"order_by": "-dag_id", "states": ["queued"]}
    )
    assert [r["dag_id"] for r in everything["dag_runs"]] == ["other", "etl"]
    assert everything["total_entries"] == 2
    wrong = sql_api.post("/api/v2/dags/etl/dagRuns/list", json={})
    assert wrong.status_code == 422
    bad = sql_api.post("/api/v2/dags/~/dagRuns/list", json={"page_limit": -1})
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["body", "page_limit"]


def test_get_one_run_and_a_404_naming_it(api: Api) -> None:
    api.dags(ETL)
    _trigger(api, dag_run_id="here")
    assert api.ok("GET", f"{RUNS}/here")["dag_run_id"] == "here"
    missing = api.get(f"{RUNS}/gone")
    assert missing.status_code == 404
    assert "'gone'" in missing.json()["detail"]


def test_patch_marks_a_run_success_and_its_tasks(api: Api) -> None:
    api.dags(ETL)
    _trigger(api, dag_run_id="mark")
    body = api.ok("PATCH", f"{RUNS}/mark", json={"state": "success"})
    assert body["state"] == "success"
    tis = api.ok("GET", f"{RUNS}/mark/taskInstances")["task_instances"]
    assert {ti["state"] for ti in tis} == {"success"}


def test_patch_marks_a_run_failed_or_queued(api: Api) -> None:
    api.dags(ETL)
    _trigger(api, dag_run_id="m")
    assert api.ok("PATCH", f"{RUNS}/m", json={"state": "failed"})["state"] == "failed"
    assert api.ok("PATCH", f"{RUNS}/m", json={"state": "queued"})["state"] == "queued"


def test_patch_sets_the_note_only_when_masked_so(api: Api) -> None:
    api.dags(ETL)
    _trigger(api, dag_run_id="n")
    body = api.ok("PATCH", f"{RUNS}/n", json={"note": "looked at it"})
    assert body["note"] == "looked at it"
    assert body["state"] == "queued"
    masked = api.ok(
        "PATCH", f"{RUNS}/n", params={"update_mask": "note"}, json={"state": "failed", "note": "x"}
    )
    assert masked["state"] == "queued"
    assert masked["note"] == "x"


@pytest.mark.parametrize(
    ("body", "params", "status"),
    [
        ({"state": "running"}, {}, 422),
        ({"state": "success", "extra": 1}, {}, 422),
        ({"note": "x"}, {"update_mask": "conf"}, 400),
    ],
)
def test_bad_run_patches_are_refused(
    module_api: Api, body: dict[str, Any], params: dict[str, str], status: int
) -> None:
    response = module_api.patch(f"{RUNS}/waiting", json=body, params=params)
    assert response.status_code == status, response.text


def test_patching_an_unknown_run_is_a_404(api: Api) -> None:
    api.dags(ETL)
    assert api.patch(f"{RUNS}/nope", json={"state": "success"}).status_code == 404


def test_delete_removes_the_run_and_its_task_instances(api: Api) -> None:
    api.dags(ETL)
    _trigger(api, dag_run_id="d")
    assert api.delete(f"{RUNS}/d").status_code == 204
    assert api.get(f"{RUNS}/d").status_code == 404
    assert api.get(f"{RUNS}/d/taskInstances").status_code == 404
    assert api.delete(f"{RUNS}/d").status_code == 404


def test_clear_dry_run_lists_and_clear_requeues(api: Api) -> None:
    api.dags(ETL)
    run_id = api.run("etl")["dag_run_id"]
    dry = api.ok("POST", f"{RUNS}/{run_id}/clear", json={})
    assert dry["total_entries"] == 2
    assert {ti["state"] for ti in dry["task_instances"]} == {"success"}
    assert api.ok("GET", f"{RUNS}/{run_id}")["state"] == "success"
    cleared = api.ok("POST", f"{RUNS}/{run_id}/clear", json={"dry_run": False})
    assert cleared["dag_run_id"] == run_id
    assert cleared["state"] == "queued"
    api.deployment.run_until_finished("etl", run_id)
    assert api.ok("GET", f"{RUNS}/{run_id}")["state"] == "success"


def test_clear_only_failed_clears_nothing_in_a_successful_run(api: Api) -> None:
    api.dags(ETL)
    run_id = api.run("etl")["dag_run_id"]
    dry = api.ok("POST", f"{RUNS}/{run_id}/clear", json={"only_failed": True})
    assert dry == {"task_instances": [], "total_entries": 0}
    assert api.post(f"{RUNS}/nope/clear", json={}).status_code == 404


def test_clearing_a_run_can_set_its_note(api: Api) -> None:
    api.dags(ETL)
    run_id = api.run("etl")["dag_run_id"]
    body = api.ok("POST", f"{RUNS}/{run_id}/clear", json={"dry_run": False, "note": "again"})
    assert body["note"] == "again"


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("POST", RUNS, {"logical_date": None, "partition_key": "p"}, "partition_key"),
        ("POST", f"{RUNS}/waiting/clear", {"only_new": True}, "only_new"),
        ("POST", "/api/v2/dags/~/dagRuns/list", {"duration_gte": 1}, "duration_gte"),
        ("POST", "/api/v2/dags/~/dagRuns/list", {"conf_contains": "a"}, "conf_contains"),
    ],
)
def test_airflow_fields_not_supported_yet_are_a_400_naming_them(
    module_api: Api, method: str, path: str, body: dict[str, Any], field: str
) -> None:
    response = module_api.request(method, path, json=body)
    assert response.status_code == 400, response.text
    assert field in response.json()["detail"]
