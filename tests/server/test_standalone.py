"""`tradewind standalone` as a user runs it: ready, an admin login, the API, a clean stop."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def _wait_for_line(process: subprocess.Popen[str], text: str, timeout: float = 30.0) -> list[str]:
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
        if text in line:
            return lines
    raise AssertionError(f"{text!r} never printed; got:\n{''.join(lines)}")


def test_standalone_serves_the_api_with_a_stored_admin_password_and_stops_cleanly(
    tmp_path: Path,
) -> None:
    env = {**os.environ, "TRADEWIND_HOME": str(tmp_path), "TRADEWIND__CORE__LOAD_EXAMPLES": "false"}
    process = subprocess.Popen(
        # Port 0: a free port, named in the API line.
        [sys.executable, "-m", "tradewind", "standalone", "--port", "0"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        lines = _wait_for_line(process, "Ready in")
        [api_line] = [line for line in lines if "/api/v2 (docs at" in line]
        port = int(re.search(r"http://127\.0\.0\.1:(\d+)/api/v2", api_line).group(1))  # type: ignore[union-attr]
        assert port != 8080
        password_file = tmp_path / "standalone_password.txt"
        password = password_file.read_text().strip()
        assert oct(password_file.stat().st_mode & 0o777) == "0o600"
        assert any(f"admin / {password}" in line for line in lines)

        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/monitor/health") as reply:
            health = json.load(reply)
        assert health["metadatabase"]["status"] == "healthy"
        assert health["scheduler"]["status"] == "healthy"
        assert health["dag_processor"]["status"] == "healthy"
        login = urllib.request.Request(
            f"http://127.0.0.1:{port}/auth/token",
            data=json.dumps({"username": "admin", "password": password}).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(login) as reply:
            token = json.load(reply)["access_token"]
        dags = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/v2/dags", headers={"Authorization": f"Bearer {token}"}
        )
        with urllib.request.urlopen(dags) as reply:
            assert json.load(reply)["total_entries"] == 0
    finally:
        process.send_signal(signal.SIGINT)
        code = process.wait(timeout=30)
        assert process.stdout is not None
        process.stdout.close()
    assert code == 0
    children = subprocess.run(
        ["pgrep", "-f", f"tradewind.runtime.supervisor.*{process.pid}"], capture_output=True
    )
    assert children.stdout == b""


def test_a_second_start_keeps_the_admin_password(tmp_path: Path) -> None:
    from tradewind.config import load_settings
    from tradewind.server.assembly import open_database
    from tradewind.server.standalone_admin import ensure_admin
    from tradewind.storage.migrate import migrate

    settings = load_settings({"TRADEWIND_HOME": str(tmp_path)})
    engine, factory = open_database(settings)
    migrate(engine)
    first = ensure_admin(factory, tmp_path)
    assert first is not None
    assert ensure_admin(factory, tmp_path) is None
    assert (tmp_path / "standalone_password.txt").read_text().strip() == first
