"""The licensing API: catalogue, eligibility, licences and quotes; bad input is a 400 with
field errors, never a 500; other tenants' rows are invisible."""

from datetime import timedelta

import pytest

from accounts.models import AuditEvent
from licensing.models import QuoteRequest
from notifications.models import Notification

from .factories import LicenceFactory, QuoteRequestFactory, today

pytestmark = pytest.mark.django_db

HUGE = "x" * 100_000


def _results(response):
    assert response.status_code == 200, response.content
    return response.json()["results"]


# Catalogue -----------------------------------------------------------------------------

def test_products_list_versions_support_and_requirements(world, api):
    products = {p["code"]: p for p in _results(api(world.home_user).get("/api/v1/products/"))}
    home = products["home-premium"]
    assert (home["segment"], home["kind"]) == ("home", "commercial")
    assert {"special_terms", "special_terms_url"} <= set(home)
    versions = {v["version"]: v for v in home["versions"]}
    assert versions["21.21"]["supported"] is True
    assert versions["21.3"]["supported"] is False
    assert versions["21.3"]["end_of_support"] == (today() - timedelta(days=1)).isoformat()
    assert {"os": "macos", "min_os_version": "10.15"} in versions["21.21"]["requirements"]
    assert products["endpoint"]["segment"] == "business"
    assert products["home-free"]["kind"] == "free"


def test_products_list_in_a_constant_number_of_queries(world, api, django_assert_max_num_queries):
    client = api(world.home_user)
    with django_assert_max_num_queries(6):
        assert client.get("/api/v1/products/").status_code == 200


def test_categories_list_every_category_and_topic(world, api):
    client = api(world.home_user)
    categories = {c["code"]: c for c in _results(client.get("/api/v1/categories/?page_size=100"))}
    assert len(categories) == 23
    assert categories["false_positive"] == {
        **categories["false_positive"], "clause": "4.1.2", "in_scope": True,
        "takes_sample": True, "needs_product": True, "needs_licence": True,
        "paid_service": None}
    assert categories["licence_recovery"]["needs_licence"] is False
    assert categories["oos_4_2_14"]["paid_service"] == "incident_response"
    assert categories["oos_4_2_1"]["paid_service"] is None
    assert categories["oos_4_2_1"]["in_scope"] is False
    ms = {c["code"]: c for c in _results(client.get("/api/v1/categories/?page_size=100",
                                                    HTTP_ACCEPT_LANGUAGE="ms"))}
    assert ms["malfunction"]["name"] == "Kepincangan tugas perisian"
    assert ms["malfunction"]["clause"] == "4.1.1"


def test_anonymous_callers_get_401(api):
    for url in ("/api/v1/products/", "/api/v1/categories/", "/api/v1/licences/",
                "/api/v1/quotes/"):
        response = api().get(url)
        assert response.status_code in (401, 403)
        assert "detail" in response.json()


def test_paid_services_offered_in_a_workspace(world, api):
    codes = {s["code"] for s in _results(api(world.sg_admin).get(
        "/api/v1/services/?workspace=lion"))}
    assert codes == {"support_extension"}
    codes = {s["code"] for s in _results(api(world.acme_admin).get(
        "/api/v1/services/?workspace=acme"))}
    assert codes == {"professional_services", "incident_response", "premium_support",
                     "support_extension"}
    assert api(world.acme_admin).get("/api/v1/services/?workspace=globex").status_code == 404


# Eligibility ---------------------------------------------------------------------------

def _eligibility(client, **body):
    return client.post("/api/v1/eligibility/", body, format="json")


def test_eligibility_answers_200_when_eligible(world, api):
    LicenceFactory(product=world.biz, company=world.acme)
    response = _eligibility(api(world.acme_member), workspace="acme", category="malfunction",
                            product="endpoint", version="12.8", os="windows", os_version="11")
    assert response.status_code == 200
    assert response.json() == {**response.json(), "eligible": True, "clause": None,
                               "offers": []}
    assert not AuditEvent.objects.filter(action="eligibility.refused").exists()


