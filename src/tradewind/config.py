"""Typed settings: defaults, then ``$TRADEWIND_HOME/tradewind.toml``, then the environment.

Entry points build one :class:`Settings` with :func:`load_settings` and pass it down; nothing
reads settings at import time. An environment variable ``TRADEWIND__SECTION__KEY`` (for
example ``TRADEWIND__CORE__DAGS_FOLDER``) overrides ``[section] key`` of the file;
``TRADEWIND_DATABASE_URL`` overrides ``[database] url``.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tradewind.errors import ConfigError

ENV_PREFIX = "TRADEWIND__"
#: Environment variable prefixes that define Variables (``TRADEWIND_VAR_KEY``), Tradewind's first.
VARIABLE_ENV_PREFIXES = ("TRADEWIND_VAR_", "AIRFLOW_VAR_")
#: Environment variable prefixes that define Connections by URI or JSON.
CONNECTION_ENV_PREFIXES = ("TRADEWIND_CONN_", "AIRFLOW_CONN_")
DATABASE_URL_ENV = "TRADEWIND_DATABASE_URL"


def default_home(env: Mapping[str, str]) -> Path:
    return Path(env.get("TRADEWIND_HOME") or Path.home() / "tradewind").expanduser()


@dataclass(frozen=True)
class CoreSettings:
    #: Folder of DAG files; empty means ``$TRADEWIND_HOME/dags``.
    dags_folder: str = ""
    #: Seconds one DAG file may take to import before it becomes an import error.
    dagbag_import_timeout: float = 30.0
    #: Time zone of naive dates in DAG files.
    default_timezone: str = "UTC"
    #: Load the example pipelines shipped with Tradewind.
    load_examples: bool = True
    #: New DAGs start paused, as in Airflow; unpause them to let the scheduler run them.
    dags_are_paused_at_creation: bool = True


@dataclass(frozen=True)
class DatabaseSettings:
    #: SQLAlchemy URL of the metadata database; empty means ``sqlite:///$TRADEWIND_HOME/tradewind.db``.
    url: str = ""
    #: Connections kept open per process (PostgreSQL).
    pool_size: int = 5
    #: Connections opened past ``pool_size`` under load (PostgreSQL).
    max_overflow: int = 10
    #: Seconds after which a pooled connection is replaced (PostgreSQL).
    pool_recycle: int = 1800
    #: Seconds a SQLite writer waits for the database lock before failing.
    sqlite_busy_timeout: float = 30.0


@dataclass(frozen=True)
class ExecutorSettings:
    #: Task tries that may run at once.
    parallelism: int = 32
    #: Seconds between heartbeats of a running try.
    heartbeat_interval: float = 5.0
    #: Seconds between a try's execution_timeout and its hard kill.
    kill_grace: float = 5.0
    #: Tries one task process may run one after the other, each after the previous one
    #: succeeded (or skipped) and left the process as it found it (no threads or processes
    #: left running; environment, working directory, sys.path, open files and signal handlers
    #: unchanged). A reused process saves a fork and its set-up; what tasks keep in module
    #: globals stays for the next try. 1 runs every try in a fresh process.
    tries_per_task_process: int = 100


@dataclass(frozen=True)
class SchedulerSettings:
    #: A running try silent this many seconds is a zombie (failed or retried).
    zombie_timeout: float = 60.0
    #: Seconds between full passes over running runs (retries due, missed events).
    sweep_interval: float = 1.0
    #: Seconds between looks for runs made by other processes (triggered or cleared through
    #: the CLI or the API) and runs due on a timetable; a run ending starts a look at once.
    poll_interval: float = 0.2


@dataclass(frozen=True)
class ApiSettings:
    host: str = "127.0.0.1"
    port: int = 8080
    #: Key that signs the API's access tokens (HS256); empty means one generated once and
    #: kept in ``$TRADEWIND_HOME/api_secret_key``. Give every API server the same key.
    secret_key: str = ""
    #: Seconds an access token from ``POST /auth/token`` stays valid.
    access_token_expiration: int = 86400
    #: Seconds a web UI login (the session cookie of ``POST /auth/login``) stays valid.
    session_lifetime: int = 43200
    #: The largest page a list endpoint returns, whatever ``limit`` asks for.
    maximum_page_limit: int = 100
    #: Failed logins in a row (per username and client address) before each further attempt
    #: must wait, twice as long after each failure.
    login_failures_before_delay: int = 5
    #: A scheduler or DAG processor silent this many seconds is reported unhealthy.
    health_check_threshold: float = 30.0
    #: Let ``GET /api/v2/config`` show the settings in effect (to Op and Admin; secrets such as
    #: ``secret_key`` and the database password stay hidden either way).
    expose_config: bool = False


@dataclass(frozen=True)
class Settings:
    home: Path
    core: CoreSettings = field(default_factory=CoreSettings)
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    executor: ExecutorSettings = field(default_factory=ExecutorSettings)
    scheduler: SchedulerSettings = field(default_factory=SchedulerSettings)
    api: ApiSettings = field(default_factory=ApiSettings)

    @property
    def database_url(self) -> str:
        return self.database.url or f"sqlite:///{self.home / 'tradewind.db'}"

    @property
    def dags_folder(self) -> Path:
        return (
            Path(self.core.dags_folder).expanduser()
            if self.core.dags_folder
            else self.home / "dags"
        )


def settings_sections(settings: Settings) -> dict[str, Any]:
    """Section name → its settings object, in the order ``Settings`` declares them."""
    return {
        f.name: getattr(settings, f.name)
        for f in dataclasses.fields(settings)
        if dataclasses.is_dataclass(getattr(settings, f.name))
    }


def setting_in_effect(settings: Settings, section: str, key: str) -> Any:
    """The value of ``[section] key`` in effect (what an empty dags_folder or database url
    stands for)."""
    if (section, key) == ("core", "dags_folder"):
        return str(settings.dags_folder)
    if (section, key) == ("database", "url"):
        return settings.database_url
    return getattr(getattr(settings, section), key)


def setting_text(value: Any) -> str:
    """A setting's value as the settings file spells it (``true``, not ``True``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _convert(section: str, key: str, raw: Any, kind: Any) -> Any:
    name = f"[{section}] {key}"
    try:
        if kind in ("bool", bool):
            if isinstance(raw, bool):
                return raw
            text = str(raw).strip().lower()
            if text in ("1", "true", "yes", "on"):
                return True
            if text in ("0", "false", "no", "off"):
                return False
            raise ValueError(raw)
        if kind in ("float", float):
            return float(raw)
        if kind in ("int", int):
            return int(raw)
        return str(raw)
    except ValueError:
        raise ConfigError(f"Setting {name} has the bad value {raw!r}; expected a {kind}.") from None


