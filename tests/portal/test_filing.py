"""Filing from the portal: the decision before submission, a plain-POST path without
JavaScript, the htmx fragments, refusals that keep the input, and bad input."""

import re
from html import unescape

import pytest

from accounts.models import AuditEvent
from helpdesk.models import SupportRequest
from tests.licensing.factories import LicenceFactory

pytestmark = pytest.mark.django_db

HOME_OK = {"product": "home-premium", "version": "21.21", "os": "windows", "os_version": "11",
           "category": "malfunction", "subject": "The scan stops halfway",
           "description": "At 40 per cent, every time.", "priority": "normal"}
BIZ_OK = {**HOME_OK, "product": "endpoint", "version": "12.8"}


def _errors_of(body: str, field: str) -> str:
    """The error list rendered next to one field (Django links it with aria-describedby)."""
    match = re.search(rf'<ul class="errorlist" id="id_{field}_error">(.*?)</ul>', body, re.S)
    return unescape(match.group(1)) if match else ""


def test_an_eligible_request_is_filed_and_shown(client, world):
    client.force_login(world.home_user)
    response = client.post("/my/requests/new/", {**HOME_OK, "action": "file"})
    sr = SupportRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/my/requests/{sr.reference}/"
    assert (sr.home_user, sr.requester, sr.product, sr.version.version, sr.os_version) == (
        world.home_user, world.home_user, world.home_product, "21.21", "11")
    page = client.get(response["Location"]).content.decode()
    assert f"Your request {sr.reference} is registered" in page
    assert "The scan stops halfway" in page


def test_a_company_member_files_for_the_company(client, world):
    client.force_login(world.acme_member)
    response = client.post("/company/acme/requests/new/", {**BIZ_OK, "action": "file"})
    sr = SupportRequest.objects.get()
    assert response["Location"] == f"/company/acme/requests/{sr.reference}/"
    assert (sr.company, sr.requester, sr.licence) == (world.acme, world.acme_member,
                                                      world.acme_licence)


def test_checking_shows_the_decision_before_submitting_and_records_it(client, world):
    """The check is the same as the API's: the refusal is on record for staff (folded per
    person, clause and minute), and nothing is filed."""
    client.force_login(world.home_user)
    data = {"action": "check", "product": "home-premium", "version": "21.3", "os": "windows",
            "os_version": "10", "category": "malfunction", "subject": "Old version"}
    response = client.post("/my/requests/new/", data)
    body = unescape(response.content.decode())
    assert response.status_code == 200
    assert "is no longer supported" in body and "(clause 4.3.2)" in body
    assert 'href="/rules/#clause-4.3.2"' in body
    assert "Ask for a quote for Support extension" in body
    assert SupportRequest.objects.count() == 0
    assert AuditEvent.objects.get(action="eligibility.refused").data["clause"] == "4.3.2"
    # What was typed stays in the form.
    assert 'value="Old version"' in body and '<option value="21.3" selected>' in body


def test_an_out_of_scope_topic_offers_its_paid_service_with_a_prefilled_quote(client, world):
    client.force_login(world.home_user)
    data = {**HOME_OK, "category": "oos_4_2_5", "action": "file",
            "subject": "Please connect remotely"}
    response = client.post("/my/requests/new/", data)
    body = unescape(response.content.decode())
    assert response.status_code == 422
    assert SupportRequest.objects.count() == 0
    assert "This request cannot be filed" in body
    assert "does not cover" in body and 'href="/rules/#clause-4.2.5"' in body
    quote = re.search(r'href="(/my/quotes/new/\?[^"]+)"', body).group(1)
    assert "service=professional_services" in quote and "category=oos_4_2_5" in quote
    assert "clause=4.2.5" in quote
    # The input is kept, and the refusal is on record for staff (filing records it).
    assert 'value="Please connect remotely"' in body
    assert AuditEvent.objects.filter(action="eligibility.refused").count() == 1
    form = client.get(quote).content.decode()
    assert 'value="professional_services" selected' in form
    assert 'name="clause" value="4.2.5"' in form


