"""The clinic's time zone (``CLINIC_TIMEZONE``, an IANA name; default UTC).

Times are stored in UTC; staff pages and printouts show them in this zone.
"""

from __future__ import annotations

import os
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def clinic_timezone() -> ZoneInfo:
    """The zone of ``CLINIC_TIMEZONE``; an unknown name raises ValueError naming it."""
    name = os.environ.get("CLINIC_TIMEZONE", "UTC").strip() or "UTC"
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"CLINIC_TIMEZONE={name!r} is not an IANA time zone name, "
                         "e.g. America/Chicago") from None
