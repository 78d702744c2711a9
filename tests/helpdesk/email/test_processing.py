"""What becomes of a stored email: a reply through the portal's own services, an answer
with the form's link, or a record of why it was ignored."""

from datetime import date, timedelta

import pytest
from allauth.account.models import EmailAddress
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from helpdesk.email import addresses
from helpdesk.email.inbound import process_stored_message, receive
from helpdesk.email.models import InboundEmail, ReplyAddressRevocation
from helpdesk.email.services import revoke_reply_addresses
from helpdesk.models import Message, SupportRequest
from helpdesk.requests import lifecycle
from notifications.models import Notification
from tests.accounts.factories import UserFactory

from ..conftest import emails_to, kinds
from .conftest import QUOTED, compose, reply_address

pytestmark = pytest.mark.django_db

Status = InboundEmail.Status
Reason = InboundEmail.Reason
SR = SupportRequest.Status


def process(raw: bytes, recipient: str = "") -> InboundEmail:
    row, _created = receive(raw, transport=InboundEmail.Transport.PIPE,
                            envelope_recipient=recipient, enqueue=False)
    process_stored_message(row.pk)
    row.refresh_from_db()
    return row


@pytest.fixture
def filed(world, file_request, run_outbox):
    """A home user's request and the reply address of its first email."""
    support_request = file_request()
    (received,) = emails_to(run_outbox(), world.home_user.email)
    return support_request, reply_address(received)


def fresh(support_request):
    return SupportRequest.objects.get(pk=support_request.pk)


# Through the portal's services ------------------------------------------------------------

def test_a_reply_to_a_request_waiting_on_the_customer_opens_it(world, filed):
    support_request, address = filed
    lifecycle.request_information(support_request, by=world.agent, body="Which build?")
    row = process(compose(sender=world.home_user.email, to=address, body="Build 22631."))
    assert row.status == Status.ACCEPTED
    support_request = fresh(support_request)
    assert support_request.status == SR.OPEN and support_request.waiting_since is None
    assert support_request.last_customer_reply_at is not None
    assert kinds(support_request)[-2:] == ["customer_replied", "status_changed"]


def test_a_reply_within_the_reopen_window_reopens_after_it_a_follow_up(world, filed):
    support_request, address = filed
    lifecycle.resolve_request(support_request, by=world.agent, note="Fixed.")
    process(compose(sender=world.home_user.email, to=address, body="It is back."))
    assert fresh(support_request).status == SR.OPEN
    lifecycle.resolve_request(support_request, by=world.agent, note="Fixed again.")
    SupportRequest.objects.filter(pk=support_request.pk).update(
        resolved_at=timezone.now() - timedelta(days=8))
    row = process(compose(sender=world.home_user.email, to=address, body="Back once more."))
    follow_up = row.message.request
    assert follow_up.follows_up == support_request and row.request == follow_up
    assert follow_up.messages.get().body == "Back once more."
    assert fresh(support_request).status == SR.RESOLVED


def test_a_follow_up_the_rules_refuse_is_explained_to_the_sender(world, filed, run_outbox):
    support_request, address = filed
    lifecycle.resolve_request(support_request, by=world.agent)
    lifecycle.close_request(support_request, by=world.agent)
    world.home_v.end_of_support = date(2020, 1, 1)
    world.home_v.save()
    run_outbox().clear()
    row = process(compose(sender=world.home_user.email, to=address, body="It is back."))
    assert (row.status, row.reason) == (Status.ANSWERED, Reason.REFUSED)
    assert not SupportRequest.objects.filter(follows_up=support_request).exists()
    (told,) = run_outbox()
    assert "4.3.2" in told.body and "/my/requests/new/" in told.body
    assert told.extra_headers["Auto-Submitted"] == "auto-replied"


def test_html_only_mail_becomes_plain_text_without_its_quote_or_script(world, filed):
    _support_request, address = filed
    html = ('<div>It <b>still</b> fails &amp; <script>alert(1)</script>crashes.'
            '<img src=x onerror=alert(2)></div><div class="gmail_quote">On Tue wrote:'
            '<blockquote>Please try the update.</blockquote></div>')
    row = process(compose(sender=world.home_user.email, to=address, body="", html=html))
    assert row.message.body == "It still fails & crashes."
    assert "<script" not in row.message.body_html and "onerror" not in row.message.body_html


