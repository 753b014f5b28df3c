"""Authoring DAGs: the context manager, ``@dag``, default_args and task groups."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tradewind import DAG, TaskGroup, dag, task, task_group
from tradewind.contracts.states import TriggerRule
from tradewind.errors import InvalidIdError
from tradewind.operators.empty import EmptyOperator
from tradewind.sdk.dag import DagParam

START = datetime(2024, 1, 1, tzinfo=UTC)


# -- the DAG context manager ---------------------------------------------------------------------


def test_tasks_created_inside_the_with_block_belong_to_the_dag():
    with DAG("etl", schedule=None, start_date=START) as d:
        a = EmptyOperator(task_id="a")
        b = EmptyOperator(task_id="b")
    assert d.task_ids == ["a", "b"]
    assert a.dag is d and b.dag is d
    assert a.dag_id == "etl"


def test_task_created_after_the_with_block_belongs_to_no_dag():
    with DAG("etl"):
        pass
    outside = EmptyOperator(task_id="outside")
    assert outside.dag is None


def test_task_given_dag_explicitly_joins_it_outside_any_block():
    d = DAG("etl")
    a = EmptyOperator(task_id="a", dag=d)
    assert d.get_task("a") is a


def test_nested_with_blocks_add_tasks_to_the_innermost_dag():
    with DAG("outer") as outer:
        EmptyOperator(task_id="a")
        with DAG("inner") as inner:
            EmptyOperator(task_id="b")
        EmptyOperator(task_id="c")
    assert (outer.task_ids, inner.task_ids) == (["a", "c"], ["b"])


def test_dag_roots_and_leaves_follow_the_dependencies():
    with DAG("etl") as d:
        a, b, c = (EmptyOperator(task_id=i) for i in "abc")
        a >> b >> c
    assert [t.task_id for t in d.roots] == ["a"]
    assert [t.task_id for t in d.leaves] == ["c"]


@pytest.mark.parametrize("dag_id", ["etl", "etl.v2", "etl-daily", "ETL_2024"])
def test_dag_id_with_letters_digits_dots_dashes_and_underscores_is_accepted(dag_id):
    assert DAG(dag_id).dag_id == dag_id


@pytest.mark.parametrize("dag_id", ["", "has space", "slash/id", "x" * 251])
def test_invalid_dag_id_is_refused(dag_id):
    with pytest.raises(InvalidIdError):
        DAG(dag_id)


# -- @dag ---------------------------------------------------------------------------------------


def test_dag_decorator_uses_the_function_name_as_dag_id():
    @dag(schedule=None, start_date=START)
    def nightly_load() -> None:
        EmptyOperator(task_id="t")

    d = nightly_load()
    assert (d.dag_id, d.task_ids) == ("nightly_load", ["t"])


def test_dag_decorator_accepts_an_explicit_dag_id():
    @dag(dag_id="renamed")
    def pipeline() -> None:
        EmptyOperator(task_id="t")

    assert pipeline().dag_id == "renamed"


def test_dag_decorator_docstring_becomes_doc_md():
    @dag
    def documented() -> None:
        """Loads the warehouse."""

    assert documented().doc_md == "Loads the warehouse."


def test_dag_function_arguments_become_params_with_their_defaults():
    @dag
    def pipeline(rows: int = 10, table: str = "events") -> None:
        pass

    d = pipeline()
    assert dict(d.params) == {"rows": 10, "table": "events"}


def test_arguments_given_to_the_dag_function_override_param_defaults():
    @dag
    def pipeline(rows: int = 10) -> None:
        pass

    assert dict(pipeline(rows=99).params) == {"rows": 99}


def test_dag_function_arguments_reach_tasks_as_dag_params():
    @dag
    def pipeline(rows: int = 10) -> None:
        @task
        def use(value: int) -> None:
            pass

        assert isinstance(rows, DagParam)
        use(rows)

    d = pipeline()
    assert d.get_task("use").upstream_task_ids == set()  # a param is not a task result


def test_each_call_of_a_dag_function_builds_a_new_dag():
    @dag
    def pipeline() -> None:
        EmptyOperator(task_id="t")

    assert pipeline() is not pipeline()


# -- default_args -----------------------------------------------------------------------------


def test_default_args_apply_to_every_task_of_the_dag():
    with DAG("etl", default_args={"retries": 3, "owner": "data", "retry_delay": 10}):
        a = EmptyOperator(task_id="a")
    assert (a.retries, a.owner, a.retry_delay) == (3, "data", timedelta(seconds=10))


def test_explicit_task_arguments_win_over_default_args():
    with DAG("etl", default_args={"retries": 3, "owner": "data"}):
        a = EmptyOperator(task_id="a", retries=0, owner="me")
    assert (a.retries, a.owner) == (0, "me")


def test_task_group_default_args_override_the_dags():
    with DAG("etl", default_args={"retries": 3, "owner": "data"}):
        with TaskGroup("g", default_args={"retries": 5}):
            a = EmptyOperator(task_id="a")
        b = EmptyOperator(task_id="b")
    assert (a.retries, a.owner, b.retries) == (5, "data", 3)


def test_nested_task_group_default_args_stack_innermost_last():
    with (
        DAG("etl", default_args={"retries": 1}),
        TaskGroup("outer", default_args={"retries": 2, "pool": "p"}),
        TaskGroup("inner", default_args={"retries": 4}),
    ):
        a = EmptyOperator(task_id="a")
    assert (a.retries, a.pool) == (4, "p")


def test_default_args_reach_taskflow_tasks():
    with DAG("etl", default_args={"retries": 2, "trigger_rule": "all_done"}):

        @task
        def work() -> None:
            pass

        result = work()
    assert result.operator.retries == 2  # type: ignore[attr-defined]
    assert result.operator.trigger_rule is TriggerRule.ALL_DONE  # type: ignore[attr-defined]


def test_default_args_start_date_is_the_dags_start_date():
    d = DAG("etl", default_args={"start_date": START})
    assert d.start_date == START


def test_default_args_params_merge_with_dag_params():
    d = DAG("etl", default_args={"params": {"a": 1, "b": 1}}, params={"b": 2})
    assert dict(d.params) == {"a": 1, "b": 2}


# -- task groups ------------------------------------------------------------------------------


def test_task_group_prefixes_the_ids_of_its_tasks():
    with DAG("etl") as d, TaskGroup("extract"):
        a = EmptyOperator(task_id="a")
    assert a.task_id == "extract.a"
    assert a.label == "a"
    assert d.task_ids == ["extract.a"]


def test_nested_task_groups_prefix_every_level():
    with DAG("etl") as d, TaskGroup("outer") as outer, TaskGroup("inner") as inner:
        EmptyOperator(task_id="a")
    assert (outer.group_id, inner.group_id) == ("outer", "outer.inner")
    assert d.task_ids == ["outer.inner.a"]
    assert set(d.task_group_dict) == {"outer", "outer.inner"}


def test_task_group_without_prefix_keeps_task_ids_as_given():
    with DAG("etl") as d, TaskGroup("g", prefix_group_id=False):
        EmptyOperator(task_id="a")
    assert d.task_ids == ["a"]


def test_unprefixed_group_inside_a_prefixed_group_adds_no_prefix_at_all():
    # Airflow: a group with prefix_group_id=False returns its children's labels as they are.
    with DAG("etl") as d, TaskGroup("outer"), TaskGroup("plain", prefix_group_id=False) as plain:
        EmptyOperator(task_id="a")
    assert plain.group_id == "outer.plain"
    assert d.task_ids == ["a"]


def test_prefixed_group_inside_an_unprefixed_group_prefixes_with_its_own_id_only():
    with DAG("etl") as d, TaskGroup("plain", prefix_group_id=False), TaskGroup("inner") as inner:
        EmptyOperator(task_id="a")
    assert inner.group_id == "inner"
    assert d.task_ids == ["inner.a"]


def test_task_group_knows_its_tasks_and_parent():
    with DAG("etl") as d, TaskGroup("g") as g:
        a = EmptyOperator(task_id="a")
    assert list(g.iter_tasks()) == [a]
    assert g.parent_group is d.task_group
    assert a.task_group is g


def test_task_group_function_builds_a_prefixed_group_when_called():
    @task_group
    def extract() -> None:
        EmptyOperator(task_id="pull")

    with DAG("etl") as d:
        extract()
    assert d.task_ids == ["extract.pull"]


def test_task_group_function_called_twice_gets_suffixed_group_ids():
    @task_group
    def extract() -> None:
        EmptyOperator(task_id="pull")

    with DAG("etl") as d:
        extract()
        extract()
        extract()
    assert d.task_ids == ["extract.pull", "extract__1.pull", "extract__2.pull"]


def test_task_group_function_with_explicit_group_id():
    @task_group(group_id="source_a", tooltip="From A")
    def extract() -> None:
        EmptyOperator(task_id="pull")

    with DAG("etl") as d:
        extract()
    assert d.task_ids == ["source_a.pull"]
    assert d.task_group_dict["source_a"].tooltip == "From A"


def test_task_group_function_docstring_is_the_tooltip():
    @task_group
    def extract() -> None:
        """Pulls the raw files."""
        EmptyOperator(task_id="pull")

    with DAG("etl") as d:
        extract()
    assert d.task_group_dict["extract"].tooltip == "Pulls the raw files."


def test_task_group_function_returns_the_group_when_the_body_returns_nothing():
    @task_group
    def extract() -> None:
        EmptyOperator(task_id="pull")

    with DAG("etl"):
        result = extract()
    assert isinstance(result, TaskGroup)
    assert result.group_id == "extract"
