"""Names grouped by length, with letter signatures that rule most of them out before
rapidfuzz scores them.

A fuzzy look-up scores a query against every name of about its length (thousands). Most of
those names cannot reach the score cut-off at all: two strings ``d`` insertions/deletions
apart differ in each letter's count by at most ``d`` in total, so names whose letters
differ too much are skipped without being scored. The check is a lower bound (it never
skips a name that could reach the cut-off) and keeps the names in their original order,
so rapidfuzz returns exactly what it returns on the whole window, ties included, in a
fraction of the time.

Signature of a name: a bit per letter it holds (a-z, plus one bit for digits and one for
anything else), and a bit per letter it holds at least twice. For letter counts ``a`` and
``b``, ``|a - b| >= [a > 0 != b > 0] + [a > 1 != b > 1]``; summed over letters, the bits
that differ in the two signatures are at most the insertions plus deletions between the
strings (``Indel``), which is at most twice the Levenshtein distance.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

_BIT = {chr(97 + i): 1 << i for i in range(26)}
_DIGIT_BIT = 1 << 26
_OTHER_BIT = 1 << 27


def signature(text: str) -> tuple[int, int]:
    """(letters present, letters present at least twice) as bit masks."""
    once = twice = 0
    for ch in text:
        bit = _BIT.get(ch)
        if bit is None:
            bit = _DIGIT_BIT if ch.isdigit() else _OTHER_BIT
        twice |= once & bit
        once |= bit
    return once, twice


# Code point -> bit position: a-z 0-25, digits 26, anything else 27; 28 is the padding of
# a fixed-width array of names (code point 0), which counts for nothing.
_POSITION = np.full(128, 27, dtype=np.intp)
_POSITION[97:123] = np.arange(26)
_POSITION[48:58] = 26
_POSITION[0] = 28
_WEIGHTS = np.array([1 << i for i in range(28)] + [0], dtype=np.uint32)


def signatures(names: Sequence[str]) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint32]]:
    """``signature`` of every name at once (the dictionary's 100k names in milliseconds)."""
    if not names:
        empty = np.zeros(0, dtype=np.uint32)
        return empty, empty
    points = np.array(names, dtype=str)  # fixed width, padded with code point 0
    codes = points.view(np.uint32).reshape(len(names), -1)
    positions = _POSITION[np.minimum(codes, 127)]
    rows = np.repeat(np.arange(len(names)), codes.shape[1])
    counts = np.bincount(rows * 29 + positions.ravel(), minlength=len(names) * 29).reshape(len(names), 29)
    once = ((counts > 0) * _WEIGHTS).sum(axis=1, dtype=np.uint32)
    twice = ((counts > 1) * _WEIGHTS).sum(axis=1, dtype=np.uint32)
    return once, twice


class NameIndex:
    """Names in a stable order by length: a window of lengths is one contiguous slice, in
    the same order as concatenating each length's names in their original order."""

    def __init__(self, names: Sequence[str]):
        self.names: list[str] = sorted(names, key=len)  # stable: original order within a length
        lengths = [len(n) for n in self.names]
        self._lengths: npt.NDArray[np.float64] = np.array(lengths, dtype=np.float64)
        once, twice = signatures(self.names)
        # Both masks in one word (once in the low half, twice in the high one): one XOR and
        # one bit count per name give the sum of both differences.
        self._signature: npt.NDArray[np.uint64] = once.astype(np.uint64) | (
            twice.astype(np.uint64) << np.uint64(32))
        # first position of each length 0..max+1 (positions of absent lengths point ahead)
        top = (max(lengths) if lengths else 0) + 2
        self._start: list[int] = [0] * (top + 1)
        position = 0
        for length in range(top + 1):
            while position < len(lengths) and lengths[position] < length:
                position += 1
            self._start[length] = position

    def _slice(self, size: int, spread: int) -> tuple[int, int]:
        last = len(self._start) - 1
        low = min(max(size - spread, 0), last)
        high = min(max(size + spread + 1, 0), last)
        return self._start[low], self._start[high]

    def window(self, query: str, spread: int) -> list[str]:
        """Every name ``spread`` letters longer or shorter than the query, or as long."""
        start, end = self._slice(len(query), spread)
        return self.names[start:end]

    def _differ(self, query: str, start: int, end: int) -> npt.NDArray[np.uint8]:
        """For each name of positions start..end, the signature bits that differ from the
        query's: at most the insertions plus deletions between the two."""
        once, twice = signature(query)
        differ: npt.NDArray[np.uint8] = np.bitwise_count(
            self._signature[start:end] ^ np.uint64(once | (twice << 32)))
        return differ

    def _names(self, start: int, keep: npt.NDArray[np.bool_]) -> list[str]:
        names = self.names
        # ndarray.nonzero, not np.flatnonzero: the same positions without numpy's Python
        # wrappers, which cost more than the look-up itself on these short windows
        return [names[start + i] for i in keep.nonzero()[0].tolist()]

    def _ratio_keep(self, query: str, start: int, end: int, differ: npt.NDArray[np.uint8],
                    min_ratio: float) -> npt.NDArray[np.bool_]:
        # ratio = 100 * (1 - indel / (len(a) + len(b))) >= min_ratio; half a unit of slack
        # so float rounding can only keep a name, never drop one.
        allowed = (1.0 - min_ratio / 100.0) * (self._lengths[start:end] + len(query)) + 0.5
        keep: npt.NDArray[np.bool_] = differ <= allowed
        return keep

    def near(self, query: str, spread: int, *, min_ratio: float | None = None,
             max_indel: int | None = None) -> list[str]:
        """The window's names that may reach ``fuzz.ratio >= min_ratio`` (normalised Indel
        similarity) or an Indel distance ``<= max_indel``; in window order."""
        start, end = self._slice(len(query), spread)
        if start >= end:
            return []
        differ = self._differ(query, start, end)
        if min_ratio is not None:
            return self._names(start, self._ratio_keep(query, start, end, differ, min_ratio))
        return self._names(start, differ <= (max_indel if max_indel is not None else 0))

    def near_both(self, query: str, spread: int, min_ratio: float, max_indel: int
                  ) -> tuple[list[str], list[str]]:
        """``near(min_ratio=...)`` and ``near(max_indel=...)`` over one window, with the
        signatures compared once."""
        start, end = self._slice(len(query), spread)
        if start >= end:
            return [], []
        differ = self._differ(query, start, end)
        return (self._names(start, self._ratio_keep(query, start, end, differ, min_ratio)),
                self._names(start, differ <= max_indel))
