"""Branching and short-circuiting, end to end: the exact final state of every task.

Airflow ("DAGs" → Branching): the branch task's callable returns the task ids (or task group
ids) to follow; every other *direct* downstream task is skipped, and the skip flows on through
trigger rules. A join after branches therefore needs ``none_failed_min_one_success``: with the
default ``all_success`` it is skipped. A task directly downstream of the branch that is also
downstream of a followed task is kept. ShortCircuitOperator: a falsy result skips every task
downstream (``ignore_downstream_trigger_rules=True``, the default) or only the direct
downstream tasks, letting trigger rules decide the rest (``False``); teardowns are never
skipped by it.
"""

from __future__ import annotations

from typing import Any

import pytest

from tradewind import DAG, TaskGroup, task
from tradewind.contracts.states import DagRunState
from tradewind.operators.empty import EmptyOperator
from tradewind.operators.python import BranchPythonOperator, ShortCircuitOperator

OK, SKIP, UF, FAIL = "success", "skipped", "upstream_failed", "failed"


def branch_operator(kind: str, choice: Any) -> Any:
    if kind == "operator":
        return BranchPythonOperator(task_id="branch", python_callable=lambda: choice)

    @task.branch(task_id="branch")
    def choose() -> Any:
        return choice

    return choose()


# -- branch >> [x, y] >> join ---------------------------------------------------------------------

# fmt: off
JOIN_CASES = [
    # choice     join trigger rule               x     y     join
    ("x",        "none_failed_min_one_success", OK,   SKIP, OK),
    ("x",        "all_success",                 OK,   SKIP, SKIP),
    ("x",        "one_success",                 OK,   SKIP, OK),
    ("x",        "none_failed",                 OK,   SKIP, OK),
    ("x",        "all_done",                    OK,   SKIP, OK),
    ("y",        "none_failed_min_one_success", SKIP, OK,   OK),
    (["x", "y"], "none_failed_min_one_success", OK,   OK,   OK),
    (["x", "y"], "all_success",                 OK,   OK,   OK),
    (["x", "y"], "one_success",                 OK,   OK,   OK),
    (None,       "none_failed_min_one_success", SKIP, SKIP, SKIP),
    (None,       "all_success",                 SKIP, SKIP, SKIP),
    (None,       "one_success",                 SKIP, SKIP, SKIP),
    (None,       "none_failed",                 SKIP, SKIP, OK),
    (None,       "all_done",                    SKIP, SKIP, OK),
    ([],         "none_failed_min_one_success", SKIP, SKIP, SKIP),
]
# fmt: on


@pytest.mark.parametrize("kind", ["operator", "decorator"])
@pytest.mark.parametrize(("choice", "rule", "x", "y", "join"), JOIN_CASES)
def test_branch_then_join(kind, choice, rule, x, y, join):
    with DAG("branching") as d:
        branch = branch_operator(kind, choice)
        x_task, y_task = EmptyOperator(task_id="x"), EmptyOperator(task_id="y")
        join_task = EmptyOperator(task_id="join", trigger_rule=rule)
        branch >> [x_task, y_task] >> join_task
    result = d.test(quiet=True)
    assert result.states() == {"branch": OK, "x": x, "y": y, "join": join}
    assert result.state is DagRunState.SUCCESS


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        ("a1", {"a1": OK, "a2": OK, "b1": SKIP, "b2": SKIP, "join": OK, "end": OK}),
        ("b1", {"a1": SKIP, "a2": SKIP, "b1": OK, "b2": OK, "join": OK, "end": OK}),
        (None, {"a1": SKIP, "a2": SKIP, "b1": SKIP, "b2": SKIP, "join": SKIP, "end": SKIP}),
    ],
)
def test_skip_flows_down_the_branch_not_taken(choice, expected):
    with DAG("branching") as d:
        branch = BranchPythonOperator(task_id="branch", python_callable=lambda: choice)
        a1, a2, b1, b2 = (EmptyOperator(task_id=i) for i in ("a1", "a2", "b1", "b2"))
        join = EmptyOperator(task_id="join", trigger_rule="none_failed_min_one_success")
        end = EmptyOperator(task_id="end")
        branch >> [a1, b1]
        a1 >> a2
        b1 >> b2
        [a2, b2] >> join >> end
    assert d.test(quiet=True).states() == {"branch": OK, **expected}


def test_join_directly_after_the_branch_and_after_the_followed_task_is_kept():
    # branch >> [x, join]; x >> join: following x keeps join, though join is a direct
    # downstream task of the branch that was not named.
    with DAG("branching") as d:
        branch = BranchPythonOperator(task_id="branch", python_callable=lambda: "x")
        x, join = EmptyOperator(task_id="x"), EmptyOperator(task_id="join")
        branch >> [x, join]
        x >> join
    assert d.test(quiet=True).states() == {"branch": OK, "x": OK, "join": OK}