def test_eligibility_answers_200_when_refused_and_records_it(world, api):
    response = _eligibility(api(world.acme_member), workspace="acme", category="malfunction",
                            product="endpoint", version="11.1", os="windows", os_version="11")
    assert response.status_code == 200
    body = response.json()
    assert (body["eligible"], body["clause"]) == (False, "4.3.2")
    assert [o["code"] for o in body["offers"]] == ["support_extension", "community"]
    assert "Endpoint Security 11.1" in body["reason"]
    event = AuditEvent.objects.get(action="eligibility.refused")
    assert (event.actor, event.company, event.data["clause"]) == (
        world.acme_member, world.acme, "4.3.2")


def test_eligibility_for_a_topic_needs_no_product(world, api):
    body = _eligibility(api(world.home_user), workspace="my", category="oos_4_2_10").json()
    assert (body["eligible"], body["clause"]) == (False, "4.2.10")
    assert [o["code"] for o in body["offers"]] == ["professional_services", "community"]


@pytest.mark.parametrize("code", ["licence_recovery", "howto_download", "find_documentation",
                                  "online_services"])
def test_eligibility_without_product_for_4_1_3_and_4_1_4(world, api, code):
    response = _eligibility(api(world.acme_member), workspace="acme", category=code)
    assert response.status_code == 200
    assert response.json()["eligible"] is True


def test_eligibility_normalises_the_licence_key(world, api):
    licence = LicenceFactory(product=world.biz, company=world.acme)
    typed = licence.key.lower().replace("-", " ")
    body = _eligibility(api(world.acme_admin), workspace="acme", category="malfunction",
                        product="endpoint", version="12.8", os="windows", os_version="11",
                        licence_key=typed).json()
    assert body["eligible"] is True


def test_eligibility_version_matches_numerically(world, api):
    body = _eligibility(api(world.home_user), workspace="my", category="malfunction",
                        product="home-free", version="3.1.0", os="windows",
                        os_version="10").json()
    assert (body["clause"], [o["code"] for o in body["offers"]]) == ("4.5a", ["community"])


def test_eligibility_in_a_workspace_the_caller_is_not_in_is_404(world, api):
    for slug in ("globex", "no-such-company"):
        response = _eligibility(api(world.acme_admin), workspace=slug, category="malfunction",
                                product="endpoint", version="12.8", os="windows",
                                os_version="11")
        assert response.status_code == 404
        assert response.json()["detail"]


VALID = {"workspace": "my", "category": "malfunction", "product": "home-premium",
         "version": "21.21", "os": "windows", "os_version": "11"}
BAD_ELIGIBILITY = [
    ({}, {"workspace", "category"}),
    ({**VALID, "category": "no-such-category"}, {"category"}),
    ({**VALID, "category": HUGE}, {"category"}),
    ({**VALID, "category": ["malfunction"]}, {"category"}),
    ({**VALID, "product": "no-such-product"}, {"product"}),
    ({**VALID, "product": HUGE}, {"product"}),
    ({**VALID, "product": {"code": "home-premium"}}, {"product"}),
    ({**VALID, "version": "99.9"}, {"version"}),
    ({**VALID, "version": "12.8"}, {"version"}),  # a version of another product
    ({**VALID, "version": "1..2"}, {"version"}),
    ({**VALID, "version": "latest"}, {"version"}),
    ({**VALID, "version": HUGE}, {"version"}),
    ({**VALID, "version": 21.21}, set()),  # a number is read as its text: valid
    ({**VALID, "os": "beos"}, {"os"}),
    ({**VALID, "os": ["windows"]}, {"os"}),
    ({**VALID, "os_version": "ten"}, {"os_version"}),
    ({**VALID, "os_version": "10.-1"}, {"os_version"}),
    ({**VALID, "licence_key": "garbage"}, {"licence_key"}),
    ({**VALID, "licence_key": "ABCDE-ABCDE-ABCDE-ABCD!"}, {"licence_key"}),
    ({**VALID, "licence_key": HUGE}, {"licence_key"}),
    ({**VALID, "licence_key": 12345}, {"licence_key"}),
    ({**VALID, "workspace": ["my"]}, {"workspace"}),
    ({**VALID, "product": None, "version": None, "os": None, "os_version": None},
     {"product", "version", "os", "os_version"}),
    ({k: v for k, v in VALID.items() if k != "os_version"}, {"os_version"}),
    ({"workspace": "my", "category": "malfunction", "version": "21.21", "os": "windows",
      "os_version": "11"}, {"product"}),
]


