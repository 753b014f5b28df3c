"""Shared fixtures of the Airflow compatibility tests."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tradewind.compat import install_if_needed

#: What the corpus's custom-operator DAG reads (AIRFLOW_CONN_* / AIRFLOW_VAR_* variables).
AIRFLOW_ENV = {
    "AIRFLOW_CONN_MY_API": "http://user:secret@api.example.com:8080/v1?timeout=5",
    "AIRFLOW_VAR_CONFIG": '{"threshold": 3}',
}


@pytest.fixture
def compat() -> None:
    """``import airflow`` resolves to Tradewind in this process (as the loader makes it)."""
    assert install_if_needed("auto"), "a real airflow is importable in the test environment"


@pytest.fixture
def airflow_env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    for name, value in AIRFLOW_ENV.items():
        monkeypatch.setenv(name, value)
    return AIRFLOW_ENV


RunPython = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def run_python() -> RunPython:
    """``run_python(*args, env=..., pythonpath=[...], cwd=...)``: this interpreter, in a
    subprocess, with a clean ``TRADEWIND_AIRFLOW_COMPAT`` and output captured as text."""

    def run(
        *args: str,
        env: dict[str, str] | None = None,
        pythonpath: list[Path] | None = None,
        cwd: Path | None = None,
    ) -> subprocess.CompletedProcess[str]:
        full_env = {k: v for k, v in os.environ.items() if k != "TRADEWIND_AIRFLOW_COMPAT"}
        full_env.update(env or {})
        if pythonpath:
            full_env["PYTHONPATH"] = os.pathsep.join(str(p) for p in pythonpath)
        return subprocess.run(
            [sys.executable, *args],
            env=full_env,
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    return run
