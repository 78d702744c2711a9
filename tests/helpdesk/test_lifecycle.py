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


def test_assign_to_me_opens_a_new_request(world, file_request):
    sr = file_request()
    sr = lifecycle.assign_to_me(sr, by=world.agent)
    assert (sr.status, sr.assignee) == (Status.OPEN, world.agent)
    assert kinds(sr) == ["filed", "assigned", "status_changed"]
    assert sr.timeline.get(kind="assigned").is_internal


def test_a_supervisor_assigns_to_an_agent_and_the_same_assignment_is_a_no_op(world, file_request):
    sr = file_request()
    lifecycle.assign(sr, to=world.agent, by=world.supervisor)
    lifecycle.assign(sr, to=world.agent, by=world.supervisor)
    assert kinds(sr).count("assigned") == 1
    with pytest.raises(DomainError):
        lifecycle.assign(sr, to=world.home_user, by=world.supervisor)


@pytest.mark.parametrize("who", ["home_user", "acme_admin", "outsider"])
def test_the_wrong_people_cannot_assign(world, file_request, who):
    sr = file_request()
    with pytest.raises(NotAllowed):
        lifecycle.assign_to_me(sr, by=getattr(world, who))
    assert _fresh(sr).assignee is None


def test_a_staff_reply_is_the_first_response_and_is_emailed(world, file_request, run_outbox):
    sr = file_request()
    run_outbox().clear()
    message = lifecycle.add_reply(sr, by=world.agent, body="Please **restart** the scan.")
    sr = _fresh(sr)
    assert sr.status == Status.OPEN and sr.first_response_at == message.created_at
    assert "<strong>restart</strong>" in message.body_html and message.from_staff
    assert kinds(sr)[-2:] == ["replied", "status_changed"]
    [mail] = run_outbox()
    assert mail.to == [world.home_user.email]
    assert "restart" in mail.body and "Amir" in mail.body


def test_internal_notes_never_reach_the_customer(world, file_request, run_outbox, api):
    sr = file_request()
    run_outbox().clear()
    note = lifecycle.add_reply(sr, by=world.agent, body=NOTE, internal=True)
    lifecycle.add_reply(sr, by=world.agent, body="We are looking into it.")
    lifecycle.request_information(sr, by=world.agent, body="Which Windows build?")
    lifecycle.resolve_request(sr, by=world.agent, note="Fixed in the next update.")
    assert note.is_internal and _fresh(sr).first_response_at is not None
    assert sr.timeline.get(kind="note_added").is_internal
    # Emails
    mails = run_outbox()
    assert len(mails) == 3
    for mail in mails:
        assert "cracked" not in mail.body
        assert "cracked" not in mail.alternatives[0][0]
    # API, as the customer
    client = api(world.home_user)
    messages = client.get(f"/api/v1/requests/{sr.reference}/messages/").json()["results"]
    assert [m["body"] for m in messages] == [
        "We are looking into it.", "Which Windows build?", "Fixed in the next update."]
    detail = client.get(f"/api/v1/requests/{sr.reference}/").json()
    assert detail["messages_count"] == 3
    # ... and as staff, who see the note
    staff = api(world.agent).get(f"/api/v1/requests/{sr.reference}/messages/").json()
    assert NOTE in [m["body"] for m in staff["results"]]


def test_customers_cannot_write_internal_notes(world, file_request):
    sr = file_request()
    with pytest.raises(NotAllowed):
        lifecycle.add_reply(sr, by=world.home_user, body="secret", internal=True)
    assert not Message.objects.exists()


def test_strangers_cannot_reply(world, file_request):
    sr = file_request(world.acme_member, world.acme_member_ws)
    for stranger in (world.acme_member2, world.globex_admin, world.home_user, world.outsider):
        with pytest.raises(NotAllowed):
            lifecycle.add_reply(sr, by=stranger, body="Hello")
    lifecycle.add_reply(sr, by=world.acme_admin, body="Any news?")  # a company admin can


