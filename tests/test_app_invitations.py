"""Invitations in the app: staff (front desk included) create one and get the link; the
patient opens it with their date of birth, finds name and birth date filled in and locked,
comes back through the same link to the same draft, and the screening is tied to the
appointment. The front desk sees no clinical page."""

from __future__ import annotations

import copy
import re
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

import store as db
from core.vocab import Role
from forms.prep import prep_times
from forms.steps import STEPS
from services import intake
from store import invitations as inv
from store.schema import InvitationRow, ScreeningRow, utcnow
from tests.apptest_helpers import (
    APP,
    TIMEOUT,
    click_next,
    current_step,
    errors,
    fill_step,
    staff_app,
    texts,
)
from tests.conftest import CLEAN_ANSWERS
from tests.mail_support import smtp_server  # noqa: F401 - fixture

PASSWORD = "correct horse battery staple"
DOB = date(1985, 6, 15)


@pytest.fixture(autouse=True)
def database(store_db):
    return store_db


def staff_member_app(username: str, role: Role) -> AppTest:
    db.create_user(username, PASSWORD, role)
    return staff_app(username, role)


def patient_app(token: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params["invite"] = token
    at.run()
    return at


def open_with(at: AppTest, dob: date) -> None:
    at.date_input(key="invite_dob").set_value(dob)
    at.button(key="invite_open").click().run()


def finish_from_step_2(at: AppTest) -> None:
    """An invited patient's steps after the first (name and birth date are the clinic's), then
    submit."""
    answers = {k: v for k, v in copy.deepcopy(CLEAN_ANSWERS).items()
               if k not in ("first_name", "last_name", "date_of_birth")}
    for step in STEPS[1:-1]:
        assert current_step(at).id == step.id, (current_step(at).id, errors(at))
        if step.id == "medications":
            at.checkbox(key="q_takes_no_medications").check().run()
        else:
            fill_step(at, answers)
        click_next(at)
        assert not errors(at), errors(at)
    fill_step(at, answers)
    at.button(key="submit").click().run()


def new_invitation(**changes) -> tuple[inv.InvitationView, str]:
    when = changes.pop("appointment_at", utcnow() + timedelta(days=2))
    return inv.create_invitation("Ann", "Lee", DOB, when, changes.pop("email", None), actor="desk")


def test_front_desk_creates_an_invitation_and_sees_no_clinical_page():
    at = staff_member_app("desk1", "front_desk")
    assert [t.value for t in at.title] == ["Check-in"]  # the front desk's first page
    at.switch_page("app_pages/invitations.py").run()
    assert [t.value for t in at.title] == ["Invitations"]
    at.text_input(key="inv_first").input("Ann")
    at.text_input(key="inv_last").input("Lee")
    at.date_input(key="inv_dob").set_value(DOB)
    at.date_input(key="inv_day").set_value(date.today() + timedelta(days=3))
    at.time_input(key="inv_time").set_value(datetime(2026, 1, 1, 14, 0).time())
    at.button(key="inv_create").click().run()
    assert not errors(at), errors(at)
    link = at.text_input(key="inv_link").value
    assert not at.code  # a plain text box: the code block's highlighter is slow to draw
    token = re.search(r"\?invite=(\S+)$", link).group(1)
    assert inv.open_invitation(token, DOB) is not None
    assert "Lee, Ann" in str(at.dataframe[0].value.to_dict())
    created, _ = db.list_audit(db.AuditFilters(action="invitation_create"))
    assert [a.actor for a in created] == ["desk1"]

    # the queue and the detail are not pages of the front desk, and refuse it themselves
    intake.submit(
        {"form_version": "1", "answers": {**CLEAN_ANSWERS, "first_name": "Zed",
                                          "signature_name": "Zed Lee"}})
    for page in ("app_pages/queue.py", "app_pages/screening.py", "app_pages/export.py"):
        try:
            at.switch_page(page).run()
        except Exception:
            continue
        assert "Zed" not in texts(at)
        assert "Screenings" not in [t.value for t in at.title]


def test_incomplete_invitation_form_names_what_is_missing():
    at = staff_member_app("desk2", "front_desk")
    at.switch_page("app_pages/invitations.py").run()
    at.text_input(key="inv_first").input("Ann")
    at.button(key="inv_create").click().run()
    assert any("last name" in e and "appointment date" in e for e in errors(at)), errors(at)


def test_patient_opens_the_link_with_name_locked_and_resumes_by_the_same_link(monkeypatch,
                                                                               smtp_server):  # noqa: F811
    monkeypatch.setenv("SMTP_URL", smtp_server.url)
    monkeypatch.setenv("CLINIC_TIMEZONE", "America/New_York")
    view, token = new_invitation(email="ann@example.org")
    at = patient_app(token)
    assert "Your screening before your visit" in texts(at)
    open_with(at, date(1985, 6, 16))
    assert any("could not open" in e for e in errors(at))
    open_with(at, DOB)
    assert current_step(at).id == "about"
    first = at.text_input(key="q_first_name")
    assert first.value == "Ann" and first.disabled
    assert at.text_input(key="q_last_name").disabled
    assert at.date_input(key="q_date_of_birth").disabled
    at.button(key="email_me").click().run()  # "email me a link to continue"
    [mail] = smtp_server.wait_for(1)
    assert f"?invite={token}" in mail.body and mail.rcpt_tos == ["ann@example.org"]
    assert "Ann" not in mail.message.as_string()
    fill_step(at, {"sex_at_birth": "female", "pregnant": "no", "breastfeeding": "no"})
    click_next(at)
    assert current_step(at).id == "mental_health", errors(at)

    again = patient_app(token)  # another day, the same link
    open_with(again, DOB)
    assert current_step(again).id == "mental_health"
    finish_from_step_2(again)
    assert "Your answers were sent" in texts(again)
    times = prep_times(view.appointment_at)
    for line in times.lines():  # clock times in the clinic's zone, and a calendar file
        assert line[1:] in texts(again)
    assert again.get("download_button")

    with db.get_store().session(readonly=True) as session:
        row = session.scalar(select(ScreeningRow))
        invitation = session.get(InvitationRow, view.id)
        assert (row.first_name, row.last_name, str(row.date_of_birth)) == ("Ann", "Lee", "1985-06-15")
        assert row.appointment_at == view.appointment_at and row.invitation_id == view.id
        assert invitation.screening_id == row.id

    done = patient_app(token)  # the link now shows that it was sent, nothing to edit
    open_with(done, DOB)
    assert "Your answers were sent" in texts(done)


def test_an_invited_patient_chooses_spanish_before_the_date_of_birth(monkeypatch, smtp_server):  # noqa: F811
    monkeypatch.setenv("SMTP_URL", smtp_server.url)
    monkeypatch.setenv("CLINIC_TIMEZONE", "America/New_York")
    view, token = new_invitation(email="ann@example.org")
    at = patient_app(token)
    at.radio(key="language_choice").set_value("es").run()
    assert "Su evaluación antes de su visita" in texts(at)
    assert at.date_input(key="invite_dob").label == "Fecha de nacimiento (mes/día/año)"
    open_with(at, date(1985, 6, 16))
    assert any("No pudimos abrir el enlace de su clínica" in e for e in errors(at))
    open_with(at, DOB)
    assert current_step(at).id == "about"
    assert at.get("progress")[0].proto.text == "Paso 1 de 9: Sobre usted"
    at.button(key="email_me").click().run()
    assert at.button(key="email_me").label == "Envíenme por correo un enlace para continuar"
    assert any("Le enviamos por correo un enlace" in s.value for s in at.success)
    [mail] = smtp_server.wait_for(1)
    assert "Necesitará su fecha de nacimiento" in mail.body and f"?invite={token}" in mail.body
    fill_step(at, {"sex_at_birth": "female", "pregnant": "no", "breastfeeding": "no"})
    click_next(at)
    assert current_step(at).id == "mental_health", errors(at)
    again = patient_app(token)  # another day: the draft remembers the language
    open_with(again, DOB)
    assert again.get("progress")[0].proto.text.startswith("Paso 2 de 9")
    finish_from_step_2(again)
    assert "Gracias. Sus respuestas fueron enviadas." in texts(again)
    times = prep_times(view.appointment_at)
    for line in times.lines("es"):  # the clock times of the visit, in Spanish
        assert line[1:] in texts(again)
    assert "Su cita: " in texts(again) and "Your appointment" not in texts(again)
    assert again.get("download_button")[0].proto.label == "Agregar a mi calendario (.ics)"


def test_front_desk_invites_in_spanish_and_the_link_opens_in_spanish(monkeypatch,
                                                                     smtp_server):  # noqa: F811
    monkeypatch.setenv("SMTP_URL", smtp_server.url)
    monkeypatch.setenv("CLINIC_TIMEZONE", "America/New_York")
    monkeypatch.delenv("CLINIC_NAME", raising=False)
    at = staff_member_app("desk3", "front_desk")
    at.switch_page("app_pages/invitations.py").run()
    assert at.radio(key="inv_language").value == "en"  # English unless the desk says otherwise
    assert at.radio(key="inv_language").options == ["English", "Español"]
    at.text_input(key="inv_first").input("Ann")
    at.text_input(key="inv_last").input("Lee")
    at.date_input(key="inv_dob").set_value(DOB)
    at.text_input(key="inv_email").input("ann@example.org")
    at.date_input(key="inv_day").set_value(date.today() + timedelta(days=3))
    at.time_input(key="inv_time").set_value(datetime(2026, 1, 1, 14, 0).time())
    at.radio(key="inv_language").set_value("es")
    at.button(key="inv_create").click().run()
    assert not errors(at), errors(at)
    assert any("in Español" in s.value for s in at.success)
    assert at.radio(key="inv_language").value == "en"  # the next invitation starts in English
    assert at.dataframe[0].value.to_dict("records")[0]["Language"] == "Español"
    link = at.text_input(key="inv_link").value
    token = re.search(r"\?invite=(\S+)$", link).group(1)
    at.button(key="inv_email_send").click().run()
    [mail] = smtp_server.wait_for(1)
    assert mail.message["Subject"] == "Su clínica: su evaluación antes de su cita"
    assert link in mail.body and "Your clinic" not in mail.body
    assert "Ann" not in mail.body.replace(link, "")  # (the link's random token may spell it)

    patient = patient_app(token)  # the page before the date of birth is in Spanish
    assert "Su evaluación antes de su visita" in texts(patient)
    assert patient.radio(key="language_choice").value == "es"
    assert patient.date_input(key="invite_dob").label == "Fecha de nacimiento (mes/día/año)"
    open_with(patient, DOB)
    assert patient.get("progress")[0].proto.text == "Paso 1 de 9: Sobre usted"


def test_an_invited_patient_can_switch_from_the_desks_language(monkeypatch):
    monkeypatch.setenv("CLINIC_TIMEZONE", "America/New_York")
    _, token = inv.create_invitation("Ann", "Lee", DOB, utcnow() + timedelta(days=2), None,
                                     actor="desk", language="es")
    at = patient_app(token)
    assert at.radio(key="language_choice").value == "es"
    at.radio(key="language_choice").set_value("en").run()
    assert "Your screening before your visit" in texts(at)
    at.run()  # a rerun keeps the patient's choice
    assert at.radio(key="language_choice").value == "en"
    open_with(at, DOB)
    assert at.get("progress")[0].proto.text.startswith("Step 1 of 9")
    fill_step(at, {"sex_at_birth": "female", "pregnant": "no", "breastfeeding": "no"})
    click_next(at)
    assert current_step(at).id == "mental_health", errors(at)
    assert inv.invitation_language(token) == "en"  # saved with the draft: next visit in English
    again = patient_app(token)
    assert "Your screening before your visit" in texts(again)


def test_expired_link_says_so_and_walk_ins_still_work(monkeypatch):
    _, token = new_invitation()
    real = inv.utcnow
    monkeypatch.setattr(inv, "utcnow", lambda: real() + timedelta(days=5))
    at = patient_app(token)
    open_with(at, DOB)
    assert any("expired" in e for e in errors(at))
    at.button(key="restart").click().run()
    assert "invite" not in at.query_params
    at.button(key="start").click().run()
    assert current_step(at).id == "about"
    assert not at.text_input(key="q_first_name").disabled



def test_without_smtp_the_patient_is_told_and_shown_the_link(monkeypatch):
    monkeypatch.delenv("SMTP_URL", raising=False)
    _, token = new_invitation(email="ann@example.org")
    at = patient_app(token)
    open_with(at, DOB)
    at.button(key="email_me").click().run()
    assert "Email is not set up at this clinic" in texts(at)
    assert any(f"?invite={token})" in m.value for m in at.markdown)  # a plain link
    assert not at.code
