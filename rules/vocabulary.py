"""The words of a medication line that are not drug names (``rules/data/vocabulary.yaml``).

Every word of a line is read: a drug name, a dose or count (patterns in ``rules.text``) or
a word of one of these categories; anything else is reported unread. A typo in the file
(a word in two categories, an unknown category, a word with spaces) fails at load with the
file and the word named.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, get_args

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

VOCABULARY_FILE = Path(__file__).parent / "data" / "vocabulary.yaml"

Category = Literal["unit", "form", "route", "frequency", "timing", "purpose", "context_purposes",
                   "purpose_marker", "person", "connector", "quantity", "label", "salt", "filler"]
CATEGORIES: tuple[str, ...] = get_args(Category)
# Categories that never carry a drug or a purpose: what used to be called "noise".
NOISE_CATEGORIES = frozenset({"unit", "form", "route", "frequency", "timing", "quantity", "label",
                              "salt", "filler"})


class VocabularyError(ValueError):
    """The vocabulary file is wrong; the message names the file and the word."""


class VocabularyFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    version: str
    categories: dict[Category, str]


def load_vocabulary(path: Path = VOCABULARY_FILE) -> dict[str, str]:
    """word -> category."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        data = VocabularyFile.model_validate(raw)
    except (OSError, yaml.YAMLError) as err:
        raise VocabularyError(f"{path}: cannot read: {err}") from None
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise VocabularyError(f"{path}: {where}: {first['msg']}") from None
    words: dict[str, str] = {}
    for category, text in data.categories.items():
        for word in text.split():
            if word != word.lower():
                raise VocabularyError(f"{path}: {category}: {word!r} must be lowercase")
            if word in words and words[word] != category:
                raise VocabularyError(
                    f"{path}: {category}: {word!r} is already in {words[word]}; one category per word")
            words[word] = category
    return words


VOCABULARY: dict[str, str] = load_vocabulary()
NOISE_WORDS: frozenset[str] = frozenset(w for w, c in VOCABULARY.items() if c in NOISE_CATEGORIES)
