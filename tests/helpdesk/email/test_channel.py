"""A customer answers a request email from their inbox, by each transport: IMAP polling of
Dovecot, the provider webhook and the mail server's pipe give the same results."""

import pytest

from helpdesk.email.models import InboundEmail
from helpdesk.models import Attachment, Message
from notifications.models import Notification

from ..conftest import emails_to
from .conftest import QUOTED, compose, reply_address

pytestmark = pytest.mark.django_db

Status = InboundEmail.Status
Reason = InboundEmail.Reason


@pytest.fixture
def asked(world, file_request, run_outbox):
    """A home user's request, its first email sent; (request, reply address)."""
    support_request = file_request()
    (received,) = emails_to(run_outbox(), world.home_user.email)
    return support_request, reply_address(received)


def customer_messages(support_request):
    return list(Message.objects.filter(request=support_request, from_staff=False))


def test_a_reply_appears_on_the_request_without_the_quoted_text(world, asked, send):
    support_request, address = asked
    send(compose(sender=world.home_user.email, to=address,
                 body="The scan completes after the update.\n\nRegards,\nHana",
                 quoted=QUOTED))
    (message,) = customer_messages(support_request)
    assert message.body == "The scan completes after the update."
    assert message.author == world.home_user and not message.is_internal
    inbound = InboundEmail.objects.get()
    assert (inbound.status, inbound.message, inbound.request) == (
        Status.ACCEPTED, message, support_request)
    assert inbound.transport == {"pipe": "pipe", "webhook": "webhook",
                                 "imap": "imap"}[send.transport]


def test_the_same_message_twice_adds_nothing(world, asked, send):
    support_request, address = asked
    raw = compose(sender=world.home_user.email, to=address, body="Still failing.")
    send(raw)
    send(raw)
    assert len(customer_messages(support_request)) == 1
    assert InboundEmail.objects.count() == 1


@pytest.mark.parametrize("sender, headers, content_type, reason", [
    ("someone@else.example", {}, None, Reason.SENDER_MISMATCH),
    ("hana@example.org", {"Auto-Submitted": "auto-replied"}, None, Reason.AUTO_REPLY),
    ("hana@example.org", {"X-Autoreply": "yes"}, None, Reason.AUTO_REPLY),
    ("hana@example.org", {"Precedence": "bulk"}, None, Reason.AUTO_REPLY),
    ("mailer-daemon@customer.example", {}, None, Reason.BOUNCE),
    ("hana@example.org", {},
     'multipart/report; report-type=delivery-status; boundary="b"', Reason.BOUNCE),
], ids=["other-address", "auto-submitted", "x-autoreply", "precedence-bulk", "mailer-daemon",
        "delivery-report"])
def test_mail_that_is_not_the_customers_answer_adds_and_sends_nothing(
        world, asked, send, run_outbox, sender, headers, content_type, reason):
    support_request, address = asked
    sent_before = Notification.objects.count()
    send(compose(sender=sender, to=address, body="I am out of the office until Monday.",
                 headers=headers, content_type=content_type))
    assert customer_messages(support_request) == []
    assert Notification.objects.count() == sent_before
    inbound = InboundEmail.objects.get()
    assert (inbound.status, inbound.reason) == (Status.IGNORED, reason)
    support_request.refresh_from_db()
    assert support_request.last_customer_reply_at is None


def test_a_text_file_is_attached_to_the_reply(world, asked, send):
    support_request, address = asked
    send(compose(sender=world.home_user.email, to=address, body="The log is attached.",
                 attachments=[("scan.log.txt", b"12:00 scan started\n12:01 stopped\n",
                               "text/plain")]))
    (message,) = customer_messages(support_request)
    (attachment,) = Attachment.objects.filter(message=message)
    assert attachment.original_name == "scan.log.txt"
    assert attachment.content_type == "text/plain" and attachment.size == 33
    assert attachment.uploaded_by == world.home_user and not attachment.is_sample


def test_a_program_is_refused_and_the_sender_is_told_why(world, asked, send, run_outbox):
    support_request, address = asked
    program = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200
    send(compose(sender=world.home_user.email, to=address, body="Here is the installer.",
                 attachments=[("setup.exe", program, "application/octet-stream"),
                              ("notes.txt", b"It stops at 40 %.\n", "text/plain")]))
    (message,) = customer_messages(support_request)
    assert message.body == "Here is the installer."
    assert [a.original_name for a in message.attachments.all()] == ["notes.txt"]
    (told,) = [m for m in emails_to(run_outbox(), world.home_user.email)
               if "setup.exe" in m.body]
    assert support_request.reference in told.subject
    assert "This type of file is not accepted" in told.body
    assert told.extra_headers["Auto-Submitted"] == "auto-replied"
    inbound = InboundEmail.objects.get()
    assert inbound.status == Status.ACCEPTED and "setup.exe" in inbound.detail
