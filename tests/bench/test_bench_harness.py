"""Tests of the benchmark harness: it runs, orders the systems A B A B, orients its ratios,
writes its report and chart, says why a figure is missing, and its Airflow twin DAGs have the
shapes of Tradewind's.

No timing is asserted here (speed is shown by ``python -m bench run``, not by tests), and
nothing needs Apache Airflow installed.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # bench/ is a folder of the repository, not an installed package
    sys.path.insert(0, str(ROOT))

from bench.chart import write_chart  # noqa: E402
from bench.compare import fewer_samples, lines, ratio, verdicts  # noqa: E402
from bench.measure import Command, Timing  # noqa: E402
from bench.report import (  # noqa: E402
    markdown,
    read_json,
    text_table,
    value,
    write_json,
    write_markdown,
)
from bench.results import PER_UNIT, WALL, Row, Run, with_per_unit  # noqa: E402
from bench.runner import Entry, Slot, measure  # noqa: E402
from bench.scenarios import SCENARIOS, Case, Scenario, resolve  # noqa: E402
from bench.systems import AIRFLOW_VENV_ENV, AirflowSystem, TradewindSystem  # noqa: E402

from bench import dags  # noqa: E402

DURATION = r"\d+(\.\d+)? m?s"
ALL_SCENARIOS = [
    "startup",
    "empty",
    "chain50",
    "fanout200",
    "fanout1000",
    "iris",
    "parse100",
    "floor",
    "coldstart",
    "idle_rss",
]


def bench(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bench", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=100,
        check=False,
        env=env,
    )


# -- the command line ----------------------------------------------------------------------------


def test_run_on_tradewind_prints_a_table_with_figures_and_writes_the_report(
    tmp_path: Path,
) -> None:
    report = tmp_path / "latest.md"

    result = bench(
        "run", "startup", "chain50", "--systems", "tradewind", "--mode", "test", "--repeat", "1",
        "--warmup", "0", "--output", str(report),
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    lines_out = result.stdout.splitlines()
    chain = next(line for line in lines_out if "dags test, chain of 50 " in line)
    assert re.search(rf"chain50\s+dags test, chain of 50\s+{DURATION}\s+{DURATION} - ", chain)
    assert any("per task, minus the baseline" in line for line in lines_out)
    assert any(line.strip().startswith("chain50 (dags test, chain of 50)") for line in lines_out)
    text = report.read_text()
    assert text.startswith("# Benchmark results")
    assert "| chain50 | dags test, chain of 50 |" in text
    assert "| empty | dags test, empty DAG |" in text
    assert (tmp_path / "latest.json").exists()
    assert not list(tmp_path.glob("*.tmp"))


def test_run_rejects_an_unknown_scenario_naming_the_known_ones(tmp_path: Path) -> None:
    result = bench("run", "chain5000", "--output", str(tmp_path / "x.md"))

    assert result.returncode == 2
    assert "chain5000" in result.stderr
    assert "chain50" in result.stderr
    assert not (tmp_path / "x.md").exists()


def test_asking_for_airflow_without_its_venv_fails_with_one_line_naming_the_setup(
    tmp_path: Path,
) -> None:
    env = {**os.environ, AIRFLOW_VENV_ENV: str(tmp_path / "no-venv")}

    result = bench("run", "startup", "--systems", "tradewind,airflow", env=env)

    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "bench/setup_airflow.sh" in result.stderr
    assert result.stdout == ""


def test_without_airflow_the_default_systems_are_tradewind_alone_and_it_says_so(
    tmp_path: Path,
) -> None:
    env = {**os.environ, AIRFLOW_VENV_ENV: str(tmp_path / "no-venv")}

    result = bench(
        "run", "startup", "--repeat", "1", "--warmup", "0", "--output", str(tmp_path / "r.md"),
        env=env,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert "systems: tradewind (airflow not installed)" in result.stderr
    assert "Apache Airflow" not in (tmp_path / "r.md").read_text()


def test_list_names_every_scenario() -> None:
    result = bench("list")

    assert result.returncode == 0
    names = [line.split()[0] for line in result.stdout.splitlines()]
    assert names == ALL_SCENARIOS


def test_a_scenario_brings_the_baseline_it_needs_unless_only_the_scheduler_mode_runs() -> None:
    assert [s.name for s in resolve(["fanout200"])] == ["empty", "fanout200"]
    assert [s.name for s in resolve(["fanout200"], ("scheduler",))] == ["fanout200"]
    assert [s.name for s in resolve([])] == ALL_SCENARIOS


def test_figures_are_shown_in_their_units() -> None:
    assert value(0.0123, "s") == "12.3 ms"
    assert value(163.4, "tasks/s") == "163 tasks/s"
    assert value(92.71, "MB") == "92.7 MB"


# -- the runner ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Bare:
    """A system whose only command is this interpreter: enough for the runner's order."""

    name: str
    title: str = ""
    dag_header: str = ""
    timeout: float = 30.0

    def prepare(self, home: Path) -> None:
        return None


