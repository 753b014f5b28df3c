"""The OpenAPI document lists the errors of every operation, in Tradewind's error shapes."""

from __future__ import annotations

from pathlib import Path

from tests.api.populated import openapi_app_for_collection, operations

ERROR = "#/components/schemas/ErrorRead"
INVALID = "#/components/schemas/ValidationErrorRead"


def _schema_of(response: dict[str, object]) -> object:
    content = response["content"]
    assert isinstance(content, dict)
    return content["application/json"]["schema"]["$ref"]


def test_every_authenticated_operation_documents_401_403_429_and_503(tmp_path: Path) -> None:
    app = openapi_app_for_collection(tmp_path)
    checked = 0
    for method, path, operation in operations(app):
        if not operation.get("security"):
            continue
        for status in ("401", "403", "429", "503"):
            assert _schema_of(operation["responses"][status]) == ERROR, (method, path, status)
        checked += 1
    assert checked >= 30


def test_every_operation_with_input_documents_400_and_tradewinds_422(tmp_path: Path) -> None:
    app = openapi_app_for_collection(tmp_path)
    for method, path, operation in operations(app):
        if operation.get("parameters") or operation.get("requestBody"):
            assert _schema_of(operation["responses"]["400"]) == ERROR, (method, path)
            assert _schema_of(operation["responses"]["422"]) == INVALID, (method, path)
    schemas = app.openapi()["components"]["schemas"]
    assert "HTTPValidationError" not in schemas
    assert set(schemas["ValidationErrorRead"]["required"]) == {"detail", "title"}


def test_routes_declare_their_own_errors(tmp_path: Path) -> None:
    paths = openapi_app_for_collection(tmp_path).openapi()["paths"]
    assert {"404", "409"} <= set(paths["/api/v2/dags/{dag_id}"]["delete"]["responses"])
    trigger = paths["/api/v2/dags/{dag_id}/dagRuns"]["post"]["responses"]
    assert {"400", "404", "409"} <= set(trigger)
    assert {"401", "415", "422", "429"} <= set(paths["/auth/token"]["post"]["responses"])
    assert "401" not in paths["/api/v2/version"]["get"]["responses"]
