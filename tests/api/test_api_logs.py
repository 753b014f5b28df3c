"""``…/taskInstances/{task_id}/logs/{try_number}``: a try's log as JSON pages with a
continuation token, or streamed (NDJSON, text) while the try runs."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.api.conftest import ETL, PASSWORD, Api, make_api, settings_for, sqlite_deployment

from tradewind.contracts.log_files import task_log_path
from tradewind.contracts.runs import TaskInstanceKey
from tradewind.contracts.states import TaskInstanceState as S
from tradewind.server import task_logs
from tradewind.server.api_process import ApiServer, serve_api_in_thread
from tradewind.storage.repos import task_instances as ti_repo

LOGS = "/api/v2/dags/etl/dagRuns/r1/taskInstances"

MAPPED = """
@task
def numbers():
    return [1, 2]


@task
def square(x):
    print(f"squaring {x}")
    return x * x


with DAG("mapped", schedule=None, start_date=datetime(2024, 1, 1)) as dag:
    square.expand(x=numbers())
"""

TALKER = """
import time


def talk():
    print("first line")
    time.sleep(0.5)
    print("second line")
    time.sleep(0.5)


with DAG("talker", schedule=None, start_date=datetime(2024, 1, 1)) as dag:
    PythonOperator(task_id="talk", python_callable=talk)
"""


def _running(api: Api, task_id: str = "load", lines: str | None = None) -> Path:
    """Run ``r1`` of ETL with ``task_id`` marked running in its first try; its log file holds
    ``lines`` (no file when None). Returns the log file's path."""
    api.deployment.trigger("etl", run_id="r1")
    with api.deployment.sessions.begin() as session:
        ti_repo.update_task_instance_states(
            session=session,
            keys=[("etl", "r1", task_id, -1)],
            state=S.RUNNING,
            values={"try_number": 1},
        )
    path = task_log_path(api.deployment.home / "logs", TaskInstanceKey("etl", "r1", task_id))
    if lines is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(lines)
    return path


def _finish(api: Api, task_id: str = "load") -> None:
    with api.deployment.sessions.begin() as session:
        ti_repo.update_task_instance_states(
            session=session, keys=[("etl", "r1", task_id, -1)], state=S.SUCCESS
        )


def _log(api: Api, path: str, **params: Any) -> dict[str, Any]:
    body: dict[str, Any] = api.ok("GET", path, params=params, role="Viewer")
    return body


def test_a_finished_try_reads_as_structured_messages(sql_api: Api) -> None:
    sql_api.dags(ETL)
    sql_api.run("etl", dag_run_id="r1")

    body = _log(sql_api, f"{LOGS}/extract/logs/1")

    assert body["continuation_token"] is None
    events = [message["event"] for message in body["content"]]
    assert "Done. Returned value was: extract" in events
    first = body["content"][0]
    assert first["timestamp"].endswith("Z")
    assert (first["level"], first["logger"]) == ("info", "tradewind.operators.python")


def test_a_finished_try_streams_as_ndjson_or_text_and_ends(api: Api) -> None:
    api.dags(ETL)
    api.run("etl", dag_run_id="r1")
    path = f"{LOGS}/extract/logs/1"

    ndjson = api.get(path, headers={"Accept": "application/x-ndjson"}, role="Viewer")
    text = api.get(path, headers={"Accept": "text/plain"}, role="Viewer")

    assert ndjson.headers["content-type"] == "application/x-ndjson"
    events = [json.loads(line)["event"] for line in ndjson.text.splitlines()]
    assert "Done. Returned value was: extract" in events
    assert text.headers["content-type"].startswith("text/plain")
    assert "INFO - Done. Returned value was: extract\n" in text.text


