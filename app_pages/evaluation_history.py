"""The evaluation history of one screening, for the detail page: why it is back in the
queue, the flags added and removed since the review, and every rules version that judged
it (with the evaluations that were replaced). Not a page: ``app_pages/screening.py``
calls ``show_evaluation_history`` once.
"""

from __future__ import annotations

import streamlit as st

from app_pages.questions import md_escape
from store import Store
from store.evaluations import EvaluationHistory, FlagDiff, evaluation_history


def _diff_lines(diff: FlagDiff) -> list[str]:
    return ([f"- Added: **{md_escape(f.describe())}**" for f in diff.added]
            + [f"- Removed: {md_escape(f.describe())}" for f in diff.removed]
            + [f"- Changed: **{md_escape(c.describe())}**" for c in diff.changed])


def _previous_flags(flags: list[dict[str, object]]) -> str:
    if not flags:
        return "no flags"
    return ", ".join(f"{f['rule_id']} ({f['severity']}{', urgent' if f.get('urgent') else ''})"
                     for f in flags)


def show_evaluation_history(screening_id: int, store: Store) -> EvaluationHistory:
    history = evaluation_history(screening_id, store=store)
    if history.requeue_reason:
        st.warning(f"**Needs review again.** {md_escape(history.requeue_reason)}",
                   icon=":material/restart_alt:")
    if history.since_review is not None and history.reviewed_at is not None:
        with st.container(border=True, key="changed_since_review"):
            st.markdown(f"**Flags changed since the review of {history.reviewed_at:%Y-%m-%d %H:%M} UTC**"
                        " (the rules were updated and this screening re-evaluated)")
            st.markdown("\n".join(_diff_lines(history.since_review)))
    title = (f"Evaluation history ({len(history.changes)} re-evaluation"
             f"{'s' if len(history.changes) != 1 else ''})" if history.changes
             else "Evaluation history")
    with st.expander(title, expanded=history.since_review is not None):
        st.markdown(f"Judged at submission by rules `{md_escape(history.first_version)}`.")
        for change in history.changes:
            run = f", run {change.run_id}" if change.run_id is not None else ""
            st.markdown(f"**{change.created_at:%Y-%m-%d %H:%M} UTC**: re-evaluated by "
                        f"{md_escape(change.actor)}{run} with rules `{md_escape(change.to_version)}`")
            st.markdown("\n".join(_diff_lines(change.diff)))
            if change.requeue_reason:
                st.caption(f"Sent back to review (was {change.requeued_from}).")
            st.caption("Flags of the replaced evaluation: "
                       + md_escape(_previous_flags(list(change.previous.get("flags", [])))))
        st.markdown(f"Current evaluation: rules `{md_escape(history.current_version)}`.")
    return history
