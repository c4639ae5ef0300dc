"""Start the app: ``python -m app_pages.serve run screening_app.py [streamlit options]``.

The same as ``streamlit run``, except that the modules the patient's first page needs
(pydantic, the question table, the translations, the page helpers: about 0.3-0.4 s of CPU)
are imported before the server takes its first connection. Without this the first patient
after a restart waited for them in the first page's run. So is the store's code (not a
connection), which an invitation link's page needs on its first run to look up the
language the front desk chose (~0.4 s of CPU at start), every language's translations are
read (the first Spanish page paid ~25 ms for them), and the database is opened
(``open_database``: ~0.1-0.15 s more of that page's first load otherwise). The rules and the drug dictionary
are not imported here: they load in the background once the first page is drawn
(``app_pages/services.py``), so the server still answers its health check within a second.

Two one-time costs inside Streamlit are also paid here rather than in the first page's run
(together about 50 ms of CPU, over half of that run):

- ``streamlit.emojis``, whose import compiles one very large pattern: ``st.set_page_config``
  imports it to check the page icon (an emoji).
- The warning Streamlit prints when it is imported without ``streamlit run``: the first
  element a process draws calls ``inspect.stack()`` to look for a REPL, which reads the
  source of every frame and the file of every loaded module. This launcher is
  ``streamlit run``, so the check is marked done (``STREAMLIT_RUN_CHECK``);
  tests/test_app_intake_speed.py fails if a Streamlit upgrade renames that flag.

Streamlit's listening socket is made with ``socket.socket(family)``, protocol 0, and asyncio
only turns Nagle's algorithm off (``TCP_NODELAY``) for sockets whose protocol says TCP: so
every response after the first on a kept-alive connection waited ~40 ms (its last small
write held until the browser's delayed acknowledgement). A fresh browser fetches Streamlit's
~60 script files over six connections, ~10 each, so this alone cost ~0.4 s of the first page
load. The launcher sets ``TCP_NODELAY`` on that listening socket (``STREAMLIT_LISTENER``),
which the connections it accepts inherit; tests/test_app_intake_speed.py checks both, and
fails if a Streamlit upgrade renames the function.

What is imported here lives as long as the process, so it is then moved out of the garbage
collector's sight (``gc.freeze``): Streamlit collects all generations after every run, and
walking these ~60,000 objects each time (~11-17 ms, before the run's last message can leave)
would delay every page the patient sees.
"""

from __future__ import annotations

import functools
import gc
import importlib
import logging
import socket
import sys
from collections.abc import Callable

# What screening_app.py and app_pages/intake.py import at their top (checked by
# tests/test_app_intake_speed.py): nothing that loads SQLAlchemy, the store or the rules.
FIRST_PAGE = ("app_pages.alert_link", "app_pages.auth", "app_pages.oneshot", "app_pages.services",
              "app_pages.timing", "app_pages.a11y", "app_pages.crisis", "app_pages.invitation_entry",
              "app_pages.prefetch", "app_pages.questions", "app_pages.prep", "forms.intake_state",
              "forms.units", "forms.patient_messages", "forms.validation", "streamlit.emojis")
# What an invitation link's first run imports (its page looks up the invitation's language
# before drawing): the store and SQLAlchemy, ~0.4 s of CPU that would otherwise fall on the
# first patient who opens a link after a restart. Not the rules, the drug dictionary or pandas.
INVITATION_LINK = ("store.invitations",)
# Streamlit's "not run with streamlit run" warning, checked once per process on the first
# element drawn (module, flag); see the docstring.
STREAMLIT_RUN_CHECK = ("streamlit.delta_generator", "_use_warning_has_been_displayed")
# The function that makes Streamlit's listening TCP socket (module, name); see the docstring.
STREAMLIT_LISTENER = ("streamlit.web.server.starlette.starlette_server", "_bind_socket")

log = logging.getLogger(__name__)


def without_delay(bind: Callable[..., socket.socket]) -> Callable[..., socket.socket]:
    """``bind``, with Nagle's algorithm off on the socket it returns (and so on every
    connection that socket accepts)."""
    if getattr(bind, "without_delay", False):
        return bind

    @functools.wraps(bind)
    def bind_without_delay(*args: object, **kwargs: object) -> socket.socket:
        sock = bind(*args, **kwargs)
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock

    bind_without_delay.without_delay = True  # type: ignore[attr-defined]
    return bind_without_delay


def prepare() -> None:
    """Everything the launcher does before the server starts (see the docstring)."""
    for name in (*FIRST_PAGE, *INVITATION_LINK):
        importlib.import_module(name)
    i18n = importlib.import_module("forms.i18n")
    for language in i18n.LANGUAGES:  # read and validated once (Spanish: ~25 ms of CPU)
        i18n.load(language)
    module, flag = STREAMLIT_RUN_CHECK
    setattr(importlib.import_module(module), flag, True)
    importlib.import_module("streamlit.web.cli")
    module, name = STREAMLIT_LISTENER
    listener = importlib.import_module(module)
    if callable(getattr(listener, name, None)):
        setattr(listener, name, without_delay(getattr(listener, name)))
    else:  # the app still runs, each page load ~0.4 s slower
        log.warning("%s.%s not found: TCP_NODELAY not set on the server's socket", module, name)
    open_database()
    gc.collect()
    gc.freeze()


def open_database() -> None:
    """Open ``DATABASE_URL`` now (connect, check the schema: ~0.1-0.15 s), not in the first
    page that needs it: an invitation link's page does, to open in the front desk's language.
    A database that cannot be opened yet does not stop the server: the pages open it when
    they need it and say so if they cannot (logged here without the URL: it may hold a
    password)."""
    from store.db import get_store

    try:
        get_store()
    except Exception as err:  # any failure: the pages will try again
        log.warning("database not opened at start (%s); the pages will open it when needed",
                    type(err).__name__)


def main() -> None:
    prepare()
    from streamlit.web.cli import main as streamlit

    sys.argv[0] = "streamlit"
    streamlit()


if __name__ == "__main__":
    main()