def test_information_request_waits_and_a_customer_reply_reopens(world, file_request, run_outbox):
    sr = file_request()
    run_outbox().clear()
    lifecycle.request_information(sr, by=world.agent, body="Send the trace log, please.")
    sr = _fresh(sr)
    assert sr.status == Status.WAITING_ON_CUSTOMER and sr.waiting_since is not None
    [mail] = run_outbox()
    assert "trace log" in mail.body and sr.reference in mail.subject
    lifecycle.add_reply(sr, by=world.home_user, body="Here it is.")
    sr = _fresh(sr)
    assert sr.status == Status.OPEN and sr.waiting_since is None
    assert sr.last_customer_reply_at is not None
    assert kinds(sr)[-2:] == ["customer_replied", "status_changed"]
    with pytest.raises(NotAllowed):
        lifecycle.request_information(sr, by=world.home_user, body="?")


def test_a_utility_run_is_answered_by_the_customers_upload(world, file_request, run_outbox):
    sr = file_request()
    run_outbox().clear()
    utility = lifecycle.request_utility_run(
        sr, by=world.agent, utility="GetSystemInfo", url="https://example.com/gsi",
        instructions="Run it and upload the report.")
    assert _fresh(sr).status == Status.WAITING_ON_CUSTOMER
    [mail] = run_outbox()
    assert "GetSystemInfo" in mail.subject and "https://example.com/gsi" in mail.body
    report = ContentFile(b"GetSystemInfo report\nOS: Windows 11\n", name="gsi.log")
    with pytest.raises(NotAllowed):
        files.upload_attachment(sr, by=world.agent, file=report, utility_request=utility)
    attachment = files.upload_attachment(sr, by=world.home_user, file=report,
                                            utility_request=utility)
    utility.refresh_from_db()
    assert utility.fulfilled_at is not None and utility.attachment == attachment
    assert _fresh(sr).status == Status.OPEN
    assert "utility_answered" in kinds(sr)
    with pytest.raises(InvalidState):
        files.upload_attachment(sr, by=world.home_user, file=report, utility_request=utility)


def test_resolve_and_reopen_within_the_window(world, file_request, run_outbox):
    sr = file_request()
    lifecycle.assign_to_me(sr, by=world.agent)
    run_outbox().clear()
    lifecycle.resolve_request(sr, by=world.agent, note="Update to the latest build.")
    sr = _fresh(sr)
    assert sr.status == Status.RESOLVED and sr.resolved_at is not None
    [mail] = run_outbox()
    assert "resolved" in mail.subject.lower() and "7 days" in mail.body
    lifecycle.add_reply(sr, by=world.home_user, body="Still broken.")
    sr = _fresh(sr)
    assert sr.status == Status.OPEN and sr.resolved_at is None
    assert "reopened" in kinds(sr)


def test_a_reply_after_the_window_opens_a_follow_up(world, file_request, run_outbox):
    sr = file_request()
    lifecycle.resolve_request(sr, by=world.agent)
    SupportRequest.objects.filter(pk=sr.pk).update(
        resolved_at=timezone.now() - timedelta(days=8))
    message = lifecycle.add_reply(sr, by=world.home_user, body="It is back.")
    new = message.request
    assert new.pk != sr.pk and new.follows_up == sr
    assert new.status == Status.NEW and new.requester == world.home_user
    assert _fresh(sr).status == Status.RESOLVED
    assert "follow_up_opened" in kinds(sr)
    assert sr.reference in run_outbox()[-1].body


def test_a_reply_to_a_closed_request_opens_a_follow_up(world, file_request):
    sr = file_request(world.acme_member, world.acme_member_ws)
    lifecycle.resolve_request(sr, by=world.agent)
    lifecycle.close_request(sr, by=world.agent)
    message = lifecycle.add_reply(sr, by=world.acme_member, body="Again, sorry.")
    assert message.request.follows_up == sr and message.request.company == world.acme
    assert message.request.licence == world.acme_licence


