"""Resolving what a patient typed to known drugs.

Order, safest first:
1. exact names (curated table, then the dictionary) over the tokens of the name part,
   longest span first, so "Claritin-D" wins over "Claritin" and "Tylenol with codeine"
   over "Tylenol";
2. fuzzy match (rapidfuzz) of what is left against the curated table only: it holds every
   drug the rules care about and their usual misspellings;
3. bounded fuzzy match against the dictionary (same first letter, similar length).

A fuzzy hit that is nearly as close to a drug the rules watch as to the drug it picked is
reported as ``ambiguous``: a clinician decides, fuzzy matching never does.
An exact name is never fuzzed, so a real drug (Lamisil, clonidine, Narcan) always
resolves to itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from rules.lexicon import Lexicon, Product
from rules.text import fold, is_noise, name_part, segments, tokens

MAX_SPAN = 6
FUZZY_MIN_LEN = 5
CURATED_CUTOFF = 80.0
DICTIONARY_CUTOFF = 88.0
AMBIGUITY_MARGIN = 6.0  # two candidates this close, differing in watched classes: ambiguous
WATCHED_MARGIN = 10.0  # a watched drug this close behind a harmless pick: ambiguous
CONNECTORS = frozenset({"and", "with", "&", "plus"})


def max_edits(query: str) -> int:
    """Typos a misspelling may hold: 1 up to 7 letters, 2 up to 11, then 3.

    The ratio cutoff alone lets short ordinary words reach drug names ("percent" ->
    Percocet, "optimum" -> opium); real misspellings (xanex, klonapin, lorazapam, adderal,
    lamotragine, vivanse) are one or two edits away.
    """
    return 1 if len(query) <= 7 else 2 if len(query) <= 11 else 3

# recognized: every word read; partial: a drug read, but other words not (a clinician
# reads the line); ambiguous: a look-alike guess; unrecognized: nothing read.
Status = Literal["recognized", "partial", "ambiguous", "unrecognized"]


@dataclass(frozen=True, slots=True)
class Match:
    query: str  # the words of the text that matched
    product: Product
    method: str  # generic | alias | brand | combination | misspelling | dictionary | fuzzy | dictionary_fuzzy
    score: float | None = None

    def as_dict(self) -> dict:
        return {
            "query": self.query,
            "matched": self.product.name,
            "generic": self.product.generic,
            "classes": list(self.product.classes),
            "method": self.method,
            "score": self.score,
        }


@dataclass(frozen=True, slots=True)
class Candidate:
    name: str
    generic: str
    score: float


@dataclass(frozen=True, slots=True)
class Resolution:
    text: str
    status: Status
    matches: tuple[Match, ...] = ()
    candidates: tuple[Candidate, ...] = ()  # for ambiguous: the look-alikes to choose from
    unmatched: tuple[str, ...] = ()  # leftover words nothing matched

    @property
    def classes(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for match in self.matches:
            for class_id in match.product.classes:
                seen[class_id] = None
        return tuple(seen)

    @property
    def matched(self) -> str:
        return " + ".join(m.product.name for m in self.matches)

    @property
    def generic(self) -> str:
        return " + ".join(m.product.generic for m in self.matches)

    @property
    def method(self) -> str:
        parts = []
        for m in self.matches:
            parts.append(f"{m.method} {m.score:.0f}" if m.score is not None else m.method)
        return " + ".join(parts)

    def as_dict(self) -> dict:
        return {
            "text": self.text,
            "status": self.status,
            "matched": self.matched or None,
            "generic": self.generic or None,
            "classes": list(self.classes),
            "method": self.method or None,
            "matches": [m.as_dict() for m in self.matches],
            "candidates": [
                {"matched": c.name, "generic": c.generic, "score": c.score} for c in self.candidates
            ],
            "unmatched": list(self.unmatched),
        }


class Resolver:
    """Resolves medication text; results are cached per distinct text."""

    def __init__(self, lexicon: Lexicon, watched_classes: frozenset[str], cache_size: int = 50_000):
        self.lexicon = lexicon
        self.watched = watched_classes
        self._curated_keys = list(lexicon.curated)
        self._watched_keys = [k for k, p in lexicon.curated.items() if self._is_watched(p)]
        self.resolve = lru_cache(maxsize=cache_size)(self._resolve)

    def _is_watched(self, product: Product) -> bool:
        return any(c in self.watched for c in product.classes)

    def clear_cache(self) -> None:
        self.resolve.cache_clear()

    # -- the steps -----------------------------------------------------------------------
    def _exact(self, words: list[str]) -> list[Match]:
        """Known names in the words, longest span first, left to right."""
        found: list[Match] = []
        i, n = 0, len(words)
        while i < n:
            hit = None
            if not is_noise(words[i]) and words[i] not in CONNECTORS:
                for length in range(min(MAX_SPAN, n - i), 0, -1):
                    span = " ".join(words[i : i + length])
                    product = self.lexicon.lookup(span)
                    if product is not None:
                        hit = Match(span, product, product.method)
                        break
            if hit:
                found.append(hit)
                if hit.product.method == "dictionary" and length > 1:
                    found.extend(self._watched_inside(words[i:i + length], hit.product))
                i += length
            else:
                i += 1
        return found

    @staticmethod
    def _near(query: str, hits: list) -> list:
        limit = max_edits(query)
        return [h for h in hits if Levenshtein.distance(query, h[0], score_cutoff=limit) <= limit]

    def _watched_inside(self, words: list[str], outer: Product) -> list[Match]:
        """Curated drugs named inside a longer dictionary phrase whose watched classes the
        phrase's product lacks ("aspirin and codeine" -> a product mapped to no class):
        they are kept, so a watched drug is never hidden by a longer name."""
        extra = []
        for i in range(len(words)):
            for length in range(len(words) - i, 0, -1):
                span = " ".join(words[i:i + length])
                product = self.lexicon.curated.get(span)
                if product is not None:
                    if self.watched.intersection(product.classes) - set(outer.classes):
                        extra.append(Match(span, product, product.method))
                    break
        return extra

    def _fuzzy(self, query: str) -> tuple[Match | None, tuple[Candidate, ...]]:
        """Best fuzzy match for one query, or (None, candidates) when it is ambiguous."""
        hits = self._near(query, process.extract(query, self._curated_keys, scorer=fuzz.ratio,
                                                 score_cutoff=CURATED_CUTOFF, limit=8))
        method = "fuzzy"
        if not hits:
            bucket = self.lexicon.dictionary_bucket(query, spread=2)
            hits = self._near(query, process.extract(query, bucket, scorer=fuzz.ratio,
                                                     score_cutoff=DICTIONARY_CUTOFF, limit=8))
            method = "dictionary_fuzzy"
        if not hits:
            return None, ()
        best_key, best_score, _ = hits[0]
        best = self.lexicon.lookup(best_key)
        rivals: dict[tuple[str, ...], Candidate] = {}
        for name_key, score, _ in hits:
            product = self.lexicon.lookup(name_key)
            if product.ingredients != best.ingredients and score >= best_score - AMBIGUITY_MARGIN \
                    and self._is_watched(product) != self._is_watched(best):
                rivals.setdefault(product.ingredients,
                                  Candidate(product.name, product.generic, round(score, 1)))
        if not self._is_watched(best):
            near_watched = process.extract(query, self._watched_keys, scorer=fuzz.ratio,
                                           score_cutoff=best_score - WATCHED_MARGIN, limit=3)
            for name_key, score, _ in near_watched:
                product = self.lexicon.lookup(name_key)
                rivals.setdefault(product.ingredients,
                                  Candidate(product.name, product.generic, round(score, 1)))
        if rivals:
            return None, (Candidate(best.name, best.generic, round(best_score, 1)),
                          *rivals.values())
        return Match(query, best, method, round(best_score, 1)), ()

    def _resolve(self, text: str) -> Resolution:
        folded = fold(text)
        # Exact names anywhere in the line: a drug after "for ..." is still a drug.
        found = self._exact(tokens(folded))
        matches: list[Match] = []
        for match in found:
            if all(m.product != match.product for m in matches):
                matches.append(match)
        read = {w for m in found for w in m.query.split()}
        candidates: list[Candidate] = []
        unmatched: list[str] = []
        # Fuzzy only on the name part of each segment: purpose words ("for toenail
        # fungus") are never guessed into drugs, but a misspelt drug after a comma is.
        for segment in segments(folded):
            for run in self._runs(tokens(name_part(segment)), read):
                resolved = self._fuzzy_run(run)
                if resolved is None:
                    unmatched.extend(run)
                elif isinstance(resolved, Match):
                    if all(m.product != resolved.product for m in matches):
                        matches.append(resolved)
                else:
                    candidates.extend(resolved)
        if candidates:
            status: Status = "ambiguous"
        elif matches and unmatched:
            status = "partial"
        elif matches:
            status = "recognized"
        else:
            status = "unrecognized"
        return Resolution(text=text, status=status, matches=tuple(matches),
                          candidates=tuple(candidates), unmatched=tuple(unmatched))

    @staticmethod
    def _runs(words: list[str], read: set[str]) -> list[list[str]]:
        """Runs of consecutive words that are neither read already nor dose/frequency noise."""
        runs: list[list[str]] = []
        current: list[str] = []
        for word in words:
            if word in read or is_noise(word) or word in CONNECTORS \
                    or not any(c.isalpha() for c in word):
                if current:
                    runs.append(current)
                current = []
            else:
                current.append(word)
        if current:
            runs.append(current)
        return runs

    def _fuzzy_run(self, run: list[str]) -> Match | tuple[Candidate, ...] | None:
        """Try the whole run (up to three words), then each word on its own."""
        attempts = []
        if 1 < len(run) <= 3:
            attempts.append(" ".join(run))
        attempts.extend(w for w in run if len(w) >= FUZZY_MIN_LEN)
        if len(run) == 1 and len(run[0]) < FUZZY_MIN_LEN:
            return None
        for query in attempts:
            if len(query) < FUZZY_MIN_LEN:
                continue
            match, candidates = self._fuzzy(query)
            if match is not None:
                return match
            if candidates:
                return candidates
        return None

    def describe(self, resolution: Resolution) -> str:
        """Plain words for a patient: 'alprazolam, a benzodiazepine (...)'. Never a verdict."""
        if not resolution.matches:
            return ""
        parts = []
        for match in resolution.matches:
            label = self.lexicon.describe(match.product.classes)
            parts.append(f"{match.product.generic}, {label}" if label else match.product.generic)
        return "; ".join(parts)
