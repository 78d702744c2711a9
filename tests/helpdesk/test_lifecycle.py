"""Every transition of DESIGN.md section 4, by the right person and by the wrong ones."""

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from accounts.errors import DomainError, InvalidState, NotAllowed
from helpdesk.models import Message, NoGuaranteeFlag, SupportRequest
from helpdesk.requests import files, lifecycle

from .conftest import emails_to, kinds

pytestmark = pytest.mark.django_db
Status = SupportRequest.Status
NOTE = "Internal: the customer is on a cracked build, do not tell them yet."


def _fresh(sr):
    return SupportRequest.objects.get(pk=sr.pk)


def test_assign_to_me_opens_a_new_request(hd, file_request):
    sr = file_request()
    sr = lifecycle.assign_to_me(sr, by=hd.agent)
    assert (sr.status, sr.assignee) == (Status.OPEN, hd.agent)
    assert kinds(sr) == ["filed", "assigned", "status_changed"]
    assert sr.timeline.get(kind="assigned").is_internal


def test_a_supervisor_assigns_to_an_agent_and_the_same_assignment_is_a_no_op(hd, file_request):
    sr = file_request()
    lifecycle.assign(sr, to=hd.agent, by=hd.supervisor)
    lifecycle.assign(sr, to=hd.agent, by=hd.supervisor)
    assert kinds(sr).count("assigned") == 1
    with pytest.raises(DomainError):
        lifecycle.assign(sr, to=hd.home_user, by=hd.supervisor)


@pytest.mark.parametrize("who", ["home_user", "acme_admin", "outsider"])
def test_the_wrong_people_cannot_assign(hd, file_request, who):
    sr = file_request()
    with pytest.raises(NotAllowed):
        lifecycle.assign_to_me(sr, by=getattr(hd, who))
    assert _fresh(sr).assignee is None


def test_a_staff_reply_is_the_first_response_and_is_emailed(hd, file_request, run_outbox):
    sr = file_request()
    run_outbox().clear()
    message = lifecycle.add_reply(sr, by=hd.agent, body="Please **restart** the scan.")
    sr = _fresh(sr)
    assert sr.status == Status.OPEN and sr.first_response_at == message.created_at
    assert "<strong>restart</strong>" in message.body_html and message.from_staff
    assert kinds(sr)[-2:] == ["replied", "status_changed"]
    [mail] = run_outbox()
    assert mail.to == [hd.home_user.email]
    assert "restart" in mail.body and "Amir" in mail.body


def test_internal_notes_never_reach_the_customer(hd, file_request, run_outbox, api):
    sr = file_request()
    run_outbox().clear()
    note = lifecycle.add_reply(sr, by=hd.agent, body=NOTE, internal=True)
    lifecycle.add_reply(sr, by=hd.agent, body="We are looking into it.")
    lifecycle.request_information(sr, by=hd.agent, body="Which Windows build?")
    lifecycle.resolve_request(sr, by=hd.agent, note="Fixed in the next update.")
    assert note.is_internal and _fresh(sr).first_response_at is not None
    assert sr.timeline.get(kind="note_added").is_internal
    # Emails
    mails = run_outbox()
    assert len(mails) == 3
    for mail in mails:
        assert "cracked" not in mail.body
        assert "cracked" not in mail.alternatives[0][0]
    # API, as the customer
    client = api(hd.home_user)
    messages = client.get(f"/api/v1/requests/{sr.reference}/messages/").json()["results"]
    assert [m["body"] for m in messages] == [
        "We are looking into it.", "Which Windows build?", "Fixed in the next update."]
    detail = client.get(f"/api/v1/requests/{sr.reference}/").json()
    assert detail["messages_count"] == 3
    # ... and as staff, who see the note
    staff = api(hd.agent).get(f"/api/v1/requests/{sr.reference}/messages/").json()
    assert NOTE in [m["body"] for m in staff["results"]]


def test_customers_cannot_write_internal_notes(hd, file_request):
    sr = file_request()
    with pytest.raises(NotAllowed):
        lifecycle.add_reply(sr, by=hd.home_user, body="secret", internal=True)
    assert not Message.objects.exists()


def test_strangers_cannot_reply(hd, file_request):
    sr = file_request(hd.acme_member, hd.acme_member_ws)
    for stranger in (hd.acme_member2, hd.globex_admin, hd.home_user, hd.outsider):
        with pytest.raises(NotAllowed):
            lifecycle.add_reply(sr, by=stranger, body="Hello")
    lifecycle.add_reply(sr, by=hd.acme_admin, body="Any news?")  # a company admin can


