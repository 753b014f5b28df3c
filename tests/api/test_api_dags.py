"""``/api/v2/dags``, ``…/details``, ``…/tasks`` and ``/api/v2/dagSources``."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.api.conftest import ETL, OTHER, Api, make_api, sqlite_deployment

from tradewind.contracts.states import TaskInstanceState as S
from tradewind.storage.repos import task_instances as ti_repo

#: Airflow 3's ``DAGResponse`` fields, in its order.
DAG_FIELDS = [
    "dag_id",
    "dag_display_name",
    "is_paused",
    "is_stale",
    "last_parsed_time",
    "last_expired",
    "bundle_name",
    "bundle_version",
    "relative_fileloc",
    "fileloc",
    "description",
    "timetable_summary",
    "timetable_description",
    "tags",
    "max_active_tasks",
    "max_active_runs",
    "max_consecutive_failed_dag_runs",
    "has_task_concurrency_limits",
    "has_import_errors",
    "next_dagrun_logical_date",
    "next_dagrun_data_interval_start",
    "next_dagrun_data_interval_end",
    "next_dagrun_run_after",
    "owners",
    "file_token",
    # newer Airflow 3 fields
    "is_backfillable",
    "timetable_periodic",
    "timetable_partitioned",
    "allowed_run_types",
    "last_parse_duration",
]

MANY = "\n".join(
    f'with DAG("d{n}", schedule=None, start_date=datetime(2024, 1, 1), tags=["t{n % 2}"]):\n'
    f'    EmptyOperator(task_id="x")\n'
    for n in range(5)
)


def test_the_dag_list_has_airflows_fields_and_total_entries(sql_api: Api) -> None:
    sql_api.dags(ETL, OTHER)
    body = sql_api.ok("GET", "/api/v2/dags")
    assert body["total_entries"] == 2
    assert [dag["dag_id"] for dag in body["dags"]] == ["etl", "other"]
    etl = body["dags"][0]
    assert list(etl) == DAG_FIELDS
    assert etl["tags"] == [
        {"name": "daily", "dag_id": "etl", "dag_display_name": "etl"},
        {"name": "finance", "dag_id": "etl", "dag_display_name": "etl"},
    ]
    assert etl["description"] == "Extract and load"
    assert etl["owners"] == ["tradewind"]
    assert etl["relative_fileloc"] == "dag_0.py"
    assert body["dags"][1]["timetable_summary"] == "0 0 * * *"


def test_limit_and_offset_page_and_total_entries_counts_every_match(api: Api) -> None:
    api.dags(MANY)
    first = api.ok("GET", "/api/v2/dags", params={"limit": 2})
    second = api.ok("GET", "/api/v2/dags", params={"limit": 2, "offset": 2})
    last = api.ok("GET", "/api/v2/dags", params={"limit": 2, "offset": 4})
    assert [d["dag_id"] for d in first["dags"]] == ["d0", "d1"]
    assert [d["dag_id"] for d in second["dags"]] == ["d2", "d3"]
    assert [d["dag_id"] for d in last["dags"]] == ["d4"]
    assert first["total_entries"] == second["total_entries"] == last["total_entries"] == 5


def test_the_page_size_is_capped_at_the_maximum_page_limit(tmp_path: Path) -> None:
    api = make_api(sqlite_deployment(tmp_path), maximum_page_limit=3)
    api.dags(MANY)
    body = api.ok("GET", "/api/v2/dags", params={"limit": 1000})
    assert len(body["dags"]) == 3
    assert body["total_entries"] == 5


def test_order_by_takes_descending_fields(api: Api) -> None:
    api.dags(MANY)
    body = api.ok("GET", "/api/v2/dags", params={"order_by": "-dag_id"})
    assert [d["dag_id"] for d in body["dags"]] == ["d4", "d3", "d2", "d1", "d0"]


def test_an_unknown_order_by_field_is_a_400_naming_it(api: Api) -> None:
    response = api.get("/api/v2/dags", params={"order_by": "colour"})
    assert response.status_code == 400
    assert "'colour'" in response.json()["detail"]


def test_negative_limit_is_a_422_naming_limit(api: Api) -> None:
    response = api.get("/api/v2/dags", params={"limit": -1})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "limit"]


def test_tags_filter_any_and_all(sql_api: Api) -> None:
    sql_api.dags(ETL, OTHER)

    def ids(**params: object) -> list[str]:
        return [d["dag_id"] for d in sql_api.ok("GET", "/api/v2/dags", params=params)["dags"]]

    assert ids(tags=["finance"]) == ["etl"]
    assert ids(tags=["finance", "ml"]) == ["etl", "other"]
    assert ids(tags=["finance", "ml"], tags_match_mode="all") == []
    assert ids(tags=["finance", "daily"], tags_match_mode="all") == ["etl"]
    assert ids(tags=["nothing"]) == []


def test_dag_id_pattern_and_paused_filters(sql_api: Api) -> None:
    sql_api.dags(ETL, OTHER)
    body = sql_api.ok("GET", "/api/v2/dags", params={"dag_id_pattern": "ET"})
    assert [d["dag_id"] for d in body["dags"]] == ["etl"]
    body = sql_api.ok("GET", "/api/v2/dags", params={"dag_id_pattern": "o%r"})
    assert [d["dag_id"] for d in body["dags"]] == ["other"]
    sql_api.ok("PATCH", "/api/v2/dags/other", json={"is_paused": True})
    paused = sql_api.ok("GET", "/api/v2/dags", params={"paused": True})
    assert [d["dag_id"] for d in paused["dags"]] == ["other"]
    assert sql_api.ok("GET", "/api/v2/dags", params={"paused": False})["total_entries"] == 1


def test_owners_filter(api: Api) -> None:
    api.dags(ETL)
    assert api.ok("GET", "/api/v2/dags", params={"owners": ["tradewind"]})["total_entries"] == 1
    assert api.ok("GET", "/api/v2/dags", params={"owners": ["trade"]})["total_entries"] == 0


def test_get_one_dag_and_a_404_naming_an_unknown_one(api: Api) -> None:
    api.dags(ETL)
    assert api.ok("GET", "/api/v2/dags/etl")["dag_id"] == "etl"
    response = api.get("/api/v2/dags/nope")
    assert response.status_code == 404
    assert "'nope'" in response.json()["detail"]
    assert response.json()["title"] == "Not Found"


def test_patch_pauses_and_unpauses(api: Api) -> None:
    api.dags(ETL)
    assert api.ok("PATCH", "/api/v2/dags/etl", json={"is_paused": True})["is_paused"] is True
    assert api.ok("GET", "/api/v2/dags/etl")["is_paused"] is True
    body = api.ok(
        "PATCH", "/api/v2/dags/etl", params={"update_mask": "is_paused"}, json={"is_paused": False}
    )
    assert body["is_paused"] is False


def test_patch_refuses_other_fields(api: Api) -> None:
    api.dags(ETL)
    masked = api.patch(
        "/api/v2/dags/etl", params={"update_mask": "description"}, json={"is_paused": True}
    )
    assert masked.status_code == 400
    assert "is_paused" in masked.json()["detail"]
    extra = api.patch("/api/v2/dags/etl", json={"is_paused": True, "description": "x"})
    assert extra.status_code == 422
    assert extra.json()["detail"][0]["loc"] == ["body", "description"]
    missing = api.patch("/api/v2/dags/etl", json={})
    assert missing.status_code == 422
    assert missing.json()["detail"][0]["loc"] == ["body", "is_paused"]
    assert api.patch("/api/v2/dags/nope", json={"is_paused": True}).status_code == 404


def test_delete_removes_the_dag_and_its_runs(api: Api) -> None:
    api.dags(ETL)
    api.run("etl")
    response = api.delete("/api/v2/dags/etl")
    assert response.status_code == 204
    assert api.get("/api/v2/dags/etl").status_code == 404
    assert api.delete("/api/v2/dags/etl").status_code == 404
    assert api.ok("GET", "/api/v2/dags/~/dagRuns")["total_entries"] == 0


def test_delete_refuses_a_dag_with_running_tasks(api: Api) -> None:
    api.dags(ETL)
    run = api.ok("POST", "/api/v2/dags/etl/dagRuns", json={"logical_date": None})
    with api.deployment.sessions.begin() as session:
        ti_repo.update_task_instance_states(
            session=session,
            keys=[("etl", run["dag_run_id"], "extract", -1)],
            state=S.RUNNING,
        )
    response = api.delete("/api/v2/dags/etl")
    assert response.status_code == 409
    assert "still running" in response.json()["detail"]


def test_details_add_airflows_detail_fields(api: Api) -> None:
    api.dags(ETL)
    body = api.ok("GET", "/api/v2/dags/etl/details")
    assert set(DAG_FIELDS) < set(body)
    assert body["catchup"] is False
    assert body["start_date"] == "2024-01-01T00:00:00Z"
    assert body["timezone"] == "UTC"
    assert body["timetable_description"] == "Never, external triggers only"
    assert body["params"]["size"]["value"] == 3
    assert body["params"]["size"]["schema"] == {"type": "integer", "minimum": 1}
    assert body["latest_dag_version"]["version_number"] == 1
    assert body["concurrency"] == body["max_active_tasks"] == 16
    assert api.get("/api/v2/dags/nope/details").status_code == 404


def test_tasks_lists_the_tasks_of_the_latest_version(api: Api) -> None:
    api.dags(ETL)
    body = api.ok("GET", "/api/v2/dags/etl/tasks")
    assert body["total_entries"] == 2
    extract, load = body["tasks"]
    assert (extract["task_id"], load["task_id"]) == ("extract", "load")
    assert extract["downstream_task_ids"] == ["load"]
    assert extract["operator_name"] == "PythonOperator"
    assert extract["retry_delay"] == {
        "__type": "TimeDelta",
        "days": 0,
        "seconds": 300,
        "microseconds": 0,
    }
    by_desc = api.ok("GET", "/api/v2/dags/etl/tasks", params={"order_by": "-task_id"})
    assert [t["task_id"] for t in by_desc["tasks"]] == ["load", "extract"]
    assert api.get("/api/v2/dags/etl/tasks", params={"order_by": "nope"}).status_code == 400
    assert api.ok("GET", "/api/v2/dags/etl/tasks/load")["downstream_task_ids"] == []
    missing = api.get("/api/v2/dags/etl/tasks/nope")
    assert missing.status_code == 404
    assert "'nope'" in missing.json()["detail"]


def test_dag_source_as_json_and_as_text(api: Api) -> None:
    api.dags(ETL)
    body = api.ok("GET", "/api/v2/dagSources/etl")
    assert body["dag_id"] == "etl"
    assert body["version_number"] == 1
    assert 'with DAG(\n    "etl"' in body["content"]
    text = api.get("/api/v2/dagSources/etl", headers={"Accept": "text/plain"})
    assert text.status_code == 200
    assert text.headers["content-type"].startswith("text/plain")
    assert text.text == body["content"]
    assert api.get("/api/v2/dagSources/etl", params={"version_number": 9}).status_code == 404
    assert api.get("/api/v2/dagSources/nope").status_code == 404
    refused = api.get("/api/v2/dagSources/etl", headers={"Accept": "image/png"})
    assert refused.status_code == 406


@pytest.mark.parametrize("path", ["/api/v2/dags/etl", "/api/v2/dags/etl/details"])
def test_import_errors_of_the_dag_file_show(api: Api, path: str) -> None:
    api.dags(ETL)
    (api.deployment.dags_folder / "dag_0.py").write_text(
        "from tradewind import DAG\nraise ValueError('broken')\n"
    )
    api.deployment.parse()
    assert api.ok("GET", path)["has_import_errors"] is True
