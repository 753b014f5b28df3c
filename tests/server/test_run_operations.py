"""Clear, mark and delete: their exact effect on runs, task instances, tries and XCom.

Each test drives a real run through the in-process scheduler, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from tests.server.deployment import Deployment

from tradewind.contracts.states import DagRunState
from tradewind.contracts.states import TaskInstanceState as S
from tradewind.errors import DagNotFoundError, TaskNotFoundError, TradewindError
from tradewind.server.run_operations import (
    DagRunNotFoundError,
    clear_task_instances,
    delete_dag,
    select_task_ids,
    set_dag_run_state,
    set_task_instance_state,
)
from tradewind.storage.repos import dags as dag_repo
from tradewind.storage.repos import task_instances as ti_repo
from tradewind.storage.rows import (
    DagRow,
    DagRunRow,
    DagVersionRow,
    ImportErrorRow,
    LogLocationRow,
    TaskInstanceRow,
    TaskTryRow,
    XComRow,
)

CHAIN = """
with DAG("etl", schedule=None, start_date=datetime(2024, 1, 1)) as dag:
    a = PythonOperator(task_id="a", python_callable=work("a"))
    b = PythonOperator(
        task_id="b", python_callable=work("b"), retries=1, retry_delay=timedelta(0)
    )
    c = PythonOperator(task_id="c", python_callable=work("c"))
    d = PythonOperator(task_id="d", python_callable=work("d"))
    a >> b >> c
