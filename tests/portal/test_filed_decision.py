"""The decision a request was filed under is stored as data and read in the reader's
language on the request page and in the API (clause 6.1: the request records what it was
filed under)."""

from importlib import import_module

import pytest
from django.apps import apps
from rest_framework.test import APIClient

from helpdesk.models import SupportRequest

pytestmark = pytest.mark.django_db


def test_the_decision_is_stored_as_data_not_words(world, file_request):
    sr = file_request(world.home_user)
    assert sr.decision == {"eligible": True, "clause": None, "reason_code": "home_any_licence",
                           "params": {"product": "Home Premium 21.21"}, "offers": []}


def test_the_request_page_reads_the_decision_in_the_readers_language(client, world,
                                                                     file_request):
    sr = file_request(world.acme_member, world.acme_member_ws)
    client.force_login(world.acme_member)
    url = f"/company/acme/requests/{sr.reference}/"
    english = client.get(url).content.decode()
    assert ("Filed under: Endpoint Security 12.8 is covered by Standard Support with your "
            "valid licence (clause 4.5b).") in english
    world.acme_admin.language = "ms"
    world.acme_admin.save()
    client.force_login(world.acme_admin)
    malay = client.get(url).content.decode()
    assert "Didaftarkan di bawah:" in malay
    assert "is covered by Standard Support" not in malay


def test_the_api_decision_keeps_its_shape_in_the_callers_language(world, file_request):
    sr = file_request(world.home_user)
    client = APIClient()
    client.force_authenticate(world.home_user)
    english = client.get(f"/api/v1/requests/{sr.reference}/").json()["decision"]
    assert english == {"eligible": True, "clause": None, "offers": [],
                       "reason": "Home Premium 21.21 is supported whatever the licence status "
                                 "(clause 4.5a)."}
    malay = client.get(f"/api/v1/requests/{sr.reference}/",
                       HTTP_ACCEPT_LANGUAGE="ms").json()["decision"]
    assert malay["reason"] == "Home Premium 21.21 disokong tanpa mengira status Lesen (fasal 4.5a)."


def test_decisions_stored_as_sentences_become_data(world, file_request):
    """The data migration: every request filed before keeps an accepted decision, its reason
    code worked out from the request."""
    home = file_request(world.home_user)
    business = file_request(world.acme_member, world.acme_member_ws)
    recovery = file_request(world.home_user, code="licence_recovery")
    old = {"eligible": True, "clause": None, "reason": "Covered.", "offers": []}
    SupportRequest.objects.update(decision=old)
    import_module("helpdesk.migrations.0007_decision_as_data").forwards(apps, None)
    codes = {sr.pk: (sr.decision["reason_code"], sr.decision["params"])
             for sr in SupportRequest.objects.all()}
    assert codes == {
        home.pk: ("home_any_licence", {"product": "Home Premium 21.21"}),
        business.pk: ("licence_valid", {"product": "Endpoint Security 12.8"}),
        recovery.pk: ("category_covered", {"category": "licence_recovery", "clause": "4.1.3"}),
    }
