"""A first customer, as the issue tried it: from the front page, sign up, verify by the
emailed link on the port the portal is served on (SITE_URL is not set for the test), file a
request. In Malay no page shows an English text of the catalogues (allauth's included); in
English no date can be read two ways."""

import re
from datetime import time

import pytest

from helpdesk.models import OpeningHours, SelfHelpResource, SupportCalendar, SupportRequest
from tests.catalogues import english_left_in
from tests.e2e.conftest import link_in
from tests.licensing.factories import (
    ProductFactory,
    ProductVersionFactory,
    SystemRequirementFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)

# What a reader sees: text nodes of rendered elements (a closed list shows only its choice),
# the words on buttons and in placeholders, and the page's title.
VISIBLE_TEXTS = """() => {
  const texts = [document.title];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const element = node.parentElement;
    if (!node.textContent.trim() || element.closest('option, script, style, template')) {
      continue;
    }
    if (element.checkVisibility() && element.getClientRects().length) {
      texts.push(node.textContent.replace(/\\s+/g, ' ').trim());
    }
  }
  for (const select of document.querySelectorAll('select')) {
    if (select.checkVisibility() && select.selectedOptions.length) {
      texts.push(select.selectedOptions[0].textContent.trim());
    }
  }
  for (const input of document.querySelectorAll(
      'input[type=submit], input[type=button], [placeholder]')) {
    if (input.checkVisibility()) {
      texts.push(input.value || input.getAttribute('placeholder') || '');
    }
  }
  return texts;
}"""
# 06/04/2028, 4/6/28 or 06.04.2028: a date whose day and month a reader must guess (and
# not a clause number such as 4.2.10).
NUMERIC_DATE = re.compile(r"\b\d{1,2}/\d{1,2}/\d{2,4}\b|\b\d{1,2}[.-]\d{1,2}[.-]\d{4}\b")
WORDED_DATE = re.compile(r"\b\d{1,2} [A-Z][a-z]+ \d{4}\b")  # 6 Apr 2028


def _world():
    product = ProductFactory(code="home-premium", name="Home Premium")
    version = ProductVersionFactory(product=product, version="21.21")
    SystemRequirementFactory(version=version, os="windows", min_os_version="10")
    calendar = SupportCalendar.objects.create(name="Malaysia home", country="MY",
                                              segment="home", time_zone="Asia/Kuala_Lumpur")
    OpeningHours.objects.bulk_create(
        OpeningHours(calendar=calendar, weekday=day, opens=time(9), closes=time(18))
        for day in range(5))
    for language, title in (("en", "When a scan stops halfway"),
                            ("ms", "Apabila imbasan berhenti separuh jalan")):
        SelfHelpResource.objects.create(segment="home", kind="knowledge_base",
                                        language=language, title=title,
                                        url=f"https://support.example.com/{language}/scan",
                                        keywords="scan imbasan")


class Reader:
    """Reads every page the flow shows; records English left on a Malay page and dates a
    reader would have to guess."""

    def __init__(self, page, own_texts=()):
        self.page = page
        self.own_texts = set(own_texts)
        self.english: dict[str, list[str]] = {}
        self.numeric_dates: dict[str, list[str]] = {}
        self.worded_dates = 0
        self.pages = 0

    def read(self):
        self.page.wait_for_load_state("load")
        texts = [t for t in self.page.evaluate(VISIBLE_TEXTS) if t not in self.own_texts]
        where = self.page.url
        self.pages += 1
        if found := english_left_in(texts):
            self.english[where] = found
        if found := [t for t in texts if NUMERIC_DATE.search(t)]:
            self.numeric_dates[where] = found
        self.worded_dates += sum(bool(WORDED_DATE.search(t)) for t in texts)


def _sign_up_and_file(page, live_server, mailoutbox, reader, *, email, subject, description,
                      labels, snap=lambda page, name: None):
    """The flow itself, through the links and buttons a person uses; `labels` are the
    button names in the page's language."""
    page.goto("/")
    reader.read()
    snap(page, "first-run-front-page")
    page.locator(".hero a.button").click()  # "create an account"
    page.wait_for_url("**/accounts/signup/")
    reader.read()
    page.locator("#id_email").fill(email)
    page.locator("#id_password1").fill("a-long-secret-2026")
    page.locator("#id_password2").fill("a-long-secret-2026")
    page.locator("#id_country").select_option("MY")
    reader.read()
    snap(page, "first-run-sign-up")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/accounts/confirm-email/")
    reader.read()

    [message] = [m for m in mailoutbox if m.to == [email]]
    link = link_in(message.body, "/accounts/confirm-email/")
    # The link goes to the port the portal is served on, not a configured default.
    assert link.startswith(f"{live_server.url}/accounts/confirm-email/"), link
    page.goto(link)
    reader.read()
    page.get_by_role("button", name=labels["confirm"]).click()
    page.wait_for_url("**/my/")
    reader.read()

    page.goto("/my/requests/new/")
    page.wait_for_load_state("load")
    page.locator("#id_product").select_option("home-premium")
    page.locator("#id_version option[value='21.21']").wait_for(state="attached")
    page.locator("#id_version").select_option("21.21")
    page.locator("#id_os").select_option("windows")
    page.locator("#id_os_version").fill("11")
    page.locator("#id_category").select_option("malfunction")
    page.locator("#id_subject").fill(subject)
    page.locator("#id_description").fill(description)
    page.locator("#decision-title").wait_for()
    reader.read()
    page.get_by_role("button", name=labels["file"]).click()
    request = SupportRequest.objects.get(requester__email=email)
    page.wait_for_url(f"**/my/requests/{request.reference}/")
    reader.read()
    page.goto("/my/requests/")
    reader.read()
    page.goto("/my/")
    reader.read()
    return request


def test_a_malay_customer_signs_up_and_files_a_request_all_in_malay(browser, live_server,
                                                                    mailoutbox, screenshot):
    _world()
    subject, description = "Imbasan berhenti pada 40 peratus", "Berlaku setiap kali."
    context = browser.new_context(base_url=live_server.url, locale="ms-MY",
                                  extra_http_headers={"Accept-Language": "ms"})
    context.set_default_timeout(15_000)
    page = context.new_page()
    reader = Reader(page, own_texts={subject, description, "aina@example.my", "Home Premium",
                                     "21.21"})
    try:
        request = _sign_up_and_file(
            page, live_server, mailoutbox, reader, email="aina@example.my", subject=subject,
            description=description, labels={"confirm": "Sahkan", "file": "Daftarkan permintaan"},
            snap=screenshot)
        screenshot(page, "first-run-malay")
    finally:
        context.close()
    assert request.requester.language == "ms" and request.requester.country.code == "MY"
    assert reader.pages >= 9
    assert reader.english == {}, reader.english


def test_the_same_flow_in_english_shows_no_date_to_guess(browser, live_server, mailoutbox):
    _world()
    context = browser.new_context(base_url=live_server.url, locale="en-US")
    context.set_default_timeout(15_000)
    page = context.new_page()
    reader = Reader(page)
    try:
        _sign_up_and_file(page, live_server, mailoutbox, reader, email="sam@example.org",
                          subject="The scan stops at 40 per cent", description="Every time.",
                          labels={"confirm": "Confirm", "file": "File the request"})
    finally:
        context.close()
    assert reader.pages >= 9
    assert reader.worded_dates, "the flow showed no date at all"
    assert reader.numeric_dates == {}, reader.numeric_dates
