"""Process-wide resources shared by all sessions: the rules engine and the database.

After a restart the first page must not wait for the database (SQLAlchemy's import and the
migrations) or the drug dictionary: ``screening_app.py`` starts them in background threads
at the end of the first page's run, and they begin their work START_AFTER_S later. A page
that needs one sooner simply waits for it: the store and the engine are each created once,
under a lock.

Why later: when the first run ends, the browser has yet to fetch that page's widget code
(radio, button) from this same process and draw it, ~0.3 s in a browser that never visited.
The work holds the GIL for seconds of imports and building, and begun at once it slowed
those downloads so much that the welcome page appeared ~0.15 s later.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING

import streamlit as st

from forms.i18n import DEFAULT as DEFAULT_LANGUAGE
from forms.i18n import Text

if TYPE_CHECKING:
    from rules.engine import Engine
    from store import Store

log = logging.getLogger(__name__)

# Seconds between the end of the run that starts the background work and its beginning:
# longer than a fresh browser takes to draw the first page, short beside the time a
# patient reads it.
START_AFTER_S = 1.0
# The threads _in_background has started and not yet ended (see join_background).
_started: weakref.WeakSet[threading.Thread] = weakref.WeakSet()


_engine: list[Engine] = []  # the process-wide engine, once a page has had it


def engine(language: str = DEFAULT_LANGUAGE) -> Engine:
    """The rules engine (one per process, ``rules.engine.get_engine``). A page that needs it
    before the background warm-up has built it waits, with a spinner in the patient's
    language (shown after half a second, as Streamlit's spinners are)."""
    if not _engine:
        with st.spinner(Text(language).ui("loading")):
            from rules.engine import get_engine  # imported where needed: pydantic, rapidfuzz

            _engine[:] = [get_engine()]
    return _engine[0]


def store() -> Store:
    """The database of DATABASE_URL (cached per URL by the store itself)."""
    from store import get_store

    return get_store()


def _in_background(name: str, work: Callable[[], object]) -> threading.Thread:
    def run() -> None:
        time.sleep(START_AFTER_S)
        try:
            work()
        except Exception as err:  # logged without details: they may quote patient data
            log.error("background %s failed: %s", name, type(err).__name__)

    thread = threading.Thread(target=run, name=name, daemon=True)
    _started.add(thread)
    thread.start()
    return thread


def join_background(timeout: float) -> None:
    """Wait for the background work begun so far (tests: the work a test's run started reads
    that test's DATABASE_URL and settings, and is done before the next test begins)."""
    for thread in list(_started):
        thread.join(timeout)


def _warm_up() -> None:
    store()  # imports SQLAlchemy and runs the migrations
    from rules.engine import get_engine

    get_engine()  # the drug dictionary and rules: a few seconds of CPU


@st.cache_resource(show_spinner=False)
def warm_up_in_background() -> threading.Thread:
    """The database, then the drug dictionary and rules, in a background thread (once per
    process), so no patient waits for them at the first page or the medicines step."""
    return _in_background("warm-up", _warm_up)


@st.cache_resource(ttl=24 * 3600, show_spinner=False)
def purge_stale_drafts_daily() -> threading.Thread:
    """Drafts not resumed for 30 days are deleted: once a day per app process, in the
    background (the command `python -m store purge-drafts` does the same for a scheduler)."""

    def purge() -> None:
        from store import purge_stale_drafts

        purge_stale_drafts(store=store())

    return _in_background("purge-stale-drafts", purge)


@st.cache_resource(show_spinner=False)
def start_alert_deliverer() -> threading.Thread:
    """Urgent alerts are sent by a thread of this app process (once per process), and/or by
    the worker `python -m store deliver-alerts`; both can run (each alert is leased)."""

    def start() -> None:
        from store.alerts import start_in_process_deliverer

        start_in_process_deliverer(store=store())

    return _in_background("start-alert-deliverer", start)


def start_background_work() -> None:
    """At the end of every run (cached: each starts once, the purge once a day)."""
    warm_up_in_background()
    purge_stale_drafts_daily()
    start_alert_deliverer()
