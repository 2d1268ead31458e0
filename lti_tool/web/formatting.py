"""Numbers, sizes, dates and times as people read them, in the page's locale (Babel).

Indonesian writes 7,5 where English writes 7.5; pages never format a number by
hand. Moments are shown in the course's time zone. Courses carry no zone of
their own yet, so that is Jakarta time (WIB), the zone due dates are typed in
unless staff choose another (:data:`ZONES`).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from babel.dates import format_date, format_datetime
from flask_babel import format_decimal, format_timedelta, get_locale

#: Indonesia's three zones and their abbreviations; the first is the default.
ZONES = (("Asia/Jakarta", "WIB"), ("Asia/Makassar", "WITA"), ("Asia/Jayapura", "WIT"))
DEFAULT_ZONE = ZONES[0][0]
KB = 1024
MB = 1024 * 1024


def locale() -> str:
    return str(get_locale() or "id")


def course_zone() -> zoneinfo.ZoneInfo:
    """The zone the course's dates and times are shown and typed in."""
    return zoneinfo.ZoneInfo(DEFAULT_ZONE)


def number(value: float | None) -> str:
    """A score or measure as shown: one decimal, dropped when whole, the locale's decimal mark,
    no grouping (12,5 · 1234); "—" for none."""
    if value is None:
        return "—"
    return format_decimal(round(float(value), 1), format="0.#")


def typed_number(text: str | None) -> float | None:
    """The reverse of :func:`number`: a number as a person types it in Indonesia or England
    ("7,5" or "7.5"); None if blank. Raises ValueError for anything else."""
    text = (text or "").strip().replace(",", ".")
    return float(text) if text else None


def decimal(value: float | None) -> str:
    """A score or points exactly as stored (up to three decimals), the locale's decimal mark:
    7,25 · 40; "—" for none."""
    if value is None:
        return "—"
    return format_decimal(float(value), format="0.###")


def megabytes(size: int) -> str:
    """Bytes as the megabytes people read, in the page's locale: 10485760 → "10",
    1572864 → "1,5" in Indonesian and "1.5" in English, like every other number.

    The form fields that show it read both marks back (:func:`typed_number`).
    """
    return format_decimal(round(size / MB, 1), format="0.#")


def size(value: int) -> str:
    """A file's size: whole kilobytes below a megabyte, else megabytes with one decimal."""
    if value < MB:
        return f"{format_decimal(max(1, round(value / KB)))} KB"
    return f"{format_decimal(round(value / MB, 1))} MB"


def when(value: dt.datetime | None) -> str:
    """A moment in the course's zone, with the zone's name: "20 Des 2026, 17.00 WIB"."""
    if value is None:
        return ""
    zone = course_zone()
    return f"{format_datetime(value, 'd MMM yyyy, HH.mm', tzinfo=zone, locale=locale())} {dict(ZONES)[zone.key]}"


def day(value: dt.date | None) -> str:
    return format_date(value, "d MMM yyyy", locale=locale()) if value else ""


def waited(value: dt.timedelta | None) -> str:
    """How long something waited, roughly ("3 hari"); "—" for none."""
    return format_timedelta(value, threshold=1.5) if value is not None else "—"


#: What every activity page may call; the kit's context processor hands them to templates.
HELPERS = {"number": number, "decimal": decimal, "megabytes": megabytes, "size": size, "when": when, "day": day, "waited": waited}
