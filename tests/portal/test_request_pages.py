"""The request list and a request's page: filters, the conversation, replies, files,
utility requests, no-guarantee flags, due times, and what bad input does."""

import re
from datetime import timedelta
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from helpdesk.models import Attachment, Message, SupportRequest
from helpdesk.requests import lifecycle
from tests.helpdesk.factories import SupportRequestFactory

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def agent(world):
    return world.agent


@pytest.fixture
def sr(world, file_request):
    return file_request(world.home_user)


def _errors_of(body: str, field: str) -> str:
    match = re.search(rf'<ul class="errorlist" id="id_{field}_error">(.*?)</ul>', body, re.S)
    return unescape(match.group(1)) if match else ""


# The list --------------------------------------------------------------------------------

def test_the_list_filters_by_status_and_searches_subject_and_reference(client, world):
    old = SupportRequestFactory(requester=world.home_user, subject="Licence lost",
                                status=SupportRequest.Status.CLOSED)
    new = SupportRequestFactory(requester=world.home_user, subject="Scan freezes")
    client.force_login(world.home_user)
    body = client.get("/my/requests/").content.decode()
    assert old.reference in body and new.reference in body
    body = client.get("/my/requests/?status=active").content.decode()
    assert new.reference in body and old.reference not in body
    body = client.get("/my/requests/?status=closed").content.decode()
    assert old.reference in body and new.reference not in body
    body = client.get("/my/requests/?q=freez").content.decode()
    assert new.reference in body and old.reference not in body
    body = client.get(f"/my/requests/?q={old.reference.lower()}").content.decode()
    assert old.reference in body and new.reference not in body
    assert "No request matches." in client.get("/my/requests/?q=nothing").content.decode()


def test_a_bad_filter_is_shown_next_to_its_field_and_not_applied(client, world):
    SupportRequestFactory(requester=world.home_user)
    client.force_login(world.home_user)
    response = client.get("/my/requests/", {"status": "<b>bogus</b>", "q": "x" * 101})
    body = response.content.decode()
    assert response.status_code == 400
    assert "Select a valid choice" in _errors_of(body, "status")
    assert "at most 100 characters" in _errors_of(body, "q")
    assert "<b>bogus</b>" not in body


def test_the_home_list_pages_by_25_and_the_company_list_by_50(client, world):
    for _ in range(26):
        SupportRequestFactory(requester=world.home_user)
    for _ in range(51):
        SupportRequestFactory(company=world.acme, requester=world.acme_member)
    client.force_login(world.home_user)
    response = client.get("/my/requests/?status=active")
    assert len(response.context["rows"]) == 25
    assert "Page 1 of 2" in response.content.decode()
    assert 'href="?status=active&amp;page=2"' in response.content.decode()
    assert len(client.get("/my/requests/?page=2").context["rows"]) == 1
    assert client.get("/my/requests/?page=abc").status_code == 200
    client.force_login(world.acme_admin)
    assert len(client.get("/company/acme/requests/").context["rows"]) == 50


def test_members_see_their_own_company_requests_and_admins_all(client, world):
    mine = SupportRequestFactory(company=world.acme, requester=world.acme_member)
    theirs = SupportRequestFactory(company=world.acme, requester=world.acme_member2)
    client.force_login(world.acme_member)
    body = client.get("/company/acme/requests/").content.decode()
    assert mine.reference in body and theirs.reference not in body
    assert "Filed by" not in body
    client.force_login(world.acme_admin)
    body = client.get("/company/acme/requests/").content.decode()
    assert mine.reference in body and theirs.reference in body
    assert "member2@acme.example" in body  # admins see who filed each


def test_a_subject_with_markup_comes_back_escaped(client, world, file_request):
    sr = file_request(world.home_user, subject=XSS, description=XSS)
    client.force_login(world.home_user)
    for url in ("/my/requests/", f"/my/requests/{sr.reference}/", "/my/"):
        body = client.get(url).content.decode()
        assert "<script>alert" not in body and "<img src=x" not in body, url
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in body, url


# Conversation ----------------------------------------------------------------------------

def test_the_conversation_shows_public_replies_only(client, world, sr, agent):
    lifecycle.add_reply(sr, by=agent, body="Please run the scan **again**.")
    lifecycle.add_reply(sr, by=agent, body="Internal: customer seems confused", internal=True)
    client.force_login(world.home_user)
    body = client.get(f"/my/requests/{sr.reference}/").content.decode()
    assert "Please run the scan <strong>again</strong>." in body
    assert "Internal: customer seems confused" not in body
    assert "Amir, Support" in body


