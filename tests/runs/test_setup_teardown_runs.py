"""Setup and teardown tasks end to end (Airflow: "Setup and Teardown").

A teardown runs once its setup ran, whatever happened to the work; its own failure does not
fail the run unless ``on_failure_fail_dagrun=True``; it is skipped when its setup was skipped.
Work that a failed setup guards is ``upstream_failed``.
"""

from __future__ import annotations

import pytest

from tradewind import DAG, setup, task, teardown
from tradewind.contracts.states import DagRunState
from tradewind.operators.empty import EmptyOperator

OK, SKIP, UF, FAIL = "success", "skipped", "upstream_failed", "failed"


def cluster_dag(outcome, *, create: str, work: str, delete: str, fail_run: bool = False) -> DAG:
    """create >> work >> more >> delete, delete being create's teardown."""
    with DAG("cluster") as d:
        made = outcome("create", create)
        done = outcome("work", work)
        more = outcome("more", "success")
        removed = outcome("delete", delete)
        made >> done >> more >> removed.as_teardown(setups=made, on_failure_fail_dagrun=fail_run)
    return d


# (create, work, delete, fail_run) -> (states of create, work, more, delete; run state)
CASES = [
    pytest.param(
        ("success", "success", "success", False),
        ((OK, OK, OK, OK), DagRunState.SUCCESS),
        id="all-good",
    ),
    pytest.param(
        ("success", "failed", "success", False),
        ((OK, FAIL, UF, OK), DagRunState.FAILED),
        id="teardown-runs-when-work-fails",
    ),
    pytest.param(
        ("success", "success", "failed", False),
        ((OK, OK, OK, FAIL), DagRunState.SUCCESS),
        id="failed-teardown-ignored-by-default",
    ),
    pytest.param(
        ("success", "success", "failed", True),
        ((OK, OK, OK, FAIL), DagRunState.FAILED),
        id="failed-teardown-fails-run-when-asked",
    ),
    pytest.param(
        ("failed", "success", "success", False),
        ((FAIL, UF, UF, UF), DagRunState.FAILED),
        id="failed-setup-fails-work-and-teardown",
    ),
    pytest.param(
        ("skipped", "success", "success", False),
        ((SKIP, SKIP, SKIP, SKIP), DagRunState.SUCCESS),
        id="skipped-setup-skips-work-and-teardown",
    ),
    pytest.param(
        ("success", "skipped", "success", False),
        ((OK, SKIP, SKIP, OK), DagRunState.SUCCESS),
        id="teardown-runs-when-work-skips",
    ),
]


@pytest.mark.parametrize(("outcomes", "expected"), CASES)
def test_setup_work_teardown(outcomes, expected, outcome):
    create, work, delete, fail_run = outcomes
    states, run_state = expected
    result = cluster_dag(outcome, create=create, work=work, delete=delete, fail_run=fail_run).test(
        quiet=True
    )
    assert result.states() == dict(zip(("create", "work", "more", "delete"), states, strict=True))
    assert result.state is run_state


def test_decorated_setup_and_teardown(recorder):
    with DAG("cluster") as d:

        @setup
        def create() -> str:
            recorder.append("create")
            return "cluster-1"

        @task
        def train(cluster: str) -> None:
            recorder.append(f"train on {cluster}")
            raise ValueError("training diverged")

        @teardown
        def delete(cluster: str) -> None:
            recorder.append(f"delete {cluster}")

        cluster = create()
        train(cluster) >> delete(cluster)
    result = d.test(quiet=True)
    assert recorder == ["create", "train on cluster-1", "delete cluster-1"]
    assert result.states() == {"create": OK, "train": FAIL, "delete": OK}
    assert result.state is DagRunState.FAILED
    assert result.run.reason == "task(s) failed: train"


