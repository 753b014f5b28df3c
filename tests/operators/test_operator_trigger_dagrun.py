from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tradewind.exceptions import SkipTask
from tradewind.operators.trigger_dagrun import (
    DagRunAlreadyExistsError,
    TriggerDagRunOperator,
    TriggeredRunFailedError,
)
from tradewind.sdk import DAG

START = datetime(2024, 1, 1, tzinfo=UTC)


def trigger(**kwargs: Any) -> TriggerDagRunOperator:
    kwargs.setdefault("trigger_dag_id", "target")
    with DAG("d", schedule=None, start_date=START):
        return TriggerDagRunOperator(task_id="t", **kwargs)


def test_triggers_the_run_with_rendered_arguments(make_context):
    op = trigger(
        trigger_dag_id="target_{{ dag_run.conf['suffix'] }}",
        trigger_run_id="from_{{ run_id }}",
        conf={"day": "{{ ds }}", "n": 3},
        logical_date="{{ logical_date }}",
    )
    context = make_context(op, run_id="r1", conf={"suffix": "x"})
    op.render_template_fields(context)
    op.execute(context)
    assert context["ti"].triggered == [
        {
            "dag_id": "target_x",
            "run_id": "from_r1",
            "conf": {"day": "2024-01-01", "n": 3},
            "logical_date": START,
            "reset_dag_run": False,
        }
    ]


def test_pushes_the_triggered_run_id_and_logical_date(make_context):
    op = trigger(trigger_run_id="child", logical_date=START)
    context = make_context(op)
    assert op.execute(context) is None
    assert context["ti"].xcoms == {
        "trigger_run_id": "child",
        "trigger_logical_date_iso": "2024-01-01T00:00:00+00:00",
    }


def test_generated_run_id_is_pushed(make_context):
    op = trigger(logical_date=START)
    context = make_context(op)
    op.execute(context)
    assert context["ti"].triggered[0]["run_id"] is None
    assert context["ti"].xcoms["trigger_run_id"] == "manual__2024-01-01T00:00:00+00:00"


def test_logical_date_defaults_to_now(make_context):
    op = trigger()
    context = make_context(op)
    before = datetime.now(UTC)
    op.execute(context)
    sent = context["ti"].triggered[0]["logical_date"]
    assert before <= sent <= datetime.now(UTC)


def test_logical_date_none_triggers_without_one(make_context):
    op = trigger(logical_date=None)
    context = make_context(op)
    op.execute(context)
    assert context["ti"].triggered[0]["logical_date"] is None
    assert "trigger_logical_date_iso" not in context["ti"].xcoms


def test_naive_logical_date_string_is_utc(make_context):
    op = trigger(logical_date="2024-02-03T04:05:06")
    context = make_context(op)
    op.execute(context)
    assert context["ti"].triggered[0]["logical_date"] == datetime(2024, 2, 3, 4, 5, 6, tzinfo=UTC)


def test_execution_date_is_accepted_as_the_old_name(make_context):
    op = trigger(execution_date=START)
    context = make_context(op)
    op.execute(context)
    assert context["ti"].triggered[0]["logical_date"] == START


def test_reset_dag_run_is_passed_to_the_engine(make_context):
    op = trigger(trigger_run_id="child", reset_dag_run=True)
    context = make_context(op)
    context["ti"].existing_runs.add(("target", "child"))
    op.execute(context)
    assert context["ti"].triggered[0]["reset_dag_run"] is True


def test_existing_run_fails_the_task(make_context):
    op = trigger(trigger_run_id="child")
    context = make_context(op)
    context["ti"].existing_runs.add(("target", "child"))
    with pytest.raises(DagRunAlreadyExistsError, match="'child'"):
        op.execute(context)


def test_existing_run_skips_with_skip_when_already_exists(make_context):
    op = trigger(trigger_run_id="child", skip_when_already_exists=True)
    context = make_context(op)
    context["ti"].existing_runs.add(("target", "child"))
    with pytest.raises(SkipTask):
        op.execute(context)


def test_conf_that_is_not_json_is_an_error(make_context):
    op = trigger(conf={"when": datetime(2024, 1, 1)})
    with pytest.raises(TypeError, match="JSON"):
        op.execute(make_context(op))


def test_waits_until_the_run_succeeds(make_context):
    op = trigger(trigger_run_id="child", wait_for_completion=True, poke_interval=0.01)
    context = make_context(op)
    context["ti"].run_states = ["queued", "running", "running", "success"]
    op.execute(context)
    assert context["ti"].state_queries == 4


def test_failed_run_fails_the_waiting_task(make_context):
    op = trigger(trigger_run_id="child", wait_for_completion=True, poke_interval=0)
    context = make_context(op)
    context["ti"].run_states = ["running", "failed"]
    with pytest.raises(TriggeredRunFailedError, match="ended as failed"):
        op.execute(context)


def test_allowed_failed_state_ends_the_wait_successfully(make_context):
    op = trigger(
        trigger_run_id="child",
        wait_for_completion=True,
        poke_interval=0,
        allowed_states=["success", "failed"],
    )
    context = make_context(op)
    context["ti"].run_states = ["running", "failed"]
    op.execute(context)
    assert op.failed_states == []


def test_custom_failed_states_end_the_wait(make_context):
    op = trigger(
        trigger_run_id="child", wait_for_completion=True, poke_interval=0, failed_states=["running"]
    )
    context = make_context(op)
    context["ti"].run_states = ["queued", "running"]
    with pytest.raises(TriggeredRunFailedError, match="ended as running"):
        op.execute(context)


def test_finished_run_in_no_listed_state_fails_instead_of_waiting_forever(make_context):
    op = trigger(
        trigger_run_id="child", wait_for_completion=True, poke_interval=0, failed_states=[]
    )
    context = make_context(op)
    context["ti"].run_states = ["failed"]
    with pytest.raises(TriggeredRunFailedError, match="not in allowed_states"):
        op.execute(context)


def test_without_wait_the_run_state_is_not_read(make_context):
    op = trigger()
    context = make_context(op)
    op.execute(context)
    assert context["ti"].state_queries == 0


def test_unknown_state_name_is_rejected():
    with pytest.raises(ValueError, match="'done'"):
        trigger(allowed_states=["done"])


def test_poke_interval_accepts_a_timedelta():
    assert trigger(poke_interval=timedelta(seconds=5)).poke_interval == 5