def test_a_reply_is_sent_and_an_empty_or_long_one_is_refused(client, world, sr):
    client.force_login(world.home_user)
    url = f"/my/requests/{sr.reference}/reply/"
    response = client.post(url, {"body": "It happens again " + XSS})
    assert response.status_code == 302
    assert response["Location"] == f"/my/requests/{sr.reference}/#conversation"
    body = client.get(response["Location"]).content.decode()
    assert "Your reply is sent." in body and "It happens again" in body
    assert "<script>alert" not in body and "<img src=x" not in body
    response = client.post(url, {"body": "   "})
    assert response.status_code == 400
    assert "required" in _errors_of(response.content.decode(), "body")
    response = client.post(url, {"body": "y" * 20001})
    assert response.status_code == 400
    assert "at most 20000 characters" in _errors_of(response.content.decode(), "body")
    assert Message.objects.filter(request=sr).count() == 1
    assert client.get(url).status_code == 302  # nothing happens on GET


def test_a_reply_to_a_closed_request_opens_a_follow_up(client, world, sr, agent):
    lifecycle.resolve_request(sr, by=agent, note="Fixed in 21.22.")
    SupportRequest.objects.filter(pk=sr.pk).update(status=SupportRequest.Status.CLOSED)
    client.force_login(world.home_user)
    response = client.post(f"/my/requests/{sr.reference}/reply/", {"body": "It is back."})
    follow_up = SupportRequest.objects.get(follows_up=sr)
    assert response["Location"] == f"/my/requests/{follow_up.reference}/#conversation"
    body = client.get(response["Location"]).content.decode()
    assert "went to its follow-up" in body and f'href="/my/requests/{sr.reference}/"' in body


# Files -----------------------------------------------------------------------------------

def _upload(client, sr, upload, **data):
    return client.post(f"/my/requests/{sr.reference}/upload/", {"file": upload, **data})


def test_a_file_is_uploaded_and_listed(client, world, sr):
    client.force_login(world.home_user)
    response = _upload(client, sr, SimpleUploadedFile("screen.png", PNG))
    assert response.status_code == 302 and response["Location"].endswith("#files")
    attachment = Attachment.objects.get(request=sr)
    body = client.get(f"/my/requests/{sr.reference}/").content.decode()
    assert "screen.png is uploaded." in body
    assert f'href="/my/requests/{sr.reference}/files/{attachment.pk}/"' in body


@pytest.mark.parametrize("name, content, message", [
    ("empty.txt", b"", "The submitted file is empty."),
    ("tool.exe", b"MZ\x90\x00" + b"\x00" * 200, "This type of file is not accepted."),
    ("a|b.txt", b"hello\n", "is not allowed: a file name may not contain"),
    ("page.txt", b"<html><script>alert(1)</script></html>",
     "“page.txt” holds HTML or SVG markup"),
])
def test_refused_files_show_why_next_to_the_field(client, world, sr, name, content, message):
    client.force_login(world.home_user)
    response = _upload(client, sr, SimpleUploadedFile(name, content))
    assert response.status_code == 400
    assert message in _errors_of(response.content.decode(), "file_general")
    assert not Attachment.objects.filter(request=sr).exists()


def test_a_missing_file_and_a_too_large_one_are_refused(client, world, sr, settings):
    client.force_login(world.home_user)
    response = client.post(f"/my/requests/{sr.reference}/upload/", {})
    assert "required" in _errors_of(response.content.decode(), "file_general")
    settings.ATTACHMENT_MAX_BYTES = 1024
    response = _upload(client, sr, SimpleUploadedFile("big.png", PNG * 40))
    assert response.status_code == 400
    assert "larger than the limit of 1.0" in _errors_of(response.content.decode(),
                                                         "file_general")
    assert not Attachment.objects.filter(request=sr).exists()


def test_samples_are_listed_as_metadata_only(client, world, file_request):
    sr = file_request(world.home_user, code="undetected_malware")
    client.force_login(world.home_user)
    _upload(client, sr, SimpleUploadedFile("dropper.exe", b"MZ\x90\x00" + b"\x01" * 100))
    sample = Attachment.objects.get(request=sr)
    assert sample.is_sample
    body = client.get(f"/my/requests/{sr.reference}/").content.decode()
    assert "dropper.exe" in body and sample.sha256 in body
    assert f"/files/{sample.pk}/" not in body
    assert client.get(f"/my/requests/{sr.reference}/files/{sample.pk}/").status_code == 404


def test_a_utility_request_is_answered_by_uploading_its_output(client, world, sr, agent):
    utility = lifecycle.request_utility_run(sr, by=agent, utility="GetSystemInfo",
                                           instructions="Run it and send the report.",
                                           url="https://example.com/gsi.zip")
    client.force_login(world.home_user)
    body = client.get(f"/my/requests/{sr.reference}/").content.decode()
    assert "GetSystemInfo" in body and "Run it and send the report." in body
    assert f'name="utility_request" value="{utility.pk}"' in body
    assert "Waiting for your reply" in body
    # A refused file is reported on that utility's own form.
    response = _upload(client, sr, SimpleUploadedFile("report.exe", b"MZ" + b"\x00" * 99),
                       utility_request=utility.pk)
    assert "not accepted" in _errors_of(response.content.decode(),
                                        f"file_utility{utility.pk}")
    response = _upload(client, sr, SimpleUploadedFile("report.txt", b"cpu: 4\n"),
                       utility_request=utility.pk)
    assert response.status_code == 302
    utility.refresh_from_db()
    sr.refresh_from_db()
    assert utility.fulfilled_at is not None and sr.status == SupportRequest.Status.OPEN
    response = _upload(client, sr, SimpleUploadedFile("again.txt", b"x\n"),
                       utility_request=utility.pk)
    assert response.status_code == 400
    assert "not waiting for a file" in unescape(response.content.decode())


