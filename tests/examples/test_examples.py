"""The example pipelines run green with ``tradewind dags test``, taking the expected paths.

Each run is a real subprocess, as a user would type it; the task states are read from the
summary table the command prints.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@dataclass(frozen=True)
class Case:
    """One ``dags test`` run of an example and what it must show."""

    file: str
    dag_id: str
    conf: dict[str, Any] | None = None
    exit_code: int = 0
    #: label (``task`` or ``task[i]``) → state; labels not listed may have any state.
    states: dict[str, str] = field(default_factory=dict)
    #: Text the run must print.
    output: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return f"{self.dag_id}-{'-'.join(sorted(self.conf))}" if self.conf else self.dag_id


def all_success(*labels: str) -> dict[str, str]:
    return dict.fromkeys(labels, "success")


CASES = [
    Case(
        "hello.py",
        "hello",
        states=all_success("start", "say_hello", "show_context", "end"),
        output=("Hello, world! Today is",),
    ),
    Case("hello.py", "hello", conf={"name": "Ada"}, output=("Hello, Ada!",)),
    Case(
        "ml_training.py",
        "ml_training",
        states={
            **all_success("extract", "validate", "features", "pick_best", "evaluate", "gate"),
            **all_success(*(f"train[{i}]" for i in range(4)), "deploy", "report"),
            "alert": "skipped",
        },
    ),
    Case(
        "ml_training.py",
        "ml_training",
        conf={"min_accuracy": 0.9999},
        states={"alert": "success", "deploy": "skipped", "report": "success"},
        output=("Model NOT deployed",),
    ),
    Case(
        "ml_training.py",
        "ml_training",
        conf={"inject_missing": 5},
        exit_code=1,
        states={"extract": "success", "validate": "failed", "features": "upstream_failed"},
        output=("Dataset failed validation: 5 missing feature values",),
    ),
    Case(
        "etl_task_groups.py",
        "etl_task_groups",
        states={
            **all_success("start", "extract", "report"),
            **all_success(
                *(
                    f"{s}.{t}"
                    for s in ("orders", "customers", "products")
                    for t in ("clean", "transform")
                )
            ),
            **all_success("load.create_tables", "load.insert_rows", "load.check_counts"),
            "alert": "skipped",
        },
        output=("Row counts match", "'orders': 3, 'customers': 2, 'products': 3"),
    ),
    Case(
        "params_form.py",
        "params_form",
        states=all_success("announce", "plan", "run_batches", "notify"),
        output=("Processing orders, customers in staging from 2024-01-01 to 2024-01-01",),
    ),
    Case(
        "params_form.py",
        "params_form",
        conf={"environment": "production", "dry_run": False, "end_day": "2024-01-03"},
        states=all_success("announce", "plan", "run_batches", "notify"),
        output=("in production from 2024-01-01 to 2024-01-03", "Processing 50 rows/day"),
    ),
    Case(
        "branching_mapping.py",
        "branching_mapping",
        states={
            **all_success("create_workdir", "list_files", "any_words", "summarize"),
            **all_success(*(f"count_words[{i}]" for i in range(4))),
            **all_success(*(f"peek[{i}]" for i in range(4))),
            **all_success("found_big_file", "choose_batch", "small_batch", "join"),
            "archive_big_files": "skipped",
            "large_batch": "skipped",
            "remove_workdir": "success",
        },
        output=("4 files, 19 words",),
    ),
]


def tradewind(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "TRADEWIND_HOME": str(home),
        "COLUMNS": "200",  # a wide table: no wrapped task ids
        "PYTHONIOENCODING": "utf-8",
    }
    return subprocess.run(
        [sys.executable, "-m", "tradewind", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=90,
        check=False,
    )


def task_states(stdout: str) -> dict[str, str]:
    """``task`` / ``task[i]`` → state, from the summary table of ``dags test``."""
    states = {}
    for line in stdout.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("│|").split("│")]
        if len(cells) != 5 or cells[0] in ("", "task"):
            continue
        task_id, map_index, state = cells[:3]
        states[f"{task_id}[{map_index}]" if map_index else task_id] = state
    return states


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_example_runs_with_the_expected_task_states(case: Case, tmp_path: Path) -> None:
    args = ["dags", "test", str(EXAMPLES / case.file), case.dag_id]
    if case.conf is not None:
        args += ["--conf", json.dumps(case.conf)]

    result = tradewind(*args, home=tmp_path)

    assert result.returncode == case.exit_code, result.stdout + result.stderr
    states = task_states(result.stdout)
    assert {label: states.get(label) for label in case.states} == case.states
    for text in case.output:
        assert text in result.stdout


def test_ml_training_takes_exactly_one_of_deploy_and_alert(tmp_path: Path) -> None:
    result = tradewind(
        "dags", "test", str(EXAMPLES / "ml_training.py"), "ml_training", home=tmp_path
    )

    states = task_states(result.stdout)
    assert sorted([states["deploy"], states["alert"]]) == ["skipped", "success"]
    assert (tmp_path / "artifacts" / "ml_training" / "champion.pkl").is_file()


def test_params_form_rejects_a_bad_conf_naming_each_param(tmp_path: Path) -> None:
    conf = {"environment": "prod", "batch_size": 0, "start_day": "2024-02-30"}

    result = tradewind(
        "dags",
        "test",
        str(EXAMPLES / "params_form.py"),
        "params_form",
        "--conf",
        json.dumps(conf),
        home=tmp_path,
    )

    assert result.returncode == 2
    for name in conf:
        assert f"Param {name!r}" in result.stderr


def test_dags_list_reports_every_example_and_no_import_errors(tmp_path: Path) -> None:
    result = tradewind("dags", "list", str(EXAMPLES), "--output", "json", home=tmp_path)

    assert result.returncode == 0, result.stdout + result.stderr
    listing = json.loads(result.stdout)
    assert listing["import_errors"] == []
    assert {entry["dag_id"] for entry in listing["dags"]} == {case.dag_id for case in CASES}


def test_every_example_file_is_run_by_a_case() -> None:
    assert {path.name for path in EXAMPLES.glob("*.py")} == {case.file for case in CASES}
