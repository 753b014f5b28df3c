"""Dynamic task mapping at run time (Airflow: "Dynamic Task Mapping").

One instance per item, in item order; a downstream task receives the ordered list of the
instances' results; an empty input skips the mapped task; a mapped task group runs every task
once per item, instance i of a task depending on instance i of the task before it.
"""

from __future__ import annotations

from typing import Any

from tradewind import DAG, task, task_group
from tradewind.contracts.states import DagRunState
from tradewind.operators.bash import BashOperator
from tradewind.operators.python import PythonOperator

OK, SKIP, UF, FAIL = "success", "skipped", "upstream_failed", "failed"


def collect(recorder: list[Any], key: str) -> Any:
    @task(task_id=f"collect_{key}")
    def collector(values: Any) -> None:
        recorder.append((key, list(values)))

    return collector


def test_literal_list_gives_one_instance_per_item_in_order(recorder):
    with DAG("d") as d:

        @task
        def square(x: int) -> int:
            return x * x

        collect(recorder, "squares")(square.expand(x=[3, 1, 2]))
    result = d.test(quiet=True)
    assert result.states() == {
        "square[0]": OK,
        "square[1]": OK,
        "square[2]": OK,
        "collect_squares": OK,
    }
    assert recorder == [("squares", [9, 1, 4])]


def test_literal_dict_maps_over_its_items(recorder):
    with DAG("d") as d:

        @task
        def pair(kv: tuple[str, int]) -> str:
            key, value = kv
            return f"{key}={value}"

        collect(recorder, "pairs")(pair.expand(kv={"a": 1, "b": 2}))
    d.test(quiet=True)
    assert recorder == [("pairs", ["a=1", "b=2"])]


def test_cross_product_varies_the_last_argument_fastest(recorder):
    with DAG("d") as d:

        @task
        def combine(x: int, y: str) -> str:
            return f"{x}{y}"

        collect(recorder, "product")(combine.expand(x=[1, 2], y=["a", "b", "c"]))
    result = d.test(quiet=True)
    assert recorder == [("product", ["1a", "1b", "1c", "2a", "2b", "2c"])]
    assert len([k for k in result.states() if k.startswith("combine[")]) == 6


def test_expand_over_an_upstream_result_known_only_at_run_time(recorder):
    with DAG("d") as d:

        @task
        def list_files() -> list[str]:
            return ["a.csv", "b.csv", "c.csv", "d.csv"]

        @task
        def size(path: str) -> int:
            return len(path)

        collect(recorder, "sizes")(size.expand(path=list_files()))
    result = d.test(quiet=True)
    assert [k for k in result.states() if k.startswith("size")] == [
        "size[0]",
        "size[1]",
        "size[2]",
        "size[3]",
    ]
    assert recorder == [("sizes", [5, 5, 5, 5])]


def test_partial_arguments_reach_every_instance(recorder):
    with DAG("d") as d:

        @task
        def scale(x: int, factor: int) -> int:
            return x * factor

        collect(recorder, "scaled")(scale.partial(factor=10).expand(x=[1, 2, 3]))
    d.test(quiet=True)
    assert recorder == [("scaled", [10, 20, 30])]


def test_expand_kwargs_gives_each_instance_its_own_arguments(recorder):
    with DAG("d") as d:

        @task
        def make_args() -> list[dict[str, Any]]:
            return [{"x": 1, "y": 2}, {"x": 10, "y": 20}]

        @task
        def add(x: int, y: int) -> int:
            return x + y

        collect(recorder, "sums")(add.expand_kwargs(make_args()))
        collect(recorder, "literal")(add.expand_kwargs([{"x": 5, "y": 5}]))
    d.test(quiet=True)
    assert sorted(recorder) == [("literal", [10]), ("sums", [3, 30])]


def test_each_instance_sees_its_map_index(recorder):
    with DAG("d") as d:

        @task
        def where(x: str, ti: Any = None) -> None:
            recorder.append((x, ti.map_index))

        where.expand(x=["a", "b", "c"])
    d.test(quiet=True)
    assert sorted(recorder) == [("a", 0), ("b", 1), ("c", 2)]


