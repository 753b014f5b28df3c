"""Schemathesis over ``/openapi.json``: every operation, fuzzed, keeps to its documented schema.

Each operation the app documents (routes added later included) is called with input
generated from its schema, valid and invalid, by an Admin on random and on real ids, then by
a Viewer. Every response must be a documented status with a body of the documented shape,
never a 5xx; invalid input must be refused with a 4xx; valid input may be refused only with
a documented business error (400, 404, 409) or for authorization. Generation is
derandomized, so a run is repeatable, and bounded per operation to keep the suite fast.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from jsonschema import Draft202012Validator
from schemathesis.core.failures import AcceptedNegativeData, FailureGroup
from tests.api.conftest import ETL, OTHER, Api, make_api, sqlite_deployment
from tests.api.populated import (
    REAL_PATH_VALUES,
    SCRATCH_DAG,
    SCRATCH_PATH_VALUES,
    fill_path,
    openapi_app_for_collection,
    operations,
    store_secrets,
)
from tests.server.deployment import parse_here

from tradewind.api.auth.throttle import LoginThrottle

#: Scales the examples per operation: ``TRADEWIND_FUZZ_SCALE=20`` for a deep run by hand.
SCALE = float(os.environ.get("TRADEWIND_FUZZ_SCALE", "1"))
#: Examples per operation and pass (see :meth:`Fuzzer.fuzz`): the suite's budget.
RANDOM_EXAMPLES = max(1, int(6 * SCALE))
INVALID_EXAMPLES = max(1, int(6 * SCALE))
REAL_ID_EXAMPLES = max(1, int(4 * SCALE))
VIEWER_EXAMPLES = max(1, int(2 * SCALE))

#: Valid input may be refused for a business rule the schema cannot express (an unknown
#: order_by field, a taken run id), or because the role may not: never with a 422.
ACCEPTED_REFUSALS = ["2xx", "3xx", "400", "401", "403", "404", "409"]


@functools.cache
def _operation_labels() -> list[str]:
    with tempfile.TemporaryDirectory() as home:
        app = openapi_app_for_collection(Path(home))
        return [f"{method} {path}" for method, path, _ in operations(app)]


_NAMED = re.compile(r"`([^`]+)`")


def _text_schema(schema: dict[str, Any]) -> bool:
    """Whether every value of a query parameter of this schema may be any text."""
    options = schema.get("anyOf", [schema])
    kinds = {option.get("type") for option in options} - {"null"}
    items = [option.get("items", {}) for option in options if option.get("type") == "array"]
    free = all("enum" not in o and "const" not in o and "pattern" not in o for o in options)
    return (
        free
        and kinds <= {"string", "array"}
        and all(item.get("type") == "string" and "enum" not in item for item in items)
    )


def _unrepresentable_in_a_query(failure: Exception, operation: Any) -> bool:
    """An "invalid input accepted" that no query string can carry: a non-string where any
    text is allowed (it arrives as text), or a text parameter given twice (the last counts).
    Schemathesis filters most of these itself; these slip through."""
    if not isinstance(failure, AcceptedNegativeData):
        return False
    component = str(failure).split("Invalid component:", 1)[-1].split("\n\n", 1)[0]
    if "in query" not in component or any(word in component for word in ("body", "path")):
        return False
    schemas = {
        parameter.name: parameter.definition.get("schema", {}) for parameter in operation.query
    }
    names = [name for name in _NAMED.findall(component.split("in query")[0]) if name in schemas]
    return bool(names) and all(_text_schema(schemas[name]) for name in names)


@dataclass
class Fuzzer:
    """Runs the passes over one operation, as an Admin and as a Viewer (one schema each:
    schemathesis authenticates each case, except those testing invalid credentials)."""

    schemas: dict[str, Any]
    failures: dict[str, str] = field(default_factory=dict)

    def _check(self, case: Any) -> None:
        try:
            case.call_and_validate()
        except (Exception, FailureGroup) as error:
            failures = error.exceptions if isinstance(error, FailureGroup) else (error,)
            for failure in failures:
                if _unrepresentable_in_a_query(failure, case.operation):
                    continue
                title = getattr(failure, "title", type(failure).__name__)
                code = getattr(failure, "code", "")
                key = f"{code} {title}: {str(failure).splitlines()[0][:200]}"
                self.failures.setdefault(key, str(error)[:3000])

    def _run(
        self,
        operation: Any,
        examples: int,
        mode: schemathesis.GenerationMode = schemathesis.GenerationMode.POSITIVE,
        path_parameters: dict[str, Any] | None = None,
    ) -> None:
        strategy = operation.as_strategy(generation_mode=mode, path_parameters=path_parameters)

        @settings(
            max_examples=examples,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
            phases=[Phase.explicit, Phase.generate],
        )
        @given(case=strategy)
        def run(case: Any) -> None:
            self._check(case)

        # Unsatisfiable: nothing of that kind to generate (no input can be invalid, say).
        with contextlib.suppress(Unsatisfiable):
            run()

    def fuzz(self, label: str) -> dict[str, str]:
        """Distinct failures of the operation (empty: it keeps to its schema)."""
        operation = self.schemas["Admin"].find_operation_by_label(label)
        viewing = self.schemas["Viewer"].find_operation_by_label(label)
        assert operation is not None, f"{label} is not in /openapi.json"
        known = {
            **REAL_PATH_VALUES,
            **(SCRATCH_PATH_VALUES if operation.method.upper() == "DELETE" else {}),
        }
        real = {
            parameter.name: known[parameter.name]
            for parameter in operation.path_parameters
            if parameter.name in known
            and Draft202012Validator(parameter.definition.get("schema", {})).is_valid(
                known[parameter.name]
            )
        }
        self._run(operation, RANDOM_EXAMPLES)
        self._run(operation, INVALID_EXAMPLES, schemathesis.GenerationMode.NEGATIVE)
        if real:
            self._run(operation, REAL_ID_EXAMPLES, path_parameters=real)
        self._run(viewing, VIEWER_EXAMPLES, path_parameters=real or None)
        return self.failures


@pytest.fixture(scope="module")
def fuzzed_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """ETL with a finished run ``done``, OTHER, a scratch DAG with a run, a connection and
    variables. Failed logins are not throttled: schemathesis sends many on purpose."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("tradewind.server.dag_processor.parse_dag_files", parse_here)
        deployment = sqlite_deployment(tmp_path_factory.mktemp("fuzz"))
        api = make_api(deployment, throttle=LoginThrottle(free_failures=10**9))
        api.dags(ETL, OTHER, SCRATCH_DAG)
        api.run("etl", dag_run_id="done")
        api.ok(
            "POST",
            "/api/v2/dags/scratch/dagRuns",
            json={"logical_date": None, "dag_run_id": "scratch_run"},
        )
        store_secrets(deployment.sessions)
        with api.client:
            yield api
    deployment.engine.dispose()