@pytest.mark.parametrize(("body", "fields"), BAD_ELIGIBILITY)
def test_eligibility_bad_input_is_a_400_with_field_errors(world, api, body, fields):
    response = _eligibility(api(world.home_user), **body)
    if not fields:
        assert response.status_code == 200
        return
    assert response.status_code == 400, response.content
    payload = response.json()
    assert payload["detail"]
    assert fields <= set(payload["errors"]), payload
    assert not AuditEvent.objects.filter(action="eligibility.refused").exists()


def test_eligibility_malformed_key_message_shows_the_expected_form(world, api):
    response = _eligibility(api(world.home_user), **VALID, licence_key="12345")
    assert "XXXXX-XXXXX-XXXXX-XXXXX" in response.json()["errors"]["licence_key"][0]


@pytest.mark.parametrize("payload", ['["a list"]', '"text"', "{not json", "null", "12"])
def test_eligibility_body_that_is_not_an_object_is_a_400(world, api, payload):
    response = api(world.home_user).post("/api/v1/eligibility/", payload,
                                         content_type="application/json")
    assert response.status_code == 400
    assert "detail" in response.json()


# Licences ------------------------------------------------------------------------------

def test_licence_list_covers_every_workspace_with_masked_keys(world, api):
    acme_licence = LicenceFactory(product=world.biz, company=world.acme)
    own = LicenceFactory(product=world.home_product, home_user=world.acme_admin)
    LicenceFactory(product=world.biz, company=world.globex)
    LicenceFactory(product=world.biz)  # unclaimed
    rows = _results(api(world.acme_admin).get("/api/v1/licences/"))
    assert {r["id"] for r in rows} == {acme_licence.pk, own.pk}
    by_id = {r["id"]: r for r in rows}
    assert by_id[acme_licence.pk]["key"] == acme_licence.masked_key
    assert by_id[acme_licence.pk]["workspace"] == "acme"
    assert by_id[own.pk]["workspace"] == "my"
    body = str(rows)
    assert acme_licence.key not in body and own.key not in body


def test_company_members_see_licences_without_any_key(world, api):
    licence = LicenceFactory(product=world.biz, company=world.acme, seats=25)
    rows = _results(api(world.acme_member).get("/api/v1/licences/?workspace=acme"))
    assert len(rows) == 1
    assert rows[0]["key"] is None
    assert (rows[0]["product"], rows[0]["seats"], rows[0]["expires_on"]) == (
        "endpoint", 25, licence.expires_on.isoformat())
    assert licence.key[-5:] not in str(rows)


def test_licences_of_others_are_invisible(world, api):
    globex = LicenceFactory(product=world.biz, company=world.globex)
    home = LicenceFactory(product=world.home_product, home_user=world.home_user)
    client = api(world.acme_admin)
    assert client.get(f"/api/v1/licences/{globex.pk}/").status_code == 404
    assert client.get(f"/api/v1/licences/{home.pk}/").status_code == 404
    assert client.get("/api/v1/licences/?workspace=globex").status_code == 404
    assert client.get("/api/v1/licences/not-a-number/").status_code == 404
    assert _results(client.get("/api/v1/licences/?workspace=my")) == []
    assert api(world.home_user).get(f"/api/v1/licences/{home.pk}/").json()["key"] == (
        home.masked_key)


