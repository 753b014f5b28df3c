"""``…/taskInstances``: list, read, mapped, tries, mark, note, and ``clearTaskInstances``."""

from __future__ import annotations

from typing import Any

import pytest
from tests.api.conftest import ETL, Api

#: Airflow 3's ``TaskInstanceResponse`` fields, in its order.
TI_FIELDS = [
    "id",
    "task_id",
    "dag_id",
    "dag_run_id",
    "map_index",
    "logical_date",
    "run_after",
    "start_date",
    "end_date",
    "duration",
    "state",
    "try_number",
    "max_tries",
    "task_display_name",
    "dag_display_name",
    "hostname",
    "unixname",
    "pool",
    "pool_slots",
    "queue",
    "priority_weight",
    "operator",
    "operator_name",
    "queued_when",
    "scheduled_when",
    "pid",
    "executor",
    "executor_config",
    "note",
    "rendered_map_index",
    "rendered_fields",
    "trigger",
    "triggerer_job",
    "dag_version",
]

MAPPED = """
@task
def numbers():
    return [1, 2, 3]


@task
def square(x):
    return x * x


with DAG("mapped", schedule=None, start_date=datetime(2024, 1, 1)) as dag:
    square.expand(x=numbers())
"""

FLAKY = """
def flaky():
    flag = HERE / "flaky_once"
    if not flag.exists():
        flag.touch()
        raise ValueError("the first try fails")
    return "ok"


with DAG("flaky", schedule=None, start_date=datetime(2024, 1, 1)) as dag:
    PythonOperator(
        task_id="flaky", python_callable=flaky, retries=1, retry_delay=timedelta(seconds=0)
    )
"""


def _tis(api: Api, run_id: str, dag_id: str = "etl", **params: Any) -> dict[str, Any]:
    body: dict[str, Any] = api.ok(
        "GET", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances", params=params
    )
    return body


def _failed_etl(api: Api) -> str:
    api.dags(ETL)
    api.deployment.fail("extract")
    run_id: str = api.run("etl")["dag_run_id"]
    api.deployment.fail("extract", failing=False)
    return run_id


def test_the_task_instances_of_a_run_have_airflows_fields(sql_api: Api) -> None:
    sql_api.dags(ETL)
    run = sql_api.run("etl")
    body = _tis(sql_api, run["dag_run_id"])
    assert body["total_entries"] == 2
    extract = body["task_instances"][0]
    assert list(extract) == TI_FIELDS
    assert extract["task_id"] == "extract"
    assert extract["state"] == "success"
    assert extract["try_number"] == 1
    assert extract["logical_date"] == run["logical_date"]
    assert extract["operator"] == "PythonOperator"
    assert extract["dag_version"]["version_number"] == 1
    assert len({ti["id"] for ti in body["task_instances"]}) == 2


def test_task_instance_filters_and_order(sql_api: Api) -> None:
    run_id = _failed_etl(sql_api)
    failed = _tis(sql_api, run_id, state=["failed"])
    assert [ti["task_id"] for ti in failed["task_instances"]] == ["extract"]
    either = _tis(sql_api, run_id, state=["failed", "upstream_failed"], order_by="-task_id")
    assert [ti["task_id"] for ti in either["task_instances"]] == ["load", "extract"]
    assert _tis(sql_api, run_id, task_id="load")["total_entries"] == 1
    assert _tis(sql_api, run_id, pool="default_pool")["total_entries"] == 2
    assert _tis(sql_api, run_id, pool="other")["total_entries"] == 0
    paged = _tis(sql_api, run_id, order_by="task_id", limit=1, offset=1)
    assert [ti["task_id"] for ti in paged["task_instances"]] == ["load"]
    assert paged["total_entries"] == 2


