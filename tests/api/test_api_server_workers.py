"""``tradewind api-server --workers N``: several processes that share one signing key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tradewind.api.auth.tokens import SECRET_KEY_FILE
from tradewind.cli import main, server_commands
from tradewind.storage import migrate
from tradewind.storage.engine import create_engine_from_url


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    main._register_commands()
    monkeypatch.setenv("TRADEWIND_HOME", str(tmp_path))
    monkeypatch.setenv("TRADEWIND_DATABASE_URL", f"sqlite:///{tmp_path / 'tradewind.db'}")
    monkeypatch.setattr("tradewind.logging.configure_logging", lambda *a, **k: None)
    engine = create_engine_from_url(f"sqlite:///{tmp_path / 'tradewind.db'}")
    migrate.migrate(engine)
    engine.dispose()
    return tmp_path


def test_workers_serve_the_app_factory_with_a_key_made_before_they_start(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    served: dict[str, Any] = {}

    def run(app: str, **options: Any) -> None:
        served.update(options, app=app, key_existed=(home / SECRET_KEY_FILE).exists())

    monkeypatch.setattr("uvicorn.run", run)
    result = CliRunner().invoke(main.cli, ["api-server", "--port", "9998", "--workers", "3"])
    assert result.exit_code == 0, result.output
    assert served["app"] == "tradewind.cli.server_commands:worker_app"
    assert (served["factory"], served["workers"], served["port"]) == (True, 3, 9998)
    assert served["key_existed"]
    app = server_commands.worker_app()
    assert "/api/v2/dags/{dag_id}/dagRuns" in app.openapi()["paths"]


def test_zero_workers_is_refused(home: Path) -> None:
    result = CliRunner().invoke(main.cli, ["api-server", "--workers", "0"])
    assert result.exit_code == 2
    assert "--workers" in result.output