def test_licence_list_in_a_constant_number_of_queries(world, api, django_assert_max_num_queries):
    for _ in range(5):
        LicenceFactory(product=world.biz, company=world.acme)
    with django_assert_max_num_queries(6):
        assert api(world.acme_member).get("/api/v1/licences/").status_code == 200


def test_claiming_a_licence_through_the_api(world, api):
    licence = LicenceFactory(product=world.biz)
    response = api(world.acme_admin).post("/api/v1/licences/", {
        "workspace": "acme", "licence_key": f"  {licence.key.lower().replace('-', ' ')} "},
        format="json")
    assert response.status_code == 201, response.content
    assert response.json()["key"] == licence.masked_key
    licence.refresh_from_db()
    assert (licence.company, licence.claimed_by) == (world.acme, world.acme_admin)


@pytest.mark.parametrize(("body", "fields"), [
    ({}, {"workspace", "licence_key"}),
    ({"workspace": "my"}, {"licence_key"}),
    ({"workspace": "my", "licence_key": HUGE}, {"licence_key"}),
    ({"workspace": "my", "licence_key": ["ABCDE"]}, {"licence_key"}),
    ({"workspace": "my", "licence_key": "not-a-key"}, {"licence_key"}),
    ({"workspace": 5, "licence_key": "not-a-key"}, None),  # "5" is no workspace of theirs
])
def test_claim_bad_input(world, api, body, fields):
    response = api(world.home_user).post("/api/v1/licences/", body, format="json")
    if fields is None:
        assert response.status_code == 404
        return
    assert response.status_code == 400
    assert fields <= set(response.json()["errors"])


# Quotes --------------------------------------------------------------------------------

def test_asking_for_a_quote_from_a_refused_request(world, api):
    response = api(world.acme_member).post("/api/v1/quotes/", {
        "workspace": "acme", "service": "professional_services", "category": "oos_4_2_5",
        "message": "We need a remote session to deploy the agents."}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["service"], body["status"], body["clause"], body["category"],
            body["workspace"]) == ("professional_services", "new", "4.2.5", "oos_4_2_5", "acme")
    quote = QuoteRequest.objects.get(pk=body["id"])
    assert (quote.company, quote.requester, quote.home_user) == (world.acme, world.acme_member,
                                                                 None)
    assert Notification.objects.filter(to=world.acme_member.email,
                                       template="quote_received").exists()
    assert AuditEvent.objects.filter(action="quote.requested", company=world.acme).exists()


def test_a_quote_only_for_a_service_offered_in_the_workspace_country(world, api):
    client = api(world.sg_admin)
    response = client.post("/api/v1/quotes/", {"workspace": "lion", "service":
                                               "incident_response", "message": "Help"},
                           format="json")
    assert response.status_code == 400
    assert "service" in response.json()["errors"]
    assert not QuoteRequest.objects.exists()
    response = client.post("/api/v1/quotes/", {"workspace": "lion", "service":
                                               "support_extension", "message": "11.1 please",
                                               "clause": "4.3.2"}, format="json")
    assert response.status_code == 201


@pytest.mark.parametrize(("body", "fields"), [
    ({}, {"workspace", "service", "message"}),
    ({"workspace": "my", "service": "massage", "message": "x"}, {"service"}),
    ({"workspace": "my", "service": "incident_response", "message": ""}, {"message"}),
    ({"workspace": "my", "service": "incident_response", "message": "   "}, {"message"}),
    ({"workspace": "my", "service": "incident_response", "message": HUGE}, {"message"}),
    ({"workspace": "my", "service": "incident_response", "message": "x",
      "category": "nope"}, {"category"}),
    ({"workspace": "my", "service": "incident_response", "message": "x",
      "clause": HUGE}, {"clause"}),
    ({"workspace": "my", "service": ["incident_response"], "message": "x"}, {"service"}),
])
def test_quote_bad_input(world, api, body, fields):
    response = api(world.home_user).post("/api/v1/quotes/", body, format="json")
    assert response.status_code == 400, response.content
    assert fields <= set(response.json()["errors"])
    assert not QuoteRequest.objects.exists()


