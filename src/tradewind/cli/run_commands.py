"""``tradewind dags trigger | pause | unpause | state | list-runs | delete``, and ``dags list``
without a PATH: DAGs and runs in the metadata database.

Scriptable as Airflow's CLI: listing commands take ``--output table|json|yaml``; a bad input
(unknown DAG or run, a database to migrate) is one error line and exit status 2.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import click

from tradewind.cli.metadata import Metadata, open_metadata
from tradewind.cli.options import parse_conf, parse_datetime
from tradewind.cli.output import (
    CommandError,
    console,
    dump,
    output_option,
    print_rows,
    reported_errors,
)

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from tradewind.contracts.dagspec import DagSpec
    from tradewind.storage.rows import DagRow, DagRunRow

__all__ = ["list_dags_in_database", "register", "run_row"]

#: Exit status of ``dags list`` when some file failed to import (as ``dags list PATH``).
EXIT_IMPORT_ERRORS = 1

_RUN_COLUMNS = ("dag_id", "run_id", "state", "run_type", "logical_date", "start_date", "end_date")


def register(group: click.Group) -> None:
    """Add the database-backed commands to the ``dags`` group (``list`` is dag_inspection's)."""
    for command in (trigger, pause, unpause, state, list_runs, delete):
        group.add_command(command)
    from tradewind.cli import backfill_command

    group.add_command(backfill_command.backfill)


def _option_value(parse: Any, value: str | None, name: str) -> Any:
    try:
        return parse(value)
    except click.BadParameter as error:
        raise click.BadParameter(str(error), param_hint=name) from None


def known_dag(session: Session, dag_id: str) -> DagRow:
    """The DAG's row; a :class:`CommandError` saying how DAGs get known when it has none."""
    from tradewind.storage.repos import dags as dag_repo

    row = dag_repo.get_dag(session=session, dag_id=dag_id)
    if row is None:
        raise CommandError(
            f"DAG {dag_id!r} is not in the database: is its file in the DAG folder, and has the "
            "DAG processor (`tradewind standalone` or `tradewind dag-processor`) parsed it? "
            "`tradewind dags list` shows the DAGs known."
        )
    return row


def run_row(run: DagRunRow) -> dict[str, Any]:
    """A run as ``list-runs`` and ``trigger`` show it."""
    return {
        "dag_id": run.dag_id,
        "run_id": run.run_id,
        "state": run.state,
        "run_type": run.run_type,
        "logical_date": run.logical_date,
        "data_interval_start": run.data_interval_start,
        "data_interval_end": run.data_interval_end,
        "run_after": run.run_after,
        "queued_at": run.queued_at,
        "start_date": run.start_date,
        "end_date": run.end_date,
        "conf": run.conf,
        "note": run.note,
    }


# -- dags trigger ------------------------------------------------------------------------------


@click.command("trigger")
@click.argument("dag_id")
@click.option("--run-id", "-r", help="Run id; default manual__<logical date>.")
@click.option("--conf", "-c", help="Run configuration as a JSON object.")
@click.option("--logical-date", "-l", help="Logical date of the run (ISO 8601); default now.")
@click.option("--note", help="A note on the run.")
@output_option
def trigger(
    dag_id: str,
    run_id: str | None,
    conf: str | None,
    logical_date: str | None,
    note: str | None,
    output: str,
) -> None:
    """Queue a manual run of DAG_ID; a scheduler runs it (once the DAG is unpaused)."""
    from tradewind.errors import DagRunAlreadyExistsError
    from tradewind.server.triggering import trigger_dag_run
    from tradewind.storage.repos import dag_runs as run_repo

    conf_value = _option_value(parse_conf, conf, "--conf")
    logical = _option_value(parse_datetime, logical_date, "--logical-date")
    with open_metadata() as db, db.sessions() as session, reported_errors():
        dag = known_dag(session, dag_id)
        try:
            run = trigger_dag_run(
                session,
                db.specs,
                dag_id,
                now=datetime.now(UTC),
                run_id=run_id,
                conf=conf_value,
                logical_date=logical,
                note=note,
            )
        except DagRunAlreadyExistsError as error:
            raise CommandError(
                f"DAG {dag_id!r} already has the run {error.run_id!r} (run ids and logical dates "
                "are unique per DAG); give another --run-id or --logical-date."
            ) from None
        session.commit()
        row = run_repo.get_dag_run(session=session, dag_id=dag_id, run_id=run.run_id)
        assert row is not None
        print_rows([run_row(row)], output, columns=_RUN_COLUMNS)
        if dag.is_paused:
            click.echo(
                f"DAG {dag_id!r} is paused: the run starts once it is unpaused "
                f"(`tradewind dags unpause {dag_id}`).",
                err=True,
            )


# -- dags pause / unpause --------------------------------------------------------------------


def _set_paused(dag_id: str, paused: bool) -> None:
    from tradewind.storage.repos import dags as dag_repo

    with open_metadata() as db, db.sessions() as session:
        known_dag(session, dag_id)
        dag_repo.update_dags_paused(session=session, dag_ids=[dag_id], is_paused=paused)
        session.commit()
    if paused:
        click.echo(f"DAG {dag_id} is paused: the scheduler starts none of its tasks.")
    else:
        click.echo(f"DAG {dag_id} is unpaused: the scheduler runs it.")


@click.command("pause")
@click.argument("dag_id")
def pause(dag_id: str) -> None:
    """Pause DAG_ID: no new runs, and no task of its runs starts."""
    _set_paused(dag_id, True)


@click.command("unpause")
@click.argument("dag_id")
def unpause(dag_id: str) -> None:
    """Unpause DAG_ID: the scheduler creates its runs and runs their tasks."""
    _set_paused(dag_id, False)


# -- dags state ------------------------------------------------------------------------------


@click.command("state")
@click.argument("dag_id")
@click.argument("run_id")
def state(dag_id: str, run_id: str) -> None:
    """Print the state of run RUN_ID of DAG_ID (RUN_ID may be the run's logical date)."""
    from tradewind.storage.repos import dag_runs as run_repo

    with open_metadata() as db, db.sessions() as session:
        known_dag(session, dag_id)
        run = run_repo.get_dag_run(session=session, dag_id=dag_id, run_id=run_id)
        if run is None:
            run = _run_at(session, dag_id, run_id)
        if run is None:
            raise CommandError(
                f"DAG {dag_id!r} has no run {run_id!r}; `tradewind dags list-runs {dag_id}` "
                "lists its runs."
            )
        click.echo(str(run.state))


def _run_at(session: Session, dag_id: str, text: str) -> DagRunRow | None:
    """The run at the logical date ``text``, when it is one (Airflow's ``dags state`` takes it)."""
    from tradewind.storage.repos import run_history

    try:
        when = parse_datetime(text)
    except click.BadParameter:
        return None
    if when is None:
        return None
    found = run_history.list_dag_runs_at(session=session, dag_id=dag_id, logical_dates=[when])
    return next(iter(found.values()), None)


# -- dags list-runs --------------------------------------------------------------------------


@click.command("list-runs")
@click.argument("dag_id")
@click.option(
    "--state",
    "states",
    multiple=True,
    type=click.Choice(["queued", "running", "success", "failed"]),
    help="Only runs in this state (repeatable).",
)
@click.option("--limit", type=click.IntRange(min=1), help="At most this many runs, newest first.")
@output_option
def list_runs(dag_id: str, states: tuple[str, ...], limit: int | None, output: str) -> None:
    """List the runs of DAG_ID, newest first."""
    from tradewind.contracts.states import DagRunState
    from tradewind.storage.repos import dag_runs as run_repo

    with open_metadata() as db, db.sessions() as session:
        known_dag(session, dag_id)
        runs = run_repo.list_dag_runs(
            session=session,
            dag_id=dag_id,
            states=[DagRunState(s) for s in states] or None,
            limit=limit,
        )
        print_rows(
            [run_row(run) for run in runs],
            output,
            columns=_RUN_COLUMNS,
            empty=f"DAG {dag_id} has no runs.",
        )


# -- dags delete ------------------------------------------------------------------------------


@click.command("delete")
@click.argument("dag_id")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
def delete(dag_id: str, yes: bool) -> None:
    """Delete DAG_ID and all its runs, task instances, tries, XCom and log records.

    The DAG comes back (as a new DAG) when its file is parsed again, if the file still
    defines it: remove the file first to be rid of it.
    """
    from pathlib import Path

    from tradewind.server.run_operations import delete_dag

    with open_metadata() as db:
        with db.sessions() as session:
            fileloc = known_dag(session, dag_id).fileloc
        if not yes:
            click.confirm(
                f"This deletes DAG {dag_id!r} with all its runs and their history from "
                f"{db.where}. Continue?",
                abort=True,
            )
        with db.sessions() as session, reported_errors():
            counts = delete_dag(session, dag_id)
            session.commit()
    click.echo(
        f"Deleted DAG {dag_id}: {counts['dag_runs']} run(s), {counts['task_instances']} task "
        f"instance(s), {counts['task_tries']} tries, {counts['xcom']} XCom value(s), "
        f"{counts['dag_versions']} version(s)."
    )
    if Path(fileloc).exists():
        click.echo(
            f"Its file {fileloc} still exists: the DAG comes back at the next parse. "
            "Remove the file to be rid of it."
        )


# -- dags list (from the database) -----------------------------------------------------------


def list_dags_in_database(ctx: click.Context, output: str) -> None:
    """``dags list`` without a PATH: the DAGs the database knows, and its import errors."""
    from tradewind.storage.repos import dags as dag_repo
    from tradewind.storage.repos import import_errors as error_repo

    with open_metadata() as db, db.sessions() as session:
        dags = dag_repo.list_dags(session=session)
        next_runs = _next_runs(session, db, dags)
        rows = [
            {
                "dag_id": dag.dag_id,
                "is_paused": dag.is_paused,
                "schedule": dag.schedule_summary,
                "next_run": next_runs.get(dag.dag_id, (None, None))[1],
                "next_logical_date": next_runs.get(dag.dag_id, (None, None))[0],
                "file": dag.fileloc,
                "owners": dag.owners,
                "tags": list(dag.tags),
            }
            for dag in dags
        ]
        errors = [
            {
                "file": error.filename,
                "line": error.lineno,
                "message": error.message,
                "traceback": error.traceback,
            }
            for error in error_repo.list_import_errors(session=session)
        ]
    if output != "table":
        dump({"dags": rows, "import_errors": errors}, output)
    else:
        _print_dag_table(rows, errors, db.where)
    if errors:
        ctx.exit(EXIT_IMPORT_ERRORS)


def _print_dag_table(rows: list[dict[str, Any]], errors: list[dict[str, Any]], where: str) -> None:
    from rich.text import Text

    from tradewind.cli.output import print_table

    if rows:
        columns = ["dag_id", "is_paused", "schedule", "next_run", "file", "tags"]
        print_table(rows, columns)
    else:
        click.echo(
            f"No DAGs in {where} yet: put DAG files in the DAG folder and run "
            "`tradewind standalone` (or `tradewind dag-processor`)."
        )
    if errors:
        out = console()
        out.print()
        out.print(Text(f"Import errors ({len(errors)}):", style="bold red"))
        for error in errors:
            place = error["file"] + (f":{error['line']}" if error["line"] is not None else "")
            first_line = error["message"].splitlines()[0] if error["message"] else ""
            out.print(Text.assemble((place, "red"), "  ", first_line))


def _next_runs(
    session: Session, db: Metadata, dags: list[DagRow]
) -> dict[str, tuple[datetime | None, datetime | None]]:
    """dag_id → (logical date, run after) of its next scheduled run, from its timetable."""
    from tradewind.contracts.dagspec import DagSpec
    from tradewind.storage.repos import dag_runs as run_repo
    from tradewind.storage.repos import dags as dag_repo

    dag_ids = [dag.dag_id for dag in dags]
    versions = dag_repo.list_latest_dag_versions(session=session, dag_ids=dag_ids)
    latest = run_repo.list_latest_automated_runs(session=session, dag_ids=dag_ids)
    now = datetime.now(UTC)
    found = {}
    for dag_id, version in versions.items():
        spec = DagSpec.from_json(version.spec_json)
        found[dag_id] = _next_run(spec, latest.get(dag_id), now)
    return found


def _next_run(
    spec: DagSpec, latest: DagRunRow | None, now: datetime
) -> tuple[datetime | None, datetime | None]:
    from tradewind.core.run_creation import timetable_of
    from tradewind.timetables import DataInterval, TimeRestriction

    timetable = timetable_of(spec)
    if not timetable.can_be_scheduled:
        return (None, None)
    last = (
        DataInterval(latest.data_interval_start, latest.data_interval_end)
        if latest is not None
        and latest.data_interval_start is not None
        and latest.data_interval_end is not None
        else None
    )
    restriction = TimeRestriction(
        earliest=datetime.fromisoformat(spec.start_date) if spec.start_date else None,
        latest=datetime.fromisoformat(spec.end_date) if spec.end_date else None,
        catchup=spec.catchup,
    )
    try:
        info = timetable.next_run_info(
            last_automated_data_interval=last, restriction=restriction, now=now
        )
    except (ValueError, TypeError):
        return (None, None)
    return (None, None) if info is None else (info.logical_date, info.run_after)
