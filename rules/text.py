"""Turning what a patient typed into comparable tokens.

"Xanax 0.5mg prn for panic" -> name part "xanax 0.5mg prn", tokens
["xanax", "0.5mg", "prn"], of which "0.5mg" and "prn" are noise (dose, frequency).
Lexicon names go through the same ``key`` so both sides compare alike.
"""

from __future__ import annotations

import re
import unicodedata

_TOKEN_RE = re.compile(r"[a-z0-9µ#&%]+(?:[.,/][a-z0-9µ%]+)*")
_DOSE_RE = re.compile(
    r"^(?:\d+(?:[.,]\d+)?(?:/\d+(?:[.,]\d+)?)*"
    r"(?:mg|mcg|µg|ug|g|gm|ml|iu|units?|meq|mmol|%|mg/ml|mcg/hr|mg/hr|x|h|hr|hrs|d)?"
    r"|q\d+(?:h|hr|hrs)?|x\d+|\d+x|\d+/\d+)$"
)
# What people write around a name: cut the text at the first of these (not at position 0).
_PURPOSE_RE = re.compile(
    r"\b(?:for|when|whenever|if|because|due|since|prescribed|before|after|until|by dr|from dr|"
    r"per dr|to help|to treat)\b"
)
NOISE_WORDS = frozenset(
    """
    mg mcg µg ug g gm gram grams ml iu unit units meq mmol
    tablet tablets tab tabs capsule capsules cap caps pill pills patch patches cream gel drop
    drops eye eyes ear nasal nose spray inhaler inhaled puffer puff puffs injection injections
    injectable shot shots liquid syrup solution suspension chewable chewables odt sublingual
    film strip strips lozenge lozenges gummy gummies softgel softgels er xr sr cr xl dr la ir
    ec extended release delayed immediate oral topical ointment lotion powder vial pen
    autoinjector auto injector suppository wafer dose doses dosage
    daily nightly prn bid tid qid qd qam qpm qhs hs qod once twice three four times time a day
    days week weeks weekly monthly month morning mornings evening evenings night nights
    bedtime noon afternoon at every per as needed need in the x each am a.m p.m with meals
    meal food hour hours hr hrs h take taking takes took i my of on and or plus also about
    approx usually sometimes only up to one two half generic brand otc rx prescription med meds
    medicine medicines medication medications current currently still stopped used now
    percent strength ultra extra maximum max regular formula
    acetate hydrochloride hcl sulfate sulphate tartrate bitartrate maleate succinate besylate
    mesylate citrate phosphate hydrobromide fumarate
    """.split()
)


_DROP = {ord("'"): None, ord("’"): None, ord("‘"): None, ord("®"): None, ord("™"): None,
         ord("℠"): None}


def fold(text: str) -> str:
    """Lowercase, unicode-normalise, drop apostrophes and trademark signs (before NFKC,
    which would turn "™" into "tm")."""
    return unicodedata.normalize("NFKC", text.translate(_DROP)).casefold().translate(_DROP)


_SEPARATOR_RE = re.compile(r"[.,/]")


def _split(token: str) -> list[str]:
    if not _SEPARATOR_RE.search(token) or _DOSE_RE.match(token):
        return [token]
    return [part for part in _SEPARATOR_RE.split(token) if part]


def tokens(text: str) -> list[str]:
    out: list[str] = []
    for token in _TOKEN_RE.findall(fold(text)):
        out.extend(_split(token))
    return out


_SIMPLE_RE = re.compile(r"[a-z]+(?: [a-z]+)*")


def key(name: str) -> str:
    """The comparable form of a name: 'Claritin-D' -> 'claritin d'."""
    if _SIMPLE_RE.fullmatch(name):
        return name
    return " ".join(tokens(name))


_SEGMENT_RE = re.compile(r"[,;+]|\b(?:and|also|plus|then)\b")


def segments(folded: str) -> list[str]:
    """Parts of a line that may each name a drug: "Zoloft for mood, Xanax as needed" ->
    ["zoloft for mood", " xanax as needed"]."""
    return [part for part in _SEGMENT_RE.split(folded) if part.strip()]


def name_part(text: str) -> str:
    """The part of a medication line that names the drug: before 'for ...', 'when ...'."""
    folded = fold(text)
    match = _PURPOSE_RE.search(folded)
    if match and folded[: match.start()].strip():
        return folded[: match.start()]
    return folded


def is_noise(token: str) -> bool:
    return token in NOISE_WORDS or bool(_DOSE_RE.match(token))
