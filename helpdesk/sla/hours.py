"""Business-hours arithmetic for SLA due times.

Pure functions over a `Schedule` (time zone, weekly wall-clock hours, holidays); no models, no
database. Every datetime going in must be aware; every datetime coming out is in UTC.

How wall-clock hours become real instants
-----------------------------------------
An opening interval is written in local wall time and may end at ``time(0, 0)``, meaning the
midnight that ends the day. Each endpoint is mapped to *the first instant at which the local
clock shows that wall time or a later one*:

* a normal wall time maps to its only instant, so on a DST day 09:00-18:00 lasts the real
  time between those two readings (8 or 10 hours where the clocks change inside it);
* a wall time repeated by a fall-back (e.g. 02:30 in Berlin on the last Sunday of October)
  maps to its first occurrence;
* a wall time skipped by a spring-forward (e.g. 02:30 on the last Sunday of March) maps to the
  instant of the jump, when the clock starts showing later times.

That mapping never goes backwards as the wall time grows, so intervals that do not overlap on
the wall clock never overlap in real time either (no minute is counted twice), and a 24x7
calendar counts exactly the elapsed real time.

Counting
--------
Opening intervals are half-open, [open, close). `business_minutes_between` sums the real
opening time in [a, b) and floors it to whole minutes; `add_business_minutes` returns the
earliest instant at which exactly ``minutes`` whole minutes of opening time have elapsed, so
``business_minutes_between(s, add_business_minutes(s, m, cal), cal) == m`` always holds. For
``m > 0`` the result lies in (open, close] of some interval: work that uses up the last
minute before closing is due *at* closing time, not at the next opening.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from types import MappingProxyType
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "MAX_CLOSED_DAYS",
    "Schedule",
    "add_business_minutes",
    "business_minutes_between",
    "next_opening",
]

# Searching forward for the next opening gives up after this many consecutive days without
# one: a calendar closed for three years is a data error, not a due date to wait for.
MAX_CLOSED_DAYS = 3 * 366

MIDNIGHT = time(0, 0)
_ONE_DAY = timedelta(days=1)
_ONE_MINUTE = timedelta(minutes=1)
_ONE_MICROSECOND = timedelta(microseconds=1)
# Bounds the per-schedule memo of day -> intervals; a few years of days is far below it.
_CACHE_LIMIT = 8192

Span = tuple[datetime, datetime]


def _default_years() -> range:
    this_year = datetime.now(UTC).year
    # One year back for requests filed late last year, and enough ahead to cover the
    # three-year search horizon.
    return range(this_year - 1, this_year + 4)


@dataclass(frozen=True)
class Schedule:
    """Opening hours of a support calendar.

    ``weekly`` maps a weekday (0 = Monday) to ordered, non-overlapping ``(start, end)`` pairs
    of naive local times; ``end == time(0, 0)`` means the end of the day. A weekday that is
    missing or empty is closed. ``closed_dates`` are local dates with no opening (holidays);
    ``open_dates`` re-open such dates with the weekday's usual hours and win over
    ``closed_dates`` (re-opening a weekday that has no hours still opens nothing).
    """

    time_zone: str
    # Left out of the hash because a mapping is not hashable; equality still compares it.
    weekly: Mapping[int, tuple[tuple[time, time], ...]] = field(hash=False)
    closed_dates: frozenset[date] = frozenset()
    open_dates: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        if not isinstance(self.time_zone, str) or not self.time_zone:
            raise ValueError(f"time_zone must be an IANA time zone name, got {self.time_zone!r}")
        try:
            tz = ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {self.time_zone!r}") from exc
        weekly = _validated_weekly(self.weekly)
        # Frozen dataclass: normalised values have to be written past __setattr__.
        object.__setattr__(self, "weekly", weekly)
        object.__setattr__(self, "closed_dates", _validated_dates(self.closed_dates, "closed"))
        object.__setattr__(self, "open_dates", _validated_dates(self.open_dates, "open"))
        object.__setattr__(self, "_tz", tz)
        object.__setattr__(self, "_spans_cache", {})

    @classmethod
    def always_open(
        cls,
        time_zone: str = "UTC",
        closed_dates: Iterable[date] = (),
        open_dates: Iterable[date] = (),
    ) -> Schedule:
        """24x7 coverage: every day from midnight to midnight."""
        return cls(
            time_zone=time_zone,
            weekly=dict.fromkeys(range(7), ((MIDNIGHT, MIDNIGHT),)),
            closed_dates=frozenset(closed_dates),
            open_dates=frozenset(open_dates),
        )

    @classmethod
    def from_holidays(
        cls,
        time_zone: str,
        weekly: Mapping[int, Iterable[tuple[time, time]]],
        country: str,
        subdiv: str | None = None,
        years: int | Iterable[int] | None = None,
        extra_closed: Iterable[date] = (),
        extra_open: Iterable[date] = (),
    ) -> Schedule:
        """A schedule closed on the public holidays (observed days included) that the
        `holidays` package lists for ``country``/``subdiv`` in ``years`` (default: last year
        to three years ahead), plus ``extra_closed``; ``extra_open`` re-opens days."""
        import holidays  # only this constructor needs it

        extra_closed = frozenset(extra_closed)
        extra_open = frozenset(extra_open)
        if both := extra_closed & extra_open:
            days = ", ".join(sorted(d.isoformat() for d in both))
            raise ValueError(f"dates both added as closed and re-opened: {days}")
        if years is None:
            years = _default_years()
        try:
            public = holidays.country_holidays(country, subdiv=subdiv, years=years)
        except NotImplementedError as exc:
            # The package signals an unknown country or subdivision this way.
            raise ValueError(str(exc)) from exc
        return cls(
            time_zone=time_zone,
            weekly=weekly,
            closed_dates=frozenset(public.keys()) | extra_closed,
            open_dates=extra_open,
        )

    def is_open(self, moment: datetime) -> bool:
        """Whether ``moment`` (aware) falls inside an opening interval."""
        moment = _as_utc(moment, "moment")
        day = moment.astimezone(self._tz).date()
        # A neighbouring day's interval can hold the moment when a clock change sits at
        # midnight, so look one day either side.
        return any(
            start <= moment < end
            for offset in (-1, 0, 1)
            for start, end in self.openings_on(day + offset * _ONE_DAY)
        )

    def openings_on(self, day: date) -> tuple[Span, ...]:
        """The opening intervals of local date ``day`` as (start, end) UTC instants."""
        cache: dict[date, tuple[Span, ...]] = self._spans_cache
        spans = cache.get(day)
        if spans is None:
            if len(cache) >= _CACHE_LIMIT:
                cache.clear()
            spans = cache[day] = self._compute_openings(day)
        return spans

    def _compute_openings(self, day: date) -> tuple[Span, ...]:
        if day in self.closed_dates and day not in self.open_dates:
            return ()
        spans = []
        for start, end in self.weekly[day.weekday()]:
            opens = self._first_instant(datetime.combine(day, start))
            end_day = day + _ONE_DAY if end == MIDNIGHT else day
            closes = self._first_instant(datetime.combine(end_day, end))
            # Both ends inside one skipped hour: the interval never happens that day.
            if opens < closes:
                spans.append((opens, closes))
        return tuple(spans)

    def _first_instant(self, wall: datetime) -> datetime:
        """The first UTC instant at which the local clock shows ``wall`` or later."""
        tz: ZoneInfo = self._tz
        # fold=0 picks the first occurrence of a repeated wall time.
        candidate = wall.replace(tzinfo=tz).astimezone(UTC)
        if candidate.astimezone(tz).replace(tzinfo=None) == wall:
            return candidate
        # ``wall`` was skipped by a spring-forward. fold=0 lands after the jump and fold=1
        # before it; zoneinfo does not expose the transition, so bisect for it. This runs
        # only for endpoints inside a skipped hour, i.e. almost never.
        before = wall.replace(tzinfo=tz, fold=1).astimezone(UTC)
        after = candidate
        offset_after = after.astimezone(tz).utcoffset()
        while after - before > _ONE_MICROSECOND:
            middle = before + (after - before) // 2
            if middle.astimezone(tz).utcoffset() == offset_after:
                after = middle
            else:
                before = middle
        return after

    def openings_from(self, moment: datetime) -> Iterator[Span]:
        """Opening intervals (UTC) that end after ``moment``, in order, without end.

        Raises ValueError when more than `MAX_CLOSED_DAYS` days pass without an opening.
        """
        moment = _as_utc(moment, "moment")
        day = moment.astimezone(self._tz).date() - _ONE_DAY
        closed_run = 0
        while True:
            found = False
            for span in self.openings_on(day):
                if span[1] > moment:
                    found = True
                    yield span
            if found:
                closed_run = 0
            else:
                closed_run += 1
                if closed_run > MAX_CLOSED_DAYS:
                    raise ValueError(
                        f"the calendar has no opening hours for more than {MAX_CLOSED_DAYS} "
                        f"days before {day.isoformat()} ({self.time_zone})"
                    )
            day += _ONE_DAY


def next_opening(moment: datetime, calendar: Schedule) -> datetime:
    """``moment`` itself (in UTC) if the calendar is open then, else the next opening."""
    moment = _as_utc(moment, "moment")
    start, _end = next(calendar.openings_from(moment))
    return max(moment, start)


def add_business_minutes(start: datetime, minutes: int, calendar: Schedule) -> datetime:
    """The UTC instant at which ``minutes`` of opening time have elapsed since ``start``."""
    start = _as_utc(start, "start")
    minutes = operator.index(minutes)
    if minutes < 0:
        raise ValueError(f"minutes must not be negative, got {minutes}")
    remaining = minutes * _ONE_MINUTE
    spans = calendar.openings_from(start)
    opens, closes = next(spans)
    cursor = max(start, opens)
    if not remaining:
        return cursor
    while True:
        available = closes - cursor
        if remaining <= available:
            return cursor + remaining
        remaining -= available
        cursor, closes = next(spans)


def business_minutes_between(a: datetime, b: datetime, calendar: Schedule) -> int:
    """Whole minutes of opening time in [a, b); 0 when ``b <= a``."""
    a = _as_utc(a, "a")
    b = _as_utc(b, "b")
    if b <= a:
        return 0
    tz = ZoneInfo(calendar.time_zone)
    day = a.astimezone(tz).date() - _ONE_DAY
    last_day = b.astimezone(tz).date() + _ONE_DAY
    total = timedelta(0)
    while day <= last_day:
        for opens, closes in calendar.openings_on(day):
            overlap = min(closes, b) - max(opens, a)
            if overlap > timedelta(0):
                total += overlap
        day += _ONE_DAY
    return total // _ONE_MINUTE


def _as_utc(moment: datetime, name: str) -> datetime:
    if not isinstance(moment, datetime):
        raise TypeError(f"{name} must be a datetime, got {type(moment).__name__}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime, got naive {moment.isoformat()}")
    # Everything internal is UTC: aware datetimes sharing a tzinfo compare and subtract as
    # wall times, which is wrong across a clock change.
    return moment.astimezone(UTC)


def _validated_weekly(
    weekly: Mapping[int, Iterable[tuple[time, time]]],
) -> Mapping[int, tuple[tuple[time, time], ...]]:
    if not isinstance(weekly, Mapping):
        raise ValueError(f"weekly must be a mapping of weekday -> intervals, got {weekly!r}")
    for key in weekly:
        if isinstance(key, bool) or not isinstance(key, int) or not 0 <= key <= 6:
            raise ValueError(f"weekly keys must be weekdays 0 (Monday) to 6, got {key!r}")
    normalised: dict[int, tuple[tuple[time, time], ...]] = {}
    for weekday in range(7):
        intervals = tuple(tuple(pair) for pair in weekly.get(weekday) or ())
        previous_end: time | None = None
        for pair in intervals:
            where = f"weekday {weekday} interval {pair!r}"
            if len(pair) != 2:
                raise ValueError(f"{where}: an interval is a (start, end) pair")
            start, end = pair
            for moment in pair:
                if not isinstance(moment, time):
                    raise ValueError(f"{where}: {moment!r} is not a datetime.time")
                if moment.tzinfo is not None:
                    raise ValueError(f"{where}: times are local wall times, without tzinfo")
            if previous_end == MIDNIGHT:
                raise ValueError(f"{where}: comes after an interval that ends at midnight")
            if end != MIDNIGHT and not start < end:
                raise ValueError(f"{where}: start must be before end (time(0, 0) = midnight)")
            if previous_end is not None and start < previous_end:
                raise ValueError(
                    f"{where}: intervals must be in order and must not overlap "
                    f"(starts before the previous one ends at {previous_end.isoformat()})"
                )
            previous_end = end
        normalised[weekday] = intervals
    if not any(normalised.values()):
        raise ValueError("weekly has no opening hours on any weekday")
    return MappingProxyType(normalised)


def _validated_dates(dates: Iterable[date], kind: str) -> frozenset[date]:
    if isinstance(dates, (str, date)):
        raise ValueError(f"{kind}_dates must be a collection of dates, got {dates!r}")
    dates = frozenset(dates)
    for day in dates:
        # datetime is a subclass of date; one here would never match a day lookup.
        if not isinstance(day, date) or isinstance(day, datetime):
            raise ValueError(f"{kind}_dates must hold datetime.date values, got {day!r}")
    return dates
