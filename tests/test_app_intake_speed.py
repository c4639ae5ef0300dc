"""What keeps the patient side fast, in AppTest: the timing log (SCREENING_TIMING_LOG),
the resume link without a code block, the medicine list redrawn on its own."""

from __future__ import annotations

import logging
import os
import re

import pytest

from tests.apptest_helpers import click_next, errors, fill_step, new_app
from tests.conftest import CLEAN_ANSWERS

LINE = re.compile(r"intake timing: (run|fragment) screen=(\w+)(?: meds=(\d+))? cpu_ms=([\d.]+) "
                  r"wall_ms=([\d.]+) callback=(\S+) callback_cpu_ms=([\d.]+) callback_wall_ms=([\d.]+)$")


@pytest.fixture(autouse=True)
def fresh_database(store_db):
    return store_db


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@pytest.fixture
def timing_log(monkeypatch):
    monkeypatch.setenv("SCREENING_TIMING_LOG", "1")
    handler = Lines()
    logger = logging.getLogger("screening.timing")
    logger.addHandler(handler)
    yield handler.lines
    logger.removeHandler(handler)


def test_each_run_logs_its_screen_and_times_but_no_answer(timing_log):
    at = new_app()
    at.button(key="start").click().run()
    fill_step(at, CLEAN_ANSWERS)
    click_next(at)
    parsed = [LINE.match(line) for line in timing_log]
    assert all(parsed), timing_log
    screens = [(m.group(1), m.group(2), m.group(6)) for m in parsed]
    assert screens[0] == ("run", "welcome", "-")
    assert ("run", "about", "on_start") in screens
    assert screens[-1] == ("run", "mental_health", "on_next")
    assert all(float(m.group(4)) > 0 and float(m.group(5)) >= 0 for m in parsed)
    log = "\n".join(timing_log)
    for answer in (CLEAN_ANSWERS["first_name"], CLEAN_ANSWERS["last_name"], "1985"):
        assert answer not in log


def test_no_timing_log_unless_asked(monkeypatch):
    monkeypatch.delenv("SCREENING_TIMING_LOG", raising=False)
    handler = Lines()
    logging.getLogger("screening.timing").addHandler(handler)
    try:
        at = new_app()
        at.button(key="start").click().run()
    finally:
        logging.getLogger("screening.timing").removeHandler(handler)
    assert handler.lines == []


def test_resume_link_is_a_plain_link_not_a_code_block():
    at = new_app()
    at.button(key="start").click().run()
    fill_step(at, CLEAN_ANSWERS)
    click_next(at)
    token = at.session_state["intake"].token
    assert token
    links = [m.value for m in at.markdown if f"?resume={token})" in m.value]
    assert len(links) == 1 and links[0].startswith("[")
    assert not at.code  # the code block's highlighter cost a phone over a second per step
    assert "Need a break? Save your link" in [e.label for e in at.expander]
    assert CLEAN_ANSWERS["first_name"] not in links[0]


def _medicines_step():
    from forms.intake_state import IntakeState

    at = new_app()
    at.session_state["intake"] = IntakeState(step=5)
    at.run()
    return at


def _boxes(at) -> set[str]:
    return {t.key for t in at.text_input if t.key.startswith("med_")}


