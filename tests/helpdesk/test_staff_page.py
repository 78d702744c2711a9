"""The staff's work page of a request: the decision as a sentence, the timeline as lines a
person reads, the customer's context beside the conversation, only the work that applies,
who else has the request open, and a number of queries that does not grow with the
conversation or the customer's history."""

from datetime import date, timedelta

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from helpdesk.models import TimelineEvent
from helpdesk.requests import files, lifecycle, presence, staffpage, timeline
from tests.licensing.factories import LicenceFactory

from .factories import MessageFactory, SupportRequestFactory
from .test_sla_due import kl, malaysia_calendar

pytestmark = pytest.mark.django_db
Kind = TimelineEvent.Kind


def change_url(sr):
    return reverse("admin:helpdesk_supportrequest_change", args=[sr.pk])


@pytest.fixture
def desk(client, world):
    client.force_login(world.agent)
    return client


def test_the_decision_and_the_timeline_read_as_sentences(world, desk, file_request):
    sr = file_request(world.acme_member, world.acme_member_ws)
    lifecycle.assign_to_me(sr, by=world.agent)
    html = desk.get(change_url(sr)).content.decode()
    assert "Eligible</strong>: Endpoint Security 12.8 is covered by Standard Support" in html
    assert '{"eligible"' not in html and "rule_set:" not in html and "on_behalf" not in html
    assert "filed the request under the Support Rules of 2022-04-07" in html
    assert "Amir Agent assigned the request to agent@example.org · New → Open" in html


def test_a_status_change_is_read_with_the_action_that_made_it(world, file_request):
    sr = file_request()
    lifecycle.add_reply(sr, by=world.agent, body="Try safe mode.")
    lifecycle.resolve_request(sr, by=world.agent, note="Fixed.")
    lifecycle.add_reply(sr, by=world.home_user, body="It is back.")
    lines = timeline.lines(sr.timeline.select_related("actor").order_by("created_at", "pk"))
    assert [(line.text.removeprefix(f"{line.who} "), line.changes) for line in lines[1:]] == [
        ("replied to the customer", ["New → Open"]),
        ("resolved the request", ["Open → Resolved"]),
        ("wrote a reply", ["Resolved → Open"]),
    ]


@pytest.mark.parametrize("data", [{}, {"to": 17}, {"from": None, "to": None}, [1, 2], "x",
                                  {"size": "big", "name": "<b>"}, {"due": "not a date"},
                                  {"due": "2026-02-30T10:00:00"}, {"due": "2026-03-01T10:00"},
                                  {"target": "nothing", "reason": 5, "who": "me"}])
def test_every_kind_of_line_survives_details_it_does_not_expect(world, data):
    sr = SupportRequestFactory(requester=world.home_user)
    for kind in Kind.values:
        event = TimelineEvent.objects.create(request=sr, kind=kind, data=data)
        assert timeline.describe(event)


def test_the_customers_context_beside_the_conversation(world, desk, premium_world_licence,
                                                        file_request, at):
    at(kl(2026, 3, 4, 10, 0))  # a Wednesday morning in Kuala Lumpur: support hours
    malaysia_calendar()
    world.globex_admin.language = "ms"
    world.globex_admin.time_zone = "Asia/Kuala_Lumpur"
    world.globex_admin.save()
    earlier = file_request(world.globex_admin, world.globex_ws, subject="Earlier problem")
    sr = file_request(world.globex_admin, world.globex_ws, subject="Agent offline")
    LicenceFactory(product=world.biz, company=world.globex, plan=world.standard,
                   expires_on=date(2025, 1, 31), starts_on=date(2024, 2, 1))
    context = staffpage.customer_context(desk.get(change_url(sr)).context["support_request"])
    assert [o.reference for o in context["others"]] == [earlier.reference]
    assert context["more_others"] is False
    assert (context["company"], context["role"], context["language"]) == (
        world.globex, "Administrator", "Malay")
    assert context["local_time"].strftime("%H:%M %Z") == "10:00 +08"
    assert context["hours"]["open_now"] is True
    states = {row["licence"].pk: (row["state"], row["words"]) for row in context["licences"]}
    assert states[world.globex_licence.pk] == ("ok", "valid until 2027-12-31")
    assert ("bad", "expired 2025-01-31") in states.values()
    allowance = context["allowance"]
    assert (allowance["used"], allowance["allowance"]) == (2, 12)
    html = desk.get(change_url(sr)).content.decode()
    assert "Open now" in html and "2 of 12 used" in html and "Role: Administrator" in html
    at(kl(2026, 3, 7, 10, 0))  # Saturday
    assert "Closed now" in desk.get(change_url(sr)).content.decode()


@pytest.fixture
def premium_world_licence(world):
    licence = world.globex_licence
    licence.starts_on, licence.expires_on = date(2025, 6, 1), date(2027, 12, 31)
    licence.save()
    from .test_sla_due import targets

    targets(world.premium)
    return licence


def work_names(desk, sr) -> list[str]:
    return [w["name"] for w in desk.get(change_url(sr)).context["work_forms"]]


