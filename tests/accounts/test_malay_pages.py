"""Every allauth page the portal uses, and its emails, in Malay: a visitor's first page is
the sign-in, and allauth ships no Malay of its own (accounts/allauth_locale)."""

import pytest
from allauth.mfa.models import Authenticator
from django.test import Client

from tests.accounts.factories import PASSWORD, UserFactory
from tests.catalogues import english_left_in, visible_texts

pytestmark = pytest.mark.django_db

VISITOR_PAGES = ["/", "/accounts/login/", "/accounts/signup/", "/accounts/password/reset/",
                 "/accounts/password/reset/done/", "/accounts/confirm-email/",
                 "/accounts/password/reset/key/1-bad-token/", "/accounts/confirm-email/bad/"]
SIGNED_IN_PAGES = ["/accounts/email/", "/accounts/password/change/", "/accounts/logout/",
                   "/accounts/2fa/", "/accounts/2fa/totp/activate/",
                   "/accounts/reauthenticate/"]


def malay(client=None) -> Client:
    client = client or Client()
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "ms"
    return client


def english_on(response) -> list[str]:
    assert response.status_code == 200, response.status_code
    html = response.content.decode()
    assert '<html lang="ms">' in html
    return english_left_in(visible_texts(html))


@pytest.mark.parametrize("path", VISITOR_PAGES)
def test_visitor_pages_are_in_malay(path):
    assert english_on(malay().get(path, follow=True)) == []


@pytest.mark.parametrize("path", SIGNED_IN_PAGES)
def test_account_pages_are_in_malay(path):
    client = malay()
    client.force_login(UserFactory(language="ms"))
    assert english_on(client.get(path, follow=True)) == []


def test_two_factor_pages_with_an_authenticator_are_in_malay():
    user = UserFactory(language="ms")
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP,
                                 data={"secret": "not-used-here"})
    client = malay()
    client.force_login(user)
    for path in ("/accounts/2fa/", "/accounts/2fa/totp/deactivate/"):
        assert english_on(client.get(path, follow=True)) == [], path


def test_a_wrong_password_is_refused_in_malay():
    user = UserFactory()
    response = malay().post("/accounts/login/", {"login": user.email, "password": "salah"})
    texts = visible_texts(response.content.decode())
    assert "Alamat e-mel dan/atau kata laluan yang anda berikan tidak betul." in texts
    assert english_left_in(texts) == []


def test_the_password_reset_email_is_in_malay(run_outbox):
    user = UserFactory(language="ms")
    malay().post("/accounts/password/reset/", {"email": user.email})
    [message] = run_outbox()
    assert message.subject == "E-mel tetapan semula kata laluan"
    assert "Salam dari Portal Sokongan!" in message.body
    assert "Anda menerima e-mel ini kerana anda atau orang lain" in message.body


def test_signing_in_shows_its_message_in_malay():
    user = UserFactory(language="ms")
    client = malay()
    response = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD},
                           follow=True)
    assert "Berjaya log masuk sebagai" in response.content.decode()
    assert english_on(response) == []