def test_decorated_teardown_can_fail_the_run(outcome):
    with DAG("cluster") as d:

        @setup
        def create() -> None:
            pass

        @teardown(on_failure_fail_dagrun=True)
        def delete() -> None:
            raise ValueError("cluster still up")

        made = create()
        made >> outcome("work", "success") >> delete()
        made >> d.get_task("delete")
    result = d.test(quiet=True)
    assert result.states() == {"create": OK, "work": OK, "delete": FAIL}
    assert result.state is DagRunState.FAILED


def test_teardown_leaf_is_looked_through_to_the_work_it_follows(outcome):
    # The run is decided by the work before the teardown: work failed → run failed, even
    # though the teardown (the only real leaf) succeeded.
    result = cluster_dag(outcome, create="success", work="success", delete="success").test(
        quiet=True
    )
    assert result.state is DagRunState.SUCCESS
    failing = cluster_dag(outcome, create="success", work="failed", delete="success")
    assert failing.test(quiet=True).state is DagRunState.FAILED


def test_teardown_waits_for_all_its_work(outcome, recorder):
    with DAG("cluster") as d:
        create = outcome("create", "success")
        first = outcome("first", "failed")
        second = outcome(
            "second",
            "success",
            on_execute_callback=lambda ctx: recorder.append("second"),
        )
        delete = EmptyOperator(
            task_id="delete", on_execute_callback=lambda ctx: recorder.append("delete")
        )
        create >> [first, second] >> delete.as_teardown(setups=create)
    result = d.test(quiet=True)
    assert recorder == ["second", "delete"]
    assert result.states()["delete"] == OK


def test_teardown_of_a_setup_that_failed_does_not_run(outcome):
    with DAG("cluster") as d:
        create = outcome("create", "failed")
        delete = outcome("delete", "success")
        create >> delete.as_teardown(setups=create)
    assert d.test(quiet=True).states() == {"create": FAIL, "delete": UF}


def test_teardown_runs_when_one_of_two_setups_succeeded(outcome):
    with DAG("cluster") as d:
        good = outcome("good", "success")
        bad = outcome("bad", "failed")
        delete = outcome("delete", "success")
        [good, bad] >> delete.as_teardown(setups=[good, bad])
    assert d.test(quiet=True).states() == {"good": OK, "bad": FAIL, "delete": OK}


def test_work_after_a_setup_in_a_group_with_teardown_feeds_the_next_task(outcome):
    from tradewind import TaskGroup

    with DAG("cluster") as d:
        with TaskGroup("g") as g:
            create = outcome("create", "success")
            work = outcome("work", "failed")
            delete = outcome("delete", "success")
            create >> work >> delete.as_teardown(setups=create)
        after = outcome("after", "success")
        g >> after
    result = d.test(quiet=True)
    assert result.states() == {"g.create": OK, "g.work": FAIL, "g.delete": OK, "after": UF}
    assert result.state is DagRunState.FAILED


def test_task_right_after_a_failed_setup_follows_its_own_trigger_rule(outcome):
    # Airflow judges a direct upstream setup through the trigger rule; only setups further up
    # (whose teardown comes after the task) force upstream_failed.
    with DAG("cluster") as d:
        create = outcome("create", "failed")
        alert = outcome("alert", "success", trigger_rule="one_failed")
        work = outcome("work", "success")
        cleanup = outcome("cleanup", "success", trigger_rule="all_done")
        delete = outcome("delete", "success")
        create >> [alert, work]
        work >> cleanup >> delete.as_teardown(setups=create)
    result = d.test(quiet=True)
    assert result.states() == {
        "create": FAIL,
        "alert": OK,
        "work": UF,
        "cleanup": UF,  # guarded by create (its teardown comes later), whatever its rule
        "delete": UF,
    }


def test_task_after_the_teardown_is_no_longer_guarded_by_the_setup(outcome):
    with DAG("cluster") as d:
        create = outcome("create", "failed")
        work = outcome("work", "success")
        delete = outcome("delete", "success")
        report = outcome("report", "success", trigger_rule="all_done")
        create >> work >> delete.as_teardown(setups=create) >> report
    result = d.test(quiet=True)
    assert result.states() == {"create": FAIL, "work": UF, "delete": UF, "report": OK}
