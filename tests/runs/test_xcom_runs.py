"""XCom between tasks of a run: push, pull, defaults, multiple outputs, NumPy and pandas."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from tradewind import DAG, task
from tradewind.operators.python import PythonOperator


def test_return_value_reaches_the_next_task_as_an_argument(recorder):
    with DAG("x") as d:

        @task
        def extract() -> list[int]:
            return [1, 2, 3]

        @task
        def load(rows: list[int]) -> None:
            recorder.append(rows)

        load(extract())
    d.test(quiet=True)
    assert recorder == [[1, 2, 3]]


def test_xcom_pull_with_one_task_id_returns_its_value(recorder):
    with DAG("x") as d:
        a = PythonOperator(task_id="a", python_callable=lambda: "A")
        b = PythonOperator(
            task_id="b", python_callable=lambda ti: recorder.append(ti.xcom_pull(task_ids="a"))
        )
        a >> b
    d.test(quiet=True)
    assert recorder == ["A"]


def test_xcom_pull_with_a_list_of_task_ids_returns_a_list_in_that_order(recorder):
    with DAG("x") as d:
        a = PythonOperator(task_id="a", python_callable=lambda: "A")
        b = PythonOperator(task_id="b", python_callable=lambda: "B")
        c = PythonOperator(
            task_id="c",
            python_callable=lambda ti: recorder.append(ti.xcom_pull(task_ids=["b", "a"])),
        )
        [a, b] >> c
    d.test(quiet=True)
    assert recorder == [["B", "A"]]


def test_xcom_pull_of_a_one_element_list_still_returns_a_list(recorder):
    with DAG("x") as d:
        a = PythonOperator(task_id="a", python_callable=lambda: "A")
        b = PythonOperator(
            task_id="b", python_callable=lambda ti: recorder.append(ti.xcom_pull(task_ids=["a"]))
        )
        a >> b
    d.test(quiet=True)
    assert recorder == [["A"]]


def test_xcom_pull_of_something_never_pushed_returns_the_default(recorder):
    def pull(ti: Any) -> None:
        recorder.append(ti.xcom_pull(task_ids="a", key="missing"))
        recorder.append(ti.xcom_pull(task_ids="a", key="missing", default="fallback"))
        recorder.append(ti.xcom_pull(task_ids=["a", "nope"], default=0))

    with DAG("x") as d:
        a = PythonOperator(task_id="a", python_callable=lambda: "A")
        a >> PythonOperator(task_id="b", python_callable=pull)
    d.test(quiet=True)
    assert recorder == [None, "fallback", ["A", 0]]


def test_xcom_push_with_a_key_and_pull_by_key(recorder):
    def push(ti: Any) -> None:
        ti.xcom_push(key="model_path", value="/models/1")

    def pull(ti: Any) -> None:
        recorder.append(ti.xcom_pull(task_ids="push", key="model_path"))
        recorder.append(ti.xcom_pull(task_ids="push"))  # no return value was pushed

    with DAG("x") as d:
        PythonOperator(task_id="push", python_callable=push) >> PythonOperator(
            task_id="pull", python_callable=pull
        )
    d.test(quiet=True)
    assert recorder == ["/models/1", None]


def test_do_xcom_push_false_pushes_no_return_value(recorder):
    with DAG("x") as d:
        a = PythonOperator(task_id="a", python_callable=lambda: "A", do_xcom_push=False)
        b = PythonOperator(
            task_id="b",
            python_callable=lambda ti: recorder.append(ti.xcom_pull(task_ids="a", default="-")),
        )
        a >> b
    d.test(quiet=True)
    assert recorder == ["-"]


def test_multiple_outputs_push_each_key_and_the_whole_dict(recorder):
    with DAG("x") as d:

        @task(multiple_outputs=True)
        def split() -> Any:
            return {"train": [1, 2], "test": [3]}

        @task
        def use(train: list[int], test: list[int], whole: dict[str, Any], ti: Any = None) -> None:
            recorder.append((train, test, whole, ti.xcom_pull(task_ids="split", key="test")))

        parts = split()
        use(parts["train"], parts["test"], parts)
    d.test(quiet=True)
    assert recorder == [([1, 2], [3], {"train": [1, 2], "test": [3]}, [3])]


def test_multiple_outputs_inferred_from_the_annotation_push_each_key(recorder):
    with DAG("x") as d:

        @task
        def split() -> dict[str, int]:
            return {"a": 1, "b": 2}

        @task
        def use(a: int, b: int) -> None:
            recorder.append(a + b)

        parts = split()
        use(parts["a"], parts["b"])
    d.test(quiet=True)
    assert recorder == [3]


def test_multiple_outputs_with_a_value_that_is_not_a_dict_fails_the_task():
    with DAG("x") as d:

        @task(multiple_outputs=True)
        def split() -> Any:
            return [1, 2]

        split()
    result = d.test(quiet=True)
    assert result.states() == {"split": "failed"}
    assert result.tries[0].error == (
        "TypeError: Task 'split' has multiple_outputs=True and must return a dict, not list."
    )


def test_numpy_array_passes_between_tasks(recorder):
    with DAG("x") as d:

        @task
        def make() -> Any:
            return np.arange(6, dtype=np.float32).reshape(2, 3)

        @task
        def use(array: Any) -> None:
            recorder.append(array)

        use(make())
    d.test(quiet=True)
    (array,) = recorder
    assert isinstance(array, np.ndarray)
    assert array.dtype == np.float32
    np.testing.assert_array_equal(array, np.arange(6, dtype=np.float32).reshape(2, 3))


def test_pandas_dataframe_passes_between_tasks(recorder):
    frame = pd.DataFrame({"city": ["Oslo", "Lima"], "temp": [3.5, 19.0]})
    with DAG("x") as d:

        @task
        def make() -> Any:
            return frame

        @task
        def use(df: Any) -> None:
            recorder.append(df)

        use(make())
    d.test(quiet=True)
    (received,) = recorder
    pd.testing.assert_frame_equal(received, frame)


def test_value_that_cannot_be_passed_fails_the_producing_task():
    with DAG("x") as d:

        @task
        def make() -> Any:
            return object()

        make()
    result = d.test(quiet=True)
    assert result.states() == {"make": "failed"}
    assert (result.tries[0].error or "").startswith(
        "XComSerializationError: Cannot pass a builtins.object between tasks."
    )


def test_consumer_of_a_result_never_pushed_fails_with_a_clear_error():
    with DAG("x") as d:

        @task
        def produce() -> None:
            from tradewind.exceptions import SkipTask

            raise SkipTask()

        @task(trigger_rule="all_done")
        def consume(value: Any) -> None:
            pass

        consume(produce())
    result = d.test(quiet=True)
    assert result.states() == {"produce": "skipped", "consume": "failed"}
    assert (result.tries[-1].error or "").startswith(
        "XComNotFoundError: Task 'consume' needs the XCom 'return_value' of task 'produce', "
        "which was not pushed (that task is skipped)."
    )
