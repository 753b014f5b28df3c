"""No GET route of the API ever shows a connection's password or a sensitive variable's value.

The deployment holds both secrets (written through the storage layer) and a finished run
whose task printed them, run by the local executor as in production, so its log went
through the runtime's masking. The test then calls every GET operation in ``/openapi.json``
(routes added later included): lists, items with the real ids, items with ids that do not
exist, and each as a Viewer; neither secret may appear in any response, nor in any log
record the API wrote meanwhile.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from tests.api.conftest import ETL, Api, make_api, settings_for, sqlite_deployment
from tests.api.populated import (
    CONNECTION_ID,
    CONNECTION_PASSWORD,
    REAL_PATH_VALUES,
    VARIABLE_KEY,
    VARIABLE_VALUE,
    fill_path,
    operations,
    store_secrets,
)
from tests.server.deployment import parse_here

from tradewind.contracts.states import TERMINAL_RUN_STATES
from tradewind.server.assembly import build_scheduler

SECRETS = (CONNECTION_PASSWORD, VARIABLE_VALUE)

#: A task that prints both secrets; the runtime masks them in its log.
LEAKY = f"""
from tradewind import get_current_context


with DAG("leaky", schedule=None, start_date=datetime(2024, 1, 1)) as dag:

    @task
    def leak():
        context = get_current_context()
        print("connection password:", context["conn"].{CONNECTION_ID}.password)
        print("variable:", context["var"].value.{VARIABLE_KEY})
        return "printed"

    leak()
"""

#: The ids of the leaky run, for every GET route that names an object.
LEAKY_PATH_VALUES = {
    **REAL_PATH_VALUES,
    "dag_id": "leaky",
    "dag_run_id": "leaky_run",
    "run_id": "leaky_run",
    "task_id": "leak",
    "variable_key": VARIABLE_KEY,
}


def _run_with_the_local_executor(api: Api, dag_id: str, run_id: str) -> None:
    """Run to the end as a server would: tasks in forked processes, their logs masked."""
    deployment = api.deployment
    scheduler = build_scheduler(settings_for(deployment.home), deployment.sessions)
    scheduler.executor.start()
    try:
        deadline = time.monotonic() + 60
        while deployment.run_state(dag_id, run_id) not in TERMINAL_RUN_STATES:
            assert time.monotonic() < deadline, deployment.states(dag_id, run_id)
            if scheduler.step() == 0:
                time.sleep(0.01)
    finally:
        scheduler.executor.stop()


@pytest.fixture(scope="module")
def secret_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("tradewind.server.dag_processor.parse_dag_files", parse_here)
        deployment = sqlite_deployment(tmp_path_factory.mktemp("secrets"))
        api = make_api(deployment)
        store_secrets(deployment.sessions)
        api.dags(ETL, LEAKY)
        api.run("etl", dag_run_id="done")
        api.ok(
            "POST",
            "/api/v2/dags/leaky/dagRuns",
            json={"logical_date": None, "dag_run_id": "leaky_run"},
        )
        _run_with_the_local_executor(api, "leaky", "leaky_run")
        with api.client:
            yield api
    deployment.engine.dispose()


def _get_requests(api: Api) -> Iterator[str]:
    """Every GET operation's path: with real ids, and with ids that name nothing."""
    for method, path, operation in operations(api.app):
        if method != "GET":
            continue
        integer = {
            p["name"]
            for p in operation.get("parameters", [])
            if p["in"] == "path" and p.get("schema", {}).get("type") == "integer"
        }
        names = [p["name"] for p in operation.get("parameters", []) if p["in"] == "path"]
        real = {name: LEAKY_PATH_VALUES.get(name, 1 if name in integer else "x") for name in names}
        missing = {name: 999_999 if name in integer else "no-such-thing" for name in names}
        for values in (real, missing) if names else (real,):
            filled = fill_path(path, {k: quote(str(v), safe="") for k, v in values.items()})
            assert filled is not None
            yield filled


def test_the_task_printed_the_secrets_and_the_runtime_masked_them(secret_api: Api) -> None:
    assert secret_api.deployment.states("leaky", "leaky_run") == {"leak": "success"}
    log = secret_api.deployment.home / "logs"
    text = "".join(path.read_text() for path in log.rglob("*.log"))
    assert "connection password: ***" in text and "variable: ***" in text
    assert not any(secret in text for secret in SECRETS)


def test_no_get_route_shows_a_secret_in_a_response_or_a_log(
    secret_api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    called: list[tuple[str, int]] = []
    for path in _get_requests(secret_api):
        for role in ("Admin", "Viewer"):
            for accept in ("application/json", "text/plain"):
                response = secret_api.get(path, role=role, headers={"Accept": accept})
                called.append((path, response.status_code))
                for secret in SECRETS:
                    assert secret not in response.text, f"GET {path} as {role}: {response.text}"
    leaked = [
        record.getMessage()
        for record in caplog.records
        if any(secret in _record_text(record) for secret in SECRETS)
    ]
    assert not leaked
    # The scan reached the objects, not only 404s: most real-id requests answered 200.
    assert sum(status == 200 for _, status in called) >= len(called) // 4, called


def _record_text(record: logging.LogRecord) -> str:
    parts: list[Any] = [record.getMessage(), record.exc_text or "", record.stack_info or ""]
    if record.exc_info and record.exc_info[1] is not None:
        parts.append(repr(record.exc_info[1]))
    return " ".join(str(part) for part in parts)


def test_the_log_route_shows_the_masked_line(secret_api: Api) -> None:
    path = "/api/v2/dags/leaky/dagRuns/leaky_run/taskInstances/leak/logs/1"
    body = secret_api.ok("GET", path, headers={"Accept": "application/json"})
    text = str(body)
    assert "connection password: ***" in text
    assert not any(secret in text for secret in SECRETS)
