"""What customers type comes back harmless: the usual XSS payloads put in every field that
is shown again (request subjects and messages, people's names, company names, survey
comments, file names) are escaped, or sanitised by nh3 where Markdown is rendered, on every
portal page (found from the URL resolver), in the staff admin and in the emails.
"""

from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse

from feedback import answering
from feedback.models import FeedbackRequest, FeedbackResponse
from notifications.models import Notification
from notifications.services import render
from tests.accounts.factories import StaffFactory

from .urls import admin_pages, portal_pages
from .world import build_owned_world

pytestmark = pytest.mark.django_db

SCRIPT = '<script>alert("xss")</script>'
IMG = "<img src=x onerror=alert(1)>"
SVG = '"><svg/onload=alert(2)>'
LINK = "[click me](javascript:alert(3))"
NAMES = {
    "full_name": f"Eve {IMG}",
    "company_name": f"Acme {SVG}",
    "subject": f"Help {SCRIPT}\r\nBcc: victim@example.org",
    "message": f"Look {SCRIPT} {IMG} and {LINK} <a href=\"javascript:alert(4)\">x</a>",
    "file_name": "scan' onmouseover='alert(5).log",
}
COMMENT = f"Great {SCRIPT} {IMG}"
class LiveMarkup(HTMLParser):
    """What the payloads would be if they got through as markup: script elements running
    them, event-handler attributes and javascript: URLs, on real tags."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._script = False

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            value = (value or "").strip().lower()
            if name.startswith("on") and "alert" in value:
                self.found.append(f"<{tag} {name}>")
            if name in ("href", "src", "action", "formaction", "xlink:href") and \
                    value.startswith("javascript:"):
                self.found.append(f"<{tag} {name}=javascript:>")
        self._script = tag in ("script", "svg")

    def handle_data(self, data):
        if self._script and "alert" in data:
            self.found.append(f"<script>{data[:40]}")

    def handle_endtag(self, tag):
        self._script = False


def dangerous_in(html: str) -> list[str]:
    parser = LiveMarkup()
    parser.feed(html)
    return parser.found


@pytest.fixture
def world(db):
    w = build_owned_world(**NAMES)
    # A survey comment, answered in the portal.
    survey_request = FeedbackRequest.objects.filter(user=w.acme_member).first()
    answering.answer(survey_request, answers={"satisfaction": 2, "comment": COMMENT},
                             channel="portal", respondent=w.acme_member)
    return w


def test_payloads_come_back_escaped_on_every_portal_page(world):
    clients, checked, shown = {}, [], 0
    problems = []
    for user, url in portal_pages(world):
        if user not in clients:
            clients[user] = Client()
            clients[user].force_login(user)
        response = clients[user].get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        if found := dangerous_in(html):
            problems.append(f"{url} as {user.email}: {found}")
        shown += html.count("&lt;script&gt;alert(") + html.count("&lt;img src=x")
        checked.append(url)
    assert not problems, "\n".join(problems)
    assert len(checked) > 40
    assert shown > 10  # the payloads were on the pages, as text


def test_payloads_come_back_escaped_in_the_admin(world):
    staff = StaffFactory()
    client = Client()
    client.force_login(staff)
    support_request = world.requests[world.acme_member]
    response_row = FeedbackResponse.objects.get()
    pages = [
        *admin_pages(),
        reverse("admin:helpdesk_supportrequest_change", args=[support_request.pk]),
        reverse("admin:accounts_company_change", args=[world.acme.pk]),
        reverse("admin:accounts_user_change", args=[world.acme_member.pk]),
        reverse("admin:feedback_feedbackresponse_change", args=[response_row.pk]),
        reverse("admin:helpdesk_supportrequest_changelist") + "?q=Help",
        reverse("admin:accounts_auditevent_changelist"),
    ]
    problems, shown = [], 0
    for url in pages:
        response = client.get(url)
        assert response.status_code in (200, 302, 403), url  # 403: no "add" for it
        html = response.content.decode()
        if found := dangerous_in(html):
            problems.append(f"{url}: {found}")
        shown += html.count("&lt;script&gt;alert(") + html.count("&lt;img src=x")
    assert not problems, "\n".join(problems)
    assert shown > 5


def test_payloads_come_back_escaped_in_the_emails(world):
    notifications = list(Notification.objects.all())
    templates = {n.template for n in notifications}
    assert {"request_received", "request_reply", "request_resolved", "invitation"} <= templates
    for notification in notifications:
        message = render(notification)
        assert "\n" not in message.subject and "\r" not in message.subject
        headers = message.message()
        assert headers["Bcc"] is None and "victim" not in (headers["To"] or "")
        for body, mime in message.alternatives:
            assert mime == "text/html"
            assert not dangerous_in(body), (notification.template, dangerous_in(body))


def test_markdown_keeps_formatting_but_drops_script_and_javascript_links(world):
    message = world.requests[world.home_user].messages.filter(author=world.home_user).first()
    html = message.body_html
    assert not dangerous_in(html)
    assert "&lt;script&gt;" in html  # the typed text stays visible, as text
    assert '<a rel="noopener noreferrer nofollow">click me</a>' in html  # no href left
