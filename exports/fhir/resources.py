"""FHIR R4 resources of one stored screening (pure: stored JSON in, resource JSON out).

| resource | one per | holds |
|---|---|---|
| QuestionnaireResponse | screening | the answers (``forms.fhir``), our canonical + version |
| Patient | screening (identified only) | name, date of birth, phone, email as given |
| DetectedIssue | flag | rule id as code, severity, reason as detail, evidence as text, |
| | | the rule's source, the medication statements implicated |
| MedicationStatement | medication line | the typed text, what it was read as, current or past |

De-identified (``deidentified=True``), HIPAA Safe Harbor with the CSV export's rules
(``exports.deid``): no Patient; identifying and free-text answers left out of the response;
medications named by what they were read as, never the typed text; ages over 89 shown as
``90+`` (flag evidence); every dateTime keeps its year only; the database screening id is
replaced, in resource ids, identifiers and references alike, by the export's random id
(``exports.deid.pseudonym`` under the export's ``id_key``), and resources point at the
patient by that identifier only.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from core.evidence import format_evidence as describe_evidence
from exports.deid import new_id_key, pseudonym, year_only
from exports.render import iso_utc
from forms.definition import QUESTIONS
from forms.fhir import build_questionnaire, document_to_response
from forms.fhir.canonical import BASE, DRUG_CLASS_SYSTEM, RULE_SYSTEM, SCREENING_ID_SYSTEM

# De-identified exports: the random per-export screening id (never the database id).
EXPORT_ID_SYSTEM = f"{BASE}/NamingSystem/deidentified-export-id"

JSON = dict[str, Any]
DRUG_SYSTEM = f"{BASE}/CodeSystem/drug"  # generic names of our drug table
URGENT_EXTENSION = f"{BASE}/StructureDefinition/flag-urgent"
RESOLUTION_EXTENSION = f"{BASE}/StructureDefinition/medication-resolution"
# DetectedIssue.severity (high | moderate | low) of our severities; urgent flags are high.
SEVERITY: dict[str, str] = {"defer": "high", "review": "moderate", "adjust": "moderate",
                            "info": "low"}
MEDICATION_STATUS: dict[str, str] = {"current": "active", "past": "completed"}
WITHHELD: frozenset[str] = frozenset(q.code for q in QUESTIONS if q.identifying or q.free_text)
RESOURCE_TYPES: tuple[str, ...] = ("Questionnaire", "QuestionnaireResponse", "Patient",
                                   "DetectedIssue", "MedicationStatement")


@dataclass(frozen=True)
class StoredScreening:
    """What the builders need of a stored screening (``ScreeningRow`` columns)."""

    id: int
    submitted_at: datetime | str | None
    document: Mapping[str, Any]
    evaluation: Mapping[str, Any]
    language: str | None = None  # the language the patient answered in (BCP 47, e.g. "es")


@dataclass(frozen=True)
class _View:
    """One screening as one export shows it: ``shown_id`` is the database id, or the
    export's random id when de-identified."""

    s: StoredScreening
    deidentified: bool
    shown_id: str

    @classmethod
    def of(cls, s: StoredScreening, deidentified: bool, id_key: bytes) -> _View:
        return cls(s, deidentified, pseudonym(id_key, s.id) if deidentified else str(s.id))


def response_id(screening_id: int | str) -> str:
    return f"screening-{screening_id}"


def patient_id(screening_id: int | str) -> str:
    return f"screening-{screening_id}-patient"


def _identifier(v: _View) -> JSON:
    return {"system": EXPORT_ID_SYSTEM if v.deidentified else SCREENING_ID_SYSTEM,
            "value": v.shown_id}


def _patient_ref(v: _View) -> JSON:
    if v.deidentified:  # a logical reference: the screening, never the person
        return {"type": "Patient", "identifier": _identifier(v)}
    return {"reference": f"Patient/{patient_id(v.shown_id)}"}


def _when(v: _View) -> str | None:
    """The submission time (UTC, to the second); de-identified, its year only."""
    moment = v.s.submitted_at
    if isinstance(moment, datetime):
        when: str | None = moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    else:
        when = iso_utc(moment)
    return year_only(when) if v.deidentified else when


def questionnaire_response(s: StoredScreening, deidentified: bool = False, *,
                           id_key: bytes = b"") -> JSON:
    return _questionnaire_response(_View.of(s, deidentified, id_key))


def _questionnaire_response(v: _View) -> JSON:
    s = v.s
    document = dict(s.document)
    document.pop("submitted_at", None)  # the stored column, as _when shows it, or nothing
    authored = _when(v)
    if authored:
        document["submitted_at"] = authored
    response = document_to_response(document, response_id=response_id(v.shown_id),
                                     subject=_patient_ref(v),
                                     withheld=WITHHELD if v.deidentified else frozenset())
    head: JSON = {"resourceType": response.pop("resourceType"), "id": response.pop("id")}
    if s.language:
        head["language"] = s.language
    return {**head, "identifier": _identifier(v), **response}


def patient(s: StoredScreening) -> JSON:
    answers = s.document.get("answers") or {}
    resource: JSON = {"resourceType": "Patient", "id": patient_id(s.id),
                      "identifier": [_identifier(_View(s, False, str(s.id)))],
                      "name": [{"use": "official", "family": answers.get("last_name"),
                                "given": [answers.get("first_name")]}]}
    telecom = [{"system": kind, "value": answers[code], "use": "home"}
               for kind, code in (("phone", "phone"), ("email", "email")) if answers.get(code)]
    if telecom:
        resource["telecom"] = telecom
    if answers.get("date_of_birth"):
        resource["birthDate"] = answers["date_of_birth"]
    return resource


