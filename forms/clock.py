"""The clinic's clock: its time zone (``CLINIC_TIMEZONE``, an IANA name, default UTC)."""

from __future__ import annotations

import logging
import os
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

log = logging.getLogger(__name__)


def clinic_timezone() -> ZoneInfo:
    """The clinic's time zone; an unknown name falls back to UTC with a warning."""
    name = os.environ.get("CLINIC_TIMEZONE", "UTC").strip() or "UTC"
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        log.warning("CLINIC_TIMEZONE is not a known IANA time zone name: using UTC")
        return ZoneInfo("UTC")
