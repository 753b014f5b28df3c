"""The serialized DAG: everything the scheduler needs, as plain JSON-able data.

The scheduler reads only these specs, never user code. ``DagSpec.to_dict()`` and
``DagSpec.from_dict()`` round-trip exactly; ``version_hash`` identifies a DAG version.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass, field, fields
from typing import Any

from tradewind.contracts.dataclass_fields import field_names


@dataclass(frozen=True, slots=True)
class TaskSpec:
    task_id: str
    operator: str
    upstream: tuple[str, ...] = ()
    downstream: tuple[str, ...] = ()
    trigger_rule: str = "all_success"
    retries: int = 0
    retry_delay: float = 300.0
    retry_exponential_backoff: bool = False
    max_retry_delay: float | None = None
    execution_timeout: float | None = None
    pool: str = "default_pool"
    pool_slots: int = 1
    priority_weight: int = 1
    weight_rule: str = "downstream"
    #: priority_weight summed per weight_rule; the scheduler orders ready tasks by it.
    priority: int = 1
    queue: str = "default"
    owner: str = "tradewind"
    depends_on_past: bool = False
    wait_for_downstream: bool = False
    max_active_tis_per_dag: int | None = None
    max_active_tis_per_dagrun: int | None = None
    is_setup: bool = False
    is_teardown: bool = False
    on_failure_fail_dagrun: bool = False
    #: How many instances a mapped task has, as a length expression (see core.mapping).
    map_length: dict[str, Any] | None = None
    #: Set on tasks inside a mapped task group: the group that maps them.
    mapped_group: str | None = None
    task_group: str | None = None
    #: Upstream tasks whose XCom this task maps over; they report value lengths.
    template_fields: tuple[str, ...] = ()
    doc_md: str | None = None
    ui_color: str = "#fff"
    outlets: tuple[dict[str, Any], ...] = ()
    inlets: tuple[dict[str, Any], ...] = ()

    @property
    def is_mapped(self) -> bool:
        return self.map_length is not None or self.mapped_group is not None


@dataclass(frozen=True, slots=True)
class TaskGroupSpec:
    group_id: str
    parent: str | None = None
    tooltip: str = ""
    ui_color: str = "CornflowerBlue"
    #: For mapped task groups: the number of instances, as a length expression.
    map_length: dict[str, Any] | None = None
    children: tuple[str, ...] = ()


@dataclass(frozen=True, eq=False)
class DagSpec:
    dag_id: str
    fileloc: str
    timetable: dict[str, Any]
    tasks: dict[str, TaskSpec]
    task_groups: dict[str, TaskGroupSpec] = field(default_factory=dict)
    description: str | None = None
    schedule_summary: str = "None"
    start_date: str | None = None
    end_date: str | None = None
    timezone: str = "UTC"
    catchup: bool = False
    max_active_runs: int = 16
    max_active_tasks: int = 16
    max_consecutive_failed_dag_runs: int = 0
    dagrun_timeout: float | None = None
    tags: tuple[str, ...] = ()
    owner: str = "tradewind"
    params: dict[str, Any] = field(default_factory=dict)
    doc_md: str | None = None
    is_paused_upon_creation: bool | None = None
    fail_fast: bool = False
    has_on_success_callback: bool = False
    has_on_failure_callback: bool = False
    access_control: dict[str, Any] = field(default_factory=dict)
    edge_info: tuple[tuple[str, str, dict[str, Any]], ...] = ()
    dag_display_name: str | None = None

    def to_dict(self) -> dict[str, Any]:
        plain: dict[str, Any] = _plain(self)
        return plain

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"), default=str)

    @functools.cached_property
    def version_hash(self) -> str:
        return hashlib.sha256(self.to_json().encode()).hexdigest()[:32]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DagSpec:
        values = dict(data)
        values["tasks"] = {k: _build(TaskSpec, v) for k, v in data["tasks"].items()}
        values["task_groups"] = {
            k: _build(TaskGroupSpec, v) for k, v in data.get("task_groups", {}).items()
        }
        values["tags"] = tuple(data.get("tags", ()))
        values["edge_info"] = tuple(
            (up, down, dict(info)) for up, down, info in data.get("edge_info", ())
        )
        spec: DagSpec = _build(cls, values)
        return spec

    @classmethod
    def from_json(cls, text: str) -> DagSpec:
        return cls.from_dict(json.loads(text))

    @classmethod
    def from_stored(cls, text: str, version_hash: str) -> DagSpec:
        """A spec read back from storage with the hash recorded when it was stored (the JSON
        round-trips to it), so that a large DAG's is not computed again."""
        spec = cls.from_json(text)
        spec.__dict__["version_hash"] = version_hash  # the cached property's own slot
        return spec


def _plain(value: Any) -> Any:
    """``value`` with every spec dataclass turned into a dict, containers copied: what
    ``dataclasses.asdict`` gives for specs, many times faster (parsing builds thousands)."""
    names = field_names(type(value))
    if names is not None:
        return {name: _plain(getattr(value, name)) for name in names}
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, tuple):
        items = [_plain(item) for item in value]
        return type(value)(*items) if hasattr(value, "_fields") else type(value)(items)
    return value


@functools.cache
def _field_kinds(cls: Any) -> dict[str, bool]:
    """Field name → whether the field holds a tuple (JSON gives lists), per spec class."""
    return {f.name: "tuple" in str(f.type) for f in fields(cls)}


def _build(cls: Any, data: dict[str, Any]) -> Any:
    kinds = _field_kinds(cls)
    values: dict[str, Any] = {}
    for name, value in data.items():
        is_tuple = kinds.get(name)
        if is_tuple is None:
            continue
        if is_tuple and isinstance(value, list):
            value = tuple(tuple(v) if isinstance(v, list) else v for v in value)
        values[name] = value
    return cls(**values)
