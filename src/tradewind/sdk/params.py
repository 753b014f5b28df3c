"""Params: named inputs of a DAG run, each with a default and a JSON Schema.

A DAG (or a task) declares ``params={"epochs": Param(10, type="integer", minimum=1)}``; a run's
conf may override them by name; templates and task code read the validated values as
``params``. Plain values are Params without a schema. Validation follows JSON Schema Draft
2020-12 with formats checked (``format: "date"``, ``"date-time"``, ``"email"``, …), as Airflow
does.

A :class:`Param` never changes after it is made: resolving returns a deep copy of the value, so
one run cannot change the defaults another run sees.
"""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Iterator, Mapping, MutableMapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:  # jsonschema is imported on first use: DAGs without Params never pay for it
    from jsonschema import Draft202012Validator, FormatChecker

from tradewind.errors import ParamValidationError

__all__ = [
    "NOTSET",
    "ArgNotSet",
    "Param",
    "ParamsDict",
    "params_from_dump",
    "resolve_params",
]


class ArgNotSet:
    """Type of :data:`NOTSET`: "no value given", distinct from ``None``."""

    _instance: ArgNotSet | None = None

    def __new__(cls) -> ArgNotSet:  # one instance, so ``is NOTSET`` works after copies
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "NOTSET"

    def __bool__(self) -> bool:
        return False

    def __copy__(self) -> ArgNotSet:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> ArgNotSet:
        return self

    def __reduce__(self) -> str:
        return "NOTSET"


NOTSET: Final = ArgNotSet()


def _rfc3339_datetime(instance: object) -> bool:
    # jsonschema checks "date-time" only when the optional rfc3339-validator is installed;
    # without it every string would pass, so check RFC 3339 here: a full date, a time and an
    # explicit offset.
    if not isinstance(instance, str):
        return True
    text = instance.strip()
    if len(text) < 20 or text[10] not in "Tt ":
        return False
    if text[-1] in "Zz":
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return False
    return parsed.tzinfo is not None


@functools.cache
def _format_checker() -> FormatChecker:
    from jsonschema import FormatChecker

    checker = FormatChecker()
    if "date-time" not in checker.checkers:
        checker.checks("date-time")(_rfc3339_datetime)
    return checker


def _check_json(value: Any, what: str) -> None:
    try:
        json.dumps(value)
    except (TypeError, ValueError) as exc:
        raise ParamValidationError(
            f"{what}: {value!r} is not JSON-serializable ({exc}). Params hold JSON values only: "
            "str, int, float, bool, None, and lists and dicts of them."
        ) from None


