"""Processes of the server scenarios: launching a server, waiting for its health endpoint,
stopping its whole process group, and adding up the memory of a process tree.

Every server is launched in a new session, so its process group holds it and everything it
starts, and nothing else: stopping the group ends exactly what the harness started.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO

HEALTH_PATH = "/api/v2/monitor/health"


class ServerFailed(RuntimeError):
    """The server did not start, or a run did not finish in time."""


def free_port() -> int:
    """A TCP port nobody listens on now (other engineers run servers on this machine too)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Launched:
    """One server process, its output in ``log``, its process group its own."""

    def __init__(self, argv: Sequence[str], env: Mapping[str, str], log: Path) -> None:
        log.parent.mkdir(parents=True, exist_ok=True)
        self.log = log
        self._output: IO[bytes] = open(log, "wb")  # noqa: SIM115  (closed by stop)
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            list(argv),
            env=dict(env),
            stdout=self._output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def log_tail(self, characters: int = 3000) -> str:
        try:
            return self.log.read_text(errors="replace")[-characters:]
        except OSError:
            return ""

    def wait_for_health(self, port: int, timeout: float) -> float:
        """Seconds from launch until ``GET /api/v2/monitor/health`` answers 200."""
        deadline = self.started + timeout
        while time.perf_counter() < deadline:
            if not self.alive():
                raise ServerFailed(f"the server exited while starting:\n{self.log_tail()}")
            if health_answers(port):
                return time.perf_counter() - self.started
            time.sleep(0.02)
        raise ServerFailed(f"no answer from {HEALTH_PATH} in {timeout:.0f} s:\n{self.log_tail()}")

    def stop(self, signals: Sequence[signal.Signals], grace: float = 15.0) -> None:
        """Send each signal in turn to the whole group until it is gone; SIGKILL last."""
        try:
            for sig in [*signals, signal.SIGKILL]:
                if not _group_alive(self.pid):
                    break
                os.killpg(self.pid, sig)
                deadline = time.monotonic() + grace
                while _group_alive(self.pid) and time.monotonic() < deadline:
                    self.process.poll()  # reap the leader, so it does not linger as a zombie
                    time.sleep(0.05)
        finally:
            self.process.poll()
            self._output.close()


def _group_alive(pgid: int) -> bool:
    """Whether any process of group ``pgid`` still runs (zombies do not count)."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False


def health_answers(port: int) -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        connection.request("GET", HEALTH_PATH)
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


def _family(pid: int) -> set[int]:
    """``pid`` and every process below it, from /proc."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rpartition(")")[2].split()
            except OSError:
                continue
            parents[int(entry.name)] = int(fields[1])
    family = {pid}
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - family
        family |= frontier
    return family


def _sum_field(pids: set[int], filename: str, field: str) -> float:
    """The sum of ``field`` (a ``kB`` line of /proc/PID/``filename``) over ``pids``, in MB."""
    total_kb = 0
    for member in pids:
        try:
            text = Path(f"/proc/{member}/{filename}").read_text()
        except OSError:
            continue
        for line in text.splitlines():
            if line.startswith(field):
                total_kb += int(line.split()[1])
    return total_kb / 1024


def resident_megabytes(pid: int) -> float:
    """The resident memory (RSS) of ``pid`` and every process below it, in MB.

    Pages that forked processes share are counted once per process: an over-count.
    """
    return _sum_field(_family(pid), "status", "VmRSS:")


def proportional_megabytes(pid: int) -> float:
    """The proportional set size (PSS) of ``pid`` and every process below it, in MB.

    A page shared by n processes counts 1/n in each: the sum is the memory the tree costs.
    """
    return _sum_field(_family(pid), "smaps_rollup", "Pss:")


def process_count(pid: int) -> int:
    return len(_family(pid))
