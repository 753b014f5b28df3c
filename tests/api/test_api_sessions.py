"""The web UI's login: the form, the session cookie, the CSRF rule for it, and logging out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from http.cookies import SimpleCookie
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from httpx import Response
from tests.api.conftest import PASSWORD, SECRET_KEY, Api, make_api, sqlite_deployment

from tradewind.api.auth import users
from tradewind.api.auth.errors import NotAuthorizedError
from tradewind.api.auth.sessions import COOKIE_NAME, check_same_origin, safe_next
from tradewind.api.auth.throttle import LoginThrottle
from tradewind.api.auth.tokens import TokenService
from tradewind.cli import main
from tradewind.storage.repos import users as user_repo

LOGIN = "/auth/login"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
#: The test client's requests go to http://testserver.
SAME_ORIGIN = {"Origin": "http://testserver"}


def _login(
    api: Api,
    username: str = "viewer",
    password: str = PASSWORD,
    headers_origin: str | None = None,
    **form: str,
) -> Response:
    return api.client.post(
        LOGIN,
        data={"username": username, "password": password, **form},
        headers={"Origin": headers_origin} if headers_origin else {},
        follow_redirects=False,
    )


def _set_cookie(response: Response) -> SimpleCookie:
    cookie: SimpleCookie = SimpleCookie()
    cookie.load(response.headers["set-cookie"])
    return cookie


def _logged_in(api: Api, username: str = "viewer") -> TestClient:
    """A browser-like client of the app holding the session cookie of ``username``."""
    client = TestClient(api.app)
    response = client.post(
        LOGIN, data={"username": username, "password": PASSWORD}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    return client


# -- the form -------------------------------------------------------------------------------


def test_the_login_form_is_plain_html_posting_to_itself(api: Api) -> None:
    response = api.get(LOGIN, role=None, params={"next": "/dags/etl"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    page = response.text
    assert '<form method="post" action="/auth/login">' in page
    assert 'name="username"' in page and 'type="password"' in page
    assert 'name="next" value="/dags/etl"' in page
    assert "http" not in page.split("<body>")[1]  # nothing loaded from elsewhere


def test_the_form_escapes_what_it_echoes(api: Api) -> None:
    page = api.get(LOGIN, role=None, params={"next": '/x"><script>alert(1)</script>'}).text
    assert "<script>" not in page
    failed = _login(api, username="ghost", password="wrong", next='/"><b>')
    assert "<b>" not in failed.text


def test_a_good_login_sets_the_session_cookie_and_goes_on_to_next(api: Api) -> None:
    response = _login(api, next="/dags/etl?tab=runs")
    assert response.status_code == 303
    assert response.headers["location"] == "/dags/etl?tab=runs"
    morsel = _set_cookie(response)[COOKIE_NAME]
    assert morsel.value
    assert morsel["httponly"] is True
    assert morsel["samesite"].lower() == "lax"
    assert morsel["path"] == "/"
    assert not morsel["secure"]  # plain http here
    assert int(morsel["max-age"]) == 43200  # [api] session_lifetime's default: 12 h


def test_the_cookie_is_secure_over_https(api: Api) -> None:
    client = TestClient(api.app, base_url="https://testserver")
    response = client.post(
        LOGIN, data={"username": "viewer", "password": PASSWORD}, follow_redirects=False
    )
    assert _set_cookie(response)[COOKIE_NAME]["secure"] is True


@pytest.mark.parametrize(
    "next_path",
    [
        "https://evil.example/",
        "//evil.example/x",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "/ok\r\nSet-Cookie: x=y",
        "dags",
        "",
        "/" + "a" * 3000,
    ],
)
def test_next_never_leads_off_the_server(api: Api, next_path: str) -> None:
    response = _login(api, next=next_path)
    assert response.status_code == 303
    assert response.headers["location"] == "/"


def test_a_login_without_next_goes_to_the_root(api: Api) -> None:
    assert _login(api).headers["location"] == "/"


def test_safe_next_keeps_local_paths_only() -> None:
    assert safe_next("/dags?x=1#top") == "/dags?x=1#top"
    assert safe_next(None) == "/"
    assert safe_next("http:/x") == "/"
    assert safe_next("/%2F%2Fevil") == "/%2F%2Fevil"  # a path, still on this server


def test_a_wrong_password_shows_the_form_again_with_a_401(api: Api) -> None:
    response = _login(api, password="not the password", next="/dags")
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("text/html")
    assert "Invalid username or password." in response.text
    assert 'name="next" value="/dags"' in response.text
    assert 'value="viewer"' in response.text  # the username is kept, never the password
    assert "not the password" not in response.text
    assert "set-cookie" not in response.headers


def test_an_impossible_username_is_refused_like_a_wrong_password(api: Api) -> None:
    response = _login(api, username="a\x00b", password="whatever")
    assert response.status_code == 401
    assert "Invalid username or password." in response.text


def test_missing_fields_show_the_form_again_with_a_400(api: Api) -> None:
    response = api.client.post(LOGIN, content=b"username=viewer", headers=FORM)
    assert response.status_code == 400
    assert "Enter your username and password." in response.text


def test_a_login_posted_from_another_site_is_refused(api: Api) -> None:
    refused = _login(api, headers_origin="https://evil.example")
    assert refused.status_code == 403
    assert "another site" in refused.text
    assert "set-cookie" not in refused.headers
    same = api.client.post(
        LOGIN,
        data={"username": "viewer", "password": PASSWORD},
        headers=SAME_ORIGIN,
        follow_redirects=False,
    )
    assert same.status_code == 303


def test_a_login_sent_as_json_is_a_415_json_error(api: Api) -> None:
    response = api.post(LOGIN, role=None, json={"username": "viewer", "password": PASSWORD})
    assert response.status_code == 415
    assert "x-www-form-urlencoded" in response.json()["detail"]


def test_failed_form_logins_count_towards_the_throttle(tmp_path: Path) -> None:
    throttle = LoginThrottle(free_failures=2, clock=lambda: 0.0)
    api = make_api(sqlite_deployment(tmp_path), throttle=throttle)
    for _ in range(3):
        assert _login(api, password="guess").status_code == 401
    blocked = _login(api)  # the right password waits too
    assert blocked.status_code == 429
    assert blocked.headers["retry-after"] == "1"
    assert "try again in 1 s" in blocked.text
    # The same throttle as POST /auth/token: the token route is blocked as well.
    token = api.post("/auth/token", role=None, json={"username": "viewer", "password": PASSWORD})
    assert token.status_code == 429


def test_a_form_login_records_the_last_login(api: Api) -> None:
    _login(api, username="op")
    with api.deployment.sessions() as session:
        row = user_repo.get_user_by_name(session=session, username="op")
    assert row is not None and row.last_login_at is not None


# -- the cookie authenticates -----------------------------------------------------------------


def test_the_session_cookie_authenticates_api_requests(api: Api) -> None:
    browser = _logged_in(api, "viewer")
    response = browser.get("/api/v2/dags")
    assert response.status_code == 200
    # With the role of its user: a Viewer's session may not read variables.
    refused = browser.get("/api/v2/variables")
    assert refused.status_code == 403
    assert "role Viewer" in refused.json()["detail"]


def test_a_forged_or_expired_cookie_is_a_401(api: Api) -> None:
    forged = TokenService("x" * 48, expiration=timedelta(hours=1)).issue(
        user_id=1, username="admin", role="Admin", token_version=0
    )
    client = TestClient(api.app, cookies={COOKIE_NAME: forged})
    response = client.get("/api/v2/dags")
    assert response.status_code == 401
    assert "log in again at /auth/login" in response.json()["detail"]
    past = datetime.now(UTC) - timedelta(days=1)
    expired = TokenService(SECRET_KEY, expiration=timedelta(hours=1), clock=lambda: past).issue(
        user_id=1, username="admin", role="Admin", token_version=0
    )
    client = TestClient(api.app, cookies={COOKIE_NAME: expired})
    assert client.get("/api/v2/dags").status_code == 401


@pytest.mark.parametrize("change", ["password", "disable", "delete"])
def test_a_new_password_a_disabled_or_deleted_user_ends_the_session(api: Api, change: str) -> None:
    browser = _logged_in(api, "user")
    assert browser.get("/api/v2/dags").status_code == 200
    with api.deployment.sessions.begin() as session:
        if change == "password":
            users.reset_password(session, "user", "another long password")
        elif change == "disable":
            row = user_repo.get_user_by_name(session=session, username="user")
            assert row is not None
            row.is_active = False
        else:
            users.delete_user(session, "user")
    response = browser.get("/api/v2/dags")
    assert response.status_code == 401
    assert "log in again at /auth/login" in response.json()["detail"]


def test_bearer_comes_before_the_cookie(api: Api) -> None:
    browser = _logged_in(api, "viewer")
    response = browser.get("/api/v2/variables", headers=api.headers("Admin"))
    assert response.status_code == 200  # the Admin's token, not the Viewer's session


def test_the_session_lifetime_is_a_setting(tmp_path: Path) -> None:
    api = make_api(sqlite_deployment(tmp_path), session_lifetime=60)
    response = _login(api)
    assert int(_set_cookie(response)[COOKIE_NAME]["max-age"]) == 60


def test_tradewind_config_shows_the_session_lifetime(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    main._register_commands()
    monkeypatch.setenv("TRADEWIND_HOME", str(tmp_path))
    monkeypatch.setenv("TRADEWIND__API__SESSION_LIFETIME", "3600")
    result = CliRunner().invoke(main.cli, ["config", "get", "api", "session_lifetime"])
    assert result.exit_code == 0, result.output
    assert result.stdout == "3600\n"


# -- CSRF: unsafe methods must come from this server's pages ----------------------------------


def test_a_cookie_post_without_origin_or_referer_is_a_403_saying_why(api: Api) -> None:
    browser = _logged_in(api, "admin")
    response = browser.post("/api/v2/variables", json={"key": "k", "value": "v"})
    assert response.status_code == 403
    detail = response.json()["detail"]
    assert "Origin or Referer" in detail and "bearer token" in detail


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/api/v2/variables"),
        ("PUT", "/api/v2/backfills/1/pause"),
        ("PATCH", "/api/v2/variables/k"),
        ("DELETE", "/api/v2/variables/k"),
    ],
)
def test_every_unsafe_method_is_checked(api: Api, method: str, path: str) -> None:
    browser = _logged_in(api, "admin")
    response = browser.request(method, path, headers={"Origin": "https://evil"})
    assert response.status_code == 403
    assert "another site" in response.json()["detail"]


def test_a_cookie_post_from_another_site_is_refused(api: Api) -> None:
    browser = _logged_in(api, "admin")
    for origin in ("https://evil.example", "http://testserver.evil.example", "null"):
        response = browser.post(
            "/api/v2/variables", json={"key": "k", "value": "v"}, headers={"Origin": origin}
        )
        assert response.status_code == 403, origin
    referer = browser.post(
        "/api/v2/variables",
        json={"key": "k", "value": "v"},
        headers={"Referer": "https://evil.example/page"},
    )
    assert referer.status_code == 403


def test_a_cookie_post_from_this_server_is_allowed(api: Api) -> None:
    browser = _logged_in(api, "admin")
    created = browser.post(
        "/api/v2/variables", json={"key": "k", "value": "v"}, headers=SAME_ORIGIN
    )
    assert created.status_code == 201, created.text
    by_referer = browser.delete(
        "/api/v2/variables/k", headers={"Referer": "http://testserver/ui/variables"}
    )
    assert by_referer.status_code == 204, by_referer.text


def test_reads_with_the_cookie_need_no_origin(api: Api) -> None:
    browser = _logged_in(api, "admin")
    assert browser.get("/api/v2/variables", headers={"Origin": "https://evil"}).status_code == 200


def test_bearer_and_basic_requests_need_no_origin(api: Api) -> None:
    created = api.post("/api/v2/variables", json={"key": "k", "value": "v"})
    assert created.status_code == 201
    with_cookie_too = _logged_in(api, "viewer")
    response = with_cookie_too.post(
        "/api/v2/variables", json={"key": "k2", "value": "v"}, headers=api.headers("Admin")
    )
    assert response.status_code == 201  # the bearer authenticates; the cookie is not looked at


@pytest.mark.parametrize(
    ("source", "host", "same"),
    [
        ("http://ui.example", "ui.example", True),
        ("https://ui.example", "ui.example", True),
        ("https://ui.example", "UI.example:443", True),
        ("http://ui.example:8080", "ui.example:8080", True),
        ("http://ui.example:8080/page?x", "ui.example:8080", True),
        ("http://ui.example:8081", "ui.example:8080", False),
        ("http://ui.example", "ui.example:8080", False),
        ("https://ui.example.evil", "ui.example", False),
        ("ftp://ui.example", "ui.example", False),
        ("ui.example", "ui.example", False),
        ("http://ui.example:notaport", "ui.example", False),
        ("http://[::1", "ui.example", False),
    ],
)
def test_the_origin_must_name_the_host(source: str, host: str, same: bool) -> None:
    headers = {"origin": source, "host": host}
    if same:
        check_same_origin("POST", headers)
    else:
        with pytest.raises(NotAuthorizedError):
            check_same_origin("POST", headers)
    check_same_origin("GET", headers)  # reads are never refused


# -- logging out ---------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_logging_out_clears_the_cookie(api: Api, method: str) -> None:
    browser = _logged_in(api, "viewer")
    response = browser.request(method, "/auth/logout", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == LOGIN
    morsel = _set_cookie(response)[COOKIE_NAME]
    assert morsel.value == "" and int(morsel["max-age"]) == 0
    assert COOKIE_NAME not in browser.cookies
    assert browser.get("/api/v2/dags").status_code == 401


# -- the OpenAPI document ------------------------------------------------------------------


def test_the_openapi_document_lists_the_cookie_scheme(api: Api) -> None:
    document = api.get("/openapi.json", role=None).json()
    scheme = document["components"]["securitySchemes"]["SessionCookie"]
    assert scheme == {
        "type": "apiKey",
        "in": "cookie",
        "name": COOKIE_NAME,
        "description": scheme["description"],
    }
    security = document["paths"]["/api/v2/dags"]["get"]["security"]
    assert {"SessionCookie": []} in security and {"HTTPBearer": []} in security
    assert "security" not in document["paths"][LOGIN]["post"]
