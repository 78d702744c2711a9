"""The API's common ground: personal tokens, errors, pagination, schema, docs, throttling."""

import hashlib
import re
from html.parser import HTMLParser
from io import StringIO

import pytest
import yaml
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework.throttling import UserRateThrottle

from accounts.models import ApiToken, AuditEvent
from tests.accounts.factories import ApiTokenFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def with_token(api, key):
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return api


def test_create_api_token_prints_only_the_key_and_stores_only_its_hash(api):
    user = UserFactory(email="dev@example.org")
    out = StringIO()
    call_command("create_api_token", "DEV@example.org", stdout=out)
    printed = out.getvalue()
    assert printed.count("\n") == 1
    key = printed.strip()
    assert re.fullmatch(r"[A-Za-z0-9_-]{40,}", key)

    token = ApiToken.objects.get(user=user)
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    stored = [str(value) for value in ApiToken.objects.filter(pk=token.pk).values().get()
              .values()]
    assert not any(key in value for value in stored)
    assert key not in str(list(AuditEvent.objects.values()))

    response = with_token(api, key).get("/api/v1/me/")
    assert response.status_code == 200
    assert response.json()["email"] == "dev@example.org"


def test_create_api_token_for_an_unknown_user_fails_clearly():
    with pytest.raises(CommandError, match=re.escape("nobody@example.org")):
        call_command("create_api_token", "nobody@example.org", stdout=StringIO())
    assert not ApiToken.objects.exists()


def test_revoked_or_wrong_token_gets_401_in_the_error_format(api):
    token = ApiTokenFactory()
    assert with_token(api, token.key).get("/api/v1/me/").status_code == 200
    token.revoked_at = timezone.now()
    token.save()
    response = with_token(api, token.key).get("/api/v1/me/")
    assert response.status_code == 401
    assert set(response.json()) == {"detail", "code", "errors"}
    assert with_token(api, "not-a-token").get("/api/v1/me/").status_code == 401


def test_token_of_a_deactivated_user_gets_401(api):
    token = ApiTokenFactory(user=UserFactory(is_active=False))
    assert with_token(api, token.key).get("/api/v1/me/").status_code == 401


def test_anonymous_caller_gets_401_not_data(api):
    response = api.get("/api/v1/me/")
    assert response.status_code in (401, 403)
    assert set(response.json()) == {"detail", "code", "errors"}


def test_token_endpoint_shows_a_new_key_once_and_never_in_the_list(api):
    user = UserFactory()
    api.force_authenticate(user)
    response = api.post("/api/v1/tokens/", {"name": "ci"}, format="json")
    assert response.status_code == 201
    key = response.json()["key"]
    assert ApiToken.objects.get(user=user).key_hash == ApiToken.hash_key(key)

    listed = api.get("/api/v1/tokens/").json()
    assert [t["name"] for t in listed["results"]] == ["ci"]
    assert all("key" not in t for t in listed["results"])
    assert key not in str(listed)

    api.force_authenticate(None)
    assert with_token(api, key).get("/api/v1/me/").status_code == 200


def test_token_creation_is_limited_per_person_and_hour(api, settings, time_machine):
    settings.API_TOKENS_PER_HOUR = 3
    user, other = UserFactory(), UserFactory()
    time_machine.move_to("2026-03-02 09:00:00+00:00", tick=False)
    api.force_authenticate(user)
    for n in range(3):
        assert api.post("/api/v1/tokens/", {"name": f"ci-{n}"}, format="json").status_code \
            == 201
    time_machine.move_to("2026-03-02 09:40:00+00:00", tick=False)
    refused = api.post("/api/v1/tokens/", {"name": "ci-3"}, format="json")
    assert refused.status_code == 429
    assert refused.json()["code"] == "rate_limited" and "name" in refused.json()["errors"]
    assert refused["Retry-After"] == str(20 * 60 + 1)
    client = Client()
    client.force_login(user)
    page = client.post("/my/tokens/", {"name": "portal"})
    assert page.status_code == 429 and "Too many API tokens" in page.content.decode()
    assert ApiToken.objects.filter(user=user).count() == 3
    assert AuditEvent.objects.filter(action="api_token.created", actor=user).count() == 3

    api.force_authenticate(other)  # the limit is per person
    assert api.post("/api/v1/tokens/", {"name": "ci"}, format="json").status_code == 201
    time_machine.move_to("2026-03-02 10:00:01+00:00", tick=False)  # an hour on
    api.force_authenticate(user)
    assert api.post("/api/v1/tokens/", {"name": "ci-3"}, format="json").status_code == 201


def test_revoking_through_the_api_stops_the_token(api):
    token = ApiTokenFactory()
    with_token(api, token.key)
    assert api.delete(f"/api/v1/tokens/{token.pk}/").status_code == 204
    assert api.get("/api/v1/me/").status_code == 401


def test_someone_elses_token_answers_404(api):
    other = ApiTokenFactory()
    with_token(api, ApiTokenFactory().key)
    assert api.delete(f"/api/v1/tokens/{other.pk}/").status_code == 404
    other.refresh_from_db()
    assert other.revoked_at is None


def test_page_size_is_capped_at_100(api):
    user = UserFactory()
    ApiToken.objects.bulk_create(
        ApiToken(user=user, name=f"t{i}", prefix="x", key_hash=f"{i:064d}") for i in range(105)
    )
    api.force_authenticate(user)
    body = api.get("/api/v1/tokens/?page_size=1000").json()
    assert body["count"] == 105
    assert len(body["results"]) == 100
    assert body["next"] is not None
    second = api.get(body["next"]).json()
    assert len(second["results"]) == 5 and second["next"] is None
    assert len(api.get("/api/v1/tokens/?page_size=7").json()["results"]) == 7
    assert len(api.get("/api/v1/tokens/").json()["results"]) == 25


