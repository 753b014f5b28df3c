"""Logging in, tokens, HTTP Basic, the login throttle, and which routes are public."""

from __future__ import annotations

import base64
import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient
from tests.api.conftest import PASSWORD, Api, make_api, sqlite_deployment

from tradewind.api.auth import tokens, users
from tradewind.api.auth.errors import NotAuthenticatedError, TooManyLoginFailuresError
from tradewind.api.auth.throttle import LoginThrottle
from tradewind.api.auth.tokens import TokenClaims, TokenService, resolve_secret_key
from tradewind.config import ApiSettings, Settings
from tradewind.errors import ConfigError

PUBLIC = {("POST", "/auth/token"), ("GET", "/api/v2/monitor/health"), ("GET", "/health")}
PUBLIC |= {("GET", "/api/v2/version"), ("GET", "/api/v1/health")}
PUBLIC |= {("GET", "/auth/login"), ("POST", "/auth/login")}
PUBLIC |= {("GET", "/auth/logout"), ("POST", "/auth/logout")}


def _basic(username: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def test_a_json_login_gives_a_bearer_token_that_authenticates(api: Api) -> None:
    response = api.post("/auth/token", role=None, json={"username": "viewer", "password": PASSWORD})
    assert response.status_code == 201
    body = response.json()
    assert body["token_type"] == "bearer"
    dags = api.get(
        "/api/v2/dags", role=None, headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert dags.status_code == 200
    assert dags.json() == {"dags": [], "total_entries": 0}


def test_a_form_encoded_login_works_like_json(api: Api) -> None:
    response = api.post("/auth/token", role=None, data={"username": "admin", "password": PASSWORD})
    assert response.status_code == 201
    assert response.json()["access_token"]


def test_a_wrong_password_and_an_unknown_user_get_the_same_401(api: Api) -> None:
    wrong = api.post("/auth/token", role=None, json={"username": "admin", "password": "nope"})
    unknown = api.post("/auth/token", role=None, json={"username": "ghost", "password": "nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["detail"] == unknown.json()["detail"] == "Invalid username or password."


def test_a_login_without_a_password_is_a_422_naming_the_field(api: Api) -> None:
    response = api.post("/auth/token", role=None, json={"username": "admin"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "password"]
    assert "password" in response.json()["title"]


def test_a_login_body_that_is_not_json_is_a_422(api: Api) -> None:
    response = api.post(
        "/auth/token",
        role=None,
        content=b"{not json",
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 422


def test_a_login_in_another_media_type_is_a_415(api: Api) -> None:
    response = api.post(
        "/auth/token", role=None, content=b"x", headers={"Content-Type": "text/plain"}
    )
    assert response.status_code == 415


def test_validation_errors_never_echo_the_password(api: Api) -> None:
    response = api.post(
        "/auth/token", role=None, json={"username": "", "password": "s3cret-value", "x": 1}
    )
    assert response.status_code == 422
    assert "s3cret-value" not in response.text


def test_no_credentials_is_a_401_with_www_authenticate(api: Api) -> None:
    response = api.get("/api/v2/dags", role=None)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert "POST /auth/token" in response.json()["detail"]


def test_a_malformed_token_is_a_401(api: Api) -> None:
    response = api.get("/api/v2/dags", role=None, headers={"Authorization": "Bearer abc.def"})
    assert response.status_code == 401
    assert "not valid" in response.json()["detail"]


def test_a_token_signed_with_another_key_is_a_401(api: Api) -> None:
    forged = TokenService("x" * 48, expiration=timedelta(hours=1)).issue(
        user_id=1, username="admin", role="Admin", token_version=0
    )
    response = api.get("/api/v2/dags", role=None, headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401


def test_an_expired_token_is_a_401_saying_so(api: Api) -> None:
    past = datetime.now(UTC) - timedelta(days=2)
    expired = TokenService("k" * 48, expiration=timedelta(hours=1), clock=lambda: past).issue(
        user_id=1, username="admin", role="Admin", token_version=0
    )
    response = api.get("/api/v2/dags", role=None, headers={"Authorization": f"Bearer {expired}"})
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


def test_a_token_checked_before_still_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    service = TokenService("k" * 48, expiration=timedelta(minutes=10))
    token = service.issue(user_id=7, username="someone", role="User", token_version=3)
    assert service.check(token) == TokenClaims(user_id=7, token_version=3)
    assert service.check(token) == TokenClaims(user_id=7, token_version=3)  # remembered
    later = time.time() + 3600
    monkeypatch.setattr(tokens, "time", SimpleNamespace(time=lambda: later))
    with pytest.raises(NotAuthenticatedError, match="expired"):
        service.check(token)


def test_a_new_password_ends_the_tokens_issued_before(api: Api) -> None:
    assert api.get("/api/v2/dags", role="User").status_code == 200
    with api.deployment.sessions.begin() as session:
        users.reset_password(session, "user", "another long password")
    response = api.get("/api/v2/dags", role="User")
    assert response.status_code == 401
    assert "log in again" in response.json()["detail"]


def test_a_deleted_users_token_stops_working(api: Api) -> None:
    with api.deployment.sessions.begin() as session:
        users.delete_user(session, "op")
    assert api.get("/api/v2/dags", role="Op").status_code == 401


def test_http_basic_credentials_authenticate(api: Api) -> None:
    response = api.get("/api/v2/dags", role=None, headers=_basic("viewer", PASSWORD))
    assert response.status_code == 200


def test_wrong_or_malformed_basic_credentials_are_a_401(api: Api) -> None:
    assert api.get("/api/v2/dags", role=None, headers=_basic("viewer", "bad")).status_code == 401
    malformed = api.get("/api/v2/dags", role=None, headers={"Authorization": "Basic !!!"})
    assert malformed.status_code == 401


def test_repeated_failed_logins_are_slowed_down_with_429_and_retry_after(tmp_path: Path) -> None:
    now = [1000.0]
    throttle = LoginThrottle(free_failures=5, clock=lambda: now[0])
    api = make_api(sqlite_deployment(tmp_path), throttle=throttle)
    bad = {"username": "admin", "password": "guess"}
    for _ in range(5):
        assert api.post("/auth/token", role=None, json=bad).status_code == 401
    assert api.post("/auth/token", role=None, json=bad).status_code == 401  # 6th: delay starts
    blocked = api.post("/auth/token", role=None, json={"username": "admin", "password": PASSWORD})
    assert blocked.status_code == 429  # even the right password waits
    assert blocked.headers["Retry-After"] == "1"
    now[0] += 1.5
    assert api.post("/auth/token", role=None, json=bad).status_code == 401
    assert api.post("/auth/token", role=None, json=bad).status_code == 429
    now[0] += 2.5  # the delay doubled to 2 s
    good = api.post("/auth/token", role=None, json={"username": "admin", "password": PASSWORD})
    assert good.status_code == 201
    assert api.post("/auth/token", role=None, json=bad).status_code == 401  # forgotten


def test_failed_basic_logins_count_towards_the_throttle(tmp_path: Path) -> None:
    throttle = LoginThrottle(free_failures=2, clock=lambda: 0.0)
    api = make_api(sqlite_deployment(tmp_path), throttle=throttle)
    for _ in range(3):
        api.get("/api/v2/dags", role=None, headers=_basic("viewer", "bad"))
    response = api.get("/api/v2/dags", role=None, headers=_basic("viewer", PASSWORD))
    assert response.status_code == 429


def test_the_throttle_counts_each_username_and_address_apart() -> None:
    throttle = LoginThrottle(free_failures=1, clock=lambda: 0.0)
    throttle.failed("alice", "10.0.0.1")
    throttle.failed("Alice", "10.0.0.1")
    with pytest.raises(TooManyLoginFailuresError):
        throttle.check("alice", "10.0.0.1")
    throttle.check("alice", "10.0.0.2")
    throttle.check("bob", "10.0.0.1")


def test_the_throttle_keeps_a_bounded_number_of_entries() -> None:
    throttle = LoginThrottle(free_failures=0, max_entries=10, clock=lambda: 0.0)
    for number in range(50):
        throttle.failed(f"user{number}", "addr")
    with pytest.raises(TooManyLoginFailuresError):
        throttle.check("user49", "addr")
    throttle.check("user0", "addr")  # evicted


_NUMERIC = ("_id", "index", "number")


def test_every_route_but_the_public_ones_needs_authentication(api: Api) -> None:
    paths = api.get("/openapi.json", role=None).json()["paths"]
    checked = 0
    for route, methods in paths.items():
        # Every path parameter filled with a value of its type: numbers for ids and indexes.
        path = re.sub(
            r"\{([a-z_]+)\}",
            lambda m: "1" if m.group(1).endswith(_NUMERIC) else "x",
            route,
        )
        for method in methods:
            if (method.upper(), route) in PUBLIC:
                continue
            response = api.request(method.upper(), path, role=None, json={})
            assert response.status_code == 401, (method, route, response.text)
            checked += 1
    assert checked >= 20


def test_health_version_and_the_openapi_document_are_public(api: Api) -> None:
    assert api.get("/api/v2/monitor/health", role=None).status_code == 200
    assert api.get("/health", role=None).status_code == 200
    assert api.get("/api/v2/version", role=None).status_code == 200
    spec = api.get("/openapi.json", role=None)
    assert spec.status_code == 200
    assert "/api/v2/dags/{dag_id}/dagRuns" in spec.json()["paths"]
    assert api.get("/docs", role=None).status_code == 200


def test_a_secret_key_is_generated_once_and_kept_private(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path)
    key = resolve_secret_key(settings)
    assert len(key) >= 32
    assert resolve_secret_key(settings) == key
    assert (tmp_path / "api_secret_key").stat().st_mode & 0o077 == 0


def test_a_short_configured_secret_key_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="at least 32"):
        resolve_secret_key(Settings(home=tmp_path, api=ApiSettings(secret_key="short")))


def test_tokens_survive_a_restart_with_the_same_key(api: Api) -> None:
    token = api.tokens["viewer"]
    again = make_api(api.deployment, with_users=False)
    with TestClient(again.app) as client:
        response = client.get("/api/v2/dags", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
