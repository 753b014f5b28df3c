"""Wiring tasks: ``>>``/``<<``, lists, XComArgs, task groups, ``chain``, labels."""

from __future__ import annotations

import pytest

from tradewind import DAG, Label, TaskGroup, chain, cross_downstream, task
from tradewind.operators.empty import EmptyOperator
from tradewind.sdk.abstractoperator import AbstractOperator


def ups(op: AbstractOperator) -> list[str]:
    return sorted(op.upstream_task_ids)


def downs(op: AbstractOperator) -> list[str]:
    return sorted(op.downstream_task_ids)


def ops(*ids: str) -> list[EmptyOperator]:
    return [EmptyOperator(task_id=i) for i in ids]


# -- >> and << ----------------------------------------------------------------------------------


def test_rshift_makes_the_right_side_downstream():
    with DAG("d"):
        a, b = ops("a", "b")
        a >> b
    assert (downs(a), ups(b)) == (["b"], ["a"])


def test_lshift_makes_the_right_side_upstream():
    with DAG("d"):
        a, b = ops("a", "b")
        a << b
    assert (ups(a), downs(b)) == (["b"], ["a"])


def test_rshift_returns_its_right_side_so_chains_read_left_to_right():
    with DAG("d"):
        a, b, c = ops("a", "b", "c")
        result = a >> b >> c
    assert result is c
    assert (downs(a), downs(b)) == (["b"], ["c"])


def test_task_to_list_fans_out():
    with DAG("d"):
        a, b, c = ops("a", "b", "c")
        a >> [b, c]
    assert downs(a) == ["b", "c"]


def test_list_to_task_fans_in():
    with DAG("d"):
        a, b, c = ops("a", "b", "c")
        [a, b] >> c
    assert ups(c) == ["a", "b"]


def test_list_lshift_task_makes_the_list_downstream():
    with DAG("d"):
        a, b, c = ops("a", "b", "c")
        [a, b] << c
    assert downs(c) == ["a", "b"]


def test_task_lshift_list_makes_the_list_upstream():
    with DAG("d"):
        a, b, c = ops("a", "b", "c")
        c << [a, b]
    assert ups(c) == ["a", "b"]


def test_set_downstream_and_set_upstream():
    with DAG("d"):
        a, b, c = ops("a", "b", "c")
        a.set_downstream(b)
        c.set_upstream([a, b])
    assert (downs(a), downs(b), ups(c)) == (["b", "c"], ["c"], ["a", "b"])


def test_setting_a_dependency_twice_keeps_one_edge():
    with DAG("d"):
        a, b = ops("a", "b")
        a >> b
        a >> b
    assert (downs(a), ups(b)) == (["b"], ["a"])


def test_direct_relatives_and_flat_relatives():
    with DAG("d"):
        a, b, c = ops("a", "b", "c")
        a >> b >> c
    assert a.get_direct_relative_ids() == {"b"}
    assert a.get_flat_relative_ids() == {"b", "c"}
    assert c.get_flat_relative_ids(upstream=True) == {"a", "b"}
    assert [t.task_id for t in b.upstream_list] == ["a"]


def test_xcom_args_stand_for_the_tasks_that_produce_them():
    with DAG("d"):

        @task
        def first() -> int:
            return 1

        @task
        def second() -> int:
            return 2

        one, two = first(), second()
        one >> two
        last = EmptyOperator(task_id="last")
        two >> last
    assert ups(two.operator) == ["first"]  # type: ignore[attr-defined]
    assert ups(last) == ["second"]


def test_passing_a_result_as_an_argument_wires_the_dependency():
    with DAG("d") as d:

        @task
        def extract() -> list[int]:
            return [1]

        @task
        def load(rows: list[int]) -> None:
            pass

        load(extract())
    assert ups(d.get_task("load")) == ["extract"]


def test_operator_output_passed_to_a_classic_operator_wires_the_dependency():
    from tradewind.operators.bash import BashOperator

    with DAG("d") as d:
        a = BashOperator(task_id="a", bash_command="echo 1")
        BashOperator(task_id="b", bash_command="echo", env={"X": a.output})
    assert ups(d.get_task("b")) == ["a"]


# -- chain and cross_downstream ---------------------------------------------------------------------


def test_chain_links_tasks_one_after_another():
    with DAG("d"):
        a, b, c = ops("a", "b", "c")
        chain(a, b, c)
    assert (downs(a), downs(b), downs(c)) == (["b"], ["c"], [])


def test_chain_joins_neighbouring_lists_pairwise():
    with DAG("d") as d:
        t0, t1, t2, t3, t4, t5 = ops("t0", "t1", "t2", "t3", "t4", "t5")
        chain(t0, [t1, t2], [t3, t4], t5)
    assert {t.task_id: downs(t) for t in d.tasks} == {
        "t0": ["t1", "t2"],
        "t1": ["t3"],
        "t2": ["t4"],
        "t3": ["t5"],
        "t4": ["t5"],
        "t5": [],
    }