@pytest.mark.parametrize("page_size", ["null", "0", "-3", "abc", "1.5", "", "\u0663"])
def test_a_page_size_that_is_not_a_whole_number_from_1_is_refused(api, page_size):
    api.force_authenticate(UserFactory())
    response = api.get("/api/v1/tokens/", {"page_size": page_size})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["page_size"]


@pytest.mark.parametrize("page", [" 1", "+1", "1_0", "last", "1.0", "\u0661"])
def test_a_page_that_is_not_written_in_digits_is_refused(api, page):
    api.force_authenticate(UserFactory())
    response = api.get("/api/v1/tokens/", {"page": page})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["page"]


def test_pages_are_still_numbered_from_1(api):
    api.force_authenticate(UserFactory())
    assert api.get("/api/v1/tokens/", {"page": "1"}).status_code == 200
    assert api.get("/api/v1/tokens/", {"page": "0"}).status_code == 404


def test_the_schema_says_what_page_sizes_are_taken_and_that_lists_may_answer_400(api):
    schema = api.get("/api/schema/?format=json").json()
    operation = schema["paths"]["/api/v1/tokens/"]["get"]
    page_size = next(p for p in operation["parameters"] if p["name"] == "page_size")
    assert page_size["schema"] == {"type": "integer", "minimum": 1}
    assert "400" in operation["responses"]


def test_validation_errors_are_json_with_detail_and_errors_by_field(api):
    api.force_authenticate(UserFactory())
    response = api.post("/api/v1/tokens/", {"name": ""}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert isinstance(body["detail"], str) and body["detail"]
    assert list(body["errors"]) == ["name"]
    assert isinstance(body["errors"]["name"], list) and body["errors"]["name"][0]
    response = api.post("/api/v1/tokens/", {"name": "x" * 101}, format="json")
    assert list(response.json()["errors"]) == ["name"]


def test_malformed_json_is_a_400_in_the_error_format(api):
    api.force_authenticate(UserFactory())
    response = api.post("/api/v1/tokens/", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert set(response.json()) == {"detail", "code", "errors"}


def test_page_out_of_range_is_a_json_404(api):
    api.force_authenticate(UserFactory())
    response = api.get("/api/v1/tokens/?page=99")
    assert response.status_code == 404
    assert set(response.json()) == {"detail", "code", "errors"}


def test_unknown_api_url_answers_json_404(api):
    api.force_authenticate(UserFactory())
    for url in ("/api/v1/no-such-thing/", "/api/v2/me/"):
        response = api.get(url)
        assert response.status_code == 404
        assert response["Content-Type"].startswith("application/json")
        assert response.json() == {"detail": "Not found.", "code": "not_found", "errors": {}}


def test_session_login_works_for_the_api_and_needs_csrf_for_writes():
    user = UserFactory()
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.get("/api/v1/me/").json()["email"] == user.email
    response = client.post("/api/v1/tokens/", {"name": "x"}, format="json")
    assert response.status_code == 403
    assert not ApiToken.objects.exists()


def test_schema_is_openapi_3_and_describes_token_auth(api):
    response = api.get("/api/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/me/" in schema["paths"] and "/api/v1/tokens/" in schema["paths"]
    assert schema["components"]["securitySchemes"]["tokenAuth"]["name"] == "Authorization"
    as_json = api.get("/api/schema/?format=json")
    assert as_json.json()["openapi"] == schema["openapi"]


class Scripts(HTMLParser):
    def __init__(self):
        super().__init__()
        self.scripts: list[dict] = []
        self.inline_styles = 0
        self._in_script = False
        self.html_lang = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.html_lang = attrs.get("lang")
        if tag == "script":
            self.scripts.append({"src": attrs.get("src"), "body": ""})
            self._in_script = True
        if tag == "style" or "style" in attrs:
            self.inline_styles += 1

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts[-1]["body"] += data


def csp_directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def test_api_docs_work_under_a_strict_content_security_policy(client):
    response = client.get("/api/docs/", HTTP_ACCEPT_LANGUAGE="ms")
    assert response.status_code == 200
    page = Scripts()
    page.feed(response.content.decode())
    assert page.html_lang == "ms"
    assert page.scripts, "the docs page has no script at all"
    assert all(s["src"] and not s["body"].strip() for s in page.scripts), page.scripts
    assert page.inline_styles == 0

    policy = csp_directives(response["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]

    # Every script the page loads is there, served from this site.
    for script in page.scripts:
        assert script["src"].startswith("/")
        loaded = client.get(script["src"])
        assert loaded.status_code == 200, script["src"]
        body = b"".join(loaded.streaming_content) if loaded.streaming else loaded.content
        assert body.strip()


def test_throttling_allows_at_least_120_requests_a_minute_per_user(api):
    rate = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["user"]
    requests, seconds = UserRateThrottle().parse_rate(rate)
    assert requests / seconds * 60 >= 120
    assert "rest_framework.throttling.UserRateThrottle" in (
        settings.REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"])
    with_token(api, ApiTokenFactory().key)
    statuses = {api.get("/api/v1/me/").status_code for _ in range(125)}
    assert statuses == {200}
