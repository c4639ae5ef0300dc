"""The export page: refused without a login, a zip of the four CSVs for staff, audited."""

from __future__ import annotations

import io
import zipfile

import pytest
from streamlit.testing.v1 import AppTest

import store as db
from services import intake
from tests.apptest_helpers import APP, TIMEOUT, errors, staff_app, texts
from tests.conftest import make_doc


@pytest.fixture(autouse=True)
def database(store_db):
    db.create_user("dr_grey", "correct horse battery staple", "clinician")
    intake.submit(make_doc(first_name="Zoë", last_name="Ångström", signature_name="Zoë Ångström",
                                 meds=["=HYPERLINK(\"http://x\",\"y\")"]))
    return store_db


def signed_in() -> AppTest:
    at = staff_app("dr_grey")
    at.switch_page("app_pages/export.py").run()
    return at


def test_export_page_is_not_registered_without_login():
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("app_pages/export.py").run()


def test_export_page_refuses_a_visitor_even_when_run_directly():
    at = staff_app(page="export.py")
    assert any("do not have access" in e for e in errors(at))
    assert "x_download" not in [b.key for b in at.get("download_button")]
    assert db.list_audit(db.AuditFilters(action="export"))[1] == 0


@pytest.mark.parametrize("deidentified", [False, True])
def test_staff_export_is_a_zip_of_four_csvs_and_is_audited(deidentified):
    at = signed_in()
    if deidentified:
        at.checkbox(key="x_deid").check()
    at.button(key="x_prepare").click().run()
    held = at.session_state["export_zip"]
    name, data = held.name, held.peek()
    assert name.endswith(".zip") and ("deidentified" in name) == deidentified
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert sorted(archive.namelist()) == ["data_dictionary.csv", "flags.csv",
                                              "medications.csv", "screenings.csv"]
        screenings = archive.read("screenings.csv").decode("utf-8-sig")
        medications = archive.read("medications.csv").decode("utf-8-sig")
    assert ("Ångström" in screenings) != deidentified  # accents intact; dropped when de-identified
    assert "=HYPERLINK" not in medications.replace("'=HYPERLINK", "")  # never a live formula
    _, total = db.list_audit(db.AuditFilters(action="export", actor="dr_grey"))
    assert total == 1


# --- the exporter role: export, and nothing else ----------------------------------------

def test_exporter_lands_on_export_and_can_export():
    db.create_user("records1", "correct horse battery staple", "exporter")
    at = staff_app("records1", "exporter")
    assert [t.value for t in at.title] == ["Export screenings"]  # the default page
    at.button(key="x_prepare").click().run()
    assert not errors(at), errors(at)
    assert at.session_state["export_zip"].name.endswith(".zip")
    _, total = db.list_audit(db.AuditFilters(action="export", actor="records1"))
    assert total == 1


@pytest.mark.parametrize("page", ["queue.py", "screening.py", "audit_log.py", "invitations.py"])
def test_exporter_has_no_other_page_and_each_refuses_it(page):
    db.create_user("records2", "correct horse battery staple", "exporter")
    at = staff_app("records2", "exporter")
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(f"app_pages/{page}").run()
    direct = staff_app("records2", "exporter", page=page)  # as if navigation were bypassed
    assert any("do not have access" in e for e in errors(direct))
    assert "Ångström" not in texts(direct)
    assert db.list_audit(db.AuditFilters(action="screening_view"))[1] == 0
    assert db.list_audit(db.AuditFilters(action="queue_view"))[1] == 0
