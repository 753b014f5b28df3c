"""``tradewind standalone``, ``scheduler`` and ``dag-processor``: the long-running parts."""

from __future__ import annotations

import gc
import sys
import threading
from pathlib import Path

import click


@click.command()
@click.option("--dags-folder", type=click.Path(path_type=Path), help="Folder of DAG files.")
@click.option("--port", type=int, help="Port of the API server and UI (default 8080).")
def standalone(dags_folder: Path | None, port: int | None) -> None:
    """Run every part of Tradewind in one command: database, DAG processor, scheduler."""
    from tradewind.config import load_settings
    from tradewind.logging import configure_logging
    from tradewind.server.standalone import run_standalone

    configure_logging()
    sys.exit(run_standalone(load_settings(), dags_folder=dags_folder, port=port))


@click.command()
def scheduler() -> None:
    """Run a scheduler with the local executor (several may run against PostgreSQL)."""
    from tradewind.config import load_settings
    from tradewind.logging import configure_logging
    from tradewind.server.assembly import build_scheduler, open_database
    from tradewind.server.signals import stop_on_signals
    from tradewind.storage.migrate import check

    configure_logging()
    settings = load_settings()
    engine, factory = open_database(settings)
    if not check(engine):
        raise click.ClickException("The database is not up to date; run `tradewind db migrate`.")
    stop = stop_on_signals()
    runner = build_scheduler(settings, factory)
    runner.executor.start()
    gc.freeze()  # what start-up built lives as long as the process: no full collection walks it
    try:
        runner_thread = threading.Thread(target=runner.run, args=(stop,), daemon=True)
        runner_thread.start()
        while runner_thread.is_alive() and not stop.wait(0.5):
            pass
        runner.wake()
        runner_thread.join(timeout=10)
    finally:
        runner.executor.stop()


@click.command("dag-processor")
@click.option("--dags-folder", type=click.Path(path_type=Path), help="Folder of DAG files.")
def dag_processor(dags_folder: Path | None) -> None:
    """Parse the DAG folder whenever a file changes and record DAGs and import errors."""
    from tradewind.config import load_settings
    from tradewind.logging import configure_logging
    from tradewind.server.assembly import build_dag_processor, dags_folders, open_database
    from tradewind.server.signals import stop_on_signals
    from tradewind.storage.migrate import check

    configure_logging()
    settings = load_settings()
    engine, factory = open_database(settings)
    if not check(engine):
        raise click.ClickException("The database is not up to date; run `tradewind db migrate`.")
    processor = build_dag_processor(settings, factory, folders=dags_folders(settings, dags_folder))
    processor.run(stop_on_signals())


@click.command("api-server")
@click.option("--host", help="Address to listen on (default [api] host, 127.0.0.1).")
@click.option("--port", type=int, help="Port to listen on (default [api] port, 8080).")
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Processes serving requests, each with its own database connections; about one per "
    "CPU core serves the most requests.",
)
def api_server(host: str | None, port: int | None, workers: int) -> None:
    """Serve the REST API (Airflow's /api/v2; several may run against one database)."""
    import uvicorn

    from tradewind.api.auth.tokens import resolve_secret_key
    from tradewind.config import load_settings
    from tradewind.logging import configure_logging
    from tradewind.server.api_process import uvicorn_config
    from tradewind.server.api_workers import serve_workers
    from tradewind.server.assembly import open_database
    from tradewind.storage.migrate import check

    configure_logging()
    settings = load_settings()
    engine, factory = open_database(settings)
    if not check(engine):
        raise click.ClickException("The database is not up to date; run `tradewind db migrate`.")
    host = host or settings.api.host
    port = settings.api.port if port is None else port
    click.echo(f"Tradewind API on http://{host}:{port} (docs: /docs)")
    if workers == 1:
        uvicorn.Server(uvicorn_config(settings, factory, host, port)).run()
        return
    engine.dispose()
    # Made once here: workers that each generated a key would refuse each other's tokens.
    resolve_secret_key(settings)
    serve_workers(host, port, workers)


def register(group: click.Group) -> None:
    group.add_command(standalone)
    group.add_command(scheduler)
    group.add_command(dag_processor)
    group.add_command(api_server)
