"""Process-wide resources shared by all sessions: the rules engine and the database."""

from __future__ import annotations

import streamlit as st

from rules.engine import Engine, get_engine
from store import Store, get_store


@st.cache_resource(show_spinner="Loading…")
def engine() -> Engine:
    return get_engine()


def store() -> Store:
    """The database of DATABASE_URL (cached per URL by the store itself)."""
    return get_store()


@st.cache_resource(ttl=24 * 3600, show_spinner=False)
def purge_stale_drafts_daily() -> int:
    """Drafts not resumed for 30 days are deleted: once a day per app process (the
    command `python -m store purge-drafts` does the same for a scheduler)."""
    from store import purge_stale_drafts

    return purge_stale_drafts(store=store())
