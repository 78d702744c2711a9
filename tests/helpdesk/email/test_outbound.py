"""Every email about a request is threaded per recipient and carries the recipient's own
reply address; what a timer sends says it is automatic."""

from datetime import timedelta
from email.utils import parseaddr

import pytest
from django.utils import timezone

from helpdesk.email.addresses import read_token, token_in
from helpdesk.email.outbound import thread_key
from helpdesk.requests import lifecycle, timed
from notifications.threading import thread_root

pytestmark = pytest.mark.django_db


def test_a_requests_emails_are_one_thread_with_the_customers_reply_address(
        world, file_request, run_outbox, smtp_server, settings):
    support_request = file_request()
    lifecycle.add_reply(support_request, by=world.agent, body="Please update.")
    lifecycle.request_information(support_request, by=world.agent, body="Which build?")
    run_outbox()
    received, replied, asked = smtp_server.messages
    root = thread_root(thread_key(support_request.pk, world.home_user.pk))
    assert received["In-Reply-To"] == root
    assert replied["In-Reply-To"] == received["Message-ID"]
    assert asked["In-Reply-To"] == replied["Message-ID"]
    assert asked["References"].split() == [root, received["Message-ID"],
                                           replied["Message-ID"]]
    for message in (received, replied, asked):
        assert f"[{support_request.reference}]" in message["Subject"]
        name, address = parseaddr(message["Reply-To"])
        assert name == "Support"
        local, _at, domain = address.partition("@")
        assert local.startswith("support+") and domain == settings.INBOUND_EMAIL_DOMAIN
        assert len(local) <= 64  # RFC 5321
        token = read_token(token_in([address]))
        assert (token.request_id, token.user_id) == (support_request.pk, world.home_user.pk)
        assert message["X-Auto-Response-Suppress"] == "OOF, AutoReply"
        assert message["Auto-Submitted"] is None  # written by a person
    assert len({m["Message-ID"] for m in smtp_server.messages}) == 3


def test_each_customer_has_a_thread_and_an_address_of_their_own(world, file_request,
                                                                 run_outbox, smtp_server):
    mine = file_request(world.acme_member, world.acme_member_ws)
    theirs = file_request(world.acme_member2, world.acme_member2_ws)
    run_outbox()
    first, second = smtp_server.messages
    assert first["References"] != second["References"]
    tokens = [read_token(token_in([parseaddr(m["Reply-To"])[1]])) for m in (first, second)]
    assert [(t.request_id, t.user_id) for t in tokens] == [
        (mine.pk, world.acme_member.pk), (theirs.pk, world.acme_member2.pk)]


def test_a_reminder_is_marked_automatic(world, file_request, run_outbox, smtp_server):
    support_request = file_request()
    lifecycle.request_information(support_request, by=world.agent, body="Which build?")
    assert timed.send_waiting_reminder(support_request.pk,
                                       now=timezone.now() + timedelta(days=4))
    run_outbox()
    reminder = smtp_server.messages[-1]
    assert "Reminder" in reminder["Subject"]
    assert reminder["Auto-Submitted"] == "auto-generated"
    assert reminder["Reply-To"] is not None
