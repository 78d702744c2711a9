"""The support desk in the admin: list, work page, reply box, work forms, list actions,
phone intake and the dashboard, all through the admin's own views."""

import io

import pytest
import pyzipper
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from helpdesk.models import Attachment, Message, SupportRequest
from helpdesk.requests import dashboard, files, lifecycle
from tests.accounts.factories import AgentFactory

from .conftest import kinds
from .factories import SupportRequestFactory, category

pytestmark = pytest.mark.django_db
Status = SupportRequest.Status
CHANGELIST = "/admin/helpdesk/supportrequest/"


def change_url(sr):
    return reverse("admin:helpdesk_supportrequest_change", args=[sr.pk])


@pytest.fixture
def desk(client, world):
    client.force_login(world.agent)
    return client


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_the_work_page_shows_the_conversation_with_notes_and_the_forms(world, desk,
                                                                       file_request):
    sr = file_request()
    lifecycle.add_reply(sr, by=world.agent, body="Checking with the lab.", internal=True)
    response = desk.get(change_url(sr))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Checking with the lab." in html and "internal note" in html
    assert 'name="_reply"' in html and 'value="resolve"' in html
    assert sr.reference in html


def test_a_reply_posted_on_the_change_page_is_sent(world, desk, file_request, run_outbox):
    sr = file_request()
    run_outbox().clear()
    response = desk.post(change_url(sr), {"_reply": "1", "body": "Try **safe mode**."})
    assert response.status_code == 302
    message = Message.objects.get(request=sr)
    assert not message.is_internal and message.author == world.agent
    assert "replied" in kinds(sr)
    [mail] = run_outbox()
    assert mail.to == [world.home_user.email] and "safe mode" in mail.body


def test_an_internal_note_from_the_change_page_is_not_emailed(world, desk, file_request,
                                                              run_outbox):
    sr = file_request()
    run_outbox().clear()
    desk.post(change_url(sr), {"_reply": "1", "body": "Looks like a cracked copy.",
                               "internal": "on"})
    assert Message.objects.get(request=sr).is_internal
    assert run_outbox() == []


def test_a_work_form_resolves_through_the_service(world, desk, file_request, run_outbox):
    sr = file_request()
    run_outbox().clear()
    response = desk.post(change_url(sr), {"_work": "resolve",
                                          "resolve-note": "Fixed by the latest update."})
    assert response.status_code == 302
    sr.refresh_from_db()
    assert sr.status == Status.RESOLVED
    assert kinds(sr)[-2:] == ["resolved", "status_changed"]
    [mail] = run_outbox()
    assert "Resolved" in mail.subject and "latest update" in mail.body


@pytest.mark.parametrize(("work", "data", "check"), [
    ("assign_to_me", {}, lambda sr, world: sr.assignee == world.agent),
    ("request_information", {"request_information-body": "Which build?"},
     lambda sr, world: sr.status == Status.WAITING_ON_CUSTOMER),
    ("request_utility", {"request_utility-utility": "GetSystemInfo",
                         "request_utility-instructions": "Run it and upload the report.",
                         "request_utility-url": "https://example.com/gsi"},
     lambda sr, world: sr.utility_requests.count() == 1),
    ("reject", {"reject-clause": "4.2.7", "reject-reason": "Another vendor's app."},
     lambda sr, world: sr.rejection_clause == "4.2.7"),
    ("flag", {"flag-clause": "4.4.3", "flag-note": "The disk is failing."},
     lambda sr, world: sr.no_guarantee_flags.get().clause == "4.4.3"),
])
def test_each_work_form(world, desk, file_request, work, data, check):
    sr = file_request()
    response = desk.post(change_url(sr), {"_work": work, **data})
    assert response.status_code == 302
    sr.refresh_from_db()
    assert check(sr, world), _messages(response)


def test_merge_from_the_work_page(world, desk, file_request):
    first, duplicate = file_request(), file_request()
    desk.post(change_url(duplicate), {"_work": "merge", "merge-into": first.reference})
    duplicate.refresh_from_db()
    assert duplicate.merged_into == first and duplicate.status == Status.CLOSED


def test_a_refused_work_is_reported_and_changes_nothing(world, desk, file_request):
    sr = file_request()
    response = desk.post(change_url(sr), {"_work": "close"}, follow=True)
    assert any("can be closed" in m for m in _messages(response))
    sr.refresh_from_db()
    assert sr.status == Status.NEW


def test_a_list_action_assigns_to_me(world, desk, file_request):
    first, second = file_request(), file_request()
    response = desk.post(CHANGELIST, {"action": "assign_to_me",
                                      "_selected_action": [first.pk, second.pk]})
    assert response.status_code == 302
    for sr in (first, second):
        sr.refresh_from_db()
        assert sr.assignee == world.agent and "assigned" in kinds(sr)


def test_a_refused_file_on_a_reply_keeps_the_reply(world, desk, file_request):
    sr = file_request()
    response = desk.post(change_url(sr), {
        "_reply": "1", "body": "See the attached tool.",
        "file": SimpleUploadedFile("tool.exe", b"MZ" + b"\0" * 200)}, follow=True)
    assert Message.objects.filter(request=sr, body="See the attached tool.").exists()
    assert not Attachment.objects.exists()
    assert any("not attached" in m and "not accepted" in m for m in _messages(response))


def test_a_file_on_a_reply_is_attached(world, desk, file_request):
    sr = file_request()
    png = SimpleUploadedFile("s.png", b"\x89PNG\r\n\x1a\n" + b"0" * 9)
    desk.post(change_url(sr), {"_reply": "1", "body": "Screenshot of the setting.",
                               "file": png})
    assert Attachment.objects.get().message.body == "Screenshot of the setting."


