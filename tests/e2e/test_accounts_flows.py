"""The customer journeys end to end in headless chromium (at most five flows in all):
a home user from sign-up to a filed request and a quote; a company admin and an invited
member sharing the company's requests; the portal in Malay and on a phone."""

from datetime import time

import pytest

from accounts.models import Membership
from helpdesk.models import OpeningHours, SelfHelpResource, SupportCalendar, SupportRequest
from licensing.models import PaidServiceCode, ProductSegment, QuoteRequest
from tests.accounts.factories import PASSWORD, CompanyFactory, MembershipFactory, UserFactory
from tests.e2e.conftest import link_in, sign_in
from tests.licensing.factories import (
    LicenceFactory,
    PaidServiceFactory,
    ProductFactory,
    ProductVersionFactory,
    SystemRequirementFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)


def _catalogue():
    """A home and a business product with a supported version each, and the paid services
    offered in Malaysia."""
    home = ProductFactory(code="home-premium", name="Home Premium")
    SystemRequirementFactory(version=ProductVersionFactory(product=home, version="21.21"),
                             os="windows", min_os_version="10")
    business = ProductFactory(code="endpoint", name="Endpoint Security",
                              segment=ProductSegment.BUSINESS)
    SystemRequirementFactory(version=ProductVersionFactory(product=business, version="12.8"),
                             os="windows", min_os_version="10")
    for code in PaidServiceCode.values:
        PaidServiceFactory(code=code)
    return home, business


def _describe_the_product(page, product, version):
    """Product -> version -> platform, as a person does it: each change asks the server
    (htmx), which swaps in the product's versions."""
    # htmx binds its handlers once the page has loaded; a change before that is not sent.
    page.wait_for_load_state("load")
    page.locator("#id_product").select_option(product)
    page.locator(f"#id_version option[value='{version}']").wait_for(state="attached")
    page.locator("#id_version").select_option(version)
    page.locator("#id_os").select_option("windows")
    page.locator("#id_os_version").fill("11")


def test_home_user_signs_up_verifies_and_reaches_the_portal(page, mailoutbox, screenshot,
                                                            axe_check):
    home, _business = _catalogue()
    licence = LicenceFactory(product=home)  # issued by staff, held by nobody yet
    SelfHelpResource.objects.create(segment="home", kind="knowledge_base", language="en",
                                    title="When a scan stops halfway",
                                    url="https://support.example.com/kb/scan",
                                    keywords="scan stops freezes")

    # htmx runs under the CSP (script-src and style-src 'self'): no violation may show.
    console_errors = []
    page.on("console", lambda m: m.type == "error" and console_errors.append(m.text))
    page.goto("/accounts/signup/")
    axe_check(page)
    page.get_by_label("Email").fill("aina@example.org")
    page.locator("#id_password1").fill("a-long-secret-2026")
    page.locator("#id_password2").fill("a-long-secret-2026")
    page.get_by_label("Country").select_option("MY")
    page.get_by_role("button", name="Sign Up").click()
    page.wait_for_url("**/accounts/confirm-email/")
    assert len(mailoutbox) == 1
    page.goto(link_in(mailoutbox[0].body, "/accounts/confirm-email/"))
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url("**/my/")
    assert page.get_by_role("heading", level=1).inner_text() == "My account"
    assert page.get_by_role("link", name="When a scan stops halfway").is_visible()
    screenshot(page, "home-dashboard")
    axe_check(page)

    # Claim the licence by its activation code.
    page.get_by_role("link", name="Licences").first.click()
    page.get_by_label("Activation code").fill(licence.key.lower().replace("-", " "))
    page.get_by_role("button", name="Add licence").click()
    assert page.get_by_text("Home Premium (").is_visible()
    axe_check(page)

    # File a request: the decision shows before submitting, self-help while typing.
    page.goto("/my/")
    page.get_by_role("link", name="New request").first.click()
    page.wait_for_url("**/my/requests/new/")
    _describe_the_product(page, "home-premium", "21.21")
    page.locator("#id_category").select_option("malfunction")
    page.get_by_label("Activation code (optional)").fill(licence.key)
    page.get_by_role("heading", name="Covered by Standard Support").wait_for()
    page.get_by_label("Subject").press_sequentially("The scan stops", delay=20)
    page.get_by_role("link", name="When a scan stops halfway").wait_for()
    page.get_by_label("Description").fill("It stops at 40 per cent, every time.")
    screenshot(page, "home-new-request")
    axe_check(page)
    page.get_by_role("button", name="File the request").click()
    sr = SupportRequest.objects.get(requester__email="aina@example.org")
    page.wait_for_url(f"**/my/requests/{sr.reference}/")
    assert page.get_by_text(f"Your request {sr.reference} is registered").is_visible()
    assert sr.licence == licence

    # Reply to it.
    page.get_by_label("Your reply").fill("It also happens in safe mode.")
    page.get_by_role("button", name="Send reply").click()
    page.get_by_text("Your reply is sent.").wait_for()
    assert page.get_by_text("It also happens in safe mode.").is_visible()
    screenshot(page, "home-request-detail")
    axe_check(page)
    page.get_by_role("link", name="Requests", exact=True).first.click()
    assert page.get_by_role("link", name=sr.reference).is_visible()
    axe_check(page)

    # An out-of-scope topic is refused with its clause, and leads to a quote.
    page.get_by_role("link", name="New request").first.click()
    page.locator("#id_category").select_option("oos_4_2_5")
    page.get_by_role("heading", name="Not covered by Standard Support").wait_for()
    page.get_by_label("Subject").fill("Please connect to my PC remotely")
    page.get_by_label("Description").fill("I would like a remote session.")
    page.get_by_role("button", name="File the request").click()
    page.get_by_role("heading", name="This request cannot be filed").wait_for()
    assert page.get_by_role("link", name="Read clause 4.2.5 of the Support Rules").is_visible()
    assert page.get_by_label("Subject").input_value() == "Please connect to my PC remotely"
    screenshot(page, "home-request-refused")
    axe_check(page)
    page.get_by_role("link", name="Ask for a quote for Professional Services").click()
    page.wait_for_url("**/my/quotes/new/?*")
    page.get_by_label("What do you need?").fill("A remote session for my home PC.")
    page.get_by_role("button", name="Send").click()
    page.get_by_text("Your quote request is sent.").wait_for()
    assert not [e for e in console_errors if "Content Security Policy" in e], console_errors
    quote = QuoteRequest.objects.get(requester__email="aina@example.org")
    assert (quote.service.code, quote.clause, quote.category.code) == (
        "professional_services", "4.2.5", "oos_4_2_5")