def test_map_transforms_each_item_before_mapping(recorder):
    with DAG("d") as d:

        @task
        def names() -> list[str]:
            return ["ada", "bob"]

        @task
        def greet(name: str) -> str:
            return f"hi {name}"

        collect(recorder, "greetings")(greet.expand(name=names().map(str.title)))
    d.test(quiet=True)
    assert recorder == [("greetings", ["hi Ada", "hi Bob"])]


def test_zip_pairs_items_and_stops_at_the_shortest(recorder):
    with DAG("d") as d:

        @task
        def numbers() -> list[int]:
            return [1, 2, 3]

        @task
        def letters() -> list[str]:
            return ["a", "b"]

        @task
        def show(pair: tuple[int, str]) -> str:
            number, letter = pair
            return f"{number}{letter}"

        collect(recorder, "zipped")(show.expand(pair=numbers().zip(letters())))
    d.test(quiet=True)
    assert recorder == [("zipped", ["1a", "2b"])]


def test_zip_with_fillvalue_runs_to_the_longest(recorder):
    with DAG("d") as d:

        @task
        def numbers() -> list[int]:
            return [1, 2, 3]

        @task
        def letters() -> list[str]:
            return ["a"]

        @task
        def show(pair: tuple[int, str]) -> str:
            return f"{pair[0]}{pair[1]}"

        collect(recorder, "zipped")(show.expand(pair=numbers().zip(letters(), fillvalue="-")))
    d.test(quiet=True)
    assert recorder == [("zipped", ["1a", "2-", "3-"])]


def test_empty_list_skips_the_mapped_task_and_its_downstream():
    # "If the input is empty (zero length), no new tasks will be created and the mapped task
    # will be marked as SKIPPED."
    with DAG("d") as d:

        @task
        def nothing() -> list[int]:
            return []

        @task
        def work(x: int) -> int:
            return x

        @task
        def after(values: Any) -> None:
            pass

        after(work.expand(x=nothing()))
    result = d.test(quiet=True)
    assert result.states() == {"nothing": OK, "work": SKIP, "after": SKIP}
    assert result.state is DagRunState.SUCCESS


def test_mapping_over_a_value_that_is_not_a_list_fails_the_producer(recorder):
    with DAG("d") as d:

        @task
        def one() -> int:
            return 1

        @task
        def work(x: int) -> int:
            return x

        work.expand(x=one())
    result = d.test(quiet=True)
    assert result.states() == {"one": FAIL, "work": UF}
    assert result.task_instances[0].error == (
        "UnmappableResultError: Task 'work' maps over the result of 'one' with .expand(), but "
        "'one' returned int. Return a list or a dict."
    )


def test_failed_instance_fails_its_downstream_but_not_its_siblings():
    with DAG("d") as d:

        @task
        def check(x: int) -> int:
            if x == 2:
                raise ValueError("bad item")
            return x

        @task
        def total(values: Any) -> int:
            return sum(values)

        total(check.expand(x=[1, 2, 3]))
    result = d.test(quiet=True)
    assert result.states() == {"check[0]": OK, "check[1]": FAIL, "check[2]": OK, "total": UF}


def test_mapped_task_allowed_to_run_after_its_producer_failed_is_upstream_failed():
    with DAG("d") as d:

        @task
        def produce() -> list[int]:
            raise ValueError("no data")

        @task(trigger_rule="all_done")
        def work(x: int) -> int:
            return x

        @task(trigger_rule="all_done")
        def report() -> None:
            pass

        work.expand(x=produce()) >> report()
    result = d.test(quiet=True)
    assert result.states() == {"produce": FAIL, "work": UF, "report": OK}


def test_mapped_taskflow_task_with_several_outputs_pushes_each_key(recorder):
    with DAG("d") as d:

        @task
        def stats(x: int) -> dict[str, int]:
            return {"double": 2 * x, "square": x * x}

        results = stats.expand(x=[2, 3])
        collect(recorder, "doubles")(results["double"])
        collect(recorder, "whole")(results)
    d.test(quiet=True)
    assert sorted(recorder) == [
        ("doubles", [4, 6]),
        ("whole", [{"double": 4, "square": 4}, {"double": 6, "square": 9}]),
    ]


