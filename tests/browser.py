"""Real-browser test support: a Streamlit server on a free loopback port and Debian's
chromium driven by Playwright. Started and stopped by the tests themselves, bounded in time.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from forms.definition import QUESTIONS_BY_CODE
from tests.conftest import ROOT

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic"]
START_TIMEOUT_S = 90
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    url: str
    database_url: str
    log_path: Path
    process: subprocess.Popen

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def start_server(tmp: Path, database_url: str, extra_env: dict | None = None, *,
                 port: int | None = None, extra_args: Sequence[str] = ()) -> Server:
    """``port``: when the test must know it first (an OIDC redirect URI); ``extra_args``:
    more ``streamlit run`` options (e.g. ``--secrets.files``)."""
    port = port or free_port()
    log_path = tmp / f"server-{port}.log"
    env = {**os.environ, "DATABASE_URL": database_url, **(extra_env or {})}
    cmd = [sys.executable, "-m", "app_pages.serve", "run", "screening_app.py",  # as scripts/start.sh
           "--server.headless", "true", "--server.address", "127.0.0.1",
           "--server.port", str(port), "--browser.gatherUsageStats", "false",
           "--logger.level", "info", *extra_args]
    with log_path.open("wb") as log:
        process = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited early:\n{log_path.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                if resp.read() == b"ok":
                    return Server(url, database_url, log_path, process)
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError(f"streamlit did not answer within {START_TIMEOUT_S}s")


# Every patient detail the browser tests type: none may ever reach a server log.
PATIENT_DATA_IN_TESTS = ("Marisol", "Quintanilla", "1985-06-15", "06/15/1985", "Quentin",
                         "Urgentson", "Violetta", "Henrietta", "Lacks-Mirror", "Kiro",
                         "klonapin", "Xanax", "Lamictal")


def stop_server(server: Server) -> None:
    """Stop the server, then check its whole log holds no patient data."""
    server.process.terminate()
    try:
        server.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait(timeout=15)
    log = server.log()
    leaked = [secret for secret in PATIENT_DATA_IN_TESTS if secret in log]
    assert not leaked, f"patient data in the server log {server.log_path}: {leaked}"


@pytest.fixture(scope="module")
def browser() -> Iterator:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} missing: run scripts/ensure-chromium.sh (scripts/test.sh does)")
    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def fresh_database_url(tmp: Path, name: str) -> str:
    """A new empty database: on the test PostgreSQL server when PG_ADMIN_URL is set
    (scripts/with-postgres.sh), else a SQLite file."""
    admin = os.environ.get("PG_ADMIN_URL")
    if not admin:
        return f"sqlite:///{tmp / (name + '.sqlite3')}"
    from sqlalchemy import create_engine, text

    dbname = f"{name}_{uuid.uuid4().hex[:10]}"
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{dbname}"'))
    engine.dispose()
    return admin.rsplit("/", 1)[0] + "/" + dbname


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("browser")
    srv = start_server(tmp, fresh_database_url(tmp, "browser"))
    yield srv
    stop_server(srv)


def open_page(browser, **options):
    """A new browser page (every test opens its pages here)."""
    return browser.new_page(**options)


# Streamlit's front end marks a run only once the server says it has started: right after
# a click the app still reads idle (data-test-script-state='notRunning'). So the page keeps
# its own record: how many runs it has shown (a MutationObserver on that attribute), when it
# last sent the server a message and when the server last answered. ``act`` notes the count,
# acts, and waits until the app is idle again and either a run started after the action, or
# the server answered the action's message and has been silent for SETTLE_MS (a run drawn
# in a single frame never shows as running). An action that sent nothing (it changed
# nothing) is done once the page has been quiet for QUIET_MS.
SETTLE_MS = 500
QUIET_MS = 3000
_MARK = """() => {
  const app = document.querySelector("[data-testid='stApp']");
  if (!app) return null;
  if (window.__stRuns === undefined) {
    const watch = {count: 0, lastSend: 0, lastReceive: 0, state: app.dataset.testScriptState,
                   sockets: new WeakSet()};
    new MutationObserver(() => {
      const state = app.dataset.testScriptState;
      if (state !== 'notRunning' && watch.state === 'notRunning') watch.count++;
      watch.state = state;
    }).observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
    const send = WebSocket.prototype.send;
    WebSocket.prototype.send = function (...args) {
      if (!watch.sockets.has(this)) {
        watch.sockets.add(this);
        this.addEventListener('message', () => { watch.lastReceive = performance.now(); });
      }
      watch.lastSend = performance.now();
      return send.apply(this, args);
    };
    window.__stRuns = watch;
  }
  window.__stRuns.mark = [window.__stRuns.count, performance.now()];
  return window.__stRuns.mark;
}"""
_RAN = """([mark, settle, quiet]) => {
  const app = document.querySelector("[data-testid='stApp']");
  if (!app || app.dataset.testScriptState !== 'notRunning') return false;
  const watch = window.__stRuns;
  if (watch === undefined) return true;  // a new page load, and its first run is done
  const [since, start] = mark || watch.mark;
  const now = performance.now();
  if (watch.count > since) return true;
  if (watch.lastSend > start) {  // the action reached the server: wait for its answer
    return watch.lastReceive > watch.lastSend && now - watch.lastReceive > settle;
  }
  return now - start > quiet;
}"""


def wait_idle(page, timeout: float = 90_000) -> None:
    """Wait until the app has run since the last wait (or ``act``) on this page and is idle
    again; after ``page.goto``, until its first run is done. Prefer ``act`` for actions:
    it notes the run count right before acting."""
    if page.evaluate("() => window.__stRuns === undefined"):
        page.wait_for_selector(IDLE, timeout=timeout)
    else:
        page.wait_for_function(_RAN, arg=[None, SETTLE_MS, QUIET_MS], timeout=timeout)
    page.evaluate(_MARK)


def act(page, action: Callable[[], object], timeout: float = 90_000) -> None:
    """Do something that makes the app run (a click, typing then Tab) and wait until that
    run has finished."""
    mark = page.evaluate(_MARK)
    action()
    if mark is None:  # no app on the page yet
        page.wait_for_selector(IDLE, timeout=timeout)
    else:
        page.wait_for_function(_RAN, arg=[mark, SETTLE_MS, QUIET_MS], timeout=timeout)
    page.evaluate(_MARK)  # the action may have loaded a new page: watch that one too


# -- driving the intake ---------------------------------------------------------------------
# Like the xanax_lamictal_bipolar vignette, with a name we can look for in the logs.
FIRST, LAST, DOB, DOB_TYPED = "Marisol", "Quintanilla", "1985-06-15", "06/15/1985"
ANSWERS = {
    "sex_at_birth": "female", "pregnant": "no", "breastfeeding": "no",
    "bipolar_disorder": "yes", "mania_current": "no", "psychosis_current": "no",
    "psychosis_history": "no", "suicidal_thoughts": "none", "suicide_attempt_past_year": "no",
    "cognitive_disorder": "no", "substance_problem_current": "no",
    "substance_problem_history": "no", "ketamine_recreational_history": "no",
    "cannabis_use": "none", "high_blood_pressure": "no", "aneurysm_or_avm": "no",
    "brain_bleed_history": "no", "raised_brain_pressure": "no", "thyroid_disease": "none",
    "glaucoma": "no", "liver_disease": "no", "bladder_pain_or_cystitis": "no",
    "sleep_apnea": "none", "seizures": "no", "ketamine_reaction": "no",
    "escort_arranged": "yes", "will_drive_after": "no",
}
STEP_CODES = {
    "mental_health": ["bipolar_disorder", "mania_current", "psychosis_current", "psychosis_history",
                      "suicidal_thoughts", "suicide_attempt_past_year", "cognitive_disorder"],
    "substances": ["substance_problem_current", "substance_problem_history",
                   "ketamine_recreational_history", "cannabis_use"],
    "cardiovascular": ["high_blood_pressure", "aneurysm_or_avm", "brain_bleed_history",
                       "raised_brain_pressure"],
    "other_health": ["thyroid_disease", "glaucoma", "liver_disease", "bladder_pain_or_cystitis",
                     "sleep_apnea", "seizures", "ketamine_reaction"],
    "visit": ["escort_arranged", "will_drive_after"],
}


SHOTS = Path(os.environ["SCREENSHOT_DIR"]) if os.environ.get("SCREENSHOT_DIR") else None


def shot(page, name: str) -> None:
    if SHOTS:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"  # scripts/ensure-npm.sh installs it


def axe_violations(page) -> list[dict]:
    """axe-core's serious and critical violations on the page as it is now."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
    }""")
    return [v for v in result if v["impact"] in ("serious", "critical")]


def fill(page, key: str, value: str) -> None:
    fill_nth(page, page.locator(f".st-key-{key} input").first, value)


def fill_nth(page, box, value: str) -> None:
    """Type into one located text box, then Tab (the app runs on leaving the box)."""

    def typed() -> None:
        box.fill(value)
        box.press("Tab")

    act(page, typed)


def fill_date(page, key: str, mm_dd_yyyy: str) -> None:
    """Streamlit's date field is three spin buttons: type the digits from the month on."""

    def typed() -> None:
        page.locator(f".st-key-{key} [data-type='month']").click()
        page.keyboard.type(mm_dd_yyyy.replace("/", ""))
        page.keyboard.press("Tab")
        page.keyboard.press("Escape")  # close the calendar pop-up if focus opened it

    act(page, typed)


