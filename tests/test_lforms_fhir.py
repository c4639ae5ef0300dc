"""Our FHIR Questionnaire and QuestionnaireResponses checked by a FHIR form renderer nobody
here wrote: NLM's LHC-Forms (npm ``lforms``, installed by scripts/ensure-npm.sh) in
Debian's chromium.

For every worked case in tests/ (and the shared vignettes): render our Questionnaire,
merge the case's exported QuestionnaireResponse into it, check that every question the
case answers is shown (its enableWhen holds in LHC-Forms too), read the response back out
of LHC-Forms, and evaluate it: the same answers and the same flags as the original.
"""

from __future__ import annotations

import functools
import json
import os
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from forms.definition import QUESTIONS_BY_CODE
from forms.fhir import build_questionnaire, document_to_response, response_to_document
from forms.validation import parse_document
from tests.browser import browser  # noqa: F401 - the fixture
from tests.conftest import ROOT
from tests.fhir_support import case_document, case_files, fhir_model, without_empty

pytestmark = pytest.mark.browser

LFORMS = ROOT / "node_modules" / "lforms" / "dist" / "lforms"
PAGE = Path(__file__).resolve().parent / "lforms" / "page.html"
CASES = case_files()
LOAD_TIMEOUT_MS = 90_000


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[str]:
    """The static page and LHC-Forms' built files, served from loopback on a free port."""
    if not (LFORMS / "webcomponent" / "main.js").exists():
        pytest.fail(f"{LFORMS} missing: run scripts/ensure-npm.sh (scripts/test.sh does)")
    root = tmp_path_factory.mktemp("lforms-site")
    (root / "index.html").write_bytes(PAGE.read_bytes())
    os.symlink(LFORMS, root / "lforms")
    server = ThreadingHTTPServer(("127.0.0.1", 0),
                                 functools.partial(_Quiet, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/index.html"
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def lforms_page(browser, site):  # noqa: F811 - the fixture
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(site)
    page.wait_for_function("!!(window.LForms && LForms.Util && LForms.Util.getFormFHIRData "
                           "&& LForms.Util.convertFHIRQuestionnaireToLForms)",
                           timeout=LOAD_TIMEOUT_MS)
    assert page.evaluate("document.characterSet") == "UTF-8"
    yield page
    assert not errors, errors
    page.close()


RENDER = """async ([questionnaire, response]) => {
  const container = document.getElementById('formContainer');
  LForms.Util.removeFormsFromPage('formContainer');
  let form = LForms.Util.convertFHIRQuestionnaireToLForms(questionnaire, 'R4');
  form = LForms.Util.mergeFHIRDataIntoLForms('QuestionnaireResponse', response, form, 'R4');
  await LForms.Util.addFormToPage(form, 'formContainer');
  return container.querySelectorAll('lhc-item').length;
}"""
READ_BACK = """() => LForms.Util.getFormFHIRData('QuestionnaireResponse', 'R4',
                                           document.getElementById('formContainer'))"""


def _answered(document: dict[str, Any]) -> dict[str, Any]:
    return without_empty(document)["answers"]


def test_lforms_is_the_pinned_version():
    package = json.loads((LFORMS.parent.parent / "package.json").read_text(encoding="utf-8"))
    assert package["version"] == "40.1.3"


def test_cases_cover_every_conditional_question():
    answered = {code for path in CASES for code in _answered(case_document(path))}
    conditional = {q.code for q in QUESTIONS_BY_CODE.values() if q.when is not None}
    assert conditional <= answered, conditional - answered


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_round_trip_through_lhc_forms_gives_the_same_flags(engine, lforms_page, path):
    page = lforms_page
    original = parse_document(case_document(path)).to_document()
    response = document_to_response(original, response_id="screening-1")
    assert page.evaluate(RENDER, [build_questionnaire(), response]) > len(_answered(original))

    # every question the case answers is shown (enabled) with LHC-Forms' enableWhen
    for code, value in _answered(original).items():
        if code == "medications":
            names = page.locator("lhc-item[id^='item-medications.name/']")
            assert names.count() == len(value), code
            for i in range(len(value)):
                assert names.nth(i).is_visible(), f"medication {i + 1} not shown"
            continue
        item = page.locator(f"lhc-item[id^='item-{code}/']")
        assert item.count() == 1, f"{code} not rendered"
        assert item.first.is_visible(), f"{code} not shown"

    back_raw = page.evaluate(READ_BACK)
    fhir_model(back_raw)  # what LHC-Forms writes is valid R4 for fhir.resources too
    back = response_to_document(back_raw)
    assert back_raw["questionnaire"] == response["questionnaire"]
    # LHC-Forms stamps ``authored`` with the time it wrote the response: compare at that time
    at = back["submitted_at"]
    expected = parse_document({**original, "submitted_at": at})
    screening = parse_document(back)
    assert without_empty(screening.to_document()) == without_empty(expected.to_document())
    flags = [f.public() for f in engine.evaluate(screening).flags]
    assert flags == [f.public() for f in engine.evaluate(expected).flags]
