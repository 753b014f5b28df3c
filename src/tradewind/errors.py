"""Tradewind's error hierarchy.

Every error Tradewind raises on purpose derives from :class:`TradewindError`, so a caller can
catch "anything Tradewind refused" in one place. Messages say what went wrong, where, and what
to do about it.

::

    TradewindError
    ├── DagDefinitionError            a DAG file describes something Tradewind cannot run
    │   ├── InvalidIdError            a dag_id or task_id with forbidden characters
    │   ├── DuplicateTaskIdError      two tasks with one id in one DAG
    │   ├── DagCycleError             dependencies that loop (the message names the loop)
    │   ├── UnknownTriggerRuleError   a trigger_rule Tradewind does not know
    │   ├── InvalidScheduleError      a schedule that cannot be parsed
    │   ├── TaskOutsideDagError       a task created or wired with no DAG around it
    │   ├── CrossDagDependencyError   a dependency between tasks of two DAGs
    │   └── MappingError              .expand()/.partial() used in a way that cannot work
    ├── ParamValidationError          run conf or params that break their JSON Schema
    ├── TemplateRenderError           a Jinja template that fails to render
    ├── DagFileError                  a DAG file that could not be found or imported
    │   └── DagNotFoundError          a dag_id no loaded file defines
    ├── TaskNotFoundError             a task_id the DAG does not define
    ├── XComNotFoundError             an upstream result that was never pushed
    ├── VariableNotFoundError         a Variable that does not exist
    ├── ConnectionNotFoundError       a Connection that does not exist
    ├── OutletEventError              an asset event a task cannot attach (alias not an outlet…)
    ├── DagRunAlreadyExistsError      a run id that is taken
    ├── ConfigError                   a setting with a bad value
    └── InvalidTransitionError        a state change the state machine forbids

Signals that user code raises to steer its own task (skip, fail without retry, reschedule)
live in :mod:`tradewind.exceptions`; they derive from ``BaseException`` so that a task's own
``except Exception`` cannot swallow them.
"""

from __future__ import annotations


class TradewindError(Exception):
    """Root of every error Tradewind raises on purpose."""


class DagDefinitionError(TradewindError):
    """A DAG file describes something Tradewind cannot run."""


class InvalidIdError(DagDefinitionError, ValueError):
    """A dag_id or task_id uses characters or a length Tradewind does not allow."""


class DuplicateTaskIdError(DagDefinitionError):
    """Two tasks in one DAG share a task_id."""


class DagCycleError(DagDefinitionError):
    """The task dependencies form a loop; the message names it."""

    def __init__(self, dag_id: str, cycle: list[str]) -> None:
        self.dag_id = dag_id
        self.cycle = cycle
        path = " → ".join(cycle)
        super().__init__(
            f"DAG {dag_id!r} has a dependency cycle: {path}. "
            "Remove one of these dependencies so that the tasks form a DAG."
        )


class UnknownTriggerRuleError(DagDefinitionError, ValueError):
    """A trigger_rule value Tradewind does not know."""


class InvalidScheduleError(DagDefinitionError, ValueError):
    """A schedule that is not a cron expression, preset, timedelta, asset list or None."""


class TaskOutsideDagError(DagDefinitionError):
    """A task was created or wired without a DAG around it."""


class CrossDagDependencyError(DagDefinitionError):
    """A dependency joins tasks that belong to two different DAGs."""


class MappingError(DagDefinitionError, ValueError):
    """Dynamic task mapping used in a way that cannot work."""


class ParamValidationError(TradewindError, ValueError):
    """A param value (from defaults or run conf) breaks the param's JSON Schema."""


class TemplateRenderError(TradewindError):
    """A templated field failed to render."""


class DagFileError(TradewindError):
    """A DAG file could not be found or imported."""


class DagNotFoundError(DagFileError):
    """No loaded DAG file defines the requested dag_id."""


class TaskNotFoundError(TradewindError, KeyError):
    """The DAG does not define the requested task_id."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class XComNotFoundError(TradewindError, KeyError):
    """An upstream result a task needs was never pushed."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class DagRunAlreadyExistsError(TradewindError):
    """A run with the requested run id exists already and was not to be reset."""

    def __init__(self, dag_id: str, run_id: str) -> None:
        self.dag_id = dag_id
        self.run_id = run_id
        super().__init__(
            f"DAG {dag_id!r} already has a run {run_id!r}. Give another run id, or reset the "
            "existing run (TriggerDagRunOperator: reset_dag_run=True; skip_when_already_exists=True "
            "skips the triggering task instead)."
        )


class VariableNotFoundError(TradewindError, KeyError):
    """A task or template read a Variable that does not exist (and gave no default)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class ConnectionNotFoundError(TradewindError, KeyError):
    """A task or template asked for a Connection that does not exist."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class OutletEventError(TradewindError, ValueError):
    """A task attached an asset event it cannot: through an alias that is not among its
    outlets, or with an extra that is not JSON."""


class ConfigError(TradewindError, ValueError):
    """A configuration value that cannot be used."""


class InvalidTransitionError(TradewindError):
    """A state change that the task-instance state machine does not allow."""
