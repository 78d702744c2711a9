"""A company's administrators name its authorised technical contacts (3.3) within the
number its paid plan allows, in the company portal and the API; every change is audited,
and a named contact's requests are premium ones."""

import pytest
from rest_framework.test import APIClient

from accounts.models import AuditEvent
from accounts.workspace import resolve_workspace
from helpdesk.models import AuthorisedContact
from tests.accounts.factories import MembershipFactory, supervisor

pytestmark = pytest.mark.django_db

URL = "/company/globex/contacts/"
API = "/api/v1/companies/globex/contacts/"


@pytest.fixture
def members(world):
    """Three members of Globex (on Premium Support, two contacts allowed)."""
    return [MembershipFactory(company=world.globex, user__email=f"dev{n}@globex.example",
                              user__full_name=f"Dev {n}").user for n in range(3)]


def _api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_an_administrator_names_and_removes_contacts_in_the_portal(client, world, members,
                                                                   file_request):
    client.force_login(world.globex_admin)
    start = client.get("/company/globex/").content.decode()
    assert f'href="{URL}"' in start
    page = client.get(URL).content.decode()
    assert "the plan allows 2 contacts" in page
    assert "its administrators act as them" in page
    for user in members[:2]:
        response = client.post(URL, {"add": "1", "user": user.pk})
        assert response.status_code == 302
    page = client.get(URL).content.decode()
    assert "dev0@globex.example" in page and "dev1@globex.example" in page
    assert "Every place the plan allows is taken" in page
    assert AuditEvent.objects.filter(action="authorised_contact.added").count() == 2
    # The start page lists the named contacts to every member.
    client.force_login(members[2])
    assert "Dev 0 (dev0@globex.example)" in client.get("/company/globex/").content.decode()
    # A named contact files premium requests; another member does not.
    assert file_request(members[0], resolve_workspace(members[0], "globex")).plan.code == \
        "premium"
    assert file_request(members[2], resolve_workspace(members[2], "globex")).plan.code == \
        "standard"
    client.force_login(world.globex_admin)
    refused = client.post(URL, {"add": "1", "user": members[2].pk})
    assert refused.status_code == 400
    assert "allows 2 authorised contacts" in refused.content.decode()
    response = client.post(URL, {"remove": members[0].pk})
    assert response.status_code == 302
    assert list(AuthorisedContact.objects.values_list("user__email", flat=True)) == [
        "dev1@globex.example"]
    event = AuditEvent.objects.get(action="authorised_contact.removed")
    assert (event.actor, event.company, event.data["user"]) == (
        world.globex_admin, world.globex, "dev0@globex.example")


def test_only_administrators_reach_the_page_and_only_members_can_be_named(client, world,
                                                                          members):
    client.force_login(members[0])
    assert client.get(URL).status_code == 404
    assert client.post(URL, {"add": "1", "user": members[0].pk}).status_code == 404
    assert 'href="/company/globex/contacts/"' not in client.get(
        "/company/globex/").content.decode()
    client.force_login(world.acme_admin)
    assert client.get(URL).status_code == 404  # not their company
    client.force_login(world.globex_admin)
    outsider = client.post(URL, {"add": "1", "user": world.acme_member.pk})
    assert outsider.status_code == 400
    assert not AuthorisedContact.objects.exists()


def test_a_company_without_a_paid_plan_has_nobody_to_name(client, world):
    client.force_login(world.acme_admin)
    page = client.get("/company/acme/contacts/").content.decode()
    assert "Acme has no valid licence on a paid support plan" in page
    assert 'name="user"' not in page
    assert 'href="/company/acme/contacts/"' not in client.get("/company/acme/").content.decode()


def test_the_api_reads_names_and_sets_the_contacts(world, members):
    member_view = _api(members[0]).get(API).json()
    assert member_view == {"plan": "premium", "limit": 2, "named": False, "contacts": [
        {"email": "admin@globex.example", "full_name": world.globex_admin.full_name}]}
    assert _api(members[0]).post(API, {"user": members[0].email}, format="json"
                                 ).status_code == 403
    admin = _api(world.globex_admin)
    response = admin.post(API, {"user": "DEV0@globex.example"}, format="json")
    assert response.status_code == 201
    assert response.json()["named"] is True
    assert [c["email"] for c in response.json()["contacts"]] == ["dev0@globex.example"]
    outsider = admin.post(API, {"user": world.acme_member.email}, format="json")
    assert outsider.status_code == 400 and "user" in outsider.json()["errors"]
    too_many = admin.put(API, {"users": [u.email for u in members]}, format="json")
    assert too_many.status_code == 400 and "allows 2" in too_many.json()["detail"]
    assert [c.user for c in AuthorisedContact.objects.all()] == [members[0]]
    swapped = admin.put(API, {"users": [members[1].email, members[2].email]}, format="json")
    assert swapped.status_code == 200
    assert sorted(c["email"] for c in swapped.json()["contacts"]) == [
        "dev1@globex.example", "dev2@globex.example"]
    actions = list(AuditEvent.objects.filter(action__startswith="authorised_contact")
                   .order_by("pk").values_list("action", "data__user"))
    assert actions == [("authorised_contact.added", "dev0@globex.example"),
                       ("authorised_contact.removed", "dev0@globex.example"),
                       ("authorised_contact.added", "dev1@globex.example"),
                       ("authorised_contact.added", "dev2@globex.example")]
    cleared = admin.put(API, {"users": []}, format="json").json()
    assert cleared["named"] is False
    assert _api(world.acme_admin).get(API).status_code == 404
    acme = _api(world.acme_admin)
    assert acme.get("/api/v1/companies/acme/contacts/").json() == {
        "plan": None, "limit": None, "named": False, "contacts": []}
    no_plan = acme.post("/api/v1/companies/acme/contacts/", {"user": world.acme_member.email},
                        format="json")
    assert no_plan.status_code == 400 and "no valid licence" in no_plan.json()["detail"]


def test_someone_who_leaves_the_company_frees_their_place(world, members):
    admin = _api(world.globex_admin)
    admin.put(API, {"users": [members[0].email, members[1].email]}, format="json")
    members[0].memberships.all().delete()
    body = admin.post(API, {"user": members[2].email}, format="json")
    assert body.status_code == 201
    assert sorted(c["email"] for c in body.json()["contacts"]) == [
        "dev1@globex.example", "dev2@globex.example"]


def test_staff_name_contacts_in_the_admin_through_the_same_service(client, world, members):
    client.force_login(supervisor())
    response = client.post("/admin/helpdesk/authorisedcontact/add/",
                           {"company": world.globex.pk, "user": members[0].pk})
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="authorised_contact.added").count() == 1
    contact = AuthorisedContact.objects.get()
    response = client.post(f"/admin/helpdesk/authorisedcontact/{contact.pk}/delete/",
                           {"post": "yes"})
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="authorised_contact.removed").count() == 1
