"""Import errors (Airflow's ``ImportErrorResponse``)."""

from __future__ import annotations

from datetime import datetime

from tradewind.api.schemas.common import ReadModel


class ImportErrorRead(ReadModel):
    import_error_id: int
    timestamp: datetime
    filename: str
    bundle_name: str | None = None
    stack_trace: str


class ImportErrorCollectionRead(ReadModel):
    import_errors: list[ImportErrorRead]
    total_entries: int
