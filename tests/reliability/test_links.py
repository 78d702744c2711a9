"""Emailed links: the survey link (page and API), unsubscribe, company invitation and email
verification. Opening one (GET) never changes anything; a tampered, expired, reused or
wrong-purpose link gets a clear page in the visitor's language (never a 500), and changes
nothing whether opened or posted.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
import time_machine
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from django.test import Client
from django.utils import timezone

from accounts import services as account_services
from accounts.models import Membership
from feedback import tokens
from feedback.models import FeedbackOptOut, FeedbackResponse
from tests.accounts.factories import CompanyAdminFactory, UnverifiedUserFactory, UserFactory
from tests.feedback.factories import FeedbackRequestFactory

pytestmark = pytest.mark.django_db

ANSWER = {"satisfaction": "5", "solved": "yes", "comment": "Thanks"}


@dataclass
class Link:
    """One kind of link, made for the test: its URL for a token, a good token, the state
    it may change, a POST that uses it, how far ahead it expires, and a token of another
    purpose (which must not work here)."""

    url: Callable[[str], str]
    token: str
    state: Callable[[], object]
    client: Client
    post_data: dict
    expires_after: timedelta
    foreign_token: str
    clear: tuple[str, ...]  # one of these is on every refusal
    json: bool = False


def _feedback(api: bool) -> Link:
    feedback_request = FeedbackRequestFactory()
    prefix = "/api/v1/feedback/" if api else "/feedback/"
    return Link(
        url=lambda token: f"{prefix}{token}/",
        token=tokens.make_answer_token(feedback_request.token_key),
        state=lambda: (FeedbackResponse.objects.count(),
                       type(feedback_request).objects.get(pk=feedback_request.pk).answered_at),
        client=Client(),
        post_data={"satisfaction": 5, "solved": True} if api else ANSWER,
        expires_after=tokens.answer_max_age() + timedelta(minutes=1),
        foreign_token=tokens.make_unsubscribe_token(feedback_request.user_id),
        clear=("not valid", "expired", "already been answered"),
        json=api,
    )


def _unsubscribe() -> Link:
    user = UserFactory()
    return Link(
        url=lambda token: f"/feedback/unsubscribe/{token}/",
        token=tokens.make_unsubscribe_token(user.pk),
        state=lambda: FeedbackOptOut.objects.filter(user=user).count(),
        client=Client(),
        post_data={},
        expires_after=timedelta(days=tokens.UNSUBSCRIBE_MAX_AGE_DAYS, minutes=1),
        foreign_token=tokens.make_answer_token("a" * 32),
        clear=("not valid", "expired", "no longer receive"),
    )


def _invitation() -> Link:
    admin = CompanyAdminFactory().user
    company = admin.memberships.get().company
    invitee = UserFactory(email="invited@example.org")
    _invitation, token = account_services.invite_member(
        company=company, email=invitee.email, role="member", by=admin)
    client = Client()
    client.force_login(invitee)
    return Link(
        url=lambda token: f"/invitations/{token}/",
        token=token,
        state=lambda: (Membership.objects.filter(user=invitee).count(),
                       type(_invitation).objects.get(pk=_invitation.pk).accepted_at),
        client=client,
        post_data={},
        expires_after=timedelta(days=8),
        foreign_token=tokens.make_answer_token("b" * 32),
        clear=("not valid", "already been used", "expired"),
    )


def _verification() -> Link:
    user = UnverifiedUserFactory()
    address = EmailAddress.objects.get(user=user)
    return Link(
        url=lambda key: f"/accounts/confirm-email/{key}/",
        token=EmailConfirmationHMAC(address).key,
        state=lambda: EmailAddress.objects.get(pk=address.pk).verified,
        client=Client(),
        post_data={},
        expires_after=timedelta(days=4),
        foreign_token=tokens.make_unsubscribe_token(user.pk),
        clear=("expired or is invalid", "Not found", "not found"),
    )


KINDS = {
    "survey": lambda: _feedback(api=False),
    "survey-api": lambda: _feedback(api=True),
    "unsubscribe": _unsubscribe,
    "invitation": _invitation,
    "verification": _verification,
}


def tamper(token: str) -> str:
    last = token[-1]
    return token[:-1] + ("A" if last != "A" else "B")


def post(link: Link, url: str):
    if link.json:
        return link.client.post(url, link.post_data, content_type="application/json")
    return link.client.post(url, link.post_data)


def assert_clear_refusal(link: Link, response):
    assert response.status_code < 500, response.content[:500]
    body = response.content.decode()
    if link.json:
        assert response.status_code in (400, 410)
        data = response.json()
        assert data["detail"] and data["code"] in ("invalid", "expired", "used")
        return
    assert response.status_code in (200, 400, 404, 409, 410), response.status_code
    assert '<html lang="en">' in body
    assert any(phrase in body for phrase in link.clear), body[-1500:]


@pytest.mark.parametrize("kind", KINDS)
def test_opening_a_good_link_changes_nothing(kind):
    link = KINDS[kind]()
    before = link.state()
    for _ in range(2):
        response = link.client.get(link.url(link.token))
        assert response.status_code == 200
    assert link.state() == before


@pytest.mark.parametrize("defect", ["tampered", "expired", "reused", "wrong-purpose",
                                    "truncated"])
@pytest.mark.parametrize("kind", KINDS)
def test_a_bad_link_gets_a_clear_page_and_changes_nothing(kind, defect):
    link = KINDS[kind]()
    url = link.url(link.token)
    when = timezone.now()
    if defect == "tampered":
        url = link.url(tamper(link.token))
    elif defect == "truncated":
        url = link.url(link.token[: len(link.token) // 2])
    elif defect == "wrong-purpose":
        url = link.url(link.foreign_token)
    elif defect == "expired":
        when = timezone.now() + link.expires_after
    elif defect == "reused":
        response = post(link, url)
        assert response.status_code in (200, 201, 302), response.content[:500]
    before = link.state()
    with time_machine.travel(when, tick=False):
        opened = link.client.get(url)
        posted = post(link, url)
    assert link.state() == before
    if defect == "reused" and kind == "unsubscribe":
        # Opting out twice is harmless: the page says it is done.
        assert opened.status_code == posted.status_code == 200
        assert "no longer receive" in posted.content.decode()
        return
    assert_clear_refusal(link, opened)
    assert_clear_refusal(link, posted)