def test_the_continuation_token_returns_only_what_was_written_since(api: Api) -> None:
    api.dags(ETL)
    path = _running(api, lines="[2024-05-01T12:00:00.123Z] {tradewind.task} INFO - one\npart")

    first = _log(api, f"{LOGS}/load/logs/1")
    with path.open("a") as log:
        log.write("ial\nthree\n")
    second = _log(api, f"{LOGS}/load/logs/1", token=first["continuation_token"])
    _finish(api)
    with path.open("a") as log:
        log.write("last, without a newline")
    third = _log(api, f"{LOGS}/load/logs/1", token=second["continuation_token"])

    assert first["content"] == [
        {
            "event": "one",
            "timestamp": "2024-05-01T12:00:00.123000Z",
            "level": "info",
            "logger": "tradewind.task",
        }
    ]
    # While the try runs, a line being written waits until it is whole.
    assert [message["event"] for message in second["content"]] == ["partial", "three"]
    assert second["content"][1]["timestamp"] is None
    assert [message["event"] for message in third["content"]] == ["last, without a newline"]
    assert third["continuation_token"] is None


def test_a_try_that_has_written_nothing_yet_has_empty_content(api: Api) -> None:
    api.dags(ETL)
    _running(api)

    body = _log(api, f"{LOGS}/load/logs/1")

    assert body["content"] == []
    assert body["continuation_token"]


def test_a_finished_try_without_a_log_file_says_so(api: Api) -> None:
    api.dags(ETL)
    _running(api)
    _finish(api)

    body = _log(api, f"{LOGS}/load/logs/1")

    assert body["content"][0]["event"].startswith("There is no log at ")
    assert body["continuation_token"] is None


def test_pages_are_bounded_unless_full_content_is_asked(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(task_logs, "CHUNK_BYTES", 12)
    api.dags(ETL)
    _running(api, lines="line one\nline two\nline three\n")
    _finish(api)

    page = _log(api, f"{LOGS}/load/logs/1")
    rest = _log(api, f"{LOGS}/load/logs/1", token=page["continuation_token"])
    whole = _log(api, f"{LOGS}/load/logs/1", full_content=True)

    assert [message["event"] for message in page["content"]] == ["line one"]
    assert [message["event"] for message in rest["content"]] == ["line two"]
    assert [message["event"] for message in whole["content"]] == [
        "line one",
        "line two",
        "line three",
    ]
    assert whole["continuation_token"] is None


def test_a_mapped_instance_is_read_with_its_map_index(api: Api) -> None:
    api.dags(MAPPED)
    run = api.run("mapped")
    path = f"/api/v2/dags/mapped/dagRuns/{run['dag_run_id']}/taskInstances/square/logs/1"

    body = _log(api, path, map_index=1)
    unmapped = api.get(path, role="Viewer")

    assert "squaring 2" in [message["event"] for message in body["content"]]
    assert unmapped.status_code == 404
    assert "map_index=0, 1" in unmapped.json()["detail"]


@pytest.mark.parametrize(
    ("path", "detail"),
    [
        (f"{LOGS}/extract/logs/2", "has no try 2: it has had only try 1"),
        (f"{LOGS}/extract/logs/0", "has no try 0"),
        (f"{LOGS}/nope/logs/1", "no instance of task 'nope'"),
        ("/api/v2/dags/etl/dagRuns/gone/taskInstances/extract/logs/1", "'gone'"),
        ("/api/v2/dags/missing/dagRuns/r1/taskInstances/extract/logs/1", "not found"),
    ],
)
def test_what_is_not_there_is_a_404_naming_it(module_api: Api, path: str, detail: str) -> None:
    path = path.replace("/r1/", "/done/")
    response = module_api.get(path, role="Viewer")

    assert response.status_code == 404, response.text
    assert detail in response.json()["detail"]


def test_a_try_that_has_not_run_yet_is_a_404(module_api: Api) -> None:
    response = module_api.get(
        "/api/v2/dags/etl/dagRuns/waiting/taskInstances/load/logs/1", role="Viewer"
    )

    assert response.status_code == 404
    assert "it has not run yet" in response.json()["detail"]


@pytest.mark.parametrize(
    "token",
    [
        "nonsense",
        "e30",  # {}
        "eyJvZmZzZXQiOiAtMX0=",  # {"offset": -1}
        "eyJvZmZzZXQiOiAxZTk5OX0=",  # {"offset": 1e999}
        "eyJvZmZzZXQiOiA5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OX0=",  # {"offset": 99999999999999999999999}
        "W10=",  # []
        "\u00e9",
    ],
)
def test_a_token_the_api_did_not_make_is_a_400(module_api: Api, token: str) -> None:
    response = module_api.get(
        "/api/v2/dags/etl/dagRuns/done/taskInstances/load/logs/1", params={"token": token}
    )

    assert response.status_code == 400
    assert "continuation_token" in response.json()["detail"]


def test_an_unsupported_accept_header_is_a_406(module_api: Api) -> None:
    response = module_api.get(
        "/api/v2/dags/etl/dagRuns/done/taskInstances/load/logs/1",
        headers={"Accept": "image/png"},
    )

    assert response.status_code == 406
    assert "application/x-ndjson" in response.json()["detail"]


ACL = """
with DAG(
    "secret", schedule=None, start_date=datetime(2024, 1, 1), access_control={"Viewer": {"can_read"}}
) as dag:
    EmptyOperator(task_id="x")
"""


def test_a_dags_access_control_governs_its_logs(tmp_path: Path) -> None:
    api = make_api(sqlite_deployment(tmp_path))
    api.dags(ACL)
    run = api.run("secret")
    path = f"/api/v2/dags/secret/dagRuns/{run['dag_run_id']}/taskInstances/x/logs/1"

    assert api.get(path, role="Viewer").status_code == 200
    refused = api.get(path, role="Op")

    assert refused.status_code == 403
    assert "access_control" in refused.json()["detail"]
    api.deployment.engine.dispose()


# -- a real server: following a running try, and Airflow's client -------------------------------


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Api, ApiServer]]:
    """The API served by uvicorn, and a scheduler running tasks in a thread of its own."""
    api = make_api(sqlite_deployment(tmp_path))
    api.dags(ETL, TALKER)
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


