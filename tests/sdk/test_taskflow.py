"""TaskFlow: ``@task`` functions, their ids, options, results and variants."""

from __future__ import annotations

from typing import Any, TypedDict

import pytest

from tradewind import DAG, TaskGroup, XComArg, setup, task, teardown
from tradewind.contracts.states import TriggerRule
from tradewind.sdk.decorators import DecoratedPythonOperator
from tradewind.sdk.xcom_arg import PlainXComArg


def operator(result: XComArg) -> Any:
    assert isinstance(result, PlainXComArg)
    return result.operator


def test_calling_a_task_function_in_a_dag_creates_a_task_named_after_it():
    with DAG("d") as d:

        @task
        def extract() -> int:
            return 1

        result = extract()
    assert d.task_ids == ["extract"]
    assert isinstance(operator(result), DecoratedPythonOperator)


def test_calling_a_task_function_returns_its_result_as_an_xcom_arg():
    with DAG("d"):

        @task
        def extract() -> int:
            return 1

        result = extract()
    assert isinstance(result, PlainXComArg)
    assert (result.operator.task_id, result.key) == ("extract", "return_value")


def test_task_function_called_twice_gets_a_numbered_id():
    with DAG("d") as d:

        @task
        def extract() -> int:
            return 1

        extract()
        extract()
        extract()
    assert d.task_ids == ["extract", "extract__1", "extract__2"]


def test_double_underscore_in_a_function_name_is_not_a_suffix():
    # Airflow strips only a trailing __<number> to find the base id.
    with DAG("d") as d:

        @task
        def load__raw() -> None:
            pass

        load__raw()
        load__raw()
    assert d.task_ids == ["load__raw", "load__raw__1"]


def test_task_function_called_twice_in_a_group_is_numbered_inside_the_group():
    with DAG("d") as d:

        @task
        def step() -> None:
            pass

        with TaskGroup("g"):
            step()
            step()
    assert d.task_ids == ["g.step", "g.step__1"]


def test_task_id_option_names_the_task():
    with DAG("d") as d:

        @task(task_id="custom")
        def extract() -> None:
            pass

        extract()
    assert d.task_ids == ["custom"]


def test_override_changes_options_of_one_call_only():
    with DAG("d") as d:

        @task(retries=1)
        def extract() -> None:
            pass

        plain = extract()
        changed = extract.override(task_id="extract_eu", retries=5, pool="eu")()
    assert d.task_ids == ["extract", "extract_eu"]
    assert (operator(plain).retries, operator(plain).pool) == (1, "default_pool")
    assert (operator(changed).retries, operator(changed).pool) == (5, "eu")


def test_decorator_options_become_operator_options():
    with DAG("d"):

        @task(retries=3, trigger_rule="all_done", queue="gpu")
        def train() -> None:
            pass

        op = operator(train())
    assert (op.retries, op.trigger_rule, op.queue) == (3, TriggerRule.ALL_DONE, "gpu")


def test_function_docstring_documents_the_task():
    with DAG("d"):

        @task
        def train() -> None:
            """Fits the model."""

        op = operator(train())
    assert op.doc_md == "Fits the model."


def test_call_arguments_are_kept_for_run_time():
    with DAG("d"):

        @task
        def add(x: int, y: int = 0) -> int:
            return x + y

        op = operator(add(1, y=2))
    assert (op.op_args, op.op_kwargs) == ([1], {"y": 2})


def test_missing_required_argument_is_a_type_error_at_definition():
    with DAG("d"):

        @task
        def add(x: int, y: int) -> int:
            return x + y

        with pytest.raises(TypeError) as caught:
            add(1)
    assert str(caught.value) == "add() is missing required arguments: y."


def test_context_arguments_may_be_left_out_of_the_call():
    with DAG("d") as d:

        @task
        def report(ds: str | None = None, ti: Any = None) -> None:
            pass

        @task
        def stamp(ds: str, ti: Any) -> None:
            pass

        report()
        stamp()
    assert d.task_ids == ["report", "stamp"]