"""


def _failed_chain(deployment: Deployment) -> str:
    """A finished run of ``etl`` where b failed both its tries and c is upstream-failed."""
    deployment.write_dag("etl.py", CHAIN)
    deployment.parse()
    deployment.unpause("etl")
    deployment.fail("b")
    run_id = deployment.trigger("etl")
    assert deployment.run_until_finished("etl", run_id) == DagRunState.FAILED
    assert deployment.states("etl", run_id) == {
        "a": "success",
        "b": "failed",
        "c": "upstream_failed",
        "d": "success",
    }
    deployment.executed()
    return run_id


def _clear(deployment: Deployment, run_id: str | None, task_ids: list[str] | None, **kw: object):
    with deployment.sessions.begin() as session:
        return clear_task_instances(session, deployment.specs, "etl", run_id, task_ids, **kw)


def _xcom_tasks(deployment: Deployment, run_id: str) -> list[str]:
    with deployment.sessions() as session:
        return sorted(
            session.scalars(select(XComRow.task_id).where(XComRow.run_id == run_id)).all()
        )


# -- clear ------------------------------------------------------------------------------------


def test_clear_resets_the_instance_and_gives_it_its_retries_again(
    sql_deployment: Deployment,
) -> None:
    run_id = _failed_chain(sql_deployment)

    keys = _clear(sql_deployment, run_id, ["b"])

    assert keys == [("etl", run_id, "b", -1)]
    b = sql_deployment.ti("etl", run_id, "b")
    assert (b.state, b.try_number, b.max_tries) == (None, 2, 3)
    assert (b.start_date, b.end_date, b.queued_at, b.error) == (None, None, None, None)
    assert sql_deployment.run_state("etl", run_id) == DagRunState.QUEUED
    assert sql_deployment.run_until_finished("etl", run_id) == DagRunState.FAILED
    assert sql_deployment.executed() == ["b", "b"]  # tries 3 and 4: its retry again
    assert sql_deployment.ti("etl", run_id, "b").try_number == 4
    with sql_deployment.sessions() as session:
        tries = session.scalars(
            select(TaskTryRow.try_number).where(TaskTryRow.task_id == "b")
        ).all()
    assert sorted(tries) == [1, 2, 3, 4]  # the earlier tries stay as history


def test_clear_downstream_reruns_exactly_the_task_and_what_follows(
    sql_deployment: Deployment,
) -> None:
    run_id = _failed_chain(sql_deployment)
    sql_deployment.fail("b", False)

    keys = _clear(sql_deployment, run_id, ["b"], downstream=True)

    assert sorted(key[2] for key in keys) == ["b", "c"]
    assert sql_deployment.run_until_finished("etl", run_id) == DagRunState.SUCCESS
    assert sql_deployment.executed() == ["b", "c"]
    assert set(sql_deployment.states("etl", run_id).values()) == {"success"}
    assert sql_deployment.ti("etl", run_id, "a").try_number == 1


def test_clear_upstream_reruns_the_task_and_what_leads_to_it(sql_deployment: Deployment) -> None:
    run_id = _failed_chain(sql_deployment)
    sql_deployment.fail("b", False)

    keys = _clear(sql_deployment, run_id, ["c"], upstream=True)

    assert sorted(key[2] for key in keys) == ["a", "b", "c"]
    assert sql_deployment.run_until_finished("etl", run_id) == DagRunState.SUCCESS
    assert sql_deployment.executed() == ["a", "b", "c"]
    assert sql_deployment.ti("etl", run_id, "d").try_number == 1


def test_clear_only_failed_leaves_the_successful_instances(sql_deployment: Deployment) -> None:
    run_id = _failed_chain(sql_deployment)
    sql_deployment.fail("b", False)

    keys = _clear(sql_deployment, run_id, None, only_failed=True)

    assert sorted(key[2] for key in keys) == ["b", "c"]
    assert sql_deployment.run_until_finished("etl", run_id) == DagRunState.SUCCESS
    assert sql_deployment.executed() == ["b", "c"]


def test_clear_deletes_the_xcom_of_the_cleared_instances_only(deployment: Deployment) -> None:
    deployment.write_dag("etl.py", CHAIN)
    deployment.parse()
    deployment.unpause("etl")
    run_id = deployment.trigger("etl")
    deployment.run_until_finished("etl", run_id)
    assert _xcom_tasks(deployment, run_id) == ["a", "b", "c", "d"]

    _clear(deployment, run_id, ["b"], downstream=True)

    assert _xcom_tasks(deployment, run_id) == ["a", "d"]


def test_a_dry_run_clear_lists_the_instances_and_changes_nothing(deployment: Deployment) -> None:
    run_id = _failed_chain(deployment)

    keys = _clear(deployment, run_id, ["b"], downstream=True, dry_run=True)

    assert sorted(key[2] for key in keys) == ["b", "c"]
    assert deployment.states("etl", run_id)["b"] == "failed"
    assert deployment.run_state("etl", run_id) == DagRunState.FAILED


def test_clear_without_a_run_id_clears_every_run(deployment: Deployment) -> None:
    first = _failed_chain(deployment)
    second = deployment.trigger("etl")
    deployment.run_until_finished("etl", second)
    deployment.fail("b", False)

    keys = _clear(deployment, None, ["b"], downstream=True, only_failed=True)

    assert sorted((key[1], key[2]) for key in keys) == sorted(
        [(first, "b"), (first, "c"), (second, "b"), (second, "c")]
    )
    assert deployment.run_until_finished("etl", first, second) == DagRunState.SUCCESS
    assert deployment.run_state("etl", first) == DagRunState.SUCCESS


def test_clear_limits_runs_to_logical_dates_between_start_and_end(deployment: Deployment) -> None:
    run_id = _failed_chain(deployment)
    other = deployment.trigger("etl", logical_date=datetime(2020, 1, 1, tzinfo=UTC))
    deployment.run_until_finished("etl", other)

    keys = _clear(deployment, None, ["b"], end_date=datetime(2021, 1, 1, tzinfo=UTC))

    assert {key[1] for key in keys} == {other}
    assert deployment.states("etl", run_id)["b"] == "failed"


def test_clearing_a_task_of_a_running_run_keeps_the_run_running(deployment: Deployment) -> None:
    deployment.write_dag("etl.py", CHAIN)
    deployment.parse()
    deployment.unpause("etl")
    run_id = deployment.trigger("etl")
    deployment.scheduler.step()  # starts the run; a and d run inline
    deployment.scheduler.step()
    assert deployment.run_state("etl", run_id) == DagRunState.RUNNING

    _clear(deployment, run_id, ["a"])

    assert deployment.run_state("etl", run_id) == DagRunState.RUNNING
    assert deployment.ti("etl", run_id, "a").state is None
    assert deployment.run_until_finished("etl", run_id) == DagRunState.SUCCESS


def test_clear_names_unknown_tasks_and_runs(deployment: Deployment) -> None:
    run_id = _failed_chain(deployment)

    with pytest.raises(TaskNotFoundError, match="no task\\(s\\) 'nope'"):
        _clear(deployment, run_id, ["nope"])
    with pytest.raises(DagRunNotFoundError, match="has no run 'missing'"):
        _clear(deployment, "missing", ["b"])


MAPPED = """
SIZE = HERE / "size"

