from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from tradewind.operators.branch import BaseBranchOperator, BranchChoiceError
from tradewind.operators.empty import EmptyOperator
from tradewind.operators.python import BranchPythonOperator
from tradewind.sdk import DAG, TaskGroup, task

START = datetime(2024, 1, 1, tzinfo=UTC)


def branch_dag(choice: Any) -> tuple[DAG, BranchPythonOperator]:
    """branch >> [a, b, join, grp(g1 >> g2)]; a >> a2 >> join; b >> b2; join >> after."""
    with DAG("d", schedule=None, start_date=START) as dag:
        branch = BranchPythonOperator(task_id="branch", python_callable=lambda: choice)
        a, a2, b, b2 = (EmptyOperator(task_id=i) for i in ("a", "a2", "b", "b2"))
        join, after = EmptyOperator(task_id="join"), EmptyOperator(task_id="after")
        with TaskGroup("grp") as grp:
            g1 = EmptyOperator(task_id="g1")
            g2 = EmptyOperator(task_id="g2")
            g1 >> g2
        branch >> [a, b, join, grp]
        a >> a2 >> join >> after
        b >> b2
    return dag, branch


def test_single_task_id_skips_the_other_direct_downstream_tasks(make_context):
    _dag, branch = branch_dag("b")
    context = make_context(branch)
    branch.execute(context)
    assert context["ti"].skipped == {"a", "grp.g1", "join"}


def test_join_downstream_of_the_followed_task_is_not_skipped(make_context):
    _dag, branch = branch_dag("a")
    context = make_context(branch)
    branch.execute(context)
    assert context["ti"].skipped == {"b", "grp.g1"}


def test_list_of_task_ids_follows_each_of_them(make_context):
    _dag, branch = branch_dag(["a", "b"])
    context = make_context(branch)
    branch.execute(context)
    assert context["ti"].skipped == {"grp.g1"}


def test_task_group_id_follows_the_group_roots(make_context):
    _dag, branch = branch_dag("grp")
    context = make_context(branch)
    branch.execute(context)
    assert context["ti"].skipped == {"a", "b", "join"}


def test_none_skips_every_direct_downstream_task(make_context):
    _dag, branch = branch_dag(None)
    context = make_context(branch)
    branch.execute(context)
    assert context["ti"].skip_calls == [["a", "b", "grp.g1", "join"]]


def test_empty_list_skips_every_direct_downstream_task(make_context):
    _dag, branch = branch_dag([])
    context = make_context(branch)
    branch.execute(context)
    assert context["ti"].skipped == {"a", "b", "grp.g1", "join"}


def test_following_every_direct_downstream_task_skips_nothing(make_context):
    _dag, branch = branch_dag(["a", "b", "join", "grp"])
    context = make_context(branch)
    branch.execute(context)
    assert context["ti"].skip_calls == []


def test_only_direct_downstream_tasks_are_skipped(make_context):
    _dag, branch = branch_dag("a")
    context = make_context(branch)
    branch.execute(context)
    assert "b2" not in context["ti"].skipped
    assert "grp.g2" not in context["ti"].skipped


def test_task_that_is_not_directly_downstream_is_an_error_listing_valid_choices(make_context):
    _dag, branch = branch_dag("a2")
    context = make_context(branch)
    with pytest.raises(BranchChoiceError) as error:
        branch.execute(context)
    message = str(error.value)
    assert "'a2'" in message
    assert "tasks a, b, grp.g1, join" in message
    assert "task groups grp" in message
    assert context["ti"].skip_calls == []


def test_unknown_task_id_is_an_error(make_context):
    _dag, branch = branch_dag(["a", "nope"])
    with pytest.raises(BranchChoiceError, match="'nope'"):
        branch.execute(make_context(branch))


def test_non_string_choice_is_an_error(make_context):
    _dag, branch = branch_dag(3)
    with pytest.raises(BranchChoiceError, match="must choose"):
        branch.execute(make_context(branch))


def test_branch_returns_the_choice_as_its_xcom(make_context):
    _dag, branch = branch_dag(["a"])
    assert branch.execute(make_context(branch)) == ["a"]


def test_nested_group_id_is_a_valid_choice(make_context):
    with DAG("d", schedule=None, start_date=START):
        branch = BranchPythonOperator(task_id="branch", python_callable=lambda: "outer.inner")
        with TaskGroup("outer") as outer:
            with TaskGroup("inner"):
                x = EmptyOperator(task_id="x")
            y = EmptyOperator(task_id="y")
        other = EmptyOperator(task_id="other")
        branch >> [outer, other]
    context = make_context(branch)
    branch.execute(context)
    assert x.task_id == "outer.inner.x"
    assert context["ti"].skipped == {"other", y.task_id}


def test_base_branch_operator_subclass_chooses_through_choose_branch(make_context):
    class PickB(BaseBranchOperator):
        def choose_branch(self, context: Any) -> str:
            return "b"

    with DAG("d", schedule=None, start_date=START):
        branch = PickB(task_id="branch")
        branch >> [EmptyOperator(task_id="a"), EmptyOperator(task_id="b")]
    context = make_context(branch)
    assert branch.execute(context) == "b"
    assert context["ti"].skipped == {"a"}


def test_task_branch_decorator_builds_a_branch_task(make_context):
    with DAG("d", schedule=None, start_date=START) as dag:

        @task.branch
        def pick(ds):
            return "late" if ds > "2023-12-31" else "early"

        pick() >> [EmptyOperator(task_id="early"), EmptyOperator(task_id="late")]
    op = dag.get_task("pick")
    assert isinstance(op, BranchPythonOperator)
    context = make_context(op)
    assert op.execute(context) == "late"
    assert context["ti"].skipped == {"early"}


def test_task_branch_decorator_passes_call_arguments(make_context):
    with DAG("d", schedule=None, start_date=START) as dag:

        @task.branch(task_id="chooser")
        def pick(name):
            return name

        pick("a") >> [EmptyOperator(task_id="a"), EmptyOperator(task_id="b")]
    op = dag.get_task("chooser")
    context = make_context(op)
    op.execute(context)
    assert context["ti"].skipped == {"b"}
