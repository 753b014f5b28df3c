"""Runs listed through ``fast_json`` read exactly as the response models would write them.

The list routes write their JSON with orjson instead of ``DagRunCollectionRead``: the bytes
must be the ones pydantic writes for the same runs (a model read back from them writes them
again unchanged), but for each run's conf, written as the database keeps its JSON; on SQLite
and PostgreSQL; and a single run must read as it does in a list.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pydantic_core
import pytest
from sqlalchemy import update
from tests.api.conftest import Api

from tradewind.api.fast_json import dumps, verbatim
from tradewind.api.schemas.dag_runs import DagRunCollectionRead, DagRunRead
from tradewind.storage.repos import listing
from tradewind.storage.rows import DagRunRow

NAMED = """
with DAG(
    "named",
    dag_display_name="Nightly ETL",
    schedule=None,
    start_date=datetime(2024, 1, 1),
) as dag:
    EmptyOperator(task_id="only")
"""

RUNS = "/api/v2/dags/named/dagRuns"

#: A conf with what JSON may hold: text beyond ASCII, floats, nesting, null, a big integer.
CONF = {
    "text": "café \u2028 ✓",
    "ratio": 0.1,
    "tiny": 1e-7,
    "whole": 3.0,
    "nested": {"list": [1, None, True, "x"], "empty": {}},
    "big": 2**70,
}


def _runs(api: Api) -> list[dict[str, Any]]:
    """Runs of every kind the list shows: finished, queued, without a logical date, with a
    microsecond timestamp, a conf, a note, and one whose DAG version is gone."""
    api.dags(NAMED)
    made = [
        api.ok(
            "POST",
            RUNS,
            json={
                "dag_run_id": "precise",
                "logical_date": "2024-03-01T12:30:45.123456Z",
                "conf": CONF,
                "note": "by hand ✓",
            },
        ),
        api.ok("POST", RUNS, json={"dag_run_id": "dateless", "logical_date": None}),
        api.ok("POST", RUNS, json={"dag_run_id": "orphan", "logical_date": None}),
    ]
    api.deployment.run_until_finished("named", "precise")
    with api.deployment.sessions.begin() as session:
        session.execute(
            update(DagRunRow).where(DagRunRow.run_id == "orphan").values(dag_version_id=None)
        )
    return made


def test_the_list_is_what_the_response_model_writes(sql_api: Api) -> None:
    _runs(sql_api)
    response = sql_api.get(RUNS)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    model = DagRunCollectionRead.model_validate_json(response.content)
    assert json.loads(model.model_dump_json()) == response.json()
    # Byte for byte where no conf holds anything (the database may space a conf's JSON).
    without_conf = sql_api.get(RUNS, params={"offset": 1})
    model = DagRunCollectionRead.model_validate_json(without_conf.content)
    assert model.model_dump_json().encode() == without_conf.content
    body = response.json()
    assert body["total_entries"] == 3
    precise, dateless, orphan = body["dag_runs"]
    assert precise["logical_date"] == "2024-03-01T12:30:45.123456Z"
    assert precise["state"] == "success" and precise["duration"] is not None
    assert precise["conf"] == CONF and precise["note"] == "by hand ✓"
    assert precise["dag_display_name"] == "Nightly ETL"
    assert precise["dag_versions"][0]["dag_display_name"] == "Nightly ETL"
    assert precise["dag_versions"][0]["created_at"].endswith("Z")
    assert dateless["logical_date"] is None and dateless["run_after"].endswith("Z")
    assert orphan["dag_versions"] == []


def test_a_run_reads_the_same_alone_and_in_a_list(sql_api: Api) -> None:
    _runs(sql_api)
    listed = {run["dag_run_id"]: run for run in sql_api.ok("GET", RUNS)["dag_runs"]}
    batch = sql_api.ok("POST", "/api/v2/dags/~/dagRuns/list", json={"dag_ids": ["named"]})
    assert batch["dag_runs"] == list(listed.values())
    for run_id, run in listed.items():
        alone = sql_api.get(f"{RUNS}/{run_id}")
        assert alone.status_code == 200
        assert list(alone.json()) == list(run)
        assert alone.json() == run


def test_a_triggered_run_is_answered_as_it_reads_later(sql_api: Api) -> None:
    sql_api.dags(NAMED)
    created = sql_api.post(
        RUNS, json={"dag_run_id": "fresh", "logical_date": None, "conf": CONF, "note": "n"}
    )
    assert created.status_code == 200
    assert created.headers["content-type"] == "application/json"
    model = DagRunRead.model_validate_json(created.content)
    assert model.model_dump_json().encode() == created.content
    alone = sql_api.get(f"{RUNS}/fresh")
    assert list(alone.json()) == list(created.json())
    assert alone.json() == created.json()
    v1 = sql_api.ok("POST", "/api/v1/dags/named/dagRuns", json={"dag_run_id": "v1", "conf": CONF})
    assert v1 == sql_api.ok("GET", "/api/v1/dags/named/dagRuns/v1")


@pytest.mark.parametrize(
    ("limit", "offset", "shown"),
    [(2, 0, 2), (2, 4, 1), (10, 0, 5), (10, 3, 2), (0, 0, 0), (2, 5, 0), (10, 10, 0)],
)
def test_every_page_counts_every_match(api: Api, limit: int, offset: int, shown: int) -> None:
    api.dags(NAMED)
    for number in range(5):
        api.ok("POST", RUNS, json={"dag_run_id": f"r{number}", "logical_date": None})
    body = api.ok("GET", RUNS, params={"limit": limit, "offset": offset})
    every = [f"r{number}" for number in range(5)]
    assert body["total_entries"] == 5
    assert [run["dag_run_id"] for run in body["dag_runs"]] == every[offset : offset + limit]
    empty = api.ok("GET", RUNS, params={"limit": limit, "offset": offset, "state": "failed"})
    assert (empty["total_entries"], empty["dag_runs"]) == (0, [])


def test_a_full_page_of_several_dags_counts_their_runs(sql_api: Api) -> None:
    sql_api.dags(NAMED, NAMED.replace('"named"', '"second"').replace("Nightly", "Daily"))
    for dag_id, runs in (("named", 3), ("second", 2)):
        for number in range(runs):
            sql_api.ok(
                "POST",
                f"/api/v2/dags/{dag_id}/dagRuns",
                json={"dag_run_id": f"r{number}", "logical_date": None},
            )
    for dag_ids, total in ((["named", "second"], 5), (["second"], 2)):
        body = sql_api.ok(
            "POST", "/api/v2/dags/~/dagRuns/list", json={"dag_ids": dag_ids, "page_limit": 1}
        )
        assert (len(body["dag_runs"]), body["total_entries"]) == (1, total)
    every = sql_api.ok("GET", "/api/v2/dags/~/dagRuns", params={"limit": 2, "offset": 1})
    assert (len(every["dag_runs"]), every["total_entries"]) == (2, 5)


def test_the_v1_list_reshapes_the_v2_answer(api: Api) -> None:
    _runs(api)
    body = api.ok("GET", "/api/v1/dags/named/dagRuns")
    assert body["total_entries"] == 3
    precise = body["dag_runs"][0]
    assert precise["execution_date"] == "2024-03-01T12:30:45.123456Z"
    assert precise["conf"] == CONF


def test_the_view_rows_have_the_fields_the_documents_unpack() -> None:
    for dialect in ("sqlite", "postgresql"):
        columns = listing._run_view(dialect).selected_columns.keys()
        assert tuple(columns) == listing.RUN_VIEW_FIELDS


# -- fast_json -------------------------------------------------------------------------------


def test_timestamps_are_written_in_utc_with_a_z_naive_or_aware() -> None:
    naive = datetime(2024, 1, 2, 3, 4, 5)
    assert dumps([naive, naive.replace(tzinfo=UTC)]) == (
        b'["2024-01-02T03:04:05Z","2024-01-02T03:04:05Z"]'
    )
    assert dumps(naive.replace(microsecond=120)) == b'"2024-01-02T03:04:05.000120Z"'


def test_fast_json_writes_what_pydantic_writes() -> None:
    value = {
        "when": datetime(2024, 1, 2, 3, 4, 5, 678900, tzinfo=UTC),
        "later": datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(0))),
        "floats": [0.1, 1e-7, 3.0, 1e20, 123456789.123],
        "text": 'é\u2028\U0001f600"\\',
        "nothing": None,
        "flags": [True, False],
    }
    assert dumps(value) == pydantic_core.to_json(value)


def test_what_orjson_cannot_write_pydantic_writes() -> None:
    value = {"big": 2**70, "when": datetime(2024, 1, 2)}
    assert json.loads(dumps(value)) == {"big": 2**70, "when": "2024-01-02T00:00:00Z"}


def test_a_single_run_model_reads_its_timestamps_as_utc(api: Api) -> None:
    _runs(api)
    run = DagRunRead.model_validate_json(api.get(f"{RUNS}/precise").content)
    assert run.logical_date == datetime(2024, 3, 1, 12, 30, 45, 123456, tzinfo=UTC)


def test_a_stored_json_text_is_written_as_it_is() -> None:
    stored = '{"big": 1180591620717411303424, "text": "caf\\u00e9", "x": 1.50}'
    assert dumps({"conf": verbatim(stored), "none": verbatim(None)}) == (
        b'{"conf":' + stored.encode() + b',"none":null}'
    )


def test_a_stored_text_that_is_not_json_is_written_as_json() -> None:
    # Python's json writes NaN and Infinity, which JSON does not have: they are written as null.
    stored = '{"nan": NaN, "inf": -Infinity, "big": 1180591620717411303424, "t": "NaN"}'
    written = dumps([verbatim(stored)])
    assert json.loads(written) == [{"nan": None, "inf": None, "big": 2**70, "t": "NaN"}]