def test_a_topic_whose_service_is_not_offered_here_says_so(client, world):
    world.services["professional_services"].countries = ["SG"]
    world.services["professional_services"].save()
    client.force_login(world.home_user)
    body = unescape(client.post("/my/requests/new/", {"action": "check",
                                                      "category": "oos_4_2_5"}).content.decode())
    assert "Professional Services covers this topic, but it is not offered in your country." \
        in body
    assert "/my/quotes/new/" not in body


def test_business_software_without_a_licence_is_refused_and_keeps_the_input(client, world):
    world.acme_licence.delete()
    client.force_login(world.acme_admin)
    response = client.post("/company/acme/requests/new/", {**BIZ_OK, "action": "file"})
    body = unescape(response.content.decode())
    assert response.status_code == 422
    assert "(clause 4.5b)" in body and 'href="/rules/#clause-4.5b"' in body
    assert 'value="The scan stops halfway"' in body and "At 40 per cent" in body


def test_a_licence_key_is_checked_and_normalised(client, world):
    other = LicenceFactory(product=world.biz, company=world.globex)
    client.force_login(world.acme_admin)
    response = client.post("/company/acme/requests/new/", {
        **BIZ_OK, "action": "file", "licence_key": other.key.lower().replace("-", " ")})
    assert response.status_code == 422  # not a licence this workspace holds (4.5b)
    key = world.acme_licence.key
    response = client.post("/company/acme/requests/new/", {
        **BIZ_OK, "action": "file", "licence_key": key.replace("-", "").lower()})
    assert response.status_code == 302
    assert SupportRequest.objects.get().licence == world.acme_licence


def test_consultation_needs_no_product(client, world):
    client.force_login(world.home_user)
    response = client.post("/my/requests/new/", {
        "action": "file", "category": "licence_recovery", "subject": "Lost my code",
        "description": "Bought it last year.", "priority": "normal"})
    assert response.status_code == 302
    sr = SupportRequest.objects.get()
    assert sr.product is None and sr.category.code == "licence_recovery"


def test_an_unverified_company_sees_a_notice_and_cannot_file(client, world):
    client.force_login(world.newco_admin)
    page = client.get("/company/newco/requests/new/").content.decode()
    assert "waiting for verification" in page and 'name="subject"' not in page
    assert "waiting for verification" in client.get("/company/newco/").content.decode()
    response = client.post("/company/newco/requests/new/", {
        "action": "file", "category": "licence_recovery", "subject": "Lost",
        "description": "Lost it.", "priority": "normal"})
    assert response.status_code == 403
    assert "is not verified yet" in unescape(response.content.decode())
    assert SupportRequest.objects.count() == 0


# Bad input -----------------------------------------------------------------------------

def test_empty_input_shows_errors_next_to_the_fields(client, world):
    client.force_login(world.home_user)
    response = client.post("/my/requests/new/", {"action": "file"})
    body = response.content.decode()
    assert response.status_code == 400
    # The intake's own words, the same the API and the admin give.
    assert "Choose a topic." in _errors_of(body, "category")
    assert "Give the request a subject." in _errors_of(body, "subject")
    assert "Write a message first." in _errors_of(body, "description")
    assert SupportRequest.objects.count() == 0


def test_a_topic_that_needs_a_product_asks_for_it(client, world):
    client.force_login(world.home_user)
    body = client.post("/my/requests/new/", {
        "action": "file", "category": "malfunction", "subject": "x", "description": "y",
        "priority": "normal"}).content.decode()
    for field in ("product", "version", "os", "os_version"):
        assert "Required for this topic." in _errors_of(body, field), field


