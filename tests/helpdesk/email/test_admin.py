"""Staff see which replies came by email, the original of each (staff only), and why any
email was ignored; they revoke a request's reply addresses from its page."""

import pytest
from django.urls import reverse

from helpdesk.email.inbound import process_stored_message, receive
from helpdesk.email.models import InboundEmail, ReplyAddressRevocation
from helpdesk.email.services import process_again

from ..conftest import emails_to
from .conftest import QUOTED, compose, reply_address

pytestmark = pytest.mark.django_db


@pytest.fixture
def emailed(world, file_request, run_outbox):
    """A request with one reply by email and one email ignored (another sender)."""
    support_request = file_request()
    address = reply_address(emails_to(run_outbox(), world.home_user.email)[0])
    rows = []
    for sender, body in ((world.home_user.email, "Done <b>now</b>."),
                         ("intruder@elsewhere.example", "Let me in.")):
        row, _created = receive(compose(sender=sender, to=address, body=body, quoted=QUOTED),
                                transport=InboundEmail.Transport.PIPE, enqueue=False)
        process_stored_message(row.pk)
        rows.append(row)
    return support_request, rows


def test_the_request_page_shows_the_emails_with_their_outcome(world, client, emailed):
    support_request, (accepted, ignored) = emailed
    client.force_login(world.agent)
    html = client.get(reverse("admin:helpdesk_supportrequest_change",
                              args=[support_request.pk])).content.decode()
    assert "intruder@elsewhere.example" in html
    assert "Sender is not the recipient of the reply address" in html
    assert "in the conversation" in html  # the accepted one is a reply of the conversation
    for row in (accepted, ignored):
        assert reverse("admin:helpdesk_inboundemail_original", args=[row.pk]) in html
    assert "Revoke the reply addresses" in html


def test_the_original_is_a_download_for_staff_only(world, client, emailed):
    _support_request, (accepted, _ignored) = emailed
    url = reverse("admin:helpdesk_inboundemail_original", args=[accepted.pk])
    client.force_login(world.agent)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "message/rfc822"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.content == bytes(accepted.raw)
    client.force_login(world.home_user)  # customers are sent back to their portal
    response = client.get(url)
    assert response.status_code == 302 and response.content != bytes(accepted.raw)


def test_the_list_says_why_an_email_was_ignored(world, client, emailed):
    client.force_login(world.agent)
    html = client.get("/admin/helpdesk/inboundemail/?status=ignored").content.decode()
    assert "intruder@elsewhere.example" in html and "Sender is not the recipient" in html
    assert world.home_user.email not in html.split("result_list")[1]


def test_revoking_from_the_request_page(world, client, emailed):
    support_request, _rows = emailed
    url = reverse("admin:helpdesk_inboundemail_revoke", args=[support_request.pk])
    client.force_login(world.agent)
    assert client.get(url).status_code == 405  # a GET never changes anything
    response = client.post(url)
    assert response.status_code == 302
    revocation = ReplyAddressRevocation.objects.get()
    assert (revocation.request, revocation.user, revocation.revoked_by) == (
        support_request, None, world.agent)
    client.force_login(world.outsider)  # an agent outside the request's queue
    client.post(url)
    assert ReplyAddressRevocation.objects.count() == 1


def test_failed_emails_go_back_in_line(world, emailed, django_capture_on_commit_callbacks):
    _support_request, (_accepted, ignored) = emailed
    InboundEmail.objects.filter(pk=ignored.pk).update(status=InboundEmail.Status.FAILED)
    with django_capture_on_commit_callbacks(execute=True):
        assert process_again(InboundEmail.objects.all()) == [ignored.pk]
    ignored.refresh_from_db()
    assert ignored.status == InboundEmail.Status.IGNORED  # processed again, by the worker


def test_an_emails_page_is_read_only_with_its_outcome_and_original(world, client, emailed):
    _support_request, (_accepted, ignored) = emailed
    client.force_login(world.supervisor)
    url = reverse("admin:helpdesk_inboundemail_change", args=[ignored.pk])
    html = client.get(url).content.decode()
    assert "Sender is not the recipient of the reply address" in html
    assert reverse("admin:helpdesk_inboundemail_original", args=[ignored.pk]) in html
    assert 'name="_save"' not in html
    client.post(url, {"status": "accepted"})
    ignored.refresh_from_db()
    assert ignored.status == InboundEmail.Status.IGNORED
