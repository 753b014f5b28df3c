"""``/api/v2/importErrors``: the DAG files that failed to load, and why.

``filename`` is the file's path relative to the DAG folder, as in Airflow; Tradewind has no
bundles, so ``bundle_name`` is null. A role whose DAGs are narrowed by ``access_control``
sees, as in Airflow, the errors of files where it may read at least one DAG, with the stack
trace only when it may read every DAG the file defined (a file that never defined a DAG
shows none to it); Admin, and roles that may read every DAG, see everything.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from tradewind.api.auth.errors import NotAuthorizedError
from tradewind.api.auth.roles import AuthUser
from tradewind.api.deps import ApiState, CurrentUser, DbSession, State
from tradewind.api.errors import error_responses
from tradewind.api.params import INT_MAX, parse_order_by
from tradewind.api.schemas.import_errors import ImportErrorCollectionRead, ImportErrorRead
from tradewind.api.serialize import relative_fileloc
from tradewind.storage.repos import import_errors as error_repo
from tradewind.storage.rows import ImportErrorRow

router = APIRouter(prefix="/api/v2", tags=["Import Error"])

#: What a user sees in place of a stack trace it may not read.
REDACTED = "REDACTED - you do not have read permission on all DAGs in the file"


class ImportErrorQuery(BaseModel):
    """The query parameters of ``GET /importErrors``."""

    limit: int = Field(50, ge=0, le=2**53)
    offset: int = Field(0, ge=0, le=2**53)
    order_by: list[str] = Field(default_factory=list)
    filename: str | None = Field(None, max_length=2000)
    filename_pattern: str | None = Field(None, max_length=2000)
    bundle_name: str | None = Field(None, max_length=2000)


class _Visibility:
    """What of each file's errors a user may see."""

    def __init__(self, state: ApiState, session: Session, user: AuthUser) -> None:
        self.readable = state.access.readable_dag_ids(session, user)
        self.dag_ids = (
            {}
            if self.readable is None
            else error_repo.list_dag_ids_of_files_with_errors(session=session)
        )

    def hidden_files(self) -> set[str]:
        """Files that defined DAGs of which the user may read none."""
        if self.readable is None:
            return set()
        return {name for name, dag_ids in self.dag_ids.items() if not dag_ids & self.readable}

    def shows_stack_trace(self, filename: str) -> bool:
        if self.readable is None:
            return True
        dag_ids = self.dag_ids.get(filename, set())
        return bool(dag_ids) and dag_ids <= self.readable


def _stack_trace(row: ImportErrorRow) -> str:
    """The traceback, ending with the error's message (alone when there is no traceback)."""
    trace = row.traceback.rstrip()
    if not trace:
        return row.message
    return trace if row.message in trace else f"{trace}\n{row.message}"


def _read(row: ImportErrorRow, state: ApiState, visibility: _Visibility) -> ImportErrorRead:
    return ImportErrorRead(
        import_error_id=row.id,
        timestamp=row.timestamp,
        filename=relative_fileloc(row.filename, state.settings.dags_folder),
        stack_trace=_stack_trace(row) if visibility.shows_stack_trace(row.filename) else REDACTED,
    )


@router.get("/importErrors", response_model=ImportErrorCollectionRead, summary="Get Import Errors")
def get_import_errors(
    query: Annotated[ImportErrorQuery, Query()],
    state: State,
    session: DbSession,
    user: CurrentUser,
) -> ImportErrorCollectionRead:
    """Import errors, by ``import_error_id`` unless ``order_by`` says otherwise."""
    visibility = _Visibility(state, session, user)
    if query.bundle_name is not None:  # no file of Tradewind's comes from a bundle
        return ImportErrorCollectionRead(import_errors=[], total_entries=0)
    filenames = None
    if query.filename is not None:
        filenames = {query.filename, str(state.settings.dags_folder / query.filename)}
    rows, total = error_repo.list_import_error_page(
        session=session,
        filenames=filenames,
        filename_pattern=query.filename_pattern,
        hidden_filenames=visibility.hidden_files(),
        order_by=parse_order_by(
            query.order_by, error_repo.IMPORT_ERROR_ORDER_FIELDS, default=(("id", False),)
        ),
        limit=state.page_limit(query.limit),
        offset=query.offset,
    )
    return ImportErrorCollectionRead(
        import_errors=[_read(row, state, visibility) for row in rows], total_entries=total
    )


@router.get(
    "/importErrors/{import_error_id}",
    response_model=ImportErrorRead,
    summary="Get Import Error",
    responses=error_responses(404),
)
def get_import_error(
    import_error_id: int, state: State, session: DbSession, user: CurrentUser
) -> ImportErrorRead:
    visibility = _Visibility(state, session, user)
    row = None
    if 0 < import_error_id <= INT_MAX:
        row = error_repo.get_import_error(session=session, import_error_id=import_error_id)
    if row is None:
        raise HTTPException(
            404,
            f"There is no import error {import_error_id}; GET /api/v2/importErrors lists them "
            "(a file's errors are replaced each time it is parsed).",
        )
    if row.filename in visibility.hidden_files():
        raise NotAuthorizedError(
            f"User {user.username!r} may read none of the DAGs of the file of import error "
            f"{import_error_id} (their access_control), so not its errors either."
        )
    return _read(row, state, visibility)
