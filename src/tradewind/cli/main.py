"""Entry point of the ``tradewind`` command."""

from __future__ import annotations

import sys

import click

from tradewind.__about__ import __version__
from tradewind.errors import TradewindError

#: Exit status for bad input (a missing file, an unknown DAG): as click does for usage errors.
EXIT_BAD_INPUT = 2


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="tradewind")
def cli() -> None:
    """Tradewind: fast, ML-native workflow orchestration that runs Airflow DAG files."""


@cli.group()
def dags() -> None:
    """Inspect and run DAGs."""


@cli.group()
def tasks() -> None:
    """Inspect and run single tasks."""


@cli.group()
def db() -> None:
    """Create, upgrade and check the metadata database."""


@cli.group()
def config() -> None:
    """Show the settings in effect (tradewind.toml and TRADEWIND__SECTION__KEY variables)."""


@cli.group()
def users() -> None:
    """Create, list and delete the users of the REST API."""


def _register_commands() -> None:
    from tradewind.cli import (
        config_commands,
        dag_commands,
        db_commands,
        mark_commands,
        run_commands,
        server_commands,
        task_commands,
        user_commands,
    )

    dag_commands.register(dags)
    run_commands.register(dags)
    task_commands.register(tasks)
    mark_commands.register(tasks=tasks, dags=dags)
    db_commands.register(db)
    config_commands.register(config)
    user_commands.register(users)
    server_commands.register(cli)


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; Tradewind errors become one line on stderr and exit status 2."""
    _register_commands()
    try:
        status = cli.main(args=argv, prog_name="tradewind", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except click.ClickException as error:
        error.show()
        sys.exit(error.exit_code)
    except TradewindError as error:
        click.echo(f"Error: {error}", err=True)
        sys.exit(EXIT_BAD_INPUT)
    except KeyboardInterrupt:
        sys.exit(130)
    if isinstance(status, int):
        sys.exit(status)
