"""The staff pages' readable forms of answers, flags and times: defined in ``forms.readable``
(the printed chart summary in ``exports`` uses the same)."""

from forms.readable import answer_text, clinic_time, flagged_codes

__all__ = ["answer_text", "clinic_time", "flagged_codes"]