def choose(page, code: str, value: str, language: str = "en") -> None:
    from forms.i18n import Text

    label = Text(language).option(QUESTIONS_BY_CODE[code], value)
    act(page, page.locator(f".st-key-q_{code}").get_by_text(label, exact=True).click)


def tick(page, key: str) -> None:
    act(page, page.locator(f".st-key-{key} label").first.click)


def press(page, key: str) -> None:
    act(page, page.locator(f".st-key-{key} button").click)


def expect_step(page, number: int, title: str) -> None:
    from playwright.sync_api import expect

    expect(page.get_by_text(f"Step {number} of 9: {title}")).to_be_visible(timeout=20_000)




def submit_intake(page, url: str, first: str, last: str, overrides: dict | None = None,
                  meds: tuple[str, ...] = ()) -> None:
    """A whole intake through the UI, no pauses: for tests that need a submitted screening."""
    answers = {**ANSWERS, **(overrides or {})}
    page.goto(url)
    wait_idle(page, timeout=90_000)
    press(page, "start")
    fill(page, "q_first_name", first)
    fill(page, "q_last_name", last)
    fill_date(page, "q_date_of_birth", DOB_TYPED)
    for code in ("sex_at_birth", "pregnant", "breastfeeding"):
        choose(page, code, answers[code])
    press(page, "next")
    for code in STEP_CODES["mental_health"]:
        choose(page, code, answers[code])
    press(page, "next")
    finish_intake(page, first, last, answers, meds)


