"""store.throttle: growing sign-in delays and per-minute submission limits (injected clocks)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from store import throttle
from store.throttle import Backoff, RateLimit, UnknownNames, delay_after, seconds_left

T0 = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(("failures", "seconds"), [
    (0, 0), (1, 0), (2, 0), (3, 1), (4, 2), (5, 4), (10, 128), (11, 256), (12, 300),
    (1000, 300),
])
def test_delay_after_n_failures(failures, seconds):
    assert delay_after(failures) == seconds


def test_backoff_refuses_early_attempts_and_a_success_ends_it():
    backoff = Backoff()
    assert [backoff.fail(T0) for _ in range(5)] == [0, 0, 1, 2, 4]
    assert backoff.wait(T0) == 4
    assert backoff.wait(T0 + timedelta(seconds=3, milliseconds=1)) == 1  # rounded up
    assert backoff.wait(T0 + timedelta(seconds=4)) == 0
    backoff.succeed()
    assert (backoff.failures, backoff.wait(T0)) == (0, 0)


def test_seconds_left():
    assert seconds_left(None, T0) == 0
    assert seconds_left(T0 - timedelta(seconds=1), T0) == 0
    assert seconds_left(T0 + timedelta(milliseconds=10), T0) == 1


def test_unknown_names_are_kept_by_hash_and_bounded():
    names = UnknownNames(kept=2)
    names.get("mallory").fail(T0)
    assert names.get("mallory").failures == 1
    assert "mallory" not in repr(names._items)
    names.get("a")
    names.get("b")  # mallory is the oldest: forgotten
    assert names.get("mallory").failures == 0


def test_rate_limit_is_a_sliding_window():
    now = [0.0]
    limit = RateLimit(limit=2, window=60, clock=lambda: now[0])
    assert limit.wait() == 0
    limit.record()
    now[0] = 10
    limit.record()
    assert limit.wait() == 50  # the first event leaves the window at 60 s
    now[0] = 59.5
    assert limit.wait() == 1
    now[0] = 60
    assert limit.wait() == 0


@pytest.mark.parametrize(("raw", "expected"), [
    (None, throttle.DEFAULT_SESSION_LIMIT), ("", throttle.DEFAULT_SESSION_LIMIT), ("7", 7),
    ("0", throttle.DEFAULT_SESSION_LIMIT), ("-3", throttle.DEFAULT_SESSION_LIMIT),
    ("many", throttle.DEFAULT_SESSION_LIMIT),
])
def test_limits_from_the_environment_never_switch_off(monkeypatch, raw, expected):
    if raw is None:
        monkeypatch.delenv(throttle.SESSION_LIMIT_ENV, raising=False)
    else:
        monkeypatch.setenv(throttle.SESSION_LIMIT_ENV, raw)
    assert throttle.session_limit() == expected
