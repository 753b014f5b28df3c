from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import pytest

from tradewind.operators.python import PythonOperator
from tradewind.sdk import DAG, task

START = datetime(2024, 1, 1, tzinfo=UTC)


def test_callable_receives_only_the_context_keys_it_names(make_context):
    seen: dict[str, Any] = {}

    def f(ds, ti):
        seen.update(ds=ds, ti=ti)

    with DAG("d", schedule=None, start_date=START):
        op = PythonOperator(task_id="t", python_callable=f)
    context = make_context(op)
    op.execute(context)
    assert seen == {"ds": "2024-01-01", "ti": context["ti"]}


def test_callable_with_var_keyword_receives_the_whole_context(make_context):
    seen: dict[str, Any] = {}

    def f(**kwargs):
        seen.update(kwargs)

    with DAG("d", schedule=None, start_date=START):
        op = PythonOperator(task_id="t", python_callable=f, op_kwargs={"x": 1})
    context = make_context(op)
    op.execute(context)
    assert seen["x"] == 1
    assert seen["run_id"] == context["run_id"]
    assert seen["dag_run"] is context["dag_run"]
    assert seen["templates_dict"] is None


def test_op_args_and_op_kwargs_are_passed_and_the_result_returned(make_context):
    with DAG("d", schedule=None, start_date=START):
        op = PythonOperator(
            task_id="t",
            python_callable=lambda a, b, *, c: [a, b, c],
            op_args=[1, 2],
            op_kwargs={"c": 3},
        )
    assert op.execute(make_context(op)) == [1, 2, 3]


def test_positional_op_args_are_not_replaced_by_context_keys(make_context):
    def f(ds, ti):
        return (ds, ti)

    with DAG("d", schedule=None, start_date=START):
        op = PythonOperator(task_id="t", python_callable=f, op_args=["mine"])
    context = make_context(op)
    assert op.execute(context) == ("mine", context["ti"])


def test_templates_dict_is_rendered_and_reaches_the_callable(make_context):
    def f(templates_dict):
        return templates_dict["day"]

    with DAG("d", schedule=None, start_date=START):
        op = PythonOperator(task_id="t", python_callable=f, templates_dict={"day": "{{ ds }}"})
    context = make_context(op)
    op.render_template_fields(context)
    assert op.execute(context) == "2024-01-01"


def test_op_args_and_op_kwargs_are_templated(make_context):
    with DAG("d", schedule=None, start_date=START):
        op = PythonOperator(
            task_id="t",
            python_callable=lambda a, b: f"{a}/{b}",
            op_args=["{{ ds_nodash }}"],
            op_kwargs={"b": "{{ run_id }}"},
        )
    context = make_context(op, run_id="r1")
    op.render_template_fields(context)
    assert op.execute(context) == "20240101/r1"


def test_templates_exts_sets_the_template_file_extensions():
    with DAG("d", schedule=None, start_date=START):
        op = PythonOperator(task_id="t", python_callable=print, templates_exts=[".sql"])
    assert list(op.template_ext) == [".sql"]


def test_non_callable_is_rejected_with_the_task_id():
    with DAG("d", schedule=None, start_date=START), pytest.raises(TypeError, match="'t'"):
        PythonOperator(task_id="t", python_callable="not a function")


def test_return_value_is_logged(make_context, caplog):
    with DAG("d", schedule=None, start_date=START):
        op = PythonOperator(task_id="t", python_callable=lambda: 42)
    with caplog.at_level(logging.INFO, logger="tradewind.operators.python"):
        op.execute(make_context(op))
    assert "Done. Returned value was: 42" in caplog.messages


def test_return_value_is_hidden_when_show_return_value_in_logs_is_false(make_context, caplog):
    with DAG("d", schedule=None, start_date=START):
        op = PythonOperator(
            task_id="t", python_callable=lambda: "secret", show_return_value_in_logs=False
        )
    with caplog.at_level(logging.INFO, logger="tradewind.operators.python"):
        assert op.execute(make_context(op)) == "secret"
    assert "Done. Returned value not shown" in caplog.messages
    assert not any("secret" in message for message in caplog.messages)


def test_default_args_reach_python_operator_arguments():
    with DAG("d", schedule=None, start_date=START, default_args={"retries": 2}):
        op = PythonOperator(task_id="t", python_callable=print)
    assert op.retries == 2


def test_task_decorator_variants_resolve_to_operator_factories():
    from tradewind.operators.bash import bash_task
    from tradewind.operators.python import branch_task, short_circuit_task
    from tradewind.sensors.python import sensor_task

    assert task.branch is branch_task
    assert task.short_circuit is short_circuit_task
    assert task.bash is bash_task
    assert task.sensor is sensor_task
