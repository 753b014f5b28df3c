"""``tradewind tasks test | list | states-for-dag-run | clear | run | logs``.

``tasks test`` runs a task from a DAG file with nothing recorded; the others work on the
metadata database: the tasks of a DAG's latest version, the task instances of a run, clearing
them so the scheduler runs them again, running one here, and the log of one try.
"""

from __future__ import annotations

import re
import sys
from typing import TYPE_CHECKING, Any

import click

from tradewind.cli.metadata import Metadata, open_metadata
from tradewind.cli.options import parse_conf, parse_datetime
from tradewind.cli.output import CommandError, output_option, print_rows, reported_errors

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from tradewind.contracts.dagspec import DagSpec
    from tradewind.storage.rows import TaskInstanceRow


@click.command("test")
@click.argument("path", type=click.Path(path_type=str))
@click.argument("dag_id")
@click.argument("task_id")
@click.option("--map-index", type=int, default=-1, help="Instance of a mapped task to run.")
@click.option("--conf", "-c", help="Run configuration as a JSON object.")
@click.option("--logical-date", "-l", help="Logical date of the run (ISO 8601); default now.")
def tasks_test(
    path: str, dag_id: str, task_id: str, map_index: int, conf: str | None, logical_date: str | None
) -> None:
    """Run TASK_ID of DAG_ID once, ignoring its dependencies; nothing is recorded.

    Upstream results are not available (xcom_pull returns its default). Exit status 0 if
    and only if the task succeeded.
    """
    from tradewind.cli.task_test import run_task_test
    from tradewind.contracts.states import TaskInstanceState
    from tradewind.runtime.loader import get_dag

    try:
        conf_value = parse_conf(conf)
        logical = parse_datetime(logical_date)
    except click.BadParameter as error:
        raise click.UsageError(str(error)) from None
    from tradewind.config import load_settings

    dag = get_dag(path, dag_id, timeout=load_settings().core.dagbag_import_timeout)
    event = run_task_test(dag, task_id, map_index=map_index, conf=conf_value, logical_date=logical)
    click.echo(f"Task {task_id} {event.state}" + (f": {event.error}" if event.error else ""))
    sys.exit(0 if event.state is TaskInstanceState.SUCCESS else 1)


# -- the tasks of a DAG and its runs, from the database --------------------------------------


def _latest_spec(db: Metadata, session: Session, dag_id: str) -> DagSpec:
    from tradewind.cli.run_commands import known_dag

    known_dag(session, dag_id)
    spec = db.specs.latest(session, dag_id)
    if spec is None:
        raise CommandError(f"DAG {dag_id!r} has no parsed version yet; wait for the DAG processor.")
    return spec


def _known_run(session: Session, dag_id: str, run_id: str) -> None:
    from tradewind.cli.run_commands import known_dag
    from tradewind.storage.repos import dag_runs as run_repo

    known_dag(session, dag_id)
    if run_repo.get_dag_run(session=session, dag_id=dag_id, run_id=run_id) is None:
        raise CommandError(
            f"DAG {dag_id!r} has no run {run_id!r}; `tradewind dags list-runs {dag_id}` lists "
            "its runs."
        )


@click.command("list")
@click.argument("dag_id")
@output_option
def list_tasks(dag_id: str, output: str) -> None:
    """List the tasks of DAG_ID (its latest parsed version), upstream tasks first."""
    from tradewind.core.spec_index import index_spec

    with open_metadata() as db, db.sessions() as session:
        spec = _latest_spec(db, session, dag_id)
    rows = [
        {
            "task_id": task.task_id,
            "operator": task.operator,
            "trigger_rule": task.trigger_rule,
            "retries": task.retries,
            "mapped": task.is_mapped,
            "upstream": sorted(task.upstream),
            "downstream": sorted(task.downstream),
        }
        for task in (spec.tasks[task_id] for task_id in index_spec(spec).order)
    ]
    print_rows(
        rows,
        output,
        columns=["task_id", "operator", "trigger_rule", "retries", "mapped", "upstream"],
        empty=f"DAG {dag_id} has no tasks.",
    )


def _ti_row(ti: TaskInstanceRow) -> dict[str, Any]:
    return {
        "dag_id": ti.dag_id,
        "run_id": ti.run_id,
        "task_id": ti.task_id,
        "map_index": ti.map_index,
        "state": ti.state,
        "try_number": ti.try_number,
        "start_date": ti.start_date,
        "end_date": ti.end_date,
    }


@click.command("states-for-dag-run")
@click.argument("dag_id")
@click.argument("run_id")
@output_option
def states_for_dag_run(dag_id: str, run_id: str, output: str) -> None:
    """List the task instances of run RUN_ID of DAG_ID with their state and tries."""
    from tradewind.storage.repos import task_instances as ti_repo

    with open_metadata() as db, db.sessions() as session:
        _known_run(session, dag_id, run_id)
        rows = [
            _ti_row(ti)
            for ti in ti_repo.list_task_instances(session=session, dag_id=dag_id, run_id=run_id)
        ]
    print_rows(
        rows,
        output,
        columns=["task_id", "map_index", "state", "try_number", "start_date", "end_date"],
        empty=f"Run {run_id} has no task instances yet.",
    )


