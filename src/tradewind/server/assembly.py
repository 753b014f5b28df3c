"""Building the long-running parts from settings: database, scheduler, executor, processor."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from tradewind.config import Settings
from tradewind.core.execution_service import StoreExecutionService
from tradewind.executors.local import LocalExecutor, service_handler
from tradewind.server.dag_processor import DagProcessor
from tradewind.server.scheduler import Scheduler, SchedulerOptions
from tradewind.server.specs import SessionFactory
from tradewind.storage.engine import engine_from_settings, session_factory
from tradewind.storage.sql_store import SqlStore


def example_dags_folder() -> Path | None:
    """The example pipelines: packaged in a wheel, or the repository's ``examples/``."""
    package = Path(__file__).resolve().parent.parent
    for candidate in (package / "example_dags", package.parent.parent / "examples"):
        if candidate.is_dir():
            return candidate
    return None


def dags_folders(settings: Settings, override: Path | None = None) -> list[Path]:
    folders = [override or settings.dags_folder]
    examples = example_dags_folder()
    if settings.core.load_examples and examples is not None:
        folders.append(examples)
    return folders


def open_database(settings: Settings) -> tuple[Engine, SessionFactory]:
    engine = engine_from_settings(settings)
    return engine, session_factory(engine)


def store_request_handler(factory: SessionFactory) -> Any:
    """Answers running tasks' requests, each in its own transaction (thread-safe)."""

    def handle(method: str, kwargs: dict[str, Any]) -> Any:
        with factory() as session:
            result = service_handler(StoreExecutionService(SqlStore(session)))(method, kwargs)
            session.commit()
            return result

    return handle


def build_scheduler(settings: Settings, factory: SessionFactory) -> Scheduler:
    """A scheduler with a local executor whose events wake it."""
    scheduler: Scheduler | None = None

    def wake() -> None:
        if scheduler is not None:
            scheduler.wake()

    executor = LocalExecutor(
        parallelism=settings.executor.parallelism,
        request_handler=store_request_handler(factory),
        logs_folder=settings.home / "logs",
        wake=wake,
        heartbeat_interval=settings.executor.heartbeat_interval,
        kill_grace=settings.executor.kill_grace,
        tries_per_process=settings.executor.tries_per_task_process,
    )
    scheduler = Scheduler(
        session_factory=factory,
        executor=executor,
        options=SchedulerOptions(
            parallelism=settings.executor.parallelism,
            zombie_timeout=settings.scheduler.zombie_timeout,
            sweep_interval=settings.scheduler.sweep_interval,
            poll_interval=settings.scheduler.poll_interval,
        ),
    )
    return scheduler


def build_dag_processor(
    settings: Settings, factory: SessionFactory, *, folders: list[Path], on_change: Any = None
) -> DagProcessor:
    return DagProcessor(
        session_factory=factory,
        dags_folders=folders,
        timeout=settings.core.dagbag_import_timeout,
        paused_at_creation=settings.core.dags_are_paused_at_creation,
        on_change=on_change,
    )
