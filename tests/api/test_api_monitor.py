"""``/api/v2/monitor/health`` and ``/api/v2/version``: public, and honest about each part."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from tests.api.conftest import Api, settings_for

from tradewind.__about__ import __version__
from tradewind.api.app import create_app
from tradewind.storage.engine import create_engine_from_url, session_factory
from tradewind.storage.repos import jobs as job_repo


def _job(api: Api, kind: str, heartbeat: datetime, *, ended: bool = False) -> None:
    with api.deployment.sessions.begin() as session:
        job = job_repo.create_job(session=session, kind=kind, hostname="h", pid=1, now=heartbeat)
        if ended:
            job_repo.update_job_ended(session=session, job_id=job.id, now=heartbeat)


def test_health_without_a_scheduler_says_it_is_unhealthy(api: Api) -> None:
    body = api.ok("GET", "/api/v2/monitor/health", role=None)
    assert body == {
        "metadatabase": {"status": "healthy"},
        "scheduler": {"status": "unhealthy", "latest_scheduler_heartbeat": None},
        "triggerer": {"status": None, "latest_triggerer_heartbeat": None},
        "dag_processor": {"status": None, "latest_dag_processor_heartbeat": None},
    }


def test_health_with_a_recent_heartbeat_is_healthy(api: Api) -> None:
    now = datetime.now(UTC)
    _job(api, "scheduler", now)
    _job(api, "dag_processor", now)
    body = api.ok("GET", "/health", role=None)
    assert body["scheduler"]["status"] == "healthy"
    assert body["scheduler"]["latest_scheduler_heartbeat"] == now.isoformat()
    assert body["dag_processor"]["status"] == "healthy"


def test_a_silent_or_stopped_scheduler_is_unhealthy(api: Api) -> None:
    _job(api, "scheduler", datetime.now(UTC) - timedelta(minutes=5))
    assert api.ok("GET", "/api/v2/monitor/health", role=None)["scheduler"]["status"] == "unhealthy"
    _job(api, "scheduler", datetime.now(UTC), ended=True)
    assert api.ok("GET", "/api/v2/monitor/health", role=None)["scheduler"]["status"] == "unhealthy"


def test_an_unreachable_database_is_reported_not_raised(tmp_path: Path) -> None:
    engine = create_engine_from_url(
        "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1", pool_size=1
    )
    app = create_app(settings_for(tmp_path), session_factory(engine))
    with TestClient(app) as client:
        health = client.get("/api/v2/monitor/health")
        assert health.status_code == 200
        assert health.json()["metadatabase"] == {"status": "unhealthy"}
        assert health.json()["scheduler"]["status"] == "unhealthy"
        listed = client.get("/api/v2/dags", auth=("admin", "whatever password"))
        assert listed.status_code == 503
        assert listed.headers["Retry-After"] == "5"
    engine.dispose()


def test_version_is_public_and_names_the_version(api: Api) -> None:
    assert api.ok("GET", "/api/v2/version", role=None) == {
        "version": __version__,
        "git_version": None,
    }
