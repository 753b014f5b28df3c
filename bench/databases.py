"""The metadata databases a server scenario runs on: ``--db sqlite`` and ``--db postgres``.

SQLite is the file under the server's home (the embedded default). PostgreSQL is a new
schema of the database at ``$TRADEWIND_BENCH_POSTGRES_URL`` (default: the local test
server), made for one measurement and dropped after it.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator

DATABASES = ("sqlite", "postgres")
POSTGRES_URL_ENV = "TRADEWIND_BENCH_POSTGRES_URL"
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@contextlib.contextmanager
def provision(database: str) -> Iterator[str]:
    """A database URL to run on ("" for SQLite: the server's default file)."""
    if database == "sqlite":
        yield ""
        return
    if database != "postgres":
        raise ValueError(f"Unknown database {database!r}; known: {', '.join(DATABASES)}.")
    from sqlalchemy import create_engine, make_url, text

    url = make_url(os.environ.get(POSTGRES_URL_ENV, DEFAULT_POSTGRES_URL))
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    server = create_engine(url)
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    with server.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
            hide_password=False
        )
    finally:
        with server.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        server.dispose()
