"""What each transport adds to storing: IMAP moves what it stored, the webhook checks who
posts, the pipe's exit status, and the re-scan that hands out what the broker missed."""

from datetime import timedelta
from io import BytesIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from helpdesk import tasks
from helpdesk.email import imap
from helpdesk.email.inbound import receive
from helpdesk.email.models import InboundEmail
from helpdesk.models import Message

from ..conftest import emails_to
from .conftest import SIGNING_KEY, WEBHOOK_AUTH, compose, mailgun_post, reply_address

pytestmark = pytest.mark.django_db

Status = InboundEmail.Status


@pytest.fixture
def address(world, file_request, run_outbox):
    file_request()
    return reply_address(emails_to(run_outbox(), world.home_user.email)[0])


# IMAP ---------------------------------------------------------------------------------------

@pytest.mark.imap
def test_a_poll_stores_and_moves_what_it_finds_and_the_worker_adds_it(
        world, address, mailbox, django_capture_on_commit_callbacks):
    mailbox.append(compose(sender=world.home_user.email, to=address, body="First."))
    mailbox.append(compose(sender=world.home_user.email, to=address, body="Second."))
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.poll_inbound_mailbox() == 2
    assert mailbox.count("INBOX") == 0 and mailbox.count("Processed") == 2
    assert sorted(Message.objects.values_list("body", flat=True)) == ["First.", "Second."]
    assert set(InboundEmail.objects.values_list("transport", flat=True)) == {"imap"}
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.poll_inbound_mailbox() == 0  # nothing left to fetch


@pytest.mark.imap
def test_a_message_stored_but_not_moved_before_a_crash_is_moved_and_not_added_again(
        world, address, mailbox, django_capture_on_commit_callbacks):
    raw = compose(sender=world.home_user.email, to=address, body="Only once.")
    mailbox.append(raw)
    with django_capture_on_commit_callbacks(execute=True):
        receive(raw, transport=InboundEmail.Transport.IMAP)  # the poll that died here
        assert imap.poll() == 0
    assert mailbox.count("INBOX") == 0 and mailbox.count("Processed") == 1
    assert Message.objects.get().body == "Only once."


@pytest.mark.imap
def test_a_wrong_password_stores_nothing_and_leaves_the_mail(world, address, mailbox, settings):
    mailbox.append(compose(sender=world.home_user.email, to=address))
    settings.IMAP_URL = settings.IMAP_URL.replace("imap-test-password", "wrong")
    with pytest.raises(Exception, match=r"AUTHENTICATIONFAILED|authentication failed"):
        imap.poll()
    assert mailbox.count("INBOX") == 1 and not InboundEmail.objects.exists()


def test_polling_is_off_without_an_imap_url(settings):
    settings.IMAP_URL = ""
    assert tasks.poll_inbound_mailbox() == 0


@pytest.mark.parametrize("url", ["http://host/INBOX", "imaps://host/INBOX", "imaps://@/"])
def test_a_malformed_imap_url_is_a_configuration_error(url):
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured):
        imap.imap_settings(url)


def test_imap_url_parts():
    config = imap.imap_settings("imaps://support%40example.com:p%3Ass@mail.example.com/Help")
    assert (config.username, config.password, config.host, config.port, config.folder) == (
        "support@example.com", "p:ss", "mail.example.com", 993, "Help")
    assert imap.imap_settings("imap://u:p@localhost/").port == 143


# Webhooks ----------------------------------------------------------------------------------

@pytest.mark.parametrize("key, auth", [
    ("not-the-signing-key", WEBHOOK_AUTH),
    (SIGNING_KEY, "anymail:wrong-secret"),
], ids=["bad-signature", "bad-basic-auth"])
def test_a_post_the_provider_did_not_sign_stores_nothing(world, address, client, webhook, key,
                                                        auth):
    raw = compose(sender=world.home_user.email, to=address)
    response = mailgun_post(client, raw, key=key, auth=auth)
    assert response.status_code in (400, 401, 403)
    assert not InboundEmail.objects.exists()


def test_the_webhook_is_off_without_a_provider(world, address, client, settings):
    settings.INBOUND_EMAIL_PROVIDER = ""
    response = mailgun_post(client, compose(sender=world.home_user.email, to=address))
    assert response.status_code == 404
    assert not InboundEmail.objects.exists()


