"""The printable chart summary of one screening: a PDF of one or two pages for the paper chart.

What a clinician needs on paper: the patient, the appointment, the flags by severity with
their reason, evidence and source, the medicines as typed and as read, every answer by
section (the flagged ones marked), the review decision with its note and reviewer, the
patient's typed signature and the rules version. Built with fpdf2 and the DejaVu Sans
font shipped in ``exports/fonts/`` (Bitstream Vera licence, ``LICENSE-DejaVu.txt``), so
accented, Greek, Cyrillic and other names print as typed. A character the font lacks
(e.g. Chinese) is printed as a visible box and the page says so: nothing vanishes.

Patient text is written as plain text (fpdf2's markdown is never turned on), and every
cell wraps, breaking a word that is longer than its column.

``render_chart`` is pure (data in, bytes out). ``chart_summary_pdf`` (the detail page)
checks the account and ``chart_summary_as_system`` (``python -m exports pdf``) names the
actor; both write one ``export`` audit row (format ``chart-pdf``, the screening as target)
before the bytes are handed out.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

from fontTools.ttLib import TTFont  # type: ignore[import-untyped]
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace
from sqlalchemy import select

from core.evaluation import Flag, MedicationReading
from core.vocab import (
    CLINICAL_ROLES,
    DECISION_LABELS,
    REVIEW_STATUS_LABELS,
    SEVERITIES,
    SEVERITY_HEADINGS,
    SYSTEM_ROLE,
)
from exports.api import ExportRefused, check_export_access
from forms.definition import QUESTIONS_BY_CODE
from forms.readable import answer_text, clinic_time, flagged_codes
from forms.steps import STEPS
from store import audit
from store.db import Store, get_store
from store.models import ScreeningDetail, ScreeningNotFound
from store.schema import InvitationRow, ScreeningRow
from store.screenings import get_screening

FORMAT = "chart-pdf"
MEDIA_TYPE = "application/pdf"
FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT = "DejaVu"
MISSING_GLYPH = "\u25a1"  # a white square: the character exists but the font cannot draw it
PRINT_ROLES: tuple[str, ...] = CLINICAL_ROLES  # a chart is clinical detail: never exporter
_SEVERITY_COLOURS: dict[str, tuple[int, int, int]] = {
    "defer": (180, 20, 20), "review": (190, 100, 0), "adjust": (30, 80, 170), "info": (90, 90, 90),
}


@lru_cache(maxsize=1)
def _glyphs() -> frozenset[int]:
    """The code points DejaVu Sans can draw (regular and bold share them here)."""
    return frozenset(TTFont(FONT_DIR / "DejaVuSans.ttf").getBestCmap())


def printable(text: object) -> tuple[str, bool]:
    """Text the PDF can show, and whether some character had to become a box.

    Line breaks and tabs become spaces and other control characters are dropped (a typed
    answer never moves the layout); a character outside the font becomes a box."""
    out: list[str] = []
    replaced = False
    glyphs = _glyphs()
    for ch in str(text):
        if ch in "\r\n\t":
            out.append(" ")
        elif unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn"):
            continue
        elif ord(ch) in glyphs:
            out.append(ch)
        else:
            out.append(MISSING_GLYPH)
            replaced = True
    return "".join(out), replaced


class _Chart(FPDF):
    """US Letter, DejaVu Sans, a footer naming the screening and the page."""

    def __init__(self, footer_text: str) -> None:
        super().__init__(orientation="P", unit="mm", format="Letter")
        self.footer_text = footer_text
        self.boxes = False  # set when a character could not be drawn
        self.set_margins(14, 12, 14)
        self.set_auto_page_break(True, margin=14)
        self.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        self.set_font(FONT, size=9)
        self.set_title("Screening chart summary")
        self.set_creator("Pre-infusion screening")

    def footer(self) -> None:
        self.set_y(-10)
        self.set_font(FONT, size=7)
        self.set_text_color(90, 90, 90)
        self.cell(0, 4, f"{self.footer_text} · page {self.page_no()} of {{nb}}",
                  align="C")
        self.set_text_color(0, 0, 0)

    # -- writing ------------------------------------------------------------------------

    def clean(self, text: object) -> str:
        shown, replaced = printable(text)
        self.boxes = self.boxes or replaced
        return shown

    def para(self, text: object, *, size: float = 9, bold: bool = False, height: float = 4.4,
             colour: tuple[int, int, int] = (0, 0, 0), indent: float = 0) -> None:
        """A paragraph that wraps (a word longer than the line is broken)."""
        self.set_font(FONT, "B" if bold else "", size)
        self.set_text_color(*colour)
        self.set_x(self.l_margin + indent)
        self.multi_cell(self.epw - indent, height, self.clean(text), align="L",
                        new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(0, 0, 0)

    def section(self, title: str) -> None:
        if self.will_page_break(14):
            self.add_page()
        self.ln(1.5)
        self.set_font(FONT, "B", 10.5)
        self.set_fill_color(232, 236, 242)
        self.cell(0, 6, self.clean(title), fill=True, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(0.8)

    def rows(self, header: Sequence[str], body: Iterable[Sequence[str] | str],
             widths: Sequence[float], *, bold_rows: Sequence[bool] = (), size: float = 8) -> None:
        """A table whose cells wrap at spaces (a longer word is broken); a plain string in
        ``body`` is a heading row across the table; ``bold_rows`` marks rows by index."""
        self.set_font(FONT, size=size)
        heading = FontFace(emphasis="BOLD", fill_color=(245, 245, 245))
        with self.table(col_widths=tuple(widths), width=self.epw, text_align="LEFT",
                        line_height=size * 0.44, headings_style=heading,
                        borders_layout="HORIZONTAL_LINES", padding=0.6,
                        wrapmode="WORD") as table:
            table.row([self.clean(h) for h in header])
            for i, cells in enumerate(body):
                if isinstance(cells, str):  # a group heading across the whole table
                    row = table.row(style=FontFace(emphasis="BOLD", fill_color=(238, 238, 238)))
                    row.cell(self.clean(cells), colspan=len(header))
                    continue
                style = FontFace(emphasis="BOLD") if i < len(bold_rows) and bold_rows[i] else None
                table.row([self.clean(c) for c in cells], style=style)
        self.ln(1)


def _local(moment: datetime | None) -> str:
    return clinic_time(moment) if moment is not None else "—"


def _flag_block(pdf: _Chart, flag: Flag, acknowledged: dict[str, str]) -> None:
    colour = _SEVERITY_COLOURS[flag.severity]
    if pdf.will_page_break(14):
        pdf.add_page()
    pdf.para(("URGENT · " if flag.urgent else "") + flag.reason, bold=True, colour=colour,
             indent=2)
    for item in flag.evidence:
        pdf.para(f"Evidence: {item.describe()}", size=8, height=3.8, indent=6)
    pdf.para(f"Source: {flag.source}", size=8, height=3.8, indent=6, colour=(70, 70, 70))
    ack = acknowledged.get(flag.rule_id)
    pdf.para(ack or "Not acknowledged in the latest review", size=8, height=3.8, indent=6,
             colour=(70, 70, 70))
    pdf.ln(0.6)


def _medicine_row(med: MedicationReading) -> list[str]:
    read = med.generic or "not read"
    if med.matched and med.generic and med.matched.casefold() != med.generic.casefold():
        read = f"{med.matched} ({med.generic})"
    reading = med.status if not med.unmatched else f"{med.status}; unread: {', '.join(med.unmatched)}"
    return [med.text, med.dose or "—", med.frequency or "—",
            "now" if med.current else "past", read, ", ".join(med.classes) or "—", reading]


def render_chart(detail: ScreeningDetail, *, appointment: datetime | None = None,
                 printed_by: str, printed_at: datetime | None = None) -> bytes:
    """The chart summary of ``detail`` as PDF bytes."""
    printed_at = printed_at or datetime.now(UTC)
    answers = detail.document.get("answers") or {}
    flags = detail.evaluation.flags
    latest = detail.reviews[0] if detail.reviews else None
    pdf = _Chart(f"Screening {detail.public_id} · rules {detail.ruleset_version} · "
                 "confidential patient information")
    pdf.add_page()

    # -- who, when -----------------------------------------------------------------------
    pdf.para("Pre-infusion screening: chart summary", size=13, bold=True, height=6)
    pdf.para(f"Printed {clinic_time(printed_at)} by {printed_by}", size=7.5, height=3.6,
             colour=(90, 90, 90))
    pdf.ln(1)
    pdf.para(f"{detail.last_name}, {detail.first_name}", size=12, bold=True, height=5.6)
    sex = answers.get("sex_at_birth")
    sex_text = answer_text(QUESTIONS_BY_CODE["sex_at_birth"], sex) if sex else "not given"
    bmi = detail.bmi if detail.bmi is not None else "not given"
    pdf.para(f"Born {detail.date_of_birth.isoformat()} · {detail.age} years · sex at birth "
             f"{sex_text} · BMI {bmi}")
    pdf.para(f"Phone {answers.get('phone') or 'not given'} · Email {answers.get('email') or 'not given'}")
    pdf.para("Appointment: " + (_local(appointment) if appointment else "none booked"), bold=True)
    pdf.para(f"Submitted {_local(detail.submitted_at)} · answered in {detail.language} · "
             f"form {detail.form_version} · rules {detail.ruleset_version} · "
             f"{REVIEW_STATUS_LABELS[detail.review_status]}", size=8, colour=(70, 70, 70))
    if detail.urgent:
        pdf.ln(1)
        pdf.set_fill_color(250, 225, 225)
        pdf.set_font(FONT, "B", 10)
        pdf.set_text_color(150, 0, 0)
        pdf.cell(0, 6, "URGENT: contact the patient today", fill=True,
                 new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_text_color(0, 0, 0)
    if detail.evaluation.to_measure:
        pdf.para("Not given by the patient; measure at the visit: "
                 + ", ".join(detail.evaluation.to_measure), bold=True, colour=(150, 80, 0))

    # -- flags ---------------------------------------------------------------------------
    acknowledged: dict[str, str] = {}
    if latest is not None:
        for ack in latest.acknowledgements:
            acknowledged[ack.rule_id] = (f"Acknowledged by {ack.acknowledged_by}, "
                                         f"{_local(ack.acknowledged_at)}"
                                         + (f": {ack.note}" if ack.note else ""))
    pdf.section(f"Flags ({len(flags)})")
    if not flags:
        pdf.para("No flags raised.")
    for severity in SEVERITIES:
        group = [f for f in flags if f.severity == severity]
        if group:
            pdf.para(f"{SEVERITY_HEADINGS[severity]} ({len(group)})", bold=True, size=9.5,
                     colour=_SEVERITY_COLOURS[severity])
            for flag in group:
                _flag_block(pdf, flag, acknowledged)

    # -- medicines -----------------------------------------------------------------------
    meds = detail.evaluation.medications
    pdf.section(f"Medicines ({len(meds)})")
    if not meds:
        pdf.para("The patient takes no medicines, supplements or herbal remedies.")
    else:
        pdf.rows(("As typed", "Dose", "How often", "Now", "Read as", "Classes", "Reading"),
                 (_medicine_row(m) for m in meds), (40, 14, 17, 11, 36, 32, 28))

    # -- review --------------------------------------------------------------------------
    pdf.section("Review")
    if latest is None:
        pdf.para("Not reviewed yet.", bold=True)
    else:
        pdf.para(f"{DECISION_LABELS[latest.decision]} by {latest.reviewer}, "
                 f"{_local(latest.created_at)}", bold=True)
        pdf.para(f"Note: {latest.note}" if latest.note else "No decision note.")
        if len(detail.reviews) > 1:
            pdf.para(f"{len(detail.reviews) - 1} earlier review(s) superseded; see the screen.",
                     size=8, colour=(70, 70, 70))

    # -- answers -------------------------------------------------------------------------
    marked = flagged_codes(flags)
    pdf.section("Answers (flagged answers in bold, marked ⚑)")
    body: list[list[str] | str] = []
    bold: list[bool] = []
    for step in STEPS:
        if step.id == "medications":
            continue
        body.append(step.title)
        bold.append(False)
        for code in step.codes:
            question = QUESTIONS_BY_CODE[code]
            if code not in answers and not (question.when is None or question.when.holds(answers)):
                continue
            mark = ", ".join(rule for _, rule in marked.get(code, ()))
            body.append([f"⚑ {mark}" if mark else "", question.label,
                         answer_text(question, answers.get(code))])
            bold.append(bool(mark))
    pdf.rows(("Flag", "Question", "Answer"), body, (30, 100, 58), bold_rows=bold, size=7)

    # -- signature -----------------------------------------------------------------------
    pdf.section("Patient's declaration")
    consent = answers.get("consent_accurate") is True
    pdf.para(("The patient confirmed the answers are accurate" if consent
              else "The patient did NOT confirm the answers are accurate")
             + f" and signed by typing their name: {answers.get('signature_name') or '(no name typed)'}",
             bold=not consent)
    pdf.para(f"Signed (submitted) {_local(detail.submitted_at)}", size=8, colour=(70, 70, 70))
    if pdf.boxes:
        pdf.ln(1)
        pdf.para(f"Some characters the patient typed cannot be printed in this font and are shown "
                 f"as {MISSING_GLYPH}: read them on the screening's page.", bold=True,
                 colour=(150, 0, 0))
    return bytes(pdf.output())


# --- access, loading and audit --------------------------------------------------------------

def appointment_of(screening_id: int, store: Store) -> datetime | None:
    """The appointment of the invitation this screening answered, if any."""
    with store.session(readonly=True) as session:
        found: datetime | None = session.scalar(
            select(InvitationRow.appointment_at).where(InvitationRow.screening_id == screening_id)
            .order_by(InvitationRow.appointment_at.desc()).limit(1))
    return found


def _chart(screening_id: int, actor: str, role: str, store: Store,
           extra: dict[str, str] | None = None) -> bytes:
    detail = get_screening(screening_id, store=store)
    data = render_chart(detail, appointment=appointment_of(screening_id, store), printed_by=actor)
    audit.record_audit(actor, audit.EXPORT, audit.target_of("screening", screening_id), {
        "role": role, "format": FORMAT, "bytes": len(data), **(extra or {})}, store=store)
    return data


def chart_summary_pdf(screening_id: int, actor: str, role: str, *,
                      store: Store | None = None) -> bytes:
    """The chart summary for a signed-in clinician or admin (the detail page's download);
    ExportRefused for another role or account, ScreeningNotFound if there is none."""
    store = store or get_store()
    if role not in PRINT_ROLES:
        audit.record_audit(actor[:64] or "unknown", audit.EXPORT_REFUSED,
                           audit.target_of("screening", screening_id),
                           {"role": role[:32], "format": FORMAT, "reason": "role"}, store=store)
        raise ExportRefused("only clinicians and admins can print a screening's chart summary")
    username = check_export_access(actor, role, store=store)
    return _chart(screening_id, username, role, store)


def resolve_screening(reference: str, store: Store) -> int:
    """A screening's database id from its id or its public id (the link's uuid)."""
    reference = reference.strip()
    with store.session(readonly=True) as session:
        if reference.isdigit() and len(reference) < 19:
            found = session.scalar(select(ScreeningRow.id).where(ScreeningRow.id == int(reference)))
        else:
            found = session.scalar(select(ScreeningRow.id)
                                   .where(ScreeningRow.public_id == reference[:64]))
    if found is None:
        raise ScreeningNotFound("no such screening")
    return int(found)


def chart_summary_as_system(reference: str, actor: str, *, os_user: str | None = None,
                            store: Store | None = None) -> bytes:
    """The chart summary for the command line, audited as ``actor`` (role ``system``) with
    the operating-system user who ran it."""
    store = store or get_store()
    if not 1 <= len(actor.strip()) <= 64:
        raise ValueError("actor must be 1-64 characters")
    screening_id = resolve_screening(reference, store)
    return _chart(screening_id, actor.strip(), SYSTEM_ROLE, store,
                  {"os_user": os_user} if os_user else None)
