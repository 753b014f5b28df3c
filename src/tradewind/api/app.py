"""The FastAPI application: ``create_app(settings, session_factory)``.

Public routes: ``POST /auth/token``, the login form (``/auth/login``, ``/auth/logout``),
``GET /api/v2/monitor/health`` (and ``/health``), ``GET /api/v2/version``, and the OpenAPI
document (``/openapi.json``, ``/docs``). Every other route needs a bearer token, HTTP Basic
credentials or the session cookie: the routers that hold them are included with the
authentication dependency, so a new route cannot forget it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

from fastapi import Depends, FastAPI

from tradewind.__about__ import __version__
from tradewind.api.auth.sessions import SessionCookies
from tradewind.api.auth.throttle import LoginThrottle
from tradewind.api.auth.tokens import TokenService, resolve_secret_key
from tradewind.api.deps import ApiState, current_user
from tradewind.api.errors import install_error_handlers
from tradewind.api.fast_lane import RunsListFastLane
from tradewind.api.routers import (
    assets,
    auth,
    backfills,
    config,
    connections,
    dag_runs,
    dag_versions,
    dags,
    import_errors,
    jobs,
    monitor,
    pools,
    task_dependencies,
    task_instance_changes,
    task_instances,
    task_logs,
    v1_dag_runs,
    v1_dags,
    v1_monitor,
    v1_resources,
    v1_task_instances,
    variables,
    version,
    xcom,
)
from tradewind.config import Settings
from tradewind.server.specs import SessionFactory

DESCRIPTION = """\
Tradewind's REST API follows Apache Airflow 3's public API (`/api/v2`): the same paths,
parameters, field names and pagination (`limit`, `offset`, `order_by`, `total_entries`).

Authenticate with a token from `POST /auth/token` (`Authorization: Bearer <token>`), with
HTTP Basic credentials, or (in a browser) with the session cookie the login form at
`/auth/login` sets. Errors are `{"detail": ..., "title": ...}`.
"""

#: Routers anyone may call; every other router requires an authenticated user.
PUBLIC_ROUTERS = (auth.router, monitor.router, version.router, v1_monitor.router)
PROTECTED_ROUTERS = (
    dags.router,
    dag_runs.router,
    # Before task_instances: its …/{task_id}/{map_index} would take …/{task_id}/xcomEntries.
    xcom.router,
    task_logs.router,
    task_dependencies.router,
    task_instances.router,
    task_instance_changes.router,
    assets.router,
    backfills.router,
    v1_dags.router,
    v1_dag_runs.router,
    v1_task_instances.router,
    variables.router,
    connections.router,
    pools.router,
    v1_resources.router,
    import_errors.router,
    dag_versions.router,
    jobs.router,
    config.router,
)


def create_app(
    settings: Settings,
    session_factory: SessionFactory,
    *,
    clock: Callable[[], datetime] | None = None,
    throttle: LoginThrottle | None = None,
) -> FastAPI:
    """The API application over the metadata database that ``session_factory`` opens."""
    secret_key = resolve_secret_key(settings)
    tokens = TokenService(
        secret_key, expiration=timedelta(seconds=settings.api.access_token_expiration)
    )
    state = ApiState(
        settings=settings,
        session_factory=session_factory,
        tokens=tokens,
        throttle=throttle or LoginThrottle(free_failures=settings.api.login_failures_before_delay),
        clock=clock or (lambda: datetime.now(UTC)),
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            state.loop_db.close()

    app = FastAPI(
        lifespan=lifespan,
        title="Tradewind API",
        version=__version__,
        description=DESCRIPTION,
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
        # Operation ids are the route functions' names, which are Airflow's operation ids.
        generate_unique_id_function=lambda route: route.name,
    )
    app.state.tradewind = state
    app.state.tradewind_sessions = SessionCookies(
        secret_key, lifetime=timedelta(seconds=settings.api.session_lifetime)
    )
    install_error_handlers(app)
    app.add_middleware(RunsListFastLane, state=state)
    for router in PUBLIC_ROUTERS:
        app.include_router(router)
    for router in PROTECTED_ROUTERS:
        app.include_router(router, dependencies=[Depends(current_user)])
    return app
