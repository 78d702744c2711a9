import pytest

from tests.accounts.factories import CompanyFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme():
    return CompanyFactory(name="Acme", slug="acme")


@pytest.fixture
def globex():
    return CompanyFactory(name="Globex", slug="globex")


def test_member_reaches_own_company(client, acme):
    member = MembershipFactory(company=acme).user
    client.force_login(member)
    response = client.get("/company/acme/")
    assert response.status_code == 200
    assert b"Acme" in response.content


def test_member_of_acme_gets_404_at_globex(client, acme, globex):
    client.force_login(MembershipFactory(company=acme).user)
    assert client.get("/company/globex/").status_code == 404


def test_unknown_company_answers_like_a_forbidden_one(client, acme):
    client.force_login(MembershipFactory(company=acme).user)
    assert client.get("/company/does-not-exist/").status_code == 404


def test_home_user_gets_404_at_a_company(client, acme):
    client.force_login(UserFactory())
    assert client.get("/company/acme/").status_code == 404
    assert client.get("/my/").status_code == 200


def test_logged_out_visitor_is_sent_to_login(client, acme):
    for url in ("/my/", "/company/acme/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_only_company_admins_see_the_member_list(client, acme):
    admin = MembershipFactory(company=acme, role="admin").user
    member = MembershipFactory(company=acme).user
    client.force_login(member)
    assert admin.email.encode() not in client.get("/company/acme/").content
    client.force_login(admin)
    assert member.email.encode() in client.get("/company/acme/").content
