"""The executor interface: start, submit workloads, collect events, stop."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from tradewind.contracts.events import TaskEvent
from tradewind.contracts.workloads import ExecuteTask

#: Runs one workload where the executor runs tasks, and reports how the try ended.
TaskRunner = Callable[[ExecuteTask], TaskEvent]


class Executor(Protocol):
    def start(self) -> None: ...

    def submit(self, workload: ExecuteTask) -> None: ...

    def events(self) -> list[TaskEvent]:
        """Events that arrived since the last call (never blocks)."""
        ...

    def stop(self) -> None: ...
