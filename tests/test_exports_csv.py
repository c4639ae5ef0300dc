"""CSV exports: exact files for fixed screenings, a full round trip, formula safety,
de-identification, encodings and filters."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime

import pandas as pd
import pytest
from sqlalchemy import update

import store.reviews as reviews_module
from core.vocab import Decision
from exports import ExportOptions, export_files, neutralise, screening_columns
from exports.core import render_spec, write_tables
from exports.render import FIXED_LEADING, ScreeningRowBuilder, review_cells
from forms.definition import QUESTIONS
from rules.engine import get_engine
from services import intake
from store import create_user, get_screening, record_review
from store.schema import ScreeningRow
from tests.conftest import make_doc

PASSWORD = "correct horse battery"
FILES = ("screenings.csv", "flags.csv", "medications.csv", "data_dictionary.csv")
BOM = b"\xef\xbb\xbf"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def submit(doc: dict, submitted_at: str, language: str = "en") -> int:
    return intake.submit({**doc, "submitted_at": submitted_at}, language=language).screening_id


def review(monkeypatch, screening_id: int, who: str, decision: Decision, acks: dict, when: str,
           note: str = "") -> None:
    monkeypatch.setattr(reviews_module, "utcnow", lambda: at(when))
    record_review(screening_id, who, decision, note, acks, None, confirm_open_flags=True)


def export(**options) -> dict[str, str]:
    files = export_files(ExportOptions(**options), "dr.kay", "clinician")
    return {name: data.decode("utf-8-sig") for name, data in files.items()}


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture
def staff(store_db):
    create_user("dr.kay", PASSWORD, "clinician")
    create_user("admin.lu", PASSWORD, "admin")
    return store_db


@pytest.fixture
def fixed(staff, monkeypatch) -> list[int]:
    """Three screenings with fixed times: reviewed with an acknowledgement, urgent and
    unreviewed (accented name), reviewed by an admin."""
    ann = make_doc(meds=["Xanax 0.5mg"], bipolar_disorder="yes", height_cm=170, weight_kg=80)
    ann["answers"]["medications"][0].update(dose="0.5 mg", frequency="as needed")
    zoe = make_doc(first_name="Zoë", last_name="Ångström-Núñez",
                   signature_name="Zoë Ångström-Núñez", sex_at_birth="male",
                   suicidal_thoughts="active_with_plan", systolic_bp=165, diastolic_bp=95)
    bo = make_doc(first_name="Bo", last_name="Chen", signature_name="Bo Chen",
                  date_of_birth="1950-02-01", reasons=["anxiety", "chronic_pain"])
    ids = [submit(ann, "2026-11-01T09:15:00Z"), submit(zoe, "2026-11-15T23:59:59Z", "es"),
           submit(bo, "2026-11-21T00:00:00Z")]
    review(monkeypatch, ids[0], "dr.kay", "cleared_with_conditions",
           {"benzodiazepine": "taper plan with prescriber"}, "2026-11-02T10:00:00Z",
           note="-2 mg taper; recheck BP, call Tue")  # a leading '-': neutralised
    review(monkeypatch, ids[2], "admin.lu", "cleared", {}, "2026-11-22T08:30:00Z")
    return ids


# --- exact text --------------------------------------------------------------------------

SCREENINGS_HEADER = (
    "screening_id,form_version,ruleset_version,submitted_at,age,bmi,flags_defer,flags_review,"
    "flags_adjust,flags_info,urgent,highest_severity,review_status,review_decision,reviewed_by,"
    "reviewed_at,review_note,flag_ids,language,first_name,last_name,date_of_birth,sex_at_birth,phone,email,pregnant,"
    "breastfeeding,reasons___depression,reasons___anxiety,reasons___ptsd,reasons___ocd,"
    "reasons___bipolar_depression,reasons___chronic_pain,reasons___other,bipolar_disorder,"
    "mania_current,psychosis_current,psychosis_history,suicidal_thoughts,"
    "suicide_attempt_past_year,cognitive_disorder,substance_problem_current,"
    "substance_problem_history,ketamine_recreational_history,alcohol_drinks_per_week,"
    "cannabis_use,high_blood_pressure,blood_pressure_controlled,"
    "heart_conditions___heart_attack_last_6_weeks,heart_conditions___heart_attack_earlier,"
    "heart_conditions___chest_pain_at_rest_or_worsening,heart_conditions___heart_failure,"
    "heart_conditions___irregular_heartbeat_symptomatic,heart_conditions___valve_disease,"
    "heart_conditions___stroke_or_tia,heart_conditions___none,aneurysm_or_avm,"
    "brain_bleed_history,raised_brain_pressure,thyroid_disease,thyroid_treated,glaucoma,"
    "liver_disease,bladder_pain_or_cystitis,sleep_apnea,seizures,ketamine_reaction,allergies,"
    "takes_no_medications,systolic_bp,diastolic_bp,heart_rate,height_cm,weight_kg,"
    "escort_arranged,will_drive_after,fasting_understood,consent_accurate,signature_name"
)
# The leading columns (up to language) then the answers; {rs} is the ruleset version.
SCREENINGS_ROWS = [
    "1,1,{rs},2026-11-01T09:15:00Z,41,27.7,0,1,1,0,0,review,cleared_with_conditions,"
    "cleared_with_conditions,dr.kay,2026-11-02T10:00:00Z,\"'-2 mg taper; recheck BP, call Tue\","
    "bipolar_disorder;benzodiazepine,en,Ann,Lee,1985-06-15,female,,,no,no,1,0,0,0,0,0,0,yes,no,no,no,none,no,no,no,no,no,2,none,"
    "no,,0,0,0,0,0,0,0,1,no,no,no,none,,no,no,no,none,no,no,,0,,,,170,80,yes,no,1,1,Ann Lee",
    "2,1,{rs},2026-11-15T23:59:59Z,41,,2,0,0,0,1,defer,unreviewed,,,,,suicidal_plan;bp_severe,es,"
    "Zoë,Ångström-Núñez,1985-06-15,male,,,,,1,0,0,0,0,0,0,no,no,no,no,active_with_plan,no,no,"
    "no,no,no,2,none,no,,0,0,0,0,0,0,0,1,no,no,no,none,,no,no,no,none,no,no,,1,165,95,,,,yes,"
    "no,1,1,Zoë Ångström-Núñez",
    "3,1,{rs},2026-11-21T00:00:00Z,76,,0,1,0,0,0,review,cleared,cleared,admin.lu,"
    "2026-11-22T08:30:00Z,,age_over_65,en,"
    "Bo,Chen,1950-02-01,female,,,no,no,0,1,0,0,0,1,0,no,no,no,no,none,no,no,no,no,no,2,none,no,"
    ",0,0,0,0,0,0,0,1,no,no,no,none,,no,no,no,none,no,no,,1,,,,,,yes,no,1,1,Bo Chen",
]
FLAGS_CSV = (
    "screening_id,rule_id,severity,urgent,reason,evidence,source,acknowledged_by,"
    "acknowledged_at,note\r\n"
    "1,bipolar_disorder,review,0,Bipolar disorder diagnosed (or unsure); review mood "
    "stability before infusion.,bipolar_disorder=yes,seed clinic FAQ; clinic criteria "
    "(contested),,,\r\n"
    '1,benzodiazepine,adjust,0,"Current benzodiazepine (including combination products); '
    'plan with the prescriber, never stop abruptly.",medication \'Xanax 0.5mg\' -> alprazolam '
    "(brand),seed clinic FAQ and seed FAQ list; ketamine label 7.3,dr.kay,"
    "2026-11-02T10:00:00Z,taper plan with prescriber\r\n"
    '2,suicidal_plan,defer,1,"Suicidal thoughts with a plan in the past month, or a suicide '
    'attempt in the past year; contact the patient today.",suicidal_thoughts=active_with_plan,'
    "esketamine label 1 (not a substitute for hospitalisation),,,\r\n"
    "2,bp_severe,defer,0,Reported blood pressure 160/100 or higher.,systolic_bp=165,"
    "clinic thresholds; esketamine label 5.7,,,\r\n"
    "3,age_over_65,review,0,Over 65 at submission.,age=76,clinic criteria,,,\r\n"
)
MEDICATIONS_CSV = (
    "screening_id,position,text,dose,frequency,status,resolution,matched,generic,classes,"
    "method\r\n"
    "1,1,Xanax 0.5mg,0.5 mg,as needed,current,recognized,Xanax,alprazolam,benzodiazepine,brand\r\n"
)


def test_exact_files_for_fixed_screenings(fixed):
    files = export()
    lines = files["screenings.csv"].split("\r\n")
    assert lines[0] == SCREENINGS_HEADER
    ruleset = get_engine().version
    assert lines[1:] == [row.format(rs=ruleset) for row in SCREENINGS_ROWS] + [""]
    assert files["flags.csv"] == FLAGS_CSV
    assert files["medications.csv"] == MEDICATIONS_CSV


def test_worker_processes_read_reviews_and_acknowledgements_alike(fixed, staff):
    sinks = {name: io.StringIO() for name in FILES}
    write_tables(sinks, ExportOptions(), staff, chunk_size=2, workers=2)
    assert sinks["flags.csv"].getvalue() == FLAGS_CSV
    assert sinks["medications.csv"].getvalue() == MEDICATIONS_CSV
    lines = sinks["screenings.csv"].getvalue().split("\r\n")
    assert lines[1:] == [row.format(rs=get_engine().version) for row in SCREENINGS_ROWS] + [""]


def test_data_dictionary_describes_every_column(fixed):
    files = export()
    entries = rows(files["data_dictionary.csv"])
    assert [e["column"] for e in entries] == SCREENINGS_HEADER.split(",")
    by_column = {e["column"]: e for e in entries}
    assert by_column["bipolar_disorder"] == {
        "column": "bipolar_disorder", "section": "mental_health", "type": "choice",
        "label": "Has a doctor ever told you that you have bipolar disorder?",
        "allowed": "yes=Yes | no=No | unsure=I'm not sure", "range": "", "identifying": "0"}
    assert (by_column["systolic_bp"]["type"], by_column["systolic_bp"]["range"]) == ("integer", "60-260")
    assert by_column["heart_conditions___none"]["type"] == "checkbox"
    assert by_column["heart_conditions___none"]["allowed"] == "1=Checked | 0=Not checked"
    assert by_column["takes_no_medications"]["allowed"] == "1=Yes | 0=No"
    assert (by_column["language"]["type"], by_column["language"]["allowed"]) == (
        "choice", "en=English | es=Español")
    identifying = {e["column"] for e in entries if e["identifying"] == "1"}
    assert identifying == {"first_name", "last_name", "date_of_birth", "phone", "email",
                           "signature_name", "allergies", "review_note"}
    assert by_column["review_note"]["type"] == "notes"
    assert by_column["flag_ids"]["section"] == "flags" and "';'-separated" in by_column["flag_ids"]["label"]


# --- round trip --------------------------------------------------------------------------

ROUND_TRIP_DOCS = [
    make_doc(),
    make_doc(meds=["Xanax 0.5mg prn", "zzqx unknown pill", "Lamictal 100 mg"],
             past=["Ativan"], bipolar_disorder="unsure", high_blood_pressure="yes",
             blood_pressure_controlled="no", systolic_bp=150, diastolic_bp=85, heart_rate=72,
             height_cm=160, weight_kg=110, phone="+1 555 123 4567", email="pat@example.org",
             allergies='penicillin, "sulfa" drugs\nand latex; hives',
             heart_conditions=["heart_failure", "valve_disease"]),
    make_doc(sex_at_birth="male", reasons=None, thyroid_disease="underactive",
             thyroid_treated="no", alcohol_drinks_per_week=0, cannabis_use="daily",
             sleep_apnea="untreated", first_name="José", last_name="O'Brien",
             signature_name="José O'Brien"),
    make_doc(date_of_birth="2010-01-01", suicidal_thoughts="passive",
             substance_problem_current="unsure", reasons=[], escort_arranged="no"),
]


def expected_answer_cells(answers: dict) -> dict[str, str]:
    """What screenings.csv must say for these answers, written independently."""
    cells = {}
    for question in QUESTIONS:
        value = answers.get(question.code)
        if question.type == "medications":
            continue
        if question.type == "multi":
            for option in question.options:
                column = f"{question.code}___{option.value}"
                cells[column] = "" if value is None else str(int(option.value in value))
        elif value is None:
            cells[question.code] = ""
        elif question.type == "bool":
            cells[question.code] = "1" if value else "0"
        elif isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
            cells[question.code] = "'" + value  # e.g. a phone number "+1 555 ..."
        else:
            cells[question.code] = str(value)
    return cells


def evidence_text(evidence: list[dict]) -> str:
    parts = []
    for item in evidence:
        if item["kind"] == "medication":
            target = f"{item['generic']} ({item['method']})" if item.get("generic") \
                else f"not identified ({item['method']})"
            parts.append(f"medication '{item['medication']}' -> {target}")
        else:
            answer = item["answer"]
            parts.append(f"{item['code']}=" + (",".join(answer) if isinstance(answer, list)
                                                else str(answer)))
    return "; ".join(parts)


def test_round_trip_matches_stored_documents_and_evaluations(staff, tmp_path):
    ids = [submit(doc, f"2026-10-0{i + 1}T12:00:00Z") for i, doc in enumerate(ROUND_TRIP_DOCS)]
    for name, data in export_files(ExportOptions(), "dr.kay", "clinician").items():
        (tmp_path / name).write_bytes(data)
    read = {name: pd.read_csv(tmp_path / name, dtype=str, keep_default_na=False,
                              encoding="utf-8-sig") for name in FILES}
    screenings = read["screenings.csv"].set_index("screening_id")
    assert list(screenings.index) == [str(i) for i in ids]
    flags, meds = read["flags.csv"], read["medications.csv"]
    for sid in ids:
        stored = get_screening(sid)
        row = screenings.loc[str(sid)]
        assert row["submitted_at"] == stored.submitted_at.strftime("%Y-%m-%dT%H:%M:%SZ")
        assert row["age"] == str(stored.age)
        assert row["bmi"] == ("" if stored.bmi is None else str(stored.bmi))
        assert row["ruleset_version"] == stored.ruleset_version
        assert row["urgent"] == str(int(stored.urgent))
        assert row["highest_severity"] == stored.highest_severity
        for severity, count in stored.counts.items():
            assert row[f"flags_{severity}"] == str(count)
        for column, value in expected_answer_cells(stored.document["answers"]).items():
            assert row[column] == value, (sid, column)

        got_flags = flags[flags["screening_id"] == str(sid)].to_dict("records")
        want_flags = stored.evaluation.public()["flags"]
        assert len(got_flags) == len(want_flags)
        for got, want in zip(got_flags, want_flags, strict=True):
            assert (got["rule_id"], got["severity"], got["urgent"], got["reason"], got["source"]) \
                == (want["rule_id"], want["severity"], str(int(want["urgent"])), want["reason"],
                    want["source"])
            assert got["evidence"] == evidence_text(want["evidence"])

        got_meds = meds[meds["screening_id"] == str(sid)].to_dict("records")
        want_meds = stored.evaluation.public()["medications"]
        assert [m["text"] for m in got_meds] == [m["name"] for m in
                                                 stored.document["answers"].get("medications", [])]
        for got, want in zip(got_meds, want_meds, strict=True):
            assert got == {
                "screening_id": str(sid), "position": str(want["position"] + 1),
                "text": want["text"], "dose": want["dose"], "frequency": want["frequency"],
                "status": want["use"], "resolution": want["status"],
                "matched": want["matched"] or "", "generic": want["generic"] or "",
                "classes": ";".join(want["classes"]), "method": want["method"] or "",
            }
    assert len(flags) == sum(len(get_screening(s).evaluation.flags) for s in ids)
    assert screenings.loc[str(ids[1]), "allergies"] == 'penicillin, "sulfa" drugs\nand latex; hives'
    assert set(meds["resolution"]) == {"recognized", "unrecognized"}


# --- formula safety ----------------------------------------------------------------------

PAYLOADS = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(1)", "\t=1+1", "\r=1+1"]


@pytest.mark.parametrize(("text", "cell"), [
    ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
    ("+1+1", "'+1+1"),
    ("-2+3", "'-2+3"),
    ("@SUM(1)", "'@SUM(1)"),
    ("\t=1+1", "'\t=1+1"),
    ("\r=1+1", "'\r=1+1"),
    ("penicillin", "penicillin"),
    ("a=1", "a=1"),
    ("", ""),
    ("'quoted", "'quoted"),
])
def test_neutralise(text, cell):
    assert neutralise(text) == cell


def test_formula_payloads_come_out_inert_and_numbers_stay_numbers(staff):
    ids = [submit(make_doc(allergies=payload, meds=[f"{payload} pill"], heart_rate=60 + i,
                           systolic_bp=120, diastolic_bp=80),
                  f"2026-11-0{i + 1}T08:00:00Z")
           for i, payload in enumerate(PAYLOADS)]
    # Validation strips leading whitespace, so a tab or CR can only reach the store from
    # elsewhere (an older import, a direct write); put them there, with a negative number.
    with staff.session() as session:
        row = session.get(ScreeningRow, ids[-1])
        answers = {**row.document["answers"], "allergies": "\r=1+1", "alcohol_drinks_per_week": -2}
        evaluation = dict(row.evaluation)
        evaluation["medications"] = [{**evaluation["medications"][0], "text": "\t=cmd|' /C calc'!A0"}]
        session.execute(update(ScreeningRow).where(ScreeningRow.id == ids[-1]).values(
            document={**row.document, "answers": answers}, evaluation=evaluation))
    files = export()
    screenings = rows(files["screenings.csv"])
    meds = rows(files["medications.csv"])
    for row in screenings:
        assert row["allergies"][0] == "'" and row["allergies"][1] in "=+-@\t\r", row["allergies"]
        assert row["heart_rate"].isdigit() and row["systolic_bp"] == "120"
        assert row["age"] == "41" and row["bmi"] == ""
    assert [r["allergies"] for r in screenings[:4]] == ["'" + p for p in PAYLOADS[:4]]
    assert screenings[-1]["allergies"] == "'\r=1+1"
    assert screenings[-1]["alcohol_drinks_per_week"] == "-2"  # a number, left alone
    assert all(m["text"].startswith("'") for m in meds)
    assert meds[-1]["text"] == "'\t=cmd|' /C calc'!A0"
    # No cell of any file starts with a formula trigger.
    for name, text in files.items():
        for record in csv.reader(io.StringIO(text)):
            for cell in record:
                assert not cell or (cell[0] not in "=+@\t\r" and not (
                    cell[0] == "-" and not cell.lstrip("-").replace(".", "").isdigit())), (name, cell)


# --- de-identified ------------------------------------------------------------------------

IDENTIFYING = {"first_name", "last_name", "date_of_birth", "phone", "email", "signature_name",
               "allergies", "review_note"}


def test_deidentified_export_has_no_identifying_column_nor_any_patient_detail(staff, monkeypatch):
    doc = make_doc(first_name="Quillon", last_name="Zarathustra",
                   signature_name="Quillon Zarathustra", date_of_birth="1971-03-09",
                   phone="+1 555 987 6543", email="quillon@example.org",
                   allergies="Quillon's cat dander", meds=["Quillon family remedy"],
                   suicidal_thoughts="active_with_plan")
    doc["answers"]["medications"][0].update(dose="2 Zarathustra drops", frequency="nightly")
    sid = submit(doc, "2026-11-03T10:00:00Z")
    review(monkeypatch, sid, "dr.kay", "needs_follow_up",
           {"suicidal_plan": "called Quillon Zarathustra at home",
            "medication_unrecognized": "Quillon to bring the bottle"}, "2026-11-03T12:00:00Z",
           note="Spoke with Quillon; his sister Ada drives him")
    assert export()["screenings.csv"].count("Spoke with Quillon") == 1  # identified: kept
    files = export(deidentified=True)
    header = next(csv.reader(io.StringIO(files["screenings.csv"])))
    assert not IDENTIFYING & set(header)
    assert "age" in header and "bmi" in header
    assert [c.name for c in screening_columns(deidentified=True)] == header
    dictionary = rows(files["data_dictionary.csv"])
    assert [e["column"] for e in dictionary] == header
    assert all(e["identifying"] == "0" for e in dictionary)
    assert next(csv.reader(io.StringIO(files["medications.csv"]))) == [
        "screening_id", "position", "status", "resolution", "matched", "generic", "classes",
        "method"]
    assert "note" not in next(csv.reader(io.StringIO(files["flags.csv"])))
    for name, text in files.items():
        for secret in ("Quillon", "Zarathustra", "1971-03-09", "987 6543", "example.org",
                       "dander", "remedy", "drops", "nightly"):
            assert secret.casefold() not in text.casefold(), (name, secret)
    (screening,) = rows(files["screenings.csv"])
    assert screening["age"] == "55" and screening["review_decision"] == "needs_follow_up"
    assert screening["flag_ids"] == "suicidal_plan;medication_unrecognized"
    assert screening["reviewed_by"] == "dr.kay"
    evidence = {f["rule_id"]: f["evidence"] for f in rows(files["flags.csv"])}
    assert evidence["medication_unrecognized"] == "medication #1 -> not identified (unrecognized)"
    assert evidence["suicidal_plan"] == "suicidal_thoughts=active_with_plan"


# --- encodings ----------------------------------------------------------------------------

@pytest.mark.parametrize(("plain", "starts_with_bom"), [(False, True), (True, False)])
def test_bom_by_default_plain_utf8_on_request_accents_intact(fixed, plain, starts_with_bom):
    files = export_files(ExportOptions(plain_utf8=plain), "dr.kay", "clinician")
    for name in FILES:
        assert files[name].startswith(BOM) is starts_with_bom, name
    text = files["screenings.csv"].decode("utf-8-sig")
    assert "Zoë,Ångström-Núñez" in text and text.count("Zoë Ångström-Núñez") == 1
    if plain:
        assert files["screenings.csv"].startswith(b"screening_id,")


# --- filters ------------------------------------------------------------------------------

@pytest.mark.parametrize(("options", "selected"), [
    ({}, [1, 2, 3]),
    ({"since": date(2026, 11, 15)}, [2, 3]),
    ({"until": date(2026, 11, 15)}, [1, 2]),
    ({"since": date(2026, 11, 15), "until": date(2026, 11, 15)}, [2]),
    ({"since": date(2026, 11, 16), "until": date(2026, 11, 20)}, []),
    ({"until": date(2026, 11, 1)}, [1]),
    ({"review_status": ["unreviewed"]}, [2]),
    ({"review_status": ["reviewed"]}, [1, 3]),
    ({"review_status": ["cleared"]}, [3]),
    ({"review_status": ["unreviewed", "cleared"]}, [2, 3]),
    ({"decision": ["cleared_with_conditions"]}, [1]),
    ({"decision": ["cleared", "cleared_with_conditions"]}, [1, 3]),
    ({"decision": ["not_a_candidate"]}, []),
    ({"review_status": ["reviewed"], "since": date(2026, 11, 2)}, [3]),
    ({"review_status": ["unreviewed"], "decision": ["cleared"]}, []),
])
def test_filters_select_the_right_rows(fixed, options, selected):
    files = export(**options)
    assert [int(r["screening_id"]) for r in rows(files["screenings.csv"])] == selected
    assert sorted({int(r["screening_id"]) for r in rows(files["flags.csv"])}) == selected
    assert {int(r["screening_id"]) for r in rows(files["medications.csv"])} <= set(selected)
    assert ("1" in [r["screening_id"] for r in rows(files["medications.csv"])]) is (1 in selected)


def test_options_are_checked():
    with pytest.raises(ValueError, match="after"):
        ExportOptions(since=date(2026, 12, 1), until=date(2026, 11, 1))
    with pytest.raises(ValueError):
        ExportOptions(review_status=["approved"])
    with pytest.raises(ValueError):
        ExportOptions(decision=["unreviewed"])


# --- the screenings.csv row builder -------------------------------------------------------

ODD_ANSWERS = [
    {},
    make_doc()["answers"],
    make_doc(sex_at_birth="male", reasons=None, allergies="=1")["answers"],
    {"first_name": "-x", "takes_no_medications": "yes", "heart_conditions": "none",
     "alcohol_drinks_per_week": "=2", "systolic_bp": 120.5, "reasons": ("ptsd",),
     "fasting_understood": 1, "allergies": 5},
]
RAW = (7, "1", "=rs", "2026-11-21 14:03:00.000000", 40, 22.5, 1, 0, 0, 2, True, "defer",
       "unreviewed", None, None, None, None, "{}", "{}", "+note", "=es")


def expected_cell(column, answers: dict):
    """What the column table (exports.columns) says a question column holds, written
    cell by cell, independently of the builder's grouping by kind."""
    value = answers.get(column.code)
    if column.option:
        if value is None:
            return None
        return 1 if column.option in (value if isinstance(value, list | tuple) else [value]) else 0
    if value is None:
        return None
    if column.type == "yesno":
        return {True: 1, False: 0}[value] if isinstance(value, bool) else neutralise(str(value))
    if column.kind == "num" and type(value) in (int, float):
        return value
    return neutralise(value if isinstance(value, str) else str(value))


