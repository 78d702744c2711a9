"""Emails that carry a password-reset or invitation link: neither the outbox's rows nor
its admin show the link; the email sent still carries the working link; the row is purged
soon after it is sent."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts import services as account_services
from accounts.models import AuditEvent
from notifications.models import Notification
from notifications.tasks import purge_delivered_credentials
from tests.accounts.factories import CompanyAdminFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

RESET_LINK = re.compile(r"https?://\S+/accounts/password/reset/key/\S+/")


def stored_anywhere() -> str:
    """Every column of every outbox row and audit row, as the database holds them."""
    return str(list(Notification.objects.values())) + str(list(AuditEvent.objects.values()))


def admin_pages() -> str:
    desk = Client()
    desk.force_login(StaffFactory())
    pages = [desk.get("/admin/notifications/notification/")]
    pages += [desk.get(f"/admin/notifications/notification/{pk}/change/")
              for pk in Notification.objects.values_list("pk", flat=True)]
    assert all(page.status_code == 200 for page in pages)
    return "".join(page.content.decode() for page in pages)


def test_an_invitation_link_is_only_in_the_email_sent(run_outbox, at):
    admin = CompanyAdminFactory().user
    _invitation, token = account_services.invite_member(
        company=admin.memberships.get().company, email="new@example.org", role="member",
        by=admin)
    notification = Notification.objects.get(template="invitation")
    assert notification.carries_credentials and notification.sealed
    assert token not in stored_anywhere()
    assert token not in admin_pages()

    (sent,) = run_outbox()
    link = f"/invitations/{token}/"
    assert link in sent.body and link in sent.alternatives[0][0]
    invitee = Client()
    invitee.force_login(UserFactory(email="new@example.org"))
    assert invitee.get(link).status_code == 200
    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT and notification.sealed == ""

    kept = Notification.objects.create(to="x@example.org", template="company_verified",
                                       status=Notification.Status.SENT,
                                       sent_at=notification.sent_at)
    assert purge_delivered_credentials() == 0  # not yet: just sent
    at(timezone.now() + timedelta(minutes=61))
    assert purge_delivered_credentials() == 1
    assert purge_delivered_credentials() == 0
    assert list(Notification.objects.all()) == [kept]


def test_a_password_reset_link_is_only_in_the_email_sent(client, run_outbox, at):
    user = UserFactory()
    assert client.post("/accounts/password/reset/", {"email": user.email}).status_code == 302
    notification = Notification.objects.get(to=user.email)
    assert notification.carries_credentials
    assert notification.body_text == "" and notification.body_html == ""
    assert "password/reset/key" not in stored_anywhere()
    assert "password/reset/key" not in admin_pages()

    (sent,) = run_outbox()
    link = RESET_LINK.search(sent.body).group(0)
    page = client.get(link, follow=True)
    assert page.status_code == 200 and not page.context.get("token_fail")
    assert "password1" in page.content.decode()  # the form to choose a new password
    assert "password/reset/key" not in stored_anywhere()
    at(timezone.now() + timedelta(minutes=61))
    assert purge_delivered_credentials() == 1
    assert not Notification.objects.exists()


def test_emails_without_credentials_stay_readable(client):
    user = UserFactory()
    CompanyAdminFactory(user=user)
    account_services.notify_users([user], "company_verified", {"company": "Acme", "url": "/x/"})
    notification = Notification.objects.get()
    assert not notification.carries_credentials and notification.context["url"] == "/x/"
