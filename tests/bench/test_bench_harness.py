"""Smoke tests of the benchmark harness: it runs, prints figures and writes its report.

No timing is asserted here: speed is shown by ``python -m bench run``, not by tests.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # bench/ is a folder of the repository, not an installed package
    sys.path.insert(0, str(ROOT))

from bench.dags import chain_dag, empty_dag, fanout_dag  # noqa: E402
from bench.report import value  # noqa: E402
from bench.scenarios import resolve  # noqa: E402
from bench.systems import TradewindSystem  # noqa: E402

DURATION = r"\d+(\.\d+)? m?s"


def bench(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bench", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=100,
        check=False,
    )


def test_run_with_repeat_1_prints_a_table_with_figures_and_writes_markdown(
    tmp_path: Path,
) -> None:
    report = tmp_path / "latest.md"

    result = bench("run", "startup", "chain50", "--repeat", "1", "--output", str(report))

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    chain = next(line for line in lines if "chain of 50" in line)
    assert re.search(rf"chain50\s+dags test, chain of 50\s+1\s+{DURATION}", chain)
    assert re.search(rf"{DURATION}$", chain)  # the per-task overhead
    for measured in ("python -c pass", 'python -c "import tradewind"', "tradewind --version"):
        assert any(measured in line and re.search(DURATION, line) for line in lines)
    assert any(line.startswith("tradewind chain50, per-task overhead:") for line in lines)
    text = report.read_text()
    assert text.startswith("# Benchmark results")
    assert "| tradewind | chain50 | dags test, chain of 50 | 1 |" in text
    assert "| tradewind | empty | dags test, empty DAG | 1 |" in text
    assert not list(tmp_path.glob("*.tmp"))


def test_run_rejects_an_unknown_scenario_naming_the_known_ones(tmp_path: Path) -> None:
    result = bench("run", "chain5000", "--output", str(tmp_path / "x.md"))

    assert result.returncode == 2
    assert "chain5000" in result.stderr
    assert "chain50" in result.stderr
    assert not (tmp_path / "x.md").exists()


ALL_SCENARIOS = [
    "startup",
    "empty",
    "chain50",
    "fanout200",
    "floor",
    "sched_chain50",
    "sched_fanout200",
    "sched_fanout1000",
    "standalone_ready",
    "idle_rss",
]


def test_list_names_every_scenario() -> None:
    result = bench("list")

    assert result.returncode == 0
    names = [line.split()[0] for line in result.stdout.splitlines()]
    assert names == ALL_SCENARIOS


def test_a_scenario_brings_the_baseline_it_needs() -> None:
    assert [s.name for s in resolve(["fanout200"])] == ["empty", "fanout200"]
    assert [s.name for s in resolve([])] == ALL_SCENARIOS


def test_figures_are_shown_in_their_units() -> None:
    assert value(0.0123, "s") == "12.3 ms"
    assert value(163.4, "tasks/s") == "163 tasks/s"
    assert value(92.71, "MB") == "92.7 MB"


@pytest.mark.slow
def test_server_scenarios_print_their_figures_goals_and_the_floor(tmp_path: Path) -> None:
    report = tmp_path / "latest.md"

    result = bench(
        "run", "floor", "sched_chain50", "--repeat", "1", "--warmup", "0", "--output", str(report)
    )

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    for measured in (
        "on sqlite: fork + exit + reap of a warm Python process",
        "on sqlite: one sqlite commit",
        "chain of 50 on sqlite: trigger → success",
        "chain of 50 on sqlite: mean task-to-task gap",
    ):
        assert any(measured in line and re.search(DURATION, line) for line in lines), measured
    assert any(
        line.startswith("tradewind sched_chain50 (chain of 50 on sqlite), mean task-to-task gap:")
        and "goal < 15.0 ms" in line
        for line in lines
    )
    text = report.read_text()
    assert (
        "| tradewind | sched_chain50 | chain of 50 on sqlite: mean task-to-task gap | 1 |" in text
    )
    assert "Airflow" in text


def test_generated_dags_have_the_promised_task_counts(tmp_path: Path) -> None:
    header = TradewindSystem().dag_header
    (tmp_path / "empty.py").write_text(empty_dag("g_empty", header))
    (tmp_path / "chain.py").write_text(chain_dag("g_chain", header, 50))
    (tmp_path / "fanout.py").write_text(fanout_dag("g_fanout", header, 200))

    result = subprocess.run(
        [sys.executable, "-m", "tradewind", "dags", "list", str(tmp_path), "-o", "json"],
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    counts = {d["dag_id"]: d["tasks"] for d in json.loads(result.stdout)["dags"]}
    assert counts == {"g_empty": 0, "g_chain": 50, "g_fanout": 202}
