"""The members page of a company's admins: pending invitations can be sent again or
cancelled (audited, through the outbox, the token only ever stored hashed), and removing a
member is a danger action confirmed on a page of its own, without JavaScript."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import AuditEvent, Invitation, Membership
from tests.accounts.factories import (
    CompanyAdminFactory,
    CompanyFactory,
    InvitationFactory,
    MembershipFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(client):
    membership = CompanyAdminFactory(company=CompanyFactory(name="Acme", slug="acme"))
    client.force_login(membership.user)
    return membership.user


def invitation_path(body: str) -> str:
    match = re.search(r"https?://[^/\s]+(/invitations/[^\s\"'<>]+/)", body)
    assert match, f"no invitation link in:\n{body}"
    return match.group(1)


def test_resending_mails_a_new_link_and_the_old_one_stops_working(client, admin, run_outbox,
                                                                  django_user_model):
    invitation = InvitationFactory(company=admin.memberships.get().company,
                                   email="lina@example.org",
                                   expires_at=timezone.now() + timedelta(hours=1))
    old_link = f"/invitations/{invitation.token}/"
    response = client.post(f"/company/acme/invitations/{invitation.pk}/resend/")
    assert response.status_code == 302 and response["Location"] == "/company/acme/members/"

    [email] = run_outbox()
    assert email.to == ["lina@example.org"]
    new_link = invitation_path(email.body)
    assert new_link != old_link
    invitation.refresh_from_db()
    assert invitation.expires_at > timezone.now() + timedelta(days=6)
    token = new_link.strip("/").split("/")[-1]
    assert invitation.token_hash == Invitation.hash_token(token)
    assert token not in str(Invitation.objects.values_list().get(pk=invitation.pk))
    assert AuditEvent.objects.filter(action="company.invitation_resent",
                                     actor=admin).count() == 1

    invitee = django_user_model.objects.create_user("lina@example.org", "a-long-secret-2026")
    client.force_login(invitee)
    assert client.get(old_link).status_code == 410
    assert client.post(new_link).status_code == 302
    assert Membership.objects.filter(user=invitee, company__slug="acme").exists()


def test_cancelling_stops_the_link_and_tells_the_person_invited(client, admin, run_outbox,
                                                                django_user_model):
    invitation = InvitationFactory(company=admin.memberships.get().company,
                                   email="lina@example.org")
    client.post(f"/company/acme/invitations/{invitation.pk}/cancel/")
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert AuditEvent.objects.filter(action="company.invitation_cancelled").count() == 1
    [email] = run_outbox()
    assert email.to == ["lina@example.org"] and "Acme" in email.subject
    page = client.get("/company/acme/members/").content.decode()
    assert "<td>lina@example.org</td>" not in page

    lina = django_user_model.objects.create_user("lina@example.org", "x-long-pw1")
    client.force_login(lina)
    assert client.get(f"/invitations/{invitation.token}/").status_code == 410
    assert client.post(f"/invitations/{invitation.token}/").status_code == 409
    assert not Membership.objects.filter(user=lina).exists()
    # Cancelling twice, or resending a cancelled invitation, is refused politely.
    client.force_login(admin)
    for action in ("cancel", "resend"):
        response = client.post(f"/company/acme/invitations/{invitation.pk}/{action}/",
                               follow=True)
        assert response.status_code == 200
        assert "already been used, cancelled or has expired" in response.content.decode()
    assert len(run_outbox()) == 1


def test_members_and_other_companies_cannot_touch_invitations(client, admin):
    invitation = InvitationFactory(company=admin.memberships.get().company)
    member = MembershipFactory(company=invitation.company, role="member").user
    client.force_login(member)
    assert client.post(f"/company/acme/invitations/{invitation.pk}/cancel/").status_code == 404
    outsider = CompanyAdminFactory(company=CompanyFactory(slug="other")).user
    client.force_login(outsider)
    assert client.post(f"/company/other/invitations/{invitation.pk}/cancel/").status_code == 404
    assert client.post(f"/company/acme/invitations/{invitation.pk}/resend/").status_code == 404
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


def test_pending_invitations_offer_send_again_and_cancel(client, admin):
    InvitationFactory(company=admin.memberships.get().company, email="lina@example.org")
    page = client.get("/company/acme/members/").content.decode()
    assert "Send again" in page and "Cancel invitation" in page


def test_remove_is_a_danger_link_to_a_confirmation_that_works_without_javascript(client,
                                                                                 admin):
    member = MembershipFactory(company=admin.memberships.get().company,
                               user__email="mei@example.org")
    page = client.get("/company/acme/members/").content.decode()
    confirm_url = f"/company/acme/members/{member.pk}/remove/"
    assert re.search(rf'<a class="button danger" href="{confirm_url}">', page)

    confirmation = client.get(confirm_url)
    assert confirmation.status_code == 200
    html = confirmation.content.decode()
    assert "Remove mei@example.org from Acme?" in html
    assert re.search(rf'<form method="post" action="{confirm_url}"', html)
    assert '<button type="submit" class="danger">' in html
    assert Membership.objects.filter(pk=member.pk).exists()  # asking removes nothing

    response = client.post(confirm_url)
    assert response["Location"] == "/company/acme/members/"
    assert not Membership.objects.filter(pk=member.pk).exists()


def test_the_confirmation_of_another_companys_member_is_not_found(client, admin):
    stranger = MembershipFactory(company=CompanyFactory(slug="other"))
    assert client.get(f"/company/acme/members/{stranger.pk}/remove/").status_code == 404
