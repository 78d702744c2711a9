"""Survey emails are bulk mail with RFC 8058 one-click unsubscribe: the header's link takes
the mail program's POST without a cookie or CSRF token, and a GET of it changes nothing."""

from datetime import timedelta
from email.utils import parseaddr

import pytest
from django.test import Client
from django.utils import timezone

from feedback import dispatch
from feedback.models import FeedbackOptOut
from helpdesk.email.addresses import read_token, token_in
from helpdesk.email.outbound import thread_key
from notifications.models import Notification
from notifications.threading import thread_root
from tests.accounts.factories import UserFactory

from .factories import resolved_request

pytestmark = pytest.mark.django_db


def sent_survey(run_outbox, smtp_server):
    support_request = resolved_request(at=timezone.now() - timedelta(days=2))
    assert dispatch.send_post_resolution_requests() == 1
    run_outbox()
    (message,) = smtp_server.messages
    return support_request, message


def test_a_survey_email_offers_one_click_unsubscribe_and_is_bulk_mail(
        settings, run_outbox, smtp_server):
    support_request, message = sent_survey(run_outbox, smtp_server)
    link = str(message["List-Unsubscribe"]).strip()  # folded: a long line
    assert link.startswith(f"<{settings.SITE_URL}/feedback/unsubscribe/") and link.endswith(">")
    assert link[1:-1].removeprefix(settings.SITE_URL) in message.get_body(("plain",)).get_content()
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["Auto-Submitted"] == "auto-generated"
    # About a request: in the request's thread, and an answer by email reaches it.
    requester = support_request.requester
    assert thread_root(thread_key(support_request.pk, requester.pk)) in message["References"]
    token = read_token(token_in([parseaddr(message["Reply-To"])[1]]))
    assert (token.request_id, token.user_id) == (support_request.pk, requester.pk)


def test_the_one_click_post_opts_out_without_cookie_csrf_or_login(
        settings, run_outbox, smtp_server):
    support_request, message = sent_survey(run_outbox, smtp_server)
    path = str(message["List-Unsubscribe"]).strip()[1:-1].removeprefix(settings.SITE_URL)
    mail_program = Client(enforce_csrf_checks=True)
    assert mail_program.get(path).status_code == 200
    assert not FeedbackOptOut.objects.exists()  # opening the link changes nothing
    response = mail_program.post(path, "List-Unsubscribe=One-Click",
                                 content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert FeedbackOptOut.objects.get().user == support_request.requester
    tampered = path[:-2] + ("A/" if path[-2] != "A" else "B/")
    assert mail_program.post(tampered, "List-Unsubscribe=One-Click",
                             content_type="application/x-www-form-urlencoded"
                             ).status_code == 400
    assert FeedbackOptOut.objects.count() == 1


def test_a_periodic_survey_has_no_reply_address():
    user = UserFactory()
    dispatch._insert_and_notify(
        dispatch.Survey.objects.get(code=dispatch.Survey.RELATIONSHIP),
        [dispatch._Candidate(user_id=user.pk, email=user.email, name="Ana", language="en",
                             company_id=None, segment="home")],
        template="feedback_periodic", period="2026-Q1", now=timezone.now())
    row = Notification.objects.get(template="feedback_periodic")
    assert "Reply-To" not in row.headers and row.thread == ""
    assert row.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert row.headers["Auto-Submitted"] == "auto-generated"
