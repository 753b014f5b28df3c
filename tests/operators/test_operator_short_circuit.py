from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tradewind.operators.empty import EmptyOperator
from tradewind.operators.python import ShortCircuitOperator
from tradewind.sdk import DAG, task

START = datetime(2024, 1, 1, tzinfo=UTC)


def short_circuit_dag(condition: Any, **kwargs: Any) -> ShortCircuitOperator:
    """setup >> check >> [a, b]; a >> c >> d; b >> c; [check, d] >> cleanup (teardown)."""
    with DAG("d", schedule=None, start_date=START):
        setup = EmptyOperator(task_id="setup")
        check = ShortCircuitOperator(task_id="check", python_callable=lambda: condition, **kwargs)
        a, b, c, d = (EmptyOperator(task_id=i) for i in "abcd")
        cleanup = EmptyOperator(task_id="cleanup")
        setup >> check >> [a, b]
        a >> c >> d
        b >> c
        check >> cleanup
        d >> cleanup
        cleanup.as_teardown(setups=setup)
    return check


def test_truthy_condition_skips_nothing_and_is_returned(make_context):
    check = short_circuit_dag("yes")
    context = make_context(check)
    assert check.execute(context) == "yes"
    assert context["ti"].skip_calls == []


def test_falsy_condition_skips_everything_downstream_except_teardowns(make_context):
    check = short_circuit_dag(0)
    context = make_context(check)
    assert check.execute(context) == 0
    assert context["ti"].skipped == {"a", "b", "c", "d"}


def test_respecting_trigger_rules_skips_only_direct_downstream_tasks(make_context):
    check = short_circuit_dag(False, ignore_downstream_trigger_rules=False)
    context = make_context(check)
    check.execute(context)
    assert context["ti"].skipped == {"a", "b"}


def test_direct_downstream_teardown_is_not_skipped_when_respecting_trigger_rules(make_context):
    check = short_circuit_dag(None, ignore_downstream_trigger_rules=False)
    context = make_context(check)
    check.execute(context)
    assert "cleanup" not in context["ti"].skipped


def test_short_circuit_without_downstream_tasks_skips_nothing(make_context):
    with DAG("d", schedule=None, start_date=START):
        check = ShortCircuitOperator(task_id="check", python_callable=lambda: False)
    context = make_context(check)
    check.execute(context)
    assert context["ti"].skip_calls == []


def test_task_short_circuit_decorator_passes_its_options(make_context):
    with DAG("d", schedule=None, start_date=START) as dag:

        @task.short_circuit(ignore_downstream_trigger_rules=False)
        def is_weekday(ds):
            return ds == "2024-01-06"

        first = EmptyOperator(task_id="first")
        second = EmptyOperator(task_id="second")
        is_weekday() >> first >> second
    op = dag.get_task("is_weekday")
    assert isinstance(op, ShortCircuitOperator)
    assert op.ignore_downstream_trigger_rules is False
    context = make_context(op)
    assert op.execute(context) is False
    assert context["ti"].skipped == {"first"}
