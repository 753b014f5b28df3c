"""wait_for_downstream: an instance waits for the previous run's instance and its immediate
downstream instances to succeed or skip (and implies depends_on_past)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from tests.core.test_planner import Run, make_spec, ready_ids

from tradewind.contracts.runs import DagRunType
from tradewind.contracts.states import DagRunState
from tradewind.contracts.states import TaskInstanceState as S
from tradewind.core.dagrun import DagRunDriver
from tradewind.core.planner import plan_run
from tradewind.storage.memory import MemoryStore

NOW = datetime(2024, 1, 1, tzinfo=UTC)

#: extract (wait_for_downstream) >> [transform, audit]; transform >> load.
SPEC = make_spec(
    extract={"wait_for_downstream": True},
    transform={"upstream": ("extract",)},
    audit={"upstream": ("extract",)},
    load={"upstream": ("transform",)},
)

Past = dict[tuple[str, int], S | None]


def _past(**states: S | None) -> Past:
    """The previous run: every task succeeded except those given."""
    done: Past = {(task_id, -1): S.SUCCESS for task_id in SPEC.tasks}
    done.update({(task_id, -1): state for task_id, state in states.items()})
    return done


@pytest.mark.parametrize(
    ("past", "runs"),
    [
        pytest.param(_past(), True, id="everything-succeeded"),
        pytest.param(_past(transform=S.SKIPPED, audit=S.SKIPPED), True, id="downstream-skipped"),
        pytest.param(_past(load=S.FAILED), True, id="only-the-immediate-downstream-counts"),
        pytest.param(_past(audit=S.REMOVED), True, id="removed-downstream-never-holds"),
        pytest.param(_past(extract=S.SKIPPED), True, id="own-instance-skipped"),
        pytest.param(_past(transform=S.RUNNING), False, id="downstream-running"),
        pytest.param(_past(transform=S.FAILED), False, id="downstream-failed"),
        pytest.param(_past(audit=S.UPSTREAM_FAILED), False, id="downstream-upstream-failed"),
        pytest.param(_past(audit=S.UP_FOR_RETRY), False, id="downstream-retrying"),
        pytest.param(_past(audit=None), False, id="downstream-not-run-yet"),
        pytest.param(_past(extract=S.FAILED), False, id="implies-depends-on-past"),
        pytest.param({}, True, id="no-previous-run"),
        pytest.param({("transform", -1): S.FAILED}, True, id="task-new-since-the-previous-run"),
    ],
)
def test_the_previous_runs_downstream_instances_decide(past: Past, runs: bool) -> None:
    run = Run(SPEC)

    plan = plan_run(run.index, run.tis, now=NOW, past_states=past)

    assert ready_ids(plan) == (["extract"] if runs else [])
    assert plan.waiting_on_past == (0 if runs else 1)


def test_a_mapped_instance_waits_for_every_instance_of_a_mapped_downstream_task() -> None:
    spec = make_spec(
        x={"wait_for_downstream": True, "map_length": {"literal": 2}},
        y={"upstream": ("x",), "map_length": {"literal": 2}},
    )
    past: Past = {("x", 0): S.SUCCESS, ("x", 1): S.SUCCESS, ("y", 0): S.SUCCESS}

    held, free = (
        plan_run(run.index, run.tis, now=NOW, past_states={**past, ("y", 1): state})
        for run, state in ((Run(spec), None), (Run(spec), S.SUCCESS))
    )

    assert (ready_ids(held), held.waiting_on_past) == ([], 2)
    assert ready_ids(free) == ["x[0]", "x[1]"]


def test_inside_a_mapped_group_instance_i_waits_for_the_previous_downstream_instance_i() -> None:
    spec = make_spec(
        groups={"g": {"map_length": {"literal": 3}}},
        a={"mapped_group": "g", "wait_for_downstream": True},
        b={"upstream": ("a",), "mapped_group": "g"},
    )
    past: Past = {("a", i): S.SUCCESS for i in range(3)}
    past.update({("b", 0): S.SUCCESS, ("b", 1): S.FAILED, ("b", 2): S.SKIPPED})
    run = Run(spec)

    plan = plan_run(run.index, run.tis, now=NOW, past_states=past)

    assert ready_ids(plan) == ["a[0]", "a[2]"]
    assert plan.waiting_on_past == 1


def _two_runs(previous_downstream: S) -> DagRunDriver:
    """Two daily runs through the driver; the first finished with ``transform`` in the state."""
    spec = make_spec(
        extract={"wait_for_downstream": True},  # depends_on_past itself is not set
        transform={"upstream": ("extract",)},
    )
    store = MemoryStore()
    drivers = [
        DagRunDriver.create(
            spec,
            store,
            run_id=f"day{offset}",
            run_type=DagRunType.SCHEDULED,
            logical_date=NOW + timedelta(days=offset),
            data_interval=(NOW + timedelta(days=offset), NOW + timedelta(days=offset)),
            run_after=NOW + timedelta(days=offset),
            now=NOW,
        )
        for offset in (0, 1)
    ]
    for task_id, state in (("extract", S.SUCCESS), ("transform", previous_downstream)):
        ti = store.get_task_instance("d", "day0", task_id, -1)
        assert ti is not None
        ti.state = state  # the store holds records: set the past directly
    return drivers[1]


def test_the_driver_feeds_the_previous_run_to_a_task_that_waits_for_downstream() -> None:
    waiting = _two_runs(S.FAILED)
    plan = waiting.plan(NOW + timedelta(days=1))
    assert plan.ready == []
    # Waiting on the past is not a deadlock: the run stays running until someone acts.
    assert waiting.update_state(NOW + timedelta(days=1), plan) is DagRunState.RUNNING

    going = _two_runs(S.SUCCESS)
    assert [ti.task_id for ti in going.plan(NOW + timedelta(days=1)).ready] == ["extract"]


def test_wait_for_downstream_turns_depends_on_past_on() -> None:
    from tradewind import DAG
    from tradewind.operators.empty import EmptyOperator

    with DAG("implied", schedule=None):
        waiting = EmptyOperator(task_id="waiting", wait_for_downstream=True)
        plain = EmptyOperator(task_id="plain")

    assert waiting.depends_on_past is True
    assert plain.depends_on_past is False
