import pytest
from allauth.account.models import EmailAddress

from accounts.models import ApiToken, AuditEvent, Company, Membership
from tests.accounts.factories import PASSWORD, CompanyFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_profile_keeps_bad_input_and_shows_errors(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post("/my/profile/", {"full_name": "<script>x</script>", "country": "XX",
                                             "language": "ms", "time_zone": "Mars/Base"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "&lt;script&gt;x&lt;/script&gt;" in body and "<script>x" not in body
    assert "errorlist" in body
    user.refresh_from_db()
    assert user.language == "en"


def test_profile_saves_language_and_time_zone(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post("/my/profile/", {"full_name": "Aisyah", "country": "SG",
                                             "language": "ms", "time_zone": "Asia/Singapore"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.full_name, user.country.code, user.language, user.time_zone) == (
        "Aisyah", "SG", "ms", "Asia/Singapore")
    assert '<html lang="ms">' in client.get("/my/").content.decode()


def test_api_token_is_shown_once_and_can_be_revoked(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post("/my/tokens/", {"name": "backup script"})
    token = ApiToken.objects.get(user=user)
    key = response.context["new_key"]
    assert key in response.content.decode()
    assert key not in client.get("/my/tokens/").content.decode()
    assert ApiToken.hash_key(key) == token.key_hash
    client.post(f"/my/tokens/{token.pk}/revoke/")
    token.refresh_from_db()
    assert token.revoked_at is not None
    api = client.__class__()
    assert api.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 401


def test_someone_elses_token_cannot_be_revoked(client):
    other_token = ApiToken.objects.create(user=UserFactory(), name="x", prefix="abc",
                                          key_hash="0" * 64)
    client.force_login(UserFactory())
    assert client.post(f"/my/tokens/{other_token.pk}/revoke/").status_code == 404


def test_registering_a_company_makes_an_unverified_company_with_me_as_admin(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post("/companies/new/", {"name": "Initech", "country": "MY",
                                                "segment": "small_business"})
    company = Company.objects.get(name="Initech")
    assert response["Location"] == f"/company/{company.slug}/"
    assert not company.is_verified
    assert Membership.objects.get(company=company, user=user).role == "admin"
    assert "waiting for verification" in client.get(response["Location"]).content.decode()


def test_members_page_is_for_company_admins_only(client):
    company = CompanyFactory()
    member = MembershipFactory(company=company).user
    client.force_login(member)
    assert client.get(f"/company/{company.slug}/members/").status_code == 404


def test_admin_invites_changes_roles_and_cannot_demote_the_last_admin(client, run_outbox):
    company = CompanyFactory()
    admin = MembershipFactory(company=company, role="admin")
    member = MembershipFactory(company=company)
    client.force_login(admin.user)
    url = f"/company/{company.slug}/members/"
    client.post(url, {"email": "new@example.org", "role": "member"})
    assert any("new@example.org" in m.to for m in run_outbox())
    client.post(f"{url}{admin.pk}/role/", {"role": "member"})
    admin.refresh_from_db()
    assert admin.role == "admin"
    client.post(f"{url}{member.pk}/role/", {"role": "admin"})
    member.refresh_from_db()
    assert member.role == "admin"
    assert AuditEvent.objects.filter(action="company.role_changed").count() == 1


def test_company_name_is_editable_by_admins_but_not_the_segment(client):
    company = CompanyFactory(segment="small_business")
    admin = MembershipFactory(company=company, role="admin").user
    client.force_login(admin)
    client.post(f"/company/{company.slug}/profile/",
                {"name": "Acme Renamed", "segment": "medium_large_business"})
    company.refresh_from_db()
    assert (company.name, company.segment) == ("Acme Renamed", "small_business")
    member = MembershipFactory(company=company).user
    client.force_login(member)
    assert client.post(f"/company/{company.slug}/profile/",
                       {"name": "Hijacked"}).status_code == 404


def test_erasing_an_account_removes_personal_data(client):
    user = UserFactory(full_name="Nur Private")
    MembershipFactory(user=user)
    client.force_login(user)
    response = client.post("/my/delete/", {"password": "wrong", "confirm": "on"})
    assert response.status_code == 200 and "not correct" in response.content.decode()
    client.post("/my/delete/", {"password": PASSWORD, "confirm": "on"})
    user.refresh_from_db()
    assert user.full_name == "" and "Nur" not in user.email and not user.is_active
    assert not user.has_usable_password()
    assert not EmailAddress.objects.filter(user=user).exists()
    assert not Membership.objects.filter(user=user).exists()


def test_last_admin_cannot_erase_their_account(client):
    membership = MembershipFactory(role="admin")
    client.force_login(membership.user)
    response = client.post("/my/delete/", {"password": PASSWORD, "confirm": "on"})
    assert "only administrator" in response.content.decode()
    membership.user.refresh_from_db()
    assert membership.user.is_active
