"""What keeps the patient side fast, in AppTest: the timing log (SCREENING_TIMING_LOG),
the resume link without a code block, the medicine list redrawn on its own."""

from __future__ import annotations

import logging
import re

import pytest

from tests.apptest_helpers import click_next, fill_step, new_app
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