def test_classic_operator_partial_expand(recorder):
    with DAG("d") as d:
        echo = BashOperator.partial(task_id="echo").expand(
            bash_command=["echo one", "echo two", "echo three"]
        )
        collect(recorder, "lines")(echo.output)
    result = d.test(quiet=True)
    assert result.states() == {"echo[0]": OK, "echo[1]": OK, "echo[2]": OK, "collect_lines": OK}
    assert recorder == [("lines", ["one", "two", "three"])]


def test_classic_python_operator_expand_over_op_args(recorder):
    with DAG("d") as d:
        add = PythonOperator.partial(task_id="add", python_callable=lambda a, b: a + b).expand(
            op_args=[[1, 2], [3, 4]]
        )
        collect(recorder, "sums")(add.output)
    d.test(quiet=True)
    assert recorder == [("sums", [3, 7])]


def test_templates_in_mapped_values_are_rendered_per_instance(recorder):
    with DAG("d", params={"who": "world"}) as d:
        echo = BashOperator.partial(task_id="echo").expand(
            bash_command=["echo hello {{ params.who }}", "echo bye {{ params.who }}"]
        )
        collect(recorder, "lines")(echo.output)
    d.test(quiet=True)
    assert recorder == [("lines", ["hello world", "bye world"])]


# -- mapped task groups ---------------------------------------------------------------------------


def test_mapped_task_group_runs_each_task_once_per_item(recorder):
    with DAG("d") as d:

        @task
        def extract(x: int) -> int:
            recorder.append(("extract", x))
            return x + 1

        @task
        def load(y: int) -> int:
            recorder.append(("load", y))
            return y * 10

        @task_group
        def per_item(x: int) -> Any:
            return load(extract(x))

        per_item.expand(x=[1, 2, 3])
    result = d.test(quiet=True)
    assert result.states() == {
        "per_item.extract[0]": OK,
        "per_item.extract[1]": OK,
        "per_item.extract[2]": OK,
        "per_item.load[0]": OK,
        "per_item.load[1]": OK,
        "per_item.load[2]": OK,
    }
    assert sorted(recorder) == [
        ("extract", 1),
        ("extract", 2),
        ("extract", 3),
        ("load", 2),
        ("load", 3),
        ("load", 4),
    ]


def test_task_after_a_mapped_group_receives_every_instance_result(recorder):
    with DAG("d") as d:

        @task
        def double(x: int) -> int:
            return 2 * x

        @task_group
        def per_item(x: int) -> Any:
            return double(x)

        collect(recorder, "doubles")(per_item.expand(x=[5, 6, 7]))
    d.test(quiet=True)
    assert recorder == [("doubles", [10, 12, 14])]


def test_instance_i_in_a_mapped_group_depends_on_instance_i_only(recorder):
    with DAG("d") as d:

        @task
        def check(x: int) -> int:
            if x == 2:
                raise ValueError("bad item")
            return x

        @task
        def store(y: int) -> int:
            return y * 10

        @task_group
        def per_item(x: int) -> Any:
            return store(check(x))

        @task(trigger_rule="all_done")
        def summary(values: Any) -> None:
            recorder.append(list(values))

        summary(per_item.expand(x=[1, 2, 3]))
    result = d.test(quiet=True)
    assert result.states() == {
        "per_item.check[0]": OK,
        "per_item.check[1]": FAIL,
        "per_item.check[2]": OK,
        "per_item.store[0]": OK,
        "per_item.store[1]": UF,
        "per_item.store[2]": OK,
        "summary": OK,
    }
    assert recorder == [[10, 30]]


def test_mapped_group_over_an_upstream_result(recorder):
    with DAG("d") as d:

        @task
        def items() -> list[str]:
            return ["x", "y"]

        @task
        def upper(item: str) -> str:
            return item.upper()

        @task_group
        def per_item(item: str) -> Any:
            return upper(item)

        collect(recorder, "upper")(per_item.expand(item=items()))
    result = d.test(quiet=True)
    assert "per_item.upper[1]" in result.states()
    assert recorder == [("upper", ["X", "Y"])]


