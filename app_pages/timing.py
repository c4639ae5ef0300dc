"""How long the patient page takes on the server, per rerun: off unless SCREENING_TIMING_LOG=1.

One log line per script run (and per fragment rerun) of the intake, with the CPU time of
the script thread (``time.thread_time``: what this run itself computed, hardly changed by
other processes competing for the CPU) and the wall time, including the widget callback
that started the run. The line names the step and the number of medicine rows, never an
answer. ``bench/bench_intake_browser.py`` turns these lines into figures.

    SCREENING_TIMING_LOG=1 streamlit run screening_app.py --logger.level info
"""

from __future__ import annotations

import functools
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

from streamlit.logger import get_logger
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

ENV = "SCREENING_TIMING_LOG"
PREFIX = "intake timing:"
P = ParamSpec("P")
R = TypeVar("R")

_local = threading.local()


def enabled() -> bool:
    return os.environ.get(ENV, "").strip().lower() in ("1", "true", "yes", "on")


def _log() -> logging.Logger:
    logger = get_logger("screening.timing")
    logger.setLevel(logging.INFO)
    return logger


def _clock() -> tuple[float, float]:
    return time.thread_time(), time.perf_counter()


def callback(fn: Callable[P, R]) -> Callable[P, R]:
    """A widget callback whose time is added to the run it starts."""

    @functools.wraps(fn)
    def timed(*args: P.args, **kwargs: P.kwargs) -> R:
        if not enabled():
            return fn(*args, **kwargs)
        cpu, wall = _clock()
        try:
            return fn(*args, **kwargs)
        finally:
            end_cpu, end_wall = _clock()
            _local.callback = (fn.__name__, end_cpu - cpu, end_wall - wall)

    return timed


def start_run() -> None:
    """At the top of the app script: a full rerun starts."""
    if enabled():
        _local.start = _clock()


def _emit(kind: str, what: str, start: tuple[float, float]) -> None:
    cpu, wall = _clock()
    name, cb_cpu, cb_wall = getattr(_local, "callback", None) or ("-", 0.0, 0.0)
    _local.callback = None
    _log().info("%s %s %s cpu_ms=%.1f wall_ms=%.1f callback=%s callback_cpu_ms=%.1f "
                "callback_wall_ms=%.1f", PREFIX, kind, what, (cpu - start[0]) * 1000,
                (wall - start[1]) * 1000, name, cb_cpu * 1000, cb_wall * 1000)


def end_run(what: str) -> None:
    """At the end of the page: log the full rerun (``what``: step and row count, no answers)."""
    if not enabled():
        return
    start = getattr(_local, "start", None)
    if start is not None:
        _local.start = None
        _emit("run", what, start)


def _fragment_only() -> bool:
    ctx = get_script_run_ctx()
    return bool(ctx is not None and ctx.fragment_ids_this_run)


@contextmanager
def fragment_run(what: str) -> Iterator[None]:
    """Around a fragment's body: logs its own reruns (inside a full rerun it logs nothing)."""
    if not enabled() or not _fragment_only():
        yield
        return
    start = _clock()
    yield
    _emit("fragment", what, start)
