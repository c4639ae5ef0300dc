"""Everything the rules need, loaded once per process: lexicon, catalogue, resolver."""

from __future__ import annotations

import gc
import os
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from forms.checkin import CheckIn
from forms.models import Screening
from rules.catalogue import CATALOGUE_FILE, CatalogueFile, load_catalogue, watched_classes
from rules.checkin import evaluate_checkin
from rules.evaluator import Evaluation, evaluate
from rules.lexicon import DRUGS_FILE, Lexicon, load_lexicon
from rules.overrides import ENV_VAR as OVERRIDES_ENV
from rules.overrides import Overlay, load_overrides
from rules.resolver import Resolution, Resolver


@dataclass(frozen=True)
class Engine:
    lexicon: Lexicon
    catalogue: CatalogueFile
    resolver: Resolver
    overlay: Overlay | None = None

    @property
    def version(self) -> str:
        """Stored with every screening: which rules, drug table and clinic overlay judged it."""
        base = f"rules-{self.catalogue.version}+drugs-{self.lexicon.version}"
        return f"{base}+clinic-{self.overlay.short_hash}" if self.overlay else base

    def resolve(self, text: str) -> Resolution:
        return self.resolver.resolve(text)

    def evaluate(self, screening: Screening) -> Evaluation:
        return evaluate(screening, self.catalogue, self.resolver.resolve, self.version)

    def evaluate_checkin(self, checkin: CheckIn, appointment_at: datetime | None) -> Evaluation:
        """The day-of check-in by the catalogue's ``checkin_rules`` (``rules.checkin``)."""
        return evaluate_checkin(checkin, appointment_at, self.catalogue, self.resolver.resolve,
                                self.version)


def build_engine(
    drugs_file: Path = DRUGS_FILE,
    catalogue_file: Path = CATALOGUE_FILE,
    *,
    with_dictionary: bool = True,
    overrides_file: Path | None = None,
) -> Engine:
    """The engine; ``overrides_file`` is a clinic overlay (see ``rules.overrides``)."""
    overlay = load_overrides(overrides_file) if overrides_file is not None else None
    lexicon = load_lexicon(drugs_file, with_dictionary=with_dictionary, overlay=overlay)
    catalogue = load_catalogue(set(lexicon.class_labels), catalogue_file)
    if overlay is not None:
        catalogue = overlay.apply_to_catalogue(catalogue)
    resolver = Resolver(lexicon, watched_classes(catalogue))
    return Engine(lexicon, catalogue, resolver, overlay)


def overrides_path() -> Path | None:
    """The clinic overlay named by ``RULES_OVERRIDES`` (unset or empty: none)."""
    value = os.environ.get(OVERRIDES_ENV, "").strip()
    return Path(value) if value else None


_lock = threading.Lock()
_engine: Engine | None = None


def get_engine() -> Engine:
    """The process-wide engine (about 1.5 s to build, then shared read-only).

    Once built, the objects alive are moved out of the cycle collector's sight
    (``gc.freeze``): the engine holds over a million long-lived objects (the dictionary's
    names and products), and every full collection walked them all; that was a third of
    the CPU time of reading new medication lines. Frozen objects are still freed by
    reference counting; only cyclic garbage already present at that moment is kept.
    """
    global _engine
    with _lock:
        if _engine is None:
            _engine = build_engine(overrides_file=overrides_path())
            gc.collect()
            gc.freeze()
        return _engine
