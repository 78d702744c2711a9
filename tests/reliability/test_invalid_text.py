"""Text that is not valid Unicode is refused where it enters, under its field, in the
reader's language, on every face: a JSON body, a form post, a query string. Nothing echoes
it back, so nothing answers 500."""

import json

import pytest
from django.test import Client
from django.utils import translation
from rest_framework.test import APIClient

from accounts.text_input import NOT_UNICODE

pytestmark = pytest.mark.django_db

LONE_SURROGATE = "\udcff"
NOT_UTF8 = "%ED%B3%BF"  # the bytes of an encoded surrogate: not UTF-8


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def post_json(user, url, payload):
    # json.dumps escapes the surrogate as "\udcff", as a client would send it.
    return api_for(user).post(url, data=json.dumps(payload), content_type="application/json")


FILING = {"workspace": "my", "category": "malfunction", "product": "home-premium",
          "version": "21.21", "os": "windows", "os_version": "11", "subject": "Scan stops",
          "description": "At 40 per cent.", "priority": "normal"}


@pytest.mark.parametrize(("url", "field"), [
    ("/api/v1/quotes/", "service"),
    ("/api/v1/eligibility/", "os"),
    ("/api/v1/requests/", "os"),
    ("/api/v1/requests/", "priority"),
    ("/api/v1/requests/", "subject"),
])
def test_a_lone_surrogate_in_a_json_field_is_refused_under_that_field(world, url, field):
    payload = {**FILING, "service": "remote-assistance", field: LONE_SURROGATE}
    response = post_json(world.home_user, url, payload)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["errors"] == {field: [str(NOT_UNICODE)]}


def test_a_lone_surrogate_deep_in_the_body_or_in_a_name_is_refused(world):
    response = post_json(world.home_user, "/api/v1/eligibility/",
                         {**FILING, "extra": {"notes": ["fine", "bad" + LONE_SURROGATE]}})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["extra"]
    response = post_json(world.home_user, "/api/v1/eligibility/", {**FILING, LONE_SURROGATE: "x"})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["non_field_errors"]


def test_a_query_string_that_is_not_utf8_is_refused(world):
    response = api_for(world.home_user).get(f"/api/v1/requests/?workspace={NOT_UTF8}")
    assert response.status_code == 400
    assert response.json()["errors"] == {"workspace": [str(NOT_UNICODE)]}
    client = Client()
    client.force_login(world.home_user)
    page = client.get(f"/my/requests/?q={NOT_UTF8}")
    assert page.status_code == 400
    assert "q" in page.content.decode()


@pytest.mark.parametrize("path", ["/api/v1/licences/", "/api/v1/quotes/", "/api/v1/requests/",
                                  "/api/v1/services/"])
def test_a_nul_in_a_query_string_is_refused_before_it_reaches_the_database(world, path):
    response = api_for(world.home_user).get(f"{path}?workspace=my%00&status=new%00")
    assert response.status_code == 400
    assert response.json()["errors"] == {"workspace": [str(NOT_UNICODE)]}


def test_a_form_post_that_is_not_utf8_is_refused_in_the_readers_language(world):
    client = Client()
    client.force_login(world.home_user)
    body = f"category=malfunction&subject={NOT_UTF8}&description=x&priority=normal"
    response = client.post("/my/requests/new/", data=body,
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    page = response.content.decode()
    assert "subject" in page and str(NOT_UNICODE) in page
    world.home_user.language = "ms"
    world.home_user.save(update_fields=["language"])
    response = client.post("/my/requests/new/", data=body,
                           content_type="application/x-www-form-urlencoded")
    with translation.override("ms"):
        malay = str(NOT_UNICODE)
    assert response.status_code == 400 and malay in response.content.decode()
