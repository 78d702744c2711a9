"""No refusal leaves the customer without a way forward (DESIGN.md section 3): every
refusal clause offers at least one thing to do instead, in the portal's decision box and in
the API's decision body, with the self-help links of the workspace's segment and language
(2.1), the paid service where it is offered (5.1, 5.2) or the support extension (4.3.2)."""

from datetime import timedelta
from html import unescape

import pytest
from rest_framework.test import APIClient

from helpdesk.models import SelfHelpResource
from tests.accounts.factories import CompanyFactory, MembershipFactory
from tests.licensing.factories import LicenceFactory, today

pytestmark = pytest.mark.django_db

PAID = {5: "professional_services", 10: "professional_services", 12: "professional_services",
        14: "incident_response"}
FREE = {1: ["product_feedback", "community"], 7: ["community"],
        11: ["online_courses", "knowledge_base", "community"]}
DEFAULT_FREE = ["knowledge_base", "community"]
PLATFORM = {"product": "home-premium", "version": "21.21", "os": "windows",
            "category": "malfunction"}


def _topic(number, who="home"):
    offers = ([PAID[number]] if number in PAID and who == "home" else []) + FREE.get(
        number, DEFAULT_FREE)
    return (f"4.2.{number} ({who})", who, {"category": f"oos_4_2_{number}"},
            f"4.2.{number}", offers)


# id, who asks, what, clause, offer codes in order
CASES = [
    *[_topic(number) for number in range(1, 15)],
    # Paid topics where the service is not offered (5.2): the free routes still are.
    *[_topic(number, "sg") for number in (5, 10, 12, 14)],
    ("4.3.1 platform too old", "home", {**PLATFORM, "os_version": "8.1"}, "4.3.1",
     DEFAULT_FREE),
    ("4.3.1 platform not listed", "home", {**PLATFORM, "os": "linux", "os_version": "6.1"},
     "4.3.1", DEFAULT_FREE),
    ("4.3.1 platform line not listed", "home", {**PLATFORM, "os_version": "Server 2022"},
     "4.3.1", DEFAULT_FREE),
    ("4.3.2 version past end of support", "home", {**PLATFORM, "version": "21.3",
                                                   "os_version": "10"},
     "4.3.2", ["support_extension", *DEFAULT_FREE]),
    ("4.5a plain free home product", "home", {**PLATFORM, "product": "home-free",
                                              "version": "3.1", "os_version": "11"},
     "4.5a", DEFAULT_FREE),
    ("4.5b business product without a licence", "unlicensed",
     {**PLATFORM, "product": "endpoint", "version": "12.8", "os_version": "11"}, "4.5b",
     DEFAULT_FREE),
    ("4.5b business product with an expired licence", "expired",
     {**PLATFORM, "product": "endpoint", "version": "12.8", "os_version": "11"}, "4.5b",
     DEFAULT_FREE),
]


@pytest.fixture
def self_help(world, resources):
    """Besides the fixture's: a home course, and the business Community."""
    make = SelfHelpResource.objects.create
    make(segment="home", kind="course", language="en", title="Getting started",
         url="https://academy.example.com/home/")
    make(segment="business", kind="community", language="en", title="Business Community",
         url="https://community.example.com/business/")
    return resources


@pytest.fixture
def asker(world):
    """The user and workspace slug of each kind of asker in CASES."""
    unlicensed = MembershipFactory(company=CompanyFactory(slug="initech", name="Initech"),
                                   role="admin", user__email="admin@initech.example").user
    expired_company = CompanyFactory(slug="umbrella", name="Umbrella")
    expired = MembershipFactory(company=expired_company, role="admin",
                                user__email="admin@umbrella.example").user
    LicenceFactory(product=world.biz, company=expired_company,
                   starts_on=today() - timedelta(days=400), expires_on=today() - timedelta(1))
    return {"home": (world.home_user, "my"), "sg": (world.sg_user, "my"),
            "unlicensed": (unlicensed, "initech"), "expired": (expired, "umbrella")}


@pytest.mark.parametrize(("who", "data", "clause", "codes"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_every_refusal_offers_a_way_forward_in_the_api(world, self_help, asker, who, data,
                                                       clause, codes):
    user, slug = asker[who]
    client = APIClient()
    client.force_authenticate(user)
    body = client.post("/api/v1/eligibility/", {"workspace": slug, **data},
                       format="json").json()
    assert (body["eligible"], body["clause"]) == (False, clause), body
    assert [offer["code"] for offer in body["offers"]] == codes
    for offer in body["offers"]:
        assert offer["name"]
        assert offer["url"].startswith("https://") or offer["code"] in (
            "product_feedback", "support_extension", *PAID.values())
    links = {offer["code"]: offer["url"] for offer in body["offers"]}
    segment = "business" if slug != "my" else "home"
    for code, kind in (("knowledge_base", "knowledge_base"), ("community", "community"),
                       ("online_courses", "course")):
        if code in links:
            assert links[code] == SelfHelpResource.objects.filter(
                segment=segment, kind=kind, language="en", is_active=True).first().url


@pytest.mark.parametrize(("who", "data", "clause", "codes"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_every_refusal_offers_a_way_forward_in_the_portal(client, world, self_help, asker,
                                                          who, data, clause, codes):
    user, slug = asker[who]
    client.force_login(user)
    url = "/my/requests/new/" if slug == "my" else f"/company/{slug}/requests/new/"
    body = unescape(client.post(url, {"action": "check", **data}).content.decode())
    assert f"(clause {clause})" in body
    assert "What you can do instead" in body
    for code in codes:
        assert f'class="offer-{code}"' in body
    if "product_feedback" in codes:
        assert "it is kept as product feedback for the product team" in body


def test_the_free_routes_link_to_the_readers_language(world, self_help):
    """A Malay reader gets the Malay knowledge base; the Community has only an English
    entry, which stays."""
    client = APIClient()
    client.force_authenticate(world.home_user)
    body = client.post("/api/v1/eligibility/", {"workspace": "my", "category": "oos_4_2_2"},
                       format="json", HTTP_ACCEPT_LANGUAGE="ms").json()
    assert [(o["code"], o["url"]) for o in body["offers"]] == [
        ("knowledge_base", self_help.home_kb_ms.url),
        ("community", self_help.home_community.url)]
    assert "tidak diliputi oleh Sokongan Standard" in body["reason"]


def test_a_refusal_without_listed_self_help_still_offers_the_community(world, settings):
    settings.COMMUNITY_URL = "https://community.example.net/"
    client = APIClient()
    client.force_authenticate(world.home_user)
    body = client.post("/api/v1/eligibility/", {"workspace": "my", "category": "oos_4_2_13"},
                       format="json").json()
    assert body["offers"] == [{"code": "community", "name": "Kaspersky Community",
                               "url": "https://community.example.net/"}]
