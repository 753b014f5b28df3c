"""`tradewind tasks mark` and `tradewind dags mark-run`, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from tests.cli.conftest import Tw
from tests.server.deployment import Deployment
from tests.server.postgres_schema import empty_tables, migrated_postgres_schema

from tradewind.storage.engine import session_factory

ETL = """
with DAG("etl", schedule=None, start_date=datetime(2024, 1, 1)) as dag:
    extract = PythonOperator(task_id="extract", python_callable=work("extract"))
    transform = PythonOperator(task_id="transform", python_callable=work("transform"))
    load = PythonOperator(task_id="load", python_callable=work("load"))
    extract >> transform >> load

    @task
    def part(n):
        mark(f"part_{n}")

    part.expand(n=[0, 1, 2])
"""


@pytest.fixture(scope="module")
def _postgres_engine() -> Iterator[Engine]:
    with migrated_postgres_schema("tw_mark") as engine:
        yield engine


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def etl(request: pytest.FixtureRequest, tw: Tw, monkeypatch: pytest.MonkeyPatch) -> Tw:
    """``tw`` on SQLite, then on PostgreSQL, with the DAG etl parsed and unpaused."""
    if request.param == "postgres":
        engine: Engine = request.getfixturevalue("_postgres_engine")
        empty_tables(engine)
        monkeypatch.setenv("TRADEWIND_DATABASE_URL", engine.url.render_as_string(False))
        tw = Tw(Deployment(engine, session_factory(engine), Path(tw.deployment.home)))
    return _with_etl(tw)


@pytest.fixture
def sqlite_etl(tw: Tw) -> Tw:
    """``tw`` with the DAG etl, on SQLite only (for what does not depend on the database)."""
    return _with_etl(tw)


def _with_etl(tw: Tw) -> Tw:
    tw.deployment.write_dag("etl.py", ETL)
    tw.deployment.parse()
    tw.deployment.unpause("etl")
    return tw


def _finished_run(tw: Tw, *, failing: str | None = None) -> str:
    if failing:
        tw.deployment.fail(failing)
    run_id = tw.deployment.trigger("etl", run_id="r1")
    tw.deployment.run_until_finished("etl", run_id)
    tw.deployment.fail(failing or "", False)
    tw.deployment.executed()
    return run_id


def _changes(result: dict[str, Any]) -> dict[str, tuple[str | None, str | None]]:
    return {
        (ti["task_id"] if ti["map_index"] < 0 else f"{ti['task_id']}[{ti['map_index']}]"): (
            ti["previous_state"],
            ti["state"],
        )
        for ti in result["task_instances"]
    }


# -- tasks mark ---------------------------------------------------------------------------------


def test_marking_a_failed_task_success_clears_downstream_and_the_run_resumes(etl: Tw) -> None:
    _finished_run(etl, failing="transform")

    result = etl.json("tasks", "mark", "etl", "r1", "transform", "--state", "success", "--yes")

    assert _changes(result) == {
        "transform": ("failed", "success"),
        "load": ("upstream_failed", None),
    }
    assert (result["previous_run_state"], result["run_state"]) == ("failed", "queued")
    assert etl.deployment.run_until_finished("etl", "r1") == "success"
    assert etl.deployment.executed() == ["load"]


def test_marking_with_downstream_marks_every_task_after_it(etl: Tw) -> None:
    _finished_run(etl)

    result = etl("tasks", "mark", "etl", "r1", "transform", "-s", "failed", "--downstream", "-y")

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["task_id", "map_index", "previous_state", "state"]
    assert lines[1].split() == ["load", "-1", "success", "failed"]
    assert lines[2].split() == ["transform", "-1", "success", "failed"]
    assert lines[-1] == "Marked 2 task instance(s) failed. Run r1 of etl is success."
    assert etl.deployment.states("etl", "r1")["extract"] == "success"


def test_a_map_index_marks_only_that_instance(etl: Tw) -> None:
    _finished_run(etl)

    result = etl.json(
        "tasks", "mark", "etl", "r1", "part", "-s", "skipped", "--map-index", "1", "-y"
    )

    assert _changes(result) == {"part[1]": ("success", "skipped")}
    states = etl.deployment.states("etl", "r1")
    assert (states["part[0]"], states["part[2]"]) == ("success", "success")


def test_marking_asks_first_and_shows_what_would_change(etl: Tw) -> None:
    _finished_run(etl, failing="transform")

    refused = etl("tasks", "mark", "etl", "r1", "transform", "-s", "success", input="n\n")
    assert refused.exit_code == 1
    assert "  transform  failed → success" in refused.stderr
    assert "  load  upstream_failed → no state" in refused.stderr
    assert "Mark 1 task instance(s) success?" in refused.stderr
    assert etl.deployment.states("etl", "r1")["transform"] == "failed"

    accepted = etl("tasks", "mark", "etl", "r1", "transform", "-s", "success", input="y\n")
    assert accepted.exit_code == 0, accepted.output
    assert accepted.stdout.splitlines()[-1] == (
        "Marked 1 task instance(s) success and cleared 1 downstream. "
        "Run r1 of etl is queued (was failed)."
    )
    assert etl.deployment.states("etl", "r1")["transform"] == "success"


def test_marking_what_is_in_the_state_already_changes_nothing(etl: Tw) -> None:
    _finished_run(etl)

    result = etl("tasks", "mark", "etl", "r1", "extract", "load", "-s", "success")

    assert (result.exit_code, result.stdout) == (
        0,
        "Nothing to mark: the instances of extract, load are success already.\n",
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nope", "r1", "extract", "-s", "success"], "DAG 'nope' is not in the database"),
        (["etl", "r9", "extract", "-s", "success"], "DAG 'etl' has no run 'r9'"),
        (["etl", "r1", "extract", "ghost", "-s", "success"], "DAG 'etl' has no task(s) 'ghost'"),
        (["etl", "r1", "extract", "-s", "running"], "--state 'running' is not a state"),
        (["etl", "r1", "part", "-s", "failed", "--map-index", "7"], "give --map-index 0 to 2"),
        (["etl", "r1", "load", "-s", "failed", "--map-index", "0"], "leave out --map-index"),
    ],
)
def test_tasks_mark_refuses_bad_input_with_one_line_and_exit_2(
    sqlite_etl: Tw, args: list[str], message: str
) -> None:
    _finished_run(sqlite_etl)

    result = sqlite_etl("tasks", "mark", *args, "--yes")

    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and message in result.stderr
    assert set(sqlite_etl.deployment.states("etl", "r1").values()) == {"success"}


# -- dags mark-run ------------------------------------------------------------------------------


def test_marking_a_failed_run_success_marks_its_unsuccessful_instances(etl: Tw) -> None:
    _finished_run(etl, failing="transform")

    result = etl.json("dags", "mark-run", "etl", "r1", "--state", "success", "--yes")

    assert _changes(result) == {
        "transform": ("failed", "success"),
        "load": ("upstream_failed", "success"),
    }
    assert (result["previous_run_state"], result["run_state"]) == ("failed", "success")


def test_marking_a_queued_run_failed_skips_what_has_not_run(etl: Tw) -> None:
    etl.deployment.trigger("etl", run_id="r2")

    result = etl("dags", "mark-run", "etl", "r2", "-s", "failed", "-y")

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == (
        "Run r2 of etl is failed (was queued). 4 task instance(s) changed."
    )
    assert set(etl.deployment.states("etl", "r2").values()) == {"skipped"}


def test_marking_a_run_queued_keeps_its_task_instances(etl: Tw) -> None:
    _finished_run(etl)

    refused = etl("dags", "mark-run", "etl", "r1", "-s", "queued", input="n\n")
    assert refused.exit_code == 1
    assert "  run r1  success → queued" in refused.stderr

    result = etl.json("dags", "mark-run", "etl", "r1", "-s", "queued", "-y")
    assert (result["run_state"], result["task_instances"]) == ("queued", [])
    assert etl("dags", "state", "etl", "r1").stdout == "queued\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nope", "r1", "-s", "success"], "DAG 'nope' is not in the database"),
        (["etl", "r9", "-s", "success"], "DAG 'etl' has no run 'r9'"),
        (["etl", "r1", "-s", "skipped"], "use one of success, failed, queued"),
    ],
)
def test_mark_run_refuses_bad_input_with_one_line_and_exit_2(
    sqlite_etl: Tw, args: list[str], message: str
) -> None:
    _finished_run(sqlite_etl)

    result = sqlite_etl("dags", "mark-run", *args, "--yes")

    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and message in result.stderr
    assert sqlite_etl("dags", "state", "etl", "r1").stdout == "success\n"
