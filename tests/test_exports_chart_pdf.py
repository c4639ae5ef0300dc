"""The printable chart summary (exports/chart_pdf.py): its text as pdftotext reads it (names
with accents and in Greek and Cyrillic, flags with reason, evidence and source, medicines as
typed and as read, answers by section, the review, the signature, the rules version), long
patient words kept inside the page, characters the font lacks shown as boxes and
explained, access, audit, and ``python -m exports pdf``."""

from __future__ import annotations

import io
import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from exports.api import ExportRefused
from exports.chart_pdf import MISSING_GLYPH, chart_summary_pdf, printable
from exports.cli import main as exports_main
from services.intake import submit as submit_screening
from store import create_user, list_audit, record_review
from store.models import AuditFilters, ScreeningNotFound
from tests.conftest import make_doc

PASSWORD = "correct horse battery"
POPPLER = shutil.which("pdftotext") and shutil.which("pdftoppm")
needs_poppler = pytest.mark.skipif(
    not POPPLER, reason="pdftotext/pdftoppm (Debian poppler-utils) missing: "
                        "scripts/ensure-poppler.sh installs them where apt is available")
FIRST, LAST = "José Ñandú", "Δημητρίου-Зоя"
LONG_WORD = "Supercalifragilistic" * 8  # 160 letters, no space


def pdf_text(data: bytes, tmp_path: Path, *extra: str) -> str:
    path = tmp_path / "chart.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", *extra, str(path), "-"], check=True,
                          capture_output=True, text=True, timeout=60).stdout


def pages(data: bytes, tmp_path: Path) -> int:
    path = tmp_path / "count.pdf"
    path.write_bytes(data)
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True,
                          timeout=60).stdout
    return int(next(line.split()[1] for line in info.splitlines() if line.startswith("Pages:")))


@pytest.fixture
def staff(store_db):
    create_user("dr.kay", PASSWORD, "clinician")
    create_user("desk", PASSWORD, "front_desk")
    create_user("records", PASSWORD, "exporter")
    return store_db


@pytest.fixture
def reviewed(staff) -> int:
    doc = make_doc(meds=["Xanax 0.5mg", "Lamictal 200 mg"], past=["Zoloft"],
                   bipolar_disorder="yes", first_name=FIRST, last_name=LAST,
                   signature_name=f"{FIRST} {LAST}", phone="555 201 7788",
                   email="jose@example.org", allergies="Penicillin (rash)")
    screening_id = submit_screening(doc).screening_id
    record_review(screening_id, "dr.kay", "cleared_with_conditions",
                  "BP recheck on arrival; escort confirmed by phone",
                  {"bipolar_disorder": "stable on lamotrigine per psychiatrist"},
                  None, confirm_open_flags=True)
    return screening_id


@needs_poppler
def test_chart_holds_what_a_clinician_needs_on_paper(reviewed, tmp_path):
    data = chart_summary_pdf(reviewed, "dr.kay", "clinician")
    assert data.startswith(b"%PDF-")
    assert 1 <= pages(data, tmp_path) <= 2
    text = " ".join(pdf_text(data, tmp_path).split())
    for expected in (
        f"{LAST}, {FIRST}",  # accented, Greek and Cyrillic letters print as typed
        "Born 1985-06-15", "555 201 7788", "jose@example.org", "Appointment: none booked",
        # flags by severity, each with reason, evidence and source
        "Review before treatment (1)", "Bipolar disorder diagnosed",
        "Evidence: bipolar_disorder = Yes", "Source: seed clinic FAQ",
        "Adjust medication with the prescriber (2)", "Current benzodiazepine",
        "Evidence: medication 'Xanax 0.5mg' -> alprazolam (brand)",
        "Acknowledged by dr.kay", "stable on lamotrigine per psychiatrist",
        # medicines as typed and as read
        "Xanax 0.5mg", "Xanax (alprazolam)", "Lamictal (lamotrigine)", "Zoloft", "past",
        # the review
        "Cleared with conditions by dr.kay", "BP recheck on arrival; escort confirmed by phone",
        # answers by section, flagged ones marked
        "About you", "Mental health", "Other health", "Check and sign",
        "⚑ bipolar_disorder", "Penicillin (rash)",
        # signature and rules version
        f"signed by typing their name: {FIRST} {LAST}", "rules rules-",
    ):
        assert expected in text, expected
    assert MISSING_GLYPH not in text
    rows, _ = list_audit(AuditFilters(action="export"), page_size=5)
    assert rows[0].actor == "dr.kay" and rows[0].target == f"screening:{reviewed}"
    assert rows[0].details["format"] == "chart-pdf" and rows[0].details["role"] == "clinician"


