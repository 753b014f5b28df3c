"""Parsing DAG files in a child process, so user code never runs in the caller.

The parent (:func:`parse`) finds the files itself (that runs no user code), then starts
``python -P -m tradewind.runtime.parse_worker`` and writes one JSON request on its stdin::

    {"files": ["/abs/a.py", ...], "root": "/abs/dags", "timeout": 30.0}

The child answers with JSON lines on its stdout: ``{"ready": true}`` once it has imported
Tradewind, then one line per file, in order::

    {"file": "/abs/a.py", "specs": [DagSpec.to_dict(), ...], "errors": [DagImportError, ...]}

Lines arrive as files finish, so when the child dies (``os._exit``, a segfault) or stops
answering, the parent knows which file it was on: that file gets an import error, and a new
child parses the files after it. The child's stdout is kept for the protocol: anything user
code prints goes to stderr. Only the loader, the SDK and what DAG files import are imported
here; this is a cold process.
"""

from __future__ import annotations

import contextlib
import faulthandler
import json
import os
import re
import selectors
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from typing import Any

from tradewind.contracts.dagspec import DagSpec
from tradewind.runtime.loader import (
    DEFAULT_IGNORE_FILE,
    DagImportError,
    ParseResult,
    StrPath,
    dag_folder,
    duplicate_dag_id_error,
    find_dag_files,
    load_dag_file,
)
from tradewind.sdk.serialization import serialize_dag

#: Seconds the parent waits beyond a file's own import timeout (which the child enforces
#: itself) before it kills a child that has stopped answering; covers interpreter start.
GRACE_SECONDS = 5.0
_STDERR_TAIL = 4000


# -- child -----------------------------------------------------------------------------------


def _parse_file(filename: str, *, timeout: float, root: str) -> dict[str, Any]:
    loaded = load_dag_file(filename, timeout=timeout, root=root)
    specs: list[dict[str, Any]] = []
    errors = [error.to_dict() for error in loaded.errors]
    for dag in loaded.dags.values():
        try:
            specs.append(serialize_dag(dag).to_dict())
        except Exception as error:
            message = f"{type(error).__name__}: could not serialize DAG {dag.dag_id!r}: {error}"
            errors.append(DagImportError(filename, None, message, "").to_dict())
    return {"file": filename, "specs": specs, "errors": errors}


def main() -> int:
    """Child entry point: answer one request read from stdin (see the module docstring)."""
    protocol = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    faulthandler.enable()  # a segfault prints the user's line to stderr for the parent
    protocol.write(json.dumps({"ready": True}) + "\n")
    protocol.flush()
    request = json.load(sys.stdin)
    for filename in request["files"]:
        report = _parse_file(filename, timeout=request["timeout"], root=request["root"])
        protocol.write(json.dumps(report, default=str) + "\n")
        protocol.flush()
    return 0


# -- parent ----------------------------------------------------------------------------------


@dataclass
class _Run:
    """What one child reported before it finished, died or was stopped."""

    #: False until the child has imported Tradewind: a failure before that is not a file's.
    ready: bool = False
    reports: list[dict[str, Any]] = field(default_factory=list)
    #: Why the child stopped early: "crashed", "hung" or "out of time"; None if it finished.
    failure: str | None = None
    returncode: int | None = None
    stderr: str = ""


def _read_reports(
    process: subprocess.Popen[bytes], run: _Run, timeout: float, deadline: float | None
) -> None:
    assert process.stdout is not None
    buffer = b""
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        file_deadline = time.monotonic() + timeout + GRACE_SECONDS
        while True:
            now = time.monotonic()
            limit = min(file_deadline, deadline) if deadline is not None else file_deadline
            if now >= limit:
                run.failure = "out of time" if deadline is not None and now >= deadline else "hung"
                process.kill()
                return
            if not selector.select(limit - now):
                continue
            chunk = os.read(process.stdout.fileno(), 65536)
            if not chunk:
                return
            buffer += chunk
            *lines, buffer = buffer.split(b"\n")
            for line in lines:
                try:
                    message = json.loads(line)
                except ValueError:  # cannot happen unless user code writes to our descriptor
                    process.kill()
                    return
                if message.get("ready"):
                    run.ready = True
                else:
                    run.reports.append(message)
                file_deadline = time.monotonic() + timeout + GRACE_SECONDS