def test_staff_download_a_sample_from_the_work_page(world, desk, file_request):
    sr = file_request(code="false_positive")
    attachment = files.upload_attachment(sr, by=world.home_user,
                                            file=SimpleUploadedFile("clean.exe", b"MZ" * 50))
    page = desk.get(change_url(sr)).content.decode()
    url = reverse("admin:helpdesk_supportrequest_download", args=[sr.pk, attachment.pk])
    assert url in page
    response = desk.get(url)
    assert response["Content-Type"] == "application/zip"
    with pyzipper.AESZipFile(io.BytesIO(b"".join(response.streaming_content))) as archive:
        archive.setpassword(b"infected")
        assert archive.read("clean.exe") == b"MZ" * 50


def test_an_agent_outside_the_queue_reads_but_cannot_work(world, client, file_request):
    sr = file_request()
    client.force_login(world.outsider)
    page = client.get(change_url(sr))
    assert page.status_code == 200 and b"not in one of your queues" in page.content
    response = client.post(change_url(sr), {"_reply": "1", "body": "Hello"}, follow=True)
    assert not Message.objects.exists()
    assert any("queue" in m for m in _messages(response))


def test_customers_do_not_reach_the_desk(world, client, file_request):
    sr = file_request()
    client.force_login(world.home_user)
    assert client.get(change_url(sr)).status_code == 302
    assert client.post(change_url(sr), {"_reply": "1", "body": "x"}).status_code == 302
    assert not Message.objects.exists()


def _changelist_queries(client, query=""):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(CHANGELIST + query).status_code == 200
    return len(queries)


def test_the_changelist_filters_and_costs_the_same_queries_for_1_and_30(world, desk):
    SupportRequestFactory(requester=world.home_user, queue=world.queues["home"])
    query = ("?status=active&queue=mine&assigned=none&segment=home"
             f"&category__id__exact={category('malfunction').pk}")
    _changelist_queries(desk, query)
    one = _changelist_queries(desk, query)
    for n in range(29):
        SupportRequestFactory(requester=world.home_user, queue=world.queues["home"],
                              assignee=world.agent if n % 3 == 0 else None)
    assert _changelist_queries(desk, query) == one
    assert len(desk.get(CHANGELIST + query).context["cl"].result_list) == 20
    assert _changelist_queries(desk) <= one + 2


def test_search_by_reference_email_and_licence_key(world, desk, file_request):
    mine = file_request(world.acme_member, world.acme_member_ws)
    other = file_request()

    def found(term):
        response = desk.get(CHANGELIST, {"q": term})
        return [sr.reference for sr in response.context["cl"].result_list]

    assert found(mine.reference) == [mine.reference]
    assert found(world.home_user.email) == [other.reference]
    key = world.acme_licence.key.replace("-", "").lower()
    assert found(key) == [mine.reference]


def test_phone_intake_files_for_the_customer(world, desk, run_outbox):
    form = {"customer": world.acme_member.email, "company": world.acme.pk,
            "category": "malfunction",
            "product": world.biz.code, "version": "12.8", "os": "windows", "os_version": "11",
            "subject": "Called in: agent crashes", "description": "On every start.",
            "priority": "high"}
    response = desk.post(reverse("admin:helpdesk_supportrequest_add"), form)
    assert response.status_code == 302, response.content
    sr = SupportRequest.objects.get()
    assert (sr.requester, sr.filed_by, sr.company) == (world.acme_member, world.agent, world.acme)
    assert [m.to for m in run_outbox()] == [[world.acme_member.email]]
    refused = desk.post(reverse("admin:helpdesk_supportrequest_add"), {
        **form, "customer": world.home_user.email, "company": "", "product": world.free.code,
        "version": "3.1"})
    assert refused.status_code == 200 and b"4.5a" in refused.content


def test_the_dashboard_counts_link_into_the_list(world, desk, file_request):
    mine = file_request()
    lifecycle.assign_to_me(mine, by=world.agent)
    file_request()  # unassigned, in the agent's queue
    waiting = file_request()
    lifecycle.assign_to_me(waiting, by=world.agent)
    lifecycle.request_information(waiting, by=world.agent, body="?")
    response = desk.get("/admin/")
    assert response.status_code == 200
    cards = {c["label"]: c for c in response.context["helpdesk_dashboard"]["cards"]}
    assert [c["count"] for c in cards.values()] == [1, 1, 1, 0, 0]
    for card in cards.values():
        listed = desk.get(card["url"]).context["cl"].result_list
        assert len(listed) == card["count"]


def test_the_dashboard_stops_counting_at_its_cap(world, desk, file_request, monkeypatch):
    """A supervisor's queues can hold every active request: the cards count up to a cap,
    through the indexes, instead of all of them."""
    monkeypatch.setattr(dashboard, "COUNT_CAP", 2)
    for _n in range(3):
        file_request()  # unassigned, in the agent's queue
    file_request()

    cards = desk.get("/admin/").context["helpdesk_dashboard"]["cards"]

    assert [c["count"] for c in cards] == [0, "2+", 0, 0, 0]


def test_the_dashboard_of_staff_without_queues_counts_nothing(world, client):
    client.force_login(AgentFactory())

    cards = client.get("/admin/").context["helpdesk_dashboard"]["cards"]

    assert [c["count"] for c in cards] == [0, 0, 0, 0, 0]
