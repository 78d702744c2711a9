"""The helpdesk's helpers: timelines and emails, and the paid plans' due
times (the world itself is tests/world.py)."""

from datetime import date, datetime, time
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from helpdesk.models import OpeningHours, SlaTarget, SupportCalendar, SupportRequest
from helpdesk.sla.calendars import schedule_for


def kinds(support_request) -> list[str]:
    return list(support_request.timeline.order_by("pk").values_list("kind", flat=True))


def emails_to(outbox, address) -> list:
    return [m for m in outbox if address in m.to]


# Paid plans' due times (DESIGN.md section 5) ---------------------------------------------

KL = ZoneInfo("Asia/Kuala_Lumpur")


def kl(*args) -> datetime:
    return datetime(*args, tzinfo=KL)


def malaysia_calendar(segment="medium_large_business", country="MY") -> SupportCalendar:
    calendar = SupportCalendar.objects.create(
        name=f"Malaysia {segment}", country=country, segment=segment,
        time_zone="Asia/Kuala_Lumpur", holiday_country="MY", holiday_subdivision="KUL")
    OpeningHours.objects.bulk_create(
        OpeningHours(calendar=calendar, weekday=day, opens=time(9), closes=time(18))
        for day in range(5))
    return calendar


def targets(plan, priority="normal", *, first=240, following=480, resolution=1440,
            around_the_clock=False) -> SlaTarget:
    return SlaTarget.objects.create(
        plan=plan, priority=priority, first_response_minutes=first,
        next_response_minutes=following, resolution_minutes=resolution,
        around_the_clock=around_the_clock)


def fresh(sr) -> SupportRequest:
    return SupportRequest.objects.get(pk=sr.pk)


@pytest.fixture
def sla(world):
    """Globex (MY, medium & large business) on Premium Support, its admin filing."""
    w = SimpleNamespace(calendar=malaysia_calendar(), target=targets(world.premium))
    # Valid through every moment the tests travel to.
    for licence in (world.globex_licence, world.acme_licence):
        licence.starts_on, licence.expires_on = date(2025, 6, 1), date(2027, 12, 31)
        licence.save()
    w.schedule = schedule_for(w.calendar)
    return w


@pytest.fixture
def premium(world, file_request):
    def make(user=None, workspace=None, **kwargs):
        return file_request(user or world.globex_admin, workspace or world.globex_ws, **kwargs)

    return make
