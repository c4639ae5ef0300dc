"""A full patient intake in a real browser (Playwright + Debian chromium): fill every step,
refresh mid-way and resume with the date of birth, submit, then check the stored screening
and its flags, and that the server log holds no patient data."""

from __future__ import annotations

import pytest

from tests.browser import (
    ANSWERS,
    DOB,
    DOB_TYPED,
    FIRST,
    LAST,
    STEP_CODES,
    act,
    axe_violations,
    choose,
    expect_step,
    fill,
    fill_date,
    fill_nth,
    open_page,
    press,
    shot,
    tick,
    wait_idle,
)

pytestmark = pytest.mark.browser

def test_full_intake_with_refresh_and_resume(browser, server):
    from playwright.sync_api import expect

    import store as db

    page = open_page(browser, viewport={"width": 390, "height": 844})  # a phone
    page.goto(server.url)
    wait_idle(page, timeout=240_000)  # the first run loads the rules engine: slow on a busy machine
    shot(page, "01_welcome")
    press(page, "start")
    expect_step(page, 1, "About you")

    fill(page, "q_first_name", FIRST)
    fill(page, "q_last_name", LAST)
    fill_date(page, "q_date_of_birth", DOB_TYPED)
    choose(page, "sex_at_birth", "female")
    choose(page, "pregnant", "no")
    choose(page, "breastfeeding", "no")
    shot(page, "02_about")
    press(page, "next")
    expect_step(page, 2, "Mental health")
    assert "resume=" in page.url and FIRST not in page.url and DOB not in page.url

    for code in STEP_CODES["mental_health"]:
        choose(page, code, ANSWERS[code])
    press(page, "next")
    expect_step(page, 3, "Alcohol and drugs")

    # A refresh starts a new browser session: the draft comes back after the date of birth.
    page.reload()
    wait_idle(page, timeout=60_000)
    expect(page.get_by_text("Continue your screening")).to_be_visible()
    assert FIRST not in page.content()
    fill_date(page, "resume_dob", "06/16/1985")
    press(page, "resume")
    expect(page.get_by_text("could not open a screening")).to_be_visible()
    assert axe_violations(page) == []  # the resume page is a patient page too (issue 12)
    fill_date(page, "resume_dob", DOB_TYPED)
    press(page, "resume")
    expect_step(page, 3, "Alcohol and drugs")

    for code in STEP_CODES["substances"]:
        choose(page, code, ANSWERS[code])
    fill(page, "q_alcohol_drinks_per_week", "2")
    press(page, "next")
    expect_step(page, 4, "Heart, blood pressure and brain")
    for code in STEP_CODES["cardiovascular"]:
        choose(page, code, ANSWERS[code])
    tick(page, "q_heart_conditions__none")
    press(page, "next")
    expect_step(page, 5, "Other health")
    for code in STEP_CODES["other_health"]:
        choose(page, code, ANSWERS[code])
    press(page, "next")
    expect_step(page, 6, "Medicines")

    names = page.locator("[class*='st-key-med_name_'] input")
    fill_nth(page, names.nth(0), "Xanax 0.5mg prn for panic")
    # Right after a restart the drug dictionary may still be loading in the background
    # (seconds on a quiet machine, longer under load): wait for the feedback, not 5 s.
    expect(page.get_by_text("We understood: alprazolam", exact=False)).to_be_visible(
        timeout=120_000)
    press(page, "add_med")
    # The first row is now one line of text (what was typed, how it was read) with Edit and
    # Remove; only the new row has input boxes.
    expect(names).to_have_count(1)
    first_row = page.locator("[class*='st-key-med_row_']").first
    expect(first_row).to_contain_text("Xanax 0.5mg prn for panic")
    expect(first_row).to_contain_text("We understood: alprazolam")
    fill_nth(page, names.last, "Lamictal 200 mg")
    expect(page.get_by_text("We understood: lamotrigine", exact=False)).to_be_visible()
    shot(page, "06_medications")
    act(page, first_row.get_by_role("button", name="Edit").click)
    expect(names).to_have_count(1)  # the first row open again, the second now a line
    expect(names.first).to_have_value("Xanax 0.5mg prn for panic")
    expect(page.locator("[class*='st-key-med_row_']").last).to_contain_text(
        "We understood: lamotrigine")
    press(page, "next")
    expect_step(page, 7, "Blood pressure, height and weight")
    press(page, "next")  # vitals are optional
    expect_step(page, 8, "Your visit")
    for code in STEP_CODES["visit"]:
        choose(page, code, ANSWERS[code])
    press(page, "next")
    expect_step(page, 9, "Check and sign")
    expect(page.get_by_text("Xanax 0.5mg prn for panic", exact=False)).to_be_visible()
    tick(page, "q_fasting_understood")
    tick(page, "q_consent_accurate")
    fill(page, "q_signature_name", f"{FIRST} {LAST}")
    shot(page, "09_review")
    press(page, "submit")
    expect(page.get_by_text("Your answers were sent")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("No food for 6 hours", exact=False)).to_be_visible()
    shot(page, "10_confirmation")
    assert "benzodiazepine" not in page.content().lower()

    # What the clinic now has: exactly one screening with the right flags.
    store = db.get_store(server.database_url)
    rows, total = db.list_queue(db.QueueFilters(), page=1, page_size=10, store=store)
    assert total == 1
    detail = db.get_screening(rows[0].id, store=store)
    fired = {f.rule_id for f in detail.evaluation.flags}
    assert fired == {"benzodiazepine", "lamotrigine", "bipolar_disorder"}
    answers = detail.document["answers"]
    assert answers["first_name"] == FIRST and answers["date_of_birth"] == DOB
    assert [m["name"] for m in answers["medications"]] == ["Xanax 0.5mg prn for panic",
                                                          "Lamictal 200 mg"]

    # The server log holds no patient data.
    log = server.log()
    for secret in (FIRST, LAST, DOB, "Xanax", "Lamictal"):
        assert secret not in log, f"{secret!r} found in the server log"
    page.close()


def test_the_steps_widget_code_is_fetched_once_the_welcome_page_is_drawn(browser, server):
    """app_pages/prefetch.py: in a browser that never visited, the steps' widget code is
    fetched after the welcome page's own (radio, button) has arrived, not beside it; and it
    is all there before Start, so step 1 fetches no script."""
    from app_pages import prefetch

    page = open_page(browser, viewport={"width": 390, "height": 844})
    page.goto(server.url)
    wait_idle(page, timeout=240_000)
    page.wait_for_function("window.__intakePrefetch === 'done'", timeout=60_000)
    times = page.evaluate("""(files) => {
      const js = performance.getEntriesByType('resource').filter(r => r.name.includes('/static/js/'));
      const named = (prefix) => js.filter(r => r.name.split('/').pop().startsWith(prefix + '.'));
      return {own: Math.max(...['Radio', 'Button'].flatMap(named).map(r => r.responseEnd)),
              own_count: ['Radio', 'Button'].flatMap(named).length,
              started: window.__intakePrefetchAt,
              steps: Math.min(...js.filter(r => files.includes(r.name.split('/').pop()))
                                  .map(r => r.startTime))};
    }""", list(prefetch.widget_files()))
    assert times["own_count"] == 2, times
    assert times["own"] <= times["steps"], times  # the first step file asked for after both
    assert times["own"] <= times["started"], times
    scripts: list[str] = []
    page.on("request", lambda request: scripts.append(request.url)
            if "/static/js/" in request.url else None)
    press(page, "start")
    expect_step(page, 1, "About you")
    assert scripts == []
    page.close()