def test_filled_medicine_rows_collapse_to_one_line_with_edit_and_remove():
    at = _medicines_step()
    first = at.session_state["intake"].meds[0].id
    at.text_input(key=f"med_name_{first}").input("Xanax 0.5mg")
    at.text_input(key=f"med_dose_{first}").input("0.5 mg")
    at.radio(key=f"med_status_{first}").set_value("past")
    at.button(key="add_med").click().run()
    second = at.session_state["intake"].meds[1].id
    # only the new row has input boxes; the first is text saying what was typed and read
    assert _boxes(at) == {f"med_{f}_{second}" for f in ("name", "dose", "frequency")}
    line = next(m.value for m in at.markdown if "Xanax" in m.value)
    assert "**1. Xanax 0\\.5mg**" in line and "0\\.5 mg" in line and "I used to take it" in line
    assert "We understood: alprazolam" in line
    assert {b.key for b in at.button} >= {f"med_edit_{first}", f"med_remove_{first}"}
    # Edit opens it again with what was typed; the blank new row stays open too
    at.button(key=f"med_edit_{first}").click().run()
    assert at.text_input(key=f"med_name_{first}").value == "Xanax 0.5mg"
    assert at.text_input(key=f"med_dose_{first}").value == "0.5 mg"
    assert at.radio(key=f"med_status_{first}").value == "past"
    at.text_input(key=f"med_name_{first}").input("Zoloft").run()
    at.button(key=f"med_done_{first}").click().run()
    assert f"med_name_{first}" not in _boxes(at)
    assert any("**1. Zoloft**" in m.value and "We understood: sertraline" in m.value
               for m in at.markdown)
    assert at.session_state["intake"].medications() == [
        {"name": "Zoloft", "dose": "0.5 mg", "frequency": "", "status": "past"}]


def test_a_collapsed_row_with_a_problem_opens_where_it_is_fixed():
    at = _medicines_step()
    first = at.session_state["intake"].meds[0].id
    at.text_input(key=f"med_name_{first}").input("x" * 201)
    at.button(key="add_med").click().run()
    assert f"med_name_{first}" not in _boxes(at)
    click_next(at)
    assert at.session_state["intake"].step == 5
    assert at.text_input(key=f"med_name_{first}").value == "x" * 201  # open, with its problem
    assert len(errors(at)) == 1


def test_patient_text_in_a_collapsed_row_is_shown_as_text_not_markup():
    at = _medicines_step()
    first = at.session_state["intake"].meds[0].id
    at.text_input(key=f"med_name_{first}").input("[click](http://evil.test) <b>x</b>")
    at.text_input(key=f"med_frequency_{first}").input("**twice**")
    at.button(key="add_med").click().run()
    line = next(m.value for m in at.markdown if "evil" in m.value)
    assert "\\[click\\]\\(http://evil\\.test\\) \\<b\\>x\\</b\\>" in line
    assert "\\*\\*twice\\*\\*" in line


def test_back_on_the_medicines_step_every_filled_row_is_a_line():
    at = _medicines_step()
    first = at.session_state["intake"].meds[0].id
    at.text_input(key=f"med_name_{first}").input("sertraline").run()
    click_next(at)
    assert at.session_state["intake"].step == 6
    at.button(key="back").click().run()
    assert at.session_state["intake"].step == 5
    assert _boxes(at) == set()
    assert any("**1. sertraline**" in m.value for m in at.markdown)
    click_next(at)  # nothing typed is lost by the rows being text
    assert at.session_state["intake"].medications()[0]["name"] == "sertraline"


def _loaded_after(lines: list[str]) -> set[str]:
    """The modules loaded by running these import statements in a fresh interpreter."""
    import subprocess
    import sys

    from tests.conftest import ROOT

    code = "\n".join([*lines, "import sys", "print(' '.join(sorted(sys.modules)))"])
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         check=True, timeout=120).stdout
    return set(out.split())


def _first_page_imports() -> list[str]:
    """The top-level import statements of screening_app.py and app_pages/intake.py (the
    imports inside functions are the lazy ones)."""
    import ast

    from tests.conftest import ROOT

    lines: list[str] = []
    for script in ("screening_app.py", "app_pages/intake.py"):
        tree = ast.parse((ROOT / script).read_text())
        lines.extend(ast.unparse(node) for node in tree.body
                     if isinstance(node, ast.Import)
                     or (isinstance(node, ast.ImportFrom) and node.module != "__future__"))
    assert any("app_pages.auth" in line for line in lines)
    assert any("intake_state" in line for line in lines)
    return lines


HEAVY = {"sqlalchemy", "store", "rules", "services", "rapidfuzz", "pandas"}