def test_bad_task_instance_filters_are_refused(module_api: Api) -> None:
    path = "/api/v2/dags/etl/dagRuns/done/taskInstances"
    assert module_api.get(path, params={"state": "sleepy"}).status_code == 422
    assert module_api.get(path, params={"order_by": "nope"}).status_code == 400
    assert module_api.get(path, params={"try_number": "x"}).status_code == 422
    assert module_api.get("/api/v2/dags/etl/dagRuns/nope/taskInstances").status_code == 404


def test_tildes_list_task_instances_of_every_dag_and_run(api: Api) -> None:
    api.dags(ETL)
    api.run("etl")
    api.run("etl")
    body = api.ok("GET", "/api/v2/dags/~/dagRuns/~/taskInstances")
    assert body["total_entries"] == 4


def test_get_one_task_instance_and_a_404_naming_it(api: Api) -> None:
    api.dags(ETL)
    run_id = api.run("etl")["dag_run_id"]
    one = api.ok("GET", f"/api/v2/dags/etl/dagRuns/{run_id}/taskInstances/load")
    assert one["task_id"] == "load"
    assert one["map_index"] == -1
    missing = api.get(f"/api/v2/dags/etl/dagRuns/{run_id}/taskInstances/nope")
    assert missing.status_code == 404
    assert "'nope'" in missing.json()["detail"]


def test_mapped_instances_are_listed_and_read_by_map_index(api: Api) -> None:
    api.dags(MAPPED)
    run_id = api.run("mapped")["dag_run_id"]
    base = f"/api/v2/dags/mapped/dagRuns/{run_id}/taskInstances/square"
    listed = api.ok("GET", f"{base}/listMapped")
    assert [ti["map_index"] for ti in listed["task_instances"]] == [0, 1, 2]
    assert listed["total_entries"] == 3
    assert (
        api.ok("GET", f"{base}/listMapped", params={"order_by": "-map_index"})["task_instances"][0][
            "map_index"
        ]
        == 2
    )
    assert api.ok("GET", f"{base}/2")["map_index"] == 2
    assert api.get(f"{base}/7").status_code == 404
    unmapped = api.get(base)
    assert unmapped.status_code == 404
    assert "mapped" in unmapped.json()["detail"]
    assert api.get(f"{base}/-5").status_code == 422
    assert api.get(f"{base}/99999999999999999999").status_code == 422
    assert (
        api.get(f"/api/v2/dags/mapped/dagRuns/{run_id}/taskInstances/nope/listMapped").status_code
        == 404
    )


def test_tries_list_every_try_and_read_one_by_number(api: Api) -> None:
    api.dags(FLAKY)
    run_id = api.run("flaky")["dag_run_id"]
    base = f"/api/v2/dags/flaky/dagRuns/{run_id}/taskInstances/flaky"
    tries = api.ok("GET", f"{base}/tries")
    assert [(t["try_number"], t["state"]) for t in tries["task_instances"]] == [
        (1, "failed"),
        (2, "success"),
    ]
    assert tries["total_entries"] == 2
    assert api.ok("GET", f"{base}/tries/1")["state"] == "failed"
    assert api.ok("GET", f"{base}/tries/2")["state"] == "success"
    missing = api.get(f"{base}/tries/3")
    assert missing.status_code == 404
    assert "try 3" in missing.json()["detail"]
    assert api.ok("GET", f"{base}/-1/tries")["total_entries"] == 2


def test_mapped_tries_are_read_by_map_index(api: Api) -> None:
    api.dags(MAPPED)
    run_id = api.run("mapped")["dag_run_id"]
    base = f"/api/v2/dags/mapped/dagRuns/{run_id}/taskInstances/square"
    assert api.ok("GET", f"{base}/1/tries")["total_entries"] == 1
    assert api.ok("GET", f"{base}/1/tries/1")["map_index"] == 1
    assert api.ok("GET", f"{base}/tries", params={"map_index": 2})["total_entries"] == 1


