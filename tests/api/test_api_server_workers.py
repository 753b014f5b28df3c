"""``tradewind api-server --workers N``: processes that share one port, one signing key and
the connections they are sent, evenly; a worker that dies is replaced."""

from __future__ import annotations

import collections
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tradewind.api.auth.tokens import SECRET_KEY_FILE
from tradewind.cli import main
from tradewind.server import api_workers
from tradewind.storage import migrate
from tradewind.storage.engine import create_engine_from_url


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    main._register_commands()
    monkeypatch.setenv("TRADEWIND_HOME", str(tmp_path))
    monkeypatch.setenv("TRADEWIND_DATABASE_URL", f"sqlite:///{tmp_path / 'tradewind.db'}")
    monkeypatch.setattr("tradewind.logging.configure_logging", lambda *a, **k: None)
    engine = create_engine_from_url(f"sqlite:///{tmp_path / 'tradewind.db'}")
    migrate.migrate(engine)
    engine.dispose()
    return tmp_path


def test_workers_start_with_a_key_made_before_them(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    served: dict[str, Any] = {}

    def serve(host: str, port: int, workers: int) -> None:
        served.update(host=host, port=port, workers=workers)
        served["key_existed"] = (home / SECRET_KEY_FILE).exists()

    monkeypatch.setattr(api_workers, "serve_workers", serve)
    result = CliRunner().invoke(main.cli, ["api-server", "--port", "9998", "--workers", "3"])
    assert result.exit_code == 0, result.output
    assert served == {"host": "127.0.0.1", "port": 9998, "workers": 3, "key_existed": True}
    app = api_workers.worker_config("127.0.0.1", 9998).app
    assert "/api/v2/dags/{dag_id}/dagRuns" in app.openapi()["paths"]


def test_zero_workers_is_refused(home: Path) -> None:
    result = CliRunner().invoke(main.cli, ["api-server", "--workers", "0"])
    assert result.exit_code == 2
    assert "--workers" in result.output


# -- the worker processes ------------------------------------------------------------------------


@dataclass
class Served:
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    def workers(self) -> list[int]:
        """The pids of the worker processes (the parent's children that serve)."""
        pid = self.process.pid
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        return [
            int(child)
            for child in children
            if b"resource_tracker" not in Path(f"/proc/{child}/cmdline").read_bytes()
        ]

    def version(self) -> dict[str, Any]:
        url = f"http://127.0.0.1:{self.port}/api/v2/version"
        with urllib.request.urlopen(url, timeout=10) as reply:
            return dict(json.load(reply))


def _command(port: int) -> list[str]:
    return [sys.executable, "-m", "tradewind", "api-server", "--port", str(port), "--workers", "2"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(condition: Any, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def _serving(served: Served, workers: int) -> bool:
    """Whether every worker takes connections (each says so in the log)."""
    pids = served.workers()
    log = served.log.read_text()
    return len(pids) == workers and all(
        f"(process {pid}) is taking connections" in log for pid in pids
    )


@pytest.fixture
def two_workers(home: Path) -> Iterator[Served]:
    port, log = _free_port(), home / "api-server.log"
    with log.open("wb") as stderr:
        process = subprocess.Popen(
            _command(port),
            env={**os.environ, "TRADEWIND__CORE__LOAD_EXAMPLES": "false"},
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    served = Served(process, port, log)
    try:
        _wait_for(lambda: _serving(served, 2), "two workers to serve")
        yield served
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _established(port: int) -> set[int]:
    """Socket inodes of the connections accepted on ``port``."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local_port = int(fields[1].rsplit(":", 1)[1], 16)
            if local_port == port and fields[3] == "01":  # ESTABLISHED
                inodes.add(int(fields[9]))
    return inodes


def _connections_by_worker(served: Served) -> dict[int, int]:
    accepted = _established(served.port)
    counts: dict[int, int] = collections.Counter()
    for pid in served.workers():
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                target = str(fd.readlink())
            except OSError:
                continue
            if target.startswith("socket:[") and int(target[8:-1]) in accepted:
                counts[pid] += 1
    return dict(counts)


def test_a_burst_of_connections_is_shared_between_the_workers(two_workers: Served) -> None:
    clients = [socket.create_connection(("127.0.0.1", two_workers.port)) for _ in range(20)]
    try:
        request = b"GET /api/v2/version HTTP/1.1\r\nHost: test\r\n\r\n"
        for client in clients:
            client.sendall(request)
        for client in clients:
            assert client.recv(65536).startswith(b"HTTP/1.1 200")  # served, and kept open
        counts = _connections_by_worker(two_workers)
        assert sum(counts.values()) == 20
        # Left to take as many as it could, one worker took 18 to 20 of them.
        assert len(counts) == 2 and min(counts.values()) >= 8, counts
    finally:
        for client in clients:
            client.close()


def test_a_worker_that_dies_is_replaced(two_workers: Served) -> None:
    first, second = two_workers.workers()
    os.kill(first, signal.SIGKILL)
    _wait_for(
        lambda: _serving(two_workers, 2) and first not in two_workers.workers(),
        "a new worker",
    )
    assert second in two_workers.workers()
    for _ in range(10):
        assert "version" in two_workers.version()


def test_sigterm_stops_every_worker_and_frees_the_port(two_workers: Served) -> None:
    workers = two_workers.workers()
    two_workers.process.send_signal(signal.SIGTERM)
    assert two_workers.process.wait(timeout=30) == 0
    for pid in workers:
        assert not Path(f"/proc/{pid}").exists() or "Z" in _state(pid)
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", two_workers.port))


def _state(pid: int) -> str:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]


def test_a_taken_port_is_a_clear_error(home: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            _command(port),
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 2
    assert "is the port taken?" in result.stderr
