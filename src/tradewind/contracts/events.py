"""Events: what executors hand back to the scheduler. Data only."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tradewind.contracts.runs import TaskInstanceKey
from tradewind.contracts.states import TaskInstanceState


@dataclass(frozen=True, slots=True)
class TaskEvent:
    """How one try ended (or that it started running)."""

    key: TaskInstanceKey
    state: TaskInstanceState
    start_date: datetime | None = None
    end_date: datetime | None = None
    error: str | None = None
    #: Tasks of the same run the try asked to skip (branching, short-circuit).
    skip_task_ids: tuple[str, ...] = ()
    #: Lengths of list/dict XComs the try pushed, by key (for mapping downstream tasks).
    xcom_lengths: dict[str, int] = field(default_factory=dict)
    #: For ``up_for_reschedule``: when to try again.
    reschedule_at: datetime | None = None
    hostname: str | None = None
    pid: int | None = None
    #: Asset events a succeeded try attached while it ran, as JSON objects: ``{"name",
    #: "uri", "group", "extra"}`` for the extra of a declared asset outlet, plus
    #: ``"aliases": [names]`` for an event added through asset aliases.
    outlet_events: tuple[dict[str, Any], ...] = ()
