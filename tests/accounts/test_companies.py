"""Companies: staff invite and verify, invitations are single-use and personal, a company
always keeps an administrator, and every change of who may do what is audited."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.errors import DomainError
from accounts.models import AuditEvent, Invitation, Membership
from tests.accounts.factories import (
    CompanyAdminFactory,
    CompanyFactory,
    InvitationFactory,
    MembershipFactory,
    StaffFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def invitation_path(body: str) -> str:
    match = re.search(r"https?://[^/\s]+(/invitations/[^\s\"'<>]+/)", body)
    assert match, f"no invitation link in:\n{body}"
    return match.group(1)


@pytest.fixture
def company():
    return CompanyFactory(name="Acme", slug="acme")


def test_staff_invite_from_the_admin_sends_an_email_with_a_working_link(client, company,
                                                                       run_outbox):
    staff = StaffFactory()
    client.force_login(staff)
    url = reverse("admin:accounts_company_invite", args=[company.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"email": "Boss@Acme.example", "role": "admin"})
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:accounts_company_change", args=[company.pk])

    invitation = Invitation.objects.get(company=company)
    assert (invitation.email, invitation.role, invitation.invited_by) == (
        "boss@acme.example", "admin", staff)
    outbox = run_outbox()
    assert len(outbox) == 1 and outbox[0].to == ["boss@acme.example"]
    assert "Acme" in outbox[0].subject
    path = invitation_path(outbox[0].body)
    assert Invitation.hash_token(path.split("/")[2]) == invitation.token_hash
    assert AuditEvent.objects.filter(action="company.member_invited", actor=staff,
                                     company=company).exists()


def test_admin_invite_view_is_for_staff_only(client, company):
    client.force_login(CompanyAdminFactory(company=company).user)
    response = client.post(reverse("admin:accounts_company_invite", args=[company.pk]),
                           {"email": "x@example.org", "role": "admin"})
    assert response.status_code == 302 and not response["Location"].startswith("/admin/")
    assert not Invitation.objects.exists()


def test_opening_the_invitation_link_changes_nothing(client, company):
    invitation = InvitationFactory(company=company, email="newbie@example.org")
    client.force_login(UserFactory(email="newbie@example.org"))
    response = client.get(f"/invitations/{invitation.token}/")
    assert response.status_code == 200
    assert "Accept the invitation" in response.content.decode()
    invitation.refresh_from_db()
    assert invitation.accepted_at is None
    assert not Membership.objects.filter(company=company).exists()


def test_invited_user_accepts_once_and_a_second_post_is_refused(client, company, run_outbox):
    admin = CompanyAdminFactory(company=company).user
    invitation = InvitationFactory(company=company, email="newbie@example.org", role="member")
    newbie = UserFactory(email="newbie@example.org", full_name="Nur Newbie")
    client.force_login(newbie)
    url = f"/invitations/{invitation.token}/"

    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == "/company/acme/"
    membership = Membership.objects.get(company=company, user=newbie)
    assert membership.role == "member"
    invitation.refresh_from_db()
    assert invitation.accepted_by == newbie and invitation.accepted_at is not None

    response = client.post(url)
    assert response.status_code == 409
    assert "already been used" in response.content.decode()
    assert Membership.objects.filter(company=company, user=newbie).count() == 1

    # The company's admins hear about it.
    joined = [m for m in run_outbox() if m.to == [admin.email]]
    assert len(joined) == 1
    assert "Nur Newbie joined Acme" in joined[0].subject


def test_someone_with_another_email_cannot_accept(client, company):
    invitation = InvitationFactory(company=company, email="newbie@example.org")
    intruder = UserFactory(email="intruder@example.org")
    client.force_login(intruder)
    response = client.post(f"/invitations/{invitation.token}/")
    assert response.status_code == 409
    assert "another email address" in response.content.decode()
    assert not Membership.objects.filter(user=intruder).exists()
    invitation.refresh_from_db()
    assert invitation.is_pending


def test_expired_invitation_is_refused(client, company, settings):
    invitation = InvitationFactory(company=company, email="late@example.org")
    client.force_login(UserFactory(email="late@example.org"))
    later = timezone.now() + timedelta(days=settings.INVITATION_EXPIRY_DAYS + 1)
    with time_machine.travel(later):
        assert client.get(f"/invitations/{invitation.token}/").status_code == 410
        response = client.post(f"/invitations/{invitation.token}/")
    assert response.status_code == 409
    assert not Membership.objects.filter(company=company).exists()


def test_unknown_invitation_token_is_refused(client):
    client.force_login(UserFactory())
    assert client.post("/invitations/not-a-real-token/").status_code == 410


def test_a_new_invitation_replaces_the_previous_one(company):
    admin = CompanyAdminFactory(company=company).user
    first, _token = services.invite_member(company=company, email="x@example.org",
                                                role="member", by=admin)
    second, _ = services.invite_member(company=company, email="X@example.org",
                                       role="admin", by=admin)
    first.refresh_from_db()
    assert not first.is_pending and second.is_pending
    with pytest.raises(DomainError):
        services.accept_invitation(first, user=UserFactory(email="x@example.org"))


def test_last_admin_cannot_be_demoted_or_removed(company):
    only_admin = CompanyAdminFactory(company=company)
    member = MembershipFactory(company=company)
    with pytest.raises(DomainError):
        services.change_role(only_admin, role="member", by=only_admin.user)
    with pytest.raises(DomainError):
        services.remove_member(only_admin, by=only_admin.user)
    with pytest.raises(DomainError):
        services.remove_member(only_admin, by=StaffFactory())  # not even by staff
    only_admin.refresh_from_db()
    assert only_admin.role == "admin"
    # Once there is another admin, the first may step down.
    services.change_role(member, role="admin", by=only_admin.user)
    services.change_role(only_admin, role="member", by=only_admin.user)
    only_admin.refresh_from_db()
    assert only_admin.role == "member"


def test_members_cannot_change_roles(company):
    CompanyAdminFactory(company=company)
    member = MembershipFactory(company=company)
    with pytest.raises(DomainError):
        services.change_role(member, role="admin", by=member.user)
    member.refresh_from_db()
    assert member.role == "member"


def test_every_role_change_is_audited(company):
    admin = CompanyAdminFactory(company=company)
    member = MembershipFactory(company=company)
    services.change_role(member, role="admin", by=admin.user)
    services.change_role(member, role="member", by=admin.user)
    services.change_role(member, role="member", by=admin.user)  # no change, no event
    events = AuditEvent.objects.filter(action="company.role_changed").order_by("pk")
    assert [(e.data["previous"], e.data["role"]) for e in events] == [
        ("member", "admin"), ("admin", "member")]
    assert all(e.actor == admin.user and e.company == company for e in events)
    assert all(e.object_id == str(member.pk) for e in events)
    services.remove_member(member, by=admin.user)
    removed = AuditEvent.objects.get(action="company.member_removed")
    assert removed.data["member"] == member.user.email


def test_verifying_a_company_from_the_admin_action(client, run_outbox):
    company = CompanyFactory(is_verified=False)
    admin = CompanyAdminFactory(company=company).user
    staff = StaffFactory()
    client.force_login(staff)
    response = client.post(reverse("admin:accounts_company_changelist"),
                           {"action": "verify", "_selected_action": [company.pk]})
    assert response.status_code == 302
    company.refresh_from_db()
    assert company.is_verified
    event = AuditEvent.objects.get(action="company.verified")
    assert (event.actor, event.company, event.object_id) == (staff, company, str(company.pk))
    assert [m.to for m in run_outbox()] == [[admin.email]]
    # Verifying again does nothing more.
    client.post(reverse("admin:accounts_company_changelist"),
                {"action": "verify", "_selected_action": [company.pk]})
    assert AuditEvent.objects.filter(action="company.verified").count() == 1


def test_staff_cannot_tick_verified_on_the_change_form(client):
    company = CompanyFactory(is_verified=False)
    client.force_login(StaffFactory())
    url = reverse("admin:accounts_company_change", args=[company.pk])
    client.post(url, {"name": "Renamed", "slug": company.slug, "country": "MY",
                      "segment": "small_business", "is_verified": "on",
                      "memberships-TOTAL_FORMS": "0", "memberships-INITIAL_FORMS": "0"})
    company.refresh_from_db()
    assert company.name == "Renamed"  # the form was saved ...
    assert not company.is_verified  # ... without the flag


@pytest.mark.django_db(transaction=True)
def test_companies_registered_under_one_name_at_the_same_moment_each_get_a_slug(race):
    users = [UserFactory() for _ in range(4)]
    companies = race(*[
        (lambda user=user: services.register_company(user=user, name="Abc", country="MY",
                                                     segment="small_business"))
        for user in users])
    assert sorted(company.slug for company in companies) == ["abc", "abc-2", "abc-3", "abc-4"]
