"""Threading and headers of outbox emails, read from what a real SMTP server received."""

import pytest
from django.core.management import CommandError, call_command

from notifications import services
from notifications.models import Notification
from notifications.threading import thread_root
from tests.notifications.factories import NotificationFactory

pytestmark = pytest.mark.django_db
FAILING_SMTP = "tests.notifications.backends.FailingSMTPBackend"


def send(notification):
    assert services.deliver(notification.pk) is True


def test_the_emails_of_a_thread_answer_each_other_over_smtp(smtp_server):
    first = NotificationFactory(thread="order-7.ana")
    second = NotificationFactory(thread="order-7.ana")
    elsewhere = NotificationFactory(thread="order-7.ben")
    for notification in (first, second, elsewhere):
        send(notification)
    one, two, other = smtp_server.messages
    root = thread_root("order-7.ana")
    assert one["Message-ID"] == first.message_id
    assert one["In-Reply-To"] == root and one["References"] == root
    assert two["Message-ID"] == second.message_id
    assert two["In-Reply-To"] == first.message_id
    assert two["References"].split() == [root, first.message_id]
    # Another recipient's thread knows nothing of Ana's emails.
    assert other["In-Reply-To"] == thread_root("order-7.ben")
    assert first.message_id not in other["References"]


def test_references_keep_the_root_and_the_latest_emails(smtp_server):
    rows = [NotificationFactory(thread="long") for _ in range(14)]
    for row in rows:
        send(row)
    references = smtp_server.messages[-1]["References"].split()
    assert references[0] == thread_root("long")
    assert references[1:] == [r.message_id for r in rows[-10:-1]]


def test_an_email_keeps_its_message_id_when_it_is_sent_again(settings, smtp_server):
    notification = NotificationFactory(headers={"Reply-To": "Support <help+x@example.com>"})
    settings.EMAIL_BACKEND = FAILING_SMTP
    with pytest.raises(services.TemporaryDeliveryError):
        services.deliver(notification.pk)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    send(notification)
    (message,) = smtp_server.messages
    assert message["Message-ID"] == notification.message_id
    assert message["Reply-To"] == "Support <help+x@example.com>"


def test_an_email_outside_a_thread_has_a_message_id_and_no_thread(smtp_server):
    notification = NotificationFactory()
    send(notification)
    (message,) = smtp_server.messages
    assert message["Message-ID"] == notification.message_id
    assert notification.message_id.endswith("@example.com>")  # DEFAULT_FROM_EMAIL's domain
    assert message["In-Reply-To"] is None and message["References"] is None


def test_deliver_outbox_sends_every_pending_email_now(smtp_server, capsys):
    rows = NotificationFactory.create_batch(3)
    already = NotificationFactory(status=Notification.Status.SENT)
    call_command("deliver_outbox")
    assert sorted(m["To"] for m in smtp_server.messages) == sorted(r.to for r in rows)
    assert already.to not in [m["To"] for m in smtp_server.messages]
    assert Notification.objects.pending().count() == 0
    assert "3 sent, 0 left pending, 0 failed." in capsys.readouterr().out
    call_command("deliver_outbox")  # nothing left: nothing sent twice
    assert len(smtp_server.messages) == 3


def test_deliver_outbox_reports_a_refusing_mail_server(settings):
    notification = NotificationFactory()
    settings.EMAIL_BACKEND = FAILING_SMTP
    with pytest.raises(CommandError, match=r"0 sent, 1 left pending, 0 failed\."):
        call_command("deliver_outbox")
    notification.refresh_from_db()
    assert notification.status == Notification.Status.PENDING
    assert notification.attempts == 1 and "Connection unexpectedly closed" in \
        notification.last_error
