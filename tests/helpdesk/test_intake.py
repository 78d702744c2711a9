"""One intake for every face: the portal, the API and the admin's phone intake turn the same
input into the same decision, the same messages and the same audit rows; a follow-up is
filed under its request's lock."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import AuditEvent
from helpdesk.models import SupportRequest
from helpdesk.requests import lifecycle
from licensing.eligibility import Refused

pytestmark = pytest.mark.django_db

Status = SupportRequest.Status


def _refusals():
    return sorted((e.actor.email, e.data["clause"], e.data["category"], e.data["product"],
                   e.data["version"], e.count)
                  for e in AuditEvent.objects.filter(action="eligibility.refused"))


def _through_portal(client, world, data):
    client.force_login(world.home_user)
    return client.post("/my/requests/new/", {**data, "action": "file", "priority": "normal"})


def _through_api(world, data):
    api = APIClient()
    api.force_authenticate(world.home_user)
    return api.post("/api/v1/requests/", {**data, "workspace": "my"}, format="json")


def _through_admin(client, world, data):
    client.force_login(world.supervisor)
    return client.post(reverse("admin:helpdesk_supportrequest_add"),
                       {**data, "customer": world.home_user.email, "company": "",
                        "priority": "normal"})


FREE_PRODUCT = {"category": "malfunction", "product": "home-free", "version": "3.1.0",
                "os": "windows", "os_version": "11", "subject": "Scan stops",
                "description": "At 40 per cent."}


@pytest.mark.parametrize("face", ["portal", "api", "admin"])
def test_each_face_refuses_the_same_input_with_the_same_decision_and_audit_row(
        world, client, face):
    """Version "3.1.0" names version 3.1 on every face (versions compare as numbers); the
    free product is refused under 4.5a; the refusal is recorded the same way."""
    if face == "portal":
        response = _through_portal(client, world, FREE_PRODUCT)
        assert response.status_code == 422
        assert "(clause 4.5a)" in response.content.decode()
    elif face == "api":
        response = _through_api(world, FREE_PRODUCT)
        assert response.status_code == 422
        assert response.json()["clause"] == "4.5a"
    else:
        response = _through_admin(client, world, FREE_PRODUCT)
        assert response.status_code == 200
        assert response.context["decision"].clause == "4.5a"
    actor = world.supervisor.email if face == "admin" else world.home_user.email
    assert _refusals() == [(actor, "4.5a", "malfunction", "home-free", "3.1", 1)]
    assert not SupportRequest.objects.exists()


def test_checking_on_the_portal_and_the_api_records_alike(world, client):
    check = {key: FREE_PRODUCT[key] for key in ("category", "product", "version", "os",
                                                "os_version")}
    client.force_login(world.home_user)
    assert client.post("/my/requests/new/", {**check, "action": "check"}).status_code == 200
    api = APIClient()
    api.force_authenticate(world.home_user)
    response = api.post("/api/v1/eligibility/", {**check, "workspace": "my"}, format="json")
    assert response.json()["clause"] == "4.5a"
    # Two checks within the minute by the same person under the same clause: one row, two.
    assert _refusals() == [(world.home_user.email, "4.5a", "malfunction", "home-free", "3.1", 2)]


@pytest.mark.parametrize("face", ["portal", "api", "admin"])
def test_each_face_checks_the_platform_version_and_names_the_field(world, client, face):
    data = {**FREE_PRODUCT, "product": "home-premium", "version": "21.21",
            "os_version": "eleven"}
    if face == "portal":
        response = _through_portal(client, world, data)
        errors = response.context["form"].errors
    elif face == "api":
        response = _through_api(world, data)
        errors = response.json()["errors"]
    else:
        response = _through_admin(client, world, data)
        errors = response.context["form"].errors
    assert response.status_code in (200, 400)
    assert "such as 11, 10.15 or Server 2022" in " ".join(errors["os_version"])
    assert not SupportRequest.objects.exists()


@pytest.mark.parametrize("face", ["portal", "api", "admin"])
def test_each_face_files_the_same_request(world, client, face):
    data = {**FREE_PRODUCT, "product": "home-premium", "version": "21.21.0"}
    {"portal": lambda: _through_portal(client, world, data),
     "api": lambda: _through_api(world, data),
     "admin": lambda: _through_admin(client, world, data)}[face]()
    filed = SupportRequest.objects.get()
    assert (filed.requester, filed.product, filed.version.version, filed.os_version) == (
        world.home_user, world.home_product, "21.21", "11")


def _settled(sr):
    SupportRequest.objects.filter(pk=sr.pk).update(
        status=Status.RESOLVED, resolved_at=timezone.now() - timedelta(days=30))
    return SupportRequest.objects.get(pk=sr.pk)


def test_a_second_late_reply_lands_on_the_follow_up_the_first_opened(world, file_request):
    sr = _settled(file_request())
    first = lifecycle.add_reply(sr, by=world.home_user, body="It is back.")
    second = lifecycle.add_reply(sr, by=world.home_user, body="And again today.")
    assert first.request.follows_up_id == sr.pk
    assert second.request == first.request
    assert SupportRequest.objects.filter(follows_up=sr).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_late_replies_at_once_open_one_follow_up(world, file_request, race):
    sr = _settled(file_request())
    messages = race(lambda: lifecycle.add_reply(sr, by=world.home_user, body="Back again."),
                    lambda: lifecycle.add_reply(sr, by=world.home_user, body="Still here."))
    assert SupportRequest.objects.filter(follows_up=sr).count() == 1
    assert messages[0].request_id == messages[1].request_id != sr.pk


def test_a_refused_follow_up_is_recorded_and_writes_nothing_else(world, file_request):
    """The product went out of support after the request was settled: the late reply is
    refused under 4.3.2, on record, and no message or request is left behind."""
    sr = _settled(file_request())
    world.home_v.end_of_support = timezone.localdate() - timedelta(days=1)
    world.home_v.save()
    with pytest.raises(Refused) as refused:
        lifecycle.add_reply(sr, by=world.home_user, body="It is back.")
    assert refused.value.decision.clause == "4.3.2"
    assert [row[1] for row in _refusals()] == ["4.3.2"]
    assert not SupportRequest.objects.filter(follows_up=sr).exists()
    assert not sr.messages.filter(body="It is back.").exists()
