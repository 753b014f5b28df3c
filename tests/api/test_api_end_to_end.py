"""A script that uses only the standard library drives a served API, as a user's would.

A real uvicorn server (``server.api_process``) over SQLite, a scheduler running tasks inline
in a background thread; the script logs in, triggers a run with conf, polls it to success
and reads its task instances.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.api.conftest import PASSWORD, Api, make_api, settings_for, sqlite_deployment

from tradewind.errors import TradewindError
from tradewind.server.api_process import ApiServer, serve_api_in_thread

CONF_DAG = """
from tradewind import Param


def record(**context):
    (HERE / "size.txt").write_text(str(context["params"]["size"] * 2))


with DAG(
    "doubler",
    schedule=None,
    start_date=datetime(2024, 1, 1),
    params={"size": Param(1, type="integer")},
) as dag:
    PythonOperator(task_id="double", python_callable=record)
"""


def call(server: ApiServer, method: str, path: str, body: Any = None, token: str = "") -> Any:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(server.url + path, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Api, ApiServer]]:
    api = make_api(sqlite_deployment(tmp_path))
    api.dags(CONF_DAG)
    stop = threading.Event()
    server = serve_api_in_thread(
        settings_for(tmp_path), api.deployment.sessions, "127.0.0.1", 0, stop
    )
    scheduler = api.deployment.scheduler
    thread = threading.Thread(target=scheduler.run, args=(stop,), daemon=True)
    thread.start()
    try:
        yield api, server
    finally:
        stop.set()
        scheduler.wake()
        thread.join(10)
        server.thread.join(10)
        api.deployment.engine.dispose()


def test_a_standard_library_script_triggers_and_follows_a_run(
    served: tuple[Api, ApiServer],
) -> None:
    api, server = served
    login = call(server, "POST", "/auth/token", {"username": "user", "password": PASSWORD})
    token = login["access_token"]
    run = call(
        server,
        "POST",
        "/api/v2/dags/doubler/dagRuns",
        {"logical_date": None, "conf": {"size": 21}},
        token,
    )
    path = f"/api/v2/dags/doubler/dagRuns/{run['dag_run_id']}"
    deadline = time.monotonic() + 20
    while run["state"] not in ("success", "failed"):
        assert time.monotonic() < deadline, run
        time.sleep(0.05)
        run = call(server, "GET", path, token=token)
    assert run["state"] == "success"
    assert run["conf"] == {"size": 21}
    tis = call(server, "GET", f"{path}/taskInstances", token=token)
    assert [(ti["task_id"], ti["state"]) for ti in tis["task_instances"]] == [("double", "success")]
    assert (api.deployment.dags_folder / "size.txt").read_text() == "42"
    with pytest.raises(urllib.error.HTTPError) as refused:
        call(server, "GET", "/api/v2/dags")
    assert refused.value.code == 401
    refused.value.close()
    assert call(server, "GET", "/api/v2/monitor/health")["scheduler"]["status"] == "healthy"


def test_a_taken_port_is_a_clear_error(served: tuple[Api, ApiServer], tmp_path: Path) -> None:
    api, server = served
    with pytest.raises(TradewindError, match="could not listen"):
        serve_api_in_thread(
            settings_for(tmp_path),
            api.deployment.sessions,
            "127.0.0.1",
            server.port,
            threading.Event(),
            startup_timeout=5,
        )


def test_the_server_stops_when_asked(tmp_path: Path) -> None:
    deployment = sqlite_deployment(tmp_path)
    stop = threading.Event()
    server = serve_api_in_thread(settings_for(tmp_path), deployment.sessions, "127.0.0.1", 0, stop)
    assert call(server, "GET", "/api/v2/version")["version"]
    stop.set()
    server.thread.join(10)
    assert not server.thread.is_alive()
    deployment.engine.dispose()


def test_airflows_official_python_client_works_against_the_api(
    served: tuple[Api, ApiServer],
) -> None:
    client_module = pytest.importorskip("airflow_client.client")
    _, server = served
    token = call(server, "POST", "/auth/token", {"username": "admin", "password": PASSWORD})
    configuration = client_module.Configuration(host=server.url, access_token=token["access_token"])
    with client_module.ApiClient(configuration) as api_client:
        dags = client_module.DAGApi(api_client).get_dags(limit=10, order_by=["-dag_id"])
        assert [dag.dag_id for dag in dags.dags] == ["doubler"]
        details = client_module.DAGApi(api_client).get_dag_details("doubler")
        assert details.params["size"]["value"] == 1
        runs = client_module.DagRunApi(api_client)
        run = runs.trigger_dag_run(
            "doubler",
            client_module.TriggerDAGRunPostBody(logical_date=None, conf={"size": 5}),
        )
        deadline = time.monotonic() + 20
        while run.state not in ("success", "failed"):
            assert time.monotonic() < deadline
            time.sleep(0.05)
            run = runs.get_dag_run("doubler", run.dag_run_id)
        assert run.state == "success"
        assert runs.get_dag_runs("doubler", state=["success"]).total_entries == 1
        tis = client_module.TaskInstanceApi(api_client).get_task_instances(
            "doubler", run.dag_run_id
        )
        assert [ti.state for ti in tis.task_instances] == ["success"]
        tries = client_module.TaskInstanceApi(api_client).get_task_instance_tries(
            "doubler", run.dag_run_id, "double"
        )
        assert tries.total_entries == 1
        tasks = client_module.TaskApi(api_client).get_tasks("doubler")
        assert [task.task_id for task in tasks.tasks] == ["double"]
        source = client_module.DagSourceApi(api_client).get_dag_source("doubler")
        assert "doubler" in source.content
        health = client_module.MonitorApi(api_client).get_health()
        assert health.metadatabase.status == "healthy"
        assert client_module.VersionApi(api_client).get_version().version


def test_the_official_clients_request_bodies_are_accepted(
    served: tuple[Api, ApiServer],
) -> None:
    """The client sends its models' defaults (``only_new``, ``prevent_running_task``…)."""
    client_module = pytest.importorskip("airflow_client.client")
    _, server = served
    token = call(server, "POST", "/auth/token", {"username": "admin", "password": PASSWORD})
    configuration = client_module.Configuration(host=server.url, access_token=token["access_token"])
    run = call(
        server,
        "POST",
        "/api/v2/dags/doubler/dagRuns",
        {"logical_date": None},
        token["access_token"],
    )
    run_id = run["dag_run_id"]
    deadline = time.monotonic() + 20
    while run["state"] != "success":
        assert time.monotonic() < deadline, run
        time.sleep(0.05)
        run = call(
            server, "GET", f"/api/v2/dags/doubler/dagRuns/{run_id}", token=token["access_token"]
        )
    with client_module.ApiClient(configuration) as api_client:
        dags = client_module.DAGApi(api_client)
        assert dags.patch_dag("doubler", client_module.DAGPatchBody(is_paused=True)).is_paused
        dags.patch_dag("doubler", client_module.DAGPatchBody(is_paused=False))
        runs = client_module.DagRunApi(api_client)
        marked = runs.patch_dag_run("doubler", run_id, client_module.DAGRunPatchBody(note="seen"))
        assert marked.note == "seen"
        # The client cannot parse this answer (from Airflow either): its items match both
        # NewTaskResponse and TaskInstanceResponse; read it raw.
        dry = runs.clear_dag_run_without_preload_content(
            "doubler", run_id, client_module.DAGRunClearBody()
        )
        assert dry.status == 200
        assert json.loads(dry.data)["total_entries"] == 1
        batch = runs.get_list_dag_runs_batch("~", client_module.DAGRunsBatchBody())
        assert batch.total_entries == 1
        tis = client_module.TaskInstanceApi(api_client)
        cleared = tis.post_clear_task_instances(
            "doubler", client_module.ClearTaskInstancesBody(dag_run_id=run_id, only_failed=False)
        )
        assert [ti.task_id for ti in cleared.task_instances] == ["double"]
        patched = tis.patch_task_instance(
            "doubler", run_id, "double", client_module.PatchTaskInstanceBody(note="fine")
        )
        assert patched.task_instances[0].note == "fine"
