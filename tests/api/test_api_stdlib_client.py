"""The API as a shell script drives it: the standard library only, against a real server.

``tradewind standalone`` runs in a process of its own over a fresh home and a DAG folder
this test writes. The client logs in with the stored admin password, unpauses the DAG,
triggers a run with conf, polls it to success and reads a task's log through Airflow 3's
path (``…/taskInstances/{task_id}/logs/1``, ``Accept: application/json``): urllib, json and
base64, nothing else.
"""

from __future__ import annotations

import base64
import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

GREETER = """
from datetime import datetime

from tradewind import DAG, task

with DAG("greeter", schedule=None, start_date=datetime(2024, 1, 1)) as dag:

    @task
    def greet(params=None, dag_run=None):
        print(f"hello from the greeter to {dag_run.conf['name']}")

    greet()
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Client:
    """What a script holds: the base URL and an ``Authorization`` header."""

    base: str
    authorization: str = ""

    def call(self, method: str, path: str, body: Any = None) -> Any:
        request = urllib.request.Request(
            self.base + path,
            data=None if body is None else json.dumps(body).encode(),
            method=method,
            headers={
                "Accept": "application/json",
                "Content-Type": "application/json",
                **({"Authorization": self.authorization} if self.authorization else {}),
            },
        )
        with urllib.request.urlopen(request, timeout=10) as reply:
            return json.load(reply)


@pytest.fixture
def standalone(tmp_path: Path) -> Iterator[tuple[Client, Path]]:
    """A ``tradewind standalone`` process on a free port; stopped with Ctrl-C after."""
    (tmp_path / "dags").mkdir()
    (tmp_path / "dags" / "greeter.py").write_text(textwrap.dedent(GREETER))
    port = _free_port()
    env = {
        **os.environ,
        "TRADEWIND_HOME": str(tmp_path),
        "TRADEWIND__CORE__LOAD_EXAMPLES": "false",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "tradewind", "standalone", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    output: list[str] = []
    try:
        deadline = time.monotonic() + 30
        while not any("Ready in" in line for line in output):
            line = process.stdout.readline()
            assert line and time.monotonic() < deadline, "".join(output)
            output.append(line)
        yield Client(f"http://127.0.0.1:{port}"), tmp_path
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        finally:
            process.stdout.close()


def test_a_standard_library_script_logs_in_triggers_polls_and_reads_the_log(
    standalone: tuple[Client, Path],
) -> None:
    client, home = standalone
    password = (home / "standalone_password.txt").read_text().strip()
    with pytest.raises(urllib.error.HTTPError) as refused:
        client.call("POST", "/auth/token", {"username": "admin", "password": "not it"})
    with refused.value:
        assert refused.value.code == 401
        assert json.load(refused.value)["detail"] == "Invalid username or password."

    login = client.call("POST", "/auth/token", {"username": "admin", "password": password})
    client.authorization = f"Bearer {login['access_token']}"
    client.call("PATCH", "/api/v2/dags/greeter", {"is_paused": False})
    run = client.call(
        "POST", "/api/v2/dags/greeter/dagRuns", {"logical_date": None, "conf": {"name": "Ada"}}
    )
    run_id = run["dag_run_id"]

    deadline = time.monotonic() + 30
    while run["state"] not in ("success", "failed"):
        assert time.monotonic() < deadline, run
        time.sleep(0.1)
        run = client.call("GET", f"/api/v2/dags/greeter/dagRuns/{run_id}")
    assert run["state"] == "success"

    # A script written for Airflow 2 sends HTTP Basic credentials instead of a token.
    basic = base64.b64encode(f"admin:{password}".encode()).decode()
    script = Client(client.base, f"Basic {basic}")
    log = script.call("GET", f"/api/v2/dags/greeter/dagRuns/{run_id}/taskInstances/greet/logs/1")
    events = [entry["event"] if isinstance(entry, dict) else entry for entry in log["content"]]
    assert any("hello from the greeter to Ada" in event for event in events), log