def test_mapped_group_with_partial_and_expand_kwargs(recorder):
    with DAG("d") as d:

        @task
        def label(name: str, suffix: str) -> str:
            return f"{name}{suffix}"

        @task_group
        def per_item(name: str, suffix: str) -> Any:
            return label(name, suffix)

        collect(recorder, "partial")(per_item.partial(suffix="!").expand(name=["a", "b"]))
        collect(recorder, "kwargs")(
            per_item.expand_kwargs([{"name": "c", "suffix": "?"}, {"name": "d", "suffix": "."}])
        )
    d.test(quiet=True)
    assert sorted(recorder) == [("kwargs", ["c?", "d."]), ("partial", ["a!", "b!"])]


def test_repeated_mapping_maps_over_the_results_of_a_mapped_task(recorder):
    # Airflow docs, "Repeated mapping": add_one.expand(x=add_one.expand(x=[1, 2, 3])) gives
    # [3, 4, 5].
    with DAG("d") as d:

        @task
        def add_one(x: int) -> int:
            return x + 1

        first = add_one.expand(x=[1, 2, 3])
        second = add_one.expand(x=first)
        collect(recorder, "second")(second)
    result = d.test(quiet=True)
    assert result.states() == {
        "add_one[0]": OK,
        "add_one[1]": OK,
        "add_one[2]": OK,
        "add_one__1[0]": OK,
        "add_one__1[1]": OK,
        "add_one__1[2]": OK,
        "collect_second": OK,
    }
    assert recorder == [("second", [3, 4, 5])]


def test_repeated_mapping_skips_the_items_of_instances_that_pushed_nothing(recorder):
    from tradewind.exceptions import SkipTask

    with DAG("d") as d:

        @task
        def first(x: int) -> int:
            if x == 2:
                raise SkipTask("no data for 2")
            return x * 10

        @task(trigger_rule="none_failed")
        def second(y: int) -> int:
            recorder.append(y)
            return y

        second.expand(y=first.expand(x=[1, 2, 3]))
    result = d.test(quiet=True)
    assert result.states() == {
        "first[0]": OK,
        "first[1]": SKIP,
        "first[2]": OK,
        "second[0]": OK,
        "second[1]": OK,
    }
    assert sorted(recorder) == [10, 30]


def test_mapping_over_the_results_of_a_mapped_task_group(recorder):
    with DAG("d") as d:

        @task
        def double(x: int) -> int:
            return 2 * x

        @task
        def show(y: int) -> int:
            return y + 1

        @task_group
        def per_item(x: int) -> Any:
            return double(x)

        collect(recorder, "shown")(show.expand(y=per_item.expand(x=[1, 2])))
    d.test(quiet=True)
    assert recorder == [("shown", [3, 5])]


def test_each_mapped_instance_retries_and_skips_on_its_own():
    from datetime import timedelta

    from tradewind.exceptions import SkipTask

    with DAG("d") as d:

        @task(retries=1, retry_delay=timedelta(seconds=0.01))
        def work(x: int, ti: Any = None) -> int:
            if x == 1 and ti.try_number == 1:
                raise ConnectionError("flaky")
            if x == 2:
                raise SkipTask("nothing to do")
            return x

        @task
        def strict(values: Any) -> None:
            pass

        @task(trigger_rule="none_failed")
        def lenient(values: Any) -> None:
            pass

        results = work.expand(x=[0, 1, 2])
        strict(results)
        lenient(results)
    result = d.test(quiet=True)
    assert result.states() == {
        "work[0]": OK,
        "work[1]": OK,
        "work[2]": SKIP,
        "strict": SKIP,
        "lenient": OK,
    }
    assert [
        (t.map_index, t.try_number, str(t.state)) for t in result.tries if t.task_id == "work"
    ] == [
        (0, 1, OK),
        (1, 1, "up_for_retry"),
        (2, 1, SKIP),
        (1, 2, OK),
    ]
