"""When a task may run, judged from the states of its upstream task instances.

The outcomes follow Airflow's documented trigger-rule semantics, including the states a task
takes when its rule can no longer be met (``skipped`` or ``upstream_failed``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

from tradewind.contracts.states import TaskInstanceState as S
from tradewind.contracts.states import TriggerRule as TR


class Verdict(Enum):
    WAIT = "wait"
    RUN = "run"
    SKIP = "skip"
    UPSTREAM_FAILED = "upstream_failed"


@dataclass(frozen=True, slots=True)
class UpstreamCounts:
    """Tally of the upstream task instances that matter to one task instance."""

    total: int
    success: int = 0
    skipped: int = 0
    failed: int = 0
    upstream_failed: int = 0
    removed: int = 0
    done: int = 0
    #: Among upstream setup tasks (for teardowns).
    setups: int = 0
    setups_success: int = 0
    setups_skipped: int = 0
    setups_done: int = 0

    @classmethod
    def tally(
        cls, states: Iterable[S | None], setup_states: Iterable[S | None] = ()
    ) -> UpstreamCounts:
        total = success = skipped = failed = upstream_failed = removed = 0
        for state in states:
            total += 1
            if state is S.SUCCESS:
                success += 1
            elif state is S.SKIPPED:
                skipped += 1
            elif state is S.FAILED:
                failed += 1
            elif state is S.UPSTREAM_FAILED:
                upstream_failed += 1
            elif state is S.REMOVED:
                removed += 1
        setups = setups_success = setups_skipped = setups_done = 0
        for state in setup_states:
            setups += 1
            if state is S.SUCCESS:
                setups_success += 1
            elif state is S.SKIPPED:
                setups_skipped += 1
            if state in _DONE:
                setups_done += 1
        return cls(
            total=total,
            success=success,
            skipped=skipped,
            failed=failed,
            upstream_failed=upstream_failed,
            removed=removed,
            done=success + skipped + failed + upstream_failed + removed,
            setups=setups,
            setups_success=setups_success,
            setups_skipped=setups_skipped,
            setups_done=setups_done,
        )


_DONE = frozenset({S.SUCCESS, S.SKIPPED, S.FAILED, S.UPSTREAM_FAILED, S.REMOVED})


def evaluate(rule: TR, c: UpstreamCounts) -> Verdict:
    """The verdict of ``rule`` for the upstream tally ``c``."""
    if c.total == 0 or rule is TR.ALWAYS:
        return Verdict.RUN
    all_done = c.done >= c.total
    failures = c.failed + c.upstream_failed
    # The rule's non-removed upstream count: removed instances do not count against it.
    effective = c.total - c.removed

    if rule is TR.ALL_SUCCESS:
        if failures:
            return Verdict.UPSTREAM_FAILED
        if c.skipped:
            return Verdict.SKIP
        return Verdict.RUN if c.success >= effective else Verdict.WAIT
    if rule is TR.ALL_FAILED:
        if c.success or c.skipped:
            return Verdict.SKIP
        return Verdict.RUN if failures >= effective else Verdict.WAIT
    if rule is TR.ALL_DONE:
        return Verdict.RUN if all_done else Verdict.WAIT
    if rule is TR.ALL_DONE_MIN_ONE_SUCCESS:
        # Airflow: a skipped upstream does not count as done for this rule and skips the
        # task at once; every upstream done without a success makes it upstream_failed.
        if c.skipped:
            return Verdict.SKIP
        if not all_done:
            return Verdict.WAIT
        return Verdict.RUN if c.success else Verdict.UPSTREAM_FAILED
    if rule is TR.ALL_SKIPPED:
        if c.success or failures:
            return Verdict.SKIP
        return Verdict.RUN if c.skipped >= effective else Verdict.WAIT
    if rule is TR.ONE_SUCCESS:
        if c.success:
            return Verdict.RUN
        if all_done:
            return Verdict.SKIP if c.skipped == c.done else Verdict.UPSTREAM_FAILED
        return Verdict.WAIT
    if rule is TR.ONE_FAILED:
        if failures:
            return Verdict.RUN
        return Verdict.SKIP if all_done else Verdict.WAIT
    if rule is TR.ONE_DONE:
        if c.success or c.failed:
            return Verdict.RUN
        return Verdict.SKIP if all_done else Verdict.WAIT
    if rule is TR.NONE_FAILED:
        if failures:
            return Verdict.UPSTREAM_FAILED
        return Verdict.RUN if c.success + c.skipped >= effective else Verdict.WAIT
    if rule is TR.NONE_FAILED_MIN_ONE_SUCCESS:
        if failures:
            return Verdict.UPSTREAM_FAILED
        if c.skipped >= effective and all_done:
            return Verdict.SKIP
        return Verdict.RUN if c.success + c.skipped >= effective else Verdict.WAIT
    if rule is TR.NONE_SKIPPED:
        if c.skipped:
            return Verdict.SKIP
        return Verdict.RUN if all_done else Verdict.WAIT
    if rule is TR.ALL_DONE_SETUP_SUCCESS:
        if not all_done:
            return Verdict.WAIT
        if c.setups and c.setups_skipped >= c.setups:
            return Verdict.SKIP
        if c.setups and c.setups_success == 0:
            return Verdict.UPSTREAM_FAILED
        return Verdict.RUN
    raise ValueError(f"unknown trigger rule {rule!r}")
