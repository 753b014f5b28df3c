"""`tradewind db migrate | reset | check`, on SQLite and PostgreSQL."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner
from sqlalchemy import Engine

from tradewind.cli.db_commands import register
from tradewind.storage import migrate
from tradewind.storage.engine import session_factory
from tradewind.storage.repos import variables


@click.group()
def db() -> None:
    """The group the lead wires into `tradewind`."""


register(db)


@pytest.fixture
def runner(empty_engine: Engine, monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> CliRunner:
    monkeypatch.setenv("TRADEWIND_HOME", str(tmp_path))
    monkeypatch.setenv(
        "TRADEWIND_DATABASE_URL", empty_engine.url.render_as_string(hide_password=False)
    )
    return CliRunner()


def test_check_fails_until_the_database_is_migrated(
    runner: CliRunner, empty_engine: Engine
) -> None:
    result = runner.invoke(db, ["check"])
    assert result.exit_code == 1
    assert "Run `tradewind db migrate`" in result.output
    migrated = runner.invoke(db, ["migrate"])
    assert migrated.exit_code == 0, migrated.output
    assert f"to {migrate.head_revision()}" in migrated.output
    result = runner.invoke(db, ["check"])
    assert result.exit_code == 0
    assert "up to date" in result.output
    assert migrate.check(empty_engine)


def test_migrating_twice_says_it_is_up_to_date(runner: CliRunner) -> None:
    runner.invoke(db, ["migrate"])
    result = runner.invoke(db, ["migrate"])
    assert result.exit_code == 0
    assert "is up to date" in result.output


def test_reset_asks_before_deleting_data(runner: CliRunner, empty_engine: Engine) -> None:
    runner.invoke(db, ["migrate"])
    with session_factory(empty_engine).begin() as session:
        variables.upsert_variable(session=session, key="k", value="v")
    refused = runner.invoke(db, ["reset"], input="n\n")
    assert refused.exit_code == 1
    assert "deletes all Tradewind data" in refused.output
    with session_factory(empty_engine)() as session:
        assert variables.get_variable(session=session, key="k") is not None
    result = runner.invoke(db, ["reset", "--yes"])
    assert result.exit_code == 0, result.output
    with session_factory(empty_engine)() as session:
        assert variables.get_variable(session=session, key="k") is None
    assert migrate.check(empty_engine)


@pytest.mark.parametrize("sql_kind", [pytest.param("postgres", marks=pytest.mark.postgres)])
def test_the_password_is_not_printed(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, empty_engine: Engine
) -> None:
    url = empty_engine.url
    monkeypatch.setenv(
        "TRADEWIND_DATABASE_URL", url.set(password="hunter2").render_as_string(hide_password=False)
    )
    result = runner.invoke(db, ["check"])
    assert "hunter2" not in result.output
