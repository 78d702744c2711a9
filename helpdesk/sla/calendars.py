"""Support calendars (clause 2.2): which calendar serves a customer, the business-hours
`Schedule` the SLA clock counts on, and the "our support hours for you" block.

A calendar is chosen by (country, segment), falling back to the segment's default calendar
(the one without a country). Its schedule is built from the weekly opening hours, the public
holidays the `holidays` package lists for its country (and state), and the days staff closed
or opened (`CalendarException`). Building it takes two queries and the holiday tables, so it
is cached: in the shared cache as plain data, and in the process as the built object while
the shared cache holds the same data. The key holds the calendar's `updated_at`, which
saving the calendar, its hours or its exceptions moves on (see
`helpdesk.models._calendar_changed`), so an edit is seen at the next lookup in every
process; and the current year, so the holiday horizon follows the calendar year.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone, translation
from django.utils.dates import WEEKDAYS

from .hours import MIDNIGHT, Schedule, next_opening
from .models import CalendarException, OpeningHours, SupportCalendar

__all__ = [
    "calendar_for", "holiday_names", "hours_for", "hours_for_workspace", "schedule_for",
    "week_summary", "weekly_hours",
]

logger = logging.getLogger(__name__)

CACHE_SECONDS = 6 * 3600
HOLIDAYS_SHOWN = 5
# How far ahead the hours block looks for holidays.
HOLIDAYS_HORIZON_DAYS = 366
_MEMO: dict[str, tuple[dict, Schedule]] = {}
_MEMO_LIMIT = 256


def calendar_for(country, segment: str) -> SupportCalendar | None:
    """The calendar of `country` (an ISO code) and `segment`, else the segment's default
    (country left empty); None when neither exists. One query."""
    code = str(country or "").upper()
    found = {_code(c.country): c for c in SupportCalendar.objects.filter(
        segment=segment, country__in={code, ""})}
    return found.get(code) or found.get("")


def _code(country) -> str:
    return (getattr(country, "code", None) or str(country or "")).upper()


def schedule_for(calendar: SupportCalendar) -> Schedule:
    """The calendar's business hours for `helpdesk.sla`: its weekly hours, closed on public
    holidays (last year to three years ahead) and on the days staff closed, open on the days
    staff opened. Raises ValueError for a calendar without any opening hours."""
    year = timezone.now().year
    stamp = calendar.updated_at.timestamp() if calendar.updated_at else 0
    key = f"helpdesk:schedule:v1:{calendar.pk}:{stamp}:{year}"
    data = cache.get(key)
    if data is None:
        data = _schedule_data(calendar, year)
        cache.set(key, data, CACHE_SECONDS)
    # The built object is kept in the process while the shared cache holds the same data
    # (a cleared or rebuilt cache entry is never answered from a stale copy).
    memo = _MEMO.get(key)
    if memo is not None and memo[0] == data:
        return memo[1]
    schedule = Schedule(
        time_zone=data["time_zone"],
        weekly={int(day): tuple((time.fromisoformat(a), time.fromisoformat(b))
                                for a, b in spans)
                for day, spans in data["weekly"].items()},
        closed_dates=frozenset(date.fromisoformat(d) for d in data["closed"]),
        open_dates=frozenset(date.fromisoformat(d) for d in data["open"]),
    )
    if len(_MEMO) >= _MEMO_LIMIT:
        _MEMO.clear()
    _MEMO[key] = (data, schedule)
    return schedule


def _years(year: int) -> range:
    return range(year - 1, year + 4)


def _schedule_data(calendar: SupportCalendar, year: int) -> dict:
    """Plain data (strings) of a schedule, so any cache backend can keep it."""
    weekly: dict[int, list[tuple[str, str]]] = {}
    for row in OpeningHours.objects.filter(calendar=calendar).order_by("weekday", "opens"):
        weekly.setdefault(row.weekday, []).append((row.opens.isoformat("minutes"),
                                                   row.closes.isoformat("minutes")))
    closed, opened = set(), set()
    for day, kind in CalendarException.objects.filter(calendar=calendar).values_list(
            "date", "kind"):
        (closed if kind == CalendarException.Kind.CLOSED else opened).add(day)
    closed |= set(_public_holidays(calendar, _years(year)))
    return {
        "time_zone": calendar.time_zone,
        "weekly": weekly,
        "closed": sorted(d.isoformat() for d in closed - opened),
        "open": sorted(d.isoformat() for d in opened),
    }


def _public_holidays(calendar: SupportCalendar, years, language: str | None = None) -> dict:
    """{date: name} of the calendar's public holidays; empty without a holiday country or
    for one the package does not know (logged: the calendar then has no public holidays)."""
    if not calendar.holiday_country:
        return {}
    import holidays

    try:
        cls = holidays.country_holidays(calendar.holiday_country.upper(),
                                        subdiv=calendar.holiday_subdivision or None,
                                        years=years)
        if language:
            cls = holidays.country_holidays(
                calendar.holiday_country.upper(), subdiv=calendar.holiday_subdivision or None,
                years=years, language=_holiday_language(cls, language))
    except NotImplementedError:
        logger.warning("Calendar %s: no public holidays known for %s/%s", calendar.pk,
                       calendar.holiday_country, calendar.holiday_subdivision)
        return {}
    return dict(cls.items())


def _holiday_language(table, language: str) -> str | None:
    """The package's name for `language` ("ms" -> "ms_MY"), or None (its default)."""
    supported = getattr(table, "supported_languages", ()) or ()
    for code in supported:
        if code == language or code.split("_")[0] == language:
            return code
    return None


