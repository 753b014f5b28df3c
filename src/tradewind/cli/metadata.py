"""Opening the metadata database for commands that read or change it.

Commands never migrate on their own (only ``tradewind db migrate`` and ``standalone`` do): a
database that is empty, behind, or out of reach is one error line naming what to do, and
exit status 2.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tradewind.cli.output import CommandError
from tradewind.errors import TradewindError

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session, sessionmaker

    from tradewind.config import Settings
    from tradewind.server.specs import SpecCache


@dataclass
class Metadata:
    """The settings, the database and a DagSpec cache for one command."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    specs: SpecCache = field(init=False)

    def __post_init__(self) -> None:
        from tradewind.server.specs import SpecCache

        self.specs = SpecCache()

    @property
    def where(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)


def load_command_settings() -> Settings:
    from tradewind.config import load_settings

    try:
        return load_settings()
    except TradewindError as error:
        raise CommandError(str(error)) from None


def _require_sqlite_file(url: str) -> None:
    """A SQLite database that does not exist yet is not created here: that is `db migrate`'s."""
    from pathlib import Path

    from sqlalchemy import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError:
        return  # the engine reports it
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or database in (None, "", ":memory:"):
        return
    if "mode=memory" in url or Path(database).expanduser().exists():
        return
    raise CommandError(
        f"There is no metadata database at {database} yet; run `tradewind db migrate`."
    )


@contextmanager
def open_metadata() -> Iterator[Metadata]:
    """The metadata database of the settings, checked to be at the code's schema revision."""
    from sqlalchemy.exc import SQLAlchemyError

    from tradewind.storage import migrate
    from tradewind.storage.engine import engine_from_settings, session_factory

    settings = load_command_settings()
    _require_sqlite_file(settings.database_url)
    try:
        engine = engine_from_settings(settings)
    except (SQLAlchemyError, TradewindError, ValueError) as error:
        raise CommandError(
            f"Cannot use the database URL {settings.database_url!r}: {error}. "
            "Fix [database] url in tradewind.toml or TRADEWIND_DATABASE_URL."
        ) from None
    where = engine.url.render_as_string(hide_password=True)
    try:
        try:
            current = migrate.current_revision(engine)
        except SQLAlchemyError as error:
            reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
            raise CommandError(
                f"Cannot reach the metadata database at {where}: {reason}. Check [database] url "
                "in tradewind.toml or TRADEWIND_DATABASE_URL."
            ) from None
        head = migrate.head_revision()
        if current is None:
            raise CommandError(
                f"The metadata database at {where} has no tables yet; run `tradewind db migrate`."
            )
        if current != head:
            raise CommandError(
                f"The metadata database at {where} is at revision {current}, this Tradewind "
                f"needs {head}; run `tradewind db migrate`."
            )
        yield Metadata(settings, engine, session_factory(engine))
    finally:
        engine.dispose()
