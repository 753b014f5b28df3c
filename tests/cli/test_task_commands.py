"""`tradewind tasks list | states-for-dag-run | clear | run | logs` on the metadata database."""

from __future__ import annotations

from datetime import datetime

import pytest
from tests.cli.conftest import Tw

ETL = """
with DAG("etl", schedule=None, start_date=datetime(2024, 1, 1)) as dag:
    extract = PythonOperator(task_id="extract", python_callable=work("extract"))
    transform = PythonOperator(task_id="transform", python_callable=work("transform"))
    load = PythonOperator(task_id="load", python_callable=work("load"))
    report = PythonOperator(task_id="report", python_callable=work("report"))
    extract >> transform >> load

    @task
    def parts():
        return ["x", "y"]

    @task
    def part(name):
        print("working on part", name)
        mark("part_" + name)

    part.expand(name=parts())
"""

TI_KEYS = {
    "dag_id",
    "run_id",
    "task_id",
    "map_index",
    "state",
    "try_number",
    "start_date",
    "end_date",
}


@pytest.fixture
def etl(tw: Tw) -> Tw:
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


def test_tasks_list_gives_the_tasks_upstream_first(etl: Tw) -> None:
    rows = etl.json("tasks", "list", "etl")

    ids = [row["task_id"] for row in rows]
    assert set(ids) == {"extract", "transform", "load", "report", "parts", "part"}
    assert ids.index("extract") < ids.index("transform") < ids.index("load")
    part = {row["task_id"]: row for row in rows}["part"]
    assert (part["mapped"], part["upstream"], part["operator"]) == (
        True,
        ["parts"],
        "@task",
    )


def test_states_for_dag_run_gives_each_instance_with_iso_dates(etl: Tw) -> None:
    _finished_run(etl)

    rows = etl.json("tasks", "states-for-dag-run", "etl", "r1")

    assert all(set(row) == TI_KEYS for row in rows)
    by_key = {(row["task_id"], row["map_index"]): row for row in rows}
    assert set(by_key) == {
        ("extract", -1),
        ("transform", -1),
        ("load", -1),
        ("report", -1),
        ("parts", -1),
        ("part", 0),
        ("part", 1),
    }
    load = by_key[("load", -1)]
    assert (load["state"], load["try_number"]) == ("success", 1)
    start = datetime.fromisoformat(load["start_date"])
    end = datetime.fromisoformat(load["end_date"])
    assert start.tzinfo is not None and end >= start


def test_states_for_an_unknown_run_exits_2(etl: Tw) -> None:
    result = etl("tasks", "states-for-dag-run", "etl", "nope")

    assert result.exit_code == 2
    assert "has no run 'nope'" in result.stderr


def test_clear_with_a_regex_and_downstream_reruns_those_tasks(etl: Tw) -> None:
    _finished_run(etl, failing="transform")
    assert etl("dags", "state", "etl", "r1").stdout == "failed\n"

    result = etl("tasks", "clear", "etl", "-t", "^trans", "-d", "--yes")

    assert result.exit_code == 0, result.output
    assert "r1  transform  failed" in result.stdout
    assert "r1  load  upstream_failed" in result.stdout
    assert result.stdout.endswith("Cleared 2 task instance(s) in 1 run(s).\n")
    assert etl("dags", "state", "etl", "r1").stdout == "queued\n"
    etl.deployment.run_until_finished("etl", "r1")
    assert etl.deployment.executed() == ["transform", "load"]


def test_clear_only_failed_and_upstream(etl: Tw) -> None:
    _finished_run(etl, failing="transform")

    result = etl("tasks", "clear", "etl", "-t", "^load$", "-u", "-f", "-y", "--run-id", "r1")

    assert result.stdout.endswith("Cleared 2 task instance(s) in 1 run(s).\n")
    states = {
        row["task_id"]: row["state"] for row in etl.json("tasks", "states-for-dag-run", "etl", "r1")
    }
    assert (states["extract"], states["transform"], states["load"]) == ("success", None, None)


def test_clear_asks_first_and_a_dry_run_changes_nothing(etl: Tw) -> None:
    _finished_run(etl)

    refused = etl("tasks", "clear", "etl", "-t", "report", input="n\n")
    dry = etl("tasks", "clear", "etl", "-t", "report", "--dry-run")

    assert refused.exit_code == 1
    assert "Clear these 1 task instance(s)?" in refused.stdout
    assert dry.exit_code == 0
    assert dry.stdout == "  r1  report  success\n"
    assert etl("dags", "state", "etl", "r1").stdout == "success\n"


