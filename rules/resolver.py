"""Resolving what a patient typed to known drugs.

Every word of a line is read or reported:
1. exact names (curated table, then the dictionary) anywhere in the line, longest span
   first and never across a separator, so "Claritin-D" wins over "Claritin" and "Tylenol
   with codeine" over "Tylenol";
2. the other words by the vocabulary (``rules/data/vocabulary.yaml``): doses, units, forms,
   routes, frequencies, timings, purposes, fillers;
3. every word still unread, wherever it stands, gets a fuzzy match (rapidfuzz) against the
   curated table (every drug the rules care about and their usual misspellings), then a
   stricter bounded one against the dictionary (same first letter, similar length);
4. a word nothing could read is reported (``unmatched``) and the line is ``partial``.

A fuzzy hit is recognized only when clearly closer to one drug than to any other; when a
drug the rules watch is about as close, the line is ``ambiguous`` and names both: a
clinician decides, fuzzy matching never does. An exact name is never fuzzed, so a real
drug (Lamisil, clonidine, Narcan) always resolves to itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from rules.lexicon import Lexicon, Product
from rules.nameindex import NameIndex
from rules.text import BREAK, category, fold, line_tokens

MAX_SPAN = 6
FUZZY_MIN_LEN = 5
MAX_FUZZY_PER_LINE = 16  # past this, words are reported unread without a guess (10k-char lines)
CURATED_CUTOFF = 80.0
DICTIONARY_CUTOFF = 88.0
TIE_MARGIN = 2.0  # two different drugs this close: no honest pick, ambiguous
AMBIGUITY_MARGIN = 6.0  # two candidates this close, differing in watched classes: ambiguous
WATCHED_MARGIN = 10.0  # a watched drug this close behind a pick lacking its flag: ambiguous
WATCHED_LENGTH_SPREAD = 3  # watched look-alikes are searched among names this many letters longer or shorter
# What each word was read as, besides the vocabulary categories and "dose".
DRUG, AMBIGUOUS, UNREAD, VAGUE = "drug", "ambiguous", "unread", "unread: a medicine named by its use"
# A purpose word followed by one of these names a medicine by its use ("sleeping pills",
# "pain meds"): both words stay unread so a clinician asks which medicine.
VAGUE_NOUNS = frozenset({"pill", "pills", "med", "meds", "medicine", "medicines", "medication",
                         "medications", "drug", "drugs", "tablet", "tablets", "tabs", "shot",
                         "shots"})


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

    def as_dict(self) -> dict[str, Any]:
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
    # How each word was read, kept as found; ``words`` says it for people (only the command
    # line, the dump and tests ask, so no label is written for every new line):
    tokens: tuple[str, ...] = ()  # the line's words, BREAK included
    # Each token's Match if a drug, its look-alikes if ambiguous, else its category (None:
    # unread). One tuple: the fewer objects a cached line keeps, the less the garbage
    # collector counts.
    read_as: tuple[Match | str | None, ...] = ()
    # Derived from the matches once (every evaluation of the line reads them):
    classes: tuple[str, ...] = field(init=False)  # every class of every match, in order
    matched: str = field(init=False)  # "Xanax + Tylenol"
    generic: str = field(init=False)  # "alprazolam + acetaminophen"
    method: str = field(init=False)  # "brand + fuzzy 91"

    def __post_init__(self) -> None:
        matches = self.matches
        if len(matches) == 1:  # most lines: the one match's own values
            match = matches[0]
            product = match.product
            classes = dict.fromkeys(product.classes)
            matched, generic, method = product.name, product.generic, _method(match)
        else:
            classes = {}
            for match in matches:
                classes.update(dict.fromkeys(match.product.classes))
            matched = " + ".join([m.product.name for m in matches])
            generic = " + ".join([m.product.generic for m in matches])
            method = " + ".join([_method(m) for m in matches])
        object.__setattr__(self, "classes", tuple(classes))
        object.__setattr__(self, "matched", matched)
        object.__setattr__(self, "generic", generic)
        object.__setattr__(self, "method", method)

    @property
    def words(self) -> tuple[tuple[str, str], ...]:
        """Every word and what it was read as: ``("xanax", "drug: alprazolam (brand:
        Xanax)")``, ``("1mg", "dose")``, ``("qwzzx", "unread")``."""
        return tuple((w, _label(r) if isinstance(r, Match) else r or UNREAD)
                     for w, r in zip(self.tokens, self.read_as, strict=True) if w != BREAK)

    def as_dict(self) -> dict[str, Any]:
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


