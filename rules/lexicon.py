"""The medication lexicon: the curated class table (``rules/data/drugs.yaml``) over the
drug-named-entity-recognition dictionary (~107,000 names, no classes).

The curated table is the authority for classes, US brands, combination products and
misspellings; the dictionary recognises everything else by exact name. A typo in the
curated file fails at load with the file path and the entry, never at a patient.
"""

from __future__ import annotations

import bz2
import importlib.util
import json
import pickle  # a data file shipped inside a pinned, hash-checked package
import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from rules.nameindex import NameIndex
from rules.text import is_noise, key, tokens

if TYPE_CHECKING:
    from rules.overrides import Overlay

DATA_DIR = Path(__file__).parent / "data"
DRUGS_FILE = DATA_DIR / "drugs.yaml"
STRUCTURE_CLASSES_FILE = DATA_DIR / "structure_classes.json"
_MIN_NAME = 3
MAX_NAME_CHARS = 60


class LexiconError(ValueError):
    """The curated lexicon file is wrong; the message names the file and the entry."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DrugClassDef(_Strict):
    label: str = Field(min_length=1)


class DrugDef(_Strict):
    generic: str = Field(min_length=_MIN_NAME)
    classes: tuple[str, ...] = Field(min_length=1)
    aliases: tuple[str, ...] = ()
    brands: tuple[str, ...] = ()
    misspellings: tuple[str, ...] = ()


class CombinationDef(_Strict):
    name: str = Field(min_length=_MIN_NAME)
    ingredients: tuple[str, ...] = Field(min_length=2)
    aliases: tuple[str, ...] = ()
    misspellings: tuple[str, ...] = ()


class SlangDef(_Strict):
    """Street names for a class with no generic ("zannies", "K-pins", "nerve pills")."""

    means: str = Field(min_length=_MIN_NAME)  # shown as the generic: what the name stands for
    classes: tuple[str, ...] = Field(min_length=1)
    names: tuple[str, ...] = Field(min_length=1)


class LexiconFile(_Strict):
    version: str
    classes: dict[str, DrugClassDef]
    drugs: tuple[DrugDef, ...]
    combinations: tuple[CombinationDef, ...] = ()
    slang: tuple[SlangDef, ...] = ()

    @field_validator("classes")
    @classmethod
    def _class_ids(cls, value: dict[str, DrugClassDef]) -> dict[str, DrugClassDef]:
        for class_id in value:
            if not re.fullmatch(r"[a-z][a-z0-9_]*", class_id):
                raise ValueError(f"class id {class_id!r} must be lowercase letters, digits, _")
        return value


Method = Literal["generic", "alias", "brand", "combination", "misspelling", "slang", "dictionary"]


@dataclass(frozen=True, slots=True)
class Product:
    """What a name stands for: one drug or a combination product."""

    name: str  # display name, e.g. "Xanax" or "alprazolam"
    ingredients: tuple[str, ...]  # generic names
    classes: tuple[str, ...]
    method: Method
    drugbank_id: str | None = None

    @property
    def generic(self) -> str:
        return " + ".join(self.ingredients)


class Lexicon:
    """Name keys -> products, from the curated file and (optionally) the dictionary."""

    def __init__(self, data: LexiconFile, source: str, dictionary: dict[str, Any] | None = None,
                 origins: dict[int, str] | None = None,
                 structure_classes: dict[str, str] | None = None):
        self.version = data.version
        self.source = source
        self.class_labels: dict[str, str] = {k: v.label for k, v in data.classes.items()}
        self.curated: dict[str, Product] = {}
        self._generic_classes: dict[str, tuple[str, ...]] = {}
        self._generic_by_key: dict[str, str] = {}
        # Classes read from the chemistry (rules/data/structure_classes.json) for dictionary
        # drugs the curated table does not list: the curated table always wins.
        self.structure_classes: dict[str, tuple[str, ...]] = {}
        self._build_curated(data, source, origins or {})
        for canonical, class_id in (structure_classes or {}).items():
            generic = self._generic_by_key.get(key(canonical), key(canonical))
            if class_id in self.class_labels and generic not in self._generic_classes:
                self.structure_classes[generic] = (class_id,)
        self.dictionary: dict[str, Product] = {}
        if dictionary is not None:
            self._build_dictionary(dictionary)
        # Bounded fuzzy search over the dictionary: names of the query's first letter, of
        # about its length (rules.nameindex), indexed on first use of each letter.
        self._by_initial: dict[str, list[str]] = defaultdict(list)
        for name_key in self.dictionary:
            self._by_initial[name_key[0]].append(name_key)
        # Built here, with the rest of the engine, rather than on a first patient's typo.
        self._initial_index: dict[str, NameIndex] = {
            initial: NameIndex(names) for initial, names in self._by_initial.items()}
        # First words of curated names of two or more words: a vocabulary word may start one.
        self.multiword_starts: frozenset[str] = frozenset(
            k.split(" ", 1)[0] for k in self.curated if " " in k)
        # Every name's first word -> the most words a name starting with it has: a word of a
        # line that starts no name is passed over with one look-up, and a span is never
        # tried longer than the longest name it could be (rules.resolver).
        self.name_words: dict[str, int] = {}
        for names in (self.curated, self.dictionary):
            for name_key in names:
                first, _, rest = name_key.partition(" ")
                count = rest.count(" ") + 2 if rest else 1
                if count > self.name_words.get(first, 0):
                    self.name_words[first] = count

    # -- curated -------------------------------------------------------------------------
    def _add(self, name: str, product: Product, where: str) -> None:
        name_key = key(name)
        if len(name_key) < _MIN_NAME:
            raise LexiconError(f"{where}: name {name!r} is shorter than {_MIN_NAME} characters")
        if all(is_noise(t) for t in name_key.split()):
            raise LexiconError(f"{where}: name {name!r} is only dose or frequency words")
        existing = self.curated.get(name_key)
        if existing is not None and existing.ingredients != product.ingredients:
            raise LexiconError(
                f"{where}: name {name!r} already names {existing.generic!r}; "
                "one name must map to one drug"
            )
        if existing is None or product.method in ("generic", "combination"):
            self.curated[name_key] = product

    def _build_curated(self, data: LexiconFile, source: str, origins: dict[int, str]) -> None:
        for i, drug in enumerate(data.drugs):
            # origins: entries a clinic overlay added or changed, named by the overlay's line
            where = origins.get(i) or f"{source}: drugs[{i}] ({drug.generic})"
            unknown = [c for c in drug.classes if c not in self.class_labels]
            if unknown:
                raise LexiconError(f"{where}: unknown class {unknown[0]!r}; declare it under classes")
            generic = drug.generic.strip().lower()
            if generic in self._generic_classes:
                raise LexiconError(f"{where}: generic {generic!r} is listed twice")
            self._generic_classes[generic] = drug.classes
            names: list[tuple[str, Method]] = [(drug.generic, "generic")]
            names += [(n, "alias") for n in drug.aliases]
            names += [(n, "brand") for n in drug.brands]
            names += [(n, "misspelling") for n in drug.misspellings]
            for name, method in names:
                display = generic if method in ("generic", "alias") else name
                self._add(name, Product(display, (generic,), drug.classes, method), where)
                if method in ("generic", "alias"):
                    self._generic_by_key[key(name)] = generic
        for i, combo in enumerate(data.combinations):
            where = f"{source}: combinations[{i}] ({combo.name})"
            ingredients = tuple(g.strip().lower() for g in combo.ingredients)
            missing = [g for g in ingredients if g not in self._generic_classes]
            if missing:
                raise LexiconError(f"{where}: ingredient {missing[0]!r} is not a generic in drugs")
            classes = self._union(ingredients)
            combo_names: list[tuple[str, Method]] = [(combo.name, "combination")]
            combo_names += [(n, "combination") for n in combo.aliases]
            combo_names += [(n, "misspelling") for n in combo.misspellings]
            for name, method in combo_names:
                self._add(name, Product(combo.name, ingredients, classes, method), where)
        for i, slang in enumerate(data.slang):
            where = f"{source}: slang[{i}] ({slang.means})"
            unknown = [c for c in slang.classes if c not in self.class_labels]
            if unknown:
                raise LexiconError(f"{where}: unknown class {unknown[0]!r}; declare it under classes")
            for name in slang.names:
                self._add(name, Product(name, (slang.means,), slang.classes, "slang"), where)

    def _union(self, ingredients: tuple[str, ...]) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for generic in ingredients:
            classes = self._generic_classes.get(generic)
            for class_id in classes if classes is not None else self.structure_classes.get(generic, ()):
                seen[class_id] = None
        return tuple(seen)

    # -- dictionary ----------------------------------------------------------------------
    def _ingredients_of(self, canonical: str) -> tuple[str, ...]:
        """'naltrexone and bupropion' -> ('naltrexone', 'bupropion'), mapped to our generics."""
        whole = key(canonical)
        if whole in self._generic_by_key:
            return (self._generic_by_key[whole],)
        parts = re.split(r"\s*(?:/|,\s*and\s+|,|\s+and\s+|\s+with\s+|\s*\+\s*)\s*", canonical)
        out = []
        for part in parts:
            part_key = " ".join(t for t in key(part).split() if not is_noise(t))
            if part_key:
                out.append(self._generic_by_key.get(part_key, part_key))
        return tuple(dict.fromkeys(out)) or (whole,)

    def _build_dictionary(self, raw: dict[str, Any]) -> None:
        variants: dict[str, list[str]] = raw["drug_variant_to_canonical"]
        canon: dict[str, dict[str, Any]] = raw["drug_canonical_to_data"]
        ingredients_of = lru_cache(maxsize=None)(self._ingredients_of)
        for variant, canonicals in variants.items():
            if len(variant) > MAX_NAME_CHARS:
                continue  # chemical names; nobody types these on an intake form
            name_key = key(variant)
            if len(name_key) < 4 or name_key in self.curated or not canonicals:
                continue
            if all(is_noise(t) for t in name_key.split()):
                continue
            canonical = canonicals[0]
            ingredients = ingredients_of(canonical)
            data = canon.get(canonical, {})
            self.dictionary[name_key] = Product(
                name=variant,
                ingredients=ingredients,
                classes=self._union(ingredients),
                method="dictionary",
                drugbank_id=data.get("drugbank_id"),
            )

    # -- lookup --------------------------------------------------------------------------
    def lookup(self, name_key: str) -> Product | None:
        return self.curated.get(name_key) or self.dictionary.get(name_key)

    def product(self, name_key: str) -> Product:
        """The product of a key known to be in the lexicon (from its own key lists)."""
        product = self.lookup(name_key)
        if product is None:
            raise KeyError(name_key)
        return product

    def _dictionary_index(self, initial: str) -> NameIndex:
        index = self._initial_index.get(initial)
        if index is None:  # a race between threads builds the same index twice: harmless
            index = self._initial_index.setdefault(initial, NameIndex(self._by_initial.get(initial, [])))
        return index

    def dictionary_bucket(self, query: str, spread: int) -> list[str]:
        """Dictionary names with the query's first letter, ``spread`` letters longer or
        shorter at most, by length."""
        return self._dictionary_index(query[0]).window(query, spread)

    def dictionary_near(self, query: str, spread: int, min_ratio: float) -> list[str]:
        """The names of ``dictionary_bucket`` that may reach ``fuzz.ratio >= min_ratio``."""
        return self._dictionary_index(query[0]).near(query, spread, min_ratio=min_ratio)

    def describe(self, classes: tuple[str, ...]) -> str:
        return self.class_labels.get(classes[0], classes[0]) if classes else ""


def _load_yaml(path: Path) -> LexiconFile:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise LexiconError(f"{path}: cannot read: {err}") from None
    try:
        return LexiconFile.model_validate(raw)
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise LexiconError(f"{path}: {where}: {first['msg']}") from None


DICTIONARY_PACKAGE = "drug_named_entity_recognition"
DICTIONARY_FILE = "drug_ner_dictionary.pkl.bz2"


def dictionary_path() -> Path:
    """Where the package keeps its data file, found without importing the package: its
    ``__init__`` imports the finder, which loads the data a second time and reads a cache
    pickle from the home folder."""
    spec = importlib.util.find_spec(DICTIONARY_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise LexiconError(f"package {DICTIONARY_PACKAGE} is not installed (see requirements.txt)")
    return Path(next(iter(spec.submodule_search_locations))) / DICTIONARY_FILE


def load_dictionary() -> dict[str, Any]:
    """The drug-named-entity-recognition data file (~107,000 names), read directly."""
    with bz2.open(dictionary_path(), "rb") as data:
        loaded: dict[str, Any] = pickle.load(data)  # noqa: S301 - trusted package data, never user input
    return loaded


def load_structure_classes(path: Path = STRUCTURE_CLASSES_FILE) -> dict[str, str]:
    """canonical dictionary name -> class, as written by ``python -m rules.build_structure_classes``."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return {name: entry["class"] for name, entry in raw["drugs"].items()}
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise LexiconError(f"{path}: cannot read: {err}") from None


def load_lexicon(path: Path = DRUGS_FILE, *, with_dictionary: bool = True,
                 overlay: Overlay | None = None) -> Lexicon:
    data = _load_yaml(path)
    origins: dict[int, str] = {}
    if overlay is not None:
        data, origins = overlay.apply_to_lexicon(data, str(path))
    if not with_dictionary:
        return Lexicon(data, str(path), None, origins)
    return Lexicon(data, str(path), load_dictionary(), origins, load_structure_classes())


__all__ = ["Lexicon", "LexiconError", "Product", "load_lexicon", "tokens"]
