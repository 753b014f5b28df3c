"""``tradewind api-server``: serves the app on the host and port asked for."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import inspect

from tradewind.cli import main
from tradewind.storage import migrate
from tradewind.storage.engine import create_engine_from_url


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    main._register_commands()
    monkeypatch.setenv("TRADEWIND_HOME", str(tmp_path))
    monkeypatch.setenv("TRADEWIND_DATABASE_URL", f"sqlite:///{tmp_path / 'tradewind.db'}")
    monkeypatch.setattr("tradewind.logging.configure_logging", lambda *a, **k: None)
    return tmp_path


def test_api_server_serves_on_the_host_and_port_given(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = create_engine_from_url(f"sqlite:///{home / 'tradewind.db'}")
    migrate.migrate(engine)
    engine.dispose()
    served: dict[str, Any] = {}

    def run(self: Any, sockets: Any = None) -> None:
        served["host"], served["port"] = self.config.host, self.config.port
        served["app"] = self.config.app

    monkeypatch.setattr("uvicorn.Server.run", run)
    result = CliRunner().invoke(main.cli, ["api-server", "--host", "0.0.0.0", "--port", "9999"])
    assert result.exit_code == 0, result.output
    assert (served["host"], served["port"]) == ("0.0.0.0", 9999)
    assert "/api/v2/dags" in served["app"].openapi()["paths"]
    assert "http://0.0.0.0:9999" in result.output


def test_api_server_refuses_a_database_to_migrate(home: Path) -> None:
    result = CliRunner().invoke(main.cli, ["api-server"])
    assert result.exit_code != 0
    assert "tradewind db migrate" in result.output


def test_the_users_migration_goes_back_cleanly(tmp_path: Path) -> None:
    engine = create_engine_from_url(f"sqlite:///{tmp_path / 'm.db'}")
    migrate.migrate(engine)
    assert "api_user" in inspect(engine).get_table_names()
    migrate.downgrade(engine, "0001")
    assert "api_user" not in inspect(engine).get_table_names()
    assert migrate.current_revision(engine) == "0001"
    engine.dispose()
