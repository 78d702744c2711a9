"""The audit trail: staff looking at malware samples and full activation codes, role changes
in companies, API tokens made, and every refusal under the Support Rules are recorded with
who, when and what; supervisors read the trail in the admin (read-only), agents do not.
"""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.access import SUPERVISORS
from accounts.models import AuditEvent
from accounts.workspace import Workspace
from helpdesk.requests import files, filing
from licensing.models import RequestCategory
from tests.accounts.factories import StaffFactory

from .world import build_owned_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    return build_owned_world()


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def last(action: str) -> AuditEvent:
    event = AuditEvent.objects.filter(action=action).order_by("-created_at", "-pk").first()
    assert event is not None, f"no {action} recorded"
    assert abs(event.created_at - timezone.now()) < timedelta(minutes=1)
    return event


def sample_of(world):
    sample_request = filing.file_request(filing.RequestIntake.of(
        workspace=Workspace(user=world.home_user),
        category=RequestCategory.objects.get(code="false_positive"), subject="False alarm",
        description="My own tool is flagged.", product=world.home_product,
        version=world.home_v, os="windows", os_version="11"), by=world.home_user)
    attachment = files.upload_attachment(
        sample_request, by=world.home_user,
        file=SimpleUploadedFile("tool.exe", b"MZ\x90\x00" + b"\x00" * 64))
    assert attachment.is_sample
    return sample_request, attachment


def test_a_staff_download_of_a_sample_is_recorded_in_the_api_and_the_admin(world):
    sample_request, attachment = sample_of(world)
    response = api_for(world.supervisor).get(
        f"/api/v1/requests/{sample_request.reference}/attachments/{attachment.pk}/download/")
    assert response.status_code == 200
    event = last("helpdesk.sample_downloaded")
    assert event.actor == world.supervisor
    assert event.object_id == str(attachment.pk)
    assert event.data["reference"] == sample_request.reference
    assert event.data["sha256"] == attachment.sha256
    assert event.home_user == world.home_user  # the workspace it belongs to

    admin_url = reverse("admin:helpdesk_supportrequest_download",
                        args=[sample_request.pk, attachment.pk])
    assert client_for(world.agent).get(admin_url).status_code == 200
    assert last("helpdesk.sample_downloaded").actor == world.agent
    assert AuditEvent.objects.filter(action="helpdesk.sample_downloaded").count() == 2
    # The customer never gets it, and nothing is recorded for the refusal of a file.
    assert api_for(world.home_user).get(
        f"/api/v1/requests/{sample_request.reference}/attachments/{attachment.pk}/download/"
    ).status_code == 404


def test_a_full_activation_code_is_shown_only_by_the_audited_reveal(world):
    staff = world.supervisor
    client = client_for(staff)
    licence = world.acme_licence
    change = client.get(reverse("admin:licensing_licence_change", args=[licence.pk]))
    assert change.status_code == 200
    assert licence.key not in change.content.decode()
    url = reverse("admin:licensing_licence_reveal", args=[licence.pk])
    asked = client.get(url)
    assert licence.key not in asked.content.decode()
    assert not AuditEvent.objects.filter(action="licence.key_revealed").exists()
    shown = client.post(url)
    assert licence.key in shown.content.decode()
    event = last("licence.key_revealed")
    assert (event.actor, event.object_id, event.company) == (staff, str(licence.pk),
                                                              world.acme)
    # The key is never in the request pages of the admin either.
    support_request = world.requests[world.acme_member]
    page = client.get(reverse("admin:helpdesk_supportrequest_change",
                              args=[support_request.pk])).content.decode()
    assert licence.key not in page


def test_a_role_change_in_a_company_is_recorded(world):
    membership = world.acme_member.memberships.get()
    response = client_for(world.acme_admin).post(
        f"/company/acme/members/{membership.pk}/role/", {"role": "admin"})
    assert response.status_code == 302
    event = last("company.role_changed")
    assert event.actor == world.acme_admin and event.company == world.acme
    assert event.data == {"previous": "member", "role": "admin"}
    assert event.object_id == str(membership.pk)


def test_token_creation_is_recorded_from_the_portal_and_the_api(world):
    response = client_for(world.home_user).post("/my/tokens/", {"name": "backup script"})
    assert response.status_code == 200
    event = last("api_token.created")
    assert event.actor == world.home_user and "backup script" in event.object_repr
    assert event.ip_address == "127.0.0.1"
    response = api_for(world.other_home).post("/api/v1/tokens/", {"name": "ci"}, format="json")
    assert response.status_code == 201
    event = last("api_token.created")
    assert event.actor == world.other_home and event.home_user == world.other_home
    assert response.json()["key"] not in str(event.data) + event.object_repr


