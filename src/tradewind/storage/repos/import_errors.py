"""Import errors: DAG files that failed to load, replaced each time a file is parsed."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime
from typing import Protocol

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from tradewind.storage.rows import ImportErrorRow


class ImportErrorLike(Protocol):
    """What the loader reports (``runtime.loader.DagImportError`` has these fields)."""

    @property
    def filename(self) -> str: ...

    @property
    def lineno(self) -> int | None: ...

    @property
    def message(self) -> str: ...

    @property
    def traceback(self) -> str: ...


def replace_import_errors(
    *,
    session: Session,
    filenames: Collection[str],
    errors: Iterable[ImportErrorLike],
    now: datetime,
) -> None:
    """Make ``errors`` the import errors of the files just parsed (``filenames``).

    Errors of these files from an earlier parse go; a file that now loads has none.
    """
    items = list(errors)
    files = set(filenames) | {error.filename for error in items}
    if files:
        session.execute(delete(ImportErrorRow).where(ImportErrorRow.filename.in_(sorted(files))))
    if items:
        session.execute(
            insert(ImportErrorRow),
            [
                {
                    "filename": error.filename,
                    "lineno": error.lineno,
                    "message": error.message,
                    "traceback": error.traceback,
                    "timestamp": now,
                }
                for error in items
            ],
        )


def delete_import_errors_of_missing_files(*, session: Session, filenames: Collection[str]) -> None:
    """Forget the errors of files that are gone (``filenames``: the files there are)."""
    session.execute(delete(ImportErrorRow).where(ImportErrorRow.filename.not_in(list(filenames))))


def list_import_errors(
    *, session: Session, filenames: Collection[str] | None = None
) -> list[ImportErrorRow]:
    """Import errors by file, then line."""
    stmt = select(ImportErrorRow).order_by(
        ImportErrorRow.filename, ImportErrorRow.lineno, ImportErrorRow.id
    )
    if filenames is not None:
        stmt = stmt.where(ImportErrorRow.filename.in_(list(filenames)))
    return list(session.scalars(stmt))