def test_information_request_waits_and_a_customer_reply_reopens(hd, file_request, run_outbox):
    sr = file_request()
    run_outbox().clear()
    lifecycle.request_information(sr, by=hd.agent, body="Send the trace log, please.")
    sr = _fresh(sr)
    assert sr.status == Status.WAITING_ON_CUSTOMER and sr.waiting_since is not None
    [mail] = run_outbox()
    assert "trace log" in mail.body and sr.reference in mail.subject
    lifecycle.add_reply(sr, by=hd.home_user, body="Here it is.")
    sr = _fresh(sr)
    assert sr.status == Status.OPEN and sr.waiting_since is None
    assert sr.last_customer_reply_at is not None
    assert kinds(sr)[-2:] == ["customer_replied", "status_changed"]
    with pytest.raises(NotAllowed):
        lifecycle.request_information(sr, by=hd.home_user, body="?")


def test_a_utility_run_is_answered_by_the_customers_upload(hd, file_request, run_outbox):
    sr = file_request()
    run_outbox().clear()
    utility = lifecycle.request_utility_run(
        sr, by=hd.agent, utility="GetSystemInfo", url="https://example.com/gsi",
        instructions="Run it and upload the report.")
    assert _fresh(sr).status == Status.WAITING_ON_CUSTOMER
    [mail] = run_outbox()
    assert "GetSystemInfo" in mail.subject and "https://example.com/gsi" in mail.body
    report = ContentFile(b"GetSystemInfo report\nOS: Windows 11\n", name="gsi.log")
    with pytest.raises(NotAllowed):
        files.upload_attachment(sr, by=hd.agent, file=report, utility_request=utility)
    attachment = files.upload_attachment(sr, by=hd.home_user, file=report,
                                            utility_request=utility)
    utility.refresh_from_db()
    assert utility.fulfilled_at is not None and utility.attachment == attachment
    assert _fresh(sr).status == Status.OPEN
    assert "utility_answered" in kinds(sr)
    with pytest.raises(InvalidState):
        files.upload_attachment(sr, by=hd.home_user, file=report, utility_request=utility)


def test_resolve_and_reopen_within_the_window(hd, file_request, run_outbox):
    sr = file_request()
    lifecycle.assign_to_me(sr, by=hd.agent)
    run_outbox().clear()
    lifecycle.resolve_request(sr, by=hd.agent, note="Update to the latest build.")
    sr = _fresh(sr)
    assert sr.status == Status.RESOLVED and sr.resolved_at is not None
    [mail] = run_outbox()
    assert "resolved" in mail.subject.lower() and "7 days" in mail.body
    lifecycle.add_reply(sr, by=hd.home_user, body="Still broken.")
    sr = _fresh(sr)
    assert sr.status == Status.OPEN and sr.resolved_at is None
    assert "reopened" in kinds(sr)


def test_a_reply_after_the_window_opens_a_follow_up(hd, file_request, run_outbox):
    sr = file_request()
    lifecycle.resolve_request(sr, by=hd.agent)
    SupportRequest.objects.filter(pk=sr.pk).update(
        resolved_at=timezone.now() - timedelta(days=8))
    message = lifecycle.add_reply(sr, by=hd.home_user, body="It is back.")
    new = message.request
    assert new.pk != sr.pk and new.follows_up == sr
    assert new.status == Status.NEW and new.requester == hd.home_user
    assert _fresh(sr).status == Status.RESOLVED
    assert "follow_up_opened" in kinds(sr)
    assert sr.reference in run_outbox()[-1].body


def test_a_reply_to_a_closed_request_opens_a_follow_up(hd, file_request):
    sr = file_request(hd.acme_member, hd.acme_member_ws)
    lifecycle.resolve_request(sr, by=hd.agent)
    lifecycle.close_request(sr, by=hd.agent)
    message = lifecycle.add_reply(sr, by=hd.acme_member, body="Again, sorry.")
    assert message.request.follows_up == sr and message.request.company == hd.acme
    assert message.request.licence == hd.acme_licence


