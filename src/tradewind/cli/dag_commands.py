"""``tradewind dags test`` (and the inspection commands of ``dag_inspection``)."""

from __future__ import annotations

import sys

import click

from tradewind.cli.options import parse_conf, parse_datetime


@click.command("test")
@click.argument("path", type=click.Path(path_type=str))
@click.argument("dag_id")
@click.option("--conf", "-c", help="Run configuration as a JSON object.")
@click.option("--logical-date", "-l", help="Logical date of the run (ISO 8601); default now.")
@click.option("--run-id", help="Run id; default manual__<logical date>.")
@click.option("--quiet", "-q", is_flag=True, help="Print only the final state.")
def dags_test(
    path: str,
    dag_id: str,
    conf: str | None,
    logical_date: str | None,
    run_id: str | None,
    quiet: bool,
) -> None:
    """Run every task of DAG_ID from PATH once, in this process.

    Exit status 0 if and only if the run succeeded.
    """
    from rich.console import Console

    from tradewind.cli.dag_test import run_dag_test
    from tradewind.contracts.states import DagRunState
    from tradewind.runtime.loader import get_dag

    try:
        conf_value = parse_conf(conf)
        logical = parse_datetime(logical_date)
    except click.BadParameter as error:
        raise click.UsageError(str(error)) from None
    from tradewind.config import load_settings

    dag = get_dag(path, dag_id, timeout=load_settings().core.dagbag_import_timeout)
    console = Console(file=sys.stdout, highlight=False)
    result = run_dag_test(
        dag, logical_date=logical, conf=conf_value, run_id=run_id, console=console, quiet=quiet
    )
    if quiet:
        click.echo(str(result.state))
    sys.exit(0 if result.state is DagRunState.SUCCESS else 1)


def register(group: click.Group) -> None:
    group.add_command(dags_test)
    try:
        from tradewind.cli import dag_inspection
    except ImportError:  # pragma: no cover - only while the module is being written
        return
    dag_inspection.register(group)
