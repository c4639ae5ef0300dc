"""Turning what a patient typed into comparable tokens.

"Xanax 0.5mg prn, Ativan2mg w/ food" -> ["xanax", "0.5mg", "prn", BREAK, "ativan", "2mg",
"with", "food"]: lowercase, accents and trademark signs dropped, ``w/`` read as "with",
a dose glued to a name split off, and a BREAK where the patient separated two things
(``,`` ``;`` ``/`` parentheses, line breaks). Lexicon names go through the same ``key`` so
both sides compare alike. Which words are doses, units, frequencies or purposes is data
(``rules/data/vocabulary.yaml``); doses, counts and clock times are the patterns below.
"""

from __future__ import annotations

import re
import unicodedata

from rules.vocabulary import NOISE_WORDS, VOCABULARY

BREAK = "|"  # where a line was split by punctuation: names never span it

_UNITS = r"mg|mgs|mcg|ug|g|gm|gms|ml|mls|cc|iu|units?|meq|mmol|k|%"
_DOSE_RE = re.compile(
    r"^(?:#?\d+(?:[.,]\d+)?(?:/\d+(?:[.,]\d+)?)*"
    rf"(?:{_UNITS}|mg/ml|mcg/hr|mg/hr|mg/kg|x|h|hr|hrs|d|w|wk|am|pm|a|p|st|nd|rd|th|"
    r"tabs?|caps?|pills?|puffs?|drops?|sprays?|mins?|yrs?|years?|months?)?"
    r"|q\d+(?:h|hr|hrs|d|w|wk)?|x\d+|\d+x|\d+/\d+|#\d+)$"
)
_DROP = {ord("'"): None, ord("’"): None, ord("‘"): None, ord("®"): None, ord("™"): None,
         ord("℠"): None, ord("`"): None}
_ASCII_DROP = tuple(chr(c) for c in _DROP if c < 128)  # what _DROP takes from an ASCII line
_NON_ASCII = {ord("µ"): "mc", ord("μ"): "mc", ord("⁄"): "/", ord("ß"): "ss", ord("æ"): "ae",
              ord("ø"): "o", ord("œ"): "oe", ord("ł"): "l"}


def fold(text: str) -> str:
    """Lowercase, unicode-normalise, drop apostrophes, trademark signs (before NFKC, which
    would turn "™" into "tm") and accents ("Lorazépam" -> "lorazepam"); µg -> mcg."""
    if text.isascii():  # NFKC leaves ASCII as it is, and casefold is lower
        for drop in _ASCII_DROP:
            text = text.replace(drop, "")
        return text.lower()
    folded = unicodedata.normalize("NFKC", text.translate(_DROP)).casefold().translate(_DROP)
    if folded.isascii():
        return folded
    folded = unicodedata.normalize("NFKD", folded.translate(_NON_ASCII))
    return "".join(c for c in folded if not unicodedata.combining(c))


_WITH_RE = re.compile(r"\bw/o\b|\bw/")
# A name with a dose glued to it: "ativan2mg", "lamictal25mg", "klonopin0.5".
_GLUED_RE = re.compile(r"\b([^\W\d_]{3,})(\d+(?:[.,]\d+)?(?:[^\W\d_]{1,5})?)\b")
# The last word of a longer name, one or two letters, with a dose and a real unit glued to
# it: "levo t2mg" (Levo-T). A bare number stays glued ("b12", "d3", "t3" are names).
_SHORT_GLUED_RE = re.compile(
    r"(?<=[\s-])([^\W\d_]{1,2})(\d+(?:[.,]\d+)?(?:mg|mgs|mcg|ug|g|gm|gms|ml|mls|cc|iu|units?|meq|mmol))\b")
_TOKEN_RE = re.compile(r"#?[^\W_]+%?(?:[.,/][^\W_]+%?)*|[&+]|[,;:/()\[\]{}\n\r|•·*]")
_PART_SEP = frozenset(",;:/()[]{}\n\r|•·*")
_SEP_RE = re.compile(r"[.,/]")
# A separator or a [.,/] inside a word: a line with neither is its tokens as found.
_PUNCT_RE = re.compile("[" + re.escape("".join(sorted(_PART_SEP | {"."}))) + "]")
# Both glued patterns need a letter with a digit right after it ("ativan2mg", "t2mg"): a
# line without one (most lines: "xanax 0.5 mg") has nothing glued and skips both scans.
# On an ASCII line the letters and digits are [A-Za-z] and [0-9], a faster scan.
_LETTER_DIGIT_RE = re.compile(r"[^\W\d_]\d")
_ASCII_LETTER_DIGIT_RE = re.compile(r"[A-Za-z][0-9]")


def _glued(match: re.Match[str]) -> str:
    name, dose = match.group(1), match.group(2)
    if not _DOSE_RE.match(dose):
        return match.group(0)
    return f"{name} {dose}"


def line_tokens(folded: str) -> list[str]:
    """The words of a folded line, with BREAK where punctuation separated two parts."""
    if "w/" in folded:
        folded = _WITH_RE.sub(lambda m: " without " if m.group(0) == "w/o" else " with ", folded)
    glued = _ASCII_LETTER_DIGIT_RE if folded.isascii() else _LETTER_DIGIT_RE
    if glued.search(folded):
        folded = _SHORT_GLUED_RE.sub(_glued, _GLUED_RE.sub(_glued, folded))
    found: list[str] = _TOKEN_RE.findall(folded)
    if not _PUNCT_RE.search(folded):  # "Xanax 1mg daily": no part to split, no BREAK
        return found
    out: list[str] = []
    for token in found:
        if token in _PART_SEP:
            if out and out[-1] != BREAK:
                out.append(BREAK)
        elif not _SEP_RE.search(token) or _DOSE_RE.match(token):
            out.append(token)
        else:
            parts = [p for p in _SEP_RE.split(token) if p]
            for i, part in enumerate(parts):
                if i and "/" in token:
                    out.append(BREAK)
                out.append(part)
    if out and out[-1] == BREAK:
        out.pop()
    return out


def tokens(text: str) -> list[str]:
    return [t for t in line_tokens(fold(text)) if t != BREAK]


_SIMPLE_RE = re.compile(r"[A-Za-z]+(?: [A-Za-z]+)*")


def key(name: str) -> str:
    """The comparable form of a name: 'Claritin-D' -> 'claritin d'."""
    if _SIMPLE_RE.fullmatch(name):  # most of the 107k dictionary names: fast at load
        return name.lower()
    return " ".join(tokens(name))


def is_dose(token: str) -> bool:
    """A number, dose, count or clock time: '0.5mg', '5/325', '#30', 'x2', 'q6h', '8am'."""
    return bool(_DOSE_RE.match(token))


def is_noise(token: str) -> bool:
    """A dose, unit, form, frequency, timing or filler word: never a drug on its own."""
    return token in NOISE_WORDS or bool(_DOSE_RE.match(token))


def category(token: str) -> str | None:
    """What a non-drug word is: a vocabulary category, 'dose', or None (unread)."""
    found = VOCABULARY.get(token)
    if found is not None:
        return found
    return "dose" if _DOSE_RE.match(token) else None
