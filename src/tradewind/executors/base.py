"""The executor interface: start, submit workloads, collect events, stop.

Executors that run tries out of the scheduler's thread also offer ``tries()`` (what they
hold), ``kill(key, reason)`` (stop a try whose state changed elsewhere) and
``submit_callbacks(workload)`` (call a DAG's run callbacks): see :class:`ControllableExecutor`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, runtime_checkable

from tradewind.contracts.events import TaskEvent
from tradewind.contracts.runs import TaskInstanceKey
from tradewind.contracts.workloads import ExecuteTask, RunDagCallbacks

#: Runs one workload where the executor runs tasks, and reports how the try ended.
TaskRunner = Callable[[ExecuteTask], TaskEvent]


class Executor(Protocol):
    def start(self) -> None: ...

    def submit(self, workload: ExecuteTask) -> None: ...

    def events(self) -> list[TaskEvent]:
        """Events that arrived since the last call (never blocks)."""
        ...

    def stop(self) -> None: ...


@runtime_checkable
class ControllableExecutor(Executor, Protocol):
    """An executor whose tries run on their own, so the scheduler may need to stop them."""

    def tries(self) -> set[TaskInstanceKey]:
        """The tries it holds (waiting or running) whose events have not arrived yet."""
        ...

    def kill(self, key: TaskInstanceKey, reason: str) -> None:
        """Stop the try ``key``; ``reason`` goes into its log."""
        ...

    def submit_callbacks(self, workload: RunDagCallbacks) -> None:
        """Call a DAG's run callbacks where the executor runs user code."""
        ...
