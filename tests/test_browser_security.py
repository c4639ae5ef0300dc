"""What an attacker tried in a real browser (issue 11): patient text that would become
links, icons, colour or LaTeX on staff screens, and table toolbars that download CSVs."""

from __future__ import annotations

import re

import pytest

from services import intake
from tests.browser import (  # noqa: F401 - browser and server are fixtures
    browser,
    server,
    shot,
    sign_in,
    wait_idle,
)
from tests.conftest import make_doc

pytestmark = pytest.mark.browser
PASSWORD = "a long clinic password"

FIRST = "www.evil-example.com/reset"
LAST = "mallory@evil-example.com"
MED = "xanax http://2130706433:9999/x"
ICON_FIRST = ":material/verified: Ivy"
ICON_LAST = ":red[Rosa] $E=mc^2$ [click](http://evil-example.com)"
# Anything markup could have made of the patient's text.
MARKUP = "a, img, svg, [data-testid='stIconMaterial'], [data-testid='stIconEmoji'], .katex, " \
         "span[class*='color'], [style*='color: rgb(255']"
PATIENT_TEXT = ".plain-strong, .plain-heading, [data-testid='stText']"


def seed(database_url: str) -> dict[str, int]:
    import store as db

    store = db.get_store(database_url)
    link = intake.submit(make_doc(first_name=FIRST, last_name=LAST, meds=[MED],
                                        signature_name=f"{FIRST} {LAST}"), store=store)
    icon = intake.submit(make_doc(first_name=ICON_FIRST, last_name=ICON_LAST,
                                        signature_name=f"{ICON_FIRST} {ICON_LAST}",
                                        meds=[":material/verified: zoloft"]), store=store)
    db.create_user("dr_safe", PASSWORD, "clinician", store=store)
    return {"link": link.screening_id, "icon": icon.screening_id}


def assert_no_markup(page) -> None:
    """No link, image, icon, LaTeX or colour anywhere patient text is shown, and no link
    to the attacker's hosts anywhere on the page."""
    regions = page.locator(PATIENT_TEXT)
    assert regions.count() > 0
    assert page.locator(f":is({PATIENT_TEXT}) :is({MARKUP})").count() == 0
    for host in ("evil-example", "2130706433", "mailto:"):
        assert page.locator(f"a[href*='{host}']").count() == 0, host
    assert page.locator(".katex").count() == 0
    assert page.locator("[data-testid='stIconMaterial']", has_text="verified").count() == 0


def test_patient_text_is_plain_text_on_staff_pages(browser, server):  # noqa: F811
    from playwright.sync_api import expect

    ids = seed(server.database_url)
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    sign_in(page, server.url, "dr_safe", PASSWORD)
    expect(page.get_by_role("heading", name="Screenings")).to_be_visible(timeout=20_000)
    expect(page.get_by_text(f"{LAST}, {FIRST}", exact=False)).to_be_visible(timeout=180_000)
    expect(page.get_by_text(f"{ICON_LAST}, {ICON_FIRST}", exact=False)).to_be_visible(
        timeout=180_000)
    assert_no_markup(page)
    shot(page, "sec_queue")

    for key, shown in (("link", f"{LAST}, {FIRST}"), ("icon", f"{ICON_LAST}, {ICON_FIRST}")):
        page.locator(f".st-key-open_{ids[key]} button").click()
        wait_idle(page, timeout=90_000)
        expect(page.locator(".plain-heading")).to_have_text(shown, timeout=180_000)
        expect(page.locator("[data-testid='stText']").first).to_be_visible(timeout=180_000)
        assert_no_markup(page)
        if key == "link":
            expect(page.get_by_text(f"medication '{MED}'", exact=False).first).to_be_visible()
            shot(page, "sec_detail")
            # The medicines table offers no CSV download (client.disableDataExport).
            table = page.locator("[data-testid='stDataFrame']").first
            table.hover()
            page.wait_for_timeout(500)
            toolbar = page.locator("[data-testid='stElementToolbar']")
            expect(toolbar.first).to_be_attached()  # the toolbar is there, without download
            assert page.get_by_role("button", name="Download as CSV").count() == 0
            assert page.locator("[data-testid='stElementToolbarButton']",
                                has_text="Download").count() == 0
        page.get_by_role("link", name="Back to screenings").first.click()
        wait_idle(page, timeout=90_000)
        expect(page.locator(".plain-strong").first).to_be_visible(timeout=180_000)
    page.close()


