"""``tradewind db migrate | reset | check``: the metadata database's schema."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from sqlalchemy import Engine


@contextmanager
def _engine() -> Iterator[Engine]:
    from tradewind.config import load_settings
    from tradewind.storage.engine import engine_from_settings

    engine = engine_from_settings(load_settings())
    try:
        yield engine
    finally:
        engine.dispose()


def _where(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


@click.command("migrate")
def migrate_command() -> None:
    """Create the database or bring it to the newest schema."""
    from tradewind.storage import migrate

    with _engine() as engine:
        before = migrate.current_revision(engine)
        migrate.migrate(engine)
        after = migrate.current_revision(engine)
        if before == after:
            click.echo(f"{_where(engine)} is up to date (revision {after}).")
        else:
            click.echo(f"Migrated {_where(engine)} from revision {before or 'none'} to {after}.")


@click.command("reset")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
def reset_command(yes: bool) -> None:
    """Delete every table and all data, then create the newest schema."""
    from tradewind.storage import migrate

    with _engine() as engine:
        if not yes:
            click.confirm(
                f"This deletes all Tradewind data in {_where(engine)}. Continue?", abort=True
            )
        migrate.reset(engine)
        click.echo(f"Reset {_where(engine)} to revision {migrate.current_revision(engine)}.")


@click.command("check")
def check_command() -> None:
    """Exit 0 if the database schema is up to date, 1 if it needs `tradewind db migrate`."""
    from tradewind.storage import migrate

    with _engine() as engine:
        if migrate.check(engine):
            click.echo(f"{_where(engine)} is up to date (revision {migrate.head_revision()}).")
            return
        current = migrate.current_revision(engine) or "none (empty database)"
        click.echo(
            f"{_where(engine)} is at revision {current}; this Tradewind needs "
            f"{migrate.head_revision()}. Run `tradewind db migrate`.",
            err=True,
        )
        raise click.exceptions.Exit(1)


def register(group: click.Group) -> None:
    """Add ``migrate``, ``reset`` and ``check`` to the ``db`` group."""
    for command in (migrate_command, reset_command, check_command):
        group.add_command(command)
