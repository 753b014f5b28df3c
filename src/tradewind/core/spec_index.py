"""Facts derived once from a DagSpec that the planner asks for on every pass."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from tradewind.contracts.dagspec import DagSpec, TaskSpec
from tradewind.core.mapping import referenced_tasks


@dataclass(frozen=True, slots=True)
class SpecIndex:
    spec: DagSpec
    #: Task ids, each after all of its upstream tasks.
    order: tuple[str, ...]
    #: Per task, the setups that guard it without being its direct upstream (Airflow's
    #: "relevant indirect setups"): ancestor setups with no teardown, or with a teardown
    #: downstream of the task.
    indirect_setups: dict[str, frozenset[str]]
    #: The tasks whose states decide the run's state (teardowns aside, see run_state).
    run_state_tasks: frozenset[str]
    #: The tasks whose results some mapped task (or mapped task group) maps over.
    mapped_over: frozenset[str] = frozenset()
    #: Some task depends on the previous run (``depends_on_past`` or ``wait_for_downstream``).
    depends_on_past: bool = False
    #: Per task, its upstream tasks as a set.
    upstream: dict[str, frozenset[str]] = field(default_factory=dict)

    def task(self, task_id: str) -> TaskSpec:
        return self.spec.tasks[task_id]

    def plan_inputs(self, task_ids: Iterable[str]) -> set[str]:
        """The tasks whose instances planning ``task_ids`` reads: the tasks themselves, their
        upstream tasks, the setups that guard them and the tasks whose results they map over."""
        found: set[str] = set()
        for task_id in task_ids:
            task = self.spec.tasks.get(task_id)
            if task is None:
                continue
            found.add(task_id)
            found.update(task.upstream)
            found.update(self.indirect_setups[task_id])
            length = self.map_length_spec(task_id)
            if length is not None:
                found.update(referenced_tasks(length))
        return found

    def map_length_spec(self, task_id: str) -> dict[str, object] | None:
        task = self.spec.tasks[task_id]
        if task.map_length is not None:
            return task.map_length
        if task.mapped_group is not None:
            return self.spec.task_groups[task.mapped_group].map_length
        return None


def _order(spec: DagSpec) -> tuple[str, ...]:
    indegree = {tid: len(t.upstream) for tid, t in spec.tasks.items()}
    ready = [tid for tid, n in indegree.items() if n == 0]
    order: list[str] = []
    while ready:
        task_id = ready.pop(0)
        order.append(task_id)
        for down in spec.tasks[task_id].downstream:
            indegree[down] -= 1
            if indegree[down] == 0:
                ready.append(down)
    return tuple(order)


def _run_state_tasks(spec: DagSpec) -> frozenset[str]:
    """Airflow's rule: leaves decide, where a teardown leaf is looked through to its work."""

    def counts(task: TaskSpec) -> bool:
        return not task.is_teardown or task.on_failure_fail_dagrun

    found = set()
    for task in spec.tasks.values():
        if not counts(task):
            continue
        downstream = [spec.tasks[d] for d in task.downstream]
        if all(not counts(d) for d in downstream):
            found.add(task.task_id)
    if not found:  # a DAG made only of teardowns
        found = {t.task_id for t in spec.tasks.values() if not t.downstream}
    return frozenset(found)


def _closures(spec: DagSpec, order: tuple[str, ...]) -> tuple[dict[str, set[str]], ...]:
    """Every task's ancestors and descendants."""
    ancestors: dict[str, set[str]] = {}
    for task_id in order:
        ancestors[task_id] = set()
        for up in spec.tasks[task_id].upstream:
            ancestors[task_id] |= {up, *ancestors[up]}
    descendants: dict[str, set[str]] = {}
    for task_id in reversed(order):
        descendants[task_id] = set()
        for down in spec.tasks[task_id].downstream:
            descendants[task_id] |= {down, *descendants[down]}
    return ancestors, descendants


def _indirect_setups(
    spec: DagSpec, task_id: str, ancestors: set[str], descendants: set[str]
) -> frozenset[str]:
    task = spec.tasks[task_id]
    if task.is_teardown:  # a teardown's setups are its direct upstream tasks
        return frozenset()
    found = set()
    for setup_id in ancestors - set(task.upstream):
        setup = spec.tasks[setup_id]
        if not setup.is_setup:
            continue
        teardowns = {d for d in setup.downstream if spec.tasks[d].is_teardown}
        if not teardowns or teardowns & descendants:
            found.add(setup_id)
    return frozenset(found)


def _map_length(spec: DagSpec, task: TaskSpec) -> dict[str, object] | None:
    if task.map_length is not None:
        return task.map_length
    if task.mapped_group is not None:
        return spec.task_groups[task.mapped_group].map_length
    return None


@lru_cache(maxsize=256)
def index_spec(spec: DagSpec) -> SpecIndex:
    order = _order(spec)
    ancestors, descendants = _closures(spec, order)
    return SpecIndex(
        spec=spec,
        order=order,
        indirect_setups={t: _indirect_setups(spec, t, ancestors[t], descendants[t]) for t in order},
        run_state_tasks=_run_state_tasks(spec),
        depends_on_past=any(
            task.depends_on_past or task.wait_for_downstream for task in spec.tasks.values()
        ),
        upstream={task_id: frozenset(task.upstream) for task_id, task in spec.tasks.items()},
        mapped_over=frozenset(
            producer
            for task in spec.tasks.values()
            if (length := _map_length(spec, task)) is not None
            for producer in referenced_tasks(length)
        ),
    )