@pytest.fixture(scope="module")
def fuzz_schemas(fuzzed_api: Api) -> dict[str, Any]:
    """The app's schema as schemathesis loads it, authenticating as each role."""
    schemas = {}
    for role in ("Admin", "Viewer"):
        config = schemathesis.Config.from_dict(
            {
                "checks": {"positive_data_acceptance": {"expected-statuses": ACCEPTED_REFUSALS}},
                "auth": {"openapi": {"HTTPBearer": {"bearer": fuzzed_api.tokens[role.lower()]}}},
            }
        )
        schemas[role] = schemathesis.openapi.from_asgi(
            "/openapi.json", fuzzed_api.app, config=config
        )
    return schemas


@pytest.mark.parametrize("label", _operation_labels())
def test_the_operation_keeps_to_its_openapi_schema_under_fuzzing(
    fuzz_schemas: dict[str, Any], label: str
) -> None:
    failures = Fuzzer(fuzz_schemas).fuzz(label)
    assert not failures, f"{len(failures)} distinct failure(s):\n\n" + "\n\n".join(
        failures.values()
    )


# -- requests no generator writes: broken bodies and encodings --------------------------------

#: Bodies no JSON route can take: (content type, raw body).
BROKEN_BODIES: list[tuple[str, bytes]] = [
    ("application/json", b'{"logical_date": '),  # cut short
    ("application/json", b"\xff\xfe\x00garbage"),  # not UTF-8
    ("text/plain", b'{"logical_date": null}'),  # JSON sent as another type
    ("application/xml", b"<dag_run/>"),
    ("multipart/form-data; boundary=x", b"--x--"),
]
#: JSON bodies with values that are hard to store: refused, or taken, never a crash.
ODD_BODIES: list[bytes] = [
    b'{"n": 1e999, "m": -1e999, "conf": {"n": 1e999}}',  # infinite numbers
    b'{"n": ' + b"9" * 5000 + b', "conf": {"n": ' + b"9" * 5000 + b"}}",  # huge integers
    b'{"k": "a\\u0000b", "conf": {"k": "a\\u0000b"}}',  # NUL characters
    b"[]",
    b"null",
]

