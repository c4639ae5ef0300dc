"""Process-wide resources shared by all sessions: the rules engine and the database."""

from __future__ import annotations

import threading

import streamlit as st

from rules.engine import Engine, get_engine
from store import Store, get_store


@st.cache_resource(show_spinner="Loading…")
def engine() -> Engine:
    return get_engine()


@st.cache_resource(show_spinner=False)
def warm_up_in_background() -> threading.Thread:
    """Load the drug dictionary and rules (a few seconds) in a background thread when the
    app process serves its first page, so no patient waits for them at the medicines step.
    ``get_engine`` holds a lock: a page that needs the engine sooner simply waits for it."""
    thread = threading.Thread(target=get_engine, name="warm-rules-engine", daemon=True)
    thread.start()
    return thread


def store() -> Store:
    """The database of DATABASE_URL (cached per URL by the store itself)."""
    return get_store()


@st.cache_resource(ttl=24 * 3600, show_spinner=False)
def purge_stale_drafts_daily() -> int:
    """Drafts not resumed for 30 days are deleted: once a day per app process (the
    command `python -m store purge-drafts` does the same for a scheduler)."""
    from store import purge_stale_drafts

    return purge_stale_drafts(store=store())


@st.cache_resource(show_spinner=False)
def start_alert_deliverer() -> bool:
    """Urgent alerts are sent by a thread of this app process (once per process), and/or by
    the worker `python -m store deliver-alerts`; both can run (each alert is leased)."""
    from store.alerts import start_in_process_deliverer

    return start_in_process_deliverer(store=store())
