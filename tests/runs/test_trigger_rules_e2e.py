"""Every trigger rule end to end: real tasks succeed, fail or skip; ``dag.test()`` runs them.

Two upstream tasks end in the states of the combination; ``join`` has the rule under test.
Expected final states follow Airflow's trigger-rule documentation ("DAGs" → Trigger Rules):
a rule that is met runs the task (``success``); one that can no longer be met leaves the task
``skipped`` or ``upstream_failed``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tradewind import DAG
from tradewind.contracts.states import DagRunState
from tradewind.contracts.states import TriggerRule as TR
from tradewind.operators.python import PythonOperator

RAN, SKIP, UF = "success", "skipped", "upstream_failed"

# Upstream states: S success, F failed, K skipped, U upstream_failed.
COMBOS = ("SS", "SF", "SK", "FF", "FK", "KK", "UU")
# fmt: off
TABLE: dict[TR, tuple[str, ...]] = {
    #                                SS    SF    SK    FF    FK    KK    UU
    TR.ALL_SUCCESS:                 (RAN,  UF,   SKIP, UF,   UF,   SKIP, UF),
    TR.ALL_FAILED:                  (SKIP, SKIP, SKIP, RAN,  SKIP, SKIP, RAN),
    TR.ALL_DONE:                    (RAN,  RAN,  RAN,  RAN,  RAN,  RAN,  RAN),
    TR.ALL_DONE_MIN_ONE_SUCCESS:    (RAN,  RAN,  SKIP, UF,   SKIP, SKIP, UF),
    TR.ALL_DONE_SETUP_SUCCESS:      (RAN,  RAN,  RAN,  RAN,  RAN,  RAN,  RAN),
    TR.ALL_SKIPPED:                 (SKIP, SKIP, SKIP, SKIP, SKIP, RAN,  SKIP),
    TR.ONE_SUCCESS:                 (RAN,  RAN,  RAN,  UF,   UF,   SKIP, UF),
    TR.ONE_FAILED:                  (SKIP, RAN,  SKIP, RAN,  RAN,  SKIP, RAN),
    TR.ONE_DONE:                    (RAN,  RAN,  RAN,  RAN,  RAN,  SKIP, SKIP),
    TR.NONE_FAILED:                 (RAN,  UF,   RAN,  UF,   UF,   RAN,  UF),
    TR.NONE_FAILED_MIN_ONE_SUCCESS: (RAN,  UF,   RAN,  UF,   UF,   SKIP, UF),
    TR.NONE_SKIPPED:                (RAN,  RAN,  SKIP, RAN,  SKIP, SKIP, RAN),
    TR.ALWAYS:                      (RAN,  RAN,  RAN,  RAN,  RAN,  RAN,  RAN),
}
# fmt: on

CASES = [
    pytest.param(rule, combo, expected, id=f"{rule.value}-{combo}")
    for rule, row in TABLE.items()
    for combo, expected in zip(COMBOS, row, strict=True)
]

_OUTCOME = {"S": "success", "F": "failed", "K": "skipped"}


def build(rule: TR, combo: str, outcome: Any) -> DAG:
    with DAG(f"rule_{rule.value}_{combo}") as d:
        join = outcome("join", "success", trigger_rule=rule)
        for i, code in enumerate(combo):
            if code == "U":  # upstream_failed: downstream of a failing task
                outcome(f"boom{i}", "failed") >> outcome(f"up{i}", "success") >> join
            else:
                outcome(f"up{i}", _OUTCOME[code]) >> join
    return d


def test_the_table_covers_every_trigger_rule():
    assert set(TABLE) == set(TR)


@pytest.mark.parametrize(("rule", "combo", "expected"), CASES)
def test_trigger_rule_end_to_end(rule, combo, expected, outcome):
    result = build(rule, combo, outcome).test(quiet=True)
    states = result.states()
    assert [states["up0"], states["up1"]] == [
        {"S": "success", "F": "failed", "K": "skipped", "U": "upstream_failed"}[c] for c in combo
    ]
    assert states["join"] == expected
    # join is the only leaf with the upstream tasks, so the run follows it (upstream tasks
    # that failed are not leaves).
    assert result.state is (DagRunState.FAILED if expected == UF else DagRunState.SUCCESS)


@pytest.mark.parametrize("rule", [TR.ALWAYS, TR.ONE_SUCCESS, TR.ONE_FAILED, TR.ONE_DONE])
def test_fast_rules_fire_before_every_upstream_task_is_done(rule, outcome, recorder):
    # one_* rules "do not wait for all upstream tasks to be done"; always does not wait at all.
    # `late` fails its first try and waits for a retry; `join` runs before that retry.
    def late_work(ti: Any) -> None:
        if ti.try_number == 1:
            raise ValueError("not yet")

    def record(context: Any) -> None:
        recorder.append((context["ti"].task_id, context["ti"].try_number))

    with DAG("fast") as d:
        early = outcome("early", "failed" if rule is TR.ONE_FAILED else "success")
        late = PythonOperator(
            task_id="late",
            python_callable=late_work,
            retries=1,
            retry_delay=timedelta(seconds=0.05),
            on_execute_callback=record,
        )
        join = outcome("join", "success", trigger_rule=rule, on_execute_callback=record)
        [early, late] >> join
    result = d.test(quiet=True)
    assert recorder.index(("join", 1)) < recorder.index(("late", 2))
    assert result.states()["join"] == "success"
