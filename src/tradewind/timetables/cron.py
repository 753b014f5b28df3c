"""Cron expressions evaluated on a time zone's wall clock, with Airflow's DST rules.

croniter only understands naive wall-clock times, so :class:`CronSchedule` maps each
matching wall-clock time to the absolute instants that run for it:

* an ordinary time runs once;
* a time skipped by a spring-forward jump (02:30 when clocks go 02:00 → 03:00) runs at
  the same distance past the jump (03:30), so a daily 02:30 job still runs that day —
  except for schedules that fire every hour, which just skip the missing wall times
  and so stay one hour apart in absolute time;
* a time repeated by a fall-back (02:30 twice when clocks go 03:00 → 02:00) runs once,
  at its second occurrence as Airflow does, except for schedules that fire every hour,
  which run at both occurrences and so stay one hour apart in absolute time.

"Fires every hour" means the hour field matches all 24 hours, the test Airflow uses.
Unlike Airflow, which adds the wall-clock distance to the previous run for such
schedules, the instants are computed per candidate, so ``0 * * * 1-5`` still runs at
Monday 00:00 local time when the weekend before it changed the clocks.

Every instant returned is in UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo

from croniter import CroniterError, croniter

from tradewind.errors import InvalidScheduleError

CRON_PRESETS: dict[str, str] = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@quarterly": "0 0 1 */3 *",
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
}
"""Presets that mean a cron expression. ``@once`` and ``@continuous`` are not cron."""

CRON_EXAMPLES = (
    "Valid schedules: a cron expression such as '0 0 * * *' (daily at midnight) or "
    "'*/15 * * * *' (every 15 minutes), with an optional sixth field for seconds; a preset: "
    + ", ".join(["@once", "@continuous", *CRON_PRESETS])
    + "; a positive datetime.timedelta; or None."
)

# Stepping through candidates is bounded by the length of one DST gap or fold; this cap
# only guards against a logic error turning into an endless loop.
_MAX_CANDIDATES = 100_000
_DAY = timedelta(days=1)


def parse_cron(expression: object) -> str:
    """Return ``expression`` with a preset expanded, or raise InvalidScheduleError."""
    if not isinstance(expression, str):
        raise InvalidScheduleError(
            f"A cron schedule must be a string, got {expression!r}. {CRON_EXAMPLES}"
        )
    expanded = CRON_PRESETS.get(expression, expression)
    fields = expanded.split()
    if len(fields) not in (5, 6):
        raise InvalidScheduleError(
            f"Invalid cron expression {expression!r}: expected 5 fields (minute hour "
            f"day-of-month month day-of-week) or 6 (plus seconds), got {len(fields)}. "
            f"{CRON_EXAMPLES}"
        )
    try:
        # Asking for one tick also rejects expressions that can never fire, such as
        # '0 0 30 2 *' (30 February), which croniter only notices when iterating.
        croniter(expanded, datetime(2000, 1, 1)).get_next(datetime)
    except (CroniterError, ValueError, KeyError, TypeError) as exc:
        raise InvalidScheduleError(
            f"Invalid cron expression {expression!r}: {exc}. {CRON_EXAMPLES}"
        ) from exc
    return expanded


class CronSchedule:
    """The instants matched by a cron expression in one time zone (see module docstring)."""

    __slots__ = ("_every_hour", "expression", "timezone")

    def __init__(self, expression: str, zone: tzinfo) -> None:
        self.expression = expression
        self.timezone = zone
        hours = croniter(expression, datetime(2000, 1, 1)).expanded[1]
        self._every_hour = hours == ["*"] or len(hours) == 24

    def next_after(self, moment: datetime) -> datetime:
        """The first scheduled instant strictly after ``moment``."""
        here, around = self._offsets(moment)
        # Wall-clock times up to the size of a nearby DST change earlier than ``moment``'s
        # can still run after it: the second pass of a repeated hour, or a skipped time
        # shifted past the jump. Start the search that much earlier.
        wall = _wall(moment, here) - max(timedelta(0), here - min(around))
        ticks = croniter(self.expression, wall)
        best: datetime | None = None
        for _ in range(_MAX_CANDIDATES):
            candidate = ticks.get_next(datetime)
            instants, ordinary = self._instants(candidate)
            for instant in instants:
                if instant > moment and (best is None or instant < best):
                    best = instant
            # Instants of later candidates are later than an ordinary candidate's, so the
            # first ordinary one past ``moment`` ends the search.
            if ordinary and best is not None and instants[0] > moment:
                return best
        raise AssertionError(f"no next tick for {self.expression!r} after {moment}")

    def prev_before(self, moment: datetime) -> datetime:
        """The last scheduled instant strictly before ``moment``."""
        here, around = self._offsets(moment)
        # Mirror of next_after: the first pass of a repeated hour came earlier but shows
        # wall-clock times up to the size of the change later than ``moment``'s.
        wall = _wall(moment, here) + max(timedelta(0), max(around) - here)
        # Unlike later ones, earlier candidates can still beat an ordinary candidate: a
        # time skipped by a spring-forward runs shifted past the jump. So once an ordinary
        # candidate qualifies, keep looking back by the size of the nearby change.
        spread = max(around) - min(around)
        ticks = croniter(self.expression, wall)
        best: datetime | None = None
        limit: datetime | None = None
        for _ in range(_MAX_CANDIDATES):
            candidate = ticks.get_prev(datetime)
            if best is not None and limit is not None and candidate < limit:
                return best
            instants, ordinary = self._instants(candidate)
            for instant in instants:
                if instant < moment and (best is None or instant > best):
                    best = instant
            if limit is None and ordinary and best is not None and instants[0] < moment:
                if not spread:
                    return best
                limit = candidate - spread
        raise AssertionError(f"no previous tick for {self.expression!r} before {moment}")

    def align_next(self, moment: datetime) -> datetime:
        """``moment`` if it is a scheduled instant, else the next one."""
        following = self.next_after(moment)
        return moment if self.prev_before(following) == moment else following

    def align_prev(self, moment: datetime) -> datetime:
        """``moment`` if it is a scheduled instant, else the previous one."""
        preceding = self.prev_before(moment)
        return moment if self.next_after(preceding) == moment else preceding

    def _instants(self, wall: datetime) -> tuple[list[datetime], bool]:
        """The UTC instants that run for wall-clock time ``wall``, and whether it is ordinary.

        zoneinfo reads ``fold=0`` as the offset in force before a transition and
        ``fold=1`` as the one after, so the two readings agree on ordinary times, are in
        order for a repeated time, and are reversed for a skipped one.
        """
        before = wall.replace(tzinfo=self.timezone, fold=0).astimezone(UTC)
        after = wall.replace(tzinfo=self.timezone, fold=1).astimezone(UTC)
        if before == after:
            return [before], True
        if before < after:  # repeated by a fall-back
            return ([before, after] if self._every_hour else [after]), False
        # Skipped by a spring-forward; ``before`` is the same distance past the jump.
        return ([] if self._every_hour else [before]), False

    def _offsets(self, moment: datetime) -> tuple[timedelta, tuple[timedelta, timedelta]]:
        """UTC offsets at ``moment`` and a day either side (DST changes are further apart)."""
        return self._offset(moment), (self._offset(moment - _DAY), self._offset(moment + _DAY))

    def _offset(self, moment: datetime) -> timedelta:
        offset = moment.astimezone(self.timezone).utcoffset()
        if offset is None:
            raise AssertionError(f"time zone {self.timezone!r} gave no UTC offset")
        return offset


def _wall(moment: datetime, offset: timedelta) -> datetime:
    """The naive wall-clock time of ``moment`` at UTC offset ``offset``."""
    return (moment.astimezone(UTC) + offset).replace(tzinfo=None)
