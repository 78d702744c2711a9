"""Support hours and service levels in the admin: calendars with their hours and days,
SLA targets, authorised contacts, the breach report, and the SLA columns, filter and plan
change on the request list and work page."""

import re
from datetime import date

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from accounts.registry import sync_staff_groups
from accounts.workspace import resolve_workspace
from helpdesk import tasks
from helpdesk.models import AuthorisedContact, OpeningHours, SupportCalendar, SupportRequest
from helpdesk.requests import lifecycle
from tests.accounts.factories import MembershipFactory

from .conftest import kl, malaysia_calendar, targets

pytestmark = pytest.mark.django_db
SlaState = SupportRequest.SlaState


@pytest.fixture
def boss(client, world):
    # The groups get the permissions of models added after their data migration when they
    # are synced again (the demo seed does it).
    sync_staff_groups()
    client.force_login(world.supervisor)
    return client


@pytest.fixture
def premium_world(world):
    malaysia_calendar()
    targets(world.premium)
    for licence in (world.globex_licence, world.acme_licence):
        licence.starts_on, licence.expires_on = date(2025, 6, 1), date(2027, 12, 31)
        licence.save()
    return world


def inline_data(prefix, rows, initial=0):
    data = {f"{prefix}-TOTAL_FORMS": str(len(rows)), f"{prefix}-INITIAL_FORMS": str(initial),
            f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"}
    for n, row in enumerate(rows):
        data.update({f"{prefix}-{n}-{key}": value for key, value in row.items()})
    return data


def calendar_post(hours, **fields):
    return {
        "name": "Singapore home", "country": "SG", "segment": "home",
        "time_zone": "Asia/Singapore", "holiday_country": "SG", "holiday_subdivision": "",
        **fields,
        **inline_data("opening_hours", hours),
        **inline_data("exceptions", [{"date": "2026-12-24", "kind": "closed",
                                      "note": "Christmas Eve"}]),
    }


def test_a_supervisor_adds_a_calendar_with_its_hours_and_days(world, boss):
    response = boss.post("/admin/helpdesk/supportcalendar/add/", calendar_post([
        {"weekday": "0", "opens": "09:00", "closes": "13:00"},
        {"weekday": "0", "opens": "14:00", "closes": "18:00"},
    ]))
    assert response.status_code == 302, response.content.decode()[:3000]
    calendar = SupportCalendar.objects.get(country="SG", segment="home")
    assert OpeningHours.objects.filter(calendar=calendar).count() == 2
    assert calendar.exceptions.get().note == "Christmas Eve"
    page = boss.get(reverse("admin:helpdesk_supportcalendar_change", args=[calendar.pk]))
    assert page.status_code == 200
    assert "Christmas Eve" in page.content.decode()  # among the next days without support


def test_overlapping_hours_and_an_unknown_state_are_refused(world, boss):
    response = boss.post("/admin/helpdesk/supportcalendar/add/", calendar_post([
        {"weekday": "0", "opens": "09:00", "closes": "13:00"},
        {"weekday": "0", "opens": "12:00", "closes": "18:00"},
    ]))
    assert response.status_code == 200
    assert "must not overlap" in response.content.decode()
    response = boss.post("/admin/helpdesk/supportcalendar/add/", calendar_post(
        [{"weekday": "0", "opens": "09:00", "closes": "18:00"}], holiday_subdivision="XX"))
    assert response.status_code == 200
    assert not SupportCalendar.objects.exists()


def test_targets_are_only_for_paid_plans(world, boss):
    page = boss.get("/admin/helpdesk/slatarget/add/").content.decode()
    assert "Premium Support" in page and "Standard Support</option>" not in page
    response = boss.post("/admin/helpdesk/slatarget/add/", {
        "plan": world.premium.pk, "priority": "high", "first_response_minutes": "240",
        "next_response_minutes": "480", "resolution_minutes": "1440"})
    assert response.status_code == 302
    assert world.premium.sla_targets.get().first_response_minutes == 240


def test_the_authorised_contacts_admin_keeps_to_the_plans_number(world, boss):
    members = [MembershipFactory(company=world.globex).user for _ in range(3)]
    for user in members[:2]:
        AuthorisedContact.objects.create(company=world.globex, user=user)
    response = boss.post("/admin/helpdesk/authorisedcontact/add/",
                         {"company": world.globex.pk, "user": members[2].pk})
    assert response.status_code == 200 and "allows 2" in response.content.decode()
    response = boss.post("/admin/helpdesk/authorisedcontact/add/",
                         {"company": world.globex.pk, "user": world.acme_admin.pk})
    assert "not a member" in response.content.decode()
    response = boss.post("/admin/helpdesk/authorisedcontact/add/",
                         {"company": world.acme.pk, "user": world.acme_admin.pk})
    assert "no valid licence on a paid support plan" in response.content.decode()
    assert AuthorisedContact.objects.count() == 2


def test_the_breach_report_counts_per_plan_queue_and_month(world, boss, premium_world,
                                                          file_request, time_machine):
    time_machine.move_to(kl(2026, 3, 10, 9, 0), tick=False)
    on_time = file_request(world.globex_admin, world.globex_ws)
    late = file_request(world.globex_admin, world.globex_ws, subject="Late")
    file_request(world.acme_member, world.acme_member_ws)  # Standard Support: not counted
    time_machine.move_to(kl(2026, 3, 10, 10, 0), tick=False)
    lifecycle.resolve_request(on_time, by=world.agent, note="Done.")
    time_machine.move_to(kl(2026, 3, 10, 14, 0), tick=False)
    tasks.sweep_sla()
    response = boss.get(reverse("admin:helpdesk_sla_breach_report"), {"months": "12"})
    assert response.status_code == 200
    [row] = response.context["rows"]
    assert row["plan__name"] == "Premium Support"
    assert row["queue__name"] == "Default medium_large_business"
    assert (row["total"], row["met"], row["breached"], row["escalated"], row["active"]) == \
        (2, 1, 1, 1, 1)
    assert row["first_response_missed"] == 1 and row["breach_rate"] == 50.0
    csv = boss.get(reverse("admin:helpdesk_sla_breach_report"), {"format": "csv"})
    assert csv["Content-Type"].startswith("text/csv")
    assert "2026-03,Premium Support,Default medium_large_business,2,1,1,1,1,1,50.0" in \
        csv.content.decode()
    assert late.reference not in csv.content.decode()
    # An agent without the targets' permissions may not see it.
    boss.force_login(world.agent)
    assert boss.get(reverse("admin:helpdesk_sla_breach_report")).status_code == 403


def test_the_request_list_filters_by_sla_state_and_shows_due_times(world, boss, premium_world,
                                                                   file_request):
    premium = file_request(world.globex_admin, world.globex_ws)
    standard = file_request(world.acme_member, world.acme_member_ws, subject="Standard one")
    page = boss.get("/admin/helpdesk/supportrequest/", {"sla": "on_track"})
    assert page.status_code == 200
    html = page.content.decode()
    assert premium.reference in html and standard.reference not in html
    # The nearest due time, as a countdown coloured by the SLA state.
    assert re.search(r'class="desk-due desk-due-ok"[^>]*>in \d+ (h|d|min)', html)
    page = boss.get("/admin/helpdesk/supportrequest/", {"sla": "standard"})
    assert standard.reference in page.content.decode()
    assert premium.reference not in page.content.decode()
    assert boss.get("/admin/helpdesk/supportrequest/", {"sla": "overdue"}).status_code == 200


def test_staff_change_the_plan_from_the_work_page(world, client, premium_world, file_request):
    member = MembershipFactory(company=world.globex).user
    sr = file_request(member, resolve_workspace(member, "globex"))
    assert sr.standard_reason == "not_authorised"
    client.force_login(world.agent)
    url = reverse("admin:helpdesk_supportrequest_change", args=[sr.pk])
    assert 'value="change_plan"' in client.get(url).content.decode()
    response = client.post(url, {"_work": "change_plan", "change_plan-plan": world.premium.pk})
    assert response.status_code == 302
    assert any("Plan changed" in str(m) for m in get_messages(response.wsgi_request))
    sr.refresh_from_db()
    assert sr.plan == world.premium and sr.first_response_due is not None
    assert sr.sla_state == SlaState.ON_TRACK