@needs_poppler
def test_long_patient_words_wrap_inside_the_page(staff, tmp_path):
    doc = make_doc(meds=[f"Zoloft {LONG_WORD}"], allergies=f"{LONG_WORD} and more",
                   first_name="Ann", last_name="Lee")
    screening_id = submit_screening(doc).screening_id
    data = chart_summary_pdf(screening_id, "dr.kay", "clinician")
    # Every letter is printed (a broken word loses nothing)...
    text = pdf_text(data, tmp_path)
    assert "".join(text.split()).count("Supercalifragilistic") >= 2 * 8
    # ...and every word's box lies inside the page's margins (US Letter: 612 pt wide).
    html = pdf_text(data, tmp_path, "-bbox")
    right_edges = [float(part.split('"')[1]) for part in html.split("xMax=")[1:]]
    assert right_edges and max(right_edges) <= 612 - 30


@needs_poppler
def test_a_character_the_font_lacks_is_a_visible_box_and_explained(staff, tmp_path):
    doc = make_doc(first_name="Mei", last_name="Wang 王", signature_name="Mei Wang 王")
    screening_id = submit_screening(doc).screening_id
    text = " ".join(pdf_text(chart_summary_pdf(screening_id, "dr.kay", "clinician"),
                             tmp_path).split())
    assert f"Wang {MISSING_GLYPH}, Mei" in text
    assert "cannot be printed in this font" in text


@pytest.mark.parametrize(("raw", "shown", "boxed"), [
    ("Zoë Łukasz", "Zoë Łukasz", False),
    ("line\nbreak\ttab", "line break tab", False),
    ("bell\x07 and rtl\u202e", "bell and rtl", False),
    ("王", MISSING_GLYPH, True),
])
def test_printable(raw, shown, boxed):
    assert printable(raw) == (shown, boxed)


@needs_poppler
def test_page_one_renders_to_png(reviewed, tmp_path):
    pdf = tmp_path / "chart.pdf"
    pdf.write_bytes(chart_summary_pdf(reviewed, "dr.kay", "clinician"))
    subprocess.run(["pdftoppm", "-r", "60", "-f", "1", "-l", "1", "-png", str(pdf),
                    str(tmp_path / "page")], check=True, timeout=60)
    png = next(tmp_path.glob("page*.png"))
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
    keep = os.environ.get("CHART_PNG_DIR")  # to look at it: CHART_PNG_DIR=/tmp pytest ...
    if keep:
        shutil.copy(png, Path(keep) / "chart-page-1.png")


def test_only_clinical_accounts_print_and_refusals_are_audited(reviewed):
    with pytest.raises(ExportRefused):
        chart_summary_pdf(reviewed, "desk", "front_desk")
    with pytest.raises(ExportRefused):
        chart_summary_pdf(reviewed, "records", "exporter")  # exports lists, never a chart
    with pytest.raises(ExportRefused):
        chart_summary_pdf(reviewed, "nobody", "clinician")
    with pytest.raises(ExportRefused):
        chart_summary_pdf(reviewed, "dr.kay", "admin")  # not that account's role
    rows, total = list_audit(AuditFilters(action="export_refused"), page_size=5)
    assert total == 4 and rows[-1].details["format"] == "chart-pdf"
    assert list_audit(AuditFilters(action="export"))[1] == 0
    with pytest.raises(ScreeningNotFound):
        chart_summary_pdf(reviewed + 100, "dr.kay", "clinician")


@needs_poppler
def test_command_line_writes_a_private_pdf_and_audits_it(reviewed, tmp_path):
    import store as db

    public_id = db.get_screening(reviewed).public_id
    for reference in (str(reviewed), public_id):
        target = tmp_path / f"chart-{reference[:8]}.pdf"
        out = io.StringIO()
        assert exports_main(["pdf", "--screening", reference, "--out", str(target),
                             "--actor", "records-desk"], out=out, err=io.StringIO()) == 0
        assert "wrote the chart summary" in out.getvalue()
        assert stat.S_IMODE(target.stat().st_mode) == 0o600
        assert f"{LAST}, {FIRST}" in " ".join(pdf_text(target.read_bytes(), tmp_path).split())
    rows, total = list_audit(AuditFilters(action="export"), page_size=5)
    assert total == 2
    assert rows[0].actor == "records-desk" and rows[0].target == f"screening:{reviewed}"
    assert rows[0].details["role"] == "system" and rows[0].details["os_user"]


def test_command_line_errors(reviewed, tmp_path):
    err = io.StringIO()
    assert exports_main(["pdf", "--screening", "999999", "--out", str(tmp_path / "x.pdf")],
                        out=io.StringIO(), err=err) == 1
    assert "no screening has the id '999999'" in err.getvalue()
    assert not (tmp_path / "x.pdf").exists()
    err = io.StringIO()
    assert exports_main(["pdf", "--screening", str(reviewed), "--out", str(tmp_path)],
                        out=io.StringIO(), err=err) == 2
    assert "is a directory" in err.getvalue()
    assert exports_main(["pdf", "--out", str(tmp_path / "y.pdf")], out=io.StringIO(),
                        err=io.StringIO()) == 2
    assert list_audit(AuditFilters(action="export"))[1] == 0
