"""Sign-in, sign-up, verification and password reset through allauth, and the way into the
staff admin (the same login, so its rate limits and MFA apply there too)."""

import re

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.urls import reverse

from accounts.models import User
from notifications.models import Notification
from tests.accounts.factories import PASSWORD, StaffFactory, UnverifiedUserFactory, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def signed_in_user_id(client):
    return client.session.get("_auth_user_id")


def link_in(body: str, path_fragment: str) -> str:
    match = re.search(rf"https?://[^\s\"'<>]*{re.escape(path_fragment)}[^\s\"'<>]*", body)
    assert match, f"no link with {path_fragment!r} in:\n{body}"
    return match.group(0)


def path_of(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def test_verified_user_signs_in_with_email(client):
    user = UserFactory(email="aisyah@example.org")
    response = client.post(LOGIN, {"login": "Aisyah@Example.org", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:workspace")
    assert signed_in_user_id(client) == str(user.pk)


def test_wrong_password_is_refused(client):
    UserFactory(email="aisyah@example.org")
    response = client.post(LOGIN, {"login": "aisyah@example.org", "password": "not-it"})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert signed_in_user_id(client) is None


def test_unverified_user_is_not_let_in(client, run_outbox):
    user = UnverifiedUserFactory()
    response = client.post(LOGIN, {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert signed_in_user_id(client) is None
    assert client.get("/my/")["Location"].startswith(LOGIN)
    # ... and is sent the verification link again.
    assert [m.to for m in run_outbox()] == [[user.email]]


def test_sixth_attempt_within_the_window_is_refused_even_with_the_right_password(client):
    user = UserFactory()
    for _ in range(5):
        response = client.post(LOGIN, {"login": user.email, "password": "guess-again"})
        assert response.status_code == 200
        assert "Too many" not in response.content.decode()
    response = client.post(LOGIN, {"login": user.email, "password": PASSWORD})
    assert signed_in_user_id(client) is None
    assert response.status_code in (200, 429)
    assert "Too many failed login attempts" in response.content.decode()


def test_failed_attempts_on_one_account_do_not_lock_another(client):
    victim, bystander = UserFactory(), UserFactory()
    for _ in range(5):
        client.post(LOGIN, {"login": victim.email, "password": "guess-again"})
    client.post(LOGIN, {"login": bystander.email, "password": PASSWORD})
    assert signed_in_user_id(client) == str(bystander.pk)


def test_admin_sends_a_logged_out_visitor_to_the_portal_login(client):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/admin/"
    # The admin's own login URL leads to the same place, with a plain `next`.
    response = client.get("/admin/login/?next=/admin/accounts/company/")
    assert response["Location"] == "/accounts/login/?next=/admin/accounts/company/"


def test_staff_signs_in_through_the_portal_login_and_reaches_the_admin(client):
    staff = StaffFactory()
    response = client.post(f"{LOGIN}?next=/admin/", {"login": staff.email,
                                                      "password": PASSWORD, "next": "/admin/"})
    assert response.status_code == 302 and response["Location"] == "/admin/"
    response = client.get("/admin/")
    assert response.status_code == 200
    assert "Support desk" in response.content.decode()
    # Already signed in, the admin login URL goes straight on.
    assert client.get("/admin/login/?next=/admin/")["Location"] == "/admin/"


def test_non_staff_user_is_sent_away_from_the_admin(client):
    client.force_login(UserFactory())
    for url in ("/admin/", "/admin/accounts/company/", "/admin/login/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == reverse("accounts:workspace")


def test_staff_without_an_authenticator_must_set_one_up_when_mfa_is_required(client, settings):
    settings.ADMIN_REQUIRES_MFA = True
    staff = StaffFactory()
    client.force_login(staff)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")
    Authenticator.objects.create(user=staff, type=Authenticator.Type.TOTP,
                                 data={"secret": "not-used-here"})
    assert client.get("/admin/").status_code == 200


def test_staff_without_an_authenticator_reaches_the_admin_when_mfa_is_not_required(client,
                                                                                   settings):
    settings.ADMIN_REQUIRES_MFA = False
    client.force_login(StaffFactory())
    assert client.get("/admin/").status_code == 200


def test_signup_sends_a_verification_email_whose_link_verifies_the_address(
        client, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/signup/", {
            "email": "Nadia@Example.org", "password1": "a-long-secret-2026",
            "password2": "a-long-secret-2026", "country": "MY"})
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    user = User.objects.get(email="nadia@example.org")
    assert not EmailAddress.objects.get(user=user).verified
    # It went through the outbox, once.
    assert Notification.objects.get().status == Notification.Status.SENT
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["nadia@example.org"]
    link = link_in(message.body, "/accounts/confirm-email/")

    # Opening the link changes nothing; confirming on the page does.
    assert client.get(path_of(link)).status_code == 200
    assert not EmailAddress.objects.get(user=user).verified
    response = client.post(path_of(link))
    assert response.status_code == 302
    assert EmailAddress.objects.get(user=user).verified
    client.logout()
    client.post(LOGIN, {"login": "nadia@example.org", "password": "a-long-secret-2026"})
    assert signed_in_user_id(client) == str(user.pk)


def test_signup_in_malay_keeps_malay_as_the_users_language(client, run_outbox):
    client.post("/accounts/signup/", {
        "email": "siti@example.org", "password1": "a-long-secret-2026",
        "password2": "a-long-secret-2026", "country": "MY"}, HTTP_ACCEPT_LANGUAGE="ms")
    assert User.objects.get(email="siti@example.org").language == "ms"
    assert Notification.objects.get().language == "ms"
    assert len(run_outbox()) == 1


def test_password_reset_email_goes_through_the_outbox_and_its_link_works(client, run_outbox):
    user = UserFactory()
    response = client.post("/accounts/password/reset/", {"email": user.email})
    assert response.status_code == 302
    notification = Notification.objects.get()
    assert notification.to == user.email
    outbox = run_outbox()
    assert len(outbox) == 1 and outbox[0].to == [user.email]
    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT

    link = link_in(outbox[0].body, "/accounts/password/reset/key/")
    response = client.get(path_of(link))
    assert response.status_code == 302  # to the same page without the key in the URL
    response = client.post(response["Location"], {"password1": "brand-new-secret-77",
                                                  "password2": "brand-new-secret-77"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("brand-new-secret-77")


def test_password_reset_for_an_unknown_address_sends_nothing_to_anyone_else(client,
                                                                            run_outbox):
    UserFactory()
    response = client.post("/accounts/password/reset/", {"email": "nobody@example.org"})
    assert response.status_code == 302  # the same answer as for a known address
    assert all(m.to == ["nobody@example.org"] for m in run_outbox())


@pytest.mark.parametrize("url", [LOGIN, "/accounts/signup/", "/accounts/password/reset/",
                                 "/rules/"])
def test_pages_declare_their_language(client, url):
    english = client.get(url, follow=True)
    assert '<html lang="en">' in english.content.decode()
    malay = client.get(url, follow=True, HTTP_ACCEPT_LANGUAGE="ms")
    assert '<html lang="ms">' in malay.content.decode()


def test_signed_in_users_choice_beats_the_browser_language(client):
    client.force_login(UserFactory(language="ms"))
    response = client.get("/accounts/password/change/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert '<html lang="ms">' in response.content.decode()