def _method(match: Match) -> str:
    """How a match was made, with its score if fuzzy: "brand", "fuzzy 91"."""
    return match.method if match.score is None else f"{match.method} {match.score:.0f}"


def _label(match: Match) -> str:
    """A drug word's reading for people."""
    return f"drug: {match.product.generic} ({_method(match)}: {match.product.name})"


class Resolver:
    """Resolves medication text; results are cached per distinct text."""

    def __init__(self, lexicon: Lexicon, watched_classes: frozenset[str], cache_size: int = 50_000):
        self.lexicon = lexicon
        self.watched = watched_classes
        self._curated_keys = list(lexicon.curated)
        # Watched names a typo may be about as close to: curated ones and dictionary ones
        # (classes from the chemistry), short enough to be typed.
        self._watched_keys = [k for k, p in lexicon.curated.items() if self._is_watched(p)] + [
            k for k, p in lexicon.dictionary.items()
            if self._is_watched(p) and len(k) <= 30 and k.count(" ") < 3]
        # Names by length: a name more edits away than allowed differs at least that much
        # in length, so each look-up scans only names of about the query's length, and of
        # those only the ones whose letters could reach the cut-off (rules.nameindex).
        self._curated_index = NameIndex(self._curated_keys)
        self._watched_index = NameIndex(self._watched_keys)
        self._multi_starts = lexicon.multiword_starts
        self.resolve = lru_cache(maxsize=cache_size)(self._resolve)
        # The same unread word in many lines ("xanex 1mg", "xanex prn") is guessed once.
        self._fuzzy = lru_cache(maxsize=cache_size)(self._fuzzy_uncached)

    def _is_watched(self, product: Product) -> bool:
        return any(c in self.watched for c in product.classes)

    def _flags(self, product: Product) -> frozenset[str]:
        return self.watched.intersection(product.classes)

    def clear_cache(self) -> None:
        self.resolve.cache_clear()
        self._fuzzy.cache_clear()

    # -- the steps -----------------------------------------------------------------------
    def _exact(self, words: list[str], reading: list[str | None], labels: dict[int, Match | str]
               ) -> list[Match]:
        """Known names in the words, longest span first, left to right; never across a
        BREAK. A vocabulary word ("for", "sleep") starts only a longer name ("nerve
        pills") or a curated one ("iron"): it is never a dictionary drug on its own."""
        found: list[Match] = []
        name_words = self.lexicon.name_words
        curated, lookup = self.lexicon.curated, self.lexicon.lookup
        i, n = 0, len(words)
        while i < n:
            word = words[i]
            longest = name_words.get(word)
            if longest is None:  # no name starts with this word (most doses, units, fillers)
                i += 1
                continue
            hit: Match | None = None
            length = 1
            vocab = category(word) is not None
            # "for thyroid", "for iron deficiency": after a purpose marker it is a purpose.
            single = word in curated and not (
                i and category(words[i - 1]) == "purpose_marker")
            if word != BREAK and (not vocab or word in self._multi_starts or single):
                end = i
                most = min(MAX_SPAN, longest)  # no name starting here has more words
                while end < n and end - i < most and words[end] != BREAK:
                    end += 1
                for length in range(end - i, 0, -1):
                    span = " ".join(words[i:i + length]) if length > 1 else word
                    if not vocab:
                        product = lookup(span)
                    elif single or length > 1:  # "nerve pills" is curated slang
                        product = curated.get(span)
                    else:  # "sleeping", "pills": no drug on their own
                        product = None
                    if product is not None:
                        hit = Match(span, product, product.method)
                        break
            if hit is not None:
                found.append(hit)
                for j in range(i, i + length):
                    reading[j] = DRUG
                    labels[j] = hit
                if hit.product.method == "dictionary" and length > 1:
                    found.extend(self._watched_inside(words[i:i + length], hit.product))
                i += length
            else:
                i += 1
        return found

    @staticmethod
    def _near(query: str, hits: list[tuple[str, float, int]], limit: int) -> list[tuple[str, float, int]]:
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

    def _fuzzy_uncached(self, query: str) -> tuple[Match | None, tuple[Candidate, ...]]:
        """Best fuzzy match for one query, or (None, candidates) when it is ambiguous.

        Recognized only when clearly closer to one drug than to any other: a drug with
        other rule flags nearly as close, a watched drug within one more edit than the
        pick, or a different drug as close as the pick makes the guess ambiguous. The
        dictionary (no curated misspellings, many rare names) needs a higher score and
        at most one edit up to 11 letters.
        """
        limit = max_edits(query)
        choices = self._curated_index.near(query, limit, min_ratio=CURATED_CUTOFF)
        hits = self._near(query, process.extract(query, choices, scorer=fuzz.ratio,
                                                 score_cutoff=CURATED_CUTOFF, limit=8), limit)
        method = "fuzzy"
        if not hits:
            bucket = self.lexicon.dictionary_near(query, spread=2, min_ratio=DICTIONARY_CUTOFF)
            hits = self._near(query, process.extract(query, bucket, scorer=fuzz.ratio,
                                                     score_cutoff=DICTIONARY_CUTOFF, limit=8),
                              1 if len(query) <= 11 else 2)
            method = "dictionary_fuzzy"
        if not hits:
            return None, ()
        best_key, best_score, _ = hits[0]
        best = self.lexicon.product(best_key)
        best_flags = self._flags(best)
        rivals: dict[tuple[str, ...], Candidate] = {}

        def rival(name_key: str, score: float) -> None:
            product = self.lexicon.product(name_key)
            rivals.setdefault(product.ingredients,
                              Candidate(product.name, product.generic, round(score, 1)))

        for name_key, score, _ in hits[1:]:
            product = self.lexicon.product(name_key)
            if product.ingredients == best.ingredients:
                continue
            if score >= best_score - TIE_MARGIN or (
                    score >= best_score - AMBIGUITY_MARGIN and self._flags(product) != best_flags):
                rival(name_key, score)
        best_edits = Levenshtein.distance(query, best_key)
        cutoff = best_score - WATCHED_MARGIN
        edits = min(best_edits + 1, 2)
        by_ratio, by_edits = self._watched_index.near_both(
            query, WATCHED_LENGTH_SPREAD, min_ratio=cutoff, max_indel=2 * edits)
        near_watched = process.extract(query, by_ratio, scorer=fuzz.ratio, score_cutoff=cutoff, limit=4)
        near_watched += process.extract(  # type: ignore[call-overload]
            query, by_edits, scorer=Levenshtein.distance, score_cutoff=edits, limit=4)
        for name_key, _score, _ in near_watched:
            product = self.lexicon.product(name_key)
            if product.ingredients != best.ingredients and self._flags(product) - best_flags:
                rival(name_key, fuzz.ratio(query, name_key))
        if rivals:
            return None, (Candidate(best.name, best.generic, round(best_score, 1)),
                          *rivals.values())
        return Match(query, best, method, round(best_score, 1)), ()

    def _read_words(self, words: list[str], reading: list[str | None]) -> None:
        """Give every word that is not a drug its vocabulary category (or leave None)."""
        marker = False  # a purpose marker ("for", "when") earlier in this part of the line
        for i, word in enumerate(words):
            if word == BREAK or reading[i] == DRUG:
                marker = False
                if word == BREAK:
                    reading[i] = "separator"
                continue
            found = category(word)
            if found == "purpose_marker":
                marker = True
            elif found == "context_purposes":
                found = "purpose" if marker else None
            elif word in VAGUE_NOUNS and i and reading[i - 1] == "purpose":
                # "sleeping pill", "pain meds": a medicine named by its use, not by name.
                reading[i - 1] = found = VAGUE
            reading[i] = found

    def _resolve(self, text: str) -> Resolution:
        words = line_tokens(fold(text))
        reading: list[str | None] = [None] * len(words)
        labels: dict[int, Match | str] = {}  # what each drug word was read as
        found = self._exact(words, reading, labels)
        matches: list[Match] = []
        for match in found:
            if not matches or all(m.product != match.product for m in matches):
                matches.append(match)
        self._read_words(words, reading)
        candidates: list[Candidate] = []
        attempts = 0
        # Every word nothing read yet gets the fuzzy look-ups, wherever it stands.
        for run in self._runs(words, reading) if None in reading else ():
            if attempts >= MAX_FUZZY_PER_LINE:
                break
            if 1 < len(run) <= 3:
                attempts += 1
                guess, cands = self._fuzzy(" ".join(words[i] for i in run))
                if guess is not None or cands:
                    self._take(guess, cands, run, reading, labels, matches, candidates)
                    continue
            for i in run:
                word = words[i]
                if len(word) < FUZZY_MIN_LEN or attempts >= MAX_FUZZY_PER_LINE \
                        or not any(c.isalpha() for c in word):
                    continue
                attempts += 1
                guess, cands = self._fuzzy(word)
                self._take(guess, cands, [i], reading, labels, matches, candidates)
        unmatched = tuple([w for w, r in zip(words, reading, strict=True) if r is None or r == VAGUE]
                          ) if None in reading or VAGUE in reading else ()
        if candidates:
            status: Status = "ambiguous"
        elif matches and unmatched:
            status = "partial"
        elif matches:
            status = "recognized"
        else:
            status = "unrecognized"
        read_as: list[Match | str | None] = [*reading]
        for i, label in labels.items():  # a drug word's match, an ambiguous word's look-alikes
            read_as[i] = label
        return Resolution(text=text, status=status, matches=tuple(matches),
                          candidates=tuple(candidates), unmatched=unmatched, tokens=tuple(words),
                          read_as=tuple(read_as))

    @staticmethod
    def _take(match: Match | None, cands: tuple[Candidate, ...], run: list[int],
              reading: list[str | None], labels: dict[int, Match | str], matches: list[Match],
              candidates: list[Candidate]) -> None:
        if match is not None:
            for i in run:
                reading[i] = DRUG
                labels[i] = match
            if all(m.product != match.product for m in matches):
                matches.append(match)
        elif cands:
            for i in run:
                reading[i] = AMBIGUOUS
                labels[i] = "ambiguous: " + " or ".join(f"{c.name} ({c.generic})" for c in cands)
            candidates.extend(cands)

    @staticmethod
    def _runs(words: list[str], reading: list[str | None]) -> list[list[int]]:
        """Runs of consecutive word positions that nothing has read."""
        runs: list[list[int]] = []
        current: list[int] = []
        for i, word in enumerate(words):
            if reading[i] is None and word != BREAK:
                current.append(i)
            else:
                if current:
                    runs.append(current)
                current = []
        if current:
            runs.append(current)
        return runs

    def describe(self, resolution: Resolution) -> str:
        """Plain words for a patient: 'alprazolam, a benzodiazepine (...)'. Never a verdict."""
        if not resolution.matches:
            return ""
        parts = []
        for match in resolution.matches:
            label = self.lexicon.describe(match.product.classes)
            parts.append(f"{match.product.generic}, {label}" if label else match.product.generic)
        return "; ".join(parts)