def test_malay_quote_headers_and_signatures_are_taken_off(world, filed):
    _support_request, address = filed
    body = ("Imbasan berjaya selepas kemas kini.\n\nTerima kasih,\nHana\n"
            "Dihantar dari iPhone saya\n\n"
            "Pada Sel, 1 Dis 2026 pada 10:00 PG, Support <support@example.com> menulis:\n"
            "> Sila pasang kemas kini.")
    row = process(compose(sender=world.home_user.email, to=address, body=body))
    assert row.message.body == "Imbasan berjaya selepas kemas kini."


def test_outlook_style_quotes_are_taken_off(world, filed):
    _support_request, address = filed
    body = ("Done, see the log.\n\nFrom: Support <support@example.com>\n"
            "Sent: Tuesday, 1 December 2026 10:00\nTo: Hana <hana@example.org>\n"
            "Subject: [INC] Support replied\n\nHello Hana,\nPlease send the log.")
    row = process(compose(sender=world.home_user.email, to=address, body=body))
    assert row.message.body == "Done, see the log."


def test_a_reply_from_another_verified_address_of_the_customer_counts(world, filed):
    _support_request, address = filed
    EmailAddress.objects.create(user=world.home_user, email="hana.work@example.net",
                                verified=True)
    EmailAddress.objects.create(user=world.home_user, email="hana.old@example.net",
                                verified=False)
    accepted = process(compose(sender="Hana <Hana.Work@Example.net>", to=address))
    refused = process(compose(sender="hana.old@example.net", to=address))
    assert accepted.status == Status.ACCEPTED
    assert (refused.status, refused.reason) == (Status.IGNORED, Reason.SENDER_MISMATCH)


def test_only_files_still_make_a_reply(world, filed):
    _support_request, address = filed
    row = process(compose(sender=world.home_user.email, to=address, body="",
                          attachments=[("trace.log", b"trace\n", "text/plain")]))
    assert row.status == Status.ACCEPTED
    assert row.message.body == "(Files sent by email.)"
    assert row.message.attachments.get().original_name == "trace.log"


def test_emailed_files_go_through_the_same_checks(world, filed, run_outbox):
    _support_request, address = filed
    row = process(compose(sender=world.home_user.email, to=address, attachments=[
        ("trace.log", b"trace\n", "text/plain"),
        ("invoice.txt", b"<html><script>alert(1)</script></html>", "text/plain"),
        ("../../notes.txt", b"fine\n", "text/plain"),
    ]))
    assert row.status == Status.ACCEPTED
    assert [a.original_name for a in row.message.attachments.all()] == ["trace.log"]
    (answer,) = [m for m in run_outbox() if "invoice.txt" in m.body]
    assert "“invoice.txt” holds HTML or SVG markup" in answer.body
    assert "“../../notes.txt” is not allowed" in answer.body


def test_a_file_on_a_malware_request_is_a_sample(world, file_request, run_outbox):
    file_request(code="false_positive")
    address = reply_address(emails_to(run_outbox(), world.home_user.email)[0])
    program = b"MZ\x90\x00" + b"\x00" * 100
    row = process(compose(sender=world.home_user.email, to=address, body="The flagged file.",
                          attachments=[("tool.exe", program, "application/octet-stream")]))
    sample = row.message.attachments.get()
    assert sample.is_sample and sample.original_name == "tool.exe"


def test_an_empty_reply_is_ignored(world, filed):
    _support_request, address = filed
    row = process(compose(sender=world.home_user.email, to=address, body="", quoted=QUOTED))
    assert (row.status, row.reason) == (Status.IGNORED, Reason.EMPTY)
    assert not Message.objects.exists()


# Reply addresses --------------------------------------------------------------------------

def test_a_reply_address_is_bound_to_its_request_and_recipient(world, filed, file_request):
    support_request, address = filed
    token = addresses.token_in([address])
    found = addresses.read_token(token)
    assert (found.request_id, found.user_id) == (support_request.pk, world.home_user.pk)
    other = file_request(world.acme_member, world.acme_member_ws)
    body, _sep, signature = token.rpartition("-")
    request_part, user_part, issued = body.split("-")
    forged = [
        f"{addresses._base36(other.pk)}-{user_part}-{issued}-{signature}",
        f"{request_part}-{addresses._base36(world.acme_member.pk)}-{issued}-{signature}",
        f"{body}-{signature[:-1]}{'a' if signature[-1] != 'a' else 'b'}",
        "not-a-token",
    ]
    for candidate in forged:
        assert addresses.read_token(candidate) is None
        row = process(compose(sender=world.acme_member.email, to=address.replace(token, candidate),
                              body="Let me in."))
        assert (row.status, row.reason) == (Status.IGNORED, Reason.BAD_TOKEN)
    assert not Message.objects.exists()


