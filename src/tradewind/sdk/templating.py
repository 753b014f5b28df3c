"""Jinja rendering of templated fields, as Airflow users know it.

An operator lists the attributes to render in ``template_fields``; strings ending with one of
its ``template_ext`` name template files found in the searchpath (the DAG file's folder, then
``template_searchpath``). Undefined names are errors (``StrictUndefined``, Airflow's default).
The filters ``ds``, ``ds_nodash``, ``ts``, ``ts_nodash`` and ``ts_nodash_with_tz`` are always
available; a DAG adds its ``user_defined_macros`` (as globals) and ``user_defined_filters``.
With ``render_template_as_native_obj`` (``native=True``) a template that is one expression
renders to a Python object (``"{{ params.n }}"`` → ``5``) instead of a string.
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from types import MappingProxyType, TracebackType
from typing import Any, Final

import jinja2
import jinja2.nativetypes

from tradewind.errors import TemplateRenderError

__all__ = [
    "LiteralValue",
    "TemplateOptions",
    "ds_filter",
    "ds_nodash_filter",
    "literal",
    "make_environment",
    "render_template_fields",
    "render_value",
    "template_options_for",
    "ts_filter",
    "ts_nodash_filter",
    "ts_nodash_with_tz_filter",
]

# -- Airflow's built-in filters ----------------------------------------------------------------


def ds_filter(value: date | None) -> str | None:
    """``{{ logical_date | ds }}`` → ``"2024-03-05"``."""
    return None if value is None else value.strftime("%Y-%m-%d")


def ds_nodash_filter(value: date | None) -> str | None:
    """``{{ logical_date | ds_nodash }}`` → ``"20240305"``."""
    return None if value is None else value.strftime("%Y%m%d")


def ts_filter(value: date | None) -> str | None:
    """``{{ logical_date | ts }}`` → ``"2024-03-05T06:07:08+00:00"``."""
    return None if value is None else value.isoformat()


def ts_nodash_filter(value: date | None) -> str | None:
    """``{{ logical_date | ts_nodash }}`` → ``"20240305T060708"``."""
    return None if value is None else value.strftime("%Y%m%dT%H%M%S")


def ts_nodash_with_tz_filter(value: date | None) -> str | None:
    """``{{ logical_date | ts_nodash_with_tz }}`` → ``"20240305T060708+0000"``."""
    return None if value is None else value.isoformat().replace("-", "").replace(":", "")


_BUILTIN_FILTERS: Final[Mapping[str, Callable[[Any], str | None]]] = MappingProxyType(
    {
        "ds": ds_filter,
        "ds_nodash": ds_nodash_filter,
        "ts": ts_filter,
        "ts_nodash": ts_nodash_filter,
        "ts_nodash_with_tz": ts_nodash_with_tz_filter,
    }
)


# -- environments ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, eq=False)
class TemplateOptions:
    """What a DAG decides about its Jinja environment.

    Mappings are copied when the options are made. Two options are equal when their
    searchpath, flags and keys match and their macro/filter values are the *same objects*;
    that makes options usable as a cache key even when the values (functions, dicts) are not
    hashable.
    """

    searchpath: tuple[str, ...] = ()
    user_defined_macros: Mapping[str, Any] = field(default_factory=dict)
    user_defined_filters: Mapping[str, Callable[..., Any]] = field(default_factory=dict)
    native: bool = False
    #: Airflow's ``template_undefined``: ``jinja2.Undefined`` renders unknown names as "".
    undefined: type[jinja2.Undefined] = jinja2.StrictUndefined
    #: Airflow's ``jinja_environment_kwargs``: extra ``jinja2.Environment`` arguments.
    environment_kwargs: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        searchpath = (self.searchpath,) if isinstance(self.searchpath, str) else self.searchpath
        object.__setattr__(self, "searchpath", tuple(os.fspath(path) for path in searchpath))
        for name in ("user_defined_macros", "user_defined_filters", "environment_kwargs"):
            object.__setattr__(self, name, MappingProxyType(dict(getattr(self, name) or {})))

    def _identity(self) -> tuple[Any, ...]:
        return (
            self.searchpath,
            self.native,
            self.undefined,
            frozenset((key, id(value)) for key, value in self.user_defined_macros.items()),
            frozenset((key, id(value)) for key, value in self.user_defined_filters.items()),
            frozenset((key, id(value)) for key, value in self.environment_kwargs.items()),
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TemplateOptions):
            return NotImplemented
        # Equal ids are the same objects here: both options hold their values alive.
        return self._identity() == other._identity()

    def __hash__(self) -> int:
        return hash(self._identity())


def template_options_for(dag: Any | None) -> TemplateOptions:
    """The options a DAG's attributes ask for (searchpath: the DAG file's folder first)."""
    if dag is None:
        return TemplateOptions()
    searchpath: list[str] = []
    fileloc = getattr(dag, "fileloc", None)
    if fileloc:
        searchpath.append(str(Path(fileloc).absolute().parent))
    extra_paths = getattr(dag, "template_searchpath", None) or ()
    searchpath.extend([extra_paths] if isinstance(extra_paths, str) else extra_paths)
    return TemplateOptions(
        searchpath=tuple(searchpath),
        user_defined_macros=getattr(dag, "user_defined_macros", None) or {},
        user_defined_filters=getattr(dag, "user_defined_filters", None) or {},
        native=bool(getattr(dag, "render_template_as_native_obj", False)),
        undefined=getattr(dag, "template_undefined", None) or jinja2.StrictUndefined,
        environment_kwargs=getattr(dag, "jinja_environment_kwargs", None) or {},
    )


def make_environment(options: TemplateOptions | None = None) -> jinja2.Environment:
    """The Jinja environment for ``options``, shared by every caller with equal options."""
    return _cached_environment(options if options is not None else TemplateOptions())


@functools.lru_cache(maxsize=128)
def _cached_environment(options: TemplateOptions) -> jinja2.Environment:
    kwargs: dict[str, Any] = {
        "loader": jinja2.FileSystemLoader(list(options.searchpath)),
        "undefined": options.undefined,
        "keep_trailing_newline": True,
        "autoescape": False,
        "extensions": ["jinja2.ext.do"],
    }
    kwargs.update(options.environment_kwargs)
    env_class = jinja2.nativetypes.NativeEnvironment if options.native else jinja2.Environment
    env = env_class(**kwargs)
    env.filters.update(_BUILTIN_FILTERS)
    env.filters.update(options.user_defined_filters)
    env.globals.update(options.user_defined_macros)
    return env


# -- literals ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LiteralValue:
    """A value that rendering passes through untouched (Airflow's ``literal``)."""

    value: Any


def literal(value: Any) -> LiteralValue:
    """Keep ``value`` out of templating: ``bash_command=literal("echo {{ not rendered }}")``."""
    return LiteralValue(value)


# -- rendering ---------------------------------------------------------------------------------


def render_template_fields(obj: Any, context: Mapping[str, Any], env: jinja2.Environment) -> None:
    """Render, in place, each attribute of ``obj`` named in its ``template_fields``.

    ``obj.template_ext`` (default none) says which string endings name template files.
    """
    renderer = _Renderer(context, env)
    renderer.render_fields(obj, tuple(getattr(obj, "template_ext", ()) or ()))


def render_value(
    value: Any,
    context: Mapping[str, Any],
    env: jinja2.Environment,
    *,
    template_ext: Sequence[str] = (),
    field_name: str | None = None,
) -> Any:
    """Render ``value`` against ``context`` and return the result.

    A ``str`` is a template, or, when it ends with one of ``template_ext``, the name of a
    template file in the searchpath (a name that is not found is rendered as a template string,
    as Airflow does). Lists, tuples (named tuples too), sets and dict values are rendered item
    by item, keeping their type. An object with ``template_fields`` has those attributes
    rendered in place. :func:`literal` values come back unwrapped and unrendered. Anything
    else (XComArgs included) is returned as it is. ``field_name`` names the field in error
    messages.
    """
    return _Renderer(context, env).render(value, tuple(template_ext), "", field_name or "")


class _Renderer:
    """One rendering pass; remembers the templated objects it has visited (cycles end)."""

    __slots__ = ("context", "env", "seen")

    def __init__(self, context: Mapping[str, Any], env: jinja2.Environment) -> None:
        self.context = context
        self.env = env
        self.seen: set[int] = set()

    def render_fields(self, obj: Any, template_ext: tuple[str, ...]) -> None:
        self.seen.add(id(obj))
        owner = _describe(obj)
        for name in getattr(obj, "template_fields", ()):
            try:
                value = getattr(obj, name)
            except AttributeError:
                raise TemplateRenderError(
                    f"{owner} lists {name!r} in template_fields but has no attribute {name!r}; "
                    f"set self.{name} in __init__ or remove it from template_fields."
                ) from None
            setattr(obj, name, self.render(value, template_ext, owner, name))

    def render(self, value: Any, ext: tuple[str, ...], owner: str, path: str) -> Any:
        if isinstance(value, str):
            return self.render_string(value, ext, owner, path)
        if value is None or isinstance(value, (int, float, bytes, date)):
            return value
        if isinstance(value, LiteralValue):
            return value.value
        if isinstance(value, (list, tuple)):
            items = [
                self.render(item, ext, owner, f"{path}[{index}]")
                for index, item in enumerate(value)
            ]
            if isinstance(value, tuple) and hasattr(value, "_fields"):  # a named tuple
                return type(value)(*items)
            return _rebuild(value, items)
        if isinstance(value, dict):
            rendered = {
                key: self.render(item, ext, owner, f"{path}[{key!r}]")
                for key, item in value.items()
            }
            return _rebuild(value, rendered)
        if isinstance(value, (set, frozenset)):
            return _rebuild(value, [self.render(item, ext, owner, path) for item in value])
        if hasattr(value, "template_fields") and id(value) not in self.seen:
            nested_ext = getattr(value, "template_ext", None)
            self.render_fields(value, ext if nested_ext is None else tuple(nested_ext))
        return value

    def render_string(self, source: str, ext: tuple[str, ...], owner: str, path: str) -> Any:
        template: jinja2.Template | None = None
        try:
            if ext and source.endswith(ext):
                # A name that is not found is a template string after all (Airflow does this).
                with contextlib.suppress(jinja2.TemplateNotFound):
                    template = self.env.get_template(source)
            if template is None:
                template = self.env.from_string(source)
            return template.render(self.context)
        except Exception as exc:
            raise TemplateRenderError(_explain(exc, owner, path, template, source)) from exc


def _rebuild(original: Any, items: Any) -> Any:
    # Keep the container's type; a subclass whose constructor wants other arguments
    # (defaultdict, …) comes back as its built-in base.
    kind = type(original)
    if kind in (list, tuple, dict, set, frozenset):
        return kind(items)
    try:
        return kind(items)
    except TypeError:
        for base in (dict, list, tuple, frozenset, set):
            if isinstance(original, base):
                return base(items)
        raise


def _explain(
    exc: Exception, owner: str, path: str, template: jinja2.Template | None, source: str
) -> str:
    where = f"template field {path!r}" if path else "a template"
    if owner:
        where += f" of {owner}"
    if template is not None and template.name is not None and template.filename:
        where += f" (file {template.filename})"
    line = _template_line(exc, template)
    at_line = f" at line {line}" if line is not None else ""
    hint = ""
    if isinstance(exc, jinja2.UndefinedError):
        hint = (
            " Check the spelling; templates see the task context, params, and the DAG's "
            "user_defined_macros."
        )
    shown = source if len(source) <= 200 else source[:200] + "…"
    detail = f"{type(exc).__name__}{at_line}: {str(exc).rstrip('.')}"
    return f"Could not render {where}: {detail}.{hint} Template: {shown!r}"


def _template_line(exc: Exception, template: jinja2.Template | None) -> int | None:
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return exc.lineno
    # Jinja rewrites tracebacks so that template frames carry the template's file and line.
    names = {"<template>"}
    if template is not None and template.filename is not None:
        names.add(template.filename)
    line: int | None = None
    tb: TracebackType | None = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename in names:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _describe(obj: Any) -> str:
    task_id = getattr(obj, "task_id", None)
    name = type(obj).__name__
    return f"{name} {task_id!r}" if isinstance(task_id, str) else name
