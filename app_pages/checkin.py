"""Day-of check-in at the front desk (front desk, clinicians, admins; a tablet at the desk).

Choose today's patient (or find a walk-in by name), then record what the patient confirms
(last food, last clear liquid, escort, benzodiazepine or lamotrigine in the last 24 hours,
new medicines) and the blood pressure and heart rate measured on arrival. The check-in is
validated by ``forms.checkin`` and judged by the check-in rules in the store; the front
desk sees only that it was recorded, never the flags. Each part is one call into
``app_pages.checkin_view``.
"""

from __future__ import annotations

import streamlit as st

from app_pages import checkin_view as view
from app_pages.auth import require_role
from core.vocab import CHECKIN_ROLES

user = require_role(*CHECKIN_ROLES)
st.title("Check-in")
chosen = view.chosen_patient()
if chosen is None:
    view.recorded_banner()
    view.patient_list(user)
else:
    view.patient_header(chosen)
    view.prep_reminder(chosen)
    view.checkin_form(chosen, user)
