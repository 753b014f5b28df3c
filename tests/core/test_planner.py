"""The planner: from a DagSpec and task-instance records to ready, skipped and failed tasks.

Specs are built by hand here (the scheduler sees only specs), so each test shows exactly the
graph it plans.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tradewind.contracts.dagspec import DagSpec, TaskGroupSpec, TaskSpec
from tradewind.contracts.events import TaskEvent
from tradewind.contracts.runs import DagRunType, TaskInstanceKey
from tradewind.contracts.states import DagRunState
from tradewind.contracts.states import TaskInstanceState as S
from tradewind.core import transitions as tr
from tradewind.core.dagrun import DagRunDriver
from tradewind.core.planner import Plan, new_task_instance, plan_run
from tradewind.core.spec_index import index_spec
from tradewind.storage.memory import MemoryStore
from tradewind.storage.records import TaskInstanceRecord

NOW = datetime(2024, 1, 1, tzinfo=UTC)


def make_spec(groups: dict[str, dict[str, Any]] | None = None, **tasks: dict[str, Any]) -> DagSpec:
    """``make_spec(a={}, b={"upstream": ("a",), "trigger_rule": "all_done"})``."""
    downstream: dict[str, list[str]] = {name: [] for name in tasks}
    for name, options in tasks.items():
        for up in options.get("upstream", ()):
            downstream[up].append(name)
    specs = {
        name: TaskSpec(
            task_id=name,
            operator="EmptyOperator",
            downstream=tuple(sorted(downstream[name])),
            **{k: tuple(v) if k == "upstream" else v for k, v in options.items()},
        )
        for name, options in tasks.items()
    }
    task_groups = {gid: TaskGroupSpec(group_id=gid, **opts) for gid, opts in (groups or {}).items()}
    return DagSpec(dag_id="d", fileloc="", timetable={}, tasks=specs, task_groups=task_groups)


class Run:
    """Task-instance records of one run, planned with ``plan_run`` like the scheduler does."""

    def __init__(self, spec: DagSpec) -> None:
        self.index = index_spec(spec)
        self.tis = [new_task_instance(self.index, "d", "r", t) for t in self.index.order]

    def plan(self, now: datetime = NOW) -> Plan:
        plan = plan_run(self.index, self.tis, now=now)
        for ti in plan.removed:
            self.tis.remove(ti)
        self.tis.extend(plan.created)
        return plan

    def ti(self, task_id: str, map_index: int = -1) -> TaskInstanceRecord:
        return next(t for t in self.tis if (t.task_id, t.map_index) == (task_id, map_index))

    def finish(
        self, task_id: str, state: S, map_index: int = -1, **xcom_lengths: int
    ) -> TaskInstanceRecord:
        """Run one try of a ready task instance to ``state``."""
        ti = self.ti(task_id, map_index)
        if ti.state is not S.SCHEDULED:
            tr.SCHEDULE.apply(ti, NOW)
        tr.START.apply(ti, NOW)
        tr.BY_REPORTED_STATE[state].apply(ti, NOW)
        ti.xcom_lengths = dict(xcom_lengths)
        return ti

    def states(self) -> dict[str, str | None]:
        return {
            (t.task_id if t.map_index < 0 else f"{t.task_id}[{t.map_index}]"): (
                str(t.state) if t.state else None
            )
            for t in sorted(
                self.tis, key=lambda t: (self.index.order.index(t.task_id), t.map_index)
            )
        }


def ready_ids(plan: Plan) -> list[str]:
    return [t.task_id if t.map_index < 0 else f"{t.task_id}[{t.map_index}]" for t in plan.ready]


# -- readiness and propagation ------------------------------------------------------------------


def test_only_tasks_without_upstream_are_ready_at_first():
    run = Run(make_spec(a={}, b={"upstream": ("a",)}, c={}))
    assert ready_ids(run.plan()) == ["a", "c"]
    assert run.states() == {"a": "scheduled", "c": "scheduled", "b": None}


def test_success_upstream_makes_the_downstream_ready():
    run = Run(make_spec(a={}, b={"upstream": ("a",)}))
    run.plan()
    run.finish("a", S.SUCCESS)
    assert ready_ids(run.plan()) == ["b"]


def test_a_failure_marks_the_whole_chain_upstream_failed_in_one_pass():
    run = Run(make_spec(a={}, b={"upstream": ("a",)}, c={"upstream": ("b",)}))
    run.plan()
    run.finish("a", S.FAILED)
    plan = run.plan()
    assert plan.ready == []
    assert run.states() == {"a": "failed", "b": "upstream_failed", "c": "upstream_failed"}


def test_a_skip_skips_the_whole_chain_in_one_pass():
    run = Run(make_spec(a={}, b={"upstream": ("a",)}, c={"upstream": ("b",)}))
    run.plan()
    run.finish("a", S.SKIPPED)
    run.plan()
    assert run.states() == {"a": "skipped", "b": "skipped", "c": "skipped"}


def test_skip_propagation_stops_at_a_task_whose_rule_runs_after_skips():
    run = Run(
        make_spec(
            a={},
            b={"upstream": ("a",)},
            c={"upstream": ("b",), "trigger_rule": "none_failed"},
            d={"upstream": ("c",)},
        )
    )
    run.plan()
    run.finish("a", S.SKIPPED)
    assert ready_ids(run.plan()) == ["c"]
    assert run.states() == {"a": "skipped", "b": "skipped", "c": "scheduled", "d": None}


def test_ready_tasks_come_highest_priority_first():
    run = Run(make_spec(low={"priority": 1}, high={"priority": 5}, mid={"priority": 3}))
    assert ready_ids(run.plan()) == ["high", "mid", "low"]


def test_candidates_limit_which_tasks_are_looked_at():
    run = Run(make_spec(a={}, b={}))
    plan = plan_run(run.index, run.tis, now=NOW, candidates=["b"])
    assert ready_ids(plan) == ["b"]
    assert run.ti("a").state is None


def test_a_retry_is_not_ready_before_its_delay():
    run = Run(make_spec(a={"retries": 1}))
    run.plan()
    ti = run.finish("a", S.UP_FOR_RETRY)
    ti.next_attempt_at = NOW + timedelta(seconds=30)
    plan = run.plan(NOW)
    assert plan.ready == []
    assert plan.next_wakeup == NOW + timedelta(seconds=30)
    assert ready_ids(run.plan(NOW + timedelta(seconds=30))) == ["a"]
    assert run.ti("a").try_number == 2


# -- mapping ---------------------------------------------------------------------------------------


def test_mapped_task_over_a_literal_expands_at_once():
    run = Run(make_spec(m={"map_length": {"literal": 3}}))
    plan = run.plan()
    assert ready_ids(plan) == ["m[0]", "m[1]", "m[2]"]
    assert [t.map_index for t in plan.removed] == [-1]


def test_mapped_task_over_an_upstream_result_expands_when_the_result_exists():
    run = Run(
        make_spec(a={}, m={"upstream": ("a",), "map_length": {"xcom": ["a", "return_value"]}})
    )
    run.plan()
    assert run.states() == {"a": "scheduled", "m": None}
    run.finish("a", S.SUCCESS, return_value=2)
    assert ready_ids(run.plan()) == ["m[0]", "m[1]"]


def test_cross_product_length_is_the_product_of_the_lengths():
    spec = make_spec(
        a={},
        m={
            "upstream": ("a",),
            "map_length": {"product": [{"xcom": ["a", "return_value"]}, {"literal": 3}]},
        },
    )
    run = Run(spec)
    run.plan()
    run.finish("a", S.SUCCESS, return_value=2)
    assert len(run.plan().ready) == 6


def test_mapping_over_an_empty_result_skips_the_mapped_task_and_its_downstream():
    run = Run(
        make_spec(
            a={},
            m={"upstream": ("a",), "map_length": {"xcom": ["a", "return_value"]}},
            after={"upstream": ("m",)},
        )
    )
    run.plan()
    run.finish("a", S.SUCCESS, return_value=0)
    run.plan()
    assert run.states() == {"a": "success", "m": "skipped", "after": "skipped"}


def test_mapping_over_a_result_that_is_not_a_list_fails_the_mapped_task():
    run = Run(
        make_spec(a={}, m={"upstream": ("a",), "map_length": {"xcom": ["a", "return_value"]}})
    )
    run.plan()
    run.finish("a", S.SUCCESS)  # pushed no list or dict
    run.plan()
    assert run.ti("m").state is S.UPSTREAM_FAILED
    assert run.ti("m").error == (
        "Task 'a' returned no list or dict under XCom key 'return_value', so there is nothing "
        "to map over. Return a list (or dict) from it."
    )


@pytest.mark.parametrize("rule", ["all_done", "none_failed", "one_failed"])
def test_mapped_task_allowed_to_run_without_its_input_is_upstream_failed_not_deadlocked(rule):
    # Airflow expands a mapped task once its trigger rule passes; when the value it maps over
    # was never pushed, the unexpanded instance is marked upstream_failed.
    state = S.SKIPPED if rule == "none_failed" else S.FAILED
    run = Run(
        make_spec(
            a={},
            m={
                "upstream": ("a",),
                "trigger_rule": rule,
                "map_length": {"xcom": ["a", "return_value"]},
            },
        )
    )
    run.plan()
    run.finish("a", state)
    run.plan()
    assert run.ti("m").state is S.UPSTREAM_FAILED
    assert run.ti("m").error == "Cannot expand 'm': the result it maps over was never pushed by a."


def test_mapped_task_whose_rule_is_not_met_takes_the_rule_outcome():
    run = Run(
        make_spec(a={}, m={"upstream": ("a",), "map_length": {"xcom": ["a", "return_value"]}})
    )
    run.plan()
    run.finish("a", S.SKIPPED)
    run.plan()
    assert run.ti("m").state is S.SKIPPED


def test_instance_i_in_a_mapped_group_waits_only_for_instance_i_upstream():
    spec = make_spec(
        groups={"g": {"map_length": {"literal": 3}}},
        a={"mapped_group": "g"},
        b={"upstream": ("a",), "mapped_group": "g"},
        after={"upstream": ("b",), "trigger_rule": "all_done"},
    )
    run = Run(spec)
    assert ready_ids(run.plan()) == ["a[0]", "a[1]", "a[2]"]
    run.finish("a", S.SUCCESS, map_index=0)
    run.finish("a", S.FAILED, map_index=1)
    assert ready_ids(run.plan()) == ["b[0]"]
    assert run.states()["b[1]"] == "upstream_failed"
    assert run.states()["b[2]"] is None
    assert run.states()["after"] is None


# -- setups and teardowns --------------------------------------------------------------------------


def setup_spec(more_rule: str = "all_success", **extra: dict[str, Any]) -> DagSpec:
    """setup >> work >> more >> teardown, setup >> teardown, plus ``extra`` tasks."""
    return make_spec(
        setup={"is_setup": True},
        work={"upstream": ("setup",)},
        more={"upstream": ("work",), "trigger_rule": more_rule},
        teardown={
            "upstream": ("more", "setup"),
            "is_teardown": True,
            "trigger_rule": "all_done_setup_success",
        },
        **extra,
    )


def test_indirect_setups_are_the_ancestor_setups_whose_teardown_comes_later():
    index = index_spec(setup_spec(after={"upstream": ("teardown",), "trigger_rule": "all_done"}))
    assert index.indirect_setups == {
        "setup": frozenset(),
        "work": frozenset(),  # its setup is a direct upstream: the trigger rule sees it
        "more": frozenset({"setup"}),
        "teardown": frozenset(),
        "after": frozenset(),  # past the teardown, the setup no longer guards it
    }


def test_failed_setup_fails_the_work_it_guards_even_with_a_lenient_rule():
    run = Run(setup_spec(more_rule="all_done"))
    run.plan()
    run.finish("setup", S.FAILED)
    run.plan()
    assert run.states() == {
        "setup": "failed",
        "work": "upstream_failed",
        "more": "upstream_failed",
        "teardown": "upstream_failed",
    }


def test_task_directly_after_a_failed_setup_follows_its_trigger_rule():
    # Airflow judges a direct upstream setup by the trigger rule only.
    run = Run(
        make_spec(
            setup={"is_setup": True}, alert={"upstream": ("setup",), "trigger_rule": "one_failed"}
        )
    )
    run.plan()
    run.finish("setup", S.FAILED)
    assert ready_ids(run.plan()) == ["alert"]


def test_task_after_the_teardown_is_not_guarded_by_the_setup():
    run = Run(setup_spec(after={"upstream": ("teardown",), "trigger_rule": "all_done"}))
    run.plan()
    run.finish("setup", S.FAILED)
    plan = run.plan()
    assert ready_ids(plan) == ["after"]
    assert run.ti("teardown").state is S.UPSTREAM_FAILED


def test_always_runs_even_when_a_guarding_setup_failed():
    # Airflow passes `always` before looking at any upstream task or setup.
    run = Run(setup_spec(more_rule="always"))
    plan_run(run.index, run.tis, now=NOW, candidates=["setup"])
    run.finish("setup", S.FAILED)
    assert ready_ids(run.plan()) == ["more"]


def test_work_waits_for_a_guarding_setup_that_is_still_running():
    spec = make_spec(
        setup={"is_setup": True},
        slow={"upstream": ("setup",)},
        other={},
        join={"upstream": ("slow", "other"), "trigger_rule": "one_success"},
        teardown={
            "upstream": ("join", "setup"),
            "is_teardown": True,
            "trigger_rule": "all_done_setup_success",
        },
    )
    run = Run(spec)
    run.plan()
    run.finish("other", S.SUCCESS)
    assert ready_ids(run.plan()) == []  # one_success is met, but the setup has not succeeded
    run.finish("setup", S.SUCCESS)
    assert ready_ids(run.plan()) == ["slow", "join"]


def test_skipped_setup_skips_the_work_and_the_teardown():
    run = Run(setup_spec())
    run.plan()
    run.finish("setup", S.SKIPPED)
    run.plan()
    assert set(run.states().values()) == {"skipped"}


# -- the run's state -------------------------------------------------------------------------------


def test_run_that_cannot_progress_fails_as_deadlocked():
    # A mapped task waiting for a result no task of the run produces.
    spec = make_spec(m={"map_length": {"xcom": ["ghost", "return_value"]}})
    store = MemoryStore()
    driver = DagRunDriver.create(
        spec,
        store,
        run_id="r",
        run_type=DagRunType.MANUAL,
        logical_date=NOW,
        data_interval=(NOW, NOW),
        run_after=NOW,
        now=NOW,
    )
    driver.start(NOW)
    plan = driver.plan(NOW)
    assert plan.ready == []
    assert driver.update_state(NOW, plan) is DagRunState.FAILED
    assert driver.run.reason == "deadlock: no task can run"


def test_run_with_unfinished_but_runnable_tasks_keeps_running():
    spec = make_spec(a={}, b={"upstream": ("a",)})
    store = MemoryStore()
    driver = DagRunDriver.create(
        spec,
        store,
        run_id="r",
        run_type=DagRunType.MANUAL,
        logical_date=NOW,
        data_interval=(NOW, NOW),
        run_after=NOW,
        now=NOW,
    )
    driver.start(NOW)
    plan = driver.plan(NOW)
    assert driver.update_state(NOW, plan) is DagRunState.RUNNING
    workload = driver.workload(plan.ready[0], NOW)
    driver.mark_running(workload.key, NOW)
    touched = driver.apply_event(TaskEvent(key=workload.key, state=S.SUCCESS), NOW)
    assert touched == {"a", "b"}
    assert ready_ids(driver.plan(NOW, touched)) == ["b"]


def test_event_about_an_older_try_is_ignored():
    spec = make_spec(a={"retries": 1})
    store = MemoryStore()
    driver = DagRunDriver.create(
        spec,
        store,
        run_id="r",
        run_type=DagRunType.MANUAL,
        logical_date=NOW,
        data_interval=(NOW, NOW),
        run_after=NOW,
        now=NOW,
    )
    driver.start(NOW)
    ti = driver.plan(NOW).ready[0]
    driver.workload(ti, NOW)
    stale = TaskInstanceKey("d", "r", "a", -1, ti.try_number - 1)
    assert driver.apply_event(TaskEvent(key=stale, state=S.FAILED), NOW) == set()
    assert store.get_task_instance("d", "r", "a", -1).state is S.QUEUED  # type: ignore[union-attr]


def test_mapping_over_a_mapped_task_counts_its_instances_that_succeeded():
    spec = make_spec(
        first={"map_length": {"literal": 3}},
        second={
            "upstream": ("first",),
            "trigger_rule": "none_failed",
            "map_length": {"xcom": ["first", "return_value"]},
        },
    )
    run = Run(spec)
    run.plan()
    run.finish("first", S.SUCCESS, map_index=0)
    run.finish("first", S.SKIPPED, map_index=1)
    assert ready_ids(run.plan()) == []  # first[2] is still running
    run.finish("first", S.SUCCESS, map_index=2)
    assert ready_ids(run.plan()) == ["second[0]", "second[1]"]