def test_marking_a_failed_task_success_clears_what_failed_downstream(sql_api: Api) -> None:
    run_id = _failed_etl(sql_api)
    path = f"/api/v2/dags/etl/dagRuns/{run_id}/taskInstances/extract"
    body = sql_api.ok("PATCH", path, json={"new_state": "success"})
    assert [ti["task_id"] for ti in body["task_instances"]] == ["extract"]
    assert body["task_instances"][0]["state"] == "success"
    states = {ti["task_id"]: ti["state"] for ti in _tis(sql_api, run_id)["task_instances"]}
    assert states == {"extract": "success", "load": None}
    sql_api.deployment.run_until_finished("etl", run_id)
    assert sql_api.ok("GET", f"/api/v2/dags/etl/dagRuns/{run_id}")["state"] == "success"


def test_marking_with_downstream_marks_the_downstream_tasks_too(api: Api) -> None:
    run_id = _failed_etl(api)
    path = f"/api/v2/dags/etl/dagRuns/{run_id}/taskInstances/extract"
    body = api.ok("PATCH", path, json={"new_state": "skipped", "include_downstream": True})
    assert sorted(ti["task_id"] for ti in body["task_instances"]) == ["extract", "load"]
    assert {ti["state"] for ti in body["task_instances"]} == {"skipped"}


def test_a_dry_run_patch_changes_nothing(api: Api) -> None:
    run_id = _failed_etl(api)
    path = f"/api/v2/dags/etl/dagRuns/{run_id}/taskInstances/extract/dry_run"
    body = api.ok("PATCH", path, json={"new_state": "success"})
    assert [ti["state"] for ti in body["task_instances"]] == ["failed"]
    assert _tis(api, run_id, state="failed")["total_entries"] == 1


def test_patch_sets_a_note(api: Api) -> None:
    api.dags(ETL)
    run_id = api.run("etl")["dag_run_id"]
    path = f"/api/v2/dags/etl/dagRuns/{run_id}/taskInstances/load"
    body = api.ok("PATCH", path, json={"note": "checked"})
    assert body["task_instances"][0]["note"] == "checked"
    assert api.ok("GET", path)["note"] == "checked"
    assert api.ok("GET", path)["state"] == "success"


def test_patching_a_mapped_instance_marks_that_index_only(api: Api) -> None:
    api.dags(MAPPED)
    run_id = api.run("mapped")["dag_run_id"]
    base = f"/api/v2/dags/mapped/dagRuns/{run_id}/taskInstances/square"
    body = api.ok("PATCH", f"{base}/1", json={"new_state": "failed"})
    assert [(ti["map_index"], ti["state"]) for ti in body["task_instances"]] == [(1, "failed")]
    states = [ti["state"] for ti in api.ok("GET", f"{base}/listMapped")["task_instances"]]
    assert states == ["success", "failed", "success"]


@pytest.mark.parametrize(
    ("body", "params", "status", "word"),
    [
        ({"new_state": "running"}, {}, 422, "new_state"),
        ({"new_state": "success", "colour": 1}, {}, 422, "colour"),
        ({"note": "x"}, {"update_mask": "state"}, 400, "state"),
        ({"note": "n" * 1001}, {}, 422, "note"),
    ],
)
def test_bad_task_instance_patches_name_the_problem(
    module_api: Api, body: dict[str, Any], params: dict[str, str], status: int, word: str
) -> None:
    response = module_api.patch(
        "/api/v2/dags/etl/dagRuns/done/taskInstances/load", json=body, params=params
    )
    assert response.status_code == status, response.text
    assert word in response.text


def test_patching_unknown_tasks_and_runs_is_a_404(api: Api) -> None:
    api.dags(ETL)
    run_id = api.run("etl")["dag_run_id"]
    base = f"/api/v2/dags/etl/dagRuns/{run_id}/taskInstances"
    assert api.patch(f"{base}/nope", json={"new_state": "success"}).status_code == 404
    assert api.patch(f"{base}/load/3", json={"new_state": "success"}).status_code == 404
    gone = api.patch("/api/v2/dags/etl/dagRuns/gone/taskInstances/load", json={"note": "x"})
    assert gone.status_code == 404