def test_clear_with_a_regex_matching_nothing_exits_2(etl: Tw) -> None:
    result = etl("tasks", "clear", "etl", "-t", "^nothing$", "-y")

    assert result.exit_code == 2
    assert "No task of DAG 'etl' matches '^nothing$'" in result.stderr


def test_tasks_run_runs_one_instance_here_and_records_it(etl: Tw) -> None:
    etl.deployment.trigger("etl", run_id="r1")

    blocked = etl("tasks", "run", "etl", "transform", "r1")
    first = etl("tasks", "run", "etl", "extract", "r1")
    second = etl("tasks", "run", "etl", "transform", "r1")

    assert blocked.exit_code == 2
    assert "upstream task(s) extract have not finished" in blocked.stderr
    assert (first.exit_code, first.stdout) == (0, "Task extract try 1: success\n")
    assert second.exit_code == 0
    assert etl.deployment.executed() == ["extract", "transform"]
    states = {row["task_id"]: row for row in etl.json("tasks", "states-for-dag-run", "etl", "r1")}
    assert (states["transform"]["state"], states["transform"]["try_number"]) == ("success", 1)


def test_tasks_run_of_a_finished_instance_needs_force(etl: Tw) -> None:
    _finished_run(etl)

    refused = etl("tasks", "run", "etl", "report", "r1")
    forced = etl("tasks", "run", "etl", "report", "r1", "--force")

    assert refused.exit_code == 2
    assert "is success; clear it first" in refused.stderr
    assert (forced.exit_code, forced.stdout) == (0, "Task report try 2: success\n")


def test_tasks_run_ignoring_dependencies_and_a_failing_try_exits_1(etl: Tw) -> None:
    etl.deployment.trigger("etl", run_id="r1")
    etl.deployment.fail("load")

    result = etl("tasks", "run", "etl", "load", "r1", "-i")

    assert result.exit_code == 1
    assert result.stdout.startswith("Task load try 1: failed: ValueError: load was told to fail")


def test_logs_prints_the_log_of_a_try(etl: Tw) -> None:
    _finished_run(etl, failing="transform")

    log = etl("tasks", "logs", "etl", "r1", "transform")
    mapped = etl("tasks", "logs", "etl", "r1", "part", "--map-index", "1", "--follow")

    assert log.exit_code == 0, log.output
    assert "ValueError: transform was told to fail" in log.stdout
    assert mapped.exit_code == 0
    assert "working on part y" in mapped.stdout


def test_logs_read_the_conventional_path_when_no_location_was_recorded(etl: Tw) -> None:
    from tradewind.storage.rows import LogLocationRow

    _finished_run(etl)
    with etl.deployment.sessions.begin() as session:
        session.query(LogLocationRow).delete()
    path = etl.deployment.home / "logs/dag_id=etl/run_id=r1/task_id=report/attempt=1.log"
    path.write_text("the conventional place\n")

    result = etl("tasks", "logs", "etl", "r1", "report")

    assert result.stdout == "the conventional place\n"


def test_logs_name_what_to_ask_for_instead(etl: Tw) -> None:
    _finished_run(etl)

    too_far = etl("tasks", "logs", "etl", "r1", "report", "--try", "2")
    unmapped = etl("tasks", "logs", "etl", "r1", "part")

    assert too_far.exit_code == 2
    assert "has had 1 try; ask for --try 1 to 1" in too_far.stderr
    assert unmapped.exit_code == 2
    assert "it is mapped: give --map-index 0 to 1" in unmapped.stderr


def test_logs_follow_prints_until_the_try_ends(etl: Tw) -> None:
    from threading import Timer

    from tradewind.contracts.states import TaskInstanceState as S
    from tradewind.storage.repos import task_instances as ti_repo

    etl.deployment.trigger("etl", run_id="r1")
    key = [("etl", "r1", "report", -1)]
    with etl.deployment.sessions.begin() as session:
        ti_repo.update_task_instance_states(
            session=session, keys=key, state=S.RUNNING, values={"try_number": 1}
        )
    path = etl.deployment.home / "logs/dag_id=etl/run_id=r1/task_id=report/attempt=1.log"
    path.parent.mkdir(parents=True)
    path.write_text("first line\n")

    def finish() -> None:
        with path.open("a") as log:
            log.write("last line\n")
        with etl.deployment.sessions.begin() as session:
            ti_repo.update_task_instance_states(session=session, keys=key, state=S.SUCCESS)

    timer = Timer(0.2, finish)
    timer.start()
    result = etl("tasks", "logs", "etl", "r1", "report", "--follow", "--poll-interval", "0.02")
    timer.join()

    assert result.exit_code == 0, result.output
    assert result.stdout == "first line\nlast line\n"
