"""The link in an urgent alert (``/staff?screening=<public id>``) opens that screening once
a clinician or admin has signed in. The id is opaque; the page checks the role again."""

from __future__ import annotations

import streamlit as st

from core.vocab import CLINICAL_ROLES


def open_linked_screening(user: dict) -> None:
    public_id = st.query_params.get("screening")
    if not public_id:
        return
    del st.query_params["screening"]
    if user["role"] not in CLINICAL_ROLES:
        return
    from app_pages.services import store
    from store.screenings import screening_id_for_public_id

    screening_id = screening_id_for_public_id(public_id, store=store())
    if screening_id is None:
        st.toast("That screening link is not valid.")
        return
    st.session_state["open_screening"] = screening_id
    st.session_state.pop(f"viewed_{screening_id}", None)  # the opening is audited
    st.switch_page("app_pages/screening.py")
