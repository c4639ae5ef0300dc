"""FHIR R4 resources of one stored screening (pure: stored JSON in, resource JSON out).

| resource | one per | holds |
|---|---|---|
| QuestionnaireResponse | screening | the answers (``forms.fhir``), our canonical + version |
| Patient | screening (identified only) | name, date of birth, phone, email as given |
| DetectedIssue | flag | rule id as code, severity, reason as detail, evidence as text, |
| | | the rule's source, the medication statements implicated |
| MedicationStatement | medication line | the typed text, what it was read as, current or past |

De-identified (``deidentified=True``): no Patient; identifying and free-text answers left
out of the response; medications named by what they were read as, never the typed text;
resources point at the patient by the screening's identifier only.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from core.evidence import format_evidence as describe_evidence
from exports.render import iso_utc
from forms.definition import QUESTIONS
from forms.fhir import build_questionnaire, document_to_response
from forms.fhir.canonical import BASE, DRUG_CLASS_SYSTEM, RULE_SYSTEM, SCREENING_ID_SYSTEM

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


def response_id(screening_id: int) -> str:
    return f"screening-{screening_id}"


def patient_id(screening_id: int) -> str:
    return f"screening-{screening_id}-patient"


def _identifier(screening_id: int) -> JSON:
    return {"system": SCREENING_ID_SYSTEM, "value": str(screening_id)}


def _patient_ref(s: StoredScreening, deidentified: bool) -> JSON:
    if deidentified:  # a logical reference: the screening, never the person
        return {"type": "Patient", "identifier": _identifier(s.id)}
    return {"reference": f"Patient/{patient_id(s.id)}"}


def _when(s: StoredScreening) -> str | None:
    if isinstance(s.submitted_at, datetime):
        return s.submitted_at.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    return iso_utc(s.submitted_at)


def questionnaire_response(s: StoredScreening, deidentified: bool = False) -> JSON:
    document = dict(s.document)
    authored = _when(s)
    if authored:
        document["submitted_at"] = authored
    response = document_to_response(document, response_id=response_id(s.id),
                                     subject=_patient_ref(s, deidentified),
                                     withheld=WITHHELD if deidentified else frozenset())
    head: JSON = {"resourceType": response.pop("resourceType"), "id": response.pop("id")}
    if s.language:
        head["language"] = s.language
    return {**head, "identifier": _identifier(s.id), **response}


def patient(s: StoredScreening) -> JSON:
    answers = s.document.get("answers") or {}
    resource: JSON = {"resourceType": "Patient", "id": patient_id(s.id),
                      "identifier": [_identifier(s.id)],
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


def medication_id(screening_id: int, position: int) -> str:
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


def medication_statement(s: StoredScreening, med: Mapping[str, Any], deidentified: bool) -> JSON:
    position = int(med.get("position") or 0)
    generic = med.get("generic")
    concept: JSON = {}
    if generic:
        concept["coding"] = [{"system": DRUG_SYSTEM, "code": generic,
                              "display": med.get("matched") or generic}]
    concept["text"] = (generic or "not identified") if deidentified else (med.get("text") or "")
    resource: JSON = {
        "resourceType": "MedicationStatement",
        "id": medication_id(s.id, position),
        "extension": [{"url": RESOLUTION_EXTENSION, "valueCode": med.get("status") or "unrecognized"}],
        "status": MEDICATION_STATUS.get(str(med.get("use")), "unknown"),
        "medicationCodeableConcept": concept,
        "subject": _patient_ref(s, deidentified),
        "derivedFrom": [{"reference": f"QuestionnaireResponse/{response_id(s.id)}"}],
    }
    when = _when(s)
    if when:
        resource["dateAsserted"] = when
    if not deidentified:
        resource["informationSource"] = _patient_ref(s, deidentified)
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


def detected_issue(s: StoredScreening, number: int, flag: Mapping[str, Any],
                   deidentified: bool) -> JSON:
    evidence: Sequence[Mapping[str, Any]] = flag.get("evidence") or ()
    by_text = _positions_by_text(s)
    positions = {text: places[0] + 1 for text, places in by_text.items()}
    implicated = sorted({p for e in evidence if e.get("kind") == "medication"
                         for p in by_text.get(str(e.get("medication")), ())})
    severity = "high" if flag.get("urgent") else SEVERITY[str(flag.get("severity"))]
    resource: JSON = {
        "resourceType": "DetectedIssue",
        "id": f"screening-{s.id}-flag-{number}",
        "extension": [{"url": URGENT_EXTENSION, "valueBoolean": bool(flag.get("urgent"))}],
        "status": "final",
        "code": {"coding": [{"system": RULE_SYSTEM, "code": flag.get("rule_id")}],
                 "text": flag.get("rule_id")},
        "severity": severity,
        "patient": _patient_ref(s, deidentified),
    }
    when = _when(s)
    if when:
        resource["identifiedDateTime"] = when
    if implicated:
        resource["implicated"] = [{"reference": f"MedicationStatement/{medication_id(s.id, p)}"}
                                  for p in implicated]
    items = [{"code": [{"text": describe_evidence([e], deidentified=deidentified,
                                                  withheld=WITHHELD, positions=positions)}]}
             for e in evidence]
    items.append({"detail": [{"display": f"Source: {flag.get('source')}"}]})
    resource["evidence"] = items
    resource["detail"] = flag.get("reason")
    resource["reference"] = f"{RULE_SYSTEM}#{flag.get('rule_id')}"
    return resource


def screening_resources(s: StoredScreening, deidentified: bool = False) -> Iterator[JSON]:
    """Every resource of one screening but the Questionnaire, in RESOURCE_TYPES order."""
    yield questionnaire_response(s, deidentified)
    if not deidentified:
        yield patient(s)
    for number, flag in enumerate(s.evaluation.get("flags") or (), start=1):
        yield detected_issue(s, number, flag, deidentified)
    for med in _medications(s):
        yield medication_statement(s, med, deidentified)


def screening_bundle(s: StoredScreening, deidentified: bool = False) -> JSON:
    """One screening as a FHIR ``collection`` Bundle (with our Questionnaire, so it stands
    alone): what the detail page offers for download."""
    resources = [build_questionnaire(), *screening_resources(s, deidentified)]
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "entry": [{"fullUrl": f"{BASE}/{r['resourceType']}/{r['id']}", "resource": r}
                  for r in resources],
    }