def test_chain_accepts_xcom_args_and_task_groups():
    with DAG("d") as d:

        @task
        def produce() -> int:
            return 1

        with TaskGroup("g") as g:
            EmptyOperator(task_id="inside")
        end = EmptyOperator(task_id="end")
        chain(produce(), g, end)
    assert downs(d.get_task("produce")) == ["g.inside"]
    assert ups(end) == ["g.inside"]


def test_chain_of_lists_with_different_lengths_is_an_error():
    with DAG("d"):
        a, b, c, d, e = ops("a", "b", "c", "d", "e")
        with pytest.raises(ValueError) as caught:
            chain([a, b], [c, d, e])
    assert str(caught.value) == (
        "chain() joins neighbouring lists pairwise, so they must have equal lengths; got 2 "
        "and 3. Use cross_downstream() to join every task of one list to every task of the other."
    )


def test_cross_downstream_joins_every_task_to_every_task():
    with DAG("d"):
        a, b, c, d = ops("a", "b", "c", "d")
        cross_downstream([a, b], [c, d])
    assert (downs(a), downs(b), ups(c), ups(d)) == (["c", "d"], ["c", "d"], ["a", "b"], ["a", "b"])


# -- task groups ---------------------------------------------------------------------------------


def grouped() -> tuple[DAG, TaskGroup]:
    """g: x >> [y, z]."""
    with DAG("d") as d, TaskGroup("g") as g:
        x, y, z = ops("x", "y", "z")
        x >> [y, z]
    return d, g


def test_task_group_roots_are_its_tasks_without_upstream_inside_it():
    _, g = grouped()
    assert [t.task_id for t in g.roots] == ["g.x"]


def test_task_group_leaves_are_its_tasks_without_downstream_inside_it():
    _, g = grouped()
    assert sorted(t.task_id for t in g.leaves) == ["g.y", "g.z"]


def test_task_upstream_of_a_group_connects_to_its_roots():
    d, g = grouped()
    with d:
        start = EmptyOperator(task_id="start")
        start >> g
    assert downs(start) == ["g.x"]


def test_group_upstream_of_a_task_connects_its_leaves():
    d, g = grouped()
    with d:
        end = EmptyOperator(task_id="end")
        g >> end
    assert ups(end) == ["g.y", "g.z"]


def test_group_to_group_connects_leaves_to_roots_and_records_the_group_edge():
    with DAG("d") as d:
        with TaskGroup("first") as first:
            a, b = ops("a", "b")
            a >> b
        with TaskGroup("second") as second:
            c, e = ops("c", "e")
            c >> e
        first >> second
    assert ups(d.get_task("second.c")) == ["first.b"]
    assert first.downstream_group_ids == {"second"}


def test_teardown_at_the_end_of_a_group_is_not_one_of_its_leaves():
    # Airflow's TaskGroup.get_leaves looks through teardowns to the work before them, so
    # `group >> after` waits for the work, and a failed work fails `after`.
    with DAG("d") as d:
        with TaskGroup("g") as g:
            create, work, delete = ops("create", "work", "delete")
            create >> work >> delete.as_teardown(setups=create)
        after = EmptyOperator(task_id="after")
        g >> after
    assert [t.task_id for t in g.leaves] == ["g.work"]
    assert ups(after) == ["g.work"]
    assert ups(d.get_task("g.delete")) == ["g.create", "g.work"]


def test_group_of_a_setup_and_its_teardown_only_ends_with_the_teardown():
    with DAG("d"), TaskGroup("g") as g:
        create, delete = ops("create", "delete")
        create >> delete.as_teardown(setups=create)
    assert [t.task_id for t in g.leaves] == ["g.delete"]


# -- labels -----------------------------------------------------------------------------------


def test_label_between_tasks_sets_edge_info():
    with DAG("d") as d:
        a, b = ops("a", "b")
        a >> Label("too big") >> b
    assert ups(b) == ["a"]
    assert d.get_edge_info("a", "b") == {"label": "too big"}


def test_label_between_a_list_and_a_task_labels_every_edge():
    with DAG("d") as d:
        a, b, c = ops("a", "b", "c")
        [a, b] >> Label("merge") >> c
    assert d.edge_info == {("a", "c"): {"label": "merge"}, ("b", "c"): {"label": "merge"}}


def test_label_given_as_edge_modifier():
    with DAG("d") as d:
        a, b = ops("a", "b")
        a.set_downstream(b, edge_modifier=Label("ok"))
    assert d.get_edge_info("a", "b") == {"label": "ok"}


def test_unlabelled_edge_has_no_edge_info():
    with DAG("d") as d:
        a, b = ops("a", "b")
        a >> b
    assert d.get_edge_info("a", "b") == {}


def test_dependency_on_something_that_is_not_a_task_is_a_type_error():
    with DAG("d"):
        (a,) = ops("a")
        with pytest.raises(TypeError) as caught:
            a >> "b"  # type: ignore[operator]
    assert str(caught.value) == (
        "Cannot set a dependency on 'b': expected a task, a list of tasks, a task group or an "
        "XComArg."
    )