def _medications(s: StoredScreening) -> list[Mapping[str, Any]]:
    return list(s.evaluation.get("medications") or ())


def medication_id(screening_id: int | str, position: int) -> str:
    return f"screening-{screening_id}-medication-{position + 1}"


def _read_as(med: Mapping[str, Any]) -> str:
    generic, matched, method = med.get("generic"), med.get("matched"), med.get("method")
    status = med.get("status") or "unrecognized"
    if not generic:
        return f"not identified ({status}): a clinician checks this line"
    classes = ", ".join(med.get("classes") or ()) or "no watched class"
    named = f"{generic} (as {matched}, {method})" if matched and matched != generic \
        else f"{generic} ({method})"
    return f"read as {named}; {classes}; {status}"


def medication_statement(v: _View, med: Mapping[str, Any]) -> JSON:
    deidentified = v.deidentified
    position = int(med.get("position") or 0)
    generic = med.get("generic")
    concept: JSON = {}
    if generic:
        concept["coding"] = [{"system": DRUG_SYSTEM, "code": generic,
                              "display": med.get("matched") or generic}]
    concept["text"] = (generic or "not identified") if deidentified else (med.get("text") or "")
    resource: JSON = {
        "resourceType": "MedicationStatement",
        "id": medication_id(v.shown_id, position),
        "extension": [{"url": RESOLUTION_EXTENSION, "valueCode": med.get("status") or "unrecognized"}],
        "status": MEDICATION_STATUS.get(str(med.get("use")), "unknown"),
        "medicationCodeableConcept": concept,
        "subject": _patient_ref(v),
        "derivedFrom": [{"reference": f"QuestionnaireResponse/{response_id(v.shown_id)}"}],
    }
    when = _when(v)
    if when:
        resource["dateAsserted"] = when
    if not deidentified:
        resource["informationSource"] = _patient_ref(v)
    if med.get("classes"):
        resource["category"] = {"coding": [{"system": DRUG_CLASS_SYSTEM, "code": c}
                                           for c in med["classes"]]}
    resource["note"] = [{"text": _read_as(med)}]
    dosage = ", ".join(v for v in (med.get("dose"), med.get("frequency")) if v)
    if dosage and not deidentified:
        resource["dosage"] = [{"text": dosage}]
    return resource


def _positions_by_text(s: StoredScreening) -> dict[str, list[int]]:
    """Current medication lines by their typed text (evidence names the text)."""
    found: dict[str, list[int]] = {}
    for med in _medications(s):
        if med.get("use") == "current":
            found.setdefault(str(med.get("text")), []).append(int(med.get("position") or 0))
    return found


def detected_issue(v: _View, number: int, flag: Mapping[str, Any]) -> JSON:
    s, deidentified = v.s, v.deidentified
    evidence: Sequence[Mapping[str, Any]] = flag.get("evidence") or ()
    by_text = _positions_by_text(s)
    positions = {text: places[0] + 1 for text, places in by_text.items()}
    implicated = sorted({p for e in evidence if e.get("kind") == "medication"
                         for p in by_text.get(str(e.get("medication")), ())})
    severity = "high" if flag.get("urgent") else SEVERITY[str(flag.get("severity"))]
    resource: JSON = {
        "resourceType": "DetectedIssue",
        "id": f"screening-{v.shown_id}-flag-{number}",
        "extension": [{"url": URGENT_EXTENSION, "valueBoolean": bool(flag.get("urgent"))}],
        "status": "final",
        "code": {"coding": [{"system": RULE_SYSTEM, "code": flag.get("rule_id")}],
                 "text": flag.get("rule_id")},
        "severity": severity,
        "patient": _patient_ref(v),
    }
    when = _when(v)
    if when:
        resource["identifiedDateTime"] = when
    if implicated:
        resource["implicated"] = [{"reference": f"MedicationStatement/{medication_id(v.shown_id, p)}"}
                                  for p in implicated]
    items = [{"code": [{"text": describe_evidence([e], deidentified=deidentified,
                                                  withheld=WITHHELD, positions=positions)}]}
             for e in evidence]
    items.append({"detail": [{"display": f"Source: {flag.get('source')}"}]})
    resource["evidence"] = items
    resource["detail"] = flag.get("reason")
    resource["reference"] = f"{RULE_SYSTEM}#{flag.get('rule_id')}"
    return resource


def screening_resources(s: StoredScreening, deidentified: bool = False, *,
                        id_key: bytes = b"") -> Iterator[JSON]:
    """Every resource of one screening but the Questionnaire, in RESOURCE_TYPES order.
    De-identified, ``id_key`` is the export's random key (``exports.deid.new_id_key``):
    pass the same one for every screening of one export."""
    v = _View.of(s, deidentified, id_key)
    yield _questionnaire_response(v)
    if not deidentified:
        yield patient(s)
    for number, flag in enumerate(s.evaluation.get("flags") or (), start=1):
        yield detected_issue(v, number, flag)
    for med in _medications(s):
        yield medication_statement(v, med)


def screening_bundle(s: StoredScreening, deidentified: bool = False) -> JSON:
    """One screening as a FHIR ``collection`` Bundle (with our Questionnaire, so it stands
    alone): what the detail page offers for download. De-identified, it is an export of its
    own, with its own random id."""
    resources = [build_questionnaire(),
                 *screening_resources(s, deidentified,
                                      id_key=new_id_key() if deidentified else b"")]
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "entry": [{"fullUrl": f"{BASE}/{r['resourceType']}/{r['id']}", "resource": r}
                  for r in resources],
    }