with DAG("etl", schedule=None, start_date=datetime(2024, 1, 1)) as dag:
    @task
    def numbers():
        mark("numbers")
        return list(range(int(SIZE.read_text())))

    @task(retries=2)
    def square(x):
        mark(f"square{x}")
        return x * x

    square.expand(x=numbers())
"""


def _mapped_run(deployment: Deployment, size: int) -> str:
    deployment.write_dag("etl.py", MAPPED)
    (deployment.dags_folder / "size").write_text(str(size))
    deployment.parse()
    deployment.unpause("etl")
    run_id = deployment.trigger("etl")
    assert deployment.run_until_finished("etl", run_id) == DagRunState.SUCCESS
    deployment.executed()
    return run_id


def test_a_cleared_mapped_task_keeps_its_instances_and_resets_each(deployment: Deployment) -> None:
    run_id = _mapped_run(deployment, 3)

    keys = _clear(deployment, run_id, ["square"])

    assert [key[3] for key in keys] == [0, 1, 2]
    rows = [deployment.ti("etl", run_id, "square", i) for i in range(3)]
    assert [(row.state, row.try_number, row.max_tries) for row in rows] == [(None, 1, 3)] * 3
    assert deployment.run_until_finished("etl", run_id) == DagRunState.SUCCESS
    assert sorted(deployment.executed()) == ["square0", "square1", "square2"]
    assert deployment.ti("etl", run_id, "square", 2).try_number == 2


def test_clearing_a_producer_with_its_mapped_task_expands_it_again(deployment: Deployment) -> None:
    run_id = _mapped_run(deployment, 3)
    (deployment.dags_folder / "size").write_text("2")

    _clear(deployment, run_id, ["numbers"], downstream=True)

    assert deployment.states("etl", run_id) == {"numbers": None, "square": None}
    assert deployment.run_until_finished("etl", run_id) == DagRunState.SUCCESS
    assert deployment.states("etl", run_id) == {
        "numbers": "success",
        "square[0]": "success",
        "square[1]": "success",
    }


SETUP_TEARDOWN = """
with DAG("etl", schedule=None, start_date=datetime(2024, 1, 1)) as dag:
    create = PythonOperator(task_id="create", python_callable=work("create"))
    use = PythonOperator(task_id="use", python_callable=work("use"))
    other = PythonOperator(task_id="other", python_callable=work("other"))
    drop = PythonOperator(task_id="drop", python_callable=work("drop"))
    create >> use >> drop.as_teardown(setups=create)
    use >> other
