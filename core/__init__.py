"""The bottom layer: vocabularies and data shapes every other layer imports.

Nothing here imports from ``forms``, ``rules``, ``store``, ``exports`` or the pages, and
this package's ``__init__`` imports nothing, so ``core.vocab`` and ``core.evidence`` (the
standard library only) stay cheap for export worker processes.
"""
