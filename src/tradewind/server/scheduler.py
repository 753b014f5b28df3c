"""The scheduler loop: woken by task events, with timers for periodic work.

Each step runs in one transaction and commits once; workloads go to the executor after the
commit. A step woken by events does only what they call for:

1. apply the executor's events (a try ended, a try's process started or heartbeats);
2. plan the touched runs, looking only at the tasks the events may have made ready (the
   finished task's downstream tasks) and reading only their instances and their inputs;
3. queue what pools and limits allow, if the step made something ready or a backlog waits.

Timers add the rest: every ``poll_interval`` the runs made by other processes (triggered,
cleared, due on a timetable) are created and started; every ``sweep_interval`` zombies and
timed-out runs are failed, orphaned tries adopted and the running runs planned in full (retry
delays, missed events). A waiting retry sets its own timer. Nothing waits for a polling
interval when an event can wake it.

What a step decides beyond the database happens once it has committed: its workloads go to
the executor, the tries whose instances moved on without them (marked or cleared by a user,
skipped by a run's timeout, failed as zombies) are stopped, and the DAG callbacks of the runs
it ended are handed to the executor, which calls them in a process of their own. A crash
between the commit and the hand-over loses those callbacks: they run at most once.

Several schedulers may share a PostgreSQL database: a step locks the runs it changes
(``FOR UPDATE``, in one order), sweeps and backlogs claim runs and instances with
``SELECT … FOR UPDATE SKIP LOCKED``, ``queued`` is written by a compare-and-set that returns
what it got, and a try queued by one scheduler is adopted by another only when the first stops
heartbeating (or is gone from this host). What a step reads and how it plans is in
:mod:`tradewind.server.scheduler_step` (docs/adr/0007).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from tradewind.contracts.events import TaskEvent
from tradewind.contracts.runs import DagRunType, TaskInstanceKey
from tradewind.contracts.states import DagRunState
from tradewind.contracts.states import TaskInstanceState as S
from tradewind.contracts.workloads import ExecuteTask, RunDagCallbacks
from tradewind.core import transitions as tr
from tradewind.core.dagrun import DagRunDriver
from tradewind.core.limits import Occupancy, pick_queueable
from tradewind.core.planner import new_task_instance
from tradewind.core.run_creation import next_scheduled_run
from tradewind.core.spec_index import index_spec
from tradewind.errors import DagRunAlreadyExistsError
from tradewind.executors.base import ControllableExecutor, Executor
from tradewind.server.asset_triggers import create_asset_triggered_runs, record_outlet_events
from tradewind.server.jobs import end_job, start_job
from tradewind.server.scheduler_step import RunKey, Step, Waiting, with_downstream
from tradewind.server.specs import SessionFactory, SpecCache
from tradewind.server.stored_backfills import advance_backfills
from tradewind.storage.engine import hold_write_lock
from tradewind.storage.records import TaskInstanceRecord
from tradewind.storage.repos import dag_runs as run_repo
from tradewind.storage.repos import dags as dag_repo
from tradewind.storage.repos import jobs as job_repo
from tradewind.storage.repos import pools as pool_repo
from tradewind.storage.repos import task_instances as ti_repo
from tradewind.storage.rows import TaskInstanceRow
from tradewind.timetables import DataInterval

__all__ = ["Scheduler", "SchedulerOptions"]

log = logging.getLogger(__name__)

_EPOCH = datetime.min.replace(tzinfo=UTC)


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class SchedulerOptions:
    parallelism: int = 32
    #: A running try silent this long is a zombie.
    zombie_timeout: float = 60.0
    #: How often zombies, timed-out runs and orphaned tries are sought and running runs are
    #: planned in full (missed events).
    sweep_interval: float = 1.0
    #: How often runs that other processes made (triggered, cleared) or that timetables make
    #: due are looked for between sweeps.
    poll_interval: float = 0.2
    #: How often the scheduler's job records that it is alive.
    heartbeat_interval: float = 5.0
    max_runs_per_step: int = 64


#: Claims one queueing pass may make when limits hold back whole claims (see ``_queue``).
_MAX_CLAIMS_PER_STEP = 4
#: The free slots of a pool of -1 slots (no limit).
_UNLIMITED = 1 << 30


@dataclass
class _Picking:
    """One queueing pass: the slots it may fill, what runs, and what limits held back."""

    free: int
    occupancy: Occupancy | None = None
    #: What limits held back, to leave out of the next claim: DAGs at max_active_tasks,
    #: full pools, and (dag_id, task_id) of tasks at a task limit.
    held_dags: set[str] = field(default_factory=set)
    held_pools: set[str] = field(default_factory=set)
    held_tasks: set[tuple[str, str]] = field(default_factory=set)

    @property
    def held_back(self) -> bool:
        return bool(self.held_dags or self.held_pools or self.held_tasks)

    def hold_back(
        self, records: list[TaskInstanceRecord], chosen: list[TaskInstanceRecord]
    ) -> None:
        occupancy = self.occupancy
        picked = {ti.key for ti in chosen}
        for ti in records:
            if ti.key in picked:
                continue
            if occupancy is None:
                self.held_tasks.add((ti.dag_id, ti.task_id))
            elif occupancy.dag_is_full(ti.dag_id):
                self.held_dags.add(ti.dag_id)
            elif occupancy.pool_free.get(ti.pool, 0) <= 0:
                self.held_pools.add(ti.pool)
            else:
                self.held_tasks.add((ti.dag_id, ti.task_id))


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


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
        self.job_id: int | None = None
        self._hostname = socket.gethostname()
        self._wake = threading.Event()
        #: Tries handed to the executor whose end has not been applied yet.
        self._in_flight: set[TaskInstanceKey] = set()
        #: What the executor reported and no committed step has applied yet.
        self._events: list[TaskEvent] = []
        self._heard: set[TaskInstanceKey] = set()
        self._next_sweep = _EPOCH
        self._next_poll = _EPOCH
        self._next_heartbeat = _EPOCH
        #: When a run's waiting retry (or reschedule) is due: plan it then.
        self._wakeups: dict[RunKey, datetime] = {}
        #: Scheduled instances may wait that the last queueing pass did not take.
        self._backlog = True
        #: A run ended or was created: look for runs to create and start in this step.
        self._look_for_runs = True
        #: Tasks known to wait for an unfinished upstream task (see ``Step.waiting``).
        self._waiting: Waiting = {}
        #: Pool name → (slots, whether deferred instances hold slots), read on sweeps.
        self._pools: dict[str, tuple[int, bool]] | None = None
        #: Decided by the current step, done once it commits: tries to stop, with why, and
        #: DAG callbacks to call.
        self._kills: list[tuple[TaskInstanceKey, str]] = []
        self._callbacks: list[RunDagCallbacks] = []
        #: Tries told to stop whose (stale) events have not arrived yet.
        self._stopping: set[TaskInstanceKey] = set()
        #: The executor, if the scheduler can stop its tries and have it call DAG callbacks.
        self._controllable = executor if isinstance(executor, ControllableExecutor) else None

    # -- the loop ------------------------------------------------------------------------------

    def wake(self) -> None:
        """Run the next step now (called by the executor when an event arrives)."""
        self._wake.set()

    def wake_for_runs(self) -> None:
        """Look for runs to create and start in the next step, and run it now (a run was
        triggered, or DAGs changed, in this process)."""
        self._look_for_runs = True
        self._wake.set()

    def register(self) -> int:
        """Record this scheduler as a ``scheduler`` job (health reports it); once."""
        if self.job_id is None:
            self.job_id = start_job(
                self.session_factory, kind="scheduler", hostname=self._hostname, now=self.clock()
            )
        return self.job_id

    def run(self, stop: threading.Event) -> None:
        """Register (unless :meth:`register` did) and step until ``stop`` is set."""
        job_id = self.register()
        self.reset_orphaned_tasks()
        failures = 0
        try:
            while not stop.is_set():
                try:
                    self.step()
                    failures = 0
                except Exception:  # the loop's boundary: a failed step is tried again
                    self._backlog = self._look_for_runs = True  # what it decided is undone
                    self._kills.clear()
                    self._callbacks.clear()
                    failures += 1
                    log.exception("A scheduler step failed (%d in a row); trying again", failures)
                    stop.wait(min(5.0, 0.05 * 2**failures))
                    continue
                self._wake.wait(timeout=self._seconds_to_next_timer())
                self._wake.clear()
        finally:
            end_job(self.session_factory, job_id, self.clock())

    def _seconds_to_next_timer(self) -> float:
        if self._look_for_runs:  # a run ended: the DAG's next run may start at once
            return 0.0
        now = self.clock()
        due = [self._next_sweep, self._next_poll, self._next_heartbeat, *self._wakeups.values()]
        return max(0.0, min(5.0, min((d - now).total_seconds() for d in due)))

    def step(self) -> int:
        """One pass of scheduling; returns the number of workloads submitted."""
        now = self.clock()
        sweep = now >= self._next_sweep
        poll = sweep or self._look_for_runs or now >= self._next_poll
        self._events.extend(self.executor.events())
        heartbeats = getattr(self.executor, "heartbeats", None)
        if heartbeats is not None:
            self._heard.update(heartbeats())
        with self.session_factory() as session:
            # A step reads, decides, then writes; on SQLite it is the writer throughout, so a
            # task marked or cleared meanwhile is not overwritten by what the step read before.
            hold_write_lock(session)
            step = Step(session, now, sweep=sweep, waiting=self._waiting)
            self._apply_events(step)
            for run_key, when in list(self._wakeups.items()):
                if when <= now:
                    del self._wakeups[run_key]
                    step.plan_undecided(run_key)
            if sweep:
                self._sweep(step)
            if poll:
                self._look_for_runs = False
                self._next_poll = now + timedelta(seconds=self.options.poll_interval)
                self._create_scheduled_runs(step)
                create_asset_triggered_runs(step.session, self.specs, now, step.store)
                advance_backfills(step.session, self.specs, now, step.store)
                self._start_queued_runs(step)
            self._plan(step)
            queue = step.made_ready or self._backlog or sweep
            workloads = self._queue(step) if queue else []
            if now >= self._next_heartbeat and self.job_id is not None:
                job_repo.update_job_heartbeat(session=session, job_id=self.job_id, now=now)
                self._next_heartbeat = now + timedelta(seconds=self.options.heartbeat_interval)
            session.commit()
        self._events.clear()
        self._heard.clear()
        if sweep:
            self._next_sweep = now + timedelta(seconds=self.options.sweep_interval)
        self._after_commit()
        for workload in workloads:
            self._in_flight.add(workload.key)
            self.executor.submit(workload)
        return len(workloads)

    def _after_commit(self) -> None:
        """Stop the tries and call the DAG callbacks that the committed step decided on."""
        kills, self._kills = self._kills, []
        callbacks, self._callbacks = self._callbacks, []
        executor = self._controllable
        if executor is None:
            return
        for key, reason in kills:
            log.warning("Stopping %s: %s", key, reason)
            executor.kill(key, reason)
            self._stopping.add(key)
            self._in_flight.discard(key)  # a waiting try is dropped without an event
        for workload in callbacks:
            executor.submit_callbacks(workload)

    # -- runs and their drivers ------------------------------------------------------------------

    def _driver(
        self, step: Step, dag_id: str, run_id: str, *, lock: bool = True
    ) -> DagRunDriver | None:
        """The run's driver, built once per step: the run is read once, and locked, so that
        one scheduler at a time changes its instances (several share PostgreSQL). Queueing
        claims instances on its own and reads the run unlocked (``lock=False``)."""
        run_key = (dag_id, run_id)
        if run_key in step.drivers:
            return step.drivers[run_key]
        driver = None
        if lock:
            run = step.store.lock_dag_run(dag_id, run_id)
        else:
            run = step.store.get_dag_run(dag_id, run_id)
        if run is not None:
            spec = self.specs.get(step.session, dag_id, run.dag_version)
            if spec is None:
                log.error(
                    "DAG run %s of %s names an unknown DAG version %s",
                    run_id,
                    dag_id,
                    run.dag_version,
                )
            else:
                driver = DagRunDriver(spec, step.store, run)
        step.drivers[run_key] = driver
        return driver

    # -- 1. events -----------------------------------------------------------------------------

    def _apply_events(self, step: Step) -> None:
        # A try that ended in this batch needs no separate start: its end records both.
        ended = {event.key for event in self._events if event.state is not S.RUNNING}
        heard = [key for key in self._heard if key not in ended]
        events: dict[RunKey, list[TaskEvent]] = defaultdict(list)
        for event in self._events:
            events[(event.key.dag_id, event.key.run_id)].append(event)
        heard_tasks: dict[RunKey, set[str]] = defaultdict(set)
        for key in heard:
            heard_tasks[(key.dag_id, key.run_id)].add(key.task_id)
        for run_key in sorted(events.keys() | heard_tasks.keys()):  # locks in one order
            driver = self._driver(step, *run_key)
            if driver is None:
                self._in_flight.difference_update(e.key for e in events.get(run_key, ()))
                continue
            # One read of the instances the events change and planning after them decides
            # (what those decisions depend on is read by the plan, if it must be).
            ended_tasks = {e.key.task_id for e in events.get(run_key, ())}
            touched = with_downstream(driver, ended_tasks)  # what the events will touch
            planned = with_downstream(driver, touched)  # what planning them may decide
            step.read(driver, planned | heard_tasks.get(run_key, set()))
            for event in events.get(run_key, ()):
                self._apply_event(step, driver, event)
        self._record_heartbeats(step, heard)

    def _apply_event(self, step: Step, driver: DagRunDriver, event: TaskEvent) -> None:
        if event.state is S.RUNNING:
            driver.mark_running(event.key, event.start_date or step.now, hostname=event.hostname)
            return
        self._in_flight.discard(event.key)
        changed = driver.apply_event(event, step.now)
        if not changed:  # an older try's, or its instance was marked or cleared meanwhile
            return
        if event.state is S.SUCCESS and record_outlet_events(
            step.session, driver.spec, event.key, step.now, event.outlet_events
        ):
            self._look_for_runs = True  # consumers of these assets may be due next step
        run_key = (event.key.dag_id, event.key.run_id)
        step.ended[run_key][event.key.task_id] = event.state
        if event.skip_task_ids:  # skips changed instances the step (and ``waiting``) knows of
            step.forget_light(run_key)
            self._waiting.pop(run_key, None)
        step.touch(run_key, changed)

    def _record_heartbeats(self, step: Step, keys: list[TaskInstanceKey]) -> None:
        """Heartbeats of running tries; the first one of a try says its process started (its
        start date then stands for a heartbeat)."""
        starting: list[TaskInstanceRecord] = []
        beating: list[TaskInstanceKey] = []
        for key in keys:
            ti = step.store.get_task_instance(key.dag_id, key.run_id, key.task_id, key.map_index)
            if ti is None or ti.try_number != key.try_number:
                continue
            if ti.state is S.QUEUED:
                tr.START.apply(ti, step.now)
                starting.append(ti)
            elif ti.state is S.RUNNING:
                beating.append(key)
        step.store.save_task_instances(starting)
        ti_repo.update_task_instance_heartbeats(session=step.session, keys=beating, now=step.now)

    # -- 2. planning -----------------------------------------------------------------------------

    def _plan(self, step: Step) -> None:
        for run_key, candidates in list(step.touched.items()):
            driver = self._driver(step, *run_key)
            if driver is None or driver.run.state is not DagRunState.RUNNING:
                self._wakeups.pop(run_key, None)
                continue
            if run_key in step.swept:
                candidates = step.with_undecided(driver, candidates)
            state = step.plan_run(driver, candidates)
            if state is not DagRunState.RUNNING:
                self._wakeups.pop(run_key, None)
                self._waiting.pop(run_key, None)
                step.wakeups.pop(run_key, None)
                step.ended_dags.add(driver.run.dag_id)
                self._run_ended(driver)
        for run_key, (when, found_in_full) in step.wakeups.items():
            current = self._wakeups.get(run_key)
            if found_in_full or current is None or when < current:
                self._wakeups[run_key] = when
        if step.ended_dags:
            # A finished run may let the DAG's next scheduled or queued run go (max_active_runs).
            for dag_id in step.ended_dags:
                dag_repo.update_dag_next_run(
                    session=step.session,
                    dag_id=dag_id,
                    next_dagrun=None,
                    data_interval=None,
                    create_after=step.now,
                )
            self._look_for_runs = True

    # -- 3. queueing -----------------------------------------------------------------------------

    def _queue(self, step: Step) -> list[ExecuteTask]:
        free = self.options.parallelism - len(self._in_flight)
        if free <= 0:
            self._backlog = True
            return []
        if not (self._backlog or step.sweep):
            # Nothing waited before this step: what it made ready is all there is to queue.
            ready = [ti for ti in step.ready if ti.state is S.SCHEDULED]
            return self._queue_some(step, ready, _Picking(free)) if ready else []
        # Whatever waits, of every run: claimed, highest priority first. When limits hold back
        # part of a full claim, claim again without the held-back tasks and pools, so that
        # they cannot starve the instances behind them.
        limit = min(free * 2, 1024)
        picking = _Picking(free)
        workloads: list[ExecuteTask] = []
        self._backlog = False
        for _ in range(_MAX_CLAIMS_PER_STEP):
            rows = ti_repo.claim_task_instance_rows_to_queue(
                session=step.session,
                limit=limit,
                skip_dags=picking.held_dags,
                skip_tasks=picking.held_tasks,
                skip_pools=picking.held_pools,
            )
            records = [step.store.task_instance_record(row) for row in rows]
            workloads += self._queue_some(step, records, picking)
            if len(rows) < limit:
                break
            self._backlog = True  # more wait than one claim takes
            if picking.occupancy is None or picking.occupancy.free_slots <= 0:
                break
            if not picking.held_back:
                break
        return workloads

    def _queue_some(
        self, step: Step, records: list[TaskInstanceRecord], picking: _Picking
    ) -> list[ExecuteTask]:
        """Queue what limits allow of ``records``; ``picking`` carries what is running and
        learns what was held back."""
        if not records:
            return []
        drivers: dict[RunKey, DagRunDriver] = {}
        for ti in records:
            driver = self._driver(step, ti.dag_id, ti.run_id, lock=False)
            if driver is not None:
                drivers[(ti.dag_id, ti.run_id)] = driver
        # Instances of tasks their run's DAG version no longer has are not queued.
        known = [
            (ti, drivers[(ti.dag_id, ti.run_id)].spec)
            for ti in records
            if (ti.dag_id, ti.run_id) in drivers
            and ti.task_id in drivers[(ti.dag_id, ti.run_id)].spec.tasks
        ]
        run_limits = {
            (ti.dag_id, ti.run_id, ti.task_id): most
            for ti, spec in known
            if (most := spec.tasks[ti.task_id].max_active_tis_per_dagrun) is not None
        }
        pools = {ti.pool for ti, _ in known}
        if picking.occupancy is None:
            picking.occupancy = self._occupancy(step.session, picking.free, pools, fresh=step.sweep)
        occupancy = picking.occupancy
        self._count_run_limits(step.session, occupancy, run_limits)
        for ti, spec in known:
            task = spec.tasks[ti.task_id]
            occupancy.dag_limit[ti.dag_id] = spec.max_active_tasks
            occupancy.task_limit[(ti.dag_id, ti.task_id)] = task.max_active_tis_per_dag
        chosen = pick_queueable([ti for ti, _ in known], occupancy)
        if len(chosen) < len(records):
            self._backlog = True  # limits held some back: a freed slot may let them go
            picking.hold_back(records, chosen)
        if not chosen:
            return []
        for ti in chosen:
            tr.QUEUE.apply(ti, step.now)
        queued = ti_repo.queue_task_instances(
            session=step.session, keys=[ti.key for ti in chosen], now=step.now, job_id=self.job_id
        )
        if len(queued) < len(chosen):
            self._backlog = True  # some wait on (a paused DAG, another writer): claim later
        # An instance another scheduler (or a user) changed meanwhile is not ours to run.
        return [drivers[(ti.dag_id, ti.run_id)].describe(ti) for ti in chosen if ti.key in queued]

    def _occupancy(
        self,
        session: Session,
        free: int,
        pools: Iterable[str],
        *,
        fresh: bool,
    ) -> Occupancy:
        """What runs now, in one read; the pools' sizes are read on sweeps (or if unknown)."""
        if fresh or self._pools is None or not self._pools.keys() >= set(pools):
            self._pools = {
                pool.name: (pool.slots, pool.include_deferred)
                for pool in pool_repo.list_pools(session=session)
            }
        occupancy = Occupancy(
            free_slots=free,
            # -1 slots: a pool without a limit.
            pool_free={
                name: _UNLIMITED if slots < 0 else slots for name, (slots, _) in self._pools.items()
            },
        )
        dag_active: dict[str, int] = defaultdict(int)
        task_active: dict[tuple[str, str], int] = defaultdict(int)
        for dag_id, task_id, pool, state, count, slots in ti_repo.list_active_usage(
            session=session
        ):
            dag_active[dag_id] += count
            task_active[(dag_id, task_id)] += count
            if pool in occupancy.pool_free and (state is not S.DEFERRED or self._pools[pool][1]):
                occupancy.pool_free[pool] -= slots
        occupancy.dag_active = dict(dag_active)
        occupancy.task_active = dict(task_active)
        return occupancy

    @staticmethod
    def _count_run_limits(
        session: Session, occupancy: Occupancy, run_limits: dict[tuple[str, str, str], int]
    ) -> None:
        """Count, per run, the active instances of the waiting tasks that set
        max_active_tis_per_dagrun (``run_limits``): one read per run not counted yet."""
        limited: dict[RunKey, set[str]] = defaultdict(set)
        for key, most in run_limits.items():
            if key not in occupancy.run_task_limit:
                occupancy.run_task_limit[key] = most
                limited[key[:2]].add(key[2])
        for (dag_id, run_id), task_ids in sorted(limited.items()):
            states = ti_repo.list_task_instance_states(
                session=session, dag_id=dag_id, run_id=run_id, task_ids=task_ids
            )
            occupancy.count_run_usage(dag_id, run_id, states)

    # -- runs made by timetables and by other processes --------------------------------------

    def _create_scheduled_runs(self, step: Step) -> None:
        session, now = step.session, step.now
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
            created = tried = 0
            while decision.due is not None and tried < self.options.max_runs_per_step:
                info = decision.due
                tried += 1
                try:
                    driver = DagRunDriver.create(
                        spec,
                        step.store,
                        run_id=None,
                        run_type=DagRunType.SCHEDULED,
                        logical_date=info.logical_date,
                        data_interval=(info.data_interval.start, info.data_interval.end),
                        run_after=info.run_after,
                        now=now,
                    )
                except DagRunAlreadyExistsError as error:  # a manual run took the date
                    log.warning("Not creating a scheduled run of %s: %s", spec.dag_id, error)
                else:
                    log.info("Created %s of %s", driver.run.run_id, spec.dag_id)
                    created += 1
                decision = next_scheduled_run(
                    spec, last_automated=info.data_interval, active_runs=active + created, now=now
                )
            dag_repo.update_dag_next_run(
                session=session,
                dag_id=dag.dag_id,
                next_dagrun=None,
                data_interval=None,
                create_after=decision.next_check if decision.due is None else now,
            )

    def _start_queued_runs(self, step: Step) -> None:
        session, now = step.session, step.now
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
            run = step.store.dag_run_record(row)
            if run.dag_version is None:  # created by a trigger without a version: take the latest
                run.dag_version = spec.version_hash
            if not ti_repo.has_task_instances(
                session=session, dag_id=run.dag_id, run_id=run.run_id
            ):
                index = index_spec(spec)
                step.store.add_task_instances(
                    new_task_instance(index, run.dag_id, run.run_id, task_id)
                    for task_id in index.order
                )
            driver = DagRunDriver(spec, step.store, run)
            driver.start(now)
            step.drivers[(run.dag_id, run.run_id)] = driver
            running[row.dag_id] = running.get(row.dag_id, 0) + 1
            step.touch((run.dag_id, run.run_id), None)

    # -- the sweep ------------------------------------------------------------------------------

    def _sweep(self, step: Step) -> None:
        self._stop_unwanted_tries(step)
        self._fail_zombies(step)
        self._time_out_runs(step)
        self._adopt_orphans(step)
        planned = run_repo.list_dag_runs_to_plan(
            session=step.session, limit=self.options.max_runs_per_step
        )
        for run in planned:
            step.plan_undecided((run.dag_id, run.run_id))
        run_repo.update_last_scheduling_decision(
            session=step.session, run_ids=[run.id for run in planned], when=step.now
        )

    def _fail_zombies(self, step: Step) -> None:
        silent_since = step.now - timedelta(seconds=self.options.zombie_timeout)
        for row in ti_repo.list_zombie_task_instances(
            session=step.session, heartbeat_before=silent_since, limit=100
        ):
            key = TaskInstanceKey(
                row.dag_id, row.run_id, row.task_id, row.map_index, row.try_number
            )
            driver = self._driver(step, row.dag_id, row.run_id)
            if driver is None:
                continue
            state = S.UP_FOR_RETRY if row.try_number <= row.max_tries else S.FAILED
            error = (
                "Zombie: no heartbeat from the try for more than "
                f"{self.options.zombie_timeout:g} s; its process is gone or stopped."
            )
            log.warning("%s %s", key, error)
            event = TaskEvent(key=key, state=state, error=error, end_date=step.now)
            self._apply_event(step, driver, event)

    def _time_out_runs(self, step: Step) -> None:
        for row in run_repo.list_dag_runs(session=step.session, states=[DagRunState.RUNNING]):
            spec = self.specs.get(step.session, row.dag_id, row.dag_version_hash)
            if spec is None or spec.dagrun_timeout is None or row.start_date is None:
                continue
            if step.now - row.start_date > timedelta(seconds=spec.dagrun_timeout):
                driver = self._driver(step, row.dag_id, row.run_id)
                if driver is not None and driver.run.state is DagRunState.RUNNING:
                    driver.time_out(step.now)
                    log.warning("DAG run %s of %s: %s", row.run_id, row.dag_id, driver.run.reason)
                    step.ended_dags.add(row.dag_id)
                    self._run_ended(driver)

    def _run_ended(self, driver: DagRunDriver) -> None:
        workload = driver.callbacks()
        if workload is not None:
            self._callbacks.append(workload)

    def _stop_unwanted_tries(self, step: Step) -> None:
        """Tries the executor holds whose instance moved on without them (marked, cleared,
        skipped by a run's timeout, failed as a zombie) are stopped."""
        if self._controllable is None:
            return
        held = self._controllable.tries()
        self._stopping &= held
        held -= self._stopping
        current = ti_repo.list_current_tries(
            session=step.session,
            keys={(k.dag_id, k.run_id, k.task_id, k.map_index) for k in held},
        )
        for key in held:
            try_number, state = current.get(
                (key.dag_id, key.run_id, key.task_id, key.map_index), (None, None)
            )
            if try_number == key.try_number and state in (S.QUEUED, S.RUNNING):
                continue
            if try_number is None:
                why = "its task instance is gone (its run was deleted)"
            elif try_number != key.try_number or state is None:
                why = "its task instance was cleared, to run again"
            else:
                why = f"its task instance was set to {state or 'no state'} while it ran"
            self._kills.append((key, f"Tradewind stopped this try: {why}."))

    def _alive_scheduler_jobs(self, session: Session, now: datetime) -> set[int]:
        """Scheduler jobs that heartbeat recently enough and are not known dead.

        A job of this host whose process is gone is dead at once (a scheduler killed and
        started again adopts its tries without waiting for the timeout).
        """
        # Silent for the zombie timeout, and for four of its own heartbeats at least.
        silence = max(self.options.zombie_timeout, 4 * self.options.heartbeat_interval)
        alive = {
            job.id
            for job in job_repo.list_alive_jobs(
                session=session, kind="scheduler", since=now - timedelta(seconds=silence)
            )
        }
        for job in job_repo.list_unended_jobs(
            session=session, kind="scheduler", hostname=self._hostname
        ):
            if job.pid != os.getpid() and not _pid_alive(job.pid):
                alive.discard(job.id)
                job_repo.update_job_ended(session=session, job_id=job.id, now=now)
        return alive

    def _adopt_orphans(self, step: Step) -> None:
        if self.job_id is None:
            return
        alive = self._alive_scheduler_jobs(step.session, step.now) | {self.job_id}
        for row in ti_repo.list_orphaned_task_instances(
            session=step.session, alive_job_ids=alive, limit=500
        ):
            self._reset_orphan(step, row)

    def _reset_orphan(self, step: Step, row: TaskInstanceRow) -> None:
        ti = step.store.task_instance_record(row)
        driver = self._driver(step, ti.dag_id, ti.run_id)
        if driver is not None:
            log.warning("Adopting %s of %s: its scheduler is gone", ti.task_id, ti.run_id)
            driver.reset_orphan(ti, step.now)
            step.touch((ti.dag_id, ti.run_id), None)

    def reset_orphaned_tasks(self) -> None:
        """Tries queued or running under a scheduler that is gone are scheduled again."""
        now = self.clock()
        with self.session_factory() as session:
            step = Step(session, now)
            alive = self._alive_scheduler_jobs(session, now)
            alive.discard(self.job_id)  # this scheduler has just started: nothing of it runs yet
            for row in ti_repo.list_orphaned_task_instances(
                session=session, alive_job_ids=alive, limit=100_000
            ):
                self._reset_orphan(step, row)
            session.commit()

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"<Scheduler job={self.job_id} in_flight={len(self._in_flight)}>"
