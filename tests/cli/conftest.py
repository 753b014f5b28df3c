"""``tw``: run ``tradewind`` commands against an in-process deployment (see tests/server)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from tests.server.deployment import Deployment, parse_here

from tradewind.cli import main
from tradewind.storage.engine import create_engine_from_url, session_factory
from tradewind.storage.migrate import migrate


@dataclass
class Tw:
    """The deployment and a way to run commands on its database (TRADEWIND_HOME is its home)."""

    deployment: Deployment

    def __call__(self, *args: str | Path, input: str | None = None) -> Result:
        return CliRunner().invoke(main.cli, [str(a) for a in args], input=input)

    def json(self, *args: str | Path) -> Any:
        result = self(*args, "--output", "json")
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)


@pytest.fixture
def tw(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Tw]:
    monkeypatch.setattr("tradewind.server.dag_processor.parse_dag_files", parse_here)
    main._register_commands()  # main() does it; CliRunner drives `cli` directly
    url = f"sqlite:///{tmp_path / 'tradewind.db'}"
    monkeypatch.setenv("TRADEWIND_HOME", str(tmp_path))
    monkeypatch.setenv("TRADEWIND_DATABASE_URL", url)
    for name in ("TRADEWIND__CORE__DAGS_FOLDER", "TRADEWIND__CORE__LOAD_EXAMPLES"):
        monkeypatch.delenv(name, raising=False)
    engine = create_engine_from_url(url)
    migrate(engine)
    yield Tw(Deployment(engine, session_factory(engine), tmp_path))
    engine.dispose()