class Param:
    """A default value and the JSON Schema that any value for it must satisfy.

    ``Param(default=NOTSET, description=None, **schema)``: every keyword other than
    ``default`` and ``description`` is a JSON Schema keyword (``type``, ``enum``, ``minimum``,
    ``pattern``, ``format``, ``items``, ``properties``, ``required``, ``title``,
    ``values_display``, …). ``schema={...}`` passes the whole schema at once. A Param without a
    default is required: each run must set it in its conf.
    """

    __slots__ = ("_description", "_schema", "_validator", "_value")

    def __init__(self, default: Any = NOTSET, description: str | None = None, **schema: Any):
        if "schema" in schema and len(schema) == 1 and isinstance(schema["schema"], Mapping):
            schema = dict(schema["schema"])
        if default is not NOTSET:
            _check_json(default, "Param default")
        from jsonschema import Draft202012Validator
        from jsonschema.exceptions import SchemaError

        try:
            Draft202012Validator.check_schema(schema)
        except SchemaError as exc:
            raise ParamValidationError(
                f"Param schema {schema!r} is not a valid JSON Schema: {exc.message}"
            ) from None
        self._value: Any = default
        self._description = description
        self._schema: dict[str, Any] = schema
        self._validator: Draft202012Validator | None = None

    @property
    def value(self) -> Any:
        """The default value (:data:`NOTSET` when the Param is required)."""
        return self._value

    @property
    def description(self) -> str | None:
        return self._description

    @property
    def schema(self) -> dict[str, Any]:
        """The JSON Schema; treat it as read-only."""
        return self._schema

    @property
    def has_value(self) -> bool:
        """Whether the Param has a default other than ``None``."""
        return self._value is not NOTSET and self._value is not None

    def with_default(self, default: Any) -> Param:
        """A copy of this Param with another default and the same schema and description."""
        if default is not NOTSET:
            _check_json(default, "Param default")
        clone = copy.copy(self)
        clone._value = default
        return clone

    def resolve(self, value: Any = NOTSET, *, name: str) -> Any:
        """Validate ``value`` (or the default when it is :data:`NOTSET`) and return a copy of it.

        Raises :class:`ParamValidationError` naming the param, the value and the broken rule.
        """
        if value is NOTSET:
            value = self._value
            if value is NOTSET:
                raise ParamValidationError(
                    f"Param {name!r} is required: it has no default and the run's conf does not "
                    f"set it. Trigger the run with a value, e.g. --conf "
                    f"'{{{json.dumps(name)}: <value>}}'."
                )
        else:
            _check_json(value, f"Param {name!r}")
        if self._schema:
            from jsonschema.exceptions import best_match

            error = best_match(self._get_validator().iter_errors(value))
            if error is not None:
                where = error.json_path[1:]
                at = f" at {name}{where}" if where else ""
                raise ParamValidationError(f"Param {name!r}{at}: {error.message}")
        return copy.deepcopy(value)

    def dump(self) -> dict[str, Any]:
        """The JSON-able form: value (``None`` when required), schema, description, has_default."""
        return {
            "value": None if self._value is NOTSET else copy.deepcopy(self._value),
            "schema": copy.deepcopy(self._schema),
            "description": self._description,
            "has_default": self._value is not NOTSET,
        }

    @classmethod
    def from_dump(cls, data: Mapping[str, Any]) -> Param:
        """The inverse of :meth:`dump`."""
        has_default = data.get("has_default", True)
        default = data.get("value") if has_default else NOTSET
        return cls(default, data.get("description"), schema=dict(data.get("schema") or {}))

    def _get_validator(self) -> Draft202012Validator:
        if self._validator is None:
            from jsonschema import Draft202012Validator

            self._validator = Draft202012Validator(self._schema, format_checker=_format_checker())
        return self._validator

    def __copy__(self) -> Param:
        clone = object.__new__(Param)
        clone._value = self._value
        clone._description = self._description
        clone._schema = self._schema
        clone._validator = self._validator
        return clone

    def __deepcopy__(self, memo: dict[int, Any]) -> Param:
        # The schema is read-only, so copies share it (and its compiled validator).
        clone = self.__copy__()
        clone._value = copy.deepcopy(self._value, memo)
        return clone

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Param):
            return NotImplemented
        return (self._value, self._description, self._schema) == (
            other._value,
            other._description,
            other._schema,
        )

    __hash__ = None  # type: ignore[assignment]  # mutable default values

    def __repr__(self) -> str:
        parts = [] if self._value is NOTSET else [repr(self._value)]
        if self._description is not None:
            parts.append(f"description={self._description!r}")
        parts.extend(f"{key}={val!r}" for key, val in self._schema.items())
        return f"Param({', '.join(parts)})"


def _as_param(value: Any) -> Param:
    return value if isinstance(value, Param) else Param(value)


