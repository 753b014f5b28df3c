"""One DAG run end to end: its final state, skips, signals, retries, callbacks and timeouts."""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from typing import Any

import pytest

from tradewind import DAG, dag, task
from tradewind.contracts.states import DagRunState
from tradewind.exceptions import FailTask, SkipTask
from tradewind.operators.empty import EmptyOperator
from tradewind.operators.python import PythonOperator

OK, SKIP, UF, FAIL = "success", "skipped", "upstream_failed", "failed"
QUICK = timedelta(seconds=0.05)


# -- the run's state: leaves decide -----------------------------------------------------------


def test_run_succeeds_when_every_task_succeeds(outcome):
    with DAG("d") as d:
        outcome("a", "success") >> outcome("b", "success")
    result = d.test(quiet=True)
    assert (result.state, result.run.reason) == (DagRunState.SUCCESS, None)


def test_failed_leaf_fails_the_run_and_names_it(outcome):
    with DAG("d") as d:
        outcome("a", "success") >> outcome("b", "failed")
    result = d.test(quiet=True)
    assert result.state is DagRunState.FAILED
    assert result.run.reason == "task(s) failed: b"


def test_upstream_failed_leaf_fails_the_run_naming_the_task_that_failed(outcome):
    with DAG("d") as d:
        outcome("a", "failed") >> outcome("b", "success")
    result = d.test(quiet=True)
    assert result.states() == {"a": FAIL, "b": UF}
    assert (result.state, result.run.reason) == (DagRunState.FAILED, "task(s) failed: a")


def test_failure_that_a_leaf_recovers_from_does_not_fail_the_run(outcome):
    # Airflow decides a run by its leaves: a failure upstream of an all_done leaf that
    # succeeded leaves the run successful.
    with DAG("d") as d:
        outcome("a", "failed") >> outcome("cleanup", "success", trigger_rule="all_done")
    result = d.test(quiet=True)
    assert result.states() == {"a": FAIL, "cleanup": OK}
    assert result.state is DagRunState.SUCCESS


def test_run_fails_when_any_of_several_leaves_fails(outcome):
    with DAG("d") as d:
        outcome("good", "success")
        outcome("bad", "failed")
    result = d.test(quiet=True)
    assert (result.state, result.run.reason) == (DagRunState.FAILED, "task(s) failed: bad")


def test_run_with_every_task_skipped_succeeds(outcome):
    with DAG("d") as d:
        outcome("a", "skipped") >> outcome("b", "success") >> outcome("c", "success")
    result = d.test(quiet=True)
    assert result.states() == {"a": SKIP, "b": SKIP, "c": SKIP}
    assert result.state is DagRunState.SUCCESS


def test_empty_dag_run_succeeds():
    result = DAG("empty").test(quiet=True)
    assert (result.state, result.task_instances) == (DagRunState.SUCCESS, [])


def test_dag_success_callback_gets_the_run(recorder):
    with DAG("d", on_success_callback=lambda ctx: recorder.append(ctx["dag_run"].run_id)) as d:
        EmptyOperator(task_id="a")
    result = d.test(quiet=True, run_id="my_run")
    assert recorder == ["my_run"]
    assert result.run.run_id == "my_run"


def test_dag_failure_callback_gets_the_reason(recorder, outcome):
    with DAG("d", on_failure_callback=lambda ctx: recorder.append(ctx["reason"])) as d:
        outcome("a", "failed")
    d.test(quiet=True)
    assert recorder == ["task(s) failed: a"]


# -- skips ---------------------------------------------------------------------------------------


def test_skip_propagates_through_a_chain_of_all_success_tasks(outcome):
    with DAG("d") as d:
        outcome("a", "skipped") >> outcome("b", "success") >> outcome("c", "success")
        outcome("other", "success")
    assert d.test(quiet=True).states() == {"a": SKIP, "other": OK, "b": SKIP, "c": SKIP}


def test_skip_propagation_stops_at_a_task_that_accepts_skips(outcome):
    with DAG("d") as d:
        a = outcome("a", "skipped")
        b = outcome("b", "success")
        c = outcome("c", "success", trigger_rule="none_failed")
        e = outcome("e", "success")
        a >> b >> c >> e
    assert d.test(quiet=True).states() == {"a": SKIP, "b": SKIP, "c": OK, "e": OK}


