"""The browser code of the intake's widgets, fetched while the patient reads the first page.

Streamlit's browser code for each kind of widget is a separate file, fetched and compiled the
first time such a widget appears. After the welcome page the first step has text, date and
checkbox fields (about 300 KB of script, including the date field's calendar): fetching and
compiling them was most of the wait between Start and step 1. The first page asks the
browser to import those files once that page is drawn and the browser idle, so they are ready
when the steps need them.

Not before the page is drawn: in a fresh browser the first page's own widget code (radio,
button) is still arriving when this script runs, and importing ~300 KB of other code beside
it delayed the Start button by ~0.1-0.2 s. So the script waits until the app is idle and the
page's primary button (Start, Continue) is on screen, then for a frame and an idle moment
(at most 4 s in all, so a page without such a button still gets the files).

The files are named with a content hash (``DateInput.BHx02NDa.js``), found here in the
installed Streamlit once per process; ``tests/test_app_intake_speed.py`` fails if a widget's
file is not found (e.g. after a Streamlit upgrade renamed it).
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import streamlit as st

# The kinds of widget the intake's steps use beyond the welcome page's radio and buttons.
WIDGETS = ("Progress", "TextInput", "DateInput", "Checkbox", "NumberInput", "TextArea")

_JS = """
<script>
(function () {
  if (window.__intakePrefetch) { return; }
  window.__intakePrefetch = 'started';
  const files = %s;
  const main = document.querySelector('script[type="module"][src*="/static/js/"]');
  if (!main) { window.__intakePrefetch = 'no-base'; return; }
  const base = main.src.slice(0, main.src.lastIndexOf('/') + 1);
  function go() {
    window.__intakePrefetch = 'fetching';
    window.__intakePrefetchAt = performance.now();
    files.reduce((done, file) => done.then(() => import(base + file).catch(() => null)),
                 Promise.resolve()).then(() => { window.__intakePrefetch = 'done'; });
  }
  function idle() {
    if ('requestIdleCallback' in window) { requestIdleCallback(go, {timeout: 1000}); }
    else { setTimeout(go, 200); }
  }
  const since = performance.now();
  (function drawn() {
    const app = document.querySelector('[data-testid="stApp"]');
    const shown = app && app.dataset.testScriptState === 'notRunning' && document.querySelector(
      '[data-testid="stMain"] [data-testid="stBaseButton-primary"]');
    if (shown || performance.now() - since > 3000) { requestAnimationFrame(idle); }
    else { setTimeout(drawn, 50); }
  })();
})();
</script>
"""


def static_js() -> Path:
    return Path(st.__file__).parent / "static" / "static" / "js"


@functools.cache
def widget_files() -> tuple[str, ...]:
    """The installed Streamlit's file for each widget in WIDGETS (missing ones left out)."""
    found = []
    for widget in WIDGETS:
        found += sorted(f.name for f in static_js().glob(f"{widget}.*.js") if f.name.count(".") == 2)
    return tuple(found)


def widget_code() -> None:
    """At the foot of a first page (welcome, resume, invitation); the browser imports the
    files once per page load, however often the page reruns."""
    st.html(_JS % json.dumps(list(widget_files())), unsafe_allow_javascript=True)
