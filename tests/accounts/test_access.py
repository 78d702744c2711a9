"""The access layer: roles, the second factor staff need where the deployment requires it,
and one ownership condition behind every face."""

import pytest
from allauth.mfa.models import Authenticator
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from accounts import access
from accounts.errors import SecondFactorRequired
from accounts.models import ApiToken
from accounts.services import create_api_token
from helpdesk.models import Message, SupportRequest
from tests.accounts.factories import (
    AgentFactory,
    ApiTokenFactory,
    CompanyFactory,
    MembershipFactory,
    UserFactory,
    supervisor,
)
from tests.helpdesk.factories import MessageFactory, SupportRequestFactory

pytestmark = pytest.mark.django_db

# Operations a customer uses too: staff without a second factor are refused on them all.
API_CALLS = [
    ("get", "/api/v1/me/", None),
    ("get", "/api/v1/workspaces/", None),
    ("get", "/api/v1/requests/", None),
    ("get", "/api/v1/licences/", None),
    ("get", "/api/v1/products/", None),
    ("post", "/api/v1/tokens/", {"name": "script"}),
    ("post", "/api/v1/eligibility/", {"workspace": "my", "category": "howto_download"}),
]


def _authenticator(user):
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP,
                                 data={"secret": "not-used-here"})


@pytest.fixture
def mfa_required(settings):
    settings.ADMIN_REQUIRES_MFA = True


def _session(user):
    client = APIClient()
    client.force_login(user)  # a real session: the API's authentication reads it
    return client


def _token(user):
    client = APIClient()
    token = ApiTokenFactory(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.mark.parametrize("connect", [_session, _token], ids=["session", "token"])
@pytest.mark.parametrize(("method", "url", "body"), API_CALLS)
def test_staff_without_a_second_factor_get_403_mfa_required_on_every_call(
        mfa_required, connect, method, url, body):
    client = connect(supervisor())
    response = getattr(client, method)(url, body, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "mfa_required"


@pytest.mark.parametrize("connect", [_session, _token], ids=["session", "token"])
def test_staff_with_a_second_factor_and_customers_are_not_held(mfa_required, connect):
    staff = supervisor()
    _authenticator(staff)
    assert connect(staff).get("/api/v1/requests/").status_code == 200
    assert connect(UserFactory()).get("/api/v1/requests/").status_code == 200


def test_without_the_requirement_staff_need_no_second_factor(settings):
    settings.ADMIN_REQUIRES_MFA = False
    assert _session(supervisor()).get("/api/v1/requests/").status_code == 200


def test_staff_without_a_second_factor_get_no_token(mfa_required, capsys):
    staff = supervisor()
    with pytest.raises(SecondFactorRequired):
        create_api_token(staff, name="script")
    with pytest.raises(CommandError, match="authenticator"):
        call_command("create_api_token", staff.email)
    assert not ApiToken.objects.filter(user=staff).exists()
    _authenticator(staff)
    call_command("create_api_token", staff.email)
    assert ApiToken.objects.filter(user=staff).count() == 1


def test_staff_without_a_second_factor_are_refused_a_token_on_the_tokens_page(
        mfa_required, client):
    staff = supervisor()
    client.force_login(staff)
    response = client.post("/my/tokens/", {"name": "ci"})
    assert response.status_code == 400
    assert "authenticator app" in response.content.decode()
    assert not ApiToken.objects.filter(user=staff).exists()


def test_staff_without_a_second_factor_have_no_staff_powers(mfa_required):
    """The access layer itself withholds them: every `visible_to`, service guard and admin
    list built on it sees a customer, not an agent."""
    staff = AgentFactory()
    other = SupportRequestFactory()
    note = MessageFactory(request=other, is_internal=True)
    assert not access.is_agent(staff)
    assert not SupportRequest.objects.visible_to(staff).filter(pk=other.pk).exists()
    assert not Message.objects.visible_to(staff).filter(pk=note.pk).exists()
    _authenticator(staff)
    staff = type(staff).objects.get(pk=staff.pk)  # a new request's user object
    assert access.is_agent(staff)
    assert Message.objects.visible_to(staff).filter(pk=note.pk).exists()


def test_roles():
    agent, boss, customer = AgentFactory(), supervisor(), UserFactory()
    assert access.is_agent(agent) and not access.is_supervisor(agent)
    assert access.is_agent(boss) and access.is_supervisor(boss)
    assert not access.is_agent(customer)
    # is_staff alone (no staff group) is not an agent: the groups say who works requests.
    assert not access.is_agent(UserFactory(is_staff=True))
    assert set(access.agents()) == {agent, boss}


def test_one_ownership_condition_for_admins_members_and_home_users():
    acme, globex = CompanyFactory(), CompanyFactory()
    admin = MembershipFactory(company=acme, role="admin").user
    member = MembershipFactory(company=acme).user
    outsider = MembershipFactory(company=globex, role="admin").user
    home = UserFactory()
    members_own = SupportRequestFactory(company=acme, requester=member)
    admins_own = SupportRequestFactory(company=acme, requester=admin)
    homes_own = SupportRequestFactory(requester=home)

    def seen(user):
        return set(SupportRequest.objects.filter(access.customer_q(user)))

    assert seen(admin) == {members_own, admins_own}
    assert seen(member) == {members_own}
    assert seen(home) == {homes_own}
    assert seen(outsider) == set()
    assert access.is_customer_of(member, members_own)
    assert not access.is_customer_of(member, admins_own)
    assert access.is_customer_of(admin, members_own)
    assert access.administers(admin, acme) and not access.administers(member, acme)


def test_memberships_are_read_once_per_user_and_again_after_a_change(
        django_assert_num_queries):
    """Every `visible_to` of a page asks for the caller's memberships: one read per request
    (per user object), yet a membership given or taken away counts at once."""
    user = UserFactory()
    acme, globex = CompanyFactory(), CompanyFactory()
    MembershipFactory(user=user, company=acme, role="admin")
    with django_assert_num_queries(1):
        assert access.memberships(user) == ([acme.pk], [])
        assert access.memberships(user) == ([acme.pk], [])
    membership = MembershipFactory(user=user, company=globex, role="member")
    assert access.memberships(user) == ([acme.pk], [globex.pk])
    membership.delete()
    assert access.memberships(user) == ([acme.pk], [])
