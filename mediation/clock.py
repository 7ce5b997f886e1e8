"""Time as the centre keeps it: China Standard Time (Asia/Shanghai, UTC+8), whatever the host's zone.

Every moment the program stores or compares is a naive :class:`datetime` in
the centre's zone (docs/design.md §3, "Time"). "Now" and "today" are taken in that
zone; a moment given with another offset is converted to it. China has kept
UTC+8 without daylight saving since 1991, so a fixed offset is exact for
every date a case can bear and needs no time-zone database on the host.

Nothing else in the package reads the clock: routing and review take the
date as a parameter, and the desk's use cases take ``at`` (default
:func:`now`).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

#: The centre's zone: China Standard Time.
CENTRE_TZ = timezone(timedelta(hours=8), "CST")


def now() -> datetime:
    """The centre's local time now, to the second, naive."""
    return datetime.now(CENTRE_TZ).replace(tzinfo=None, microsecond=0)


def today() -> date:
    """The centre's date now."""
    return datetime.now(CENTRE_TZ).date()


def to_centre(moment: datetime) -> datetime:
    """A moment as the centre's naive local time: an aware one is converted, a naive one is kept."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(CENTRE_TZ).replace(tzinfo=None)
