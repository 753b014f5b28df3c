from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tradewind.sdk import DAG, task
from tradewind.sensors.base import PokeReturnValue
from tradewind.sensors.python import PythonSensor

START = datetime(2024, 1, 1, tzinfo=UTC)


def test_python_sensor_passes_arguments_and_context_keys(make_context):
    calls: list[tuple[Any, ...]] = []

    def ready(prefix, ds, *, limit):
        calls.append((prefix, ds, limit))
        return len(calls) >= limit

    with DAG("d", schedule=None, start_date=START):
        op = PythonSensor(
            task_id="s",
            python_callable=ready,
            op_args=["p"],
            op_kwargs={"limit": 2},
            poke_interval=0.01,
        )
    assert op.execute(make_context(op)) is None
    assert calls == [("p", "2024-01-01", 2), ("p", "2024-01-01", 2)]


def test_python_sensor_truthy_value_counts_as_done(make_context):
    with DAG("d", schedule=None, start_date=START):
        op = PythonSensor(task_id="s", python_callable=lambda: ["something"])
    assert op.poke(make_context(op)) == PokeReturnValue(True)


def test_python_sensor_pushes_the_poke_return_value(make_context):
    with DAG("d", schedule=None, start_date=START):
        op = PythonSensor(
            task_id="s", python_callable=lambda: PokeReturnValue(True, xcom_value="found")
        )
    assert op.execute(make_context(op)) == "found"


def test_python_sensor_templates_dict_is_rendered(make_context):
    with DAG("d", schedule=None, start_date=START):
        op = PythonSensor(
            task_id="s",
            python_callable=lambda templates_dict: PokeReturnValue(True, templates_dict["day"]),
            templates_dict={"day": "{{ ds }}"},
        )
    context = make_context(op)
    op.render_template_fields(context)
    assert op.execute(context) == "2024-01-01"


def test_task_sensor_decorator_builds_a_sensor_with_its_options(make_context):
    with DAG("d", schedule=None, start_date=START) as dag:

        @task.sensor(poke_interval=0.01, timeout=5, mode="poke")
        def wait_for(name, ti):
            wait_for.pokes += 1
            done = wait_for.pokes >= 2
            return PokeReturnValue(done, xcom_value=f"{name}@{ti.run_id}")

        wait_for.pokes = 0
        wait_for("upload")
    op = dag.get_task("wait_for")
    assert isinstance(op, PythonSensor)
    assert (op.poke_interval, op.timeout) == (0.01, 5.0)
    context = make_context(op)
    assert op.execute(context) == f"upload@{context['run_id']}"


def test_task_sensor_decorator_accepts_a_plain_bool(make_context):
    with DAG("d", schedule=None, start_date=START) as dag:

        @task.sensor
        def always():
            return True

        always()
    op = dag.get_task("always")
    assert op.execute(make_context(op)) is None
