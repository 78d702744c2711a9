"""Security headers on every page, and pages the Content-Security-Policy can hold to
`script-src 'self'`: no inline script, no event-handler attribute, no `javascript:` URL.

Every page is found from the URL resolver (tests/reliability/urls.py), so pages added later
are checked too. `check --deploy` of the production settings: tests/config/test_settings.py
(test_production_passes_the_deployment_checks).
"""

import json
import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.test import Client

from tests.accounts.factories import StaffFactory

from .urls import admin_pages, portal_pages
from .world import build_owned_world

pytestmark = pytest.mark.django_db

BASE_DIR = Path(__file__).resolve().parents[2]
SECRET = "h4Tq-8vLx2Rk9Nw3Zt7Ys1Bd6Fg0Jm5Pc-Qe2Ua7Wi9Oo1Ll3Kk5Hh7Gg9Ff1Ee3D"
PUBLIC_PAGES = ["/accounts/login/", "/accounts/signup/", "/accounts/password/reset/",
                "/rules/", "/feedback/thanks/"]
DATA_SCRIPT_TYPES = {"application/json", "application/ld+json"}


def csp(response) -> dict[str, list[str]]:
    header = response.headers.get("Content-Security-Policy", "")
    directives = {}
    for part in header.split(";"):
        if part.strip():
            name, *values = part.split()
            directives[name] = values
    return directives


class InlineCode(HTMLParser):
    """Collects what a strict CSP would block: inline scripts, on* handlers, javascript:."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_inline_script = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=...>")
            if name in ("href", "src", "action", "formaction") and (value or "").strip() \
                    .lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}={value!r}>")
        if tag == "script" and not attributes.get("src") and \
                attributes.get("type") not in DATA_SCRIPT_TYPES:
            self._in_inline_script = True

    def handle_data(self, data):
        if self._in_inline_script and data.strip():
            self.found.append(f"<script>{data.strip()[:80]}")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_inline_script = False


def assert_headers(response, url):
    headers = response.headers
    assert headers.get("X-Content-Type-Options") == "nosniff", url
    assert headers.get("Referrer-Policy") == "same-origin", url
    assert headers.get("X-Frame-Options") == "DENY", url
    policy = csp(response)
    assert policy.get("script-src") == ["'self'"], (url, policy)
    assert policy.get("default-src") == ["'self'"], (url, policy)
    assert policy.get("object-src") == ["'none'"], (url, policy)
    assert policy.get("frame-ancestors") == ["'none'"], (url, policy)
    assert policy.get("base-uri") == ["'self'"], (url, policy)
    for values in policy.values():
        assert "'unsafe-inline'" not in values and "'unsafe-eval'" not in values, url


def collect_pages():
    world = build_owned_world()
    staff = StaffFactory()
    pages = [(None, url) for url in PUBLIC_PAGES]
    pages += portal_pages(world)
    pages += [(staff, url) for url in admin_pages()]
    return pages


def test_every_page_has_the_security_headers_and_no_inline_code():
    clients: dict = {}
    checked, problems = [], []
    for user, url in collect_pages():
        if user not in clients:
            clients[user] = Client()
            if user is not None:
                clients[user].force_login(user)
        response = clients[user].get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        assert_headers(response, url)
        parser = InlineCode()
        parser.feed(response.content.decode())
        if parser.found:
            problems.append(f"{url}: {parser.found[:3]}")
        checked.append(url)
    assert not problems, "\n".join(problems)
    # The sweep reached the portals, the object pages and the admin.
    assert len(checked) > 80, checked
    for expected in ("/my/", "/company/acme/members/", "/admin/accounts/auditevent/"):
        assert expected in checked


@pytest.mark.parametrize("url", ["/api/v1/me/", "/api/schema/", "/healthz"])
def test_api_and_plain_answers_have_the_headers_too(client, url):
    from tests.accounts.factories import UserFactory

    client.force_login(UserFactory())
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_the_api_documentation_page_runs_without_inline_script(client):
    """The Swagger page (split view: its script is a file), under the same CSP."""
    response = client.get("/api/docs/")
    assert response.status_code == 200
    assert csp(response)["script-src"] == ["'self'"]
    parser = InlineCode()
    parser.feed(response.content.decode())
    assert not parser.found


PRODUCTION_REQUESTS = """
import json, os, django
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.production"
django.setup()
from django.test import Client
client = Client(HTTP_HOST="portal.example")
secure = client.get("/healthz", secure=True)
plain = client.get("/rules/")
print(json.dumps({
    "hsts": secure.headers.get("Strict-Transport-Security"),
    "secure_status": secure.status_code,
    "plain_status": plain.status_code,
    "plain_location": plain.headers.get("Location"),
}))
"""


def test_production_sends_hsts_and_redirects_plain_http_to_https(tmp_path):
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path),
        "DJANGO_ENV": "production", "SECRET_KEY": SECRET, "ALLOWED_HOSTS": "portal.example",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "BROKER_DIR": str(tmp_path / "broker"), "PRIVATE_MEDIA_ROOT": str(tmp_path / "p"),
    }
    result = subprocess.run([sys.executable, "-c", PRODUCTION_REQUESTS], cwd=BASE_DIR,
                            env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found["secure_status"] == 200
    assert found["hsts"] == "max-age=31536000; includeSubDomains; preload"
    assert found["plain_status"] == 301
    assert found["plain_location"] == "https://portal.example/rules/"
