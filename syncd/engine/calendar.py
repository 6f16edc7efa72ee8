"""Time that counts towards an SLA: all of it, or only a calendar's business hours.

Pure: the caller passes every instant. Business time walks the calendar day by day in its
time zone (zoneinfo), so daylight-saving changes and holidays fall where they should.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from syncd.workflow import WEEKDAYS, Calendar

MAX_DAYS = 3660  # a deadline further than ten years out is taken as never


class Span:
    """Counts every second (calendar time)."""

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        """Counted time between two instants (zero when ``end`` is before ``start``)."""
        return max(timedelta(0), end - start)

    def add(self, start: datetime, amount: timedelta) -> datetime:
        """The instant at which ``amount`` of counted time has passed since ``start``."""
        return start + amount


class BusinessSpan(Span):
    """Counts only the calendar's working hours."""

    def __init__(self, cal: Calendar) -> None:
        self.cal = cal
        self.zone = ZoneInfo(cal.timezone)
        self.days = {WEEKDAYS.index(d) for d in cal.days}
        self.holidays = set(cal.holidays)
        self.opens = time.fromisoformat(cal.start)
        self.closes = time.fromisoformat(cal.end)

    def _window(self, d: date) -> tuple[datetime, datetime] | None:
        if d.weekday() not in self.days or d in self.holidays:
            return None
        lo = datetime.combine(d, self.opens, self.zone).astimezone(UTC)
        hi = datetime.combine(d, self.closes, self.zone).astimezone(UTC)
        return (lo, hi) if hi > lo else None

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        if end <= start:
            return timedelta(0)
        total = timedelta(0)
        d = start.astimezone(self.zone).date()
        last = end.astimezone(self.zone).date()
        while d <= last:
            w = self._window(d)
            if w is not None:
                lo, hi = max(w[0], start), min(w[1], end)
                if hi > lo:
                    total += hi - lo
            d += timedelta(days=1)
        return total

    def add(self, start: datetime, amount: timedelta) -> datetime:
        left = amount
        d = start.astimezone(self.zone).date()
        for _ in range(MAX_DAYS):
            w = self._window(d)
            if w is not None:
                lo = max(w[0], start)
                if w[1] > lo:
                    if lo + left <= w[1]:
                        return lo + left
                    left -= w[1] - lo
            d += timedelta(days=1)
        return start + timedelta(days=MAX_DAYS)


def span_for(name: str | None, calendars: dict[str, Calendar]) -> Span:
    """The clock an SLA counts on: a named business calendar or plain time."""
    if name and name in calendars:
        return BusinessSpan(calendars[name])
    return Span()
