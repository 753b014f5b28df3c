"""`tradewind dags trigger | pause | unpause | state | list-runs | backfill | delete | list`."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from tests.cli.conftest import Tw

ETL = """
from tradewind import Param

with DAG(
    "etl", schedule=None, start_date=datetime(2024, 1, 1), params={"n": Param(1, type="integer")}
) as dag:
    a = PythonOperator(task_id="a", python_callable=work("a"))
    b = PythonOperator(task_id="b", python_callable=work("b"))
    a >> b
"""

DAILY = """
with DAG("daily", schedule="@daily", start_date=datetime(2100, 1, 1), tags=["x"]) as dag:
    PythonOperator(task_id="t", python_callable=work("t"))
"""

RUN_KEYS = {
    "dag_id",
    "run_id",
    "state",
    "run_type",
    "logical_date",
    "data_interval_start",
    "data_interval_end",
    "run_after",
    "queued_at",
    "start_date",
    "end_date",
    "conf",
    "note",
}


def iso(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    assert parsed.tzinfo is not None, value
    return parsed


@pytest.fixture
def etl(tw: Tw) -> Tw:
    tw.deployment.write_dag("etl.py", ETL)
    tw.deployment.write_dag("daily.py", DAILY)
    tw.deployment.parse()
    return tw


# -- trigger, state, list-runs --------------------------------------------------------------------


def test_trigger_queues_a_run_with_conf_logical_date_and_run_id(etl: Tw) -> None:
    rows = etl.json(
        "dags", "trigger", "etl", "--run-id", "r1", "--conf", '{"n": 3}', "-l", "2024-02-01"
    )

    assert len(rows) == 1
    run = rows[0]
    assert set(run) == RUN_KEYS
    assert (run["dag_id"], run["run_id"], run["state"], run["run_type"]) == (
        "etl",
        "r1",
        "queued",
        "manual",
    )
    assert run["conf"] == {"n": 3}
    assert iso(run["logical_date"]) == iso("2024-02-01T00:00:00+00:00")
    assert run["start_date"] is None


def test_trigger_of_a_paused_dag_says_when_the_run_starts(etl: Tw) -> None:
    result = etl("dags", "trigger", "etl")

    assert result.exit_code == 0
    assert "manual__" in result.stdout
    assert "is paused: the run starts once it is unpaused" in result.stderr


def test_trigger_with_a_bad_conf_or_a_taken_run_id_exits_2(etl: Tw) -> None:
    assert etl("dags", "trigger", "etl", "--conf", "[1]").exit_code == 2
    bad_param = etl("dags", "trigger", "etl", "--conf", '{"n": "x"}')
    assert bad_param.exit_code == 2
    assert bad_param.stderr.startswith("Error: ")
    etl("dags", "trigger", "etl", "--run-id", "r1")
    taken = etl("dags", "trigger", "etl", "--run-id", "r1")
    assert taken.exit_code == 2
    assert "already has the run 'r1'" in taken.stderr


def test_an_unknown_dag_is_one_error_line_and_exit_2(etl: Tw) -> None:
    for command in (
        ("trigger", "nope"),
        ("pause", "nope"),
        ("state", "nope", "r"),
        ("list-runs", "nope"),
    ):
        result = etl("dags", *command)
        assert result.exit_code == 2, command
        assert result.stderr.count("\n") == 1
        assert "DAG 'nope' is not in the database" in result.stderr


def test_state_prints_the_runs_state(etl: Tw) -> None:
    etl("dags", "unpause", "etl")
    etl("dags", "trigger", "etl", "--run-id", "r1", "-l", "2024-02-01")
    assert etl("dags", "state", "etl", "r1").stdout == "queued\n"

    etl.deployment.run_until_finished("etl", "r1")

    assert etl("dags", "state", "etl", "r1").stdout == "success\n"
    assert etl("dags", "state", "etl", "2024-02-01T00:00:00+00:00").stdout == "success\n"
    missing = etl("dags", "state", "etl", "r2")
    assert missing.exit_code == 2
    assert "has no run 'r2'" in missing.stderr


def test_list_runs_lists_newest_first_and_filters_by_state(etl: Tw) -> None:
    etl("dags", "unpause", "etl")
    etl("dags", "trigger", "etl", "--run-id", "old", "-l", "2024-01-01")
    etl.deployment.run_until_finished("etl", "old")
    etl("dags", "trigger", "etl", "--run-id", "new", "-l", "2024-01-02")

    runs = etl.json("dags", "list-runs", "etl")
    assert [run["run_id"] for run in runs] == ["new", "old"]
    assert set(runs[0]) == RUN_KEYS
    assert iso(runs[1]["end_date"]) >= iso(runs[1]["start_date"])
    assert [
        run["run_id"] for run in etl.json("dags", "list-runs", "etl", "--state", "success")
    ] == ["old"]
    table = etl("dags", "list-runs", "etl")
    assert table.stdout.splitlines()[0].split() == [
        "dag_id",
        "run_id",
        "state",
        "run_type",
        "logical_date",
        "start_date",
        "end_date",
    ]


def test_list_runs_as_yaml_matches_json(etl: Tw) -> None:
    yaml = pytest.importorskip("yaml")
    etl("dags", "trigger", "etl", "--run-id", "r1")

    result = etl("dags", "list-runs", "etl", "-o", "yaml")

    assert yaml.safe_load(result.stdout) == etl.json("dags", "list-runs", "etl")


# -- pause, list ----------------------------------------------------------------------------------


def test_new_dags_start_paused_and_unpause_and_pause_switch_them(etl: Tw) -> None:
    def paused() -> dict[str, bool]:
        listing = etl.json("dags", "list")
        return {dag["dag_id"]: dag["is_paused"] for dag in listing["dags"]}

    assert paused() == {"daily": True, "etl": True}
    assert etl("dags", "unpause", "etl").stdout == "DAG etl is unpaused: the scheduler runs it.\n"
    assert paused() == {"daily": True, "etl": False}
    etl("dags", "pause", "etl")
    assert paused() == {"daily": True, "etl": True}


def test_new_dags_start_unpaused_when_configured(tw: Tw, monkeypatch: pytest.MonkeyPatch) -> None:
    from tradewind.config import load_settings
    from tradewind.server.dag_processor import DagProcessor

    monkeypatch.setenv("TRADEWIND__CORE__DAGS_ARE_PAUSED_AT_CREATION", "false")
    settings = load_settings()
    tw.deployment.write_dag("etl.py", ETL)
    DagProcessor(
        session_factory=tw.deployment.sessions,
        dags_folders=[tw.deployment.dags_folder],
        paused_at_creation=settings.core.dags_are_paused_at_creation,
    ).parse_once()

    assert [dag["is_paused"] for dag in tw.json("dags", "list")["dags"]] == [False]


def test_list_without_a_path_shows_the_database_dags_and_next_run(etl: Tw) -> None:
    listing = etl.json("dags", "list")

    assert listing["import_errors"] == []
    daily = {dag["dag_id"]: dag for dag in listing["dags"]}["daily"]
    assert daily["schedule"] == "0 0 * * *"
    assert daily["tags"] == ["x"]
    assert iso(daily["next_run"]) == iso("2100-01-01T00:00:00+00:00")
    assert daily["file"] == str(etl.deployment.dags_folder / "daily.py")
    etl_row = {dag["dag_id"]: dag for dag in listing["dags"]}["etl"]
    assert etl_row["next_run"] is None


def test_list_without_a_path_shows_import_errors_and_exits_1(etl: Tw) -> None:
    broken = "from tradewind import DAG\nimport nowhere_to_be_found\n"
    (etl.deployment.dags_folder / "broken.py").write_text(broken)
    etl.deployment.parse()

    result = etl("dags", "list")
    as_json = etl("dags", "list", "-o", "json")

    assert result.exit_code == 1
    assert "Import errors (1):" in result.stdout
    assert "broken.py:2  ModuleNotFoundError" in result.stdout
    assert as_json.exit_code == 1
    (error,) = json.loads(as_json.stdout)["import_errors"]
    assert error["file"].endswith("broken.py")


# -- delete -----------------------------------------------------------------------------------------


def test_delete_asks_first_then_deletes_the_dag_and_its_runs(etl: Tw) -> None:
    etl("dags", "trigger", "etl", "--run-id", "r1")

    refused = etl("dags", "delete", "etl", input="n\n")
    assert refused.exit_code == 1
    assert etl("dags", "state", "etl", "r1").stdout == "queued\n"

    result = etl("dags", "delete", "etl", "--yes")
    assert result.exit_code == 0, result.output
    assert "Deleted DAG etl: 1 run(s), 2 task instance(s)" in result.stdout
    assert "still exists: the DAG comes back at the next parse" in result.stdout
    assert [dag["dag_id"] for dag in etl.json("dags", "list")["dags"]] == ["daily"]


# -- backfill ---------------------------------------------------------------------------------------


def test_backfill_dry_run_lists_the_dates(etl: Tw) -> None:
    rows = etl.json(
        "dags", "backfill", "daily", "--start", "2024-01-01", "--end", "2024-01-03", "--dry-run"
    )

    assert [(row["logical_date"], row["action"]) for row in rows] == [
        ("2024-01-01T00:00:00+00:00", "create"),
        ("2024-01-02T00:00:00+00:00", "create"),
        ("2024-01-03T00:00:00+00:00", "create"),
    ]
    assert etl.json("dags", "list-runs", "daily") == []


def test_backfill_run_here_runs_every_date_and_exits_0(etl: Tw) -> None:
    etl("dags", "unpause", "daily")

    result = etl(
        "dags",
        "backfill",
        "daily",
        "-s",
        "2024-01-01",
        "-e",
        "2024-01-03",
        "--run-here",
        "--max-active-runs",
        "2",
        "-o",
        "json",
    )

    assert result.exit_code == 0, result.output
    runs = json.loads(result.stdout)
    assert [(run["run_id"], run["state"]) for run in runs] == [
        ("backfill__2024-01-01T00:00:00+00:00", "success"),
        ("backfill__2024-01-02T00:00:00+00:00", "success"),
        ("backfill__2024-01-03T00:00:00+00:00", "success"),
    ]
    assert "Backfill daily" in result.stderr
    assert etl.deployment.executed() == ["t", "t", "t"]
    again = etl("dags", "backfill", "daily", "-s", "2024-01-01", "-e", "2024-01-03", "--run-here")
    assert again.exit_code == 0
    assert "Nothing to backfill: 3 date(s) in the range, all with a run" in again.stderr


def test_backfill_exits_1_when_a_run_fails(etl: Tw) -> None:
    etl("dags", "unpause", "daily")
    etl.deployment.fail("t")

    result = etl("dags", "backfill", "daily", "-s", "2024-01-01", "-e", "2024-01-01", "--run-here")

    assert result.exit_code == 1
    assert "failed" in result.stdout


def test_backfill_of_a_paused_dag_exits_2(etl: Tw) -> None:
    result = etl("dags", "backfill", "daily", "-s", "2024-01-01", "-e", "2024-01-02")

    assert result.exit_code == 2
    assert "tradewind dags unpause daily" in result.stderr
    assert etl.json("dags", "list-runs", "daily") == []


def test_backfill_without_a_scheduler_says_how_to_run_it(etl: Tw) -> None:
    from threading import Timer

    from tradewind.storage.repos import dags as dag_repo

    etl("dags", "unpause", "daily")

    def pause_to_stop() -> None:  # no scheduler runs: finish the runs by hand
        with etl.deployment.sessions.begin() as session:
            dag_repo.update_dags_paused(session=session, dag_ids=["daily"], is_paused=False)
        etl.deployment.run_until_finished("daily", "backfill__2024-01-01T00:00:00+00:00")

    timer = Timer(0.3, pause_to_stop)
    timer.start()
    result = etl(
        "dags",
        "backfill",
        "daily",
        "-s",
        "2024-01-01",
        "-e",
        "2024-01-01",
        "--poll-interval",
        "0.05",
    )
    timer.join()

    assert result.exit_code == 0, result.output
    assert "No scheduler is running" in result.stderr


# -- the database -----------------------------------------------------------------------------------


def test_a_missing_or_empty_database_asks_for_db_migrate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3

    from click.testing import CliRunner

    from tradewind.cli import main

    main._register_commands()
    path = tmp_path / "home" / "tradewind.db"
    monkeypatch.setenv("TRADEWIND_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("TRADEWIND_DATABASE_URL", raising=False)

    missing = CliRunner().invoke(main.cli, ["dags", "list-runs", "etl"])
    path.parent.mkdir()
    sqlite3.connect(path).close()
    empty = CliRunner().invoke(main.cli, ["dags", "list-runs", "etl"])

    assert missing.exit_code == 2
    assert missing.stderr == (
        f"Error: There is no metadata database at {path} yet; run `tradewind db migrate`.\n"
    )
    assert empty.exit_code == 2
    assert empty.stderr.endswith("has no tables yet; run `tradewind db migrate`.\n")