def _slot(*entries: Entry) -> Slot:
    return Slot(Scenario("demo", "a demo"), "python -c pass", list(entries))


def _entry(name: str, code: str = "pass", cap: int | None = None) -> Entry:
    case = Case("python -c pass", Command([sys.executable, "-c", code]))
    return Entry(_Bare(name), case, dict(os.environ), cap=cap)  # type: ignore[arg-type]


def test_the_systems_run_in_turn_warm_ups_first(tmp_path: Path) -> None:
    said: list[str] = []

    rows = measure(
        _slot(_entry("a"), _entry("b")), repeat=3, warmup=1, work=tmp_path, say=said.append
    )

    order = [
        line.split()[0] + " " + line.split("[")[1].split("]")[0]
        for line in said
        if line.endswith("...")
    ]
    assert order == [
        "a warm-up 1/1", "b warm-up 1/1",
        "a run 1/3", "b run 1/3", "a run 2/3", "b run 2/3", "a run 3/3", "b run 3/3",
    ]  # fmt: skip
    assert [(row.system, row.runs) for row in rows] == [("a", 3), ("b", 3)]


def test_a_capped_system_runs_fewer_times_without_warm_up_and_the_report_says_so(
    tmp_path: Path,
) -> None:
    said: list[str] = []

    rows = measure(
        _slot(_entry("a"), _entry("b", cap=1)), repeat=2, warmup=1, work=tmp_path, say=said.append
    )

    assert not any(line.startswith("b demo: python -c pass [warm-up") for line in said)
    assert [(row.system, row.runs, row.asked) for row in rows] == [("a", 2, 2), ("b", 1, 1)]
    run = _run(rows, repeat=2)
    assert fewer_samples(run) == [
        "b demo (python -c pass): 1 of 2 runs (capped: too slow to repeat)"
    ]


def test_a_failing_system_gets_a_reason_instead_of_a_figure_and_the_other_keeps_its_own(
    tmp_path: Path,
) -> None:
    broken = _entry("b", code="import sys; print('no such DAG: bench_x'); sys.exit(3)")

    rows = measure(_slot(_entry("a"), broken), repeat=2, warmup=0, work=tmp_path, say=print)

    ours, theirs = rows
    assert ours.timing is not None and ours.runs == 2
    assert theirs.timing is None
    assert theirs.why == "failed: exit status 3: no such DAG: bench_x"


# -- ratios, goals and the report -----------------------------------------------------------------


def test_ratios_are_oriented_so_that_bigger_means_tradewind_is_better() -> None:
    assert ratio(0.5, 10.0, "s") == 20.0  # a time: Airflow's over Tradewind's
    assert ratio(100.0, 1000.0, "MB") == 10.0
    assert ratio(150.0, 3.0, "tasks/s") == 50.0  # a throughput: Tradewind's over Airflow's
    assert ratio(2.0, 1.0, "s") == 0.5  # Tradewind slower: below 1


def _row(system: str, scenario: str, label: str, figure: str, unit: str, *values: float) -> Row:
    return Row(
        system, scenario, Case(label), figure=figure, what=figure if figure != WALL else "",
        unit=unit, timing=Timing(values), asked=len(values),
    )  # fmt: skip


def _run(rows: list[Row], repeat: int = 3) -> Run:
    return Run(
        rows=rows,
        systems={"tradewind": "Tradewind", "airflow": "Apache Airflow"},
        repeat=repeat,
        warmup=1,
        versions={"tradewind": "0.1.0", "airflow": "3.3.2"},
        started=datetime(2026, 11, 21, 13, 0, tzinfo=UTC),
        finished=datetime(2026, 11, 21, 13, 30, tzinfo=UTC),
        load=1.5,
        load_end=1.7,
    )


