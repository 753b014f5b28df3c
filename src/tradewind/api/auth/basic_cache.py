"""Remembering successful HTTP Basic logins for a few minutes, so scripts using Basic are fast.

Checking a password costs one argon2 verification (about 0.1 s, on purpose); a script that
sends Basic credentials with every request would pay it every time. After a successful check
the cache keeps, for ``ttl`` seconds, which user those credentials proved and the user's
``token_version`` then. The key is an HMAC of the username and password under a key made
when the process starts: the password itself is never kept.

A hit still reads the user (one lookup by primary key): the credentials count only while
the user exists, is active and has the same ``token_version``, which changes with the
password, so a new password or a disabled or deleted user ends the cached login at once.
Failures are never cached; they go through the login throttle as before, and the throttle is
checked before the cache, so a blocked username and address stay blocked.

Concurrent requests with the same credentials check them once: :meth:`verifying` holds one
of a few locks, chosen by the key, while the first one checks, and the others then find the
result in the cache (a script starting 20 clients at once pays for one check, not 20).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

#: Locks that concurrent checks of the same credentials share (others rarely wait on them).
_CHECK_LOCKS = 16


@dataclass(frozen=True, slots=True)
class CachedLogin:
    user_id: int
    token_version: int
    expires: float


class BasicAuthCache:
    def __init__(
        self,
        *,
        ttl: float = 300.0,
        max_entries: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._clock = clock
        self._key = secrets.token_bytes(32)
        self._entries: OrderedDict[bytes, CachedLogin] = OrderedDict()
        self._lock = threading.Lock()
        self._checking = [threading.Lock() for _ in range(_CHECK_LOCKS)]

    def _digest(self, username: str, password: str) -> bytes:
        message = username.encode("utf-8", "surrogatepass") + b"\0"
        message += password.encode("utf-8", "surrogatepass")
        return hmac.digest(self._key, message, hashlib.sha256)

    def get(self, username: str, password: str) -> CachedLogin | None:
        """The login these credentials proved within ``ttl`` seconds, if any."""
        digest = self._digest(username, password)
        with self._lock:
            entry = self._entries.get(digest)
            if entry is None:
                return None
            if entry.expires <= self._clock():
                del self._entries[digest]
                return None
            self._entries.move_to_end(digest)
            return entry

    def put(self, username: str, password: str, *, user_id: int, token_version: int) -> None:
        """Remember credentials that were just checked and are right."""
        if self.ttl <= 0:
            return
        entry = CachedLogin(user_id, token_version, self._clock() + self.ttl)
        digest = self._digest(username, password)
        with self._lock:
            self._entries[digest] = entry
            self._entries.move_to_end(digest)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    @contextmanager
    def verifying(self, username: str, password: str) -> Iterator[None]:
        """Held while these credentials are checked, so that others wait for the result."""
        with self._checking[self._digest(username, password)[0] % _CHECK_LOCKS]:
            yield

    def forget(self, username: str, password: str) -> None:
        with self._lock:
            self._entries.pop(self._digest(username, password), None)

    def __len__(self) -> int:
        return len(self._entries)