# -- tasks clear ------------------------------------------------------------------------------


@click.command("clear")
@click.argument("dag_id")
@click.option("--task-regex", "-t", help="Only tasks whose id matches this regular expression.")
@click.option("--downstream", "-d", is_flag=True, help="Also clear the tasks downstream.")
@click.option("--upstream", "-u", is_flag=True, help="Also clear the tasks upstream.")
@click.option("--only-failed", "-f", is_flag=True, help="Only failed and upstream-failed ones.")
@click.option("--run-id", "-r", help="Only in this run (default: every run).")
@click.option("--start-date", "-s", help="Only runs with a logical date from this one (ISO 8601).")
@click.option("--end-date", "-e", help="Only runs with a logical date up to this one (ISO 8601).")
@click.option("--dry-run", is_flag=True, help="List what would be cleared; change nothing.")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
def clear(
    dag_id: str,
    task_regex: str | None,
    downstream: bool,
    upstream: bool,
    only_failed: bool,
    run_id: str | None,
    start_date: str | None,
    end_date: str | None,
    dry_run: bool,
    yes: bool,
) -> None:
    """Clear task instances of DAG_ID so the scheduler runs them again.

    Cleared instances lose their state and XCom, keep their tries' history and get their
    retries again; a finished run is queued again.
    """
    from tradewind.server.run_operations import clear_task_instances

    dates = {
        name: _date_option(value, name)
        for name, value in (("--start-date", start_date), ("--end-date", end_date))
    }
    with open_metadata() as db:
        with db.sessions() as session, reported_errors():
            spec = _latest_spec(db, session, dag_id)
            task_ids = _matching_tasks(spec, task_regex)
            if run_id is not None:
                _known_run(session, dag_id, run_id)
            options: dict[str, Any] = {
                "downstream": downstream,
                "upstream": upstream,
                "only_failed": only_failed,
                "start_date": dates["--start-date"],
                "end_date": dates["--end-date"],
            }
            keys = clear_task_instances(
                session, db.specs, dag_id, run_id, task_ids, dry_run=True, **options
            )
            states = _states(session, dag_id, keys)
        if not keys:
            click.echo("No task instances to clear.")
            return
        _show_keys(keys, states)
        if dry_run:
            return
        if not yes:
            click.confirm(f"Clear these {len(keys)} task instance(s)?", abort=True)
        with db.sessions() as session, reported_errors():
            keys = clear_task_instances(session, db.specs, dag_id, run_id, task_ids, **options)
            session.commit()
    runs = len({key[1] for key in keys})
    click.echo(f"Cleared {len(keys)} task instance(s) in {runs} run(s).")


def _date_option(value: str | None, name: str) -> Any:
    try:
        return parse_datetime(value)
    except click.BadParameter as error:
        raise click.BadParameter(str(error), param_hint=name) from None


def _matching_tasks(spec: DagSpec, pattern: str | None) -> list[str] | None:
    if pattern is None:
        return None
    try:
        regex = re.compile(pattern)
    except re.error as error:
        raise CommandError(f"-t {pattern!r} is not a valid regular expression: {error}.") from None
    found = [task_id for task_id in spec.tasks if regex.search(task_id)]
    if not found:
        raise CommandError(
            f"No task of DAG {spec.dag_id!r} matches {pattern!r}; "
            f"`tradewind tasks list {spec.dag_id}` lists its tasks."
        )
    return found


def _states(session: Session, dag_id: str, keys: list[tuple[str, str, str, int]]) -> dict[Any, Any]:
    from tradewind.storage.repos import run_history

    rows = run_history.list_task_instances_of_runs(
        session=session,
        dag_id=dag_id,
        run_ids={key[1] for key in keys},
        task_ids={key[2] for key in keys},
    )
    return {(row.dag_id, row.run_id, row.task_id, row.map_index): row.state for row in rows}


def _show_keys(
    keys: list[tuple[str, str, str, int]], states: dict[Any, Any], limit: int = 50
) -> None:
    for key in keys[:limit]:
        _dag_id, run_id, task_id, map_index = key
        label = task_id if map_index < 0 else f"{task_id}[{map_index}]"
        click.echo(f"  {run_id}  {label}  {states.get(key) or 'no state'}")
    if len(keys) > limit:
        click.echo(f"  … and {len(keys) - limit} more")


# -- tasks run --------------------------------------------------------------------------------