def test_the_address_survives_a_change_of_case_by_a_mail_server(world, filed):
    _support_request, address = filed
    row = process(compose(sender=world.home_user.email, to=address.upper()))
    assert row.status == Status.ACCEPTED


def test_a_revoked_address_stops_working_and_the_next_email_has_a_new_one(
        world, filed, run_outbox, time_machine):
    support_request, address = filed
    revoke_reply_addresses(support_request, by=world.agent)
    row = process(compose(sender=world.home_user.email, to=address))
    assert (row.status, row.reason) == (Status.IGNORED, Reason.BAD_TOKEN)
    assert "revoked" in row.detail
    time_machine.move_to(timezone.now() + timedelta(seconds=5))
    lifecycle.add_reply(support_request, by=world.agent, body="Could you try again?")
    new_address = reply_address(emails_to(run_outbox(), world.home_user.email)[-1])
    assert new_address != address
    assert process(compose(sender=world.home_user.email, to=new_address)).status == \
        Status.ACCEPTED
    assert process(compose(sender=world.home_user.email, to=address)).reason == \
        Reason.BAD_TOKEN


def test_only_staff_working_the_request_may_revoke(world, filed):
    from accounts.errors import NotAllowed

    support_request, _address = filed
    for user in (world.home_user, world.outsider):
        with pytest.raises(NotAllowed):
            revoke_reply_addresses(support_request, by=user)
    assert not ReplyAddressRevocation.objects.exists()


def test_a_customer_who_left_the_company_can_no_longer_reply(world, file_request, run_outbox):
    file_request(world.acme_member, world.acme_member_ws)
    address = reply_address(emails_to(run_outbox(), world.acme_member.email)[0])
    world.acme_member.memberships.all().delete()
    row = process(compose(sender=world.acme_member.email, to=address))
    assert (row.status, row.reason) == (Status.IGNORED, Reason.NOT_ALLOWED)
    assert not Message.objects.exists()


# Mail without a reply address ----------------------------------------------------------------

def test_new_mail_gets_the_forms_link_in_the_senders_language(world, run_outbox):
    world.acme_member.language = "ms"
    world.acme_member.save()
    row = process(compose(sender=world.acme_member.email, to=addresses.support_address(),
                          subject="Scan stops", body="My scan stops halfway."))
    assert (row.status, row.reason) == (Status.ANSWERED, Reason.NO_TOKEN)
    assert not SupportRequest.objects.exists()
    (answer,) = run_outbox()
    assert answer.to == [world.acme_member.email]
    assert "/my/requests/new/" in answer.body and "/company/acme/requests/new/" in answer.body
    assert "6.4" in answer.body
    assert answer.extra_headers["Auto-Submitted"] == "auto-replied"
    assert answer.extra_headers["In-Reply-To"] == row.dedupe_key
    english = Notification.objects.get().language
    assert english == "ms"


def test_an_unknown_sender_gets_one_answer_a_day(world, run_outbox, time_machine):
    stranger = "stranger@elsewhere.example"
    first = process(compose(sender=stranger, to=addresses.support_address(),
                            headers={"Content-Language": "ms-MY"}))
    second = process(compose(sender=stranger, to=addresses.support_address()))
    assert (first.status, second.status) == (Status.ANSWERED, Status.IGNORED)
    assert second.reason == Reason.NO_TOKEN_QUIET
    (answer,) = run_outbox()
    assert Notification.objects.get().language == "ms"
    assert "/accounts/signup/" in answer.body
    time_machine.move_to(timezone.now() + timedelta(days=1, minutes=1))
    third = process(compose(sender=stranger, to=addresses.support_address()))
    assert third.status == Status.ANSWERED


def test_mail_from_the_portals_own_addresses_is_a_loop(world, settings):
    row = process(compose(sender=settings.DEFAULT_FROM_EMAIL, to=addresses.support_address()))
    also = process(compose(sender=addresses.reply_address(1, 1),
                           to=addresses.support_address()))
    assert (row.reason, also.reason) == (Reason.LOOP, Reason.LOOP)
    assert not Notification.objects.exists()


def test_a_sender_is_limited_per_hour(world, filed, settings):
    _support_request, address = filed
    settings.INBOUND_EMAIL_SENDER_LIMIT = 3
    rows = [process(compose(sender=world.home_user.email, to=address, body=f"Try {n}."))
            for n in range(5)]
    assert [r.status for r in rows] == [Status.ACCEPTED] * 3 + [Status.IGNORED] * 2
    assert rows[-1].reason == Reason.RATE_LIMITED
    assert Message.objects.count() == 3