def holiday_names(calendar: SupportCalendar, language: str | None = None) -> dict[date, str]:
    """{date: name} of the days the calendar is closed beyond its weekly hours, in
    `language` where the `holidays` package has it; days staff closed carry their note."""
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    year = timezone.now().year
    stamp = calendar.updated_at.timestamp() if calendar.updated_at else 0
    key = f"helpdesk:holiday-names:v1:{calendar.pk}:{stamp}:{year}:{language}"
    names = cache.get(key)
    if names is None:
        public = _public_holidays(calendar, _years(year), language)
        names = {d.isoformat(): name for d, name in public.items()}
        for row in CalendarException.objects.filter(calendar=calendar):
            if row.kind == CalendarException.Kind.CLOSED:
                names[row.date.isoformat()] = row.note or names.get(row.date.isoformat(), "")
            else:
                names.pop(row.date.isoformat(), None)
        cache.set(key, names, CACHE_SECONDS)
    return {date.fromisoformat(d): name for d, name in names.items()}


# The hours block ---------------------------------------------------------------------------

def weekly_hours(schedule: Schedule, time_zone: str, *,
                 now: datetime | None = None) -> list[dict]:
    """The usual week of `schedule` (holidays left out) as seen on the clock of `time_zone`:
    one row per weekday, Monday first, with its opening intervals as "HH:MM" strings
    ("24:00" for the midnight that ends a day). An interval crossing midnight on the
    viewer's clock is split between the two days. Uses the current week, so the clock
    changes in force this week are the ones shown."""
    now = now or timezone.now()
    viewer = ZoneInfo(time_zone)
    usual = Schedule(time_zone=schedule.time_zone, weekly=schedule.weekly)
    local_today = now.astimezone(ZoneInfo(schedule.time_zone)).date()
    monday = local_today - timedelta(days=local_today.weekday())
    per_day: dict[int, list[tuple[datetime, datetime]]] = {d: [] for d in range(7)}
    for offset in range(7):
        for start, end in usual.openings_on(monday + timedelta(days=offset)):
            start, end = start.astimezone(viewer), end.astimezone(viewer)
            while start < end:
                midnight = datetime.combine(start.date() + timedelta(days=1), MIDNIGHT,
                                            tzinfo=viewer)
                piece_end = min(end, midnight)
                per_day[start.weekday()].append((start, piece_end))
                start = piece_end
    rows = []
    for weekday in range(7):
        intervals = []
        # By the clock: the pieces of one weekday can come from both ends of the week.
        for start, end in sorted(per_day[weekday], key=lambda span: span[0].time()):
            start_text = start.strftime("%H:%M")
            end_text = "24:00" if end.time() == MIDNIGHT and end.date() > start.date() \
                else end.strftime("%H:%M")
            if intervals and intervals[-1]["end"] == start_text:
                intervals[-1]["end"] = end_text  # one interval cut at the week's edge
            else:
                intervals.append({"start": start_text, "end": end_text})
        rows.append({"weekday": weekday, "name": WEEKDAYS[weekday], "intervals": intervals})
    return rows


