"""``…/taskInstances/{task_id}[/{map_index}]/dependencies``: why a task instance does not run."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import ETL, Api
from tests.api.resource_helpers import airflow_client

from tradewind.storage.repos import pools as pool_repo

PAST = """
with DAG("past", schedule="@daily", start_date=datetime(2024, 1, 1), catchup=False) as dag:
    PythonOperator(task_id="step", python_callable=work("step"), depends_on_past=True)
"""

POOLED = """
with DAG("pooled", schedule=None, start_date=datetime(2024, 1, 1)) as dag:
    PythonOperator(task_id="wide", python_callable=work("wide"), pool="tiny", pool_slots=2)
"""


def _deps(api: Api, dag_id: str, run_id: str, task_id: str, **kwargs: Any) -> dict[str, str]:
    body = api.ok(
        "GET",
        f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/dependencies",
        **kwargs,
    )
    return {dep["name"]: dep["reason"] for dep in body["dependencies"]}


def _trigger(api: Api, dag_id: str, **body: Any) -> str:
    run = api.ok("POST", f"/api/v2/dags/{dag_id}/dagRuns", json={"logical_date": None, **body})
    run_id: str = run["dag_run_id"]
    return run_id


def test_a_task_waiting_for_its_upstream_names_its_trigger_rule(sql_api: Api) -> None:
    sql_api.dags(ETL)
    run_id = _trigger(sql_api, "etl")
    sql_api.deployment.scheduler.step()  # the run starts; extract is scheduled, load waits

    load = _deps(sql_api, "etl", run_id, "load", role="Viewer")
    extract = _deps(sql_api, "etl", run_id, "extract")

    assert list(load) == ["Trigger Rule"]
    assert "'all_success'" in load["Trigger Rule"] and "extract" in load["Trigger Rule"]
    assert extract == {}


def test_a_finished_task_of_a_finished_run_says_both(api: Api) -> None:
    api.dags(ETL)
    run = api.run()

    deps = _deps(api, "etl", run["dag_run_id"], "load")

    assert set(deps) == {"Task Instance State", "Dagrun Running"}
    assert "success" in deps["Task Instance State"] and "clear" in deps["Task Instance State"]


def test_a_paused_dag_and_a_full_pool_hold_a_task_back(api: Api) -> None:
    api.dags(POOLED)
    with api.deployment.sessions() as session:
        pool_repo.create_pool(session=session, name="tiny", slots=1)
        session.commit()
    run_id = _trigger(api, "pooled")
    api.deployment.scheduler.step()
    api.ok("PATCH", "/api/v2/dags/pooled", json={"is_paused": True})

    deps = _deps(api, "pooled", run_id, "wide")

    assert deps["Dag Not Paused"] == "The DAG 'pooled' is paused."
    assert "has 1 of 1 slots free; the task needs 2" in deps["Pool Slots Available"]


def test_depends_on_past_names_the_previous_run(api: Api) -> None:
    api.dags(PAST)
    api.deployment.fail("step")
    first = api.run("past", logical_date="2024-01-01T00:00:00Z")
    second = _trigger(api, "past", logical_date="2024-01-02T00:00:00Z")
    api.deployment.scheduler.step()

    assert first["state"] == "failed"
    deps = _deps(api, "past", second, "step")
    assert list(deps) == ["Previous Dagrun State"]


def test_unknown_instances_are_404s_and_mapped_instances_have_their_route(api: Api) -> None:
    api.dags(ETL)
    run = api.run()
    base = f"/api/v2/dags/etl/dagRuns/{run['dag_run_id']}/taskInstances"

    missing = api.get(f"{base}/nope/dependencies")
    mapped = api.get(f"{base}/load/3/dependencies")
    no_run = api.get("/api/v2/dags/etl/dagRuns/nope/taskInstances/load/dependencies")

    assert missing.status_code == mapped.status_code == no_run.status_code == 404
    assert "'nope'" in missing.json()["detail"] and "map_index: 3" in mapped.json()["detail"]


def test_airflows_client_reads_dependencies(api: Api) -> None:
    api.dags(ETL)
    run = api.run()

    with airflow_client(api) as (_client, connection):
        from airflow_client.client.api.task_instance_api import TaskInstanceApi

        answer = TaskInstanceApi(connection).get_task_instance_dependencies(
            "etl", run["dag_run_id"], "load"
        )

    assert {dep.name for dep in answer.dependencies} == {"Task Instance State", "Dagrun Running"}