def test_a_provider_that_does_not_sign_needs_the_secret(client, settings):
    settings.INBOUND_EMAIL_PROVIDER = "postmark"
    settings.INBOUND_EMAIL_WEBHOOK_SECRET = ""
    assert client.post("/email/inbound/postmark/", {}).status_code == 404
    assert client.post("/email/inbound/mailgun/", {}).status_code == 404


def test_the_webhook_keeps_the_envelope_recipient(world, address, client, webhook,
                                                  django_capture_on_commit_callbacks):
    # The customer's mail program put the address in Bcc: only the envelope names it.
    raw = compose(sender=world.home_user.email, to="someone@customer.example", body="Bcc'd.")
    with django_capture_on_commit_callbacks(execute=True):
        assert mailgun_post(client, raw, recipient=address).status_code == 200
    row = InboundEmail.objects.get()
    assert row.envelope_recipient == address and row.status == Status.ACCEPTED


# The pipe -----------------------------------------------------------------------------------

def test_the_pipe_takes_the_envelope_recipient_and_says_what_became_of_it(
        world, address, capsys):
    raw = compose(sender=world.home_user.email, to="list@customer.example", body="Piped.")
    call_command("receive_email", stdin=BytesIO(raw), recipient=address)
    assert "Stored: Added to a request" in capsys.readouterr().out
    call_command("receive_email", stdin=BytesIO(raw), recipient=address)
    assert "Already stored" in capsys.readouterr().out
    assert Message.objects.get().body == "Piped."


def test_the_pipe_refuses_an_empty_input():
    with pytest.raises(CommandError):
        call_command("receive_email", stdin=BytesIO(b""))


def test_the_pipe_records_a_message_over_the_limit_without_keeping_it(world, address, settings):
    settings.INBOUND_EMAIL_MAX_BYTES = 4096
    raw = compose(sender=world.home_user.email, to=address,
                  attachments=[("big.log", b"y" * 3_000_000, "text/plain")])
    call_command("receive_email", stdin=BytesIO(raw))
    row = InboundEmail.objects.get()
    assert row.truncated and row.size == len(raw) and len(bytes(row.raw)) < 4096


# Broker outage -------------------------------------------------------------------------------

def test_mail_stored_while_the_broker_is_down_is_processed_by_the_re_scan(
        world, address, monkeypatch, django_capture_on_commit_callbacks, time_machine):
    def broker_down(*args, **kwargs):
        raise OSError("Connection refused")

    with monkeypatch.context() as patched:
        patched.setattr(tasks.process_inbound_email, "apply_async", broker_down)
        with django_capture_on_commit_callbacks(execute=True):
            row, _created = receive(compose(sender=world.home_user.email, to=address),
                                    transport=InboundEmail.Transport.WEBHOOK)
    row.refresh_from_db()
    assert row.status == Status.PENDING
    assert tasks.requeue_inbound_emails() == 0  # too recent: the worker may have it
    time_machine.move_to(timezone.now() + timedelta(minutes=3))
    assert tasks.requeue_inbound_emails() == 1
    row.refresh_from_db()
    assert row.status == Status.ACCEPTED and Message.objects.count() == 1
    assert tasks.requeue_inbound_emails() == 0


@pytest.mark.imap
def test_a_message_over_the_limit_is_fetched_by_its_header_only(
        world, address, mailbox, settings, django_capture_on_commit_callbacks):
    raw = compose(sender=world.home_user.email, to=address,
                  attachments=[("dump.log", b"z" * 200_000, "text/plain")])
    mailbox.append(raw)
    mailbox.append(compose(sender=world.home_user.email, to=address, body="Small one."))
    settings.INBOUND_EMAIL_MAX_BYTES = 100_000
    with django_capture_on_commit_callbacks(execute=True):
        assert imap.poll() == 2
    big = InboundEmail.objects.get(truncated=True)
    # The size the server reports, of the message as it keeps it (with CRLF line ends).
    assert big.size == len(raw.replace(b"\n", b"\r\n")) and len(bytes(big.raw)) < 2000
    assert big.reason == InboundEmail.Reason.TOO_LARGE
    assert Message.objects.get().body == "Small one."
    assert mailbox.count("INBOX") == 0