def test_the_first_patient_page_imports_no_database_or_rules_code():
    """After a restart the first page's run imports what screening_app.py and the intake page
    import at their top: none of it may pull in SQLAlchemy, the store or the rules engine
    (about a second of CPU before the welcome page, once app_pages.auth did)."""
    loaded = _loaded_after(_first_page_imports())
    assert {m.split(".")[0] for m in loaded} & HEAVY == set()


def test_the_server_launcher_imports_what_the_first_page_imports():
    """app_pages.serve (scripts/start.sh) imports the first page's modules before the first
    patient arrives: every project module the first page loads, and nothing heavy."""
    from app_pages import serve

    first_page = _loaded_after(_first_page_imports())
    launcher = _loaded_after([f"import {name}" for name in serve.FIRST_PAGE])
    ours = {m for m in first_page if m.split(".")[0] in ("app_pages", "forms", "core")}
    assert ours and ours <= launcher, sorted(ours - launcher)
    assert {m.split(".")[0] for m in launcher} & HEAVY == set()


def test_the_launcher_imports_what_an_invitation_links_first_run_needs():
    """An invitation link's page looks up its language in the store before drawing: the
    launcher imports that code too (not a connection), and still not the rules engine."""
    from app_pages import serve

    launcher = _loaded_after([f"import {name}" for name in (*serve.FIRST_PAGE,
                                                            *serve.INVITATION_LINK)])
    link = _loaded_after(["from app_pages import services",
                          "from store import invitations",
                          "invitations.invitation_language"])
    assert "store.invitations" in link and link <= launcher, sorted(link - launcher)
    assert {m.split(".")[0] for m in launcher} & HEAVY == {"store", "sqlalchemy"}


def test_the_launcher_pays_streamlits_one_time_costs_before_the_first_page(tmp_path):
    """app_pages.serve also pays, before the server starts, what Streamlit itself did on the
    first page's run: importing streamlit.emojis for the page icon (~30 ms) and the
    inspect.stack() of its "not run with streamlit run" check (~25 ms); and it freezes what it
    imported, so the collection after every run skips it. Here, after the launcher's
    preparation, checking the page icon imports nothing and the check never walks the stack
    (it would fail, e.g., if a Streamlit upgrade renamed the flag the launcher sets)."""
    import subprocess
    import sys

    from tests.conftest import ROOT

    code = """
import gc, inspect, sys
from app_pages import serve
serve.prepare()
assert gc.get_freeze_count() > 10_000, gc.get_freeze_count()
module, name = serve.STREAMLIT_LISTENER
assert getattr(sys.modules[module], name).without_delay
def refuse(*args, **kwargs):
    raise AssertionError("inspect.stack() on a page run")
inspect.stack = refuse
from streamlit import delta_generator, string_util
before = set(sys.modules)
assert string_util.is_emoji(sys.argv[1])
delta_generator._maybe_print_use_warning()
print(sorted(set(sys.modules) - before))
"""
    icon = (ROOT / "screening_app.py").read_text().split('page_icon="', 1)[1].split('"', 1)[0]
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'launch.sqlite3'}"}
    out = subprocess.run([sys.executable, "-c", code, icon], cwd=ROOT, capture_output=True,
                         text=True, timeout=120, env=env)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("reachable", [True, False])
def test_the_launcher_opens_the_database_and_starts_without_it(tmp_path, reachable):
    """The launcher opens DATABASE_URL before the first patient (an invitation link's first
    page reads it); a database it cannot open yet is logged, without its URL, and the
    launcher goes on (the pages open it when they need it)."""
    import subprocess
    import sys

    from tests.conftest import ROOT

    url = (f"sqlite:///{tmp_path / 'db' / 'launch.sqlite3'}" if reachable
           else "postgresql+psycopg://screening:s3cret@127.0.0.1:1/nowhere")
    out = subprocess.run([sys.executable, "-c", "from app_pages import serve; serve.prepare()"],
                         cwd=ROOT, capture_output=True, text=True, timeout=120,
                         env={**os.environ, "DATABASE_URL": url})
    assert out.returncode == 0, out.stderr[-2000:]
    if reachable:
        assert (tmp_path / "db" / "launch.sqlite3").is_file()
        assert "not opened" not in out.stderr
    else:
        assert "database not opened at start (OperationalError)" in out.stderr
        assert "s3cret" not in out.stderr and "nowhere" not in out.stderr


