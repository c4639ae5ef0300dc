"""The clinic's clock: its time zone (``CLINIC_TIMEZONE``, an IANA name, default UTC) and
the current time in it. Submissions are stamped with the clinic's offset, so a patient's
age is taken on the calendar date the patient saw, not the UTC date."""

from __future__ import annotations

import os
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

ENV = "CLINIC_TIMEZONE"
DEFAULT = "UTC"


class ClockError(ValueError):
    """The clinic time zone setting is not a usable IANA name."""


def clinic_timezone() -> ZoneInfo:
    """The clinic's time zone from ``CLINIC_TIMEZONE`` (e.g. ``America/Los_Angeles``)."""
    name = os.environ.get(ENV, "").strip() or DEFAULT
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ClockError(f"{ENV}={name!r} is not an IANA time zone name; use one such as "
                         f"'America/Los_Angeles', 'Europe/London' or 'UTC'") from None


def now_in_clinic() -> datetime:
    """The current time with the clinic's offset (aware)."""
    return datetime.now(clinic_timezone())