def hours_for(country, segment: str, time_zone: str, *,
              now: datetime | None = None) -> dict | None:
    """The support hours serving a customer of `country` and `segment`, on the clock of
    `time_zone`: None when no calendar serves them, else a dict with ``calendar``,
    ``schedule``, ``week`` (see `weekly_hours`), ``open_now``, and ``closes_at`` (when
    open) or ``next_opening`` (when closed), aware, in `time_zone`. One query with a warm
    cache."""
    now = now or timezone.now()
    calendar = calendar_for(country, segment)
    if calendar is None:
        return None
    try:
        schedule = schedule_for(calendar)
    except ValueError:
        logger.warning("Calendar %s has no opening hours", calendar.pk)
        return None
    viewer = ZoneInfo(time_zone)
    open_now = schedule.is_open(now)
    closes_at = opens_at = None
    try:
        if open_now:
            closes_at = _open_until(schedule, now)
            closes_at = closes_at.astimezone(viewer) if closes_at else None
        else:
            opens_at = next_opening(now, schedule).astimezone(viewer)
    except ValueError:  # closed for years: a data error, shown as closed
        pass
    return {
        "calendar": calendar,
        "schedule": schedule,
        "week": weekly_hours(schedule, time_zone, now=now),
        "open_now": open_now,
        "closes_at": closes_at,
        "next_opening": opens_at,
    }


def week_summary(week: list[dict]) -> str:
    """A week of `weekly_hours` as one line in the active language, days with the same
    hours run together: "Monday \u2013 Friday 09:00\u201318:00; Saturday 10:00\u201316:00"
    (with en dashes)."""
    runs: list[list] = []  # [first weekday, last weekday, hours]
    for row in week:
        hours = ", ".join(f"{span['start']}\u2013{span['end']}" for span in row["intervals"])
        if not hours:
            continue
        if runs and runs[-1][2] == hours and runs[-1][1] == row["weekday"] - 1:
            runs[-1][1] = row["weekday"]
        else:
            runs.append([row["weekday"], row["weekday"], hours])
    parts = []
    for first, last, hours in runs:
        days = str(WEEKDAYS[first]) if first == last \
            else f"{WEEKDAYS[first]} \u2013 {WEEKDAYS[last]}"
        parts.append(f"{days} {hours}")
    return "; ".join(parts)


def hours_for_workspace(workspace, user=None, *, now: datetime | None = None,
                        holidays_shown: int = HOLIDAYS_SHOWN) -> dict | None:
    """What the "our support hours for you" block shows for a workspace (its country and
    segment pick the calendar), on the clock of `user` (default: the workspace's user).

    None when no calendar serves the workspace. Otherwise the dict of `hours_for`, with
    ``time_zone`` (the user's), ``calendar_time_zone``, ``same_time_zone``,
    ``calendar_week`` (the week in the calendar's time zone), and ``holidays``: the next
    days the calendar is closed on a working weekday, as ``{"date": date, "name": str}``.
    One query with a warm cache.
    """
    user = user or workspace.user
    now = now or timezone.now()
    user_zone = getattr(user, "time_zone", "") or settings.DEFAULT_USER_TIME_ZONE
    hours = hours_for(workspace.country, workspace.segment, user_zone, now=now)
    if hours is None:
        return None
    calendar, schedule = hours["calendar"], hours["schedule"]
    return {
        **hours,
        "time_zone": user_zone,
        "calendar_time_zone": calendar.time_zone,
        "same_time_zone": _same_offsets(user_zone, calendar.time_zone, now),
        "calendar_week": weekly_hours(schedule, calendar.time_zone, now=now),
        "holidays": _next_holidays(calendar, schedule, now, holidays_shown),
    }


def _open_until(schedule: Schedule, now: datetime) -> datetime | None:
    """When the opening that holds `now` ends, joining intervals that follow each other
    without a gap; None when it lasts more than a week (around the clock)."""
    until = None
    for start, end in schedule.openings_from(now):
        if until is None:
            if start > now:
                return None
            until = end
        elif start <= until:
            until = max(until, end)
        else:
            return until
        if until - now > timedelta(days=7):
            return None
    return until


def _same_offsets(zone_a: str, zone_b: str, now: datetime) -> bool:
    return now.astimezone(ZoneInfo(zone_a)).utcoffset() == \
        now.astimezone(ZoneInfo(zone_b)).utcoffset()


def _next_holidays(calendar, schedule: Schedule, now: datetime, count: int) -> list[dict]:
    today = now.astimezone(ZoneInfo(schedule.time_zone)).date()
    horizon = today + timedelta(days=HOLIDAYS_HORIZON_DAYS)
    days = sorted(d for d in schedule.closed_dates - schedule.open_dates
                  if today <= d <= horizon and schedule.weekly[d.weekday()])[:count]
    if not days:
        return []
    names = holiday_names(calendar)
    return [{"date": d, "name": names.get(d, "")} for d in days]
