"""``tradewind users create | list | delete | reset-password``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy.orm import Session, sessionmaker

from tradewind.api.auth import users
from tradewind.cli import main
from tradewind.storage.engine import create_engine_from_url, session_factory
from tradewind.storage.migrate import migrate


class Cli:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def __call__(self, *args: str, input: str | None = None) -> Result:
        return CliRunner().invoke(main.cli, ["users", *args], input=input)

    def login(self, username: str, password: str) -> bool:
        with self.sessions() as session:
            return users.authenticate(session, username, password) is not None


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Cli]:
    main._register_commands()
    url = f"sqlite:///{tmp_path / 'tradewind.db'}"
    monkeypatch.setenv("TRADEWIND_HOME", str(tmp_path))
    monkeypatch.setenv("TRADEWIND_DATABASE_URL", url)
    engine = create_engine_from_url(url)
    migrate(engine)
    yield Cli(session_factory(engine))
    engine.dispose()


def test_create_then_log_in_with_the_password(cli: Cli) -> None:
    result = cli("create", "-u", "ada", "-r", "admin", "-p", "a long password", "-e", "a@x.io")
    assert result.exit_code == 0, result.output
    assert "created with the role Admin" in result.output
    assert cli.login("ada", "a long password")
    assert not cli.login("ada", "another password")


def test_create_asks_for_the_password_twice_when_not_given(cli: Cli) -> None:
    result = cli("create", "-u", "bo", "-r", "Viewer", input="a long password\na long password\n")
    assert result.exit_code == 0, result.output
    assert cli.login("bo", "a long password")


def test_create_with_a_random_password_prints_it_once(cli: Cli) -> None:
    result = cli("create", "-u", "cy", "-r", "Op", "--use-random-password")
    assert result.exit_code == 0, result.output
    password = result.output.strip().splitlines()[-1].split(": ", 1)[1]
    assert cli.login("cy", password)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-u", "dup", "-r", "User", "-p", "a long password"], "already"),
        (["-u", "sh", "-r", "User", "-p", "short"], "too short"),
        (["-u", "bad name", "-r", "User", "-p", "a long password"], "not allowed"),
    ],
)
def test_create_refuses_what_cannot_be_used(cli: Cli, args: list[str], message: str) -> None:
    assert cli("create", "-u", "dup", "-r", "User", "-p", "a long password").exit_code == 0
    result = cli("create", *args)
    assert result.exit_code == 2
    assert message in result.output


def test_create_refuses_an_unknown_role(cli: Cli) -> None:
    result = cli("create", "-u", "x", "-r", "Boss", "-p", "a long password")
    assert result.exit_code == 2
    assert "Boss" in result.output


def test_list_shows_users_without_passwords(cli: Cli) -> None:
    cli("create", "-u", "ada", "-r", "Admin", "-p", "a long password")
    cli("create", "-u", "bo", "-r", "Viewer", "-p", "a long password")
    result = cli("list", "--output", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [(row["username"], row["role"]) for row in rows] == [("ada", "Admin"), ("bo", "Viewer")]
    assert "password" not in result.output
    assert "ada" in cli("list").output


def test_reset_password_changes_it(cli: Cli) -> None:
    cli("create", "-u", "ada", "-r", "Admin", "-p", "a long password")
    result = cli("reset-password", "-u", "ada", "-p", "a new long password")
    assert result.exit_code == 0, result.output
    assert cli.login("ada", "a new long password")
    assert not cli.login("ada", "a long password")
    missing = cli("reset-password", "-u", "ghost", "-p", "a new long password")
    assert missing.exit_code == 2
    assert "ghost" in missing.output


def test_delete_removes_the_user(cli: Cli) -> None:
    cli("create", "-u", "ada", "-r", "Admin", "-p", "a long password")
    assert cli("delete", "-u", "ada", "--yes").exit_code == 0
    assert not cli.login("ada", "a long password")
    missing = cli("delete", "-u", "ada", "--yes")
    assert missing.exit_code == 2
    assert "ada" in missing.output


def test_commands_need_a_migrated_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    main._register_commands()
    monkeypatch.setenv("TRADEWIND_HOME", str(tmp_path))
    monkeypatch.setenv("TRADEWIND_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    result = CliRunner().invoke(main.cli, ["users", "list"])
    assert result.exit_code == 2
    assert "tradewind db migrate" in result.output
