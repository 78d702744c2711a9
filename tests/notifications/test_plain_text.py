"""Plain text is not HTML: a subject and a text part show `Acme & Sons <Ltd>` as it is
spelt, the HTML part escapes it, for every email of the outbox's templates. (allauth's
own text templates already switch autoescaping off.)"""

import re
from pathlib import Path

import pytest

from accounts import services as account_services
from notifications import services
from notifications.models import Notification
from tests.accounts.factories import CompanyAdminFactory, CompanyFactory, UserFactory

pytestmark = pytest.mark.django_db

NAME = "Acme & Sons <Ltd>"
ESCAPED = "Acme &amp; Sons &lt;Ltd&gt;"
EMAILS = Path(__file__).resolve().parents[2] / "templates" / "emails"


def html_of(message) -> str:
    return next(body for body, mime in message.alternatives if mime == "text/html")


def assert_plain_text_unescaped(message):
    for plain in (message.subject, message.body):
        assert "&amp;" not in plain and "&lt;" not in plain and "&#x27;" not in plain


def test_company_emails_name_the_company_as_it_is_spelt():
    company = CompanyFactory(name=NAME, is_verified=False)
    admin = CompanyAdminFactory(company=company).user
    account_services.verify_company(company, by=UserFactory(is_staff=True))
    invitation, _token = account_services.invite_member(
        company=company, email="new@example.org", role="member", by=admin)
    invitee = UserFactory(email="new@example.org", full_name="Tom & Jerry")
    account_services.accept_invitation(invitation, user=invitee)

    for template in ("company_verified", "invitation", "member_joined"):
        message = services.render(Notification.objects.get(template=template))
        assert_plain_text_unescaped(message)
        assert NAME in message.body
        assert ESCAPED in html_of(message) and NAME not in html_of(message)
    invitation_mail = services.render(Notification.objects.get(template="invitation"))
    assert NAME in invitation_mail.subject
    joined = services.render(Notification.objects.get(template="member_joined"))
    assert "Tom & Jerry" in joined.body


@pytest.mark.parametrize("template", sorted(p.name for p in EMAILS.iterdir() if p.is_dir()))
def test_every_email_kind_leaves_its_text_unescaped(template):
    """Every variable a template shows is the company's name; filter arguments and
    plural counts get values of their own kind."""
    shown, arguments, counts = set(), set(), set()
    for part in (EMAILS / template).iterdir():
        text = part.read_text()
        shown |= set(re.findall(r"(?:{{|\w=)\s*(\w+)", text))
        arguments |= set(re.findall(r"\|\w+:(\w+)", text))
        counts |= set(re.findall(r"count \w+=(\w+)", text))
    context = dict.fromkeys(shown - {"site_url", "site_name", "LANGUAGE_CODE"}, NAME)
    context |= dict.fromkeys(arguments) | dict.fromkeys(counts, 2)
    message = services.render(Notification(to="a@example.org", template=template,
                                            context=context))
    assert_plain_text_unescaped(message)
    assert NAME in message.subject + message.body
    assert NAME not in html_of(message)