# Storing ----------------------------------------------------------------------------------

def test_a_message_over_the_size_limit_keeps_only_its_header(world, filed, settings):
    _support_request, address = filed
    settings.INBOUND_EMAIL_MAX_BYTES = 2000
    raw = compose(sender=world.home_user.email, to=address,
                  attachments=[("big.txt", b"x" * 5000, "text/plain")])
    row, created = receive(raw, transport=InboundEmail.Transport.PIPE, enqueue=False)
    assert created and row.truncated and row.size == len(raw)
    assert (row.status, row.reason) == (Status.IGNORED, Reason.TOO_LARGE)
    assert b"Subject:" in bytes(row.raw) and b"xxxx" not in bytes(row.raw)
    assert process_stored_message(row.pk) is False


@pytest.mark.parametrize("raw", [
    b"", b"\x00\xff\xfe garbage", b"From: <>\r\n\r\n", b"Subject: =?x-unknown?q?a?=\r\n\r\n",
    b"From: a@b\r\nContent-Type: multipart/mixed; boundary=zz\r\n\r\n--zz\r\n"
    b"Content-Type: text/plain; charset=no-such-charset\r\n\r\nhi\r\n--zz--",
    b"To: support+zzzz-1-1-aaaaaaaaaaaaaaaa@reply.localhost\r\nFrom: x@y.example\r\n"
    b"Content-Transfer-Encoding: base64\r\n\r\n!!!not base64!!!",
])
def test_broken_messages_are_recorded_never_raised(raw):
    row = process(raw)
    assert row.status in (Status.IGNORED, Status.ANSWERED)
    assert not Message.objects.exists()


def test_processing_a_message_twice_does_it_once(world, filed):
    _support_request, address = filed
    row = process(compose(sender=world.home_user.email, to=address))
    assert process_stored_message(row.pk) is False
    assert Message.objects.count() == 1


def test_an_error_leaves_the_message_pending_then_failed_for_staff(world, filed, monkeypatch):
    _support_request, address = filed
    raw = compose(sender=world.home_user.email, to=address)
    row, _created = receive(raw, transport=InboundEmail.Transport.PIPE, enqueue=False)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("helpdesk.email.inbound.add_reply", broken)
    for _attempt in range(5):
        assert process_stored_message(row.pk) is False
    row.refresh_from_db()
    assert (row.status, row.reason, row.attempts) == (Status.FAILED, Reason.ERROR, 5)
    assert "disk full" in row.detail
    assert not Message.objects.exists()


def test_a_reply_costs_a_bounded_number_of_queries(world, filed):
    _support_request, address = filed
    raws = [compose(sender=world.home_user.email, to=address, body=f"Reply {n}.")
            for n in range(3)]
    rows = [receive(raw, transport=InboundEmail.Transport.PIPE, enqueue=False)[0]
            for raw in raws]
    process_stored_message(rows[0].pk)  # the first reply opens the request's clock
    counts = []
    for row in rows[1:]:
        with CaptureQueriesContext(connection) as queries:
            assert process_stored_message(row.pk) is True
        counts.append(len(queries))
    # Claim, request, revocations, the reply service's lock and writes (the message, its
    # words in the request's search document, the request, the timeline), the row:
    # thirteen with the savepoints of the test's transaction.
    assert counts[0] == counts[1] and counts[0] <= 13, counts


def test_the_sender_and_subject_are_kept_for_the_admin_list(world, filed):
    _support_request, address = filed
    row = process(compose(sender="Hana <HANA@example.org>", to=address,
                          subject="=?utf-8?q?Re=3A_Imbasan_berhenti?="))
    assert row.sender == "hana@example.org" and row.subject == "Re: Imbasan berhenti"


def test_unverified_user_mail_is_answered_like_a_strangers(run_outbox):
    UserFactory(email="new@example.org", verified=False, is_active=False)
    row = process(compose(sender="new@example.org", to=addresses.support_address()))
    assert row.status == Status.ANSWERED and row.user is None


def test_erasing_the_account_erases_the_originals_and_keeps_the_record(world, filed):
    from accounts.services import erase_account

    _support_request, address = filed
    row = process(compose(sender=world.home_user.email, to=address, body="My phone is 0123."))
    erase_account(world.home_user)
    row.refresh_from_db()
    assert bytes(row.raw) == b"" and row.sender == "" and row.subject == ""
    assert row.status == Status.ACCEPTED and row.message.body == "My phone is 0123."
