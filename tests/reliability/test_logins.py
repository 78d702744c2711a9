"""Sign-in hardening: allauth's rate limits on login, signup, password reset and email
confirmation; Django's password validators at signup; TOTP for staff in the admin; and the
cookie flags of the production settings.

Wrong passwords per account (`login_failed`) are tested in tests/accounts/test_login.py,
and `check --deploy` of the production settings in tests/config/test_settings.py.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from accounts.models import User
from notifications.models import Notification
from tests.accounts.factories import PASSWORD, UnverifiedUserFactory, UserFactory, supervisor

pytestmark = pytest.mark.django_db

BASE_DIR = Path(__file__).resolve().parents[2]
SECRET = "p7Hq-2vLx9Rk4Nw8Zt3Ys6Bd1Fg5Jm0Pc-Qe7Ua2Wi4Oo6Ll8Kk0Hh2Gg4Ff6Ee8D"


def limit(action: str) -> int:
    """The first (per-IP or per-key) number of the allauth rate for `action`."""
    return int(settings.ACCOUNT_RATE_LIMITS[action].split(",")[0].split("/")[0])


def assert_refused_as_too_many(response):
    assert response.status_code == 429
    page = response.content.decode()
    assert "Too many attempts" in page
    assert '<html lang="en">' in page


def test_login_is_limited_per_address_even_with_the_right_password():
    user = UserFactory()
    for _ in range(limit("login")):
        response = Client().post("/accounts/login/", {"login": user.email,
                                                      "password": PASSWORD})
        assert response.status_code == 302
    response = Client().post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert_refused_as_too_many(response)
    # From another address the same account still signs in.
    response = Client(REMOTE_ADDR="192.0.2.9").post(
        "/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302


def test_signup_is_limited_per_address():
    for n in range(limit("signup")):
        response = Client().post("/accounts/signup/", {
            "email": f"new{n}@example.org", "password1": "x", "password2": "y"})
        assert response.status_code == 200  # the form, with its errors
    response = Client().post("/accounts/signup/", {
        "email": "late@example.org", "password1": "a-long-secret-2026",
        "password2": "a-long-secret-2026"})
    assert_refused_as_too_many(response)
    assert not User.objects.filter(email="late@example.org").exists()


def test_the_refusal_page_is_in_the_visitors_language():
    client = Client(HTTP_ACCEPT_LANGUAGE="ms")
    for n in range(limit("signup")):
        client.post("/accounts/signup/", {"email": f"baru{n}@example.org", "password1": "x",
                                          "password2": "y"})
    response = client.post("/accounts/signup/", {"email": "lewat@example.org"})
    assert response.status_code == 429
    page = response.content.decode()
    assert '<html lang="ms">' in page and "Terlalu banyak percubaan" in page


def test_password_reset_is_limited_per_address_and_per_account(client):
    user = UserFactory()
    per_account = int(settings.ACCOUNT_RATE_LIMITS["reset_password"].split(",")[1]
                      .split("/")[0])
    for _ in range(per_account):
        assert client.post("/accounts/password/reset/",
                           {"email": user.email}).status_code == 302
    assert_refused_as_too_many(client.post("/accounts/password/reset/",
                                           {"email": user.email}))
    assert Notification.objects.filter(to=user.email).count() == per_account

    # Per address: a different account each time, from one client address.
    cache.clear()
    for n in range(limit("reset_password")):
        assert client.post("/accounts/password/reset/",
                           {"email": f"someone{n}@example.org"}).status_code == 302
    assert_refused_as_too_many(client.post("/accounts/password/reset/",
                                           {"email": "one-more@example.org"}))


def test_email_confirmation_mails_are_limited_per_address(client):
    """An unverified user who tries to sign in again and again gets one verification email
    in the window, not one per attempt."""
    user = UnverifiedUserFactory()
    for _ in range(5):
        response = client.post("/accounts/login/", {"login": user.email,
                                                    "password": PASSWORD})
        assert response.status_code == 302
        assert response["Location"] == reverse("account_email_verification_sent")
    assert Notification.objects.filter(to=user.email).count() == 1


@pytest.mark.parametrize("password", [
    "short-1",  # under 10 characters
    "password123",  # a common password
    "84736291058372",  # only digits
    "sam.wilson.example",  # like the email address
])
def test_a_weak_password_is_refused_at_signup(client, password):
    response = client.post("/accounts/signup/", {
        "email": "sam.wilson@example.org", "password1": password, "password2": password})
    assert response.status_code == 200
    assert response.context["form"].errors["password1"]
    assert not User.objects.filter(email="sam.wilson@example.org").exists()


def test_staff_must_set_up_totp_before_any_admin_page(client, settings):
    """ADMIN_REQUIRES_MFA is on in production (below): a supervisor without an
    authenticator app is sent to set one up from every admin page, and gets in after."""
    settings.ADMIN_REQUIRES_MFA = True
    staff = supervisor()
    client.force_login(staff)
    for url in ("/admin/", "/admin/accounts/auditevent/", "/admin/helpdesk/supportrequest/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == reverse("mfa_activate_totp")
    Authenticator.objects.create(user=staff, type=Authenticator.Type.TOTP,
                                 data={"secret": "not-used-here"})
    assert client.get("/admin/accounts/auditevent/").status_code == 200


def test_the_session_cookie_is_http_only_and_same_site_lax(client):
    user = UserFactory()
    response = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


def production(script: str, tmp_path) -> dict:
    """Run `script` (which prints one JSON line) with DJANGO_ENV=production."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path),
        "DJANGO_ENV": "production", "SECRET_KEY": SECRET, "ALLOWED_HOSTS": "portal.example",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "BROKER_DIR": str(tmp_path / "broker"), "PRIVATE_MEDIA_ROOT": str(tmp_path / "p"),
    }
    result = subprocess.run([sys.executable, "-c", script], cwd=BASE_DIR, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


PRODUCTION_SETTINGS = """
import json, django
from config.environment import settings_module
import os
os.environ["DJANGO_SETTINGS_MODULE"] = settings_module()
django.setup()
from django.conf import settings as s
names = ["SETTINGS_MODULE", "DEBUG", "SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY",
         "SESSION_COOKIE_SAMESITE", "CSRF_COOKIE_SECURE", "CSRF_COOKIE_SAMESITE",
         "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS",
         "ADMIN_REQUIRES_MFA", "SECURE_CONTENT_TYPE_NOSNIFF", "X_FRAME_OPTIONS",
         "SECURE_REFERRER_POLICY"]
found = {name: getattr(s, name) for name in names}
found["validators"] = [v["NAME"].rsplit(".", 1)[-1] for v in s.AUTH_PASSWORD_VALIDATORS]
print(json.dumps(found))
"""


def test_production_settings_lock_the_cookies_and_require_mfa(tmp_path):
    found = production(PRODUCTION_SETTINGS, tmp_path)
    assert found["SETTINGS_MODULE"] == "config.settings.production"
    assert found["DEBUG"] is False
    assert found["SESSION_COOKIE_SECURE"] is True
    assert found["SESSION_COOKIE_HTTPONLY"] is True
    assert found["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert found["CSRF_COOKIE_SECURE"] is True
    assert found["SECURE_SSL_REDIRECT"] is True
    assert found["SECURE_HSTS_SECONDS"] >= 31536000
    assert found["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert found["ADMIN_REQUIRES_MFA"] is True
    assert found["SECURE_CONTENT_TYPE_NOSNIFF"] is True
    assert found["X_FRAME_OPTIONS"] == "DENY"
    assert found["validators"] == [
        "UserAttributeSimilarityValidator", "MinimumLengthValidator",
        "CommonPasswordValidator", "NumericPasswordValidator"]
