"""The scheduler loop: woken by task events, with timers for periodic work.

Each step runs in one transaction: apply the executor's events (and plan the downstream
tasks of each finished try at once), record heartbeats, create scheduled runs that are due,
start queued runs, plan the runs that need it, queue what pools and limits allow, fail
zombies and timed-out runs. Workloads go to the executor after the commit. Nothing waits for
a polling interval when an event can wake it.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from tradewind.contracts.events import TaskEvent
from tradewind.contracts.runs import DagRunType, TaskInstanceKey
from tradewind.contracts.states import ACTIVE_TASK_STATES, DagRunState
from tradewind.contracts.states import TaskInstanceState as S
from tradewind.contracts.workloads import ExecuteTask
from tradewind.core.dagrun import DagRunDriver
from tradewind.core.limits import Occupancy, pick_queueable
from tradewind.core.planner import new_task_instance
from tradewind.core.run_creation import next_scheduled_run
from tradewind.core.spec_index import index_spec
from tradewind.executors.base import Executor
from tradewind.server.specs import SessionFactory, SpecCache
from tradewind.storage.repos import dag_runs as run_repo
from tradewind.storage.repos import dags as dag_repo
from tradewind.storage.repos import jobs as job_repo
from tradewind.storage.repos import pools as pool_repo
from tradewind.storage.repos import task_instances as ti_repo
from tradewind.storage.sql_store import SqlStore
from tradewind.timetables import DataInterval

log = logging.getLogger(__name__)

RunKey = tuple[str, str]


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class SchedulerOptions:
    parallelism: int = 32
    #: A running try silent this long is a zombie.
    zombie_timeout: float = 60.0
    #: How often runs are re-planned in full (retry delays, missed events) and zombies sought.
    sweep_interval: float = 1.0
    heartbeat_interval: float = 5.0
    max_runs_per_step: int = 64


class Scheduler:
    def __init__(
        self,
        *,
        session_factory: SessionFactory,
        executor: Executor,
        options: SchedulerOptions | None = None,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        self.session_factory = session_factory
        self.executor = executor
        self.options = options or SchedulerOptions()
        self.clock = clock
        self.specs = SpecCache()
        self._wake = threading.Event()
        self._in_flight: set[TaskInstanceKey] = set()
        self._next_sweep = datetime.min.replace(tzinfo=UTC)
        self._next_wakeup: datetime | None = None
        self._next_heartbeat = datetime.min.replace(tzinfo=UTC)
        self.job_id: int | None = None

    # -- the loop ------------------------------------------------------------------------------

    def wake(self) -> None:
        """Run the next step now (called by the executor when an event arrives)."""
        self._wake.set()

    def run(self, stop: threading.Event) -> None:
        with self.session_factory() as session:
            job = job_repo.create_job(
                session=session,
                kind="scheduler",
                hostname=socket.gethostname(),
                pid=os.getpid(),
                now=self.clock(),
            )
            session.commit()
            self.job_id = job.id
        self.reset_orphaned_tasks()
        try:
            while not stop.is_set():
                self.step()
                self._wake.wait(timeout=self._seconds_to_next_timer())
                self._wake.clear()
        finally:
            with self.session_factory() as session:
                job_repo.update_job_ended(session=session, job_id=self.job_id, now=self.clock())
                session.commit()

    def _seconds_to_next_timer(self) -> float:
        now = self.clock()
        due = [self._next_sweep, self._next_heartbeat]
        if self._next_wakeup is not None:
            due.append(self._next_wakeup)
        return max(0.0, min(5.0, min((d - now).total_seconds() for d in due)))

    def step(self) -> int:
        """One pass of scheduling; returns the number of workloads submitted."""
        now = self.clock()
        sweep = now >= self._next_sweep
        with self.session_factory() as session:
            store = SqlStore(session)
            touched: dict[RunKey, set[str] | None] = defaultdict(set)
            self._apply_events(session, store, now, touched)
            if sweep:
                self._next_sweep = now + timedelta(seconds=self.options.sweep_interval)
                self._create_scheduled_runs(session, store, now, touched)
                self._fail_zombies(session, store, now, touched)
                self._time_out_runs(session, store, now)
                for run in run_repo.list_dag_runs_to_plan(
                    session=session, limit=self.options.max_runs_per_step
                ):
                    touched[(run.dag_id, run.run_id)] = None
            self._start_queued_runs(session, store, now, touched)
            self._plan(session, store, now, touched)
            workloads = self._queue(session, store, now)
            if now >= self._next_heartbeat and self.job_id is not None:
                job_repo.update_job_heartbeat(session=session, job_id=self.job_id, now=now)
                self._next_heartbeat = now + timedelta(seconds=self.options.heartbeat_interval)
            session.commit()
        for workload in workloads:
            self._in_flight.add(workload.key)
            self.executor.submit(workload)
        return len(workloads)

    # -- pieces of a step ------------------------------------------------------------------------

    def _driver(
        self, session: Session, store: SqlStore, dag_id: str, run_id: str
    ) -> DagRunDriver | None:
        run = store.get_dag_run(dag_id, run_id)
        if run is None:
            return None
        spec = self.specs.get(session, dag_id, run.dag_version)
        if spec is None:
            log.error(
                "DAG run %s of %s names an unknown DAG version %s", run_id, dag_id, run.dag_version
            )
            return None
        return DagRunDriver(spec, store, run)

    def _apply_events(
        self,
        session: Session,
        store: SqlStore,
        now: datetime,
        touched: dict[RunKey, set[str] | None],
    ) -> None:
        heartbeats = getattr(self.executor, "heartbeats", None)
        for key in heartbeats() if heartbeats is not None else ():
            # The first heartbeat of a try comes when its process starts: it is running.
            if not ti_repo.update_task_instance_heartbeat(session=session, key=key, now=now):
                driver = self._driver(session, store, key.dag_id, key.run_id)
                if driver is not None and driver.mark_running(key, now):
                    ti_repo.update_task_instance_heartbeat(session=session, key=key, now=now)
        for event in self.executor.events():
            self._apply_event(session, store, event, now, touched)

    def _apply_event(
        self,
        session: Session,
        store: SqlStore,
        event: TaskEvent,
        now: datetime,
        touched: dict[RunKey, set[str] | None],
    ) -> None:
        key = event.key
        driver = self._driver(session, store, key.dag_id, key.run_id)
        if driver is None:
            return
        if event.state is S.RUNNING:
            driver.mark_running(key, event.start_date or now, hostname=event.hostname)
            return
        self._in_flight.discard(key)
        changed = driver.apply_event(event, now)
        bucket = touched[(key.dag_id, key.run_id)]
        if bucket is not None:
            bucket.update(changed)

    def _create_scheduled_runs(
        self,
        session: Session,
        store: SqlStore,
        now: datetime,
        touched: dict[RunKey, set[str] | None],
    ) -> None:
        for dag in dag_repo.list_dags_needing_runs(
            session=session, now=now, limit=self.options.max_runs_per_step
        ):
            spec = self.specs.latest(session, dag.dag_id)
            if spec is None:
                continue
            active = run_repo.count_dag_runs(
                session=session,
                dag_ids=[dag.dag_id],
                states=[DagRunState.QUEUED, DagRunState.RUNNING],
            ).get(dag.dag_id, 0)
            latest = run_repo.list_latest_automated_runs(session=session, dag_ids=[dag.dag_id]).get(
                dag.dag_id
            )
            last = (
                DataInterval(latest.data_interval_start, latest.data_interval_end)
                if latest is not None
                and latest.data_interval_start is not None
                and latest.data_interval_end is not None
                else None
            )
            decision = next_scheduled_run(spec, last_automated=last, active_runs=active, now=now)
            if decision.due is not None:
                info = decision.due
                driver = DagRunDriver.create(
                    spec,
                    store,
                    run_id=None,
                    run_type=DagRunType.SCHEDULED,
                    logical_date=info.logical_date,
                    data_interval=(info.data_interval.start, info.data_interval.end),
                    run_after=info.run_after,
                    now=now,
                )
                touched[(spec.dag_id, driver.run.run_id)] = None
                last = info.data_interval
                decision = next_scheduled_run(
                    spec, last_automated=last, active_runs=active + 1, now=now
                )
            dag_repo.update_dag_next_run(
                session=session,
                dag_id=dag.dag_id,
                next_dagrun=None,
                data_interval=None,
                create_after=decision.next_check if decision.due is None else now,
            )

    def _start_queued_runs(
        self,
        session: Session,
        store: SqlStore,
        now: datetime,
        touched: dict[RunKey, set[str] | None],
    ) -> None:
        rows = run_repo.list_dag_runs_to_start(
            session=session, now=now, limit=self.options.max_runs_per_step
        )
        if not rows:
            return
        running = run_repo.count_dag_runs(
            session=session, dag_ids={r.dag_id for r in rows}, states=[DagRunState.RUNNING]
        )
        for row in rows:
            spec = self.specs.get(session, row.dag_id, row.dag_version_hash) or self.specs.latest(
                session, row.dag_id
            )
            if spec is None or running.get(row.dag_id, 0) >= spec.max_active_runs:
                continue
            run = store.dag_run_record(row)
            if run.dag_version is None:  # created by a trigger without a version: take the latest
                run.dag_version = spec.version_hash
            if not store.list_task_instances(run.dag_id, run.run_id):
                index = index_spec(spec)
                store.add_task_instances(
                    new_task_instance(index, run.dag_id, run.run_id, task_id)
                    for task_id in index.order
                )
            DagRunDriver(spec, store, run).start(now)
            running[row.dag_id] = running.get(row.dag_id, 0) + 1
            touched[(run.dag_id, run.run_id)] = None

    def _plan(
        self,
        session: Session,
        store: SqlStore,
        now: datetime,
        touched: dict[RunKey, set[str] | None],
    ) -> None:
        wakeups: list[datetime] = []
        planned_ids: list[int] = []
        for (dag_id, run_id), candidates in touched.items():
            driver = self._driver(session, store, dag_id, run_id)
            if driver is None or driver.run.state is not DagRunState.RUNNING:
                continue
            plan = driver.plan(now, candidates)
            if not plan.ready and candidates is not None:
                plan = driver.plan(now, None)
            if plan.next_wakeup is not None:
                wakeups.append(plan.next_wakeup)
            driver.update_state(now, plan)
            row = run_repo.get_dag_run(session=session, dag_id=dag_id, run_id=run_id)
            if row is not None:
                planned_ids.append(row.id)
        run_repo.update_last_scheduling_decision(session=session, run_ids=planned_ids, when=now)
        self._next_wakeup = min(wakeups) if wakeups else None

    def _queue(self, session: Session, store: SqlStore, now: datetime) -> list[ExecuteTask]:
        free = self.options.parallelism - len(self._in_flight)
        if free <= 0:
            return []
        rows = ti_repo.list_task_instances_to_queue(session=session, limit=free * 4)
        if not rows:
            return []
        active = ti_repo.count_active_task_instances(session=session)
        dag_active: dict[str, int] = defaultdict(int)
        for (dag_id, _task_id), count in active.items():
            dag_active[dag_id] += count
        occupancy = Occupancy(
            free_slots=free,
            pool_free={
                p.name: p.slots - p.queued - p.running - (p.deferred if p.include_deferred else 0)
                for p in pool_repo.list_pool_usage(session=session)
            },
            dag_active=dict(dag_active),
            task_active=dict(active),
        )
        records = [store.task_instance_record(row) for row in rows]
        drivers: dict[RunKey, DagRunDriver | None] = {}
        for ti in records:
            run_key = (ti.dag_id, ti.run_id)
            if run_key not in drivers:
                drivers[run_key] = self._driver(session, store, *run_key)
            driver = drivers[run_key]
            if driver is not None:
                occupancy.dag_limit[ti.dag_id] = driver.spec.max_active_tasks
                task = driver.spec.tasks.get(ti.task_id)
                if task is not None:
                    occupancy.task_limit[(ti.dag_id, ti.task_id)] = task.max_active_tis_per_dag
        workloads = []
        for ti in pick_queueable(records, occupancy):
            driver = drivers[(ti.dag_id, ti.run_id)]
            if driver is not None:
                workloads.append(driver.workload(ti, now))
        if workloads and self.job_id is not None:
            ti_repo.update_task_instance_states(
                session=session,
                keys=[w.key.without_try() for w in workloads],
                state=S.QUEUED,
                from_states=[S.QUEUED],
                values={"queued_by_job_id": self.job_id},
            )
        return workloads

    def _fail_zombies(
        self,
        session: Session,
        store: SqlStore,
        now: datetime,
        touched: dict[RunKey, set[str] | None],
    ) -> None:
        silent_since = now - timedelta(seconds=self.options.zombie_timeout)
        for row in ti_repo.list_zombie_task_instances(
            session=session, heartbeat_before=silent_since, limit=100
        ):
            key = TaskInstanceKey(
                row.dag_id, row.run_id, row.task_id, row.map_index, row.try_number
            )
            state = S.UP_FOR_RETRY if row.try_number <= row.max_tries else S.FAILED
            error = f"Zombie: no heartbeat from the try for more than {self.options.zombie_timeout:g} s."
            log.warning("%s %s", key, error)
            self._apply_event(
                session,
                store,
                TaskEvent(key=key, state=state, error=error, end_date=now),
                now,
                touched,
            )

    def _time_out_runs(self, session: Session, store: SqlStore, now: datetime) -> None:
        for row in run_repo.list_dag_runs(session=session, states=[DagRunState.RUNNING]):
            driver = self._driver(session, store, row.dag_id, row.run_id)
            if (
                driver is None
                or driver.spec.dagrun_timeout is None
                or driver.run.start_date is None
            ):
                continue
            if now - driver.run.start_date > timedelta(seconds=driver.spec.dagrun_timeout):
                driver.time_out(now)

    def reset_orphaned_tasks(self) -> None:
        """Tries queued or running under a scheduler that is gone are scheduled again."""
        now = self.clock()
        with self.session_factory() as session:
            store = SqlStore(session)
            alive = {
                job.id
                for job in job_repo.list_alive_jobs(
                    session=session,
                    kind="scheduler",
                    since=now - timedelta(seconds=self.options.zombie_timeout),
                )
            }
            alive.discard(self.job_id)  # this scheduler has just started: nothing of it runs yet
            for row in ti_repo.list_task_instances(session=session, states=ACTIVE_TASK_STATES):
                if row.queued_by_job_id in alive:
                    continue
                driver = self._driver(session, store, row.dag_id, row.run_id)
                if driver is not None:
                    driver.reset_orphan(store.task_instance_record(row), now)
            session.commit()

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"<Scheduler job={self.job_id} in_flight={len(self._in_flight)}>"
