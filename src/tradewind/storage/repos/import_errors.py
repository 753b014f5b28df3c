"""Import errors: DAG files that failed to load, replaced each time a file is parsed."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from tradewind.storage.repos.paging import OrderBy, count_rows, matches_pattern, order_rows
from tradewind.storage.rows import DagRow, ImportErrorRow


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


# -- what the REST API lists -------------------------------------------------------------------

#: The fields import errors may be ordered by (Airflow's names); there are no bundles.
IMPORT_ERROR_ORDER_FIELDS: Mapping[str, Any] = {
    "id": ImportErrorRow.id,
    "import_error_id": ImportErrorRow.id,
    "timestamp": ImportErrorRow.timestamp,
    "filename": ImportErrorRow.filename,
    "stacktrace": ImportErrorRow.traceback,
    "stack_trace": ImportErrorRow.traceback,
    "bundle_name": None,
}


def list_import_error_page(
    *,
    session: Session,
    filenames: Collection[str] | None = None,
    filename_pattern: str | None = None,
    hidden_filenames: Collection[str] = (),
    order_by: OrderBy = (("id", False),),
    limit: int | None = None,
    offset: int = 0,
) -> tuple[list[ImportErrorRow], int]:
    """Import errors of ``filenames`` (None: of any file) that match ``filename_pattern``,
    leaving out those of ``hidden_filenames``; and how many match."""
    stmt = select(ImportErrorRow)
    if filenames is not None:
        stmt = stmt.where(ImportErrorRow.filename.in_(sorted(filenames)))
    if filename_pattern:
        stmt = stmt.where(matches_pattern(ImportErrorRow.filename, filename_pattern))
    if hidden_filenames:
        stmt = stmt.where(ImportErrorRow.filename.not_in(sorted(hidden_filenames)))
    total = count_rows(session, stmt)
    page = order_rows(stmt, IMPORT_ERROR_ORDER_FIELDS, [*order_by, ("id", False)])
    return list(session.scalars(page.offset(offset).limit(limit))), total


def get_import_error(*, session: Session, import_error_id: int) -> ImportErrorRow | None:
    return session.get(ImportErrorRow, import_error_id)


def list_dag_ids_of_files_with_errors(*, session: Session) -> dict[str, set[str]]:
    """File with an import error → the DAGs recorded from it (active or not); files that
    never defined a DAG are left out."""
    stmt = select(DagRow.fileloc, DagRow.dag_id).where(
        DagRow.fileloc.in_(select(ImportErrorRow.filename).distinct())
    )
    dag_ids: defaultdict[str, set[str]] = defaultdict(set)
    for fileloc, dag_id in session.execute(stmt):
        dag_ids[fileloc].add(dag_id)
    return dict(dag_ids)