def test_reject_with_a_clause(world, file_request, run_outbox):
    sr = file_request()
    run_outbox().clear()
    with pytest.raises(DomainError):
        lifecycle.reject_request(sr, by=world.agent, clause="9.9", reason="No.")
    with pytest.raises(NotAllowed):
        lifecycle.reject_request(sr, by=world.home_user, clause="4.2.7", reason="No.")
    lifecycle.reject_request(sr, by=world.agent, clause="4.2.7",
                            reason="This is a question about another vendor's application.")
    sr = _fresh(sr)
    assert (sr.status, sr.rejection_clause) == (Status.REJECTED, "4.2.7")
    assert sr.timeline.get(kind="rejected").data["clause"] == "4.2.7"
    [mail] = run_outbox()
    assert "4.2.7" in mail.body
    with pytest.raises(InvalidState):
        lifecycle.resolve_request(sr, by=world.agent)


def test_close_a_resolved_request(world, file_request, run_outbox):
    sr = file_request()
    with pytest.raises(InvalidState):
        lifecycle.close_request(sr, by=world.agent)
    lifecycle.resolve_request(sr, by=world.agent)
    run_outbox().clear()
    with pytest.raises(NotAllowed):
        lifecycle.close_request(sr, by=world.home_user)
    lifecycle.close_request(sr, by=world.agent)
    sr = _fresh(sr)
    assert sr.status == Status.CLOSED and sr.close_reason == "by_staff"
    [mail] = run_outbox()
    assert "closed" in mail.subject.lower()


def test_a_no_guarantee_flag_is_shown_with_its_clause_and_refuses_nothing(world, file_request,
                                                                          api):
    sr = file_request()
    with pytest.raises(NotAllowed):
        lifecycle.set_no_guarantee_flag(sr, by=world.home_user, clause="4.4.1", note="x")
    with pytest.raises(DomainError):
        lifecycle.set_no_guarantee_flag(sr, by=world.agent, clause="4.2.1", note="x")
    lifecycle.set_no_guarantee_flag(sr, by=world.agent, clause="4.4.1",
                                   note="Traces of an active infection on the device.")
    lifecycle.set_no_guarantee_flag(sr, by=world.agent, clause="4.4.1", note="Updated note.")
    assert NoGuaranteeFlag.objects.get().note == "Updated note."
    assert _fresh(sr).status == Status.NEW
    flags = api(world.home_user).get(f"/api/v1/requests/{sr.reference}/").json()[
        "no_guarantee_flags"]
    assert flags == [{"clause": "4.4.1", "title": "Installed on an infected device",
                      "note": "Updated note.", "created_at": flags[0]["created_at"]}]
    lifecycle.add_reply(sr, by=world.agent, body="We go on anyway.")  # nothing refused


def test_merge_a_duplicate(world, file_request, run_outbox):
    first = file_request(world.acme_member, world.acme_member_ws)
    duplicate = file_request(world.acme_admin, world.acme_admin_ws)
    other = file_request(world.globex_admin, world.globex_ws)
    run_outbox().clear()
    with pytest.raises(DomainError):
        lifecycle.merge_duplicate(duplicate, into=other, by=world.supervisor)
    with pytest.raises(DomainError):
        lifecycle.merge_duplicate(duplicate, into=duplicate, by=world.supervisor)
    with pytest.raises(NotAllowed):
        lifecycle.merge_duplicate(duplicate, into=first, by=world.acme_admin)
    lifecycle.merge_duplicate(duplicate, into=first, by=world.agent)
    duplicate = _fresh(duplicate)
    assert duplicate.status == Status.CLOSED and duplicate.close_reason == "duplicate"
    assert duplicate.merged_into == first
    assert "merged" in kinds(first)
    [mail] = emails_to(run_outbox(), world.acme_admin.email)
    assert first.reference in mail.body


def test_an_agent_outside_the_queue_cannot_work_it_but_a_supervisor_can(world, file_request):
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
            call(world.outsider)
        with pytest.raises(NotAllowed):
            call(world.home_user)
        call(world.supervisor)
