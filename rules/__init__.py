"""Screening rules: the medication lexicon, the rule catalogue as data, a pure evaluator.

Import submodules directly (``rules.engine.get_engine``); importing the package loads
nothing heavy.
"""