def test_skip_task_raised_from_a_taskflow_task_skips_it():
    with DAG("d") as d:

        @task
        def check() -> None:
            try:
                raise SkipTask("nothing new")
            except Exception:  # a task's own handler cannot swallow the signal
                pytest.fail("SkipTask was caught as an Exception")

        check() >> EmptyOperator(task_id="after")
    result = d.test(quiet=True)
    assert result.states() == {"check": SKIP, "after": SKIP}
    assert [(t.task_id, t.try_number, str(t.state)) for t in result.tries] == [
        ("check", 1, "skipped")
    ]


def test_fail_task_fails_at_once_without_using_retries():
    with DAG("d") as d:

        @task(retries=3, retry_delay=QUICK)
        def validate() -> None:
            raise FailTask("bad input file")

        validate()
    result = d.test(quiet=True)
    assert result.states() == {"validate": FAIL}
    assert [(t.try_number, str(t.state), t.error) for t in result.tries] == [
        (1, "failed", "FailTask: bad input file")
    ]


# -- retries -------------------------------------------------------------------------------------


def test_failing_task_is_tried_retries_plus_one_times():
    with DAG("d") as d:

        @task(retries=2, retry_delay=QUICK)
        def flaky() -> None:
            raise ValueError("boom")

        flaky()
    result = d.test(quiet=True)
    assert result.states() == {"flaky": FAIL}
    assert [(t.try_number, str(t.state), t.error) for t in result.tries] == [
        (1, "up_for_retry", "ValueError: boom"),
        (2, "up_for_retry", "ValueError: boom"),
        (3, "failed", "ValueError: boom"),
    ]
    assert result.state is DagRunState.FAILED


def test_task_that_succeeds_on_a_retry_ends_successful(recorder):
    with DAG("d") as d:

        @task(retries=2, retry_delay=QUICK)
        def flaky(ti: Any = None) -> str:
            recorder.append(ti.try_number)
            if ti.try_number < 2:
                raise ConnectionError("try again")
            return "done"

        flaky() >> EmptyOperator(task_id="after")
    result = d.test(quiet=True)
    assert recorder == [1, 2]
    assert result.states() == {"flaky": OK, "after": OK}
    assert [str(t.state) for t in result.tries if t.task_id == "flaky"] == ["up_for_retry", OK]
    assert result.task_instances[0].try_number == 2


def test_retry_waits_for_its_retry_delay():
    with DAG("d") as d:

        @task(retries=1, retry_delay=timedelta(seconds=0.1))
        def flaky() -> None:
            raise ValueError("boom")

        flaky()
    result = d.test(quiet=True)
    first, second = result.tries
    assert first.end_date is not None and second.start_date is not None
    assert second.start_date - first.end_date >= timedelta(seconds=0.1)


def test_retries_come_from_default_args():
    with DAG("d", default_args={"retries": 1, "retry_delay": QUICK}) as d:

        @task
        def flaky() -> None:
            raise ValueError("boom")

        flaky()
    assert len(d.test(quiet=True).tries) == 2


# -- callbacks -----------------------------------------------------------------------------------


def recording(recorder: list[Any], kind: str) -> Any:
    def callback(context: Any) -> None:
        error = context.get("exception")
        recorder.append((kind, context["ti"].task_id, context["ti"].try_number, repr(error)))

    return callback


def callbacks(recorder: list[Any]) -> dict[str, Any]:
    return {
        f"on_{kind}_callback": recording(recorder, kind)
        for kind in ("execute", "success", "failure", "retry", "skipped")
    }


def test_success_runs_the_execute_and_success_callbacks_once(recorder, outcome):
    with DAG("d") as d:
        outcome("t", "success", **callbacks(recorder))
    d.test(quiet=True)
    assert recorder == [("execute", "t", 1, "None"), ("success", "t", 1, "None")]


def test_failure_runs_the_failure_callback_once_with_the_exception(recorder, outcome):
    with DAG("d") as d:
        outcome("t", "failed", **callbacks(recorder))
    d.test(quiet=True)
    assert recorder == [
        ("execute", "t", 1, "None"),
        ("failure", "t", 1, "ValueError('planned failure')"),
    ]


