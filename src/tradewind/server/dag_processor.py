"""The DAG processor: parses the DAG folder in child processes and records what it finds.

It re-parses when a file is added, changed or removed (checked every ``poll_interval``) and
in full every ``refresh_interval``. Each parse records DAGs and new DAG versions, replaces the
import errors of the files parsed, deactivates DAGs whose file is gone, and records the
assets the DAGs mention (an asset no active DAG mentions becomes inactive). A file that starts
failing keeps its DAGs (and their last good version) active and shows its import error.
"""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from tradewind.errors import DagFileError
from tradewind.runtime.loader import ParseResult, find_dag_files, parse_dag_files
from tradewind.server.jobs import end_job, start_job
from tradewind.server.specs import SessionFactory
from tradewind.storage.repos import assets as asset_repo
from tradewind.storage.repos import dags as dag_repo
from tradewind.storage.repos import import_errors as error_repo
from tradewind.storage.repos import jobs as job_repo

log = logging.getLogger(__name__)


@dataclass
class ParseReport:
    dag_ids: list[str] = field(default_factory=list)
    new_versions: list[str] = field(default_factory=list)
    deactivated: list[str] = field(default_factory=list)
    import_errors: int = 0


class DagProcessor:
    def __init__(
        self,
        *,
        session_factory: SessionFactory,
        dags_folders: list[Path],
        timeout: float = 30.0,
        paused_at_creation: bool = True,
        poll_interval: float = 1.0,
        refresh_interval: float = 30.0,
        on_change: Callable[[], None] | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.session_factory = session_factory
        self.dags_folders = [folder.expanduser().resolve() for folder in dags_folders]
        self.timeout = timeout
        self.paused_at_creation = paused_at_creation
        self.poll_interval = poll_interval
        self.refresh_interval = refresh_interval
        self.on_change = on_change
        self.clock = clock
        self._seen: dict[str, float] = {}
        self._parsed = False
        self.job_id: int | None = None

    def _snapshot(self) -> dict[str, float]:
        files: list[str] = []
        for folder in self.dags_folders:
            try:
                files.extend(find_dag_files(folder))
            except DagFileError:
                continue  # a folder that does not exist (yet) has no DAGs
        snapshot = {}
        for name in files:
            try:
                snapshot[name] = Path(name).stat().st_mtime
            except FileNotFoundError:
                continue
        return snapshot

    def changed(self) -> bool:
        return self._snapshot() != self._seen

    def parse_once(self) -> ParseReport:
        """Parse the whole folder now and record the result."""
        snapshot = self._snapshot()
        result = ParseResult()
        for folder in self.dags_folders:
            if any(Path(name).is_relative_to(folder) for name in snapshot):
                parsed = parse_dag_files(folder, timeout=self.timeout)
                result.specs.extend(parsed.specs)
                result.errors.extend(parsed.errors)
                result.files.extend(parsed.files)
        report = self._record(result, snapshot)
        self._seen = snapshot
        self._parsed = True
        if self.on_change is not None:
            self.on_change()
        return report

    def _record(self, result: ParseResult, snapshot: dict[str, float]) -> ParseReport:
        now = self.clock()
        failed_files = {error.filename for error in result.errors}
        sources = {}
        for name in result.files:
            if name in failed_files:
                continue  # keep the DAGs of a failing file as they were
            try:
                sources[name] = Path(name).read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
        specs = [spec for spec in result.specs if spec.fileloc not in failed_files]
        with self.session_factory() as session:
            sync = dag_repo.upsert_dags(
                session=session,
                specs=specs,
                sources=sources,
                now=now,
                paused_at_creation=self.paused_at_creation,
            )
            for dag_id in sync.new_versions:
                # A new or changed DAG is looked at by the scheduler at once.
                dag_repo.update_dag_next_run(
                    session=session,
                    dag_id=dag_id,
                    next_dagrun=None,
                    data_interval=None,
                    create_after=now,
                )
            error_repo.replace_import_errors(
                session=session, filenames=result.files, errors=result.errors, now=now
            )
            error_repo.delete_import_errors_of_missing_files(
                session=session, filenames=list(snapshot)
            )
            deactivated = dag_repo.deactivate_dags_of_missing_files(
                session=session, filelocs=list(snapshot)
            )
            asset_repo.sync_dag_assets(session=session, specs=specs, now=now)
            asset_repo.update_assets_active(session=session)
            session.commit()
        report = ParseReport(
            dag_ids=sorted(spec.dag_id for spec in specs),
            new_versions=sorted(sync.new_versions),
            deactivated=sorted(set(sync.deactivated) | set(deactivated)),
            import_errors=len(result.errors),
        )
        log.info(
            "Parsed %d DAG(s) from %s: %d new version(s), %d import error(s), %d deactivated",
            len(report.dag_ids),
            ", ".join(str(f) for f in self.dags_folders),
            len(report.new_versions),
            report.import_errors,
            len(report.deactivated),
        )
        return report

    def register(self) -> int:
        """Record this processor as a ``dag_processor`` job (health reports it); once."""
        if self.job_id is None:
            self.job_id = start_job(
                self.session_factory,
                kind="dag_processor",
                hostname=socket.gethostname(),
                now=self.clock(),
            )
        return self.job_id

    def run(self, stop: threading.Event) -> None:
        """Register (unless :meth:`register` did) and parse until ``stop``."""
        job_id = self.register()
        try:
            self._loop(stop, job_id)
        finally:
            end_job(self.session_factory, job_id, self.clock())

    def _loop(self, stop: threading.Event, job_id: int) -> None:
        last_full = self.clock()
        if not self._parsed:
            self.parse_once()
        while not stop.wait(self.poll_interval):
            with self.session_factory() as session:
                job_repo.update_job_heartbeat(session=session, job_id=job_id, now=self.clock())
                session.commit()
            due = (self.clock() - last_full).total_seconds() >= self.refresh_interval
            if due or self.changed():
                try:
                    self.parse_once()
                except Exception:  # a broken parse must not end the processor
                    log.exception("Parsing the DAG folders failed")
                last_full = self.clock()