def test_quotes_of_others_are_invisible(world, api):
    mine = QuoteRequestFactory(requester=world.acme_member, company=world.acme)
    colleague = QuoteRequestFactory(requester=world.acme_member2, company=world.acme)
    globex = QuoteRequestFactory(requester=world.globex_admin, company=world.globex)
    home = QuoteRequestFactory(requester=world.home_user)
    ids = {q["id"] for q in _results(api(world.acme_member).get("/api/v1/quotes/"))}
    assert ids == {mine.pk}
    ids = {q["id"] for q in _results(api(world.acme_admin).get("/api/v1/quotes/"))}
    assert ids == {mine.pk, colleague.pk}
    client = api(world.acme_member)
    for other in (colleague, globex, home):
        assert client.get(f"/api/v1/quotes/{other.pk}/").status_code == 404
    assert client.get("/api/v1/quotes/?workspace=globex").status_code == 404
    ids = {q["id"] for q in _results(api(world.home_user).get("/api/v1/quotes/?workspace=my"))}
    assert ids == {home.pk}


def test_a_quote_for_a_workspace_the_caller_is_not_in_is_404(world, api):
    response = api(world.acme_admin).post("/api/v1/quotes/", {
        "workspace": "globex", "service": "professional_services", "message": "x"},
        format="json")
    assert response.status_code == 404
    assert not QuoteRequest.objects.exists()


# Schema --------------------------------------------------------------------------------

def test_the_schema_describes_bodies_and_errors(client):
    schema = client.get("/api/schema/?format=json").json()
    paths = schema["paths"]
    eligibility = paths["/api/v1/eligibility/"]["post"]
    assert {"200", "400", "404"} <= set(eligibility["responses"])
    assert "EligibilityInput" in str(eligibility["requestBody"])
    assert "ApiError" in str(eligibility["responses"]["400"])
    licences = paths["/api/v1/licences/"]
    assert {"201", "400", "403", "404", "429"} <= set(licences["post"]["responses"])
    assert "LicenceClaim" in str(licences["post"]["requestBody"])
    assert any(p["name"] == "workspace" for p in licences["get"]["parameters"])
    assert {"201", "400"} <= set(paths["/api/v1/quotes/"]["post"]["responses"])
    for path in ("/api/v1/products/", "/api/v1/categories/", "/api/v1/quotes/{id}/",
                 "/api/v1/licences/{id}/", "/api/v1/services/"):
        assert path in paths
    decision = schema["components"]["schemas"]["Decision"]
    assert set(decision["properties"]) == {"eligible", "clause", "reason", "offers"}


@pytest.mark.parametrize(("typed", "taken"), [
    ("ACME0-ESB00-ACTIV-E0001", True),
    ("  acme0 esb00 activ e0001 ", True),
    ("ACME0\u2013ESB00_ACTIV-E0001", True),
    ("ACME0ESB00ACTIVE0001", True),
    ("ACME0-ESB00-ACTIV-E000", False),  # 19 characters
    ("ACME0-ESB00-ACTIV-E0001-X", False),
    ("ACME0-ESB00-ACTIV-E000!", False),
    ("not-a-key", False),
])
def test_the_schema_gives_the_activation_code_pattern_the_claim_takes(client, typed, taken):
    import re

    from django.core.exceptions import ValidationError

    from licensing.keys import normalize_key

    schema = client.get("/api/schema/?format=json").json()
    field = schema["components"]["schemas"]["LicenceClaimRequest"]["properties"]["licence_key"]
    assert field["maxLength"] == 64
    assert bool(re.match(field["pattern"], typed)) is taken
    try:
        normalize_key(typed)
        normalised = True
    except ValidationError:
        normalised = False
    assert normalised is taken