def test_skip_runs_the_skipped_callback_once(recorder, outcome):
    with DAG("d") as d:
        outcome("t", "skipped", **callbacks(recorder))
    d.test(quiet=True)
    assert recorder == [("execute", "t", 1, "None"), ("skipped", "t", 1, "None")]


def test_retry_runs_the_retry_callback_then_success(recorder):
    def flaky(ti: Any) -> None:
        if ti.try_number == 1:
            raise ValueError("first")

    with DAG("d") as d:
        PythonOperator(
            task_id="t", python_callable=flaky, retries=1, retry_delay=QUICK, **callbacks(recorder)
        )
    d.test(quiet=True)
    assert recorder == [
        ("execute", "t", 1, "None"),
        ("retry", "t", 1, "ValueError('first')"),
        ("execute", "t", 2, "None"),
        ("success", "t", 2, "None"),
    ]


def test_callback_that_raises_does_not_change_the_outcome(outcome):
    def broken(context: Any) -> None:
        raise RuntimeError("callback bug")

    with DAG("d") as d:
        outcome("t", "success", on_success_callback=broken)
    assert d.test(quiet=True).states() == {"t": OK}


def test_list_of_callbacks_runs_each(recorder, outcome):
    with DAG("d") as d:
        outcome(
            "t",
            "success",
            on_success_callback=[recording(recorder, "one"), recording(recorder, "two")],
        )
    d.test(quiet=True)
    assert [entry[0] for entry in recorder] == ["one", "two"]


# -- execution_timeout ---------------------------------------------------------------------------


def sleepy() -> None:
    time.sleep(2)


def test_task_running_past_its_execution_timeout_fails_with_task_timeout():
    with DAG("d") as d:
        PythonOperator(
            task_id="slow", python_callable=sleepy, execution_timeout=timedelta(seconds=0.3)
        )
    started = time.monotonic()
    result = d.test(quiet=True)
    assert time.monotonic() - started < 1.5
    assert result.states() == {"slow": FAIL}
    assert result.tries[0].error == "TaskTimeout: Task exceeded its execution_timeout of 0.3 s."


def test_timed_out_task_is_retried_when_it_has_retries():
    with DAG("d") as d:
        PythonOperator(
            task_id="slow",
            python_callable=sleepy,
            execution_timeout=timedelta(seconds=0.3),
            retries=1,
            retry_delay=QUICK,
        )
    result = d.test(quiet=True)
    assert [(t.try_number, str(t.state)) for t in result.tries] == [
        (1, "up_for_retry"),
        (2, "failed"),
    ]


def test_task_within_its_execution_timeout_succeeds(outcome):
    with DAG("d") as d:
        outcome("quick", "success", execution_timeout=timedelta(seconds=5))
    assert d.test(quiet=True).states() == {"quick": OK}


# -- @dag params at run time ---------------------------------------------------------------------


def test_dag_function_argument_reaches_the_task_with_its_default(recorder):
    @dag
    def pipeline(rows: int = 10) -> None:
        @task
        def use(value: int) -> None:
            recorder.append(value)

        use(rows)

    pipeline().test(quiet=True)
    assert recorder == [10]


def test_dag_function_argument_takes_the_value_from_the_run_conf(recorder):
    @dag
    def pipeline(rows: int = 10) -> None:
        @task
        def use(value: int) -> None:
            recorder.append(value)

        use(rows)

    pipeline().test(quiet=True, conf={"rows": 25})
    assert recorder == [25]


def test_dag_param_inside_a_list_argument_is_resolved(recorder):
    @dag
    def pipeline(table: str = "events") -> None:
        @task
        def use(values: list[str]) -> None:
            recorder.append(values)

        use(["prefix", table])

    pipeline().test(quiet=True, conf={"table": "users"})
    assert recorder == [["prefix", "users"]]


# -- dags test without logging configured ---------------------------------------------------------


def test_failing_task_in_a_quiet_test_run_without_log_handlers_does_not_recurse(
    monkeypatch, outcome, capsys
):
    # With no handler anywhere, logging's last resort writes to sys.stderr, which the task's
    # output capture redirects back into logging.
    monkeypatch.setattr(logging.getLogger(), "handlers", [])
    with DAG("d") as d:
        outcome("t", "failed")
    assert d.test(quiet=True).states() == {"t": FAIL}
    assert "ValueError: planned failure" in capsys.readouterr().err