SYNTHETIC = [
    _row("tradewind", "chain50", "scheduler, chain of 50 on sqlite", "gap", "s", 0.010, 0.011, 0.012),
    _row("airflow", "chain50", "scheduler, chain of 50 on sqlite", "gap", "s", 0.9, 1.0, 1.1),
    _row("tradewind", "fanout200", "scheduler, 1 -> 200 -> 1 on sqlite", "throughput", "tasks/s",
         120.0, 130.0, 140.0),
    _row("airflow", "fanout200", "scheduler, 1 -> 200 -> 1 on sqlite", "throughput", "tasks/s",
         2.6, 2.8, 3.0),
    _row("tradewind", "idle_rss", "standalone on postgres", "pss", "MB", 101.0),
    Row("airflow", "idle_rss", Case("standalone on postgres"), figure="pss", what="pss", unit="MB",
        why="Airflow runs on SQLite only in this harness", asked=3, runnable=False),
    _row("tradewind", "parse100", "dags list, 100 files of 20 tasks", WALL, "s", 1.0),
    Row("airflow", "parse100", Case("dags list, 100 files of 20 tasks"), unit="s",
        why="failed: timed out after 600 s", asked=3),
]  # fmt: skip


def test_the_goals_against_airflow_pass_or_fail_and_a_failed_figure_says_why() -> None:
    found = {v.line.scenario: v for v in verdicts(_run(SYNTHETIC))}

    assert found["chain50"].met is True  # 1.0 s / 11 ms = 91x ≥ 60x
    assert found["fanout200"].met is False  # 130 / 2.8 = 46x < 50x
    assert "FAIL" in found["fanout200"].text()
    assert "idle_rss" not in found  # Airflow cannot run there: nothing to compare with
    assert found["parse100"].met is None
    assert "not measured (airflow: failed: timed out after 600 s)" in found["parse100"].text()


def test_the_report_shows_the_systems_side_by_side_with_ratios_and_the_chart(
    tmp_path: Path,
) -> None:
    run = _run(SYNTHETIC)
    report, chart = tmp_path / "latest.md", tmp_path / "latest.png"

    assert write_chart(run, chart)
    write_markdown(run, report, chart)

    text = report.read_text()
    assert "![Tradewind over Airflow, per measurement](latest.png)" in text
    assert (
        "| chain50 | scheduler, chain of 50 on sqlite: gap | 11.0 ms | 10.0 ms - 12.0 ms | 3 "
        "| 1.00 s | 900 ms - 1.10 s | 3 | 91x (goal ≥ 60x: PASS) |"
    ) in text
    assert "| 46x (goal ≥ 50x: FAIL) |" in text
    assert "| — Airflow runs on SQLite only in this harness |  |  |" in text
    assert "Load average 1.50 at the start and 1.70 at the end" in text
    assert chart.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert "91x (goal ≥ 60x: PASS)" in text_table(run)


def test_bench_report_redraws_the_same_report_from_a_run_s_values(tmp_path: Path) -> None:
    run = _run(SYNTHETIC)
    write_json(run, tmp_path / "latest.json")
    (tmp_path / "latest.json").rename(tmp_path / "older.json")

    result = bench("report", str(tmp_path / "older.json"))

    assert result.returncode == 0, result.stderr
    assert (tmp_path / "older.md").read_text() == markdown(run, "older.png")
    assert (tmp_path / "older.png").exists()
    assert read_json(tmp_path / "older.json") == run


def test_no_chart_is_drawn_when_no_measurement_has_both_systems(tmp_path: Path) -> None:
    run = _run([_row("tradewind", "startup", "python -c pass (the floor)", WALL, "s", 0.02)])

    assert not write_chart(run, tmp_path / "latest.png")
    assert not (tmp_path / "latest.png").exists()
    assert "![" not in markdown(run)


def test_per_task_figures_subtract_the_baseline_of_their_own_system() -> None:
    empty = Case("dags test, empty DAG", group="dags test", baseline=True)
    chain = Case("dags test, chain of 50", units=50, group="dags test")
    rows = [
        Row("tradewind", "empty", empty, timing=Timing((0.3,))),
        Row("airflow", "empty", empty, timing=Timing((3.0,))),
        Row("tradewind", "chain50", chain, timing=Timing((0.4, 0.35))),
        Row("airflow", "chain50", chain, timing=Timing((13.0,))),
    ]

    per_task = {row.system: row.timing for row in with_per_unit(rows) if row.figure == PER_UNIT}

    assert per_task["tradewind"] is not None and per_task["airflow"] is not None
    assert per_task["tradewind"].seconds == pytest.approx((0.002, 0.001))
    assert per_task["airflow"].seconds == pytest.approx((0.2,))
    assert [line.ratio for line in lines(with_per_unit(rows)) if line.figure == PER_UNIT] == [
        pytest.approx(0.2 / 0.0015)
    ]


