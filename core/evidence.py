"""The one evidence formatter: a flag's evidence as words, for staff pages and exports.

Works on the stored (JSON) form of evidence items, so that export workers use it on
decoded rows without building models; ``core.evaluation.Evidence.describe`` calls it too.
Standard library only.

- ``labels=True`` (staff pages): an answer as the patient saw it, ``pregnant = Yes``;
- ``labels=False`` (exports): the raw answer code, ``pregnant=yes``;
- ``deidentified=True``: medication text becomes its position in medications.csv
  (``medication #1``), answers of ``withheld`` questions are not shown and an age over 89
  is shown as ``90+`` (Safe Harbor).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

WITHHELD = "[withheld]"
OLDEST_AGE_SHOWN = 89  # Safe Harbor: ages over 89 are aggregated into one category
AGE_90_PLUS = "90+"


def safe_age(age: Any) -> Any:
    """An age as Safe Harbor allows: over 89 becomes ``90+``."""
    return AGE_90_PLUS if isinstance(age, int | float) and not isinstance(age, bool) \
        and age > OLDEST_AGE_SHOWN else age


def answer_text(value: Any) -> str:
    """An answer as one cell of text: a list joined by commas, a yes/no as 1/0."""
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value)
    if isinstance(value, bool):
        return str(int(value))
    return "" if value is None else str(value)


def format_evidence_item(item: Mapping[str, Any], *, labels: bool = False,
                         deidentified: bool = False, withheld: frozenset[str] = frozenset(),
                         positions: Mapping[str, int] | None = None) -> str:
    """One evidence item as words, e.g. ``medication 'Xanax 0.5mg' -> alprazolam (brand)``."""
    if item.get("kind") == "medication":
        if deidentified:
            position = (positions or {}).get(item.get("medication") or "")
            shown = f"medication #{position}" if position is not None else "medication"
        else:
            shown = f"medication '{item.get('medication') or ''}'"
        generic, method = item.get("generic"), item.get("method")
        how = f" ({method})" if method else ""
        return f"{shown} -> {generic}{how}" if generic else f"{shown} -> not identified{how}"
    code = item.get("code") or ""
    if deidentified and code in withheld:
        return f"{code}={WITHHELD}"
    answer = item.get("answer")
    if deidentified and code == "age":
        answer = safe_age(answer)
    if labels:
        label = item.get("label")
        return f"{code} = {label if label and label != str(answer) else answer}"
    return f"{code}={answer}" if answer.__class__ is str else f"{code}={answer_text(answer)}"


def format_evidence(evidence: Sequence[Mapping[str, Any]], *, labels: bool = False,
                    deidentified: bool = False, withheld: frozenset[str] = frozenset(),
                    positions: Mapping[str, int] | None = None) -> str:
    """Every item in one string, separated by ``; ``, e.g. ``bipolar_disorder=yes;
    medication 'Xanax 0.5mg' -> alprazolam (brand)``."""
    if len(evidence) == 1:
        return format_evidence_item(evidence[0], labels=labels, deidentified=deidentified,
                                    withheld=withheld, positions=positions)
    return "; ".join(format_evidence_item(item, labels=labels, deidentified=deidentified,
                                          withheld=withheld, positions=positions)
                     for item in evidence)
