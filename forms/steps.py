"""The intake wizard's steps: one per spec section, then a review step.

Consent, the fasting acknowledgement and the signature are asked on the review step, after
the patient has seen a summary of everything they answered.
"""

from __future__ import annotations

from dataclasses import dataclass

from forms.definition import SECTIONS, Question, questions_in

REVIEW_CODES: tuple[str, ...] = ("fasting_understood", "consent_accurate", "signature_name")


@dataclass(frozen=True)
class Step:
    id: str
    title: str
    intro: str
    codes: tuple[str, ...]

    def questions(self) -> tuple[Question, ...]:
        if self.id == "review":
            from forms.definition import QUESTIONS_BY_CODE

            return tuple(QUESTIONS_BY_CODE[c] for c in self.codes)
        return tuple(q for q in questions_in(self.id) if q.code in self.codes)


_SECTION_STEPS = tuple(
    Step(s.id, s.title, s.intro,
         tuple(q.code for q in questions_in(s.id) if q.code not in REVIEW_CODES))
    for s in SECTIONS
)
REVIEW_STEP = Step("review", "Check and sign",
                   "Check your answers, then sign and send them to the clinic.", REVIEW_CODES)
STEPS: tuple[Step, ...] = (*_SECTION_STEPS, REVIEW_STEP)
STEP_IDS: tuple[str, ...] = tuple(s.id for s in STEPS)


def step_index(step_id: str) -> int:
    return STEP_IDS.index(step_id)