def test_export_zip_is_served_once_and_only_after_the_click(browser, server):  # noqa: F811
    import io
    import urllib.error
    import urllib.request
    import zipfile

    from playwright.sync_api import expect

    import store as db

    store = db.get_store(server.database_url)
    db.create_user("dr_export", PASSWORD, "clinician", store=store)
    intake.submit(make_doc(), store=store)
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    sign_in(page, server.url, "dr_export", PASSWORD)
    page.get_by_role("link", name="Export CSV").click()
    wait_idle(page, timeout=90_000)
    page.locator(".st-key-x_prepare button").click()
    wait_idle(page, timeout=90_000)
    button = page.locator(".st-key-x_download button")
    expect(button).to_be_visible(timeout=180_000)
    # Nothing is served before the click (Streamlit's own /static/media/ fonts aside).
    assert not re.search(r"(?<!static)/media/[0-9a-f]", page.content())

    with page.expect_download(timeout=180_000) as caught:
        button.click()
    download = caught.value
    with zipfile.ZipFile(io.BytesIO(open(download.path(), "rb").read())) as archive:
        assert "screenings.csv" in archive.namelist()
    assert "/media/" in download.url
    # The address dies once the page has fetched it (a check, then the download): a
    # request without the session's cookie finds nothing, or at most wins the race against
    # the page's own check, never more than once.
    served_to_others = 0
    for _ in range(120):
        try:
            urllib.request.urlopen(download.url, timeout=10).read()
            served_to_others += 1
        except urllib.error.HTTPError as gone:
            assert gone.code == 404
            break
        page.wait_for_timeout(500)
    else:
        pytest.fail("the export zip was still served a minute after the download")
    assert served_to_others <= 1
    page.close()


@pytest.fixture(scope="module")
def idle_server(tmp_path_factory):
    from tests.browser import fresh_database_url, start_server, stop_server

    tmp = tmp_path_factory.mktemp("idle")
    srv = start_server(tmp, fresh_database_url(tmp, "idle"), {"IDLE_TIMEOUT_MINUTES": "1"})
    yield srv
    stop_server(srv)


def test_idle_time_out_clears_the_screen_without_a_click(browser, idle_server):  # noqa: F811
    from playwright.sync_api import expect

    import store as db

    store = db.get_store(idle_server.database_url)
    db.create_user("dr_idle", PASSWORD, "clinician", store=store)
    sid = intake.submit(make_doc(first_name="Henrietta", last_name="Idleworth",
                                       signature_name="Henrietta Idleworth"),
                              store=store).screening_id
    def staff_sign_in(page) -> None:  # with waits for a busy machine
        page.goto(f"{idle_server.url}/staff")
        wait_idle(page, timeout=300_000)
        page.locator(".st-key-login_username input").fill("dr_idle")
        page.locator(".st-key-login_password input").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        wait_idle(page, timeout=300_000)

    warm_up = browser.new_page()  # the first staff page loads the rules engine: slow
    staff_sign_in(warm_up)
    expect(warm_up.get_by_role("heading", name="Screenings")).to_be_visible(timeout=300_000)
    warm_up.close()

    page = browser.new_page(viewport={"width": 1366, "height": 900})
    staff_sign_in(page)
    page.locator(f".st-key-open_{sid} button").click(timeout=180_000)
    wait_idle(page, timeout=180_000)
    expect(page.locator(".plain-heading")).to_have_text("Idleworth, Henrietta", timeout=180_000)
    # No click, no key: the page itself signs out after a minute and clears the screen.
    expect(page.get_by_text("You were signed out after a period of inactivity")).to_be_visible(
        timeout=180_000)
    wait_idle(page, timeout=180_000)
    assert "Idleworth" not in page.content() and "Henrietta" not in page.content()
    shot(page, "sec_idle_signed_out")
    page.close()