#: Values that a path parameter may refuse, or take: never a crash.
ODD_PATH_VALUES = ["a\x00b\ud7ff", "9" * 40, "%"]


def _parameter_values(operation: dict[str, Any]) -> dict[str, Any]:
    """A value for each path parameter: a real object's id, or one of the right type."""
    values = {}
    for parameter in operation.get("parameters", []):
        if parameter["in"] == "path":
            name = parameter["name"]
            kind = parameter.get("schema", {}).get("type")
            values[name] = REAL_PATH_VALUES.get(name, 1 if kind == "integer" else "x")
    return values


def _odd_requests(
    method: str, path: str, operation: dict[str, Any]
) -> Iterator[tuple[bool, dict[str, Any]]]:
    """(must be refused, request) for the operation, each request with one odd part."""
    values = _parameter_values(operation)
    for name in values:
        for odd in ODD_PATH_VALUES:
            url = fill_path(path, {**values, name: quote(odd, safe="")})
            yield False, {"method": method, "path": url, "json": {}}
    url = fill_path(path, {name: quote(str(value), safe="") for name, value in values.items()})
    # Every free-text query parameter with a NUL at once; every integer one far too large.
    texts, numbers = {}, {}
    for parameter in operation.get("parameters", []):
        schema = json.dumps(parameter.get("schema", {}))
        if parameter["in"] != "query" or "enum" in schema or "const" in schema:
            continue
        if '"integer"' in schema or '"number"' in schema:
            numbers[parameter["name"]] = "-" + "9" * 40
        elif '"string"' in schema:
            texts[parameter["name"]] = "a\x00b"
    for params in (texts, numbers):
        if params:
            yield False, {"method": method, "path": url, "params": params}
    if "requestBody" in operation:
        json_type = {"Content-Type": "application/json"}
        for body in ODD_BODIES:
            yield False, {"method": method, "path": url, "content": body, "headers": json_type}
        for content_type, body in BROKEN_BODIES:
            headers = {"Content-Type": content_type}
            yield True, {"method": method, "path": url, "content": body, "headers": headers}


@pytest.mark.parametrize("label", _operation_labels())
def test_odd_and_broken_requests_get_an_answer_or_a_4xx_json_error(
    module_sql_api: Api, label: str
) -> None:
    method, path = label.split(" ", 1)
    operation = next(op for m, p, op in operations(module_sql_api.app) if (m, p) == (method, path))
    for must_refuse, request in _odd_requests(method, path, operation):
        response = module_sql_api.request(**request)
        where = f"{method} {request['path']} {request.get('params') or request.get('content')!r}"
        assert response.status_code < 500, f"{where}: {response.status_code} {response.text}"
        if must_refuse or response.status_code >= 400:
            assert 400 <= response.status_code < 500, f"{where}: {response.text}"
            body = response.json()
            assert body["detail"] and body["title"], f"{where}: {response.text}"
