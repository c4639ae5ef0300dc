"""Clinicians see re-evaluations: the queue filter "changed since review", the "needs review
again" status, and on the detail page the reason, the flags added and removed since the
review, and the evaluation history."""

from __future__ import annotations

import time

import pytest
from streamlit.testing.v1 import AppTest

import store as db
from rules.engine import build_engine
from services import intake
from store.reevaluate import ReevaluateOptions, reevaluate
from tests.apptest_helpers import APP, TIMEOUT, texts
from tests.conftest import make_doc

PASSWORD = "correct horse battery staple"
OVERLAY = """\
rules:
  bipolar_disorder:
    severity: defer
    why: This clinic treats bipolar disorder as a contraindication.
"""


@pytest.fixture(scope="module")
def overlay_engine(tmp_path_factory):
    path = tmp_path_factory.mktemp("overlay") / "clinic.yaml"
    path.write_text(OVERLAY)
    return build_engine(overrides_file=path, with_dictionary=False)


@pytest.fixture
def reevaluated(store_db, overlay_engine):
    """Bipolar (reviewed, then raised to defer), glaucoma (reviewed, unchanged),
    bipolar (never reviewed)."""
    db.create_user("dr_grey", PASSWORD, "clinician")
    ids = {}
    cases = {"bipolar": ("Bipolar", {"bipolar_disorder": "yes"}),
             "glaucoma": ("Glaucoma", {"glaucoma": "yes"}),
             "fresh": ("Fresh", {"bipolar_disorder": "yes"})}
    for key, (last, answers) in cases.items():
        doc = make_doc(last_name=last, signature_name=f"Ann {last}", **answers)
        ids[key] = intake.submit(doc).screening_id
    for key in ("bipolar", "glaucoma"):
        db.record_review(ids[key], "dr_grey", "cleared", "", {}, None, confirm_open_flags=True)
    summary = reevaluate(overlay_engine, ReevaluateOptions())
    assert summary.requeued == 1 and summary.changed == 2
    return ids


def app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state["staff_user"] = {"username": "dr_grey", "role": "clinician",
                                      "last_seen": time.monotonic()}
    at.run()
    return at


def test_queue_filter_changed_since_review_and_status(reevaluated):
    at = app()
    assert "Needs review again (flags changed)" in texts(at)
    at.checkbox(key="f_changed").check().run()
    # Names are patient text (shown as plain HTML, not markdown): identify rows by their button.
    shown = {b.key for b in at.button if b.key and b.key.startswith("open_")}
    assert shown == {f"open_{reevaluated['bipolar']}"}
    assert "Needs review again (flags changed)" in texts(at)
    assert at.session_state["queue_page"] == 1


def test_detail_shows_reason_changes_since_review_and_history(reevaluated, overlay_engine):
    at = app()
    at.button(key=f"open_{reevaluated['bipolar']}").click().run()
    page = texts(at)
    assert "Needs review again." in page and "new defer flag bipolar_disorder" in page
    assert "Flags changed since the review of" in page
    assert "Changed: **bipolar_disorder (review -> defer)**" in page, page
    assert f"rules `{overlay_engine.version}`" in page
    assert "Flags of the replaced evaluation: bipolar_disorder (review)" in page
    assert "Evaluation history (1 re-evaluation)" in [e.label for e in at.expander]


def test_detail_of_an_unchanged_screening_shows_only_its_version(reevaluated):
    at = app()
    at.session_state["queue_tab"] = "Reviewed"  # still cleared: not in "To review"
    at.run()
    at.button(key=f"open_{reevaluated['glaucoma']}").click().run()
    page = texts(at)
    assert "Needs review again" not in page and "changed since the review" not in page
    assert "Judged at submission by rules" in page


def test_never_reviewed_screening_is_not_changed_since_review(reevaluated):
    at = app()
    at.button(key=f"open_{reevaluated['fresh']}").click().run()
    page = texts(at)
    assert "Needs review again" not in page and "Flags changed since the review" not in page
    assert "Changed: **bipolar_disorder (review -> defer)**" in page  # in the history
