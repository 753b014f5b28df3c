"""``tradewind dags backfill DAG_ID --start ISO --end ISO``: runs for past dates, with progress.

The command creates the backfill's runs (``server.backfill``) and waits until they have all
finished, showing progress; a running scheduler (``tradewind scheduler`` or ``tradewind
standalone``) executes them. With ``--run-here`` the command runs them itself, with a scheduler
and the inline executor in this process, so it works with nothing else running (that
scheduler also does the other work that is due meanwhile, as any scheduler would).

At most ``--max-active-runs`` runs of the backfill are active at once; the command creates the
next ones as earlier ones finish, so stopping it (Ctrl-C) stops creating runs: the runs made so
far still finish, and running the same command again carries on (dates with a run are skipped).
Exit status 0 when every run succeeded, 1 when one failed, 2 for bad input.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import click

from tradewind.cli.metadata import Metadata, open_metadata
from tradewind.cli.options import parse_conf, parse_datetime
from tradewind.cli.output import CommandError, console, output_option, print_rows, reported_errors

if TYPE_CHECKING:
    from tradewind.server.backfill import BackfillPlan
    from tradewind.server.scheduler import Scheduler

__all__ = ["backfill"]

_DONE = ("success", "failed")


def _date(value: str, name: str) -> datetime:
    try:
        parsed = parse_datetime(value)
    except click.BadParameter as error:
        raise click.BadParameter(str(error), param_hint=name) from None
    assert parsed is not None
    return parsed


@click.command("backfill")
@click.argument("dag_id")
@click.option(
    "--start",
    "-s",
    "--start-date",
    "start",
    required=True,
    help="First logical date (ISO 8601), inclusive.",
)
@click.option(
    "--end",
    "-e",
    "--end-date",
    "end",
    required=True,
    help="Last logical date (ISO 8601), inclusive.",
)
@click.option(
    "--reprocess",
    type=click.Choice(["none", "failed", "completed"]),
    default="none",
    show_default=True,
    help="Dates with a finished run: leave them (none), run failed ones again (failed), or "
    "run every one again (completed).",
)
@click.option(
    "--max-active-runs",
    type=click.IntRange(min=1),
    help="Backfill runs active at once; default the DAG's max_active_runs.",
)
@click.option("--conf", "-c", help="Configuration of every run, as a JSON object.")
@click.option("--run-backwards", is_flag=True, help="Latest dates first.")
@click.option(
    "--dry-run", is_flag=True, help="List the dates and what would be done; change nothing."
)
@click.option(
    "--run-here",
    is_flag=True,
    help="Run the tasks in this process (a scheduler with the inline executor), for when no "
    "scheduler is running.",
)
@click.option("--poll-interval", type=float, default=1.0, show_default=True, hidden=True)
@output_option
def backfill(
    dag_id: str,
    start: str,
    end: str,
    reprocess: str,
    max_active_runs: int | None,
    conf: str | None,
    run_backwards: bool,
    dry_run: bool,
    run_here: bool,
    poll_interval: float,
    output: str,
) -> None:
    """Create and wait for runs of DAG_ID for every date of its schedule from --start to --end.

    A running scheduler (`tradewind scheduler` or `tradewind standalone`) executes the runs;
    --run-here executes them in this process instead. The DAG must be unpaused.
    """
    from tradewind.server import backfill as backfill_ops

    start_date = _date(start, "--start")
    end_date = _date(end, "--end")
    try:
        conf_value = parse_conf(conf)
    except click.BadParameter as error:
        raise click.BadParameter(str(error), param_hint="--conf") from None
    with open_metadata() as db:
        if run_here and not dry_run:
            _refuse_if_a_scheduler_runs(db)
        with db.sessions() as session, reported_errors():
            plan = backfill_ops.backfill(
                session,
                db.specs,
                dag_id,
                start=start_date,
                end=end_date,
                reprocess=backfill_ops.Reprocess(reprocess),
                max_active_runs=max_active_runs,
                dry_run=dry_run,
                conf=conf_value,
                run_backwards=run_backwards,
            )
            session.commit()
        if dry_run:
            _print_plan(plan, output)
            return
        skipped = len(plan.dates) - len(plan.run_ids)
        if not plan.run_ids:
            click.echo(
                f"Nothing to backfill: {len(plan.dates)} date(s) in the range, all with a run "
                "(see --reprocess).",
                err=True,
            )
            return
        if not run_here:
            _warn_if_no_scheduler(db)
        scheduler = _scheduler(db) if run_here else None
        states = _wait(db, plan, scheduler, poll_interval, skipped)
    rows = [
        {
            "run_id": date.run_id,
            "logical_date": date.logical_date,
            "state": states.get(date.run_id),
        }
        for date in plan.dates
        if date.run_id in states
    ]
    print_rows(rows, output, columns=["run_id", "logical_date", "state"])
    if any(state != "success" for state in states.values()):
        raise click.exceptions.Exit(1)


def _print_plan(plan: BackfillPlan, output: str) -> None:
    rows = [
        {
            "logical_date": date.logical_date,
            "data_interval_start": date.data_interval.start,
            "data_interval_end": date.data_interval.end,
            "run_id": date.run_id,
            "action": str(date.action),
            "reason": date.reason,
        }
        for date in plan.dates
    ]
    print_rows(
        rows,
        output,
        columns=["logical_date", "run_id", "action", "reason"],
        empty=f"No dates of {plan.dag_id}'s schedule in the range.",
    )


def _alive_schedulers(db: Metadata) -> list[Any]:
    from tradewind.storage.repos import jobs as job_repo

    since = datetime.now(UTC) - timedelta(seconds=db.settings.scheduler.zombie_timeout)
    with db.sessions() as session:
        return job_repo.list_alive_jobs(session=session, kind="scheduler", since=since)


def _refuse_if_a_scheduler_runs(db: Metadata) -> None:
    alive = _alive_schedulers(db)
    if alive:
        job = alive[0]
        raise CommandError(
            f"A scheduler is running (pid {job.pid} on {job.hostname}): it runs the backfill, "
            "so drop --run-here."
        )


def _warn_if_no_scheduler(db: Metadata) -> None:
    if not _alive_schedulers(db):
        click.echo(
            "No scheduler is running: start `tradewind scheduler` (or `tradewind standalone`) "
            "to run the backfill, or stop this and use --run-here.",
            err=True,
        )


def _scheduler(db: Metadata) -> Scheduler:
    from tradewind.server.in_process import in_process_scheduler

    return in_process_scheduler(
        db.sessions,
        logs_folder=db.settings.home / "logs",
        import_timeout=db.settings.core.dagbag_import_timeout,
    )


def _wait(
    db: Metadata,
    plan: BackfillPlan,
    scheduler: Scheduler | None,
    poll_interval: float,
    skipped: int,
) -> dict[str, str]:
    """Start runs as others finish, until all have; shows progress on stderr."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from tradewind.server import backfill as backfill_ops

    total = len(plan.run_ids)
    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[detail]}"),
        TimeElapsedColumn(),
        console=console(stderr=True),
        transient=False,
    )
    states: dict[str, str] = {}
    with progress:
        bar = progress.add_task(f"Backfill {plan.dag_id}", total=total, detail="")
        while True:
            worked = scheduler.step() if scheduler is not None else 0
            with db.sessions() as session, reported_errors():
                backfill_ops.advance_backfill(session, db.specs, plan)
                session.commit()
                states = {k: str(v) for k, v in backfill_ops.backfill_states(session, plan).items()}
            done = [s for s in states.values() if s in _DONE]
            failed = sum(1 for s in done if s == "failed")
            running = sum(1 for s in states.values() if s not in _DONE)
            detail = f"running {running}" + (f", failed {failed}" if failed else "")
            if skipped:
                detail += f", skipped {skipped} date(s) with a run"
            progress.update(bar, completed=len(done), detail=detail)
            if len(done) == total:
                return states
            if scheduler is None:
                time.sleep(poll_interval)
            elif not worked:
                time.sleep(0.01)
