"""The check-in evaluator: a validated check-in in, flags out, by the screening's own
condition checks (``rules.evaluator``) over the catalogue's ``checkin_rules``.

Pure: no I/O, no clock. Medicines named at check-in (doses in the last 24 hours, new
medicines since the screening) are read by the same medication reader as the screening's
list, and every reading is kept in the evaluation, so an unread name is seen, not dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from core.evaluation import Evaluation, Evidence, Flag, MedicationReading
from core.vocab import SEVERITY_RANK
from forms.checkin import CheckIn, checkin_facts, fact_label
from forms.models import Medication
from rules.catalogue import CatalogueFile, CheckInRule
from rules.evaluator import _check, _Context, read_medication
from rules.resolver import Resolution

# Where each group of medicines sits in the evaluation's readings (``position``).
NEW_MEDICINE_OFFSET = 100


def checkin_readings(checkin: CheckIn, resolve: Callable[[str], Resolution]
                     ) -> tuple[tuple[MedicationReading, ...], tuple[MedicationReading, ...]]:
    """(doses taken in the last 24 hours, new medicines), each read by the resolver."""
    doses = tuple(read_medication(i, Medication(name=d.name, status="current",
                                                frequency=f"taken {d.taken_at.isoformat()}"),
                                  resolve(d.name))
                  for i, d in enumerate(checkin.sedatives))
    new = tuple(read_medication(NEW_MEDICINE_OFFSET + i, Medication(name=name, status="current"),
                                resolve(name))
                for i, name in enumerate(checkin.new_medicines))
    return doses, new


def _context(facts: dict[str, float], meds: tuple[MedicationReading, ...]) -> _Context:
    # The evaluator's condition context, holding check-in facts instead of answers.
    ctx = _Context.__new__(_Context)
    ctx.answers = {}
    ctx.derived = dict[str, float | None](facts)
    ctx.set_meds(meds)
    return ctx


def evaluate_checkin(checkin: CheckIn, appointment_at: datetime | None, catalogue: CatalogueFile,
                     resolve: Callable[[str], Resolution], ruleset_version: str) -> Evaluation:
    """The check-in's flags (urgent first, then severity, then catalogue order)."""
    facts = checkin_facts(checkin, appointment_at)
    doses, new = checkin_readings(checkin, resolve)
    groups = {"taken_last_24h": doses, "new_since_screening": new, "all": doses + new}
    fired: dict[str, tuple[CheckInRule, list[Evidence]]] = {}
    for rule in catalogue.checkin_rules:
        evidence = _check(rule.when, _context(facts, groups[rule.medicines]))
        if evidence is not None:
            fired[rule.id] = (rule, [_labelled(e, checkin, appointment_at) for e in evidence])
    order = {rule.id: i for i, rule in enumerate(catalogue.checkin_rules)}
    flags = sorted(
        (Flag(rule_id=rule.id, severity=rule.severity, urgent=rule.urgent, reason=rule.reason,
              evidence=tuple(evidence), source=rule.source)
         for rule, evidence in fired.values() if not any(o in fired for o in rule.unless)),
        key=lambda f: (not f.urgent, SEVERITY_RANK[f.severity], order[f.rule_id]))
    return Evaluation(ruleset_version=ruleset_version, flags=tuple(flags), medications=doses + new)


def _labelled(evidence: Evidence, checkin: CheckIn, appointment_at: datetime | None) -> Evidence:
    """A check-in fact with its meaning in words ('last food 4.5 h before the start ...')."""
    if evidence.kind != "derived" or evidence.code is None or not isinstance(
            evidence.answer, int | float):
        return evidence
    return evidence.model_copy(update={
        "label": fact_label(evidence.code, float(evidence.answer), checkin, appointment_at)})


def _listed_at_intake(reading: MedicationReading, intake: Evaluation) -> MedicationReading | None:
    """The intake's current medicine read as the same drug, if any."""
    if not reading.generic:
        return None
    return next((m for m in intake.medications
                 if m.current and m.generic and m.generic.casefold() == reading.generic.casefold()),
                None)


def _drug(reading: MedicationReading) -> str:
    read = f" ({reading.generic})" if reading.generic and reading.generic.casefold() \
        not in reading.text.casefold() else ""
    return f"{reading.text}{read}" if reading.generic else f"{reading.text} (not identified)"


def changes_since_intake(answers: Mapping[str, Any], intake: Evaluation, checkin: CheckIn,
                         checkin_evaluation: Evaluation, when: Callable[[datetime], str]
                         ) -> tuple[str, ...]:
    """What the check-in says that the intake did not, one plain line each (patient text
    included: show as text). ``when`` formats a time for the clinic."""
    lines: list[str] = []
    sys_bp, dia_bp, pulse = (answers.get(c) for c in ("systolic_bp", "diastolic_bp", "heart_rate"))
    arrival = f"{checkin.systolic_bp}/{checkin.diastolic_bp}"
    intake_bp = f"{sys_bp}/{dia_bp}" if sys_bp is not None and dia_bp is not None else None
    lines.append(f"Blood pressure: {intake_bp or 'not given'} at intake, {arrival} on arrival")
    lines.append(f"Heart rate: {pulse if pulse is not None else 'not given'} at intake, "
                 f"{checkin.heart_rate} on arrival")
    arranged = answers.get("escort_arranged")
    said = {"yes": "arranged", "no": "NOT arranged"}.get(str(arranged), "not answered")
    lines.append(f"Escort: {said} at intake; "
                 + (f"here at check-in ({checkin.escort_name}, {checkin.escort_phone})"
                    if checkin.escort_present else "NOT here at check-in"))
    doses = [m for m in checkin_evaluation.medications if m.position < NEW_MEDICINE_OFFSET]
    news = [m for m in checkin_evaluation.medications if m.position >= NEW_MEDICINE_OFFSET]
    for reading, dose in zip(doses, checkin.sedatives, strict=True):
        listed = _listed_at_intake(reading, intake)
        lines.append(f"Took {_drug(reading)} at {when(dose.taken_at)}; "
                     + ("on the intake list" if listed else "NOT on the intake medicine list"))
    for reading in news:
        listed = _listed_at_intake(reading, intake)
        lines.append(f"New medicine: {_drug(reading)}; "
                     + (f"already on the intake list as '{listed.text}'" if listed
                        else "not on the intake list"))
    if not checkin.sedatives:
        lines.append("No benzodiazepine or lamotrigine in the 24 hours before check-in")
    if not checkin.new_medicines:
        lines.append("No new medicine since the screening")
    raised = checkin_evaluation.flags
    lines.append(f"Flags raised at check-in: {len(raised)}"
                 + (f" (highest: {checkin_evaluation.highest_severity})" if raised else ""))
    return tuple(lines)