def finish_intake(page, first: str, last: str, answers: dict, meds: tuple[str, ...] = ()) -> None:
    """The rest of an intake from step 3 (substances, on screen) to the confirmation."""
    from playwright.sync_api import expect

    for step in ("substances", "cardiovascular", "other_health"):
        for code in STEP_CODES[step]:
            choose(page, code, answers[code])
        if step == "substances":
            fill(page, "q_alcohol_drinks_per_week", "2")
        if step == "cardiovascular":
            tick(page, "q_heart_conditions__none")
        press(page, "next")
    if meds:
        names = page.locator("[class*='st-key-med_name_'] input")
        for i, med in enumerate(meds):
            if i:
                press(page, "add_med")  # the row typed before closes to one line of text
            fill_nth(page, names.last, med)
    else:
        tick(page, "q_takes_no_medications")
    press(page, "next")
    press(page, "next")
    for code in STEP_CODES["visit"]:
        choose(page, code, answers[code])
    press(page, "next")
    tick(page, "q_fasting_understood")
    tick(page, "q_consent_accurate")
    fill(page, "q_signature_name", f"{first} {last}")
    press(page, "submit")
    expect(page.get_by_text("Your answers were sent")).to_be_visible(timeout=30_000)


BUSY_MS = 120_000  # a generous wait for a condition (never a sleep): the machine may be busy


def sign_in(page, url: str, username: str, password: str) -> None:
    page.goto(f"{url}/staff")
    wait_idle(page, timeout=BUSY_MS)
    page.locator(".st-key-login_username input").fill(username)
    page.locator(".st-key-login_password input").fill(password)
    act(page, page.get_by_role("button", name="Sign in").click, timeout=BUSY_MS)
