"""The portal in Malay, without JavaScript, and on a phone-size screen."""

import pytest

from accounts.workspace import Workspace
from helpdesk.requests import filing, lifecycle
from helpdesk.rules.services import load_published_rules
from licensing.models import RequestCategory
from tests.accounts.factories import PASSWORD, AgentFactory, UserFactory
from tests.e2e.conftest import sign_in
from tests.licensing.factories import (
    ProductFactory,
    ProductVersionFactory,
    SystemRequirementFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}


def test_the_portal_in_malay_without_javascript_and_on_a_phone(page, browser, live_server,
                                                                 screenshot, axe_check):
    load_published_rules()
    product = ProductFactory(code="home-premium", name="Home Premium")
    SystemRequirementFactory(version=ProductVersionFactory(product=product, version="21.21"),
                             os="windows", min_os_version="10")
    user = UserFactory(email="siti@example.my", full_name="Siti Aminah")
    sr = filing.file_request(filing.RequestIntake.of(
        workspace=Workspace(user=user),
        category=RequestCategory.objects.get(code="licence_recovery"),
        subject="Kod pengaktifan hilang", description="Saya kehilangan kod pengaktifan."),
        by=user)
    lifecycle.set_no_guarantee_flag(sr, by=AgentFactory(), clause="4.4.5",
                                   note="Kami perlukan nombor pesanan anda.")

    sign_in(page, user.email, PASSWORD)
    page.wait_for_url("**/my/")
    page.goto("/my/requests/")
    page.get_by_label("Language").select_option("ms")
    page.get_by_role("button", name="Change").click()
    page.wait_for_url("**/my/requests/")
    # The page comes back in Malay, in the Rules' own terms (docs GLOSSARY.md), and the
    # choice is kept on the profile.
    assert page.locator("html").get_attribute("lang") == "ms"
    assert page.get_by_role("link", name="Peraturan Sokongan").is_visible()
    assert page.get_by_role("link", name="Akaun saya").first.is_visible()
    assert page.get_by_role("button", name="Log keluar").is_visible()
    axe_check(page)
    user.refresh_from_db()
    assert user.language == "ms"

    page.get_by_role("link", name="Peraturan Sokongan").click()
    page.wait_for_url("**/rules/")
    assert page.get_by_role("heading", level=1).inner_text() == "Peraturan Sokongan untuk Perisian"
    axe_check(page)
    page.goto(f"/my/requests/{sr.reference}/")
    assert page.locator("html").get_attribute("lang") == "ms"
    assert page.locator("a[href='/rules/#clause-4.4.5']").is_visible()
    screenshot(page, "malay-request-detail")
    axe_check(page)

    # Without JavaScript the form still works: "check" is a plain POST that brings the
    # product's versions and the decision, "file" files.
    plain = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    plain_page = plain.new_page()
    sign_in(plain_page, user.email, PASSWORD)
    plain_page.wait_for_url("**/my/")
    plain_page.goto("/my/requests/new/")
    plain_page.locator("#id_product").select_option("home-premium")
    plain_page.locator("#id_category").select_option("malfunction")
    plain_page.locator("button[value='check']").click()
    plain_page.locator("#id_version").select_option("21.21")
    plain_page.locator("#id_os").select_option("windows")
    plain_page.locator("#id_os_version").fill("11")
    plain_page.locator("#id_subject").fill("Imbasan berhenti")
    plain_page.locator("button[value='check']").click()
    assert plain_page.locator(".decision-ok").is_visible()
    assert plain_page.locator("#id_subject").input_value() == "Imbasan berhenti"
    plain_page.locator("#id_description").fill("Imbasan berhenti pada 40 peratus.")
    plain_page.locator("button[value='file']").click()
    plain_page.wait_for_url("**/my/requests/INC-*/")
    assert plain_page.get_by_role("heading", level=1).inner_text() == "Imbasan berhenti"
    plain.close()

    # The same pages on a phone.
    phone = browser.new_context(base_url=live_server.url, viewport=PHONE,
                                device_scale_factor=2, is_mobile=True, has_touch=True)
    phone_page = phone.new_page()
    sign_in(phone_page, user.email, PASSWORD)
    phone_page.wait_for_url("**/my/")
    for name, url in [("phone-dashboard", "/my/"), ("phone-requests", "/my/requests/"),
                      ("phone-request-detail", f"/my/requests/{sr.reference}/"),
                      ("phone-new-request", "/my/requests/new/")]:
        phone_page.goto(url)
        # Nothing wider than the screen: no sideways scrolling on a phone.
        width = phone_page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{url} is {width}px wide"
        screenshot(phone_page, name)
        axe_check(phone_page)
    phone.close()
