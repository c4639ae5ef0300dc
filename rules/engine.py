"""Everything the rules need, loaded once per process: lexicon, catalogue, resolver."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from forms.models import Screening
from rules.catalogue import CATALOGUE_FILE, CatalogueFile, load_catalogue, watched_classes
from rules.evaluator import Evaluation, evaluate
from rules.lexicon import DRUGS_FILE, Lexicon, load_lexicon
from rules.resolver import Resolution, Resolver


@dataclass(frozen=True)
class Engine:
    lexicon: Lexicon
    catalogue: CatalogueFile
    resolver: Resolver

    @property
    def version(self) -> str:
        """Stored with every screening: which rules and which drug table judged it."""
        return f"rules-{self.catalogue.version}+drugs-{self.lexicon.version}"

    def resolve(self, text: str) -> Resolution:
        return self.resolver.resolve(text)

    def evaluate(self, screening: Screening) -> Evaluation:
        return evaluate(screening, self.catalogue, self.resolver.resolve, self.version)


def build_engine(
    drugs_file: Path = DRUGS_FILE,
    catalogue_file: Path = CATALOGUE_FILE,
    *,
    with_dictionary: bool = True,
) -> Engine:
    lexicon = load_lexicon(drugs_file, with_dictionary=with_dictionary)
    catalogue = load_catalogue(set(lexicon.class_labels), catalogue_file)
    resolver = Resolver(lexicon, watched_classes(catalogue))
    return Engine(lexicon, catalogue, resolver)


_lock = threading.Lock()
_engine: Engine | None = None


def get_engine() -> Engine:
    """The process-wide engine (about 1.5 s to build, then shared read-only)."""
    global _engine
    with _lock:
        if _engine is None:
            _engine = build_engine()
        return _engine
