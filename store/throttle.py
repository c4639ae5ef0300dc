"""Growing delays instead of lockouts, and per-minute submission limits (issue 11).

Sign-in: the first ``free_failures`` consecutive failures cost nothing; the n-th failure
after them makes the next attempt wait ``min(2 ** (n - free_failures), cap)`` seconds.
An attempt that comes early is refused with "try again in N s" *before* any password is
hashed (no argon2 work, no server thread asleep). A success ends the delay.

The same ``Backoff`` serves the account (kept in ``users.failed_attempts``/``locked_until``),
the browser session (kept in its session state) and usernames that do not exist (kept in
this process, so that they are throttled like real ones and reveal nothing).

Submissions: ``RateLimit`` allows at most ``limit`` events per ``window`` seconds (a sliding
window of timestamps); the global limit counts the last minute's anonymous submit rows.
Every clock is injectable.
"""

from __future__ import annotations

import hashlib
import math
import os
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

FREE_FAILURES = 3
MAX_DELAY_SECONDS = 300
UNKNOWN_NAMES_KEPT = 10_000


def delay_after(failures: int, *, free: int = FREE_FAILURES,
                cap: int = MAX_DELAY_SECONDS) -> int:
    """Seconds the next attempt must wait after ``failures`` consecutive failures."""
    if failures < free:
        return 0
    return min(int(2 ** min(failures - free, 30)), cap)


def seconds_left(not_before: datetime | None, now: datetime) -> int:
    """Whole seconds until ``not_before`` (rounded up), 0 when it has passed."""
    if not_before is None or not_before <= now:
        return 0
    return max(1, math.ceil((not_before - now).total_seconds()))


@dataclass
class Backoff:
    """Consecutive failures and the earliest time of the next attempt."""

    failures: int = 0
    not_before: datetime | None = None

    def wait(self, now: datetime) -> int:
        return seconds_left(self.not_before, now)

    def fail(self, now: datetime) -> int:
        """Count a failure; returns the seconds the next attempt must wait."""
        self.failures += 1
        delay = delay_after(self.failures)
        self.not_before = now + timedelta(seconds=delay) if delay else None
        return delay

    def succeed(self) -> None:
        self.failures, self.not_before = 0, None


class UnknownNames:
    """Backoffs of usernames that have no account, by hash, the newest few thousand."""

    def __init__(self, kept: int = UNKNOWN_NAMES_KEPT):
        self._kept = kept
        self._items: OrderedDict[str, Backoff] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, name: str) -> Backoff:
        key = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()
        with self._lock:
            backoff = self._items.pop(key, None) or Backoff()
            self._items[key] = backoff
            while len(self._items) > self._kept:
                self._items.popitem(last=False)
            return backoff

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


# --- submission limits ------------------------------------------------------------------

SESSION_LIMIT_ENV = "SUBMIT_LIMIT_PER_SESSION"  # per browser session, per minute
GLOBAL_LIMIT_ENV = "SUBMIT_LIMIT_PER_MINUTE"  # anonymous submissions, whole clinic
DEFAULT_SESSION_LIMIT = 3
DEFAULT_GLOBAL_LIMIT = 60
WINDOW_SECONDS = 60.0


def limit_from_env(name: str, default: int) -> int:
    """A positive whole number from the environment; a bad value falls back to the default
    (a typo must not switch the limit off)."""
    raw = os.environ.get(name, "").strip()
    try:
        value = int(raw) if raw else default
    except ValueError:
        return default
    return value if value > 0 else default


def session_limit() -> int:
    return limit_from_env(SESSION_LIMIT_ENV, DEFAULT_SESSION_LIMIT)


def global_limit() -> int:
    return limit_from_env(GLOBAL_LIMIT_ENV, DEFAULT_GLOBAL_LIMIT)


@dataclass
class RateLimit:
    """At most ``limit`` events in any ``window`` seconds (times from ``clock``)."""

    limit: int
    window: float = WINDOW_SECONDS
    clock: Callable[[], float] = time.monotonic
    events: deque[float] = field(default_factory=deque)

    def _trim(self, now: float) -> None:
        while self.events and self.events[0] <= now - self.window:
            self.events.popleft()

    def wait(self) -> int:
        """Seconds until one more event is allowed (0: allowed now)."""
        now = self.clock()
        self._trim(now)
        if len(self.events) < self.limit:
            return 0
        return max(1, math.ceil(self.events[0] + self.window - now))

    def record(self) -> None:
        now = self.clock()
        self._trim(now)
        self.events.append(now)