def test_only_the_work_that_applies_is_offered(world, desk, file_request):
    sr = file_request()
    assert "assign_to_me" in work_names(desk, sr) and "close" not in work_names(desk, sr)
    lifecycle.assign_to_me(sr, by=world.agent)
    assert "assign_to_me" not in work_names(desk, sr)
    lifecycle.resolve_request(sr, by=world.agent)
    offered = work_names(desk, sr)
    assert "close" in offered and "merge" in offered
    assert not {"resolve", "reject", "request_information", "change_plan"} & set(offered)
    lifecycle.close_request(sr, by=world.agent)
    assert work_names(desk, sr) == []
    assert "Nothing more can be done on this request." in desk.get(change_url(sr)).content.decode()


def test_also_being_worked_on_by_another_agent(world, client, file_request, time_machine):
    sr = file_request()
    cache.clear()
    url = reverse("admin:helpdesk_supportrequest_presence", args=[sr.pk])
    client.force_login(world.agent)
    assert client.post(url).json() == {"others": [], "text": ""}
    client.force_login(world.supervisor)
    time_machine.move_to(timezone.now() + timedelta(minutes=2), tick=False)
    answer = client.post(url).json()
    assert answer["others"] == [{"name": "Amir Agent", "minutes": 2}]
    assert answer["text"] == "Also being worked on by Amir Agent (seen 2 minutes ago)."
    # Gone after the window: nobody beat for five minutes.
    time_machine.move_to(timezone.now() + presence.WINDOW + timedelta(seconds=1), tick=False)
    assert client.post(url).json()["others"] == []
    assert client.get(url).status_code == 405
    missing = reverse("admin:helpdesk_supportrequest_presence", args=[sr.pk + 1000])
    assert client.post(missing).status_code == 404
    client.force_login(world.home_user)
    assert client.post(url).status_code == 302


def test_the_page_carries_the_heartbeat_and_the_feedback_panel(world, desk, file_request):
    sr = file_request()
    html = desk.get(change_url(sr)).content.decode()
    assert f'data-url="/admin/helpdesk/supportrequest/{sr.pk}/presence/"' in html
    assert 'src="/static/js/desk.js"' in html
    assert "Customer feedback" in html  # the feedback app's panel (staff.request slot)


def page_queries(client, sr) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(change_url(sr)).status_code == 200
    return len(queries)


def test_queries_do_not_grow_with_the_conversation_or_the_history(world, desk,
                                                                   premium_world_licence,
                                                                   file_request):
    sr = file_request(world.globex_admin, world.globex_ws)
    page_queries(desk, sr)
    few = page_queries(desk, sr)
    for n in range(25):
        message = MessageFactory(request=sr, author=world.agent if n % 2 else world.globex_admin,
                                 from_staff=bool(n % 2), is_internal=n % 10 == 5)
        if n % 6 == 0:
            files.upload_attachment(sr, by=world.globex_admin, message=message,
                                    file=SimpleUploadedFile(f"s{n}.png",
                                                            b"\x89PNG\r\n\x1a\n" + b"0" * 9))
    for _n in range(8):
        file_request(world.globex_admin, world.globex_ws)
        LicenceFactory(product=world.biz, company=world.globex, plan=world.premium)
    lifecycle.set_no_guarantee_flag(sr, by=world.agent, clause="4.4.3", note="Disk failing.")
    lifecycle.request_utility_run(sr, by=world.agent, utility="GSI", instructions="Run it.")
    assert page_queries(desk, sr) == few <= 15


def test_a_licence_recovery_request_looks_licences_up_by_a_partial_code(world, desk,
                                                                         file_request):
    recovery = file_request(world.acme_member, world.acme_member_ws, code="licence_recovery")
    key = world.acme_licence.key
    page = desk.get(change_url(recovery), {"licence_code": key[6:17]})
    html = page.content.decode()
    assert world.acme_licence.masked_key in html and "Held by Acme" in html
    assert key not in html  # only ever masked
    assert AuditEvent.objects.get(action="licence.key_lookup").data["within"] == \
        recovery.reference
    short = desk.get(change_url(recovery), {"licence_code": key[:5]}).content.decode()
    assert "at least 8 letters and digits" in short
    # Anywhere else the box is not there, and a partial code finds nothing.
    other = file_request()
    assert desk.get(change_url(other), {"licence_code": key[6:17]}).context[
        "licence_lookup"] is None


def test_the_work_page_reads_its_request_joining_few_tables(world, desk, file_request):
    """The catalogue's rows (topic, plan, queue, product, version, rules) come from memory:
    PostgreSQL took longer to plan the eleven-table join than to read the request."""
    sr = file_request(world.globex_admin, world.globex_ws)
    desk.get(change_url(sr))
    with CaptureQueriesContext(connection) as queries:
        assert desk.get(change_url(sr)).status_code == 200
    main = next(q["sql"] for q in queries.captured_queries if "requester_role" in q["sql"])
    joins = main[main.rindex('FROM "helpdesk_supportrequest"'):].count(" JOIN ")
    assert joins <= 4, main
