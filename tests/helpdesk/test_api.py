import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import AuditEvent
from helpdesk.models import SupportRequest
from helpdesk.requests import lifecycle

from .factories import SupportRequestFactory

pytestmark = pytest.mark.django_db

FILING = {"workspace": "my", "category": "malfunction", "product": "home-premium",
          "version": "21.21", "os": "windows", "os_version": "11",
          "subject": "Scan stops", "description": "At 40 per cent."}


def test_filing_answers_201_with_the_request(world, api, run_outbox):
    response = api(world.home_user).post("/api/v1/requests/", {**FILING, "priority": "high"},
                                      format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "new" and body["priority"] == "high"
    assert body["workspace"] == "my" and body["category"] == "malfunction"
    assert body["decision"]["eligible"] is True
    assert body["rule_set"] == world.rules.version
    assert body["first_response_due"] is None and body["sla_state"] is None
    assert SupportRequest.objects.get().reference == body["reference"]
    assert len(run_outbox()) == 1


def test_a_refused_filing_answers_422_with_the_decision(world, api):
    response = api(world.home_user).post(
        "/api/v1/requests/", {**FILING, "product": "home-free", "version": "3.1"},
        format="json")
    assert response.status_code == 422
    body = response.json()
    assert set(body) == {"eligible", "clause", "reason", "offers"}
    assert body["eligible"] is False and body["clause"] == "4.5a"
    assert [o["code"] for o in body["offers"]] == ["community"]
    assert not SupportRequest.objects.exists()
    assert AuditEvent.objects.filter(action="eligibility.refused").exists()


def test_business_filing_needs_a_valid_licence(world, api):
    world.acme_licence.delete()
    response = api(world.acme_member).post(
        "/api/v1/requests/", {**FILING, "workspace": "acme", "product": "endpoint",
                              "version": "12.8"}, format="json")
    assert response.status_code == 422 and response.json()["clause"] == "4.5b"


def test_an_unverified_company_gets_a_clear_error(world, api):
    world.acme.is_verified = False
    world.acme.save()
    response = api(world.acme_admin).post(
        "/api/v1/requests/", {**FILING, "workspace": "acme", "product": "endpoint",
                              "version": "12.8"}, format="json")
    assert response.status_code == 403
    assert "not verified" in response.json()["errors"]["workspace"][0]


def test_filing_in_a_workspace_one_is_not_in_is_404(world, api):
    response = api(world.home_user).post("/api/v1/requests/", {**FILING, "workspace": "acme"},
                                      format="json")
    assert response.status_code == 404


def test_bad_input_is_400_with_field_errors(world, api):
    response = api(world.home_user).post("/api/v1/requests/", {**FILING, "priority": "urgent",
                                                            "subject": ""}, format="json")
    assert response.status_code == 400
    assert {"priority", "subject"} <= set(response.json()["errors"])


def test_detail_has_the_contract_fields(world, api, file_request):
    sr = file_request()
    lifecycle.add_reply(sr, by=world.agent, body="Hello")
    body = api(world.home_user).get(f"/api/v1/requests/{sr.reference}/").json()
    for field in ("reference", "status", "subject", "description", "category", "priority",
                  "workspace", "created_at", "decision", "first_response_due",
                  "next_response_due", "resolution_due", "sla_state", "no_guarantee_flags",
                  "messages_count", "rule_set", "utility_requests"):
        assert field in body
    assert body["messages_count"] == 1 and body["status"] == "open"


def test_list_filters(world, api, file_request):
    first = file_request(subject="Scan stops")
    second = file_request(subject="Update fails")
    lifecycle.resolve_request(second, by=world.agent)
    file_request(world.acme_admin, world.acme_admin_ws, subject="Company problem")
    client = api(world.acme_admin)
    client.force_authenticate(world.acme_admin)

    def refs(user, query=""):
        client = api(user)
        response = client.get(f"/api/v1/requests/{query}")
        assert response.status_code == 200, response.content
        return [r["reference"] for r in response.json()["results"]]

    assert refs(world.home_user) == [second.reference, first.reference]
    assert refs(world.home_user, "?status=resolved") == [second.reference]
    assert refs(world.home_user, "?status=new,open") == [first.reference]
    assert refs(world.home_user, "?search=update") == [second.reference]
    assert refs(world.home_user, f"?search={first.reference.lower()}") == [first.reference]
    assert refs(world.home_user, "?workspace=my") == [second.reference, first.reference]
    assert len(refs(world.acme_admin)) == 1 and refs(world.acme_admin, "?workspace=my") == []
    assert api(world.home_user).get("/api/v1/requests/?status=bogus").status_code == 400
    assert api(world.home_user).get("/api/v1/requests/?workspace=acme").status_code == 404


def test_anonymous_callers_are_refused(world, api, file_request):
    sr = file_request()
    assert api().get("/api/v1/requests/").status_code in (401, 403)
    assert api().get(f"/api/v1/requests/{sr.reference}/").status_code in (401, 403)


def _list_queries(client) -> int:
    # Warm: new plans from the factory make the process read the catalogue again once.
    client.get("/api/v1/requests/?page_size=100")
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/api/v1/requests/?page_size=100").status_code == 200
    return len(queries)


def test_the_list_costs_the_same_queries_for_1_and_50_requests(world, api):
    client = api(world.acme_admin)
    SupportRequestFactory(requester=world.acme_member, company=world.acme)
    one = _list_queries(client)
    for n in range(49):
        SupportRequestFactory(requester=world.acme_member if n % 2 else world.acme_admin,
                              company=world.acme)
    fifty = _list_queries(client)
    assert one == fifty
    # Staff see every request: the same holds (after a first call fills the permission
    # cache of the test's user object, which a real request loads anew each time).
    staff = api(world.agent)
    _list_queries(staff)
    before = _list_queries(staff)
    for _n in range(20):
        SupportRequestFactory(requester=world.home_user)
    assert _list_queries(staff) == before


def test_the_detail_costs_the_same_queries_with_more_flags_and_utilities(world, api,
                                                                        file_request):
    sr = file_request()
    client = api(world.home_user)

    def detail_queries():
        client.get(f"/api/v1/requests/{sr.reference}/")  # warm: the catalogue is read once
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/api/v1/requests/{sr.reference}/").status_code == 200
        return len(queries)

    before = detail_queries()
    for clause in ("4.4.1", "4.4.2", "4.4.3"):
        lifecycle.set_no_guarantee_flag(sr, by=world.agent, clause=clause, note="n")
    for tool in ("AVZ", "GetSystemInfo"):
        lifecycle.request_utility_run(sr, by=world.agent, utility=tool, instructions="Run it.")
    lifecycle.add_reply(sr, by=world.agent, body="x")
    assert detail_queries() == before


def test_the_schema_says_which_categories_require_the_product_fields(world, api):
    schema = api(world.home_user).get("/api/schema/?format=json").json()
    filing = schema["components"]["schemas"]["RequestCreateRequest"]
    with_product, without_product = filing["anyOf"]
    assert with_product["required"] == ["product", "version", "os", "os_version"]
    codes = without_product["properties"]["category"]["pattern"]
    assert re.match(codes, "licence_recovery") and not re.match(codes, "malfunction")
    assert "licence_recovery" in filing["description"]


def test_the_schema_documents_the_request_endpoints(world, api):
    response = api(world.home_user).get("/api/schema/?format=json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    create = paths["/api/v1/requests/"]["post"]["responses"]
    assert {"201", "400", "404", "422"} <= set(create)
    assert "/api/v1/requests/{reference}/attachments/{id}/download/" in paths