# -- multiple_outputs -------------------------------------------------------------------------


def test_multiple_outputs_explicit():
    with DAG("d"):

        @task(multiple_outputs=True)
        def split() -> Any:
            return {"train": 1, "test": 2}

        assert operator(split()).multiple_outputs is True


def test_multiple_outputs_inferred_from_a_dict_return_annotation():
    with DAG("d"):

        @task
        def split() -> dict[str, int]:
            return {}

        assert operator(split()).multiple_outputs is True


class Split(TypedDict):
    train: int


def test_multiple_outputs_inferred_from_a_typed_dict_return_annotation():
    with DAG("d"):

        @task
        def split() -> Split:
            return {"train": 1}

        assert operator(split()).multiple_outputs is True


@pytest.mark.parametrize("annotation", [list[int], int, None])
def test_no_multiple_outputs_for_other_return_annotations(annotation):
    def split() -> Any:
        return None

    split.__annotations__["return"] = annotation
    with DAG("d"):
        assert operator(task(split)()).multiple_outputs is False


def test_explicit_multiple_outputs_false_wins_over_the_annotation():
    with DAG("d"):

        @task(multiple_outputs=False)
        def split() -> dict[str, int]:
            return {}

        assert operator(split()).multiple_outputs is False


def test_indexing_a_result_references_one_key():
    with DAG("d"):

        @task(multiple_outputs=True)
        def split() -> Any:
            return {}

        result = split()
        train = result["train"]
    assert isinstance(train, PlainXComArg)
    assert (train.operator, train.key) == (result.operator, "train")  # type: ignore[attr-defined]


def test_xcom_arg_cannot_be_iterated_while_the_dag_is_defined():
    with DAG("d"):

        @task
        def rows() -> list[int]:
            return []

        with pytest.raises(TypeError):
            list(rows())


# -- setup and teardown decorators ---------------------------------------------------------------


def test_setup_decorator_marks_a_setup_task():
    with DAG("d"):

        @setup
        def create() -> None:
            pass

        op = operator(create())
    assert (op.is_setup, op.is_teardown) == (True, False)


def test_teardown_decorator_marks_a_teardown_with_its_trigger_rule():
    with DAG("d"):

        @teardown
        def delete() -> None:
            pass

        op = operator(delete())
    assert (op.is_teardown, op.trigger_rule) == (True, TriggerRule.ALL_DONE_SETUP_SUCCESS)
    assert op.on_failure_fail_dagrun is False


def test_teardown_decorator_can_fail_the_run():
    with DAG("d"):

        @teardown(on_failure_fail_dagrun=True)
        def delete() -> None:
            pass

        assert operator(delete()).on_failure_fail_dagrun is True


def test_as_teardown_with_setups_wires_and_marks_the_setup():
    with DAG("d"):

        @task
        def create() -> None:
            pass

        @task
        def delete() -> None:
            pass

        made = create()
        deleted = delete().as_teardown(setups=made)
    assert operator(made).is_setup is True
    assert operator(deleted).is_teardown is True
    assert operator(deleted).upstream_task_ids == {"create"}


def test_task_variants_are_available_by_name():
    with DAG("d") as d:

        @task.branch
        def choose() -> str:
            return "a"

        @task.short_circuit
        def gate() -> bool:
            return True

        @task.bash
        def command() -> str:
            return "echo hi"

        choose()
        gate()
        command()
    assert [type(t).__name__ for t in d.tasks] == [
        "_BranchDecoratedOperator",
        "_ShortCircuitDecoratedOperator",
        "_BashDecoratedOperator",
    ]


def test_unknown_task_variant_lists_the_known_ones():
    with pytest.raises(AttributeError) as caught:
        _ = task.nonexistent
    assert str(caught.value).startswith("Tradewind has no @task.nonexistent; available: ")
