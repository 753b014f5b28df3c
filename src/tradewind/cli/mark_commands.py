"""``tradewind tasks mark`` and ``tradewind dags mark-run``: set states by hand.

Both do what the REST API's PATCH of a task instance or a run does
(:mod:`tradewind.server.run_operations`): marking task instances clears the failed and
upstream-failed tasks downstream of them so the run resumes (a finished run is queued again);
marking a run success or failed marks its unfinished task instances too. Each command says
what changed: every task instance whose state moved, and the run's state before and after
(``--output json`` gives the same as one object). Before changing anything it shows what
would change and asks, unless ``--yes``; the preview is computed by doing the change and
rolling it back, so it is exactly what the change does at that moment.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import click

from tradewind.cli.metadata import Metadata, open_metadata
from tradewind.cli.output import CommandError, dump, output_option, print_table, reported_errors

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

__all__ = ["register"]

#: The states a user may set, as the API allows them.
TASK_STATES = ("success", "failed", "skipped")
RUN_STATES = ("success", "failed", "queued")

#: (task_id, map_index) → state, of one run.
States = dict[tuple[str, int], Any]
#: Does the change in an open transaction; returns the keys it marked.
Operation = Callable[["Session", Metadata], list[tuple[str, str, str, int]]]


def register(*, tasks: click.Group, dags: click.Group) -> None:
    tasks.add_command(mark_tasks)
    dags.add_command(mark_run)


@dataclass
class _Change:
    """What a mark did to one run."""

    dag_id: str
    run_id: str
    previous_run_state: str
    run_state: str
    #: (task_id, map_index, previous state, state), in the order of the run's instances.
    task_instances: list[tuple[str, int, str | None, str | None]]
    marked: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "dag_id": self.dag_id,
            "run_id": self.run_id,
            "previous_run_state": self.previous_run_state,
            "run_state": self.run_state,
            "task_instances": [
                {"task_id": t, "map_index": i, "previous_state": before, "state": after}
                for t, i, before, after in self.task_instances
            ],
        }


def _state_option(value: str, allowed: tuple[str, ...], what: str) -> str:
    state = value.strip().lower()
    if state not in allowed:
        raise CommandError(
            f"--state {value!r} is not a state {what} can be marked; use one of "
            f"{', '.join(allowed)}."
        )
    return state


def _snapshot(session: Session, dag_id: str, run_id: str) -> tuple[str | None, States]:
    """The run's state (None: no such run) and its instances' states."""
    from tradewind.storage.repos import task_instances as ti_repo
    from tradewind.storage.sql_store import SqlStore

    run = SqlStore(session).get_dag_run(dag_id, run_id)
    if run is None:
        return None, {}
    states = ti_repo.list_task_instance_states(session=session, dag_id=dag_id, run_id=run_id)
    return str(run.state), {(task_id, index): state for task_id, index, state in states}


def _apply(
    session: Session, db: Metadata, dag_id: str, run_id: str, operation: Operation
) -> _Change:
    """Do ``operation`` in ``session`` and compare the run before and after it."""
    from tradewind.cli.run_commands import known_dag
    from tradewind.storage.sql_store import SqlStore

    known_dag(session, dag_id)
    # The run's lock first (as the operation takes it), so that only its changes are compared.
    SqlStore(session).lock_dag_run(dag_id, run_id)
    run_before, before = _snapshot(session, dag_id, run_id)
    marked = operation(session, db)
    run_after, after = _snapshot(session, dag_id, run_id)
    assert run_before is not None and run_after is not None  # the operation found the run
    changed = [
        (task_id, index, _text(before.get((task_id, index))), _text(state))
        for (task_id, index), state in sorted(after.items())
        if before.get((task_id, index)) != state
    ]
    return _Change(dag_id, run_id, run_before, run_after, changed, len(marked))


def _text(state: Any) -> str | None:
    return None if state is None else str(state)


def _run_change(
    db: Metadata, dag_id: str, run_id: str, operation: Operation, *, commit: bool
) -> _Change:
    with db.sessions() as session, reported_errors():
        change = _apply(session, db, dag_id, run_id, operation)
        if commit:
            session.commit()
        else:
            session.rollback()
    return change


def _preview_and_confirm(change: _Change, question: str) -> None:
    """Show what would change on stderr (stdout stays the result's) and ask."""
    for task_id, index, before, after in change.task_instances:
        label = task_id if index < 0 else f"{task_id}[{index}]"
        click.echo(f"  {label}  {before or 'no state'} → {after or 'no state'}", err=True)
    if change.run_state != change.previous_run_state:
        click.echo(
            f"  run {change.run_id}  {change.previous_run_state} → {change.run_state}", err=True
        )
    click.confirm(question, abort=True, err=True)


def _show(change: _Change, output: str, summary: str) -> None:
    if output != "table":
        dump(change.as_dict(), output)
        return
    if change.task_instances:
        rows = [
            {
                "task_id": task_id,
                "map_index": index,
                "previous_state": before or "no state",
                "state": after or "no state",
            }
            for task_id, index, before, after in change.task_instances
        ]
        print_table(rows, ["task_id", "map_index", "previous_state", "state"])
    click.echo(summary)


def _run_summary(change: _Change) -> str:
    if change.run_state == change.previous_run_state:
        return f"Run {change.run_id} of {change.dag_id} is {change.run_state}."
    return (
        f"Run {change.run_id} of {change.dag_id} is {change.run_state} "
        f"(was {change.previous_run_state})."
    )


# -- tasks mark -------------------------------------------------------------------------------


@click.command("mark")
@click.argument("dag_id")
@click.argument("run_id")
@click.argument("task_ids", metavar="TASK_ID...", nargs=-1, required=True)
@click.option(
    "--state",
    "-s",
    "state_name",
    required=True,
    metavar="|".join(TASK_STATES),
    help="The state to set.",
)
@click.option(
    "--map-index", type=int, help="Only this instance of the mapped tasks (default: all of them)."
)
@click.option(
    "--upstream", "-u", is_flag=True, help="Also mark every task upstream (all instances)."
)
@click.option(
    "--downstream", "-d", is_flag=True, help="Also mark every task downstream (all instances)."
)
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@output_option
def mark_tasks(
    dag_id: str,
    run_id: str,
    task_ids: tuple[str, ...],
    state_name: str,
    map_index: int | None,
    upstream: bool,
    downstream: bool,
    yes: bool,
    output: str,
) -> None:
    """Mark task instances of run RUN_ID of DAG_ID success, failed or skipped.

    Instances already in the state are left alone. The failed and upstream-failed tasks
    downstream of the marked ones are cleared so the run resumes (a finished run is queued
    again).
    """
    from tradewind.contracts.states import TaskInstanceState
    from tradewind.server.run_operations import set_task_instance_state

    state = TaskInstanceState(_state_option(state_name, TASK_STATES, "a task instance"))

    def mark(session: Session, db: Metadata) -> list[tuple[str, str, str, int]]:
        marked = set_task_instance_state(
            session,
            db.specs,
            dag_id,
            run_id,
            task_ids,
            state=state,
            map_indexes=None if map_index is None else [map_index],
            downstream=downstream,
            upstream=upstream,
        )
        if map_index is not None:
            _check_map_index(session, dag_id, run_id, task_ids, map_index)
        return marked

    with open_metadata() as db:
        if not yes:
            preview = _run_change(db, dag_id, run_id, mark, commit=False)
            if not preview.marked:
                _show(preview, output, _nothing_to_mark(task_ids, state))
                return
            _preview_and_confirm(preview, f"Mark {preview.marked} task instance(s) {state}?")
        change = _run_change(db, dag_id, run_id, mark, commit=True)
    if not change.marked:
        summary = _nothing_to_mark(task_ids, state)
    else:
        cleared = len(change.task_instances) - change.marked
        also = f" and cleared {cleared} downstream" if cleared > 0 else ""
        summary = f"Marked {change.marked} task instance(s) {state}{also}. {_run_summary(change)}"
    _show(change, output, summary)


def _nothing_to_mark(task_ids: tuple[str, ...], state: Any) -> str:
    return f"Nothing to mark: the instances of {', '.join(task_ids)} are {state} already."


def _check_map_index(
    session: Session, dag_id: str, run_id: str, task_ids: tuple[str, ...], map_index: int
) -> None:
    """Every task named has an instance at ``map_index``; else say which indexes exist."""
    from tradewind.storage.repos import task_instances as ti_repo

    indexes: dict[str, list[int]] = {task_id: [] for task_id in task_ids}
    for task_id, index, _ in ti_repo.list_task_instance_states(
        session=session, dag_id=dag_id, run_id=run_id, task_ids=task_ids
    ):
        indexes[task_id].append(index)
    for task_id, found in indexes.items():
        if map_index in found:
            continue
        if found and min(found) >= 0:
            hint = f"it is mapped: give --map-index {min(found)} to {max(found)}"
        elif found:
            hint = "it is not mapped: leave out --map-index"
        else:
            hint = f"`tradewind tasks states-for-dag-run {dag_id} {run_id}` lists its instances"
        raise CommandError(
            f"Run {run_id!r} has no instance of {task_id!r} at map index {map_index}; {hint}."
        )


# -- dags mark-run ----------------------------------------------------------------------------


@click.command("mark-run")
@click.argument("dag_id")
@click.argument("run_id")
@click.option(
    "--state",
    "-s",
    "state_name",
    required=True,
    metavar="|".join(RUN_STATES),
    help="The state to set.",
)
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@output_option
def mark_run(dag_id: str, run_id: str, state_name: str, yes: bool, output: str) -> None:
    """Mark run RUN_ID of DAG_ID success, failed or queued.

    success marks every task instance success; failed fails the running ones and skips the
    ones still to run; unfinished teardowns are left to run, and the run is marked once they
    are done. queued has the scheduler start the run again, its task instances as they are
    (clear them to run them again).
    """
    from tradewind.contracts.states import DagRunState
    from tradewind.server.run_operations import set_dag_run_state

    state = DagRunState(_state_option(state_name, RUN_STATES, "a run"))

    def mark(session: Session, db: Metadata) -> list[tuple[str, str, str, int]]:
        return set_dag_run_state(session, db.specs, dag_id, run_id, state)

    with open_metadata() as db:
        if not yes:
            preview = _run_change(db, dag_id, run_id, mark, commit=False)
            _preview_and_confirm(preview, f"Mark run {run_id} of {dag_id} {state}?")
        change = _run_change(db, dag_id, run_id, mark, commit=True)
    count = len(change.task_instances)
    _show(change, output, f"{_run_summary(change)} {count} task instance(s) changed.")
