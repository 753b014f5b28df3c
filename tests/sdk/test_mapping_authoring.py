"""Dynamic task mapping as authored: ``partial``/``expand``, lengths, mapped task groups."""

from __future__ import annotations

from typing import Any

import pytest

from tradewind import DAG, task, task_group
from tradewind.operators.bash import BashOperator
from tradewind.sdk.mapping import DictOfListsExpandInput, ListOfDictsExpandInput, MappedOperator
from tradewind.sdk.serialization import serialize_dag
from tradewind.sdk.taskgroup import MappedTaskGroup
from tradewind.sdk.xcom_arg import PlainXComArg


def mapped(result: Any) -> MappedOperator:
    op = result.operator if isinstance(result, PlainXComArg) else result
    assert isinstance(op, MappedOperator)
    return op


def test_classic_operator_partial_expand_builds_one_mapped_task():
    with DAG("d") as d:
        op = BashOperator.partial(task_id="run", env={"A": "1"}).expand(
            bash_command=["echo 1", "echo 2"]
        )
    assert d.task_ids == ["run"]
    assert op.is_mapped
    assert op.partial_kwargs["env"] == {"A": "1"}
    assert op.expand_input.value == {"bash_command": ["echo 1", "echo 2"]}


def test_unmap_builds_the_concrete_operator_of_one_instance():
    with DAG("d"):
        op = BashOperator.partial(task_id="run", retries=2).expand(bash_command=["echo 1"])
    concrete = op.unmap({"bash_command": "echo 1"})
    assert isinstance(concrete, BashOperator)
    assert (concrete.task_id, concrete.bash_command, concrete.retries) == ("run", "echo 1", 2)


def test_taskflow_expand_maps_function_arguments():
    with DAG("d") as d:

        @task
        def add(x: int, y: int) -> int:
            return x + y

        op = mapped(add.partial(y=10).expand(x=[1, 2, 3]))
    assert d.task_ids == ["add"]
    assert op.mapped_into == "op_kwargs"
    assert op.partial_kwargs["op_kwargs"] == {"y": 10}
    assert op.unmap({"x": 2}).op_kwargs == {"y": 10, "x": 2}  # type: ignore[attr-defined]


def test_literal_lists_give_a_literal_length():
    with DAG("d"):

        @task
        def show(x: int) -> None:
            pass

        op = mapped(show.expand(x=[1, 2, 3]))
    assert op.expand_input.length_spec() == {"product": [{"literal": 3}]}


def test_several_expanded_arguments_give_the_cross_product_length():
    with DAG("d"):

        @task
        def show(x: int, y: str) -> None:
            pass

        op = mapped(show.expand(x=[1, 2], y=["a", "b", "c"]))
    assert op.expand_input.length_spec() == {"product": [{"literal": 2}, {"literal": 3}]}


def test_cross_product_order_varies_the_last_argument_fastest():
    expand_input = DictOfListsExpandInput({"x": [1, 2], "y": ["a", "b", "c"]})
    values = [expand_input.values_at(i, {}) for i in range(6)]
    assert values == [
        {"x": 1, "y": "a"},
        {"x": 1, "y": "b"},
        {"x": 1, "y": "c"},
        {"x": 2, "y": "a"},
        {"x": 2, "y": "b"},
        {"x": 2, "y": "c"},
    ]


def test_expanding_a_dict_maps_over_its_items():
    expand_input = DictOfListsExpandInput({"kv": {"a": 1, "b": 2}})
    assert [expand_input.values_at(i, {}) for i in range(2)] == [
        {"kv": ("a", 1)},
        {"kv": ("b", 2)},
    ]


def test_expanding_an_upstream_result_wires_it_and_reads_its_length_at_run_time():
    with DAG("d"):

        @task
        def files() -> list[str]:
            return []

        @task
        def load(path: str) -> None:
            pass

        op = mapped(load.expand(path=files()))
    assert op.upstream_task_ids == {"files"}
    assert op.expand_input.length_spec() == {"product": [{"xcom": ["files", "return_value"]}]}


def test_map_keeps_the_length_of_the_mapped_result():
    with DAG("d"):

        @task
        def files() -> list[str]:
            return []

        @task
        def load(path: str) -> None:
            pass

        op = mapped(load.expand(path=files().map(str.upper)))
    assert op.expand_input.length_spec() == {"product": [{"xcom": ["files", "return_value"]}]}