def test_reject_with_a_clause(hd, file_request, run_outbox):
    sr = file_request()
    run_outbox().clear()
    with pytest.raises(DomainError):
        lifecycle.reject_request(sr, by=hd.agent, clause="9.9", reason="No.")
    with pytest.raises(NotAllowed):
        lifecycle.reject_request(sr, by=hd.home_user, clause="4.2.7", reason="No.")
    lifecycle.reject_request(sr, by=hd.agent, clause="4.2.7",
                            reason="This is a question about another vendor's application.")
    sr = _fresh(sr)
    assert (sr.status, sr.rejection_clause) == (Status.REJECTED, "4.2.7")
    assert sr.timeline.get(kind="rejected").data["clause"] == "4.2.7"
    [mail] = run_outbox()
    assert "4.2.7" in mail.body
    with pytest.raises(InvalidState):
        lifecycle.resolve_request(sr, by=hd.agent)


def test_close_a_resolved_request(hd, file_request, run_outbox):
    sr = file_request()
    with pytest.raises(InvalidState):
        lifecycle.close_request(sr, by=hd.agent)
    lifecycle.resolve_request(sr, by=hd.agent)
    run_outbox().clear()
    with pytest.raises(NotAllowed):
        lifecycle.close_request(sr, by=hd.home_user)
    lifecycle.close_request(sr, by=hd.agent)
    sr = _fresh(sr)
    assert sr.status == Status.CLOSED and sr.close_reason == "by_staff"
    [mail] = run_outbox()
    assert "closed" in mail.subject.lower()


def test_a_no_guarantee_flag_is_shown_with_its_clause_and_refuses_nothing(hd, file_request,
                                                                          api):
    sr = file_request()
    with pytest.raises(NotAllowed):
        lifecycle.set_no_guarantee_flag(sr, by=hd.home_user, clause="4.4.1", note="x")
    with pytest.raises(DomainError):
        lifecycle.set_no_guarantee_flag(sr, by=hd.agent, clause="4.2.1", note="x")
    lifecycle.set_no_guarantee_flag(sr, by=hd.agent, clause="4.4.1",
                                   note="Traces of an active infection on the device.")
    lifecycle.set_no_guarantee_flag(sr, by=hd.agent, clause="4.4.1", note="Updated note.")
    assert NoGuaranteeFlag.objects.get().note == "Updated note."
    assert _fresh(sr).status == Status.NEW
    flags = api(hd.home_user).get(f"/api/v1/requests/{sr.reference}/").json()[
        "no_guarantee_flags"]
    assert flags == [{"clause": "4.4.1", "title": "Installed on an infected device",
                      "note": "Updated note.", "created_at": flags[0]["created_at"]}]
    lifecycle.add_reply(sr, by=hd.agent, body="We go on anyway.")  # nothing refused


def test_merge_a_duplicate(hd, file_request, run_outbox):
    first = file_request(hd.acme_member, hd.acme_member_ws)
    duplicate = file_request(hd.acme_admin, hd.acme_admin_ws)
    other = file_request(hd.globex_admin, hd.globex_ws)
    run_outbox().clear()
    with pytest.raises(DomainError):
        lifecycle.merge_duplicate(duplicate, into=other, by=hd.supervisor)
    with pytest.raises(DomainError):
        lifecycle.merge_duplicate(duplicate, into=duplicate, by=hd.supervisor)
    with pytest.raises(NotAllowed):
        lifecycle.merge_duplicate(duplicate, into=first, by=hd.acme_admin)
    lifecycle.merge_duplicate(duplicate, into=first, by=hd.agent)
    duplicate = _fresh(duplicate)
    assert duplicate.status == Status.CLOSED and duplicate.close_reason == "duplicate"
    assert duplicate.merged_into == first
    assert "merged" in kinds(first)
    [mail] = emails_to(run_outbox(), hd.acme_admin.email)
    assert first.reference in mail.body


def test_an_agent_outside_the_queue_cannot_work_it_but_a_supervisor_can(hd, file_request):
    sr = file_request()
    for call in (
        lambda who: lifecycle.add_reply(sr, by=who, body="Hi", internal=True),
        lambda who: lifecycle.request_information(sr, by=who, body="?"),
        lambda who: lifecycle.request_utility_run(sr, by=who, utility="AVZ",
                                                 instructions="Run it."),
        lambda who: lifecycle.set_no_guarantee_flag(sr, by=who, clause="4.4.3", note="HW."),
        lambda who: lifecycle.resolve_request(sr, by=who),
    ):
        with pytest.raises(NotAllowed):
            call(hd.outsider)
        with pytest.raises(NotAllowed):
            call(hd.home_user)
        call(hd.supervisor)
