"""Words staff pages show for stored codes, in one place."""

DECISIONS = {
    "cleared": "Cleared for treatment",
    "cleared_with_conditions": "Cleared with conditions",
    "needs_follow_up": "Needs follow-up",
    "not_a_candidate": "Not a candidate",
}
REVIEW_STATUSES = {"unreviewed": "Not reviewed yet", **DECISIONS}