def test_every_target_of_the_issue_is_registered_with_its_ratio() -> None:
    targets = {(name, t.figure): t.at_least for name, s in SCENARIOS.items() for t in s.targets}

    assert targets == {
        ("chain50", "wall"): 13,
        ("chain50", "gap"): 60,
        ("fanout200", "throughput"): 50,
        ("fanout1000", "throughput"): 50,
        ("parse100", "wall"): 5,
        ("coldstart", "ready"): 5,
        ("coldstart", "restart"): 5,
        ("idle_rss", "pss"): 5,
    }


# -- the DAG files -------------------------------------------------------------------------------


def _shapes(folder: Path) -> dict[str, dict[str, tuple[str, ...]]]:
    """Every DAG of ``folder`` as Tradewind parses it: task → its upstream tasks."""
    from tradewind.runtime.loader import parse_dag_files

    result = parse_dag_files(folder, timeout=60)
    assert not result.errors, result.errors
    return {
        spec.dag_id: {task.task_id: tuple(sorted(task.upstream)) for task in spec.tasks.values()}
        for spec in result.specs
    }


def _write_twins(folder: Path, header: str) -> None:
    folder.mkdir()
    (folder / "empty.py").write_text(dags.empty_dag("g_empty", header))
    (folder / "chain.py").write_text(dags.chain_dag("g_chain", header, 50))
    (folder / "fanout.py").write_text(dags.fanout_dag("g_fanout", header, 200))
    (folder / "iris.py").write_text(dags.iris_dag("g_iris", header))


def test_the_airflow_twins_parse_to_the_same_shapes_as_tradewind_s(tmp_path: Path) -> None:
    _write_twins(tmp_path / "tradewind", TradewindSystem().dag_header)
    _write_twins(tmp_path / "airflow", AirflowSystem().dag_header)

    ours = _shapes(tmp_path / "tradewind")
    theirs = _shapes(tmp_path / "airflow")  # Airflow 3 imports, through the compat layer

    assert ours == theirs
    assert {dag_id: len(tasks) for dag_id, tasks in ours.items()} == {
        "g_empty": 0,
        "g_chain": 50,
        "g_fanout": 202,
        "g_iris": 3,
    }
    assert ours["g_iris"] == {
        "extract": (),
        "train": ("extract",),
        "evaluate": ("extract", "train"),
    }
    assert "from airflow.sdk import DAG, task" in (tmp_path / "airflow" / "iris.py").read_text()


def test_the_twins_differ_only_in_their_import_lines() -> None:
    ours, theirs = TradewindSystem().dag_header, AirflowSystem().dag_header

    for name in ("chain", "fanout", "iris"):
        mine, twin = (_generated(name, header) for header in (ours, theirs))
        assert mine.replace(ours, "") == twin.replace(theirs, "")


def _generated(name: str, header: str) -> str:
    if name == "chain":
        return dags.chain_dag("x", header, 5)
    if name == "fanout":
        return dags.fanout_dag("x", header, 5)
    return dags.iris_dag("x", header)


@pytest.mark.slow
def test_server_scenarios_print_their_figures_goals_and_the_floor(tmp_path: Path) -> None:
    report = tmp_path / "latest.md"

    result = bench(
        "run", "floor", "chain50", "--mode", "scheduler", "--systems", "tradewind",
        "--repeat", "1", "--output", str(report),
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    out = result.stdout.splitlines()
    for measured in (
        "on sqlite: fork + exit + reap of a warm Python process",
        "on sqlite: one sqlite commit",
        "scheduler, chain of 50 on sqlite: trigger → success",
        "scheduler, chain of 50 on sqlite: mean task-to-task gap",
    ):
        assert any(measured in line and re.search(DURATION, line) for line in out), measured
    assert any("mean task-to-task gap" in line and "goal < 15.0 ms" in line for line in out)
    assert "| chain50 | scheduler, chain of 50 on sqlite: mean task-to-task gap |" in (
        report.read_text()
    )