def _wait_for(check: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "gave up waiting"
        time.sleep(0.02)


def test_a_stream_follows_a_running_try_until_it_ends(served: tuple[Api, ApiServer]) -> None:
    api, server = served
    run_id = api.ok("POST", "/api/v2/dags/talker/dagRuns", json={"logical_date": None})[
        "dag_run_id"
    ]
    _wait_for(lambda: api.deployment.ti("talker", run_id, "talk").try_number == 1)
    seen: dict[str, str | None] = {}

    with httpx.stream(
        "GET",
        f"{server.url}/api/v2/dags/talker/dagRuns/{run_id}/taskInstances/talk/logs/1",
        headers={**api.headers("Viewer"), "Accept": "application/x-ndjson"},
        timeout=10,
    ) as response:
        assert response.status_code == 200
        for line in response.iter_lines():
            event = json.loads(line)["event"]
            if event in ("first line", "second line"):
                seen[event] = api.deployment.ti("talker", run_id, "talk").state

    assert seen == {"first line": S.QUEUED, "second line": S.QUEUED}  # seen while it ran
    assert api.deployment.ti("talker", run_id, "talk").state == S.SUCCESS


def test_airflows_client_reads_a_log(served: tuple[Api, ApiServer]) -> None:
    client_module = pytest.importorskip("airflow_client.client")
    api, server = served
    run_id = api.ok("POST", "/api/v2/dags/etl/dagRuns", json={"logical_date": None})["dag_run_id"]
    _wait_for(lambda: api.deployment.run_state("etl", run_id) == "success")
    token = httpx.post(
        f"{server.url}/auth/token", json={"username": "viewer", "password": PASSWORD}
    ).json()["access_token"]
    configuration = client_module.Configuration(host=server.url, access_token=token)

    with client_module.ApiClient(configuration) as api_client:
        log = client_module.TaskInstanceApi(api_client).get_log("etl", run_id, "extract", 1)

    messages = log.content.actual_instance
    assert "Done. Returned value was: extract" in [message.event for message in messages]
    assert log.continuation_token is None
