"""``GET /api/v2/jobs`` (the heartbeats of schedulers and DAG processors) and
``GET /api/v2/config`` (the settings in effect, when exposed, secrets hidden)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.api.conftest import SECRET_KEY, Api, sqlite_deployment

from tradewind.api.app import create_app
from tradewind.api.auth.roles import Role
from tradewind.config import ApiSettings, DatabaseSettings, Settings
from tradewind.storage.repos import jobs as job_repo

NOW = datetime.now(UTC)


def _jobs(api: Api, role: str = "Viewer", **params: Any) -> list[tuple[str, str, str]]:
    body = api.ok("GET", "/api/v2/jobs", role=role, params=params)
    assert body["total_entries"] == len(body["jobs"])
    return [(job["job_type"], job["state"], job["hostname"]) for job in body["jobs"]]


@pytest.fixture(scope="module")
def with_jobs(module_sql_api: Api) -> Iterator[Api]:
    """A live scheduler on host a, a DAG processor that ended on b, a silent scheduler on a;
    the API's clock stands still at NOW meanwhile, so which job is alive does not change."""
    with module_sql_api.deployment.sessions.begin() as session:
        job_repo.create_job(session=session, kind="scheduler", hostname="a", pid=1, now=NOW)
        ended = job_repo.create_job(
            session=session, kind="dag_processor", hostname="b", pid=2, now=NOW
        )
        job_repo.update_job_ended(session=session, job_id=ended.id, now=NOW)
        job_repo.create_job(
            session=session, kind="scheduler", hostname="a", pid=3, now=NOW - timedelta(hours=1)
        )
    clock = module_sql_api.state.clock
    module_sql_api.state.clock = lambda: NOW
    yield module_sql_api
    module_sql_api.state.clock = clock


def test_jobs_are_listed_with_airflows_fields(with_jobs: Api) -> None:
    body = with_jobs.ok("GET", "/api/v2/jobs", role="Viewer")
    first = body["jobs"][0]

    assert _jobs(with_jobs) == [
        ("SchedulerJob", "running", "a"),
        ("DagProcessorJob", "success", "b"),
        ("SchedulerJob", "running", "a"),
    ]
    assert first["latest_heartbeat"] and first["start_date"]
    assert first["end_date"] is None and body["jobs"][1]["end_date"]
    assert (first["dag_id"], first["executor_class"], first["unixname"]) == (None, None, None)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"job_type": "SchedulerJob"}, ["a-1", "a-3"]),
        ({"job_type": "dag_processor"}, ["b-2"]),
        ({"job_type": "TriggererJob"}, []),
        ({"job_state": "success"}, ["b-2"]),
        ({"job_state": "running"}, ["a-1", "a-3"]),
        ({"job_state": "failed"}, []),
        ({"hostname": "b"}, ["b-2"]),
        ({"is_alive": True}, ["a-1"]),
        ({"is_alive": False}, ["b-2", "a-3"]),
        ({"executor_class": "LocalExecutor"}, []),
        ({"order_by": "-latest_heartbeat,hostname"}, ["a-1", "b-2", "a-3"]),
        ({"order_by": "-id", "limit": 1}, ["a-3"]),
        ({"start_date_lt": (NOW - timedelta(minutes=1)).isoformat()}, ["a-3"]),
    ],
)
def test_jobs_are_filtered_and_ordered(
    with_jobs: Api, params: dict[str, Any], expected: list[str]
) -> None:
    body = with_jobs.ok("GET", "/api/v2/jobs", params=params)
    ids = {job["id"]: index + 1 for index, job in enumerate(_all(with_jobs))}

    assert [f"{job['hostname']}-{ids[job['id']]}" for job in body["jobs"]] == expected


def _all(api: Api) -> list[dict[str, Any]]:
    jobs: list[dict[str, Any]] = api.ok("GET", "/api/v2/jobs")["jobs"]
    return jobs


def test_an_unknown_order_is_a_400(module_api: Api) -> None:
    response = module_api.get("/api/v2/jobs", params={"order_by": "pid"})

    assert response.status_code == 400
    assert "latest_heartbeat" in response.json()["detail"]