def test_company_admin_invites_a_member_who_accepts(page, browser, live_server, mailoutbox,
                                                    screenshot, axe_check):
    _home, business = _catalogue()
    calendar = SupportCalendar.objects.create(name="Malaysia small business", country="MY",
                                              segment="small_business",
                                              time_zone="Asia/Kuala_Lumpur")
    OpeningHours.objects.bulk_create(
        OpeningHours(calendar=calendar, weekday=day, opens=time(9), closes=time(18))
        for day in range(5))
    company = CompanyFactory(name="Acme", slug="acme")
    LicenceFactory(product=business, company=company)
    admin = MembershipFactory(company=company, role="admin").user
    sign_in(page, admin.email, PASSWORD)
    page.wait_for_url("**/company/acme/")  # a company admin lands in the company's portal
    page.goto("/company/acme/members/")
    axe_check(page)
    page.get_by_label("Email").fill("newhire@example.org")
    page.get_by_role("button", name="Send invitation").click()
    assert page.get_by_text("Invitation sent to newhire@example.org").is_visible()
    screenshot(page, "company-members")
    invitation_link = link_in(mailoutbox[-1].body, "/invitations/")

    invitee = UserFactory(email="newhire@example.org")
    other = browser.new_context(base_url=live_server.url)
    member_page = other.new_page()
    sign_in(member_page, invitee.email, PASSWORD)
    member_page.wait_for_url("**/my/")
    member_page.goto(invitation_link)
    member_page.get_by_role("button", name="Accept the invitation").click()
    member_page.wait_for_url("**/company/acme/")
    assert Membership.objects.filter(company=company, user=invitee, role="member").exists()
    assert any("joined Acme" in m.subject for m in mailoutbox)

    # The member files a request for the company (its licence covers it, 4.5b)...
    member_page.get_by_role("link", name="New request").first.click()
    _describe_the_product(member_page, "endpoint", "12.8")
    member_page.locator("#id_category").select_option("database_update")
    member_page.get_by_role("heading", name="Covered by Standard Support").wait_for()
    member_page.get_by_label("Subject").fill("Updates fail on the file server")
    member_page.get_by_label("Description").fill("Error 1603 since Monday.")
    member_page.get_by_role("button", name="File the request").click()
    sr = SupportRequest.objects.get(company=company)
    member_page.wait_for_url(f"**/company/acme/requests/{sr.reference}/")
    other.close()

    # ...and the admin sees it among the company's requests, next to the support hours.
    page.goto("/company/acme/")
    assert page.get_by_role("heading", name="Our support hours for you").is_visible()
    screenshot(page, "company-dashboard")
    axe_check(page)
    page.get_by_role("link", name=sr.reference).first.click()
    page.wait_for_url(f"**/company/acme/requests/{sr.reference}/")
    assert page.get_by_role("heading", level=1).inner_text() == "Updates fail on the file server"
    assert page.get_by_text("newhire@example.org").is_visible()
    page.goto("/company/acme/requests/")
    assert page.get_by_role("cell", name="newhire@example.org").is_visible()
    screenshot(page, "company-requests")
    axe_check(page)