FILING = {"workspace": "my", "category": "malfunction", "product": "home-premium",
          "version": "21.21", "os": "windows", "os_version": "11",
          "subject": "Scan stops", "description": "At 40 per cent."}


@pytest.mark.parametrize(("way", "clause"), [
    ("eligibility", "4.3.1"),  # the platform is below the minimum
    ("filing-api", "4.3.1"),
    ("filing-api-topic", "4.2.5"),  # a topic support does not cover
    ("filing-portal", "4.2.5"),
    ("filing-business", "4.5b"),  # a company without a valid licence
])
def test_every_refusal_under_the_rules_is_recorded(world, way, clause):
    user = world.home_user
    data = {**FILING, "os_version": "7"}
    if way == "eligibility":
        response = api_for(user).post("/api/v1/eligibility/", data, format="json")
        assert response.status_code == 200 and response.json()["eligible"] is False
    elif way == "filing-api":
        response = api_for(user).post("/api/v1/requests/", data, format="json")
        assert response.status_code == 422
    elif way == "filing-api-topic":
        response = api_for(user).post("/api/v1/requests/", {
            "workspace": "my", "category": "oos_4_2_5", "subject": "Visit",
            "description": "Please come over."}, format="json")
        assert response.status_code == 422
    elif way == "filing-portal":
        response = client_for(user).post("/my/requests/new/", {
            "category": "oos_4_2_5", "subject": "Visit", "description": "Please come over.",
            "priority": "normal"})
        assert response.status_code in (200, 422), response.status_code
    else:
        user = world.globex_admin
        world.globex_licence.delete()
        response = api_for(user).post("/api/v1/requests/", {
            **FILING, "workspace": "globex", "product": "endpoint", "version": "12.8"},
            format="json")
        assert response.status_code == 422
    event = last("eligibility.refused")
    assert event.actor == user
    assert event.data["clause"] == clause
    assert event.data["reason"]
    assert event.data["category"] in ("malfunction", "oos_4_2_5")


def test_a_refused_licence_claim_is_recorded(world):
    response = api_for(world.home_user).post("/api/v1/licences/", {
        "workspace": "my", "licence_key": "AAAAA-BBBBB-CCCCC-DDDDD"}, format="json")
    assert response.status_code == 400
    event = last("licence.claim_refused")
    assert event.actor == world.home_user and event.home_user == world.home_user


def test_supervisors_read_the_trail_in_the_admin_and_agents_do_not(world):
    _sample_request, attachment = sample_of(world)
    files.download_sample(attachment, by=world.agent)
    assert world.supervisor.groups.filter(name=SUPERVISORS).exists()
    assert Group.objects.get(name=SUPERVISORS).permissions.filter(
        codename="view_auditevent").exists()

    supervisor = client_for(world.supervisor)
    listing = supervisor.get("/admin/accounts/auditevent/?action=helpdesk.sample_downloaded")
    assert listing.status_code == 200
    page = listing.content.decode()
    assert "helpdesk.sample_downloaded" in page and world.agent.email in page
    event = last("helpdesk.sample_downloaded")
    detail = supervisor.get(f"/admin/accounts/auditevent/{event.pk}/change/")
    assert detail.status_code == 200 and attachment.sha256 in detail.content.decode()
    # Read-only: no add, change or delete, even for supervisors.
    assert supervisor.post(f"/admin/accounts/auditevent/{event.pk}/change/",
                           {"action": "nothing"}).status_code == 403
    assert supervisor.post(f"/admin/accounts/auditevent/{event.pk}/delete/",
                           {"post": "yes"}).status_code == 403
    assert supervisor.get("/admin/accounts/auditevent/add/").status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()
    # The admin index links the trail for supervisors only.
    assert "/admin/accounts/auditevent/" in supervisor.get("/admin/").content.decode()
    agent = client_for(world.agent)
    assert agent.get("/admin/accounts/auditevent/").status_code == 403
    assert "/admin/accounts/auditevent/" not in agent.get("/admin/").content.decode()
    # A superuser sees it too.
    assert client_for(StaffFactory()).get("/admin/accounts/auditevent/").status_code == 200
