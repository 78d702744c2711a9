"""Support calendars (clause 2.2): the calendar of a country and segment, its schedule
with public holidays and staff's days, the cache that follows edits, and the "our support
hours for you" block in the user's time zone."""

import re
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.template.loader import render_to_string
from django.utils import translation

from accounts.workspace import Workspace
from helpdesk.models import CalendarException, OpeningHours, SupportCalendar
from helpdesk.sla.calendars import calendar_for, hours_for_workspace, schedule_for, weekly_hours
from helpdesk.sla.hours import Schedule
from tests.accounts.factories import UserFactory

from .conftest import kl, malaysia_calendar

pytestmark = pytest.mark.django_db


def test_the_country_calendar_wins_over_the_default_of_the_segment():
    malaysia = malaysia_calendar(segment="home")
    default = SupportCalendar.objects.create(name="Default home", country="", segment="home",
                                             time_zone="UTC")
    assert calendar_for("MY", "home") == malaysia
    assert calendar_for("my", "home") == malaysia
    assert calendar_for("DE", "home") == default
    assert calendar_for("MY", "small_business") is None


def test_the_schedule_closes_on_public_holidays_and_follows_staff_days():
    calendar = malaysia_calendar()
    schedule = schedule_for(calendar)
    assert schedule.time_zone == "Asia/Kuala_Lumpur"
    assert date(2026, 8, 31) in schedule.closed_dates  # National Day
    assert date(2026, 6, 2) in schedule.closed_dates  # Vesak (observed), Kuala Lumpur
    assert not schedule.is_open(kl(2026, 8, 31, 10, 0))
    assert schedule.is_open(kl(2026, 9, 1, 10, 0))

    CalendarException.objects.create(calendar=calendar, date=date(2026, 9, 1), kind="closed",
                                     note="Office move")
    worked = CalendarException.objects.create(calendar=calendar, date=date(2026, 8, 31),
                                              kind="open")
    calendar.refresh_from_db()
    schedule = schedule_for(calendar)
    assert not schedule.is_open(kl(2026, 9, 1, 10, 0))
    assert schedule.is_open(kl(2026, 8, 31, 10, 0))

    worked.delete()
    calendar.refresh_from_db()
    assert not schedule_for(calendar).is_open(kl(2026, 8, 31, 10, 0))


def test_an_edit_of_the_hours_is_seen_at_the_next_lookup(django_assert_num_queries):
    calendar = malaysia_calendar()
    first = schedule_for(calendar)
    with django_assert_num_queries(0):  # cached
        assert schedule_for(calendar) is first
    monday = OpeningHours.objects.get(calendar=calendar, weekday=0)
    monday.closes = time(20, 0)
    monday.save()
    calendar.refresh_from_db()
    assert schedule_for(calendar).is_open(kl(2026, 3, 9, 19, 0))
    assert not first.is_open(kl(2026, 3, 9, 19, 0))


def test_hours_are_shown_in_the_users_time_zone(world, at):
    malaysia_calendar(segment="home")
    at(kl(2026, 3, 10, 10, 0))  # a Tuesday, open
    world.home_user.time_zone = "America/Los_Angeles"
    world.home_user.save()
    hours = hours_for_workspace(Workspace(user=world.home_user), world.home_user)
    assert hours["time_zone"] == "America/Los_Angeles"
    assert hours["calendar_time_zone"] == "Asia/Kuala_Lumpur"
    assert hours["same_time_zone"] is False
    # 09:00-18:00 in Kuala Lumpur is 18:00-03:00 the evening before in Los Angeles (PDT
    # since 8 March), split at midnight.
    week = {row["weekday"]: [(i["start"], i["end"]) for i in row["intervals"]]
            for row in hours["week"]}
    assert week[6] == [("18:00", "24:00")]  # Sunday evening
    assert week[0] == [("00:00", "03:00"), ("18:00", "24:00")]
    assert week[4] == [("00:00", "03:00")]
    assert week[5] == []
    assert hours["calendar_week"][0]["intervals"] == [{"start": "09:00", "end": "18:00"}]
    assert hours["open_now"] is True
    assert hours["closes_at"] == datetime(2026, 3, 10, 18, 0, tzinfo=ZoneInfo("Asia/Kuala_Lumpur"))
    assert hours["closes_at"].tzinfo == ZoneInfo("America/Los_Angeles")


def test_hours_say_when_support_opens_again_and_list_the_next_holidays(world, at):
    malaysia_calendar(segment="home")
    at(kl(2026, 8, 28, 19, 0))  # Friday evening before National Day
    hours = hours_for_workspace(Workspace(user=world.home_user), world.home_user)
    assert hours["time_zone"] == "Asia/Kuala_Lumpur" and hours["same_time_zone"] is True
    assert hours["open_now"] is False
    assert hours["next_opening"] == kl(2026, 9, 1, 9, 0)
    first = hours["holidays"][0]
    assert first["date"] == date(2026, 8, 31) and first["name"] == "National Day"
    # Holidays on a weekend close nothing and are left out.
    assert all(h["date"].weekday() < 5 for h in hours["holidays"])
    with translation.override("ms"):
        hours = hours_for_workspace(Workspace(user=world.home_user), world.home_user)
    assert hours["holidays"][0]["name"] == "Hari Kebangsaan"


def test_no_calendar_means_no_block(world):
    assert hours_for_workspace(Workspace(user=world.home_user), world.home_user) is None
    html = render_to_string("helpdesk/includes/support_hours.html", {"hours": None})
    assert html.strip() == ""


def test_the_block_renders_accessible_translated_html_in_the_users_time_zone(world, at):
    malaysia_calendar(segment="home")
    at(kl(2026, 3, 10, 20, 0))  # closed
    user = UserFactory(time_zone="Europe/London")
    hours = hours_for_workspace(Workspace(user=user), user)
    html = render_to_string("helpdesk/includes/support_hours.html", {"hours": hours})
    assert 'aria-labelledby="support-hours-title"' in html
    assert '<h2 id="support-hours-title">Our support hours for you</h2>' in html
    assert "<caption>" in html and 'scope="row"' in html
    assert "Europe/London" in html
    # 09:00-18:00 in Kuala Lumpur is 01:00-10:00 in London (GMT in March).
    assert re.search(r"Monday</th><td>01:00\u201310:00</td>", html)
    assert "Support is closed now." in html
    assert 'datetime="2026-03-11T01:00:00+00:00"' in html  # opens again, London time
    assert "<script" not in html and "style=" not in html
    with translation.override("ms"):
        html_ms = render_to_string("helpdesk/includes/support_hours.html", {"hours": hours})
    assert "Isnin" in html_ms  # weekday names follow the language


def test_the_start_page_panel_gives_the_hours_and_the_allowance(world, rf):
    malaysia_calendar(segment="medium_large_business")
    request = rf.get("/")
    request.user = world.globex_admin
    html = Template("{% load workspace %}{% slot_panels 'workspace.dashboard' workspace %}"
                    ).render(Context({"workspace": world.globex_ws, "request": request}))
    assert "Our support hours for you" in html
    assert "Premium requests used this licence year: 0 of 12" in html


def test_weekly_hours_join_an_around_the_clock_week():
    rows = weekly_hours(Schedule.always_open("Asia/Kuala_Lumpur"), "Europe/Berlin",
                        now=kl(2026, 3, 10, 12, 0))
    assert all(row["intervals"] == [{"start": "00:00", "end": "24:00"}] for row in rows)
