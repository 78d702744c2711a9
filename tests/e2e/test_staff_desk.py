"""An agent's day in the admin, at 1280 px: find a request by words of a reply, answer a
Malay customer with a reply template in Malay, assign two requests at once, resolve one;
no serious or critical accessibility issue on the way."""

import pytest
from playwright.sync_api import expect

from accounts.workspace import Workspace
from helpdesk.models import ReplyTemplate, SupportRequest
from helpdesk.requests import filing, lifecycle
from helpdesk.rules.services import load_published_rules
from licensing.models import RequestCategory
from tests.accounts.factories import PASSWORD, AgentFactory, UserFactory
from tests.e2e.conftest import sign_in
from tests.helpdesk.factories import QueueFactory, version_with_requirements
from tests.licensing.factories import ProductFactory

pytestmark = pytest.mark.django_db(transaction=True)

DESKTOP = 1280


def no_sideways_scrolling(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= DESKTOP, f"{page.url} is {width}px wide"
    table = page.locator("#result_list")
    if table.count():
        box = page.locator("#changelist .results").evaluate(
            "el => [el.scrollWidth, el.clientWidth]")
        assert box[0] <= box[1], f"the list is cut off: {box[0]} > {box[1]}"


def file(user, subject, description):
    version = version_with_requirements(ProductFactory(code=f"home-{subject[:20]}"), "21.21",
                                        windows="10")
    product = version.product
    return filing.file_request(filing.RequestIntake.of(
        workspace=Workspace(user=user), category=RequestCategory.objects.get(code="malfunction"),
        product=product, version=version, os="windows", os_version="11", subject=subject,
        description=description), by=user)


def test_an_agents_day(page, screenshot, axe_check):
    load_published_rules()
    agent = AgentFactory(email="amir@example.com", full_name="Amir Agent")
    QueueFactory(name="Home and mobile", is_default=True).agents.add(agent)
    siti = UserFactory(email="siti@example.my", full_name="Siti Aminah", language="ms")
    other = UserFactory(email="tan@example.com", full_name="Tan Wei")
    sr = file(siti, "Imbasan berhenti", "Imbasan berhenti pada 40 peratus.")
    second = file(other, "Update fails", "Error 1603 when updating.")
    third = file(other, "Slow start", "The computer starts slowly since the update.")
    lifecycle.add_reply(sr, by=agent, body="Cuba kemas kini pemacu rangkaian dahulu.")
    lifecycle.add_reply(sr, by=siti, body="Masih berhenti selepas kemas kini.")
    ReplyTemplate.objects.create(
        name="Thank you, still checking", name_ms="Terima kasih, masih menyemak",
        body="Hello {customer_name}, thank you. We are still checking {reference}.",
        body_ms="Salam sejahtera {customer_name}, terima kasih. Kami masih menyemak "
                "{reference}.")

    sign_in(page, agent.email, PASSWORD)
    page.wait_for_url("**/admin/")  # staff land where they work
    page.goto("/admin/helpdesk/supportrequest/")
    # My work: the three new requests of the agent's queue.
    assert page.locator("#result_list tbody tr").count() == 3
    no_sideways_scrolling(page)
    axe_check(page)

    # Search by words of the agent's own reply.
    page.locator("#searchbar").fill("pemacu rangkaian")
    page.locator("#changelist-search input[type=submit]").click()
    page.wait_for_url("**q=pemacu*")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 1 and sr.reference in rows.first.inner_text()
    assert page.locator("#result_list mark").first.inner_text().lower() in {"pemacu",
                                                                           "rangkaian"}
    screenshot(page, "staff-search")
    axe_check(page)

    # The request: a reply template in the customer's language.
    with page.expect_navigation():
        page.get_by_role("link", name=sr.reference).click()
    assert page.url.endswith(f"/supportrequest/{sr.pk}/change/")
    expect(page.get_by_text("Siti Aminah").first).to_be_visible()
    page.get_by_label("Reply template").select_option(label="Thank you, still checking")
    with page.expect_navigation():
        page.get_by_role("button", name="Use").click()
    assert "template=" in page.url
    body = page.locator("#id_body")
    assert body.input_value() == (f"Salam sejahtera Siti, terima kasih. Kami masih menyemak "
                                  f"{sr.reference}.")
    no_sideways_scrolling(page)
    screenshot(page, "staff-request")
    axe_check(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Send").click()
    expect(page.get_by_text("Reply sent.")).to_be_visible()
    expect(page.get_by_text("Kami masih menyemak").first).to_be_visible()

    # Two requests assigned at once, after saying to whom.
    page.goto("/admin/helpdesk/supportrequest/")
    for request in (second, third):
        page.locator(f"input[name=_selected_action][value='{request.pk}']").check()
    page.locator("select[name=action]").first.select_option("assign_selected")
    page.locator("button[name=index]").first.click()
    page.get_by_label("Assign to").select_option(label=f"{agent.full_name} <{agent.email}>")
    axe_check(page)
    page.get_by_role("button", name="Assign requests").click()
    expect(page.get_by_text("2 requests assigned.")).to_be_visible()
    assert set(SupportRequest.objects.filter(assignee=agent).values_list("pk", flat=True)) \
        == {second.pk, third.pk}

    # Resolved from its work page, through the same service as everywhere.
    page.goto(f"/admin/helpdesk/supportrequest/{second.pk}/change/")
    page.locator("#work-resolve summary").click()
    page.locator("#id_resolve-note").fill("Fixed by the 21.22 update.")
    page.locator("#work-resolve button[name=_work]").click()
    expect(page.get_by_text("Request resolved.")).to_be_visible()
    second.refresh_from_db()
    assert second.status == SupportRequest.Status.RESOLVED
    expect(page.get_by_text("Amir Agent resolved the request")).to_be_visible()
    axe_check(page)
