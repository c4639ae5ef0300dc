"""Sign-in through the clinic's identity provider, end to end: a real OpenID Connect provider
(npm ``oidc-provider``, pinned in package.json) runs on loopback beside the app, configured
through a secrets.toml like a clinic's. A clinician signs in with it and gets the clinician
role from her group, stays signed in across a refresh and a link to a screening, and signs
out; a user with no mapped group is refused; local accounts still sign in."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import time
import urllib.request

import pytest

from tests.browser import (  # noqa: F401 - browser is a fixture
    BUSY_MS,
    ROOT,
    browser,
    free_port,
    fresh_database_url,
    start_server,
    stop_server,
    wait_idle,
)
from tests.conftest import make_doc

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not shutil.which("node") or not (ROOT / "node_modules" / "oidc-provider").exists(),
                       reason="node or node_modules/oidc-provider missing: scripts/ensure-npm.sh"),
]
USERS = {
    "carla": {"email": "carla@clinic.test", "groups": ["staff", "ketamine-clinicians"]},
    "rex": {"email": "rex@clinic.test", "groups": ["records"]},
    "stranger": {"email": "stranger@elsewhere.test", "groups": ["visitors"]},
}


def _wait_http(url: str, deadline_s: float = 60) -> None:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {deadline_s}s")


@pytest.fixture(scope="module")
def clinic(tmp_path_factory):
    import store as db
    from services import intake

    tmp = tmp_path_factory.mktemp("oidc")
    app_port, idp_port = free_port(), free_port()
    redirect_uri = f"http://127.0.0.1:{app_port}/oauth2callback"
    idp_log = (tmp / "idp.log").open("wb")
    idp = subprocess.Popen(
        ["node", "tests/oidc/provider.mjs", str(idp_port), "screening-app", "idp-test-secret",
         redirect_uri], cwd=ROOT, env={**os.environ, "OIDC_TEST_USERS": json.dumps(USERS)},
        stdout=idp_log, stderr=subprocess.STDOUT)
    metadata = f"http://127.0.0.1:{idp_port}/.well-known/openid-configuration"
    _wait_http(metadata)
    secrets_file = tmp / "secrets.toml"
    secrets_file.write_text(f'''
[auth]
redirect_uri = "{redirect_uri}"
cookie_secret = "{secrets.token_hex(32)}"

[auth.clinic]
client_id = "screening-app"
client_secret = "idp-test-secret"
server_metadata_url = "{metadata}"
client_kwargs = {{ scope = "openid email profile groups", code_challenge_method = "S256", prompt = "login" }}

[oidc_roles]
provider = "clinic"
label = "Sign in with Clinic ID"

[oidc_roles.groups]
ketamine-clinicians = "clinician"
records = "exporter"
''', encoding="utf-8")
    url = fresh_database_url(tmp, "oidc")
    server = start_server(tmp, url, port=app_port, extra_args=["--secrets.files", str(secrets_file)])
    store = db.get_store(url)
    db.create_user("dr_local", "a long clinic password", "clinician", store=store)
    screening_id = intake.submit(make_doc(first_name="Ottoline", last_name="Brisk",
                                          signature_name="Ottoline Brisk"), store=store).screening_id
    public_id = db.get_screening(screening_id, store=store).public_id
    yield {"server": server, "store": store, "public_id": public_id, "idp_port": idp_port}
    stop_server(server)
    idp.terminate()
    idp.wait(timeout=15)
    idp_log.close()


def _sign_in_with_provider(page, url: str, login: str) -> None:
    from playwright.sync_api import expect

    page.goto(f"{url}/staff")
    wait_idle(page, timeout=BUSY_MS)
    page.get_by_role("button", name="Sign in with Clinic ID").click()
    page.locator("input[name='login']").fill(login, timeout=BUSY_MS)  # the provider's form
    page.locator("input[name='password']").fill("any password")
    page.locator("button[type='submit']").click()
    consent = page.get_by_role("button", name="Continue")
    expect(consent).to_be_visible(timeout=BUSY_MS)
    consent.click()
    page.wait_for_url(f"{url}/**", timeout=BUSY_MS)
    wait_idle(page, timeout=BUSY_MS)


def test_clinician_signs_in_with_the_provider_and_survives_a_refresh(browser, clinic):  # noqa: F811
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import expect

    import store as db

    url, store = clinic["server"].url, clinic["store"]
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    _sign_in_with_provider(page, url, "carla")
    expect(page.get_by_role("heading", name="Screenings")).to_be_visible(timeout=BUSY_MS)
    expect(page.get_by_text("carla@clinic.test")).to_be_visible()
    account = db.get_user("carla@clinic.test", store=store)
    assert account is not None and account.role == "clinician"

    page.reload()  # the identity cookie (HttpOnly, signed) signs her in again
    wait_idle(page, timeout=BUSY_MS)
    expect(page.get_by_role("heading", name="Screenings")).to_be_visible(timeout=BUSY_MS)
    auth = _identity_cookies(context)
    assert auth and all(c["httpOnly"] for c in auth)
    assert "_streamlit_user" not in page.evaluate("document.cookie")

    page.goto(f"{url}/detail?id={clinic['public_id']}")  # a colleague's link, in a new load
    wait_idle(page, timeout=BUSY_MS)
    expect(page.get_by_text("Brisk, Ottoline")).to_be_visible(timeout=BUSY_MS)

    rows, _ = db.list_audit(db.AuditFilters(action="login_success"), store=store)
    assert [r.details.get("via") for r in rows if r.actor == "carla@clinic.test"].count("oidc") >= 2

    page.get_by_role("button", name="Sign out").click()
    # st.logout clears the identity cookie on its way to the provider, which asks whether to
    # end its own session too. The app may draw its sign-in page before the browser leaves
    # for the provider, so wait for the cookie to go (the condition that matters), not for
    # a heading; then answer the provider's question if it asks one.
    idp_logout = page.get_by_role("button", name="Yes, sign me out")
    deadline = time.monotonic() + BUSY_MS / 1000
    while _identity_cookies(context):
        assert time.monotonic() < deadline, "signing out did not clear the identity cookie"
        page.wait_for_timeout(200)
    try:
        idp_logout.click(timeout=10_000)
        page.wait_for_load_state()
    except PlaywrightTimeout:
        pass  # the provider ended its session without asking
    page.goto(f"{url}/queue")
    wait_idle(page, timeout=BUSY_MS)
    expect(page.get_by_role("heading", name="Staff sign-in")).to_be_visible(timeout=BUSY_MS)
    expect(page.get_by_text("Brisk, Ottoline")).to_have_count(0)
    context.close()


def test_a_user_without_a_mapped_group_is_refused_and_local_accounts_still_work(browser, clinic):  # noqa: F811
    from playwright.sync_api import expect

    import store as db

    url, store = clinic["server"].url, clinic["store"]
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    _sign_in_with_provider(page, url, "stranger")
    expect(page.get_by_text("has given your account no role here")).to_be_visible(timeout=BUSY_MS)
    expect(page.get_by_role("heading", name="Screenings")).to_have_count(0)
    assert db.get_user("stranger@elsewhere.test", store=store) is None
    rows, _ = db.list_audit(db.AuditFilters(action="login_failure"), store=store)
    assert any(r.details.get("via") == "oidc" for r in rows)
    context.close()

    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.goto(f"{url}/staff")
    wait_idle(page, timeout=BUSY_MS)
    page.locator(".st-key-login_username input").fill("dr_local")
    page.locator(".st-key-login_password input").fill("a long clinic password")
    page.get_by_role("button", name="Sign in", exact=True).click()
    wait_idle(page, timeout=BUSY_MS)
    expect(page.get_by_role("heading", name="Screenings")).to_be_visible(timeout=BUSY_MS)
    context.close()


def _identity_cookies(context) -> list[dict]:
    """Streamlit's signed, HttpOnly identity cookie(s) set by st.login."""
    return [c for c in context.cookies() if c["name"].startswith("_streamlit_user")]
