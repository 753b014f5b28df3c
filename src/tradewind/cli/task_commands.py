"""``tradewind tasks test``: one task, once, without its upstream tasks."""

from __future__ import annotations

import sys

import click

from tradewind.cli.options import parse_conf, parse_datetime


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


def register(group: click.Group) -> None:
    group.add_command(tasks_test)
