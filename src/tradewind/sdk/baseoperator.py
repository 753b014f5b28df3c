"""``BaseOperator``: the class every task type derives from."""

from __future__ import annotations

import copy
import functools
import inspect
import logging
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from tradewind.sdk import _stack
from tradewind.sdk._callsite import user_callsite
from tradewind.sdk.abstractoperator import TASK_DEFAULTS, AbstractOperator
from tradewind.sdk.ids import validate_id

if TYPE_CHECKING:
    from tradewind.sdk.dag import DAG
    from tradewind.sdk.mapping import OperatorPartial
    from tradewind.sdk.taskgroup import TaskGroup

_Init = TypeVar("_Init", bound=Callable[..., None])

# Arguments older DAG files pass that have no effect on Tradewind; accepted so those files load.
_IGNORED_ARGS = frozenset(
    {
        "provide_context",
        "email_on_failure",
        "email_on_retry",
        "sla",
        "run_as_user",
        "resources",
        "executor",
        "task_concurrency",
        "weight_rule_class",
        "task_display_name",
        "logger_name",
        "allow_nested_operators",
        "retry_callback",
    }
)


def _accepted_args(cls: type) -> frozenset[str]:
    """Names of the keyword arguments that ``cls`` and its bases accept explicitly."""
    cached: frozenset[str] | None = cls.__dict__.get("_tw_accepted_args")
    if cached is not None:
        return cached
    names: set[str] = set()
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None:
            continue
        init = getattr(init, "__wrapped__", init)
        for param in inspect.signature(init).parameters.values():
            if param.kind in (param.KEYWORD_ONLY, param.POSITIONAL_OR_KEYWORD):
                names.add(param.name)
    names.discard("self")
    result = frozenset(names)
    type.__setattr__(cls, "_tw_accepted_args", result)
    return result


def merged_default_args(
    dag: DAG | None, group: TaskGroup | None, own: Mapping[str, Any] | None
) -> dict[str, Any]:
    """default_args that apply to a task: the DAG's, then its task groups', then its own."""
    merged: dict[str, Any] = dict(dag.default_args) if dag is not None else {}
    chain: list[TaskGroup] = []
    while group is not None:
        chain.append(group)
        group = group.parent_group
    for item in reversed(chain):
        merged.update(item.default_args)
    merged.update(own or {})
    return merged


def apply_default_args(cls: type, kwargs: dict[str, Any]) -> dict[str, Any]:
    """Fill ``kwargs`` from the default_args in scope; explicit arguments win."""
    dag = kwargs.get("dag") or _stack.current_dag()
    group = kwargs.get("task_group") or _stack.current_group(dag)
    defaults = merged_default_args(dag, group, kwargs.pop("default_args", None))
    if not defaults:
        return kwargs
    accepted = _accepted_args(cls)
    for name, value in defaults.items():
        if name in accepted and name not in kwargs:
            kwargs[name] = value
    if "params" in defaults and "params" in kwargs and kwargs["params"] is not defaults["params"]:
        kwargs["params"] = {**defaults["params"], **kwargs["params"]}
    return kwargs


def _wrap_init(init: _Init) -> _Init:
    """Apply default_args once, at the outermost ``__init__`` of an operator class."""

    @functools.wraps(init)
    def wrapper(self: BaseOperator, *args: Any, **kwargs: Any) -> None:
        if self.__dict__.get("_tw_initialising"):
            init(self, *args, **kwargs)
            return
        if args:
            raise TypeError(
                f"{type(self).__name__} takes keyword arguments only, "
                f"e.g. {type(self).__name__}(task_id='...', ...)."
            )
        self.__dict__["_tw_initialising"] = True
        try:
            init(self, **apply_default_args(type(self), kwargs))
        finally:
            del self.__dict__["_tw_initialising"]
        self._wire_xcom_args()

    return wrapper  # type: ignore[return-value]


