"""The busiest reads, run on PostgreSQL by the driver's cursor instead of SQLAlchemy's.

SQLAlchemy still builds the statement (once; its SQL is kept). What it would then do for
each run (look the statement up in its cache, prepare the parameters, describe the result
and wrap every row) costs about as much as PostgreSQL's work for a page of a hundred runs,
and text results cost the database time to write and the driver time to parse. The
driver's cursor runs the kept SQL with binary results (prepared on the server once psycopg's
``prepare_threshold`` is reached, as SQLAlchemy's statements are), which halves the API's
share of such a read.

Only for statements SQLAlchemy would return as the driver does (no column type that
SQLAlchemy converts, such as JSON or enums: cast them to text) and whose parameters are
plain values; a statement with a list parameter (``IN``), and every other database, goes
through SQLAlchemy. Rows are tuples.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import exc
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select
from sqlalchemy.sql.compiler import SQLCompiler


@functools.lru_cache(maxsize=256)
def _compiled(
    statement: Select[*tuple[Any, ...]], dialect: Dialect
) -> tuple[str, SQLCompiler] | None:
    """The statement's SQL for the driver, or None when it has list parameters."""
    compiled = statement.compile(dialect=dialect)
    assert isinstance(compiled, SQLCompiler)
    if compiled.literal_execute_params or compiled.post_compile_params:
        return None
    return str(compiled), compiled


def read_rows(
    session: Session, statement: Select[*tuple[Any, ...]], params: Mapping[str, Any]
) -> Sequence[Sequence[Any]]:
    """The rows of a read, by the driver's cursor where it can be (see the module)."""
    connection = session.connection()
    dialect = connection.dialect
    compiled = _compiled(statement, dialect) if dialect.name == "postgresql" else None
    if compiled is None:
        return connection.execute(statement, params).all()
    sql, statement_compiled = compiled
    values = statement_compiled.construct_params(params)
    driver = connection.connection.driver_connection
    try:
        with driver.cursor(binary=True) as cursor:  # type: ignore[union-attr]
            return cursor.execute(sql, values).fetchall()  # type: ignore[no-any-return]
    except dialect.loaded_dbapi.Error as error:
        # As SQLAlchemy would raise it, so callers handle a failed read as before.
        if getattr(driver, "broken", False):
            connection.invalidate(error)
        raise exc.DBAPIError.instance(
            sql, values, error, dialect.loaded_dbapi.Error, dialect=dialect
        ) from error
