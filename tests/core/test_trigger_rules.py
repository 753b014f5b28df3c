"""Trigger rules at the level of one decision: upstream states in, a verdict out.

The expected verdicts follow Airflow's documented trigger rules ("DAGs" → Trigger Rules) and
the states its scheduler gives a task whose rule can no longer be met: a task is not left
waiting when the outcome is already certain (``all_success`` with one failed upstream is
``upstream_failed`` at once, without waiting for the other upstream tasks).
"""

from __future__ import annotations

import pytest

from tradewind.contracts.states import TaskInstanceState as S
from tradewind.contracts.states import TriggerRule as TR
from tradewind.core.trigger_rules import UpstreamCounts, Verdict, evaluate

RUN, WAIT, SKIP, UF = Verdict.RUN, Verdict.WAIT, Verdict.SKIP, Verdict.UPSTREAM_FAILED

# Two upstream tasks; None is "not finished yet" (running, queued or without a state).
SS = (S.SUCCESS, S.SUCCESS)
SF = (S.SUCCESS, S.FAILED)
SK = (S.SUCCESS, S.SKIPPED)
FF = (S.FAILED, S.FAILED)
FK = (S.FAILED, S.SKIPPED)
KK = (S.SKIPPED, S.SKIPPED)
UU = (S.UPSTREAM_FAILED, S.UPSTREAM_FAILED)
S_ = (S.SUCCESS, None)
F_ = (S.FAILED, None)
K_ = (S.SKIPPED, None)

COMBOS = {"SS": SS, "SF": SF, "SK": SK, "FF": FF, "FK": FK, "KK": KK, "UU": UU}
COMBOS |= {"S-": S_, "F-": F_, "K-": K_}

# fmt: off
TABLE: dict[TR, tuple[Verdict, ...]] = {
    #                                SS    SF    SK    FF    FK    KK    UU    S-    F-    K-
    TR.ALL_SUCCESS:                 (RUN,  UF,   SKIP, UF,   UF,   SKIP, UF,   WAIT, UF,   SKIP),
    TR.ALL_FAILED:                  (SKIP, SKIP, SKIP, RUN,  SKIP, SKIP, RUN,  SKIP, WAIT, SKIP),
    TR.ALL_DONE:                    (RUN,  RUN,  RUN,  RUN,  RUN,  RUN,  RUN,  WAIT, WAIT, WAIT),
    # "skipped does not count as done for this rule and will cause the downstream task to be
    # skipped as well"; all done without a success is upstream_failed.
    TR.ALL_DONE_MIN_ONE_SUCCESS:    (RUN,  RUN,  SKIP, UF,   SKIP, SKIP, UF,   WAIT, WAIT, SKIP),
    TR.ALL_SKIPPED:                 (SKIP, SKIP, SKIP, SKIP, SKIP, RUN,  SKIP, SKIP, SKIP, WAIT),
    # one_*: they "do not wait for all upstream tasks to be done".
    TR.ONE_SUCCESS:                 (RUN,  RUN,  RUN,  UF,   UF,   SKIP, UF,   RUN,  WAIT, WAIT),
    TR.ONE_FAILED:                  (SKIP, RUN,  SKIP, RUN,  RUN,  SKIP, RUN,  WAIT, RUN,  WAIT),
    # one_done: "at least one upstream task has either succeeded or failed".
    TR.ONE_DONE:                    (RUN,  RUN,  RUN,  RUN,  RUN,  SKIP, SKIP, RUN,  RUN,  WAIT),
    TR.NONE_FAILED:                 (RUN,  UF,   RUN,  UF,   UF,   RUN,  UF,   WAIT, UF,   WAIT),
    TR.NONE_FAILED_MIN_ONE_SUCCESS: (RUN,  UF,   RUN,  UF,   UF,   SKIP, UF,   WAIT, UF,   WAIT),
    # none_skipped: "all upstream tasks are in a success, failed, or upstream_failed state".
    TR.NONE_SKIPPED:                (RUN,  RUN,  SKIP, RUN,  SKIP, SKIP, RUN,  WAIT, WAIT, SKIP),
    TR.ALWAYS:                      (RUN,  RUN,  RUN,  RUN,  RUN,  RUN,  RUN,  RUN,  RUN,  RUN),
    # Without setups among the upstream tasks, all_done_setup_success is all_done.
    TR.ALL_DONE_SETUP_SUCCESS:      (RUN,  RUN,  RUN,  RUN,  RUN,  RUN,  RUN,  WAIT, WAIT, WAIT),
}
# fmt: on

CASES = [
    pytest.param(rule, COMBOS[name], expected, id=f"{rule.value}-{name}")
    for rule, verdicts in TABLE.items()
    for name, expected in zip(COMBOS, verdicts, strict=True)
]


def verdict(rule: TR, states: tuple[S | None, ...], setups: tuple[S | None, ...] = ()) -> Verdict:
    return evaluate(rule, UpstreamCounts.tally(states, setups))


def test_the_table_covers_every_trigger_rule():
    assert set(TABLE) == set(TR)


@pytest.mark.parametrize(("rule", "states", "expected"), CASES)
def test_trigger_rule_verdict_for_upstream_states(rule, states, expected):
    assert verdict(rule, states) is expected


@pytest.mark.parametrize("rule", list(TR))
def test_task_without_upstream_tasks_runs_whatever_its_rule(rule):
    assert verdict(rule, ()) is RUN


@pytest.mark.parametrize("rule", list(TR))
def test_nothing_finished_upstream_waits_except_always(rule):
    expected = RUN if rule is TR.ALWAYS else WAIT
    assert verdict(rule, (None, None)) is expected


# Teardowns (all_done_setup_success): "run even when the work failed, once a setup ran".
@pytest.mark.parametrize(
    ("states", "setups", "expected"),
    [
        pytest.param((S.SUCCESS, S.FAILED), (S.SUCCESS,), RUN, id="setup-ok-work-failed"),
        pytest.param((S.SUCCESS, S.SUCCESS), (S.SUCCESS,), RUN, id="setup-ok-work-ok"),
        pytest.param((S.SUCCESS, None), (S.SUCCESS,), WAIT, id="work-still-running"),
        pytest.param((S.FAILED, S.UPSTREAM_FAILED), (S.FAILED,), UF, id="setup-failed"),
        pytest.param((S.SKIPPED, S.SKIPPED), (S.SKIPPED,), SKIP, id="setup-skipped"),
        pytest.param(
            (S.SUCCESS, S.FAILED, S.SUCCESS),
            (S.SUCCESS, S.FAILED),
            RUN,
            id="one-of-two-setups-ran",
        ),
    ],
)
def test_all_done_setup_success_looks_at_the_setups(states, setups, expected):
    assert verdict(TR.ALL_DONE_SETUP_SUCCESS, states, setups) is expected


def test_tally_counts_each_state_and_done():
    counts = UpstreamCounts.tally(
        [S.SUCCESS, S.SKIPPED, S.FAILED, S.UPSTREAM_FAILED, S.REMOVED, None, S.RUNNING]
    )
    assert (counts.total, counts.success, counts.skipped, counts.failed) == (7, 1, 1, 1)
    assert (counts.upstream_failed, counts.removed, counts.done) == (1, 1, 5)


def test_removed_upstream_instances_do_not_count_against_all_success():
    # A mapped upstream that shrank: its removed instances neither block nor fail the rule.
    assert verdict(TR.ALL_SUCCESS, (S.SUCCESS, S.REMOVED)) is RUN
