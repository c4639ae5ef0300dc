"""Words staff pages show for stored codes, in one place."""

DECISIONS = {
    "cleared": "Cleared for treatment",
    "cleared_with_conditions": "Cleared with conditions",
    "needs_follow_up": "Needs follow-up",
    "not_a_candidate": "Not a candidate",
}
REVIEW_STATUSES = {"unreviewed": "Not reviewed yet", **DECISIONS}
SEVERITY_TITLES = {"defer": "Defer: contraindication", "review": "Review before treatment",
                   "adjust": "Adjust medication with the prescriber", "info": "For the chart"}
SEVERITY_BADGES = {"defer": ":red-background[DEFER]", "review": ":orange-background[REVIEW]",
                   "adjust": ":violet-background[ADJUST]", "info": ":blue-background[INFO]",
                   "none": ":gray-background[NO FLAGS]"}
CONTACT_CHANNELS = {"phone": "Phone call", "sms": "Text message", "email": "Email",
                    "in_person": "In person", "voicemail": "Left a voicemail"}