def test_zip_length_is_the_shortest_or_with_fillvalue_the_longest():
    with DAG("d"):

        @task
        def a() -> list[int]:
            return []

        @task
        def b() -> list[int]:
            return []

        first, second = a(), b()
    assert first.zip(second).length_spec() == {
        "zip": [{"xcom": ["a", "return_value"]}, {"xcom": ["b", "return_value"]}],
        "longest": False,
    }
    assert first.zip(second, fillvalue=None).length_spec()["longest"] is True


def test_expand_kwargs_maps_one_dict_of_arguments_per_instance():
    with DAG("d"):

        @task
        def add(x: int, y: int) -> int:
            return x + y

        op = mapped(add.expand_kwargs([{"x": 1, "y": 2}, {"x": 3, "y": 4}]))
    assert isinstance(op.expand_input, ListOfDictsExpandInput)
    assert op.expand_input.length_spec() == {"literal": 2}
    assert op.expand_input.values_at(1, {}) == {"x": 3, "y": 4}


def test_default_args_apply_to_mapped_tasks():
    with DAG("d", default_args={"retries": 4}):
        op = BashOperator.partial(task_id="run").expand(bash_command=["echo"])

        @task
        def show(x: int) -> None:
            pass

        flow = mapped(show.expand(x=[1]))
    assert (op.retries, flow.retries) == (4, 4)


def test_mapped_taskflow_function_may_return_several_outputs():
    # Airflow keeps multiple_outputs on mapped TaskFlow tasks: each instance pushes its keys.
    with DAG("d"):

        @task
        def stats(x: int) -> dict[str, int]:
            return {"min": x, "max": x}

        op = mapped(stats.expand(x=[1, 2]))
    assert op.multiple_outputs is True


def test_override_then_expand():
    with DAG("d") as d:

        @task
        def show(x: int) -> None:
            pass

        show.override(task_id="show_all", retries=1).expand(x=[1, 2])
    assert d.task_ids == ["show_all"]
    assert d.get_task("show_all").retries == 1


def test_mapped_task_length_is_in_its_spec():
    with DAG("d") as d:
        BashOperator.partial(task_id="run").expand(bash_command=["a", "b"])
    assert serialize_dag(d).tasks["run"].map_length == {"product": [{"literal": 2}]}


# -- mapped task groups ---------------------------------------------------------------------------


def test_expanding_a_task_group_maps_every_task_inside_it():
    with DAG("d") as d:

        @task
        def a(x: int) -> int:
            return x

        @task
        def b(y: int) -> int:
            return y

        @task_group
        def per_file(x: int) -> Any:
            return b(a(x))

        per_file.expand(x=[1, 2, 3])
    group = d.task_group_dict["per_file"]
    assert isinstance(group, MappedTaskGroup)
    spec = serialize_dag(d)
    assert spec.task_groups["per_file"].map_length == {"product": [{"literal": 3}]}
    assert (spec.tasks["per_file.a"].mapped_group, spec.tasks["per_file.b"].mapped_group) == (
        "per_file",
        "per_file",
    )
    assert spec.tasks["per_file.a"].is_mapped and spec.tasks["per_file.b"].is_mapped


def test_expanded_task_group_returns_the_body_result_for_downstream_tasks():
    with DAG("d") as d:

        @task
        def a(x: int) -> int:
            return x

        @task_group
        def per_file(x: int) -> Any:
            return a(x)

        @task
        def summary(values: list[int]) -> None:
            pass

        summary(per_file.expand(x=[1, 2]))
    assert d.get_task("summary").upstream_task_ids == {"per_file.a"}


def test_expanded_task_group_without_a_result_returns_the_group():
    with DAG("d"):

        @task
        def a(x: int) -> None:
            pass

        @task_group
        def per_file(x: int) -> None:
            a(x)

        result = per_file.expand(x=[1, 2])
    assert isinstance(result, MappedTaskGroup)


def test_task_group_partial_fixes_arguments_shared_by_every_instance():
    with DAG("d") as d:

        @task
        def a(x: int, scale: int) -> int:
            return x * scale

        @task_group
        def per_file(x: int, scale: int) -> Any:
            return a(x, scale)

        per_file.partial(scale=10).expand(x=[1, 2])
    assert d.get_task("per_file.a").op_args[1] == 10  # type: ignore[attr-defined]


@pytest.mark.parametrize("value", [[{"x": 1}, {"x": 2}]])
def test_task_group_expand_kwargs(value):
    with DAG("d") as d:

        @task
        def a(x: int) -> int:
            return x

        @task_group
        def per_file(x: int) -> Any:
            return a(x)

        per_file.expand_kwargs(value)
    assert serialize_dag(d).task_groups["per_file"].map_length == {"literal": 2}
