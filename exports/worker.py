"""A worker process of a large export: reads chunks straight through the database driver
and renders them (``exports.reader``, ``exports.render``). Imports nothing else, so that
it starts in a few milliseconds; ``exports.core`` runs the pool."""

from __future__ import annotations

import gc
from typing import Any

from exports.reader import Bounds, Connection, ReadPlan
from exports.render import Renderer, Spec

Rendered = tuple[tuple[str, int], ...]  # (CSV text, rows) of each data file

_state: dict[str, Any] = {}


def init(plan: ReadPlan, spec: Spec) -> None:
    _state.update(plan=plan, connection=Connection(plan), renderer=Renderer(spec))
    # Decoded JSON makes many containers, freed by reference counting, never cycles: the
    # cyclic collector would only re-scan them. This process renders and nothing else;
    # what a chunk leaves behind is collected after it (only objects made since the freeze).
    gc.freeze()
    gc.disable()


def render(bounds: Bounds) -> Rendered:
    try:
        rows, acks = _state["connection"].read(_state["plan"], bounds)
        rendered: Rendered = _state["renderer"].render(rows, acks)
        return rendered
    finally:
        gc.collect()