def _run_child(files: list[str], root: str, timeout: float, deadline: float | None) -> _Run:
    run = _Run()
    request = json.dumps({"files": files, "root": root, "timeout": timeout}).encode()
    with tempfile.TemporaryFile() as stderr:
        # -P: the caller's working folder must not shadow modules that DAG files import.
        process = subprocess.Popen(
            [sys.executable, "-P", "-m", "tradewind.runtime.parse_worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
        )
        try:
            assert process.stdin is not None
            with contextlib.suppress(BrokenPipeError):
                process.stdin.write(request)
                process.stdin.close()
            _read_reports(process, run, timeout, deadline)
        finally:
            process.kill()
            run.returncode = process.wait()
            if process.stdout is not None:
                process.stdout.close()
        stderr.seek(0, os.SEEK_END)
        stderr.seek(max(0, stderr.tell() - _STDERR_TAIL))
        run.stderr = stderr.read().decode("utf-8", errors="replace")
    if run.failure is None and len(run.reports) < len(files):
        run.failure = "crashed"
    return run


def _how_it_ended(returncode: int | None) -> str:
    if returncode is not None and returncode < 0:
        with contextlib.suppress(ValueError):
            return f"was killed by {signal.Signals(-returncode).name}"
    return f"exited with status {returncode}"


def _failure_error(filename: str, run: _Run, timeout: float) -> DagImportError:
    # faulthandler lists the most recent call first: the first frame in the file is innermost.
    match = re.search(rf'File "{re.escape(filename)}", line (\d+)', run.stderr)
    lineno = int(match.group(1)) if match else None
    if run.failure == "hung":
        message = (
            f"TimeoutError: the parse process stopped answering while importing this file "
            f"(over {timeout + GRACE_SECONDS:g}s) and was killed. Look for module-level code "
            "that blocks inside a C extension, or move slow work into tasks."
        )
    else:
        message = (
            f"The parse process {_how_it_ended(run.returncode)} while importing this file, so "
            "none of its DAGs could be read. Look for os._exit() or a crashing native "
            "extension at module level."
        )
    return DagImportError(filename, lineno, message, run.stderr.strip())


def _start_error(filename: str, run: _Run) -> DagImportError:
    last_line = run.stderr.strip().splitlines()[-1:] or ["no output"]
    message = (
        f"The parse process {_how_it_ended(run.returncode)} before it could import any file "
        f"({last_line[0]}). Check that Tradewind imports in {sys.executable}."
    )
    return DagImportError(filename, None, message, run.stderr.strip())


def _out_of_time_error(filename: str, total_timeout: float | None) -> DagImportError:
    message = (
        f"TimeoutError: parsing took longer than {total_timeout:g}s in total and this file "
        "was not parsed in time. Make slow DAG files cheaper to import, or raise the total "
        "parse timeout."
    )
    return DagImportError(filename, None, message, "")


def _merge(result: ParseResult, report: dict[str, Any], owners: dict[str, str]) -> None:
    result.errors.extend(DagImportError.from_dict(error) for error in report["errors"])
    for data in report["specs"]:
        spec = DagSpec.from_dict(data)
        first = owners.get(spec.dag_id)
        if first is not None:
            result.errors.append(duplicate_dag_id_error(spec.dag_id, first, report["file"]))
            continue
        owners[spec.dag_id] = report["file"]
        result.specs.append(spec)


def parse(
    path: StrPath,
    *,
    timeout: float = 30.0,
    total_timeout: float | None = None,
    ignore_file_name: str = DEFAULT_IGNORE_FILE,
    also_ignore_airflowignore: bool = True,
) -> ParseResult:
    """Parse a DAG file or folder in child processes; see the module docstring.

    ``timeout`` bounds each file's import; ``total_timeout`` (None for none) the whole parse,
    after which each unfinished file gets an import error. Raises ``DagFileError`` only when
    ``path`` does not exist.
    """
    files = find_dag_files(
        path, ignore_file_name=ignore_file_name, also_ignore_airflowignore=also_ignore_airflowignore
    )
    root = str(dag_folder(path))
    result = ParseResult(files=files)
    owners: dict[str, str] = {}
    deadline = None if total_timeout is None else time.monotonic() + total_timeout
    pending = list(files)
    while pending:
        run = _run_child(pending, root, timeout, deadline)
        for report in run.reports:
            _merge(result, report, owners)
        pending = pending[len(run.reports) :]
        if run.failure is None or not pending:
            break
        if run.failure == "out of time":
            result.errors.extend(_out_of_time_error(f, total_timeout) for f in pending)
            break
        if not run.ready:  # every child would fail the same way: report it once per file
            result.errors.extend(_start_error(f, run) for f in pending)
            break
        result.errors.append(_failure_error(pending[0], run, timeout))
        pending = pending[1:]
    return result


if __name__ == "__main__":
    sys.exit(main())
