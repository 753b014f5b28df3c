"""The DAG corpus: each file runs on Tradewind with the task states Airflow gives it.

The expected states are written down from Airflow's documented behaviour (trigger rules,
branching, short-circuiting, sensors, mapping over an empty list, setup/teardown); each file's
docstring says why. Files cover Airflow 1.10 (``v1_*``), Airflow 2 (``v2_*``) and Airflow 3
(``v3_*``) styles.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tradewind.cli.dag_test import run_dag_test
from tradewind.runtime.loader import load_dag_file, parse_dag_files

DAGS = Path(__file__).parent / "dags"
RunPython = Callable[..., subprocess.CompletedProcess[str]]

LOGICAL_DATE = datetime(2024, 1, 2, tzinfo=UTC)
S, F, SKIP, UF = "success", "failed", "skipped", "upstream_failed"


@dataclass(frozen=True)
class Case:
    file: str
    dag_id: str
    run_state: str
    states: dict[str, str]
    conf: dict[str, Any] = field(default_factory=dict)


CASES = [
    # -- Airflow 1.10 style --------------------------------------------------------------
    Case(
        "v1_classic_etl.py",
        "v1_classic_etl",
        S,
        dict.fromkeys(["start", "extract", "transform", "load"], S),
    ),
    Case(
        "v1_branching.py",
        "v1_branching",
        S,
        {
            "start": S,
            "branch": S,
            "path_a": S,
            "path_b": SKIP,
            "a_next": S,
            "b_next": SKIP,
            "join": S,
        },
    ),
    Case(
        "v1_trigger_rules.py",
        "v1_trigger_rules",
        F,
        {
            "failing": F,
            "skipping": SKIP,
            "ok": S,
            "fail_all_success": UF,
            "fail_all_done": S,
            "fail_one_failed": S,
            "ok_one_failed": SKIP,
            "fail_none_failed": UF,
            "fail_all_failed": S,
            "mixed_all_failed": SKIP,
            "skip_all_success": SKIP,
            "skip_none_failed": S,
            "skip_none_skipped": SKIP,
            "fail_always": S,
        },
    ),
    Case("v1_custom_sensor.py", "v1_custom_sensor", S, {"wait": S, "after": S}),
    Case(
        "v1_latest_only_short_circuit.py",
        "v1_latest_only_short_circuit",
        S,
        {"latest_only": S, "report": S, "gate": S, "publish": SKIP, "notify": SKIP},
    ),
    # -- Airflow 2 style -----------------------------------------------------------------
    Case(
        "v2_taskflow_etl.py",
        "v2_taskflow_etl",
        S,
        dict.fromkeys(["extract", "transform", "load"], S),
    ),
    Case(
        "v2_branch_decorators.py",
        "v2_branch_decorators",
        S,
        {
            "choose": S,
            "left": S,
            "right": SKIP,
            "join": S,
            "gate": S,
            "gated": SKIP,
            "after_gated": SKIP,
            "soft_gate": S,
            "soft_gated": SKIP,
            "soft_after": S,
        },
    ),
    Case(
        "v2_task_groups.py",
        "v2_task_groups",
        S,
        dict.fromkeys(
            [
                "start",
                "extract.a",
                "extract.b",
                "extract.inner.c",
                "transform.double",
                "transform.inc",
                "total",
                "end",
            ],
            S,
        ),
    ),
    Case(
        "v2_dynamic_mapping.py",
        "v2_dynamic_mapping",
        S,
        {
            "numbers": S,
            "add[0]": S,
            "add[1]": S,
            "add[2]": S,
            "total": S,
            "echo[0]": S,
            "echo[1]": S,
            "pairs": S,
            "multiply[0]": S,
            "multiply[1]": S,
            "nothing": S,
            "never": SKIP,
        },
    ),
    Case(
        "v2_params_templates.py", "v2_params_templates", S, {"check": S, "echo": S}, conf={"n": 7}
    ),
    Case("v2_datasets.py", "v2_dataset_producer", S, {"write_orders": S, "write_customers": S}),
    Case("v2_datasets.py", "v2_dataset_consumer", S, {"consume": S}),
    Case(
        "v2_sensors.py",
        "v2_sensors",
        S,
        {
            "make_flag": S,
            "wait_file": S,
            "wait_python": S,
            "wait_time": S,
            "wait_delta": S,
            "wait_value": S,
            "use": S,
            "never": SKIP,
            "after_never": SKIP,
        },
    ),
    Case("v2_custom_operator_hook.py", "v2_custom_operator_hook", S, {"greet": S, "echo": S}),
    Case(
        "v2_numpy_pandas.py",
        "v2_numpy_pandas",
        S,
        dict.fromkeys(["make_array", "make_frame", "make_stats", "check"], S),
    ),
    Case(
        "v2_setup_teardown.py",
        "v2_setup_teardown",
        F,
        {"create_cluster": S, "work": F, "delete_cluster": S, "report": UF},
    ),
    # -- Airflow 3 style -----------------------------------------------------------------
    Case(
        "v3_sdk_taskflow.py",
        "v3_sdk_taskflow",
        S,
        dict.fromkeys(["extract", "transform", "check", "announce"], S),
    ),
    Case(
        "v3_standard_provider.py",
        "v3_standard_provider",
        S,
        {
            "start": S,
            "wait": S,
            "ready": S,
            "branch": S,
            "fast": S,
            "slow": SKIP,
            "cleanup": S,
            "trigger": S,
        },
    ),
    Case("v3_assets.py", "v3_asset_producer", S, {"land": S, "refine": S}),
    Case("v3_assets.py", "v3_asset_consumer", S, {"consume": S}),
    Case(
        "v3_mapped_groups.py",
        "v3_mapped_groups",
        S,
        {
            "files": S,
            "process.size[0]": S,
            "process.size[1]": S,
            "process.label[0]": S,
            "process.label[1]": S,
            "collect": S,
            "numbers": S,
            "letters": S,
            "show[0]": S,
            "show[1]": S,
            "show[2]": S,
            "numbers__1": S,
            "squared[0]": S,
            "squared[1]": S,
            "squared[2]": S,
        },
    ),
]


@pytest.mark.usefixtures("airflow_env")
@pytest.mark.parametrize("case", CASES, ids=[case.dag_id for case in CASES])
def test_corpus_dag_ends_with_airflows_task_states(case: Case) -> None:
    loaded = load_dag_file(DAGS / case.file)
    assert not loaded.errors, loaded.errors[0].traceback
    result = run_dag_test(
        loaded.dags[case.dag_id], logical_date=LOGICAL_DATE, conf=case.conf, quiet=True
    )
    failures = {t.task_id: t.error for t in result.tries if t.error}
    assert result.states() == case.states, failures
    assert str(result.state) == case.run_state, failures


def test_every_corpus_file_has_expected_states() -> None:
    files = {path.name for path in DAGS.glob("*.py")}
    assert files == {case.file for case in CASES}
    styles = {name.split("_")[0] for name in files}
    assert styles == {"v1", "v2", "v3"} and len(files) >= 15


@pytest.mark.usefixtures("airflow_env")
def test_corpus_parses_in_the_child_process_without_errors() -> None:
    result = parse_dag_files(DAGS)
    assert not result.errors, result.errors[0].message
    assert {spec.dag_id for spec in result.specs} == {case.dag_id for case in CASES}


def test_dataset_schedule_becomes_an_asset_triggered_timetable() -> None:
    dags = load_dag_file(DAGS / "v2_datasets.py").dags
    timetable = dags["v2_dataset_consumer"].timetable
    assert type(timetable).__name__ == "AssetTriggeredTimetable"


SUBPROCESS_CASES = [
    case
    for case in CASES
    if case.dag_id in ("v1_trigger_rules", "v2_params_templates", "v3_standard_provider")
]


@pytest.mark.parametrize("case", SUBPROCESS_CASES, ids=[c.dag_id for c in SUBPROCESS_CASES])
def test_tradewind_dags_test_command_runs_corpus_dag(
    case: Case, run_python: RunPython, tmp_path: Path
) -> None:
    args = [
        "-m",
        "tradewind",
        "dags",
        "test",
        str(DAGS / case.file),
        case.dag_id,
        "-q",
        "-l",
        LOGICAL_DATE.isoformat(),
    ]
    if case.conf:
        args += ["--conf", json.dumps(case.conf)]
    done = run_python(*args, cwd=tmp_path)
    assert done.stdout.strip().splitlines()[-1] == case.run_state, done.stderr
    assert done.returncode == (0 if case.run_state == S else 1)
