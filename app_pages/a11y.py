"""Accessibility on the patient pages: sizes, contrast, and a new step announced.

- Inputs at 16 px (iPhones zoom into smaller inputs), touch targets at least 44 px, help
  text at full opacity in a colour with at least 4.5:1 contrast on white.
- When a step changes, the page scrolls to the top, keyboard focus moves to the step's
  heading and a polite live region says which step began (screen readers).
The browser tests check each of these with axe-core and measured sizes.
"""

from __future__ import annotations

import json

import streamlit as st

from forms.i18n import DEFAULT as DEFAULT_LANGUAGE

# #31333f is Streamlit's text colour (12.6:1 on white); help text at #4a4f5c is 8.1:1.
PATIENT_CSS = """
<style>
.stApp input, .stApp textarea, .stApp [data-baseweb="select"] { font-size: 16px !important; }
.stApp [data-testid="stWidgetLabel"] p, .stApp [data-testid="stMarkdownContainer"] p,
.stApp [data-testid="stMarkdownContainer"] li { font-size: 16px; }
.stApp [data-testid="stCaptionContainer"], .stApp [data-testid="stCaptionContainer"] p {
  color: #4a4f5c !important; opacity: 1 !important; font-size: 15px; }
.stApp [data-testid="stProgress"] p { color: #31333f !important; opacity: 1 !important; }
.stApp button { min-height: 44px; }
.stApp [data-testid="stBaseButton-secondary"], .stApp [data-testid="stBaseButton-primary"],
.stApp [data-testid="stBaseLinkButton-secondary"], .stApp [data-testid="stBaseLinkButton-primary"] {
  min-height: 44px; }
.stApp input { min-height: 44px; }
.stApp label[data-testid="stRadioOption"],
.stApp [data-testid="stCheckbox"] > label { min-height: 44px; align-items: center; }
.stApp [data-testid="stRadioGroup"] { gap: 0 1.25rem; }
.stApp input::placeholder, .stApp textarea::placeholder { color: #5f6470 !important; opacity: 1; }
.step-announcer { position: absolute; width: 1px; height: 1px; overflow: hidden;
  clip: rect(0 0 0 0); white-space: nowrap; }
</style>
"""

_ANNOUNCE_JS = """
<script>
(function () {
  const text = %s;
  let tries = 0;
  function run() {
    const heading = document.querySelector('[data-testid="stMain"] h2');
    if (!heading && tries++ < 40) { return setTimeout(run, 50); }
    for (const el of document.querySelectorAll(
        '[data-testid="stMain"], [data-testid="stAppViewContainer"], ' +
        '[data-testid="stAppScrollToBottomContainer"]')) { el.scrollTop = 0; }
    window.scrollTo(0, 0);
    if (heading) {
      heading.setAttribute('tabindex', '-1');
      heading.focus({preventScroll: true});
    }
    let live = document.getElementById('step-announcer');
    if (!live) {
      live = document.createElement('div');
      live.id = 'step-announcer';
      live.className = 'step-announcer';
      live.setAttribute('role', 'status');
      live.setAttribute('aria-live', 'polite');
      document.body.appendChild(live);
    }
    live.textContent = '';
    setTimeout(function () { live.textContent = text; }, 100);
  }
  run();
})();
</script>
<!-- step %d -->
"""


def patient_styles() -> None:
    st.html(PATIENT_CSS)


def announce_new_step(moves: int, text: str) -> None:
    """On the run that shows a new step only: scroll up, focus the heading, announce it."""
    if st.session_state.get("_announced_move") == moves:
        return
    st.session_state["_announced_move"] = moves
    st.html(_ANNOUNCE_JS % (json.dumps(text), moves), unsafe_allow_javascript=True)


def page_language(language: str) -> None:
    """The page's ``lang`` follows the patient's language, so a screen reader reads Spanish
    with a Spanish voice (WCAG 3.1.1). Nothing is added while a session stays in English."""
    if language == DEFAULT_LANGUAGE and not st.session_state.get("_page_lang_set"):
        return
    st.session_state["_page_lang_set"] = True
    st.html(f"<script>document.documentElement.lang = {json.dumps(language)};</script>",
            unsafe_allow_javascript=True)