def test_join_directly_after_the_branch_is_skipped_when_the_other_way_is_taken():
    with DAG("branching") as d:
        branch = BranchPythonOperator(task_id="branch", python_callable=lambda: "y")
        x, y = EmptyOperator(task_id="x"), EmptyOperator(task_id="y")
        join = EmptyOperator(task_id="join")
        branch >> [x, y, join]
        x >> join
    assert d.test(quiet=True).states() == {"branch": OK, "x": SKIP, "y": OK, "join": SKIP}


def test_branch_to_a_task_group_follows_the_group():
    with DAG("branching") as d:
        branch = BranchPythonOperator(task_id="branch", python_callable=lambda: "grp")
        with TaskGroup("grp") as grp:
            g1, g2 = EmptyOperator(task_id="g1"), EmptyOperator(task_id="g2")
            g1 >> g2
        other = EmptyOperator(task_id="other")
        join = EmptyOperator(task_id="join", trigger_rule="none_failed_min_one_success")
        branch >> [grp, other] >> join
    assert d.test(quiet=True).states() == {
        "branch": OK,
        "grp.g1": OK,
        "other": SKIP,
        "grp.g2": OK,
        "join": OK,
    }


def test_followed_task_that_fails_fails_the_join_and_the_run():
    def boom() -> None:
        raise ValueError("x broke")

    from tradewind.operators.python import PythonOperator

    with DAG("branching") as d:
        branch = BranchPythonOperator(task_id="branch", python_callable=lambda: "x")
        x = PythonOperator(task_id="x", python_callable=boom)
        y = EmptyOperator(task_id="y")
        join = EmptyOperator(task_id="join", trigger_rule="none_failed_min_one_success")
        branch >> [x, y] >> join
    result = d.test(quiet=True)
    assert result.states() == {"branch": OK, "x": FAIL, "y": SKIP, "join": UF}
    assert result.state is DagRunState.FAILED


def test_branch_choosing_a_task_that_is_not_downstream_fails_the_branch_task():
    with DAG("branching") as d:
        branch = BranchPythonOperator(task_id="branch", python_callable=lambda: "nowhere")
        x = EmptyOperator(task_id="x")
        branch >> x
    result = d.test(quiet=True)
    assert result.states() == {"branch": FAIL, "x": UF}
    assert result.task_instances[0].error == (
        "BranchChoiceError: Branching task 'branch' chose 'nowhere', which is not directly "
        "downstream of it. Valid choices: tasks x; task groups (none)."
    )


# -- short-circuit -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("condition", "ignore", "expected"),
    [
        # falsy, ignoring trigger rules: everything downstream is skipped
        (False, True, {"a": SKIP, "b": SKIP, "done": SKIP, "nf": SKIP}),
        # falsy, respecting trigger rules: only `a` is skipped by the operator; b is skipped
        # by all_success, done (all_done) and nf (none_failed) run
        (False, False, {"a": SKIP, "b": SKIP, "done": OK, "nf": OK}),
        (True, True, {"a": OK, "b": OK, "done": OK, "nf": OK}),
        (True, False, {"a": OK, "b": OK, "done": OK, "nf": OK}),
    ],
)
def test_short_circuit(condition, ignore, expected):
    with DAG("gate") as d:
        gate = ShortCircuitOperator(
            task_id="gate",
            python_callable=lambda: condition,
            ignore_downstream_trigger_rules=ignore,
        )
        a, b = EmptyOperator(task_id="a"), EmptyOperator(task_id="b")
        other = EmptyOperator(task_id="other")
        done = EmptyOperator(task_id="done", trigger_rule="all_done")
        nf = EmptyOperator(task_id="nf", trigger_rule="none_failed")
        gate >> a >> b >> [done, nf]
        other >> done
    result = d.test(quiet=True)
    assert result.states() == {"gate": OK, "other": OK, **expected}
    assert result.state is DagRunState.SUCCESS


@pytest.mark.parametrize("value", [0, "", [], None])
def test_short_circuit_decorator_skips_on_any_falsy_value(value):
    with DAG("gate") as d:

        @task.short_circuit
        def gate() -> Any:
            return value

        gate() >> EmptyOperator(task_id="after")
    assert d.test(quiet=True).states() == {"gate": OK, "after": SKIP}


def test_short_circuit_never_skips_a_teardown():
    with DAG("gate") as d:
        create = EmptyOperator(task_id="create")
        gate = ShortCircuitOperator(task_id="gate", python_callable=lambda: False)
        work = EmptyOperator(task_id="work")
        delete = EmptyOperator(task_id="delete")
        create >> gate >> work >> delete.as_teardown(setups=create)
    result = d.test(quiet=True)
    assert result.states() == {"create": OK, "gate": OK, "work": SKIP, "delete": OK}
    assert result.state is DagRunState.SUCCESS
