"""``tradewind standalone``: every part in one command, for one machine.

Migrates the database, then runs the DAG processor and the scheduler with the local executor
in threads of this process (the executor's tasks run in forked children of its warm
supervisor). Ctrl-C (or SIGTERM) stops everything and leaves no process behind.
"""

from __future__ import annotations

import gc
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType

import click

from tradewind.__about__ import __version__
from tradewind.config import Settings
from tradewind.server.api_process import serve_api_in_thread
from tradewind.server.assembly import (
    build_dag_processor,
    build_scheduler,
    dags_folders,
    open_database,
)
from tradewind.server.standalone_admin import PASSWORD_FILE, ensure_admin
from tradewind.storage.migrate import migrate


def run_standalone(
    settings: Settings,
    *,
    dags_folder: Path | None = None,
    port: int | None = None,
    say: Callable[[str], None] = click.echo,
    stop: threading.Event | None = None,
) -> int:
    started = time.perf_counter()
    stop = stop or threading.Event()
    settings.home.mkdir(parents=True, exist_ok=True)
    engine, factory = open_database(settings)
    migrate(engine)
    folders = dags_folders(settings, dags_folder)
    for folder in folders[:1]:
        folder.mkdir(parents=True, exist_ok=True)
    scheduler = build_scheduler(settings, factory)
    processor = build_dag_processor(
        settings, factory, folders=folders, on_change=scheduler.wake_for_runs
    )
    processor.parse_once()
    password = ensure_admin(factory, settings.home)
    # Port 0: a free port, which the ready line names.
    port = settings.api.port if port is None else port
    api = serve_api_in_thread(settings, factory, settings.api.host, port, stop)
    scheduler.executor.start()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()
        scheduler.wake()

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, request_stop)
        signal.signal(signal.SIGTERM, request_stop)
    # Registered before "Ready": the health check reports both from the first request.
    scheduler.register()
    processor.register()
    threads = [
        threading.Thread(target=scheduler.run, args=(stop,), name="scheduler", daemon=True),
        threading.Thread(target=processor.run, args=(stop,), name="dag-processor", daemon=True),
    ]
    for thread in threads:
        thread.start()
    gc.freeze()  # what start-up built lives as long as the process: no full collection walks it
    say(f"Tradewind {__version__} standalone")
    say(f"  home           {settings.home}")
    say(f"  database       {engine.url.render_as_string(hide_password=True)}")
    say(f"  DAG folders    {', '.join(str(f) for f in folders)}")
    say(f"  scheduler      local executor, parallelism {settings.executor.parallelism}")
    say("  DAG processor  watching the DAG folders")
    say(f"  API            {api.url}/api/v2 (docs at {api.url}/docs)")
    if password is not None:
        say(f"  login          admin / {password}  (also in {settings.home / PASSWORD_FILE})")
    else:
        say(f"  login          admin (password in {settings.home / PASSWORD_FILE})")
    paused = (
        "New DAGs start paused: `tradewind dags unpause DAG_ID`. "
        if settings.core.dags_are_paused_at_creation
        else "New DAGs start unpaused. "
    )
    say(f"Ready in {time.perf_counter() - started:.2f} s. {paused}Press Ctrl-C to stop.")
    try:
        while not stop.wait(0.5):
            if not all(thread.is_alive() for thread in threads):
                say("A part of standalone stopped unexpectedly; shutting down.")
                stop.set()
                return 1
        return 0
    finally:
        scheduler.wake()
        for thread in threads:
            thread.join(timeout=10)
        scheduler.executor.stop()
        api.stop()
        engine.dispose()
        say("Stopped.")
