"""Tap-to-call and email links built from a patient's phone and email answers.

A link is made only from a value that passes the form's own validation (``PHONE_RE``,
``EMAIL_RE``): the ``tel:`` target keeps only ``+`` and digits, the ``mailto:`` target is
percent-encoded. Anything else gets no link (and is shown as plain text by the caller).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from forms.validation import EMAIL_RE, PHONE_RE

_SHOWN_PHONE = re.compile(r"[^0-9+ ()./-]")


@dataclass(frozen=True)
class Contact:
    """What to show (``text``) and where it links (``href``, None when not valid)."""

    text: str
    href: str | None


def phone_link(value: Any) -> Contact | None:
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    digits = sum(c.isdigit() for c in text)
    if not PHONE_RE.match(text) or not 7 <= digits <= 15:
        return Contact(text=text, href=None)
    target = ("+" if text.startswith("+") else "") + "".join(c for c in text if c.isdigit())
    return Contact(text=_SHOWN_PHONE.sub("", text), href=f"tel:{target}")


def email_link(value: Any) -> Contact | None:
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if not EMAIL_RE.match(text) or any(c in text for c in "?#&\\\"<>'`"):
        return Contact(text=text, href=None)
    return Contact(text=text, href="mailto:" + quote(text, safe="@.+-_"))
