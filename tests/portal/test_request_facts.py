"""What a request's page and its API detail tell the customer about how it is handled:
why a premium request fell back to Standard Support (3.3), the product's own support terms
(3.4), and the description as written, Markdown included."""

from html import unescape

import pytest
from rest_framework.test import APIClient

from accounts.workspace import resolve_workspace
from tests.accounts.factories import MembershipFactory

pytestmark = pytest.mark.django_db

NOT_AUTHORISED = ("Premium requests can only be filed by the company's authorised technical "
                  "contacts, so this request is handled under Standard Support.")


def _api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_a_request_filed_under_standard_says_why_on_its_page_in_its_api_and_email(
        client, world, file_request, run_outbox):
    member = MembershipFactory(company=world.globex, user__email="dev@globex.example").user
    sr = file_request(member, resolve_workspace(member, "globex"))
    assert sr.standard_reason == "not_authorised"
    mail = run_outbox()[-1]
    assert "The request page says why it was filed under Standard Support." in mail.body
    client.force_login(member)
    page = unescape(client.get(f"/company/globex/requests/{sr.reference}/").content.decode())
    assert f'<p class="hint" id="standard-reason">{NOT_AUTHORISED}</p>' in page
    body = _api(member).get(f"/api/v1/requests/{sr.reference}/").json()
    assert (body["plan"], body["standard_reason"], body["standard_reason_text"]) == (
        "standard", "not_authorised", NOT_AUTHORISED)


def test_a_premium_request_shows_no_reason(client, world, file_request):
    sr = file_request(world.globex_admin, world.globex_ws)
    assert sr.plan == world.premium
    client.force_login(world.globex_admin)
    page = client.get(f"/company/globex/requests/{sr.reference}/").content.decode()
    assert 'id="standard-reason"' not in page
    body = _api(world.globex_admin).get(f"/api/v1/requests/{sr.reference}/").json()
    assert (body["standard_reason"], body["standard_reason_text"]) == ("", "")


def test_the_products_special_terms_show_on_its_requests(client, world, file_request):
    world.biz.special_terms = "Support for the Linux agent is given in English only."
    world.biz.special_terms_url = "https://example.com/terms/endpoint"
    world.biz.save()
    sr = file_request(world.acme_member, world.acme_member_ws)
    client.force_login(world.acme_member)
    page = unescape(client.get(f"/company/acme/requests/{sr.reference}/").content.decode())
    assert "Special support terms for Endpoint Security (clause 3.4" in page
    assert "Support for the Linux agent is given in English only." in page
    assert 'href="https://example.com/terms/endpoint"' in page
    body = _api(world.acme_member).get(f"/api/v1/requests/{sr.reference}/").json()
    assert body["special_terms"] == "Support for the Linux agent is given in English only."
    assert body["special_terms_url"] == "https://example.com/terms/endpoint"
    home = file_request(world.home_user)
    client.force_login(world.home_user)
    assert "Special support terms" not in client.get(
        f"/my/requests/{home.reference}/").content.decode()
    assert _api(world.home_user).get(f"/api/v1/requests/{home.reference}/").json()[
        "special_terms"] == ""


def test_a_description_in_markdown_is_rendered_and_cannot_carry_a_script(client, world,
                                                                         file_request):
    description = ("The scan stops at **40 per cent**.\n\n- rebooted\n- reinstalled\n\n"
                   '<script>alert("x")</script> [log](javascript:alert(1))')
    sr = file_request(world.home_user, description=description)
    client.force_login(world.home_user)
    page = client.get(f"/my/requests/{sr.reference}/").content.decode()
    assert "The scan stops at <strong>40 per cent</strong>." in page
    assert "<li>rebooted</li>" in page
    assert "<script>alert" not in page and "javascript:" not in page
    assert "&lt;script&gt;" in page
    body = _api(world.home_user).get(f"/api/v1/requests/{sr.reference}/").json()
    assert body["description"] == description
    assert "<strong>40 per cent</strong>" in body["description_html"]
