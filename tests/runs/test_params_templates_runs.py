"""Params and templates in a run (Airflow: "Params", "Templates reference")."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

import pytest

from tradewind import DAG, Param, task
from tradewind.errors import ParamValidationError, TemplateRenderError
from tradewind.sdk.baseoperator import BaseOperator

LOGICAL = datetime(2024, 3, 5, 6, 7, 8, tzinfo=UTC)


class Capture(BaseOperator):
    """Renders ``text`` (and ``.sql`` files) and hands the result to ``sink``."""

    template_fields: ClassVar[tuple[str, ...]] = ("text",)
    template_ext: ClassVar[tuple[str, ...]] = (".sql",)

    def __init__(self, *, text: Any, sink: list[Any], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.text = text
        self.sink = sink

    def execute(self, context: Any) -> Any:
        self.sink.append(self.text)
        return self.text


# -- params ------------------------------------------------------------------------------------


def test_params_defaults_reach_templates_and_tasks(recorder):
    with DAG("p", params={"rows": Param(10, type="integer", minimum=1)}) as d:
        Capture(task_id="t", text="{{ params.rows }}", sink=recorder)

        @task
        def read(params: Any = None) -> None:
            recorder.append(params["rows"])

        read()
    d.test(quiet=True)
    assert recorder == ["10", 10]


def test_run_conf_overrides_params(recorder):
    with DAG("p", params={"rows": Param(10, type="integer", minimum=1)}) as d:
        Capture(task_id="t", text="{{ params.rows }}", sink=recorder)
    d.test(quiet=True, conf={"rows": 25})
    assert recorder == ["25"]


def test_conf_key_without_a_param_is_visible_in_params(recorder):
    with DAG("p") as d:
        Capture(task_id="t", text="{{ params.extra }}", sink=recorder)
    d.test(quiet=True, conf={"extra": "yes"})
    assert recorder == ["yes"]


def test_invalid_conf_is_refused_naming_the_param_before_any_task_runs(recorder):
    with DAG("p", params={"rows": Param(10, type="integer", minimum=1)}) as d:
        Capture(task_id="t", text="ran", sink=recorder)
    with pytest.raises(ParamValidationError) as caught:
        d.test(quiet=True, conf={"rows": 0})
    assert str(caught.value) == "Param 'rows': 0 is less than the minimum of 1"
    assert recorder == []


def test_missing_required_param_is_refused_before_any_task_runs(recorder):
    with DAG("p", params={"table": Param(type="string")}) as d:
        Capture(task_id="t", text="ran", sink=recorder)
    with pytest.raises(ParamValidationError) as caught:
        d.test(quiet=True)
    assert str(caught.value).startswith("Param 'table' is required")
    assert recorder == []


def test_task_params_extend_the_dag_params(recorder):
    with DAG("p", params={"a": 1, "b": 1}) as d:
        Capture(task_id="t", text="{{ params.a }}{{ params.b }}", sink=recorder, params={"b": 2})
    d.test(quiet=True)
    assert recorder == ["12"]


# -- templates -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{ ds }}", "2024-03-05"),
        ("{{ ds_nodash }}", "20240305"),
        ("{{ ts }}", "2024-03-05T06:07:08+00:00"),
        ("{{ logical_date.year }}", "2024"),
        ("{{ dag.dag_id }}/{{ task.task_id }}", "tpl/t"),
        ("{{ run_id }}", "manual__2024-03-05T06:07:08+00:00"),
        ("{{ macros.ds_add(ds, 1) }}", "2024-03-06"),
    ],
)
def test_context_variables_in_templates(template, expected, recorder):
    with DAG("tpl") as d:
        Capture(task_id="t", text=template, sink=recorder)
    d.test(quiet=True, logical_date=LOGICAL)
    assert recorder == [expected]


def test_dag_run_conf_in_templates(recorder):
    with DAG("tpl") as d:
        Capture(task_id="t", text="{{ dag_run.conf['mode'] }}", sink=recorder)
    d.test(quiet=True, conf={"mode": "full"})
    assert recorder == ["full"]


def test_xcom_pull_in_templates(recorder):
    with DAG("tpl") as d:

        @task
        def produce() -> dict[str, Any]:
            return {"path": "/data/x.csv"}

        produced = produce()
        consumer = Capture(
            task_id="t",
            text="{{ ti.xcom_pull(task_ids='produce', key='path') }}",
            sink=recorder,
        )
        produced >> consumer
    d.test(quiet=True)
    assert recorder == ["/data/x.csv"]


def test_template_file_is_found_by_extension_in_the_searchpath(tmp_path: Path, recorder):
    (tmp_path / "query.sql").write_text("select * from t where day = '{{ ds }}'")
    with DAG("tpl", template_searchpath=str(tmp_path)) as d:
        Capture(task_id="t", text="query.sql", sink=recorder)
    d.test(quiet=True, logical_date=LOGICAL)
    assert recorder == ["select * from t where day = '2024-03-05'"]


def test_string_with_another_extension_is_rendered_as_a_template(tmp_path: Path, recorder):
    (tmp_path / "query.txt").write_text("file content")
    with DAG("tpl", template_searchpath=str(tmp_path)) as d:
        Capture(task_id="t", text="query.txt", sink=recorder)
    d.test(quiet=True)
    assert recorder == ["query.txt"]


def test_native_rendering_keeps_python_types(recorder):
    with DAG("tpl", render_template_as_native_obj=True, params={"n": 5, "items": [1, 2]}) as d:
        Capture(task_id="n", text="{{ params.n }}", sink=recorder)
        Capture(task_id="items", text="{{ params['items'] }}", sink=recorder)
    d.test(quiet=True)
    assert sorted(recorder, key=str) == [5, [1, 2]]


def test_without_native_rendering_templates_give_strings(recorder):
    with DAG("tpl", params={"n": 5}) as d:
        Capture(task_id="n", text="{{ params.n }}", sink=recorder)
    d.test(quiet=True)
    assert recorder == ["5"]


def test_templated_fields_inside_lists_and_dicts_are_rendered(recorder):
    with DAG("tpl") as d:
        Capture(task_id="t", text={"day": ["{{ ds }}", 1]}, sink=recorder)
    d.test(quiet=True, logical_date=LOGICAL)
    assert recorder == [{"day": ["2024-03-05", 1]}]


def test_undefined_template_variable_fails_the_task_with_a_render_error():
    with DAG("tpl") as d:
        Capture(task_id="t", text="{{ no_such_thing }}", sink=[])
    result = d.test(quiet=True)
    assert result.states() == {"t": "failed"}
    error = result.tries[0].error
    assert error is not None
    assert error.startswith(
        f"{TemplateRenderError.__name__}: Could not render template field 'text' of Capture 't'"
    )
