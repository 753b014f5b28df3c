"""`tradewind config get | list`: typed settings, defaults < tradewind.toml < environment."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from tradewind.cli import main

Run = Callable[..., Result]


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    main._register_commands()
    monkeypatch.setenv("TRADEWIND_HOME", str(tmp_path))
    for name in list(os.environ):
        if name.startswith("TRADEWIND__") or name == "TRADEWIND_DATABASE_URL":
            monkeypatch.delenv(name)
    return tmp_path


def run(*args: str) -> Result:
    return CliRunner().invoke(main.cli, ["config", *args])


def settings(*args: str) -> dict[tuple[str, str], dict[str, object]]:
    result = run("list", "--output", "json", *args)
    assert result.exit_code == 0, result.output
    return {(row["section"], row["key"]): row for row in json.loads(result.stdout)}


def test_get_prints_the_default_in_effect(home: Path) -> None:
    assert run("get", "core", "dags_folder").stdout == f"{home / 'dags'}\n"
    assert run("get", "core", "dags_are_paused_at_creation").stdout == "true\n"
    assert run("get", "database", "url").stdout == f"sqlite:///{home / 'tradewind.db'}\n"


def test_the_file_overrides_the_default_and_the_environment_the_file(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (home / "tradewind.toml").write_text(
        '[core]\ndags_folder = "/srv/dags"\nload_examples = false\n\n[executor]\nparallelism = 8\n'
    )
    monkeypatch.setenv("TRADEWIND__CORE__DAGS_FOLDER", "/env/dags")

    assert run("get", "core", "dags_folder").stdout == "/env/dags\n"
    assert run("get", "core", "load_examples").stdout == "false\n"
    rows = settings()
    assert rows[("core", "dags_folder")] == {
        "section": "core",
        "key": "dags_folder",
        "value": "/env/dags",
        "source": "env",
    }
    assert (
        rows[("core", "load_examples")]["value"],
        rows[("core", "load_examples")]["source"],
    ) == (
        False,
        "file",
    )
    assert (
        rows[("executor", "parallelism")]["value"],
        rows[("executor", "parallelism")]["source"],
    ) == (
        8,
        "file",
    )
    assert rows[("core", "dagbag_import_timeout")]["source"] == "default"


def test_list_covers_every_section_and_hides_database_passwords(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRADEWIND_DATABASE_URL", "postgresql://tw:secret@db/tradewind")

    rows = settings()

    assert {section for section, _ in rows} >= {"core", "database", "executor", "scheduler"}
    assert rows[("database", "url")]["value"] == "postgresql://tw:***@db/tradewind"
    assert rows[("database", "url")]["source"] == "env"
    assert run("get", "database", "url").stdout == "postgresql://tw:secret@db/tradewind\n"
    assert set(settings("--section", "scheduler")) == {
        ("scheduler", key) for section, key in rows if section == "scheduler"
    }


def test_list_as_a_table_has_a_row_per_setting(home: Path) -> None:
    result = run("list", "--section", "core")

    rows = [line.split() for line in result.stdout.splitlines()]
    assert rows[0] == ["section", "key", "value", "source"]
    assert ["core", "dags_are_paused_at_creation", "true", "default"] in rows
    assert all(row[0] == "core" for row in rows[1:])


def test_an_unknown_section_or_key_exits_2_naming_the_known_ones(home: Path) -> None:
    section = run("get", "nope", "x")
    key = run("get", "core", "nope")

    assert section.exit_code == 2
    assert "There is no settings section [nope]; the sections are core, database" in section.stderr
    assert key.exit_code == 2
    assert "There is no setting 'nope' in [core]; its settings are dags_folder" in key.stderr


def test_a_bad_value_in_the_environment_exits_2(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRADEWIND__EXECUTOR__PARALLELISM", "many")

    result = run("get", "executor", "parallelism")

    assert result.exit_code == 2
    assert "[executor] parallelism has the bad value 'many'" in result.stderr


def test_config_list_never_shows_the_api_secret_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from tradewind.cli.main import _register_commands, cli

    monkeypatch.setenv("TRADEWIND_HOME", str(tmp_path))
    monkeypatch.setenv("TRADEWIND__API__SECRET_KEY", "do-not-print-me-1234")
    _register_commands()
    result = CliRunner().invoke(cli, ["config", "list", "--output", "json"])
    assert result.exit_code == 0, result.output
    assert "do-not-print-me-1234" not in result.output
    assert '"***"' in result.output
