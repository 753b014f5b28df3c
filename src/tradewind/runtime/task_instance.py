"""The ``ti`` object tasks see in their context: XCom, skipping, triggering runs."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from tradewind.contracts import serde
from tradewind.contracts.runs import DagRunInfo, TaskInstanceKey
from tradewind.errors import XComNotFoundError
from tradewind.runtime.client import ExecutionClient

if TYPE_CHECKING:
    from tradewind.sdk.abstractoperator import AbstractOperator
    from tradewind.sdk.dag import DAG

XCOM_RETURN_KEY = "return_value"
_MISSING: Any = object()


class LazyXComSequence(Sequence[Any]):
    """The results of every instance of a mapped task, decoded on access, by map index."""

    def __init__(self, encoded: list[tuple[int, str]]) -> None:
        self._encoded = [text for _, text in encoded]
        self._cache: dict[int, Any] = {}

    def __len__(self) -> int:
        return len(self._encoded)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if index not in self._cache:
            self._cache[index] = serde.deserialize(self._encoded[index])
        return self._cache[index]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, str):
            return list(self) == list(other)
        return NotImplemented

    def __repr__(self) -> str:
        return f"LazyXComSequence({list(self)!r})"


class RuntimeTaskInstance:
    """One try of one task instance, as the running task sees it."""

    def __init__(
        self,
        *,
        key: TaskInstanceKey,
        task: AbstractOperator,
        dag: DAG,
        run: DagRunInfo,
        client: ExecutionClient,
        max_tries: int,
        start_date: datetime,
        reschedule_start_date: datetime | None = None,
        hostname: str | None = None,
    ) -> None:
        self.key = key
        self.dag_id = key.dag_id
        self.run_id = key.run_id
        self.task_id = key.task_id
        self.map_index = key.map_index
        self.try_number = key.try_number
        self.max_tries = max_tries
        self.task = task
        self.dag = dag
        self.dag_run = run
        self.client = client
        self.start_date = start_date
        self.reschedule_start_date = reschedule_start_date or start_date
        self.hostname = hostname
        self.state = "running"
        self.logical_date = run.logical_date
        self.execution_date = run.logical_date
        self.operator = type(task).__name__
        self.skip_requests: set[str] = set()
        self.xcom_lengths: dict[str, int] = {}

    # -- XCom ------------------------------------------------------------------------------

    def xcom_push(self, key: str, value: Any) -> None:
        self.client.set_xcom(self.key, key, serde.serialize(value))
        if isinstance(value, list | tuple | dict):
            self.xcom_lengths[key] = len(value)
        else:
            self.xcom_lengths.pop(key, None)

    def _same_mapped_group(self, task_id: str) -> bool:
        if self.map_index < 0:
            return False
        mine = self.task.task_group.mapped_group() if self.task.task_group else None
        other = self.dag.get_task(task_id)
        theirs = other.task_group.mapped_group() if other.task_group else None
        return mine is not None and mine is theirs

    def _pull_one(self, task_id: str, key: str, map_indexes: Any, run_id: str) -> Any:
        if map_indexes is None and self._same_mapped_group(task_id):
            map_indexes = self.map_index
        if map_indexes is None:
            encoded = self.client.list_xcom(self.dag_id, run_id, task_id, key)
            if not encoded:
                return _MISSING
            if len(encoded) == 1 and encoded[0][0] == -1:
                return serde.deserialize(encoded[0][1])
            return LazyXComSequence(encoded)
        if isinstance(map_indexes, Iterable) and not isinstance(map_indexes, str | bytes):
            values = []
            for index in map_indexes:
                text = self.client.get_xcom(self.dag_id, run_id, task_id, int(index), key)
                values.append(None if text is None else serde.deserialize(text))
            return values
        text = self.client.get_xcom(self.dag_id, run_id, task_id, int(map_indexes), key)
        return _MISSING if text is None else serde.deserialize(text)

    def xcom_pull(
        self,
        task_ids: str | Collection[str] | None = None,
        dag_id: str | None = None,
        key: str = XCOM_RETURN_KEY,
        include_prior_dates: bool = False,
        map_indexes: int | Iterable[int] | None = None,
        default: Any = None,
        run_id: str | None = None,
    ) -> Any:
        """Values pushed by tasks of this run; a list of ids gives a list of values."""
        run_id = run_id or self.run_id
        if task_ids is None:
            task_ids = self.task_id

        def pull(task_id: str) -> Any:
            value = self._pull_one(task_id, key, map_indexes, run_id)
            if value is _MISSING and include_prior_dates:
                index = map_indexes if isinstance(map_indexes, int) else -1
                text = self.client.get_prior_xcom(self.dag_id, run_id, task_id, index, key)
                value = _MISSING if text is None else serde.deserialize(text)
            return default if value is _MISSING else value

        if isinstance(task_ids, str):
            return pull(task_ids)
        return [pull(task_id) for task_id in task_ids]

    def pull_xcom_arg(self, task_id: str, key: str) -> Any:
        """The value of an XComArg: like ``xcom_pull`` but a missing value is an error."""
        value = self._pull_one(task_id, key, None, self.run_id)
        if value is not _MISSING:
            return value
        states = self.client.get_task_states(self.dag_id, self.run_id, task_id)
        if states and all(state == "success" for state in states.values()):
            return None  # the task ran and returned None
        raise XComNotFoundError(
            f"Task {self.task_id!r} needs the XCom {key!r} of task {task_id!r}, which was not "
            f"pushed (that task is {', '.join(sorted({str(s) for s in states.values()})) or 'missing'}). "
            "Give this task a trigger rule that waits for that task's success, or use "
            "ti.xcom_pull(..., default=...) to allow a missing value."
        )

    # -- steering the run --------------------------------------------------------------------

    def skip_tasks(self, task_ids: Collection[str]) -> None:
        """Ask the engine to mark these (downstream) tasks of this run skipped."""
        self.skip_requests.update(task_ids)

    def trigger_dag_run(
        self,
        *,
        dag_id: str,
        run_id: str | None,
        conf: dict[str, Any],
        logical_date: datetime | None,
        reset_dag_run: bool,
    ) -> str:
        return self.client.trigger_dag_run(
            dag_id=dag_id,
            run_id=run_id,
            conf=conf,
            logical_date=logical_date,
            reset_dag_run=reset_dag_run,
        )

    def get_dag_run_state(self, dag_id: str, run_id: str) -> str | None:
        return self.client.get_dag_run_state(dag_id, run_id)

    def __repr__(self) -> str:
        return (
            f"<TaskInstance: {self.dag_id}.{self.task_id} {self.run_id} "
            f"map_index={self.map_index} try={self.try_number}>"
        )