class ParamsDict(MutableMapping[str, Any]):
    """The params of a DAG or a task: names mapped to :class:`Param` objects.

    Plain values become Params without a schema. Reading an item returns its validated value;
    :meth:`get_param` returns the Param itself. Assigning a plain value to an existing name
    keeps that Param's schema and validates the value against it; assigning a Param replaces
    it (as in Airflow).
    """

    __slots__ = ("_params",)

    def __init__(self, params: Mapping[str, Any] | None = None) -> None:
        self._params: dict[str, Param] = {}
        if isinstance(params, ParamsDict):
            self._params.update(params._params)
        elif params:
            for key, value in params.items():
                self._params[key] = _as_param(value)

    def __getitem__(self, key: str) -> Any:
        return self._params[key].resolve(name=key)

    def __setitem__(self, key: str, value: Any) -> None:
        if isinstance(value, Param):
            self._params[key] = value
        elif key in self._params:
            existing = self._params[key]
            existing.resolve(value, name=key)
            self._params[key] = existing.with_default(value)
        else:
            self._params[key] = Param(value)

    def __delitem__(self, key: str) -> None:
        del self._params[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._params)

    def __len__(self) -> int:
        return len(self._params)

    def __contains__(self, key: object) -> bool:
        return key in self._params

    def update(self, other: Any = (), /, **kwargs: Any) -> None:
        # A ParamsDict brings its Params (schemas included), not just its values.
        if isinstance(other, ParamsDict):
            self._params.update(other._params)
            other = ()
        super().update(other, **kwargs)

    def get_param(self, key: str) -> Param:
        """The :class:`Param` stored under ``key``."""
        return self._params[key]

    def param_items(self) -> Iterator[tuple[str, Param]]:
        """``(name, Param)`` pairs, in declaration order."""
        return iter(self._params.items())

    def validate(self) -> dict[str, Any]:
        """Resolve every param; raise :class:`ParamValidationError` listing every invalid one."""
        return _resolve_all(self._params, {})

    def validate_defaults(self) -> None:
        """Check every default against its schema; params without a default are skipped.

        Run when a DAG is defined, so that a bad default fails the DAG file, not a run.
        """
        problems: list[str] = []
        for key, param in self._params.items():
            if param.value is NOTSET:
                continue
            try:
                param.resolve(name=key)
            except ParamValidationError as exc:
                problems.append(str(exc))
        _raise_problems(problems)

    def dump(self) -> dict[str, dict[str, Any]]:
        """``{name: {"value", "schema", "description", "has_default"}}``, JSON-able.

        The scheduler and the UI build trigger forms from it; :func:`params_from_dump` reverses it.
        """
        return {key: param.dump() for key, param in self._params.items()}

    def copy(self) -> ParamsDict:
        return ParamsDict(self)

    def __copy__(self) -> ParamsDict:
        return ParamsDict(self)

    def __deepcopy__(self, memo: dict[int, Any]) -> ParamsDict:
        clone = ParamsDict()
        clone._params = {key: copy.deepcopy(param, memo) for key, param in self._params.items()}
        return clone

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ParamsDict):
            return self._params == other._params
        if isinstance(other, Mapping):
            return self._params == ParamsDict(other)._params
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"ParamsDict({self._params!r})"


def params_from_dump(data: Mapping[str, Mapping[str, Any]]) -> ParamsDict:
    """Rebuild the :class:`ParamsDict` that :meth:`ParamsDict.dump` described."""
    result = ParamsDict()
    for key, entry in data.items():
        result[key] = Param.from_dump(entry)
    return result


def resolve_params(
    *params_dicts: Mapping[str, Any] | None,
    conf: Mapping[str, Any] | None = None,
    allow_conf_override: bool = True,
) -> dict[str, Any]:
    """The validated, plain values of a run's params.

    ``params_dicts`` are merged in order (DAG params, then task params): a later :class:`Param`
    replaces an earlier one; a later plain value keeps the earlier schema and is checked
    against it. Then each key of ``conf`` overrides the param of that name (Airflow's
    ``dag_run_conf_overrides_params``, on by default); conf keys that name no param are added
    as they are, as Airflow does, so ``{{ params.key }}`` sees them too. Every value is
    validated and deep-copied; all failures are reported in one :class:`ParamValidationError`.
    """
    merged: dict[str, Param] = {}
    for params in params_dicts:
        if not params:
            continue
        if isinstance(params, ParamsDict):
            merged.update(params.param_items())
            continue
        for key, value in params.items():
            if isinstance(value, Param) or key not in merged:
                merged[key] = _as_param(value)
            else:
                merged[key] = merged[key].with_default(value)
    overrides = conf if (conf and allow_conf_override) else {}
    return _resolve_all(merged, overrides)


def _resolve_all(params: Mapping[str, Param], overrides: Mapping[str, Any]) -> dict[str, Any]:
    resolved: dict[str, Any] = {}
    problems: list[str] = []
    for key, param in params.items():
        try:
            resolved[key] = param.resolve(overrides.get(key, NOTSET), name=key)
        except ParamValidationError as exc:
            problems.append(str(exc))
    for key, value in overrides.items():
        if key not in params:
            try:
                _check_json(value, f"Param {key!r}")
            except ParamValidationError as exc:
                problems.append(str(exc))
            else:
                resolved[key] = copy.deepcopy(value)
    _raise_problems(problems)
    return resolved


def _raise_problems(problems: list[str]) -> None:
    if len(problems) == 1:
        raise ParamValidationError(problems[0])
    if problems:
        listed = "\n".join(f"  - {problem}" for problem in problems)
        raise ParamValidationError(f"{len(problems)} params are invalid:\n{listed}")