@pytest.mark.parametrize("deidentified", [False, True])
@pytest.mark.parametrize("answers", ODD_ANSWERS)
def test_row_builder_writes_every_question_column_as_the_column_table_says(deidentified, answers):
    columns = screening_columns(deidentified)
    spec = render_spec(deidentified)
    built = ScreeningRowBuilder(spec)(RAW, answers)
    extra = review_cells(spec, RAW, {"flags": [{"rule_id": "a"}, {"rule_id": "b"}]})
    assert extra == (["a;b", "'=es"] if deidentified else ["'+note", "a;b", "'=es"])
    built[FIXED_LEADING:FIXED_LEADING] = extra  # as the Renderer places them
    assert len(built) == len(columns)
    assert built[:4] == [7, "1", "'=rs", "2026-11-21T14:03:00Z"]
    questions = [(c, cell) for c, cell in zip(columns, built, strict=True) if c.code]
    assert questions
    for column, cell in questions:
        assert cell == expected_cell(column, answers), column.name


def test_row_builder_on_odd_values():
    columns = [c.name for c in screening_columns(False)]
    spec = render_spec(False)
    built = ScreeningRowBuilder(spec)(RAW, ODD_ANSWERS[3])
    built[FIXED_LEADING:FIXED_LEADING] = review_cells(spec, RAW, {"flags": []})
    row = dict(zip(columns, built, strict=True))
    assert row["first_name"] == "'-x"
    assert row["alcohol_drinks_per_week"] == "'=2"  # a stray text in a number column
    assert row["systolic_bp"] == 120.5
    assert row["allergies"] == "5"
    assert row["takes_no_medications"] == "yes" and row["fasting_understood"] == "1"
    assert row["reasons___ptsd"] == 1 and row["reasons___depression"] == 0
    assert row["heart_conditions___none"] == 1
    assert row["last_name"] is None and row["diastolic_bp"] is None
    assert row["consent_accurate"] is None


def test_row_builder_refuses_an_unknown_column_kind():
    spec = render_spec(False)
    odd = type(spec)(deidentified=False, questions=(("date", "x", ()),), withheld=frozenset())
    with pytest.raises(ValueError, match="unknown column kind 'date'"):
        ScreeningRowBuilder(odd)


@pytest.mark.parametrize("text", [
    '{"answers": {"first_name": "Zo\\u00eb", "weight_kg": 80, "bmi": 27.7, "x": null}}',
    '{"flags": [{"rule_id": "opioid", "urgent": true, "evidence": []}]}',
    '{"answers": {"first_name": "\\ud800"}}',  # a lone surrogate: orjson refuses it
    '{"score": NaN, "big": 123456789012345678901234567890}',  # outside orjson's JSON
    b'{"answers": {"allergies": "latex"}}',
    '[1e400, -0.0, 0.1]',
])
def test_stored_json_reads_as_the_standard_library_reads_it(text):
    from exports.render import _loads

    read, expected = _loads(text), json.loads(text)
    assert repr(read) == repr(expected)  # same values and types (NaN and -0.0 included)


def test_stored_json_already_decoded_is_used_as_it_is():
    from exports.render import _loads

    decoded = {"flags": []}
    assert _loads(decoded) is decoded
