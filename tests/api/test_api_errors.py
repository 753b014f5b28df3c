"""No input makes the API fail: odd requests get a 4xx naming what is wrong, never a 500.

The test client raises whatever a request raises, so any bug reached here fails the test.
"""

from __future__ import annotations

from typing import Any

import pytest
from tests.api.conftest import ETL, Api

from tradewind.api.errors import STATUS_BY_ERROR, status_of
from tradewind.errors import (
    DagCycleError,
    DagNotFoundError,
    DagRunAlreadyExistsError,
    ParamValidationError,
    TaskNotFoundError,
    TradewindError,
)
from tradewind.server.run_operations import DagRunNotFoundError

ODD_GETS = [
    "/api/v2/dags/%00",
    "/api/v2/dags/" + "x" * 5000,
    "/api/v2/dags/~",
    "/api/v2/dags?dag_id_pattern=%00",
    "/api/v2/dags?dag_id_pattern=%5C",
    "/api/v2/dags?limit=99999999999999999999999",
    "/api/v2/dags?offset=1e3",
    "/api/v2/dags?paused=perhaps",
    "/api/v2/dags?order_by=-",
    "/api/v2/dags?tags=%00",
    "/api/v2/dags?tags_match_mode=some",
    "/api/v2/dags/etl/dagRuns?logical_date_gte=2024-13-01T00:00:00Z",
    "/api/v2/dags/etl/dagRuns?state=%00",
    "/api/v2/dags/etl/dagRuns?run_id_pattern=%25%25%25",
    "/api/v2/dags/etl/dagRuns/%00",
    "/api/v2/dags/etl/dagRuns/x/taskInstances/y/abc",
    "/api/v2/dags/etl/dagRuns/x/taskInstances/y/tries/99999999999",
    "/api/v2/dags/etl/dagRuns/x/taskInstances?try_number=-1",
    "/api/v2/dagSources/etl?version_number=0",
    "/api/v2/nothing/here",
]


@pytest.mark.parametrize("path", ODD_GETS)
def test_odd_reads_get_a_4xx_or_an_answer(module_sql_api: Api, path: str) -> None:
    response = module_sql_api.get(path)
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert response.json()["detail"]


ODD_BODIES: list[tuple[str, str, Any]] = [
    ("POST", "/api/v2/dags/etl/dagRuns", {"logical_date": None, "conf": {"k": "a\u0000b"}}),
    ("POST", "/api/v2/dags/etl/dagRuns", {"logical_date": None, "conf": {"n": 10**40}}),
    ("POST", "/api/v2/dags/etl/dagRuns", {"logical_date": None, "dag_run_id": "ü"}),
    ("POST", "/api/v2/dags/etl/dagRuns", {"logical_date": None, "note": "\u0000"}),
    ("POST", "/api/v2/dags/etl/dagRuns", {"logical_date": "0001-01-01T00:00:00Z"}),
    ("POST", "/api/v2/dags/etl/dagRuns", [1, 2]),
    ("POST", "/api/v2/dags/etl/dagRuns", "text"),
    ("PATCH", "/api/v2/dags/etl", {"is_paused": "sometimes"}),
    ("POST", "/api/v2/dags/~/dagRuns/list", {"dag_ids": ["\u0000"]}),
    ("POST", "/api/v2/dags/~/dagRuns/list", {"page_offset": 10**30}),
    ("POST", "/api/v2/dags/etl/clearTaskInstances", {"task_ids": [None]}),
    ("POST", "/auth/token", {"username": "\u0000", "password": "x"}),
]


@pytest.mark.parametrize(("method", "path", "body"), ODD_BODIES)
def test_odd_bodies_get_a_4xx_or_an_answer(
    module_sql_api: Api, method: str, path: str, body: Any
) -> None:
    response = module_sql_api.request(method, path, json=body)
    assert response.status_code < 500, response.text


def test_a_deeply_nested_body_is_refused_not_crashed_on(api: Api) -> None:
    api.dags(ETL)
    deep = "[" * 100_000 + "]" * 100_000
    response = api.post(
        "/api/v2/dags/etl/dagRuns",
        content=deep.encode(),
        headers={"Content-Type": "application/json"},
    )
    assert 400 <= response.status_code < 500


def test_a_body_that_is_not_json_is_a_422(api: Api) -> None:
    api.dags(ETL)
    response = api.post(
        "/api/v2/dags/etl/dagRuns", content=b"{", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422


def test_an_unknown_route_is_a_404_and_a_wrong_method_a_405(api: Api) -> None:
    assert api.get("/api/v2/nowhere").status_code == 404
    response = api.request("PUT", "/api/v2/dags/etl")
    assert response.status_code == 405
    assert response.json()["title"] == "Method Not Allowed"


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (DagNotFoundError("x"), 404),
        (TaskNotFoundError("x"), 404),
        (DagRunNotFoundError("x"), 404),
        (DagRunAlreadyExistsError("d", "r"), 409),
        (ParamValidationError("x"), 400),
        (DagCycleError("d", ["a", "b", "a"]), 400),
        (TradewindError("x"), 400),
    ],
)
def test_each_tradewind_error_maps_to_its_status(error: TradewindError, status: int) -> None:
    assert status_of(error) == status


def test_every_tradewind_error_class_has_a_status() -> None:
    def subclasses(cls: type[TradewindError]) -> list[type[TradewindError]]:
        found = []
        for sub in cls.__subclasses__():
            found += [sub, *subclasses(sub)]
        return found

    mapped = [error_class for error_class, _ in STATUS_BY_ERROR]
    for error_class in subclasses(TradewindError):
        assert any(issubclass(error_class, base) for base in mapped), error_class
