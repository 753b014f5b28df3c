"""Branching: a task chooses which of its direct downstream tasks run; the others are skipped.

The choice names task ids or task group ids (a group stands for its root tasks). Every direct
downstream task that is not chosen is skipped, except one that lies downstream of a chosen
task: in ``branch >> [a, join]; a >> join``, choosing ``a`` keeps ``join`` too, as Airflow
users expect. Tasks further down are left to their trigger rules, which see the skips.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from tradewind.errors import TaskOutsideDagError, TradewindError
from tradewind.sdk.abstractoperator import AbstractOperator
from tradewind.sdk.baseoperator import BaseOperator

__all__ = ["BaseBranchOperator", "BranchChoiceError", "branch_ids_to_skip", "normalize_branch_ids"]

log = logging.getLogger(__name__)

BranchChoice = str | Iterable[str] | None


class BranchChoiceError(TradewindError, ValueError):
    """A branching task chose to follow something that is not directly downstream of it."""


def normalize_branch_ids(task_id: str, chosen: Any) -> list[str]:
    """The chosen ids as a list: ``None`` → ``[]``, ``"a"`` → ``["a"]``, iterables as given."""
    if chosen is None:
        return []
    if isinstance(chosen, str):
        return [chosen]
    try:
        ids = list(chosen)
    except TypeError:
        raise BranchChoiceError(
            f"Branching task {task_id!r} must choose a task id, a list of task ids or None; "
            f"it chose {chosen!r}."
        ) from None
    wrong = [item for item in ids if not isinstance(item, str)]
    if wrong:
        raise BranchChoiceError(
            f"Branching task {task_id!r} must choose task ids as strings; it chose {wrong!r}."
        )
    return ids


def branch_ids_to_skip(task: AbstractOperator, chosen: BranchChoice) -> list[str]:
    """Ids of the direct downstream tasks of ``task`` to skip when it follows ``chosen``.

    Raises :class:`BranchChoiceError` when a chosen id is neither a direct downstream task nor
    a task group whose root tasks include one; the message lists the valid choices.
    """
    dag = task.dag
    if dag is None:
        raise TaskOutsideDagError(f"Branching task {task.task_id!r} is not part of any DAG.")
    direct = set(task.downstream_task_ids)
    groups = {
        group_id: [root.task_id for root in group.roots]
        for group_id, group in dag.task_group_dict.items()
    }
    valid_groups = {gid: roots for gid, roots in groups.items() if direct.intersection(roots)}
    followed: set[str] = set()
    invalid: list[str] = []
    for branch_id in normalize_branch_ids(task.task_id, chosen):
        if branch_id in direct:
            followed.add(branch_id)
        elif branch_id in valid_groups:
            followed.update(valid_groups[branch_id])
        else:
            invalid.append(branch_id)
    if invalid:
        raise BranchChoiceError(
            f"Branching task {task.task_id!r} chose {', '.join(map(repr, invalid))}, which "
            "is not directly downstream of it. Valid choices: tasks "
            f"{', '.join(sorted(direct)) or '(none)'}; task groups "
            f"{', '.join(sorted(valid_groups)) or '(none)'}."
        )
    kept = set(followed)
    for task_id in followed:
        kept.update(dag.get_task(task_id).get_flat_relative_ids())
    return sorted(direct - kept)


class BaseBranchOperator(BaseOperator):
    """Base for tasks that choose which direct downstream tasks run.

    Subclasses implement :meth:`choose_branch`; :meth:`execute` skips the direct downstream
    tasks that were not chosen and returns the choice (pushed as the task's XCom).
    """

    inherits_from_skipmixin = True

    def choose_branch(self, context: Any) -> BranchChoice:
        """The task ids or task group ids to follow; ``None`` or ``[]`` skips them all."""
        raise NotImplementedError(f"{type(self).__name__} must implement choose_branch(context).")

    def execute(self, context: Any) -> Any:
        return self.do_branch(context, self.choose_branch(context))

    def do_branch(self, context: Any, chosen: BranchChoice) -> BranchChoice:
        """Skip what ``chosen`` does not follow; return ``chosen`` unchanged."""
        log.info("Following branch %s", chosen)
        to_skip = branch_ids_to_skip(self, chosen)
        if to_skip:
            log.info("Skipping %s", ", ".join(to_skip))
            context["ti"].skip_tasks(to_skip)
        return chosen
