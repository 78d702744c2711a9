"""Names kept in English and Malay read in the reader's language: plan names, paid-service
descriptions, self-help titles, country names (and the emails that name a plan)."""

from html import unescape

import pytest
from rest_framework.test import APIClient

from helpdesk.models import SlaTarget
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def malay_names(world):
    world.premium.name_ms = "Sokongan Premium Syarikat"
    world.premium.save()
    service = world.services["professional_services"]
    service.description = "On-site sessions and expert reviews."
    service.description_ms = "Sesi di tapak dan semakan pakar."
    service.save()
    return world


def _in_malay(user):
    user.language = "ms"
    user.save()
    return user


def test_a_plan_reads_in_the_readers_language(client, malay_names, file_request):
    world = malay_names
    sr = file_request(world.globex_admin, world.globex_ws)
    client.force_login(world.globex_admin)
    pages = [f"/company/globex/requests/{sr.reference}/", "/company/globex/licences/",
             "/company/globex/"]
    for url in pages:
        assert "Premium Support" in client.get(url).content.decode(), url
    _in_malay(world.globex_admin)
    for url in pages:
        body = client.get(url).content.decode()
        assert "Sokongan Premium Syarikat" in body, url
    api = APIClient()
    api.force_authenticate(world.globex_admin)
    licence = next(row for row in api.get("/api/v1/licences/?workspace=globex",
                                          HTTP_ACCEPT_LANGUAGE="ms").json()["results"]
                   if row["plan"] == "premium")
    assert licence["plan_name"] == "Sokongan Premium Syarikat"


def test_the_received_email_names_the_plan_in_the_customers_language(malay_names,
                                                                     file_request,
                                                                     run_outbox):
    world = malay_names
    SlaTarget.objects.create(plan=world.premium, priority="normal", first_response_minutes=60,
                             next_response_minutes=120, resolution_minutes=480,
                             around_the_clock=True)
    _in_malay(world.globex_admin)
    file_request(world.globex_admin, world.globex_ws)
    mail = run_outbox()[-1]
    assert "Sokongan Premium Syarikat" in mail.body
    assert "Premium Support" not in mail.body


def test_a_paid_service_is_described_in_the_readers_language(client, malay_names):
    world = malay_names
    client.force_login(_in_malay(world.home_user))
    body = client.get("/my/quotes/").content.decode()
    assert "Sesi di tapak dan semakan pakar." in body
    api = APIClient()
    api.force_authenticate(world.home_user)
    services = {s["code"]: s for s in api.get("/api/v1/services/",
                                              HTTP_ACCEPT_LANGUAGE="ms").json()["results"]}
    assert services["professional_services"]["description"] == "Sesi di tapak dan semakan pakar."
    english = {s["code"]: s for s in api.get("/api/v1/services/",
                                             HTTP_ACCEPT_LANGUAGE="en").json()["results"]}
    assert english["professional_services"]["description"] == (
        "On-site sessions and expert reviews.")


def test_a_self_help_title_reads_in_malay_where_staff_gave_one(client, world, resources):
    resources.home_community.title_ms = "Komuniti Kaspersky"
    resources.home_community.save()
    client.force_login(world.home_user)
    assert ">Kaspersky Community</a>" in client.get("/my/").content.decode()
    client.force_login(_in_malay(world.home_user))
    body = client.get("/my/").content.decode()
    # A Malay title for an English page: the link says where it goes, the words are Malay.
    assert (f'href="{resources.home_community.url}" rel="noopener noreferrer" hreflang="en">'
            "Komuniti Kaspersky</a>") in body
    assert "Imbasan berhenti" in body  # a Malay resource keeps its own title


def test_countries_are_named_in_the_readers_language(client, world):
    user = UserFactory(country="SG")
    client.force_login(user)
    assert "<dd>Singapore</dd>" in client.get("/my/").content.decode()
    assert '<option value="SG" selected>Singapore</option>' in client.get(
        "/my/profile/").content.decode()
    client.force_login(_in_malay(user))
    assert "<dd>Singapura</dd>" in client.get("/my/").content.decode()
    profile = unescape(client.get("/my/profile/").content.decode())
    assert '<option value="SG" selected>Singapura</option>' in profile
    assert '<option value="DE">Jerman</option>' in profile
    client.force_login(_in_malay(world.acme_admin))
    assert "<dd>Malaysia</dd>" in client.get("/company/acme/profile/").content.decode()
    response = client.post("/my/profile/", {"full_name": "Siti", "country": "DE",
                                            "language": "ms", "time_zone": "Asia/Kuala_Lumpur"})
    assert response.status_code == 302
    world.acme_admin.refresh_from_db()
    assert world.acme_admin.country.code == "DE"