# -- config --------------------------------------------------------------------------------------


def test_the_config_is_not_shown_unless_exposed(module_api: Api) -> None:
    for path in ("/api/v2/config", "/api/v2/config/section/core/option/load_examples"):
        response = module_api.get(path)

        assert response.status_code == 403
        assert "expose_config = true" in response.json()["detail"]


@pytest.fixture(scope="module")
def exposed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """Config exposed, with a database URL that has a password."""
    home = tmp_path_factory.mktemp("exposed")
    deployment = sqlite_deployment(home)
    settings = Settings(
        home=home,
        database=DatabaseSettings(url="postgresql+psycopg://tw:s3cret@db.example:5432/tw"),
        api=ApiSettings(secret_key=SECRET_KEY, expose_config=True),
    )
    app = create_app(settings, deployment.sessions)
    api = Api(deployment, app, TestClient(app))
    for role in Role:
        api.add_user(role.value.lower(), role)
    with api.client:
        yield api
    deployment.engine.dispose()


def _options(body: dict[str, Any]) -> dict[str, dict[str, str]]:
    return {
        section["name"]: {option["key"]: option["value"] for option in section["options"]}
        for section in body["sections"]
    }


def test_exposed_settings_hide_their_secrets(exposed: Api) -> None:
    options = _options(exposed.ok("GET", "/api/v2/config", role="Op"))

    assert list(options) == ["core", "database", "executor", "scheduler", "api"]
    assert options["api"]["secret_key"] == "< hidden >"
    assert options["database"]["url"] == "postgresql+psycopg://tw:***@db.example:5432/tw"
    assert options["core"]["dags_folder"] == str(exposed.deployment.home / "dags")
    assert options["api"]["expose_config"] == "true"
    assert options["api"]["access_token_expiration"] == "86400"
    assert SECRET_KEY not in str(options)


def test_a_section_or_an_option_is_read_alone(exposed: Api) -> None:
    section = exposed.ok("GET", "/api/v2/config", params={"section": "Executor"})
    option = exposed.ok("GET", "/api/v2/config/section/api/option/secret_key")
    text = exposed.get(
        "/api/v2/config", params={"section": "scheduler"}, headers={"Accept": "text/plain"}
    )

    assert list(_options(section)) == ["executor"]
    assert _options(option) == {"api": {"secret_key": "< hidden >"}}
    assert text.headers["content-type"].startswith("text/plain")
    assert text.text.startswith("[scheduler]\nzombie_timeout = 60.0\n")


@pytest.mark.parametrize(
    ("path", "detail"),
    [
        ("/api/v2/config?section=nope", "There is no section [nope]"),
        ("/api/v2/config/section/nope/option/x", "There is no section [nope]"),
        ("/api/v2/config/section/core/option/nope", "no option 'nope' in [core]"),
    ],
)
def test_an_unknown_section_or_option_is_a_404(exposed: Api, path: str, detail: str) -> None:
    response = exposed.get(path)

    assert response.status_code == 404
    assert detail in response.json()["detail"]


def test_an_unsupported_media_type_is_a_406(exposed: Api) -> None:
    response = exposed.get("/api/v2/config", headers={"Accept": "application/xml"})

    assert response.status_code == 406


@pytest.mark.parametrize(("role", "status"), [("Viewer", 403), ("User", 403), ("Op", 200)])
def test_reading_the_config_takes_op(exposed: Api, role: str, status: int) -> None:
    response = exposed.get("/api/v2/config", role=role)

    assert response.status_code == status
    if status == 403:
        assert f"role {role}" in response.json()["detail"]


@pytest.mark.parametrize("role", ["Viewer", "User", "Op", "Admin"])
def test_jobs_are_read_by_every_role(module_api: Api, role: str) -> None:
    assert module_api.get("/api/v2/jobs", role=role).status_code == 200


def test_jobs_are_not_read_without_logging_in(module_api: Api) -> None:
    assert module_api.get("/api/v2/jobs", role=None).status_code == 401