class BaseOperator(AbstractOperator):
    """Base class of all task types. Subclasses implement :meth:`execute`.

    Every argument is keyword-only. Arguments not given explicitly are taken from the
    ``default_args`` of the enclosing DAG and task groups.
    """

    _tw_accepted_args: ClassVar[frozenset[str]]
    shallow_copy_attrs: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        init = cls.__dict__.get("__init__")
        if init is not None and not hasattr(init, "__wrapped__"):
            cls.__init__ = _wrap_init(init)  # type: ignore[method-assign]

    def __init__(
        self,
        *,
        task_id: str,
        owner: str = TASK_DEFAULTS["owner"],
        email: str | list[str] | None = None,
        retries: int | None = 0,
        retry_delay: Any = TASK_DEFAULTS["retry_delay"],
        retry_exponential_backoff: bool = False,
        max_retry_delay: Any = None,
        execution_timeout: Any = None,
        trigger_rule: str = TASK_DEFAULTS["trigger_rule"],
        pool: str | None = None,
        pool_slots: int = 1,
        priority_weight: int = 1,
        weight_rule: str = "downstream",
        queue: str = TASK_DEFAULTS["queue"],
        depends_on_past: bool = False,
        wait_for_downstream: bool = False,
        ignore_first_depends_on_past: bool = True,
        start_date: Any = None,
        end_date: Any = None,
        on_execute_callback: Any = None,
        on_success_callback: Any = None,
        on_failure_callback: Any = None,
        on_retry_callback: Any = None,
        on_skipped_callback: Any = None,
        doc: str | None = None,
        doc_md: str | None = None,
        doc_json: str | None = None,
        doc_yaml: str | None = None,
        doc_rst: str | None = None,
        do_xcom_push: bool = True,
        multiple_outputs: bool = False,
        params: Mapping[str, Any] | None = None,
        max_active_tis_per_dag: int | None = None,
        max_active_tis_per_dagrun: int | None = None,
        executor_config: dict[str, Any] | None = None,
        inlets: Any = None,
        outlets: Any = None,
        map_index_template: str | None = None,
        dag: DAG | None = None,
        task_group: TaskGroup | None = None,
        default_args: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        unknown = set(kwargs) - _IGNORED_ARGS
        if unknown:
            raise TypeError(
                f"Invalid arguments were passed to {type(self).__name__} "
                f"(task_id: {task_id!r}): {', '.join(sorted(unknown))}."
            )
        if kwargs.get("task_concurrency") is not None and max_active_tis_per_dag is None:
            max_active_tis_per_dag = kwargs["task_concurrency"]
        validate_id(task_id, "task_id")
        self._init_identity(task_id)
        options = {name: value for name, value in locals().items() if name in TASK_DEFAULTS}
        options["pool"] = pool or TASK_DEFAULTS["pool"]
        options["doc_md"] = doc_md or doc
        self._apply_task_options(options)
        self.doc_json, self.doc_yaml, self.doc_rst = doc_json, doc_yaml, doc_rst
        self.params = dict(params or {})
        self._attach(dag, task_group)

    def _attach(self, dag: DAG | None, task_group: TaskGroup | None) -> None:
        dag = dag or (task_group.dag if task_group is not None else None) or _stack.current_dag()
        if dag is None:
            if _stack.collecting():
                _stack.record_orphan(self, user_callsite())
            return
        group = task_group or _stack.current_group(dag) or dag.task_group
        self.task_id = group.child_id(self.task_id)
        self.task_group = group
        dag.add_task(self)

    def _wire_xcom_args(self) -> None:
        """Results of other tasks passed as arguments make those tasks upstream."""
        from tradewind.sdk.xcom_arg import iter_xcom_refs

        if _stack.is_detached():  # a mapped task's run-time copy: its DAG has the edges
            return
        for name in self.template_fields:
            value = getattr(self, name, None)
            for operator, _key in iter_xcom_refs(value):
                if operator is not self:
                    self.set_upstream(operator)

    # -- running -------------------------------------------------------------------------

    def execute(self, context: Any) -> Any:
        """Do the task's work. The return value is pushed as its XCom ``return_value``."""
        raise NotImplementedError(f"{type(self).__name__} must implement execute(context).")

    def pre_execute(self, context: Any) -> None:
        """Called right before :meth:`execute`."""

    def post_execute(self, context: Any, result: Any = None) -> None:
        """Called right after :meth:`execute` succeeded."""

    @property
    def log(self) -> logging.Logger:
        """The task's logger (``self.log.info(...)`` in ``execute``, as in Airflow)."""
        cls = type(self)
        return logging.getLogger(f"tradewind.task.operators.{cls.__module__}.{cls.__qualname__}")

    def on_kill(self) -> None:
        """Called when the task is killed (timeout, user request); release resources here."""

    def render_template_fields(self, context: Any, jinja_env: Any = None) -> None:
        from tradewind.sdk.templating import render_template_fields, template_options_for

        env = jinja_env
        if env is None:
            from tradewind.sdk.templating import make_environment

            env = make_environment(template_options_for(self.dag))
        render_template_fields(self, context, env)

    # -- mapping -------------------------------------------------------------------------

    @classmethod
    def partial(cls, **kwargs: Any) -> OperatorPartial:
        """Fix the arguments shared by every mapped instance; call ``.expand()`` next."""
        from tradewind.sdk.mapping import OperatorPartial

        return OperatorPartial(cls, kwargs)

    # -- copying -------------------------------------------------------------------------

    def __deepcopy__(self, memo: dict[int, Any]) -> BaseOperator:
        cls = type(self)
        result = cls.__new__(cls)
        memo[id(self)] = result
        shallow = {"_dag", "task_group", *self.shallow_copy_attrs}
        for name, value in self.__dict__.items():
            result.__dict__[name] = value if name in shallow else copy.deepcopy(value, memo)
        return result

    def iter_callbacks(self, kind: str) -> Iterator[Callable[[Any], object]]:
        callbacks = getattr(self, f"on_{kind}_callback", None)
        if callbacks is None:
            return
        if callable(callbacks):
            yield callbacks
            return
        yield from callbacks


BaseOperator.__init__ = _wrap_init(BaseOperator.__init__)  # type: ignore[method-assign]
