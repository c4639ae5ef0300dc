"""Notes, contacts with the patient and hand-offs on the detail page.

The thread is append-only (a correction is a new note) and every entry is audited by the
store. Note text is patient-adjacent free text: shown with ``st.text``, never as markup.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st

import store as db
from app_pages.questions import md_escape
from app_pages.review_model import clinic_time
from app_pages.services import store
from core.vocab import CLINICAL_ROLES
from core.vocab import CONTACT_CHANNEL_LABELS as CONTACT_CHANNELS

# A stored note's channel is plain text: look its label up by text.
CHANNEL_LABELS: dict[str, str] = {str(k): label for k, label in CONTACT_CHANNELS.items()}


def _colleagues() -> list[str]:
    return [u.username for u in db.list_users(store=store())
            if u.active and u.role in CLINICAL_ROLES]


def _assign(screening_id: int, username: str, to: str | None) -> None:
    try:
        db.assign(screening_id, to, by=username, store=store())
    except db.NoteRefused as err:
        st.session_state["handoff_error"] = str(err)


def assignment(detail: db.ScreeningDetail, user: Mapping[str, Any]) -> None:
    """Who has it now; take it, hand it to a colleague, or release it."""
    me = user["username"]
    who = detail.assigned_to
    with st.container(horizontal=True, vertical_alignment="center", key="assignment"):
        st.markdown(f":material/assignment_ind: Assigned to **{md_escape(who)}**" if who
                    else ":material/assignment_ind: Not assigned")
        if who != me:
            st.button("Assign to me", key="assign_me", on_click=_assign,
                      args=(detail.id, me, me))
        with st.popover("Hand off", key="handoff"):
            colleagues = [c for c in _colleagues() if c != who]
            to = st.selectbox("Colleague", colleagues, index=None, key="handoff_to",
                              placeholder="Choose a colleague")
            st.button("Assign", key="handoff_go", disabled=to is None, type="primary",
                      on_click=_assign, args=(detail.id, me, to))
            if who:
                st.button("Unassign", key="unassign", on_click=_assign,
                          args=(detail.id, me, None))
    error = st.session_state.pop("handoff_error", None)
    if error:
        st.error(error)


def _add(screening_id: int, username: str) -> None:
    kind = st.session_state.get("note_kind") or "note"
    body = st.session_state.get("note_body") or ""
    try:
        db.add_note(screening_id, username, body, channel=None if kind == "note" else kind,
                    store=store())
    except db.NoteRefused as err:
        st.session_state["note_error"] = str(err)
    else:
        st.session_state["note_body"] = ""
        st.session_state["note_saved"] = True


def thread(detail: db.ScreeningDetail, user: Mapping[str, Any]) -> None:
    """The notes and contacts, oldest first, and a box to add one."""
    st.header("Notes and contacts")
    notes = db.list_notes(detail.id, store=store())
    if not notes:
        st.caption("No notes yet.")
    for note in notes:
        with st.container(border=True, key=f"note_{note.id}"):
            what = (f":blue-background[{CHANNEL_LABELS.get(note.channel or '', note.channel)}] "
                    if note.kind == "contact" else "")
            st.markdown(f"{what}**{md_escape(note.author)}**, {clinic_time(note.created_at)}")
            if note.body:
                st.text(note.body)
    kinds: dict[str, str] = {"note": "Note", **CHANNEL_LABELS}
    st.segmented_control("Add", list(kinds), format_func=kinds.__getitem__, key="note_kind",
                         default="note")
    st.text_area("Note", key="note_body", max_chars=4000, height=68,
                 placeholder="e.g. Called patient, BP recheck on arrival",
                 label_visibility="collapsed")
    st.button("Add to the record", key="note_add", on_click=_add,
              args=(detail.id, user["username"]))
    error = st.session_state.pop("note_error", None)
    if error:
        st.error(error)
    if st.session_state.pop("note_saved", False):
        st.success("Added to the record.")