def _section(cls: Any, section: str, values: Mapping[str, Any]) -> Any:
    known = {f.name: f for f in dataclasses.fields(cls)}
    unknown = set(values) - set(known)
    if unknown:
        raise ConfigError(
            f"Unknown setting(s) in [{section}]: {', '.join(sorted(unknown))}. "
            f"Known: {', '.join(sorted(known))}."
        )
    return cls(**{k: _convert(section, k, v, known[k].type) for k, v in values.items()})


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Settings from the defaults, the home folder's ``tradewind.toml`` and ``env``."""
    env = os.environ if env is None else env
    home = default_home(env)
    raw: dict[str, dict[str, Any]] = {}
    config_file = home / "tradewind.toml"
    if config_file.is_file():
        try:
            raw = {k: dict(v) for k, v in tomllib.loads(config_file.read_text()).items()}
        except tomllib.TOMLDecodeError as error:
            raise ConfigError(f"{config_file} is not valid TOML: {error}") from None
    for name, value in env.items():
        if name.startswith(ENV_PREFIX) and name.count("__") == 2:
            section, key = name[len(ENV_PREFIX) :].lower().split("__")
            raw.setdefault(section, {})[key] = value
    if env.get(DATABASE_URL_ENV):
        raw.setdefault("database", {})["url"] = env[DATABASE_URL_ENV]
    sections = {
        "core": CoreSettings,
        "database": DatabaseSettings,
        "executor": ExecutorSettings,
        "scheduler": SchedulerSettings,
        "api": ApiSettings,
    }
    unknown = set(raw) - set(sections)
    if unknown:
        raise ConfigError(f"Unknown settings section(s): {', '.join(sorted(unknown))}.")
    return Settings(
        home=home,
        **{name: _section(cls, name, raw.get(name, {})) for name, cls in sections.items()},
    )
