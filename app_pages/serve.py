"""Start the app: ``python -m app_pages.serve run screening_app.py [streamlit options]``.

The same as ``streamlit run``, except that the modules the patient's first page needs
(pydantic, the question table, the translations, the page helpers: about 0.3-0.4 s of CPU)
are imported before the server takes its first connection. Without this the first patient
after a restart waited for them in the first page's run. The database layer and the drug
dictionary are not imported here: they load in the background once the first page is drawn
(``app_pages/services.py``), so the server still answers its health check at once.
"""

from __future__ import annotations

import importlib
import sys

# What screening_app.py and app_pages/intake.py import at their top (checked by
# tests/test_app_intake_speed.py): nothing that loads SQLAlchemy, the store or the rules.
FIRST_PAGE = ("app_pages.alert_link", "app_pages.auth", "app_pages.oneshot", "app_pages.services",
              "app_pages.timing", "app_pages.a11y", "app_pages.crisis", "app_pages.invitation_entry",
              "app_pages.prefetch", "app_pages.questions", "app_pages.prep", "forms.intake_state",
              "forms.units", "forms.patient_messages", "forms.validation")


def main() -> None:
    for name in FIRST_PAGE:
        importlib.import_module(name)
    from streamlit.web.cli import main as streamlit

    sys.argv[0] = "streamlit"
    streamlit()


if __name__ == "__main__":
    main()
