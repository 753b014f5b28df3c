"""HTTP Basic logins are remembered for a few minutes: one password check, not one per request.

A remembered login ends as soon as the user's password changes, or the user is disabled or
deleted; failures are never remembered and still count towards the login throttle.
"""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from tests.api.conftest import PASSWORD, Api, make_api, sqlite_deployment

from tradewind.api.auth import users
from tradewind.api.auth.basic_cache import BasicAuthCache
from tradewind.api.auth.throttle import LoginThrottle
from tradewind.storage.repos import users as user_repo

DAGS = "/api/v2/dags"


def _basic(username: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The passwords checked against a hash (argon2 verifications), in order."""
    checked: list[str] = []
    verify = users.verify_password

    def counting(password_hash: str | None, password: str) -> bool:
        checked.append(password)
        return verify(password_hash, password)

    monkeypatch.setattr(users, "verify_password", counting)
    return checked


def _status(api: Api, username: str, password: str) -> int:
    return api.get(DAGS, role=None, headers=_basic(username, password)).status_code


def test_repeated_basic_requests_check_the_password_once(api: Api, checks: list[str]) -> None:
    for _ in range(5):
        assert _status(api, "viewer", PASSWORD) == 200
    assert checks == [PASSWORD]


def test_the_cache_keeps_a_keyed_hash_not_the_password(api: Api) -> None:
    assert _status(api, "viewer", PASSWORD) == 200
    kept = api.state.basic_logins._entries
    assert len(kept) == 1
    assert all(PASSWORD.encode() not in key for key in kept)


def test_a_new_password_ends_the_remembered_login(api: Api, checks: list[str]) -> None:
    assert _status(api, "user", PASSWORD) == 200
    with api.deployment.sessions.begin() as session:
        users.reset_password(session, "user", "another long password")
    assert _status(api, "user", PASSWORD) == 401
    assert _status(api, "user", "another long password") == 200
    assert checks == [PASSWORD, PASSWORD, "another long password"]


def test_a_disabled_user_is_refused_at_once(api: Api) -> None:
    assert _status(api, "op", PASSWORD) == 200
    with api.deployment.sessions.begin() as session:
        row = user_repo.get_user_by_name(session=session, username="op")
        assert row is not None
        row.is_active = False
    assert _status(api, "op", PASSWORD) == 401


def test_a_deleted_user_is_refused_at_once(api: Api) -> None:
    assert _status(api, "op", PASSWORD) == 200
    with api.deployment.sessions.begin() as session:
        users.delete_user(session, "op")
    assert _status(api, "op", PASSWORD) == 401


def test_a_role_change_applies_to_a_remembered_login(api: Api) -> None:
    assert (
        api.post(
            f"{DAGS}/nope/dagRuns",
            role=None,
            headers=_basic("user", PASSWORD),
            json={"logical_date": None},
        ).status_code
        == 404
    )
    with api.deployment.sessions.begin() as session:
        row = user_repo.get_user_by_name(session=session, username="user")
        assert row is not None
        row.role = "Viewer"
    refused = api.post(
        f"{DAGS}/nope/dagRuns",
        role=None,
        headers=_basic("user", PASSWORD),
        json={"logical_date": None},
    )
    assert refused.status_code == 403


def test_failures_are_not_remembered_and_still_throttled(tmp_path: Path, checks: list[str]) -> None:
    api = make_api(
        sqlite_deployment(tmp_path), throttle=LoginThrottle(free_failures=2, clock=lambda: 0.0)
    )
    assert _status(api, "viewer", PASSWORD) == 200  # remembered
    for _ in range(3):
        assert _status(api, "viewer", "wrong password") == 401
    assert len(api.state.basic_logins) == 1
    # The throttle comes first: the blocked username and address wait, remembered or not.
    assert _status(api, "viewer", PASSWORD) == 429
    assert checks == [PASSWORD, *["wrong password"] * 3]
    api.deployment.engine.dispose()


def test_a_remembered_login_expires() -> None:
    now = [0.0]
    cache = BasicAuthCache(ttl=300.0, clock=lambda: now[0])
    cache.put("viewer", PASSWORD, user_id=7, token_version=2)
    hit = cache.get("viewer", PASSWORD)
    assert hit is not None and (hit.user_id, hit.token_version) == (7, 2)
    assert cache.get("viewer", PASSWORD + "!") is None
    assert cache.get("Viewer", PASSWORD) is None
    now[0] = 300.0
    assert cache.get("viewer", PASSWORD) is None
    assert len(cache) == 0


def test_the_cache_keeps_a_bounded_number_of_logins() -> None:
    cache = BasicAuthCache(max_entries=3)
    for number in range(5):
        cache.put(f"user{number}", PASSWORD, user_id=number, token_version=0)
    assert len(cache) == 3
    assert cache.get("user0", PASSWORD) is None
    assert cache.get("user4", PASSWORD) is not None