@click.command("run")
@click.argument("dag_id")
@click.argument("task_id")
@click.argument("run_id")
@click.option("--map-index", type=int, default=-1, show_default=True, help="The mapped instance.")
@click.option(
    "--ignore-dependencies",
    "-i",
    is_flag=True,
    help="Run even if the trigger rule would not let it run yet.",
)
@click.option("--force", "-f", is_flag=True, help="Run again a task instance that has finished.")
def run(
    dag_id: str, task_id: str, run_id: str, map_index: int, ignore_dependencies: bool, force: bool
) -> None:
    """Run one task instance of run RUN_ID here, recording its try as a scheduler would.

    The try runs in this process; its log goes where `tasks logs` finds it. Exit status 0 if
    and only if the try succeeded.
    """
    from tradewind.contracts.states import TaskInstanceState
    from tradewind.server.in_process import run_task_instance

    with open_metadata() as db:
        with db.sessions() as session:
            _known_run(session, dag_id, run_id)
        with reported_errors():
            event = run_task_instance(
                db.sessions,
                dag_id,
                run_id,
                task_id,
                map_index=map_index,
                ignore_dependencies=ignore_dependencies,
                force=force,
                logs_folder=db.settings.home / "logs",
                import_timeout=db.settings.core.dagbag_import_timeout,
            )
    label = task_id if map_index < 0 else f"{task_id}[{map_index}]"
    ended = f"Task {label} try {event.key.try_number}: {event.state}"
    click.echo(ended + (f": {event.error}" if event.error else ""))
    sys.exit(0 if event.state is TaskInstanceState.SUCCESS else 1)


# -- tasks logs -------------------------------------------------------------------------------


@click.command("logs")
@click.argument("dag_id")
@click.argument("run_id")
@click.argument("task_id")
@click.option(
    "--try", "try_number", type=click.IntRange(min=1), help="Which try; default the latest."
)
@click.option("--map-index", type=int, default=-1, show_default=True, help="The mapped instance.")
@click.option("--follow", "-f", is_flag=True, help="Keep printing while the try runs.")
@click.option("--poll-interval", type=float, default=0.5, hidden=True)
def logs(
    dag_id: str,
    run_id: str,
    task_id: str,
    try_number: int | None,
    map_index: int,
    follow: bool,
    poll_interval: float,
) -> None:
    """Print the log of one try of task TASK_ID in run RUN_ID of DAG_ID."""
    from tradewind.contracts.runs import TaskInstanceKey
    from tradewind.server import task_logs

    with open_metadata() as db, db.sessions() as session:
        _known_run(session, dag_id, run_id)
        ti = _task_instance(session, dag_id, run_id, task_id, map_index)
        if ti.try_number < 1:
            raise CommandError(f"Task {task_id!r} of run {run_id!r} has not run yet.")
        number = try_number or ti.try_number
        if number > ti.try_number:
            raise CommandError(
                f"Task {task_id!r} of run {run_id!r} has had {ti.try_number} tr"
                f"{'y' if ti.try_number == 1 else 'ies'}; ask for --try 1 to {ti.try_number}."
            )
        key = TaskInstanceKey(dag_id, run_id, task_id, map_index, number)
        folder = task_logs.logs_folder(db.settings)
        file = task_logs.LogFile(task_logs.log_location(session=session, folder=folder, key=key))
        session.close()  # following may take long: hold no transaction meanwhile
        with reported_errors():
            if not file.exists() and not (follow and number == ti.try_number):
                raise CommandError(
                    f"There is no log of try {number} of {task_id!r} at {file.location} (the "
                    "try may have run on another machine, or its log was removed)."
                )
            if not follow:
                click.echo(task_logs.read_log(file, 0, try_on=False, limit=None).text, nl=False)
                return
            follower = task_logs.LogFollower(file, task_logs.session_check(db.sessions, key))
            for text in task_logs.follow(follower, poll_interval=poll_interval):
                click.echo(text, nl=False)


def _task_instance(
    session: Session, dag_id: str, run_id: str, task_id: str, map_index: int
) -> TaskInstanceRow:
    from tradewind.storage.repos import task_instances as ti_repo

    ti = ti_repo.get_task_instance(
        session=session, dag_id=dag_id, run_id=run_id, task_id=task_id, map_index=map_index
    )
    if ti is not None:
        return ti
    indexes = sorted(
        row.map_index
        for row in ti_repo.list_task_instances(
            session=session, dag_id=dag_id, run_id=run_id, task_ids=[task_id]
        )
    )
    if indexes and indexes[0] >= 0:
        hint = f"it is mapped: give --map-index {indexes[0]} to {indexes[-1]}"
    elif indexes:
        hint = "it is not mapped: leave out --map-index"
    else:
        hint = f"`tradewind tasks states-for-dag-run {dag_id} {run_id}` lists its task instances"
    raise CommandError(
        f"Run {run_id!r} has no instance of {task_id!r} at map index {map_index}; {hint}."
    )


def register(group: click.Group) -> None:
    for command in (tasks_test, list_tasks, states_for_dag_run, clear, run, logs):
        group.add_command(command)