def test_too_long_and_malformed_values_are_refused_and_kept(client, world):
    client.force_login(world.home_user)
    payload = "<script>alert(1)</script>"
    data = {**HOME_OK, "action": "file", "subject": "S" * 201, "os_version": payload,
            "licence_key": payload, "priority": "urgent", "product": "no-such-product",
            "description": "d" * 20001}
    response = client.post("/my/requests/new/", data)
    body = response.content.decode()
    assert response.status_code == 400
    assert "at most 200 characters" in _errors_of(body, "subject")
    assert "at most 20000 characters" in _errors_of(body, "description")
    assert "such as 11, 10.15 or Server 2022" in _errors_of(body, "os_version")
    assert "An activation code looks like" in _errors_of(body, "licence_key")
    assert "Choose a priority from the list." in _errors_of(body, "priority")
    assert "There is no product with this code." in _errors_of(body, "product")
    # What was typed comes back, escaped; never as markup.
    assert payload not in body
    assert 'value="&lt;script&gt;alert(1)&lt;/script&gt;"' in body
    assert 'value="' + "S" * 201 + '"' in body


def test_a_version_of_another_product_is_not_taken(client, world):
    client.force_login(world.home_user)
    response = client.post("/my/requests/new/", {**HOME_OK, "action": "file",
                                                  "version": "3.1"})
    assert response.status_code == 400
    assert "Home Premium has no version 3.1." in _errors_of(response.content.decode(),
                                                          "version")


def test_the_home_portal_offers_home_products_and_the_company_business_ones(client, world):
    client.force_login(world.acme_admin)
    home = client.get("/my/requests/new/").content.decode()
    company = client.get("/company/acme/requests/new/").content.decode()
    assert 'value="home-premium"' in home and 'value="endpoint"' not in home
    assert 'value="endpoint"' in company and 'value="home-premium"' not in company
    response = client.post("/company/acme/requests/new/", {**HOME_OK, "action": "file"})
    assert response.status_code == 400 and SupportRequest.objects.count() == 0


def test_a_link_may_preselect_the_topic(client, world):
    client.force_login(world.home_user)
    body = client.get("/my/requests/new/?category=licence_recovery").content
    assert b'<option value="licence_recovery" selected>' in body
    assert client.get("/my/requests/new/?category=" + "x" * 5000).status_code == 200


# htmx ------------------------------------------------------------------------------------

def test_htmx_check_returns_the_decision_and_the_products_versions(client, world):
    client.force_login(world.home_user)
    response = client.get("/my/requests/new/check/", {
        "product": "home-premium", "version": "3.1", "os": "windows", "os_version": "11",
        "category": "oos_4_2_14"}, HTTP_HX_REQUEST="true", HTTP_HX_TRIGGER_NAME="product")
    body = unescape(response.content.decode())
    assert response.status_code == 200
    assert "<html" not in body
    assert "(clause 4.2.14)" in body and "Incident Response" in body
    assert 'id="version-field" hx-swap-oob="true"' in body
    assert '<option value="21.21">' in body and '<option value="3.1"' not in body
    assert "HX-Request" in response["Vary"]
    # Another field changed: the version field is left alone.
    response = client.get("/my/requests/new/check/", {"category": "licence_recovery"},
                          HTTP_HX_REQUEST="true", HTTP_HX_TRIGGER_NAME="category")
    body = unescape(response.content.decode())
    assert "version-field" not in body and "Standard Support covers" in body


def test_htmx_check_without_htmx_goes_to_the_form(client, world):
    client.force_login(world.home_user)
    response = client.get("/my/requests/new/check/?category=licence_recovery")
    assert response.status_code == 302
    assert response["Location"] == "/my/requests/new/?category=licence_recovery"


def test_the_form_carries_the_htmx_hooks_and_a_plain_check_button(client, world):
    client.force_login(world.home_user)
    body = client.get("/my/requests/new/").content.decode()
    assert 'hx-get="/my/requests/new/check/"' in body
    assert 'hx-get="/my/requests/new/suggestions/"' in body
    assert 'hx-trigger="keyup changed delay:400ms, change"' in body
    assert 'name="action" value="check"' in body and 'name="action" value="file"' in body
    assert " style=" not in body and "htmx.min.js" in body
    for tag in re.findall(r"<script\b[^>]*>", body):
        assert "src=" in tag, tag  # no inline script (CSP)