"""


def test_clearing_a_task_clears_the_setup_it_needs_and_its_teardown(
    deployment: Deployment,
) -> None:
    deployment.write_dag("etl.py", SETUP_TEARDOWN)
    deployment.parse()
    deployment.unpause("etl")
    run_id = deployment.trigger("etl")
    deployment.run_until_finished("etl", run_id)
    deployment.executed()

    keys = _clear(deployment, run_id, ["use"])

    assert sorted(key[2] for key in keys) == ["create", "drop", "use"]
    assert deployment.run_until_finished("etl", run_id) == DagRunState.SUCCESS
    assert deployment.executed() == ["create", "use", "drop"]


def test_task_selection_follows_airflow_partial_subset(deployment: Deployment) -> None:
    deployment.write_dag("etl.py", SETUP_TEARDOWN)
    deployment.parse()
    with deployment.sessions() as session:
        spec = deployment.specs.latest(session, "etl")
    assert spec is not None

    assert select_task_ids(spec, ["other"], downstream=False, upstream=False) == {"other"}
    assert select_task_ids(spec, ["create"], downstream=False, upstream=False) == {
        "create",
        "drop",
    }
    assert select_task_ids(spec, ["create"], downstream=True, upstream=False) == {
        "create",
        "use",
        "drop",
        "other",
    }
    assert select_task_ids(spec, ["other"], downstream=False, upstream=True) == {
        "other",
        "use",
        "create",
        "drop",
    }


# -- mark task instances -----------------------------------------------------------------------


def test_marking_a_failed_task_success_resumes_the_run(sql_deployment: Deployment) -> None:
    run_id = _failed_chain(sql_deployment)

    with sql_deployment.sessions.begin() as session:
        keys = set_task_instance_state(
            session, sql_deployment.specs, "etl", run_id, ["b"], state=S.SUCCESS
        )

    assert keys == [("etl", run_id, "b", -1)]
    b = sql_deployment.ti("etl", run_id, "b")
    assert (b.state, b.try_number) == (S.SUCCESS, 2)
    assert sql_deployment.ti("etl", run_id, "c").state is None  # cleared to run again
    assert sql_deployment.run_state("etl", run_id) == DagRunState.QUEUED
    assert sql_deployment.run_until_finished("etl", run_id) == DagRunState.SUCCESS
    assert sql_deployment.executed() == ["c"]


def test_marking_failed_with_downstream_marks_what_follows(deployment: Deployment) -> None:
    deployment.write_dag("etl.py", CHAIN)
    deployment.parse()
    run_id = deployment.trigger("etl")  # paused: nothing runs

    with deployment.sessions.begin() as session:
        keys = set_task_instance_state(
            session, deployment.specs, "etl", run_id, ["a"], state=S.FAILED, downstream=True
        )

    assert sorted(key[2] for key in keys) == ["a", "b", "c"]
    assert deployment.states("etl", run_id) == {
        "a": "failed",
        "b": "failed",
        "c": "failed",
        "d": None,
    }


def test_marking_leaves_instances_already_in_the_state(deployment: Deployment) -> None:
    run_id = _failed_chain(deployment)

    with deployment.sessions.begin() as session:
        keys = set_task_instance_state(
            session, deployment.specs, "etl", run_id, ["a", "b"], state=S.SKIPPED, dry_run=True
        )
        assert sorted(key[2] for key in keys) == ["a", "b"]
        keys = set_task_instance_state(
            session, deployment.specs, "etl", run_id, ["a"], state=S.SUCCESS
        )
    assert keys == []


# -- mark runs ----------------------------------------------------------------------------------


def _set_states(deployment: Deployment, run_id: str, states: dict[str, S | None]) -> None:
    with deployment.sessions.begin() as session:
        for task_id, state in states.items():
            ti_repo.update_task_instance_states(
                session=session, keys=[("etl", run_id, task_id, -1)], state=state
            )


def test_marking_a_run_success_marks_every_instance_success(sql_deployment: Deployment) -> None:
    run_id = _failed_chain(sql_deployment)

    with sql_deployment.sessions.begin() as session:
        keys = set_dag_run_state(session, sql_deployment.specs, "etl", run_id, DagRunState.SUCCESS)

    assert sorted(key[2] for key in keys) == ["b", "c"]
    assert set(sql_deployment.states("etl", run_id).values()) == {"success"}
    with sql_deployment.sessions() as session:
        run = session.scalars(select(DagRunRow).where(DagRunRow.run_id == run_id)).one()
    assert (run.state, run.reason) == (DagRunState.SUCCESS, "marked success by a user")
    assert run.end_date is not None


def test_marking_a_run_failed_fails_running_and_skips_pending_instances(
    sql_deployment: Deployment,
) -> None:
    sql_deployment.write_dag("etl.py", CHAIN)
    sql_deployment.parse()
    run_id = sql_deployment.trigger("etl")
    _set_states(sql_deployment, run_id, {"a": S.SUCCESS, "b": S.RUNNING, "d": S.QUEUED})

    with sql_deployment.sessions.begin() as session:
        keys = set_dag_run_state(session, sql_deployment.specs, "etl", run_id, DagRunState.FAILED)

    assert sorted(key[2] for key in keys) == ["b", "c", "d"]
    assert sql_deployment.states("etl", run_id) == {
        "a": "success",
        "b": "failed",
        "c": "skipped",
        "d": "skipped",
    }
    assert sql_deployment.run_state("etl", run_id) == DagRunState.FAILED


def test_marking_a_run_success_lets_an_unfinished_teardown_run(deployment: Deployment) -> None:
    deployment.write_dag("etl.py", SETUP_TEARDOWN)
    deployment.parse()
    deployment.unpause("etl")
    run_id = deployment.trigger("etl")

    with deployment.sessions.begin() as session:
        set_dag_run_state(session, deployment.specs, "etl", run_id, DagRunState.SUCCESS)

    states = deployment.states("etl", run_id)
    assert states["drop"] is None
    assert {states[t] for t in ("create", "use", "other")} == {"success"}
    assert deployment.run_state("etl", run_id) == DagRunState.QUEUED
    assert deployment.run_until_finished("etl", run_id) == DagRunState.SUCCESS
    assert deployment.executed() == ["drop"]


def test_marking_a_run_queued_leaves_its_task_instances(deployment: Deployment) -> None:
    run_id = _failed_chain(deployment)
    before = deployment.states("etl", run_id)

    with deployment.sessions.begin() as session:
        keys = set_dag_run_state(session, deployment.specs, "etl", run_id, DagRunState.QUEUED)

    assert keys == []
    assert deployment.states("etl", run_id) == before
    assert deployment.run_state("etl", run_id) == DagRunState.QUEUED


# -- delete -------------------------------------------------------------------------------------


def _count(deployment: Deployment, row: type, dag_id: str = "etl") -> int:
    with deployment.sessions() as session:
        return int(session.scalar(select(func.count()).where(row.dag_id == dag_id)) or 0)


def test_delete_dag_removes_its_history_and_leaves_other_dags(sql_deployment: Deployment) -> None:
    run_id = _failed_chain(sql_deployment)
    sql_deployment.write_dag("other.py", CHAIN.replace('"etl"', '"other"'))
    sql_deployment.write_dag("broken.py", "raise ValueError('broken')\n")
    sql_deployment.parse()
    other_run = sql_deployment.trigger("other")
    assert _count(sql_deployment, LogLocationRow) == 4  # a, b twice, d: c never ran

    with sql_deployment.sessions.begin() as session:
        counts = delete_dag(session, "etl")

    assert counts == {
        "xcom": 2,
        "log_locations": 4,
        "task_tries": 4,
        "task_instances": 4,
        "dag_runs": 1,
        "dag_versions": 1,
        "dags": 1,
    }
    for row in (DagRow, DagVersionRow, DagRunRow, TaskInstanceRow, TaskTryRow, XComRow):
        assert _count(sql_deployment, row) == 0, row
    assert sql_deployment.run_state("other", other_run) == DagRunState.QUEUED
    with sql_deployment.sessions() as session:
        assert session.scalar(select(func.count()).select_from(ImportErrorRow)) == 1
    assert sql_deployment.run_state("etl", run_id) is None


def test_a_deleted_dag_comes_back_paused_when_its_file_is_parsed(deployment: Deployment) -> None:
    _failed_chain(deployment)
    with deployment.sessions.begin() as session:
        delete_dag(session, "etl")

    deployment.write_dag("etl.py", CHAIN + "\n# touched\n")
    deployment.parse()

    with deployment.sessions() as session:
        dag = dag_repo.get_dag(session=session, dag_id="etl")
        assert dag is not None and dag.is_paused


def test_delete_dag_refuses_while_a_task_instance_runs(deployment: Deployment) -> None:
    deployment.write_dag("etl.py", CHAIN)
    deployment.parse()
    run_id = deployment.trigger("etl")
    _set_states(deployment, run_id, {"a": S.RUNNING})

    with deployment.sessions.begin() as session, pytest.raises(TradewindError, match="running"):
        delete_dag(session, "etl")
    assert _count(deployment, DagRunRow) == 1


def test_delete_of_an_unknown_dag_says_so(deployment: Deployment) -> None:
    with deployment.sessions() as session, pytest.raises(DagNotFoundError, match="'nope'"):
        delete_dag(session, "nope")
