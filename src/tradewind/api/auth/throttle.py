"""Failed logins slow down: per username and client address, in this process's memory.

After ``free_failures`` failures in a row, each further attempt must wait: 1 s after the
first extra failure, then 2 s, 4 s… up to ``max_delay``. An attempt during the wait is
refused without checking the password (HTTP 429 with ``Retry-After``), so guessing costs
time whether the guesses are right or wrong. A success forgets the failures; so do
``forget_after`` seconds without any. At most ``max_entries`` keys are kept (the oldest go
first), so a flood of made-up usernames cannot fill the memory.

Each API server process counts on its own; behind a load balancer, the limit applies per
process.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from tradewind.api.auth.errors import TooManyLoginFailuresError


@dataclass(slots=True)
class _Failures:
    count: int
    last: float
    blocked_until: float


class LoginThrottle:
    def __init__(
        self,
        *,
        free_failures: int = 5,
        base_delay: float = 1.0,
        max_delay: float = 900.0,
        forget_after: float = 3600.0,
        max_entries: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.free_failures = max(free_failures, 0)
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.forget_after = forget_after
        self.max_entries = max_entries
        self._clock = clock
        self._entries: OrderedDict[tuple[str, str], _Failures] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def _key(username: str, address: str) -> tuple[str, str]:
        return (username.strip().lower(), address)

    def check(self, username: str, address: str) -> None:
        """Raise :class:`TooManyLoginFailuresError` if this login must wait still."""
        now = self._clock()
        with self._lock:
            entry = self._entries.get(self._key(username, address))
            if entry is None:
                return
            if now - entry.last > self.forget_after:
                del self._entries[self._key(username, address)]
                return
            if entry.blocked_until > now:
                raise TooManyLoginFailuresError(entry.blocked_until - now)

    def failed(self, username: str, address: str) -> None:
        """Record a failed login."""
        now = self._clock()
        key = self._key(username, address)
        with self._lock:
            entry = self._entries.pop(key, None)
            if entry is None or now - entry.last > self.forget_after:
                entry = _Failures(count=0, last=now, blocked_until=0.0)
            entry.count += 1
            entry.last = now
            extra = entry.count - self.free_failures
            if extra > 0:
                delay = min(self.base_delay * 2 ** min(extra - 1, 32), self.max_delay)
                entry.blocked_until = now + delay
            self._entries[key] = entry
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def succeeded(self, username: str, address: str) -> None:
        """Forget the failures of this username and address."""
        with self._lock:
            self._entries.pop(self._key(username, address), None)
