"""DAG definitions Tradewind refuses: each problem its own error class, its message naming it."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from tradewind import DAG, TaskGroup, task
from tradewind.errors import (
    CrossDagDependencyError,
    DagCycleError,
    DagDefinitionError,
    DuplicateTaskIdError,
    InvalidIdError,
    InvalidScheduleError,
    MappingError,
    TaskOutsideDagError,
    UnknownTriggerRuleError,
)
from tradewind.operators.bash import BashOperator
from tradewind.operators.empty import EmptyOperator

HERE = Path(__file__).resolve()


def line_of(marker: str) -> int:
    """The line of this file that contains ``marker`` (in a comment)."""
    lines = HERE.read_text().splitlines()
    return next(i for i, line in enumerate(lines, 1) if marker in line and "line_of(" not in line)


# -- cycles -------------------------------------------------------------------------------------


def cyclic_dag() -> DAG:
    with DAG("loop") as d:
        a, b, c = (EmptyOperator(task_id=i) for i in "abc")
        a >> b >> c >> a
    return d


def test_cycle_is_a_dag_cycle_error_naming_its_path():
    with pytest.raises(DagCycleError) as caught:
        cyclic_dag().validate()
    assert caught.value.cycle == ["a", "b", "c", "a"]
    assert str(caught.value) == (
        "DAG 'loop' has a dependency cycle: a → b → c → a. Remove one of these dependencies so "
        "that the tasks form a DAG."
    )


def test_cycle_is_found_before_a_test_run_starts():
    with pytest.raises(DagCycleError) as caught:
        cyclic_dag().test(quiet=True)
    assert "a → b → c → a" in str(caught.value)


def test_self_dependency_is_a_cycle_of_one_task():
    with DAG("loop") as d:
        a = EmptyOperator(task_id="a")
        a >> a
    with pytest.raises(DagCycleError) as caught:
        d.validate()
    assert caught.value.cycle == ["a", "a"]


def test_cycle_reached_from_a_branch_names_only_the_loop():
    with DAG("loop") as d:
        start, x, y = (EmptyOperator(task_id=i) for i in ("start", "x", "y"))
        start >> x >> y >> x
    with pytest.raises(DagCycleError) as caught:
        d.validate()
    assert caught.value.cycle == ["x", "y", "x"]


# -- ids ------------------------------------------------------------------------------------------


def test_duplicate_task_id_names_the_id_the_dag_and_the_second_use():
    with DAG("etl"):
        EmptyOperator(task_id="load")
        with pytest.raises(DuplicateTaskIdError) as caught:
            EmptyOperator(task_id="load")  # second-use-marker
    assert str(caught.value) == (
        f"Task id 'load' is used twice in DAG 'etl' (second use at "
        f"{HERE}:{line_of('second-use-marker')}). Give each task a unique task_id."
    )


def test_task_group_id_that_is_already_a_task_id_is_a_duplicate():
    with DAG("etl"):
        EmptyOperator(task_id="load")
        with pytest.raises(DuplicateTaskIdError) as caught:
            TaskGroup("load")
    assert str(caught.value).startswith("Task group id 'load' is used twice in DAG 'etl' (")


def test_duplicate_task_ids_are_definition_errors():
    assert issubclass(DuplicateTaskIdError, DagDefinitionError)


@pytest.mark.parametrize(
    ("task_id", "message"),
    [
        (
            "has space",
            "task_id 'has space' may contain only letters, digits, underscores, dashes and dots.",
        ),
        ("", "task_id must be a non-empty string, got ''."),
        ("x" * 251, f"task_id {'x' * 40!r}… is 251 characters long; the limit is 250."),
    ],
)
def test_invalid_task_id_says_which_rule_it_breaks(task_id, message):
    with pytest.raises(InvalidIdError) as caught:
        EmptyOperator(task_id=task_id)
    assert str(caught.value) == message


def test_invalid_dag_id_names_it():
    with pytest.raises(InvalidIdError) as caught:
        DAG("my dag")
    assert str(caught.value) == (
        "dag_id 'my dag' may contain only letters, digits, underscores, dashes and dots."
    )


def test_invalid_task_group_id_is_refused():
    with DAG("etl"), pytest.raises(InvalidIdError) as caught:
        TaskGroup("bad group")
    assert str(caught.value).startswith("group_id 'bad group' may contain only")


# -- trigger rules and schedules ------------------------------------------------------------------


def test_unknown_trigger_rule_names_the_value_and_the_valid_rules():
    with DAG("etl"), pytest.raises(UnknownTriggerRuleError) as caught:
        EmptyOperator(task_id="a", trigger_rule="all_succes")
    assert str(caught.value) == (
        "Unknown trigger_rule 'all_succes'. Use one of: all_success, all_failed, all_done, "
        "all_done_min_one_success, all_done_setup_success, all_skipped, one_success, "
        "one_failed, one_done, none_failed, none_failed_min_one_success, none_skipped, always."
    )


def test_unknown_trigger_rule_in_default_args_is_refused_too():
    with (
        DAG("etl", default_args={"trigger_rule": "sometimes"}),
        pytest.raises(UnknownTriggerRuleError),
    ):
        EmptyOperator(task_id="a")


@pytest.mark.parametrize("schedule", ["every day", "61 * * * *", "@fortnightly"])
def test_unparseable_cron_schedule_is_an_invalid_schedule_error(schedule):
    with pytest.raises(InvalidScheduleError) as caught:
        DAG("etl", schedule=schedule)
    assert repr(schedule) in str(caught.value)


@pytest.mark.parametrize("schedule", [42, timedelta(0), ["@daily"]])
def test_schedule_of_an_unusable_type_is_an_invalid_schedule_error(schedule):
    with pytest.raises(InvalidScheduleError):
        DAG("etl", schedule=schedule)


def test_invalid_schedule_message_lists_what_is_accepted():
    with pytest.raises(InvalidScheduleError) as caught:
        DAG("etl", schedule=42)
    assert str(caught.value).startswith("Invalid schedule 42 (int). Valid schedules: a cron")


# -- tasks outside DAGs and across DAGs ------------------------------------------------------------


def test_taskflow_call_outside_a_dag_names_the_function_and_the_call_site():
    @task
    def extract() -> None:
        pass

    with pytest.raises(TaskOutsideDagError) as caught:
        extract()  # outside-call-marker
    assert str(caught.value) == (
        f"Task 'extract' was called outside any DAG ({HERE}:{line_of('outside-call-marker')}). "
        "Call TaskFlow functions inside `with DAG(...)` or a @dag function."
    )


def test_dependency_between_two_tasks_without_a_dag_is_refused():
    a, b = EmptyOperator(task_id="a"), EmptyOperator(task_id="b")
    with pytest.raises(TaskOutsideDagError) as caught:
        a >> b
    assert str(caught.value) == (
        "Cannot set a dependency between 'a' and 'b': neither belongs to a DAG. Create tasks "
        "inside `with DAG(...)` or pass dag=... ."
    )


def test_task_group_outside_a_dag_is_refused():
    with pytest.raises(TaskOutsideDagError) as caught:
        TaskGroup("g")
    assert str(caught.value).startswith("Task group 'g' was created outside any DAG (")


def test_task_without_a_dag_joins_the_dag_of_the_task_it_is_wired_to():
    with DAG("etl") as d:
        a = EmptyOperator(task_id="a")
    loose = EmptyOperator(task_id="loose")
    a >> loose
    assert loose.dag is d


def test_dependency_between_two_dags_is_a_cross_dag_dependency_error():
    with DAG("first"):
        a = EmptyOperator(task_id="a")
    with DAG("second"):
        b = EmptyOperator(task_id="b")
    with pytest.raises(CrossDagDependencyError) as caught:
        a >> b
    assert str(caught.value) == (
        "Task 'a' of DAG 'first' cannot be upstream of task 'b' of DAG 'second': dependencies "
        "join tasks of one DAG. To wait for another DAG, use an asset schedule or "
        "TriggerDagRunOperator."
    )
    assert (a.downstream_task_ids, b.upstream_task_ids) == (set(), set())


def test_adding_a_task_of_one_dag_to_another_is_refused():
    with DAG("first"):
        a = EmptyOperator(task_id="a")
    with pytest.raises(CrossDagDependencyError):
        DAG("second").add_task(a)


# -- mapping misuse -------------------------------------------------------------------------------


def test_expand_over_a_plain_value_is_a_mapping_error():
    with DAG("etl"):

        @task
        def show(x: int) -> None:
            pass

        with pytest.raises(MappingError) as caught:
            show.expand(x=5)
    assert str(caught.value) == (
        "Cannot map over x=5: expand() takes lists, dicts or task results (XComArgs). To pass "
        "one value to every instance, use partial()."
    )


def test_expand_of_a_classic_operator_over_a_string_is_a_mapping_error():
    with DAG("etl"), pytest.raises(MappingError) as caught:
        BashOperator.partial(task_id="run").expand(bash_command="echo 1")
    assert str(caught.value).startswith("Cannot map over bash_command='echo 1': ")


def test_same_argument_in_partial_and_expand_is_a_mapping_error():
    with DAG("etl"):

        @task
        def add(x: int, y: int) -> int:
            return x + y

        with pytest.raises(MappingError) as caught:
            add.partial(x=1).expand(x=[1, 2])
    assert str(caught.value) == (
        "x given to both partial() and expand(); give each argument to one of them."
    )


def test_same_operator_argument_in_partial_and_expand_is_a_mapping_error():
    with DAG("etl"), pytest.raises(MappingError) as caught:
        BashOperator.partial(task_id="run", bash_command="x").expand(bash_command=["y"])
    assert str(caught.value) == (
        "bash_command given to both partial() and expand(); give each argument to one of them."
    )


def test_expanding_an_unknown_argument_is_a_mapping_error():
    with DAG("etl"):

        @task
        def show(x: int) -> None:
            pass

        with pytest.raises(MappingError) as caught:
            show.expand(y=[1])
    assert str(caught.value) == "show() has no argument y to map over."


def test_expanding_an_unknown_operator_argument_is_a_mapping_error():
    with DAG("etl"), pytest.raises(MappingError) as caught:
        BashOperator.partial(task_id="run").expand(command=["echo"])
    assert str(caught.value) == "BashOperator has no argument command to map over."


def test_expand_without_arguments_is_a_mapping_error():
    with DAG("etl"):

        @task
        def show(x: int) -> None:
            pass

        with pytest.raises(MappingError) as caught:
            show.expand()
    assert str(caught.value) == "expand() needs at least one argument to map over."


def test_partial_without_a_task_id_is_a_mapping_error():
    with DAG("etl"), pytest.raises(MappingError) as caught:
        BashOperator.partial(bash_command="x")
    assert str(caught.value) == "BashOperator.partial() needs a task_id."


def test_expand_kwargs_with_items_that_are_not_dicts_is_a_mapping_error():
    with DAG("etl"):

        @task
        def show(x: int) -> None:
            pass

        with pytest.raises(MappingError) as caught:
            show.expand_kwargs([1, 2])
    assert str(caught.value) == "expand_kwargs() items must be dicts, got 1."


def test_expanding_over_a_dag_param_is_a_mapping_error():
    with DAG("etl", params={"files": ["a"]}) as d:

        @task
        def show(x: str) -> None:
            pass

        with pytest.raises(MappingError) as caught:
            show.expand(x=d.param("files"))
    assert str(caught.value) == "Cannot expand over the DAG param 'files'."


def test_mapping_errors_are_definition_errors_and_value_errors():
    assert issubclass(MappingError, DagDefinitionError)
    assert issubclass(MappingError, ValueError)