# Flags, due times, feedback -----------------------------------------------------------------

def test_no_guarantee_flags_show_their_clause(client, world, sr, agent):
    lifecycle.set_no_guarantee_flag(sr, by=agent, clause="4.4.1",
                                   note="Malware was found on the computer.")
    client.force_login(world.home_user)
    body = unescape(client.get(f"/my/requests/{sr.reference}/").content.decode())
    assert 'href="/rules/#clause-4.4.1"' in body
    assert "Installed on an infected device" in body
    assert "Malware was found on the computer." in body


def test_due_times_show_for_paid_plans_only_and_never_when_empty(client, world, file_request):
    premium = file_request(world.globex_admin, world.globex_ws)
    client.force_login(world.globex_admin)
    url = f"/company/globex/requests/{premium.reference}/"
    SupportRequest.objects.filter(pk=premium.pk).update(
        first_response_due=None, next_response_due=None, resolution_due=None)
    body = client.get(url).content.decode()
    assert "answer due" not in body and "Resolution due" not in body
    due = timezone.now() + timedelta(hours=4)
    SupportRequest.objects.filter(pk=premium.pk).update(first_response_due=due,
                                                        resolution_due=due)
    body = client.get(url).content.decode()
    assert "First answer due" in body and "Resolution due" in body
    assert f'datetime="{timezone.localtime(due).isoformat()}"'[:30] in body
    standard = file_request(world.home_user)
    SupportRequest.objects.filter(pk=standard.pk).update(first_response_due=due)
    client.force_login(world.home_user)
    assert "answer due" not in client.get(f"/my/requests/{standard.reference}/").content.decode()


def test_times_are_shown_in_the_users_time_zone(client, world, file_request):
    world.home_user.time_zone = "America/New_York"
    world.home_user.save()
    sr = file_request(world.home_user)
    client.force_login(world.home_user)
    body = client.get(f"/my/requests/{sr.reference}/").content.decode()
    local = sr.created_at.astimezone(__import__("zoneinfo").ZoneInfo("America/New_York"))
    assert f'datetime="{local.isoformat()}"' in body


def test_the_request_links_its_rules_version_and_feedback_once_answered(client, world, sr,
                                                                         agent):
    """Feedback is offered once support has answered (there is a service to rate), not on
    a request just filed, and no more once it is given."""
    client.force_login(world.home_user)
    feedback_link = f'href="/my/feedback/requests/{sr.reference}/"'
    body = client.get(f"/my/requests/{sr.reference}/").content.decode()
    assert f'href="/rules/{sr.rule_set.version}/"' in body
    assert feedback_link not in body
    lifecycle.add_reply(sr, by=agent, body="Please update the databases.")
    assert feedback_link in client.get(f"/my/requests/{sr.reference}/").content.decode()
    client.post(f"/my/feedback/requests/{sr.reference}/", {"satisfaction": "5"})
    assert feedback_link not in client.get(f"/my/requests/{sr.reference}/").content.decode()


def test_a_refused_follow_up_shows_the_decision_and_keeps_the_reply(client, world, sr, agent):
    lifecycle.resolve_request(sr, by=agent, note="Fixed.")
    SupportRequest.objects.filter(pk=sr.pk).update(status=SupportRequest.Status.CLOSED)
    world.home_v.end_of_support = timezone.localdate() - timedelta(days=1)
    world.home_v.save()
    client.force_login(world.home_user)
    response = client.post(f"/my/requests/{sr.reference}/reply/", {"body": "Back again."})
    body = unescape(response.content.decode())
    assert response.status_code == 422
    assert "(clause 4.3.2)" in body and 'href="/rules/#clause-4.3.2"' in body
    assert "Back again.</textarea>" in body
    assert not SupportRequest.objects.filter(follows_up=sr).exists()


def test_the_dashboard_counts_open_requests_and_lists_the_latest(client, world):
    for _ in range(7):
        SupportRequestFactory(requester=world.home_user)
    SupportRequestFactory(requester=world.home_user, status=SupportRequest.Status.CLOSED)
    client.force_login(world.home_user)
    response = client.get("/my/")
    assert "All requests (7 open)" in response.content.decode()
    assert response.content.decode().count('class="status status-new"') == 5