def test_clear_task_instances_dry_run_then_for_real(sql_api: Api) -> None:
    run_id = _failed_etl(sql_api)
    path = "/api/v2/dags/etl/clearTaskInstances"
    dry = sql_api.ok("POST", path, json={"dag_run_id": run_id})
    assert sorted(ti["task_id"] for ti in dry["task_instances"]) == ["extract", "load"]
    assert _tis(sql_api, run_id, state="failed")["total_entries"] == 1
    done = sql_api.ok("POST", path, json={"dag_run_id": run_id, "dry_run": False})
    assert done["total_entries"] == 2
    assert {ti["state"] for ti in done["task_instances"]} == {None}
    sql_api.deployment.run_until_finished("etl", run_id)
    assert sql_api.ok("GET", f"/api/v2/dags/etl/dagRuns/{run_id}")["state"] == "success"


def test_clear_task_instances_by_task_with_downstream(api: Api) -> None:
    api.dags(ETL)
    run_id = api.run("etl")["dag_run_id"]
    body = {"task_ids": ["extract"], "only_failed": False}
    only = api.ok("POST", "/api/v2/dags/etl/clearTaskInstances", json=body)
    assert [ti["task_id"] for ti in only["task_instances"]] == ["extract"]
    down = api.ok(
        "POST",
        "/api/v2/dags/etl/clearTaskInstances",
        json={**body, "include_downstream": True, "dag_run_id": run_id},
    )
    assert sorted(ti["task_id"] for ti in down["task_instances"]) == ["extract", "load"]


@pytest.mark.parametrize(
    ("body", "status", "word"),
    [
        ({"task_ids": ["nope"]}, 404, "nope"),
        ({"dag_run_id": "gone"}, 404, "gone"),
        ({"only_running": True}, 400, "only_running"),
        ({"task_ids": [["extract", 0]]}, 400, "task_ids"),
        ({"task_ids": "extract"}, 422, "task_ids"),
        ({"start_date": "2024-01-01"}, 422, "start_date"),
        ({"dry_run": "maybe"}, 422, "dry_run"),
    ],
)
def test_bad_clears_name_the_problem(
    module_api: Api, body: dict[str, Any], status: int, word: str
) -> None:
    response = module_api.post("/api/v2/dags/etl/clearTaskInstances", json=body)
    assert response.status_code == status, response.text
    assert word in response.text


def test_clearing_an_unknown_dag_is_a_404(api: Api) -> None:
    assert api.post("/api/v2/dags/nope/clearTaskInstances", json={}).status_code == 404


def test_clear_with_prevent_running_task_refuses_running_instances(api: Api) -> None:
    from tradewind.contracts.states import TaskInstanceState as S
    from tradewind.storage.repos import task_instances as ti_repo

    api.dags(ETL)
    run_id = api.ok("POST", "/api/v2/dags/etl/dagRuns", json={"logical_date": None})["dag_run_id"]
    with api.deployment.sessions.begin() as session:
        ti_repo.update_task_instance_states(
            session=session, keys=[("etl", run_id, "extract", -1)], state=S.RUNNING
        )
    body = {"dag_run_id": run_id, "only_failed": False, "prevent_running_task": True}
    refused = api.post("/api/v2/dags/etl/clearTaskInstances", json=body)
    assert refused.status_code == 400
    assert "extract" in refused.json()["detail"]


def test_clear_sets_the_note_of_what_it_clears(api: Api) -> None:
    api.dags(ETL)
    run_id = api.run("etl")["dag_run_id"]
    body = {"dag_run_id": run_id, "only_failed": False, "dry_run": False, "note": "rerun"}
    cleared = api.ok("POST", "/api/v2/dags/etl/clearTaskInstances", json=body)
    assert {ti["note"] for ti in cleared["task_instances"]} == {"rerun"}
