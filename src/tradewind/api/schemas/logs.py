"""Task logs (Airflow's ``TaskInstancesLogResponse`` and ``StructuredLogMessage``)."""

from __future__ import annotations

from datetime import datetime

from pydantic import ConfigDict

from tradewind.api.schemas.common import ReadModel


class StructuredLogMessageRead(ReadModel):
    """One log line: ``event`` is its message; ``level`` and ``logger`` come along when the
    line has them (lines a task wrote without logging have neither, nor a timestamp)."""

    model_config = ConfigDict(extra="allow")

    event: str
    timestamp: datetime | None = None


class TaskInstancesLogRead(ReadModel):
    content: list[StructuredLogMessageRead]
    #: Pass back as ``token`` to read what is written next; null once the try has ended
    #: and everything was read.
    continuation_token: str | None = None
