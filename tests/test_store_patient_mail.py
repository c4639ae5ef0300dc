"""Patient emails through a real SMTP server on loopback (aiosmtpd): the invitation, the
"email me a link" message and the day-before reminder with clock-time preparation. No name,
birth date or answer in any of them. Also the preparation times and the calendar file."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from forms.prep import calendar_file, prep_times
from store import invitations as inv
from store import list_audit, patient_mail
from store.models import AuditFilters
from store.schema import utcnow
from tests.conftest import ROOT
from tests.mail_support import smtp_server  # noqa: F401 - fixture

NY = ZoneInfo("America/New_York")


@pytest.fixture
def mail_env(monkeypatch, smtp_server):  # noqa: F811
    monkeypatch.setenv("SMTP_URL", smtp_server.url)
    monkeypatch.setenv("SMTP_FROM", "desk@calm.clinic.test")
    monkeypatch.setenv("CLINIC_NAME", "Calm Clinic")
    monkeypatch.setenv("CLINIC_TIMEZONE", "America/New_York")
    return smtp_server


def no_patient_data(text: str) -> None:
    for secret in ("Ann", "Lee", "1985", "06/15"):
        assert secret not in text, secret


def no_patient_data_read(mail, link: str) -> None:
    """What the patient reads: the decoded subject and body, the random link taken out (a
    Spanish body travels base64-encoded, and neither that nor a token is text to search)."""
    no_patient_data(f"{mail.message['Subject']} {mail.body.replace(link, '')}")


@pytest.mark.parametrize(("appointment", "expected"), [
    (datetime(2026, 12, 3, 14, 0, tzinfo=NY),
     "No food after 8:00 am on Thursday 3 December; clear liquids until 12:00 pm; "
     "arrive with the adult who will drive you home at 2:00 pm."),
    (datetime(2026, 12, 4, 4, 30, tzinfo=NY),  # the fast starts the evening before
     "No food after 10:30 pm on Thursday 3 December; clear liquids until 2:30 am on Friday "
     "4 December; arrive with the adult who will drive you home at 4:30 am."),
    (datetime(2026, 3, 8, 7, 0, tzinfo=NY),  # clocks go forward at 2 am: still 6 real hours
     "No food after 12:00 am on Sunday 8 March; clear liquids until 5:00 am; "
     "arrive with the adult who will drive you home at 7:00 am."),
])
def test_prep_times_are_clock_times_in_the_clinic_zone(appointment, expected):
    assert prep_times(appointment.astimezone(UTC), NY).sentence() == expected


@pytest.mark.parametrize(("appointment", "expected"), [
    (datetime(2026, 12, 3, 14, 0, tzinfo=NY),
     "Nada de comida después de las 8:00 a. m. del jueves 3 de diciembre; líquidos claros hasta "
     "las 12:00 p. m.; llegue con el adulto que le llevará a casa a las 2:00 p. m."),
    (datetime(2026, 12, 4, 7, 0, tzinfo=NY),  # 1 o'clock takes "la", not "las"
     "Nada de comida después de la 1:00 a. m. del viernes 4 de diciembre; líquidos claros hasta "
     "las 5:00 a. m.; llegue con el adulto que le llevará a casa a las 7:00 a. m."),
    (datetime(2026, 12, 4, 4, 30, tzinfo=NY),
     "Nada de comida después de las 10:30 p. m. del jueves 3 de diciembre; líquidos claros hasta "
     "las 2:30 a. m. del viernes 4 de diciembre; llegue con el adulto que le llevará a casa a "
     "las 4:30 a. m."),
])
def test_prep_times_in_spanish(appointment, expected):
    assert prep_times(appointment.astimezone(UTC), NY).sentence("es") == expected


def test_calendar_file_in_spanish():
    from icalendar import Calendar

    times = prep_times(datetime(2026, 12, 3, 19, 0, tzinfo=UTC), NY)
    [event] = Calendar.from_ical(calendar_file(times, "Calm Clinic", "a-7", "es")).walk("VEVENT")
    assert str(event["summary"]) == "Cita en Calm Clinic"
    assert str(event["description"]).startswith("Nada de comida después de las 8:00 a. m.")
    [alarm] = event.walk("VALARM")
    assert str(alarm["description"]) == "Deje de comer ahora: líquidos claros hasta las 12:00 p. m."


def test_calendar_file_has_the_appointment_and_an_alarm_when_the_fast_starts():
    from icalendar import Calendar

    times = prep_times(datetime(2026, 12, 3, 19, 0, tzinfo=UTC), NY)
    calendar = Calendar.from_ical(calendar_file(times, "Calm Clinic", "appointment-7"))
    [event] = calendar.walk("VEVENT")
    assert event.decoded("dtstart") == datetime(2026, 12, 3, 14, 0, tzinfo=NY)
    assert str(event["summary"]) == "Appointment at Calm Clinic"
    [alarm] = event.walk("VALARM")
    assert str(alarm["description"]) == "Stop eating now: clear liquids until 12:00 pm."
    assert alarm.decoded("trigger") == -timedelta(hours=6)
    assert calendar.walk("VTIMEZONE")
    no_patient_data(calendar_file(times, "Calm Clinic", "appointment-7").decode())


def test_invite_command_emails_the_link_or_says_email_is_off(store_db, store_url, mail_env):
    day = (datetime.now(NY) + timedelta(days=3)).date().isoformat()
    args = [sys.executable, "-m", "store", "invite", "--first-name", "Ann", "--last-name", "Lee",
            "--dob", "1985-06-15", "--appointment", f"{day} 14:00", "--email", "ann@example.org"]
    env = {**os.environ, "DATABASE_URL": store_url, "APP_BASE_URL": "https://screening.clinic.test"}
    proc = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "emailed to the patient" in proc.stdout
    link = re.search(r"^(https://\S+)$", proc.stdout, re.M).group(1)
    [mail] = mail_env.wait_for(1)
    assert mail.rcpt_tos == ["ann@example.org"] and mail.message["From"] == "desk@calm.clinic.test"
    assert "Calm Clinic" in mail.message["Subject"]
    assert link in mail.body and "at 2:00 pm" in mail.body
    no_patient_data(mail.message.as_string())
    [sent] = list_audit(AuditFilters(action="invitation_email"))[0]
    assert sent.details == {"result": "sent"}

    off = {k: v for k, v in env.items() if k != "SMTP_URL"}
    proc = subprocess.run(args, cwd=ROOT, env=off, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and "email is not configured" in proc.stdout
    assert len(mail_env.messages) == 1


def test_continue_email_and_unreachable_server(store_db, mail_env, monkeypatch):
    link = "https://screening.clinic.test/?invite=abc"
    assert patient_mail.send_continue_email("ann@example.org", link, target=None) == "sent"
    [mail] = mail_env.wait_for(1)
    assert link in mail.body
    no_patient_data(mail.message.as_string())
    monkeypatch.setenv("SMTP_URL", "smtp://127.0.0.1:9")  # nothing listens there
    assert patient_mail.send_continue_email("ann@example.org", link, target=None) == "failed"
    monkeypatch.delenv("SMTP_URL")
    assert patient_mail.send_continue_email("ann@example.org", link, target=None) == "not_configured"
    assert patient_mail.send_continue_email("", link, target=None) == "no_address"


def test_continue_email_in_the_patients_language(store_db, mail_env):
    link = "https://screening.clinic.test/?resume=abc"
    assert patient_mail.send_continue_email("ann@example.org", link, target=None,
                                            language="es") == "sent"
    [mail] = mail_env.wait_for(1)
    assert "continúe su evaluación" in mail.message["Subject"]
    assert "Necesitará su fecha de nacimiento" in mail.body and link in mail.body


def test_a_reminder_is_in_the_language_the_patient_answered_in(store_db, mail_env):
    from store import drafts

    now = utcnow()
    tomorrow = (now.astimezone(NY) + timedelta(days=1)).replace(hour=14, minute=0, second=0,
                                                                microsecond=0)
    _, token = inv.create_invitation("Ann", "Lee", date(1985, 6, 15), tomorrow, "es@example.org",
                                     actor="d")
    inv.create_invitation("Bo", "Lee", date(1985, 6, 15), tomorrow, "en@example.org", actor="d")
    opened = inv.open_invitation(token, "1985-06-15")
    assert opened is not None
    drafts.save_draft(opened.draft_token, {**opened.draft.answers, "_language": "es"}, 1)
    assert patient_mail.send_reminders(now=now)["sent"] == 2
    mails = {m.rcpt_tos[0]: m for m in mail_env.wait_for(2)}
    assert prep_times(tomorrow).sentence("es")[1:] in mails["es@example.org"].body
    assert "su cita de mañana" in mails["es@example.org"].message["Subject"]
    assert prep_times(tomorrow).sentence()[1:] in mails["en@example.org"].body


def test_reminders_go_the_day_before_once(store_db, mail_env):
    now = utcnow()
    tomorrow = (now.astimezone(NY) + timedelta(days=1)).replace(hour=14, minute=0, second=0,
                                                                microsecond=0)
    inv.create_invitation("Ann", "Lee", date(1985, 6, 15), tomorrow, "ann@example.org", actor="d")
    inv.create_invitation("Bo", "Lee", date(1985, 6, 15), tomorrow, None, actor="d")  # no address
    inv.create_invitation("Cy", "Lee", date(1985, 6, 15), tomorrow + timedelta(days=1),
                          "cy@example.org", actor="d")
    assert patient_mail.send_reminders(now=now) == {"sent": 1, "failed": 0, "not_configured": 0}
    [mail] = mail_env.wait_for(1)
    assert mail.rcpt_tos == ["ann@example.org"]
    assert prep_times(tomorrow).sentence()[1:] in mail.body
    no_patient_data(mail.message.as_string())
    assert patient_mail.send_reminders(now=now)["sent"] == 0  # once
    assert len(mail_env.messages) == 1


def test_the_invitation_email_is_in_the_language_the_front_desk_chose(store_db, mail_env):
    when = (datetime.now(NY) + timedelta(days=3)).replace(hour=14, minute=0, second=0,
                                                          microsecond=0)
    link = "https://screening.clinic.test/?invite=abc"
    spanish, _ = inv.create_invitation("Ann", "Lee", date(1985, 6, 15), when, "es@example.org",
                                       actor="d", language="es")
    english, _ = inv.create_invitation("Bo", "Lee", date(1985, 6, 15), when, "en@example.org",
                                       actor="d")
    assert patient_mail.send_invitation_email(spanish.id, link, actor="d") == "sent"
    assert patient_mail.send_invitation_email(english.id, link, actor="d") == "sent"
    mails = {m.rcpt_tos[0]: m for m in mail_env.wait_for(2)}
    es, en = mails["es@example.org"], mails["en@example.org"]
    assert es.message["Subject"] == "Calm Clinic: su evaluación antes de su cita"
    assert f"antes de su cita del {patient_mail.when_text(when, 'es')}." in es.body
    assert "a las 2:00 p. m." in es.body and link in es.body
    assert "Necesitará su fecha de nacimiento" in es.body and "Hello" not in es.body
    assert en.message["Subject"] == "Calm Clinic: your screening before your appointment"
    assert f"before your appointment on {patient_mail.when_text(when)}." in en.body
    assert "at 2:00 pm" in en.body and link in en.body and "Hola" not in en.body
    for mail in (es, en):
        no_patient_data_read(mail, link)


def test_an_unopened_spanish_invitations_reminder_is_in_spanish(store_db, mail_env):
    now = utcnow()
    tomorrow = (now.astimezone(NY) + timedelta(days=1)).replace(hour=14, minute=0, second=0,
                                                                microsecond=0)
    inv.create_invitation("Ann", "Lee", date(1985, 6, 15), tomorrow, "es@example.org",
                          actor="d", language="es")
    assert patient_mail.send_reminders(now=now)["sent"] == 1
    [mail] = mail_env.wait_for(1)
    assert "su cita de mañana" in mail.message["Subject"]
    assert prep_times(tomorrow).sentence("es")[1:] in mail.body


def test_without_clinic_name_the_default_is_in_the_patients_language(monkeypatch):
    monkeypatch.delenv("CLINIC_NAME", raising=False)
    monkeypatch.setenv("CLINIC_TIMEZONE", "America/New_York")
    when = datetime(2026, 12, 3, 14, 0, tzinfo=NY)
    link = "https://screening.clinic.test/?invite=abc"
    assert patient_mail.clinic_name() == "Your clinic"
    assert patient_mail.clinic_name("es") == "Su clínica"
    spanish = [*patient_mail.invitation_message(when, link, "es"),
               *patient_mail.continue_message(link, "es"),
               *patient_mail.reminder_message(when, "es"),
               calendar_file(prep_times(when), patient_mail.clinic_name("es"), "a-1",
                             "es").decode()]
    assert all("Your clinic" not in text for text in spanish)
    assert spanish[0].startswith("Su clínica: ")
    assert patient_mail.invitation_message(when, link)[0].startswith("Your clinic: ")
    monkeypatch.setenv("CLINIC_NAME", "Calm Clinic")
    assert patient_mail.clinic_name("es") == "Calm Clinic"  # the clinic's own name, untranslated


def test_invite_command_takes_the_patients_language(store_db, store_url, mail_env):
    day = (datetime.now(NY) + timedelta(days=3)).date().isoformat()
    args = [sys.executable, "-m", "store", "invite", "--first-name", "Ann", "--last-name", "Lee",
            "--dob", "1985-06-15", "--appointment", f"{day} 14:00", "--email", "ann@example.org"]
    env = {**os.environ, "DATABASE_URL": store_url, "APP_BASE_URL": "https://screening.clinic.test"}
    proc = subprocess.run([*args, "--language", "es"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    link = re.search(r"^(https://\S+\?invite=(\S+))$", proc.stdout, re.M)
    assert inv.invitation_language(link.group(2)) == "es"
    [mail] = mail_env.wait_for(1)
    assert "su evaluación antes de su cita" in mail.message["Subject"] and link.group(1) in mail.body
    no_patient_data_read(mail, link.group(1))

    bad = subprocess.run([*args, "--language", "fr"], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=120)
    assert bad.returncode == 1 and bad.stdout == ""
    assert "--language must be one of: en (English), es (Español)" in bad.stderr
    assert len(inv.list_invitations(actor="x")) == 1 and len(mail_env.messages) == 1
