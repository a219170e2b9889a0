"""Publication dates as Indonesian newsrooms write them (pure).

Handles ISO 8601 and the local forms seen on article pages: ``4 November 2015 |
21:04 WIB``, ``Kamis, 05 Nov 2015 - 15:56 wib``, ``15 Februari 2016, 16:15 WIB``,
``05/11/2015 09:25 WIB``. A time without a zone is local (WIB unless configured).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo

MONTHS = {
    "jan": 1, "januari": 1, "january": 1, "feb": 2, "februari": 2, "february": 2, "peb": 2,
    "pebruari": 2, "mar": 3, "maret": 3, "march": 3, "apr": 4, "april": 4, "mei": 5, "may": 5,
    "jun": 6, "juni": 6, "june": 6, "jul": 7, "juli": 7, "july": 7, "agu": 8, "agt": 8,
    "ags": 8, "agus": 8, "agustus": 8, "aug": 8, "august": 8, "sep": 9, "sept": 9,
    "september": 9, "okt": 10, "oktober": 10, "oct": 10, "october": 10, "nov": 11,
    "nopember": 11, "november": 11, "des": 12, "desember": 12, "dec": 12, "december": 12,
}  # fmt: skip
ZONES = {"wib": 7, "wita": 8, "wit": 9, "utc": 0, "gmt": 0}

_TIME = r"(?:\s*(?:[|,\-–—]|pukul)?\s*(\d{1,2})[:.](\d{2})(?::(\d{2}))?\s*(wib|wita|wit|utc|gmt)?)?"
_NAMED = re.compile(
    r"\b(\d{1,2})\s+([a-z]{3,9})\.?\s+(\d{4})" + _TIME + r"(?![\d:])", re.IGNORECASE
)
_NUMERIC = re.compile(r"\b(\d{1,2})[/-](\d{1,2})[/-](\d{4})" + _TIME + r"(?![\d:])", re.IGNORECASE)
_ISO = re.compile(
    r"^\s*(\d{4}-\d{2}-\d{2})(?:[ T]+(\d{2}:\d{2}(?::\d{2})?(?:\.\d+)?))?\s*(Z|[+-]\d{2}:?\d{2})?\s*$"
)


def _zone(name: str | None, default: tzinfo) -> tzinfo:
    if name and name.lower() in ZONES:
        return timezone(timedelta(hours=ZONES[name.lower()]))
    return default


def parse_iso(value: str, default_tz: tzinfo) -> datetime | None:
    """Parse ISO 8601 (also ``2015-11-05 T10:08:58Z``); a naive time is ``default_tz``."""
    match = _ISO.match(value or "")
    if not match:
        return None
    day, clock, zone = match.groups()
    text = f"{day}T{clock or '00:00:00'}"
    if zone:
        text += "+00:00" if zone == "Z" else (zone if ":" in zone else f"{zone[:3]}:{zone[3:]}")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=default_tz)
    return parsed.astimezone(UTC)


def find_dates(text: str, default_tz: tzinfo) -> list[tuple[datetime, bool]]:
    """Return every date in ``text`` in order, as (UTC datetime, had a time of day)."""
    found: list[tuple[int, datetime, bool]] = []
    for match in _NAMED.finditer(text or ""):
        month = MONTHS.get(match.group(2).lower())
        if month:
            parsed = _build(match.group(3), month, match.group(1), match.groups()[3:], default_tz)
            if parsed:
                found.append((match.start(), *parsed))
    for match in _NUMERIC.finditer(text or ""):
        parsed = _build(match.group(3), match.group(2), match.group(1), match.groups()[3:],
                        default_tz)  # fmt: skip
        if parsed:
            found.append((match.start(), *parsed))
    found.sort(key=lambda item: item[0])
    return [(when, timed) for _, when, timed in found]


def parse_date(text: str | None, default_tz: tzinfo) -> datetime | None:
    """Parse one date string (ISO or Indonesian); None when nothing looks like a date."""
    if not text:
        return None
    iso = parse_iso(text, default_tz)
    if iso:
        return iso
    dates = find_dates(text, default_tz)
    return dates[0][0] if dates else None


def _build(year: str, month: int | str, day: str, clock: tuple[str | None, ...],
           default_tz: tzinfo) -> tuple[datetime, bool] | None:  # fmt: skip
    hour, minute, second, zone = clock
    try:
        local = datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0),
                         int(second or 0), tzinfo=_zone(zone, default_tz))  # fmt: skip
    except ValueError:
        return None
    if not 1990 <= local.year <= 2100:
        return None
    return local.astimezone(UTC), hour is not None
