"""The inline executor: runs each workload at once, in this process and thread.

It is what ``dags test`` uses: no fork, no queue, the task's output straight on the
console, and a debugger stops inside task code.
"""

from __future__ import annotations

from tradewind.contracts.events import TaskEvent
from tradewind.contracts.workloads import ExecuteTask
from tradewind.executors.base import TaskRunner


class InlineExecutor:
    def __init__(self, runner: TaskRunner) -> None:
        self._runner = runner
        self._events: list[TaskEvent] = []

    def start(self) -> None:
        pass

    def submit(self, workload: ExecuteTask) -> None:
        self._events.append(self._runner(workload))

    def events(self) -> list[TaskEvent]:
        events, self._events = self._events, []
        return events

    def stop(self) -> None:
        pass