def test_the_servers_connections_send_without_delay():
    """Streamlit's listening socket, as the launcher has it made: the connections it accepts
    have Nagle's algorithm off (without it, every response after the first on a kept-alive
    connection waited ~40 ms for the browser's delayed acknowledgement)."""
    import importlib
    import socket

    from app_pages import serve

    module, name = serve.STREAMLIT_LISTENER
    bind = getattr(importlib.import_module(module), name)  # fails if an upgrade renamed it
    listener = serve.without_delay(bind)("127.0.0.1", 0, 8)
    with listener, socket.create_connection(listener.getsockname()[:2], timeout=5):
        listener.settimeout(5)
        accepted, _ = listener.accept()
        with accepted:
            assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)


def test_background_work_begins_after_the_first_page_has_had_time_to_draw(monkeypatch):
    import time

    from app_pages import services

    monkeypatch.setattr(services, "START_AFTER_S", 0.3)
    began: list[float] = []
    start = time.monotonic()
    thread = services._in_background("test", lambda: began.append(time.monotonic() - start))
    assert not began  # returned at once: the run that starts it is not held up
    thread.join(timeout=10)
    assert began and began[0] >= 0.3


def test_the_welcome_page_has_the_browser_fetch_the_steps_widget_code():
    from app_pages import prefetch

    files = prefetch.widget_files()
    # each widget's file is found in the installed Streamlit (a rename fails here, not silently)
    assert [name.split(".")[0] for name in files] == list(prefetch.WIDGETS)
    assert all((prefetch.static_js() / name).is_file() for name in files)
    at = new_app()
    [script] = [h.body for h in at.html if "__intakePrefetch" in str(h.body)]
    assert all(f'"{name}"' in script for name in files)
    at.button(key="start").click().run()
    assert not [h for h in at.html if "__intakePrefetch" in str(h.body)]  # first pages only


def test_the_review_page_shows_each_section_as_one_block_of_text():
    from forms.steps import STEPS
    from tests.apptest_helpers import complete_intake, texts

    at = new_app()
    complete_intake(at, {**CLEAN_ANSWERS, "takes_no_medications": False,
                         "medications": [{"name": "sertraline", "dose": "50 mg"}]}, submit=False)
    assert at.session_state["intake"].on_review
    # one markdown per section (plus its title), not one per answer: ~35 elements fewer
    assert len(at.markdown) <= 2 * (len(STEPS) - 1) + 4, len(at.markdown)  # + the resume link
    shown = texts(at)
    for text in ("First name", CLEAN_ANSWERS["first_name"], "sertraline (50 mg), now"):
        assert text in shown


def test_a_patient_waiting_for_the_drug_dictionary_is_told_in_their_language(monkeypatch):
    """The first patient after a restart may reach the medicines before the background
    warm-up has built the engine: the spinner meanwhile is in their language, and once the
    engine is there no spinner is started at all."""
    import contextlib

    from app_pages import services

    shown: list[str] = []

    @contextlib.contextmanager
    def spinner(text: str, **_: object):
        shown.append(text)
        yield

    monkeypatch.setattr(services.st, "spinner", spinner)
    monkeypatch.setattr(services, "_engine", [])
    loaded = services.engine("es")
    assert shown == ["Cargando…"]
    assert services.engine("es") is loaded and services.engine() is loaded
    assert shown == ["Cargando…"]
    monkeypatch.setattr(services, "_engine", [])
    services.engine()
    assert shown == ["Cargando…", "Loading…"]
