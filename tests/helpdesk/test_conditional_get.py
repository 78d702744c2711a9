"""Conditional GET on a request's page and the API: a client that holds the current answer
gets 304 without the page being built; a change to the request, another user, another
language or another sign-in gets the page again."""

import pytest
from django.test import Client

from helpdesk.requests import lifecycle

pytestmark = pytest.mark.django_db


def _page(world, file_request):
    sr = file_request(world.acme_admin, world.acme_admin_ws, code="malfunction")
    return sr, f"/company/acme/requests/{sr.reference}/"


def test_the_request_page_answers_304_until_the_request_changes(world, file_request):
    sr, url = _page(world, file_request)
    client = Client()
    client.force_login(world.acme_admin)

    first = client.get(url)
    etag = first.headers["ETag"]
    assert first.status_code == 200
    assert "private" in first.headers["Cache-Control"]

    again = client.get(url, headers={"if-none-match": etag})
    assert again.status_code == 304
    assert again.content == b""

    lifecycle.add_reply(sr, by=world.agent, body="Please try the new build.")
    changed = client.get(url, headers={"if-none-match": etag})
    assert changed.status_code == 200
    assert b"Please try the new build." in changed.content
    assert changed.headers["ETag"] != etag


def test_a_flag_set_without_touching_the_request_row_changes_the_page(world, file_request):
    sr, url = _page(world, file_request)
    client = Client()
    client.force_login(world.acme_admin)
    etag = client.get(url).headers["ETag"]

    lifecycle.set_no_guarantee_flag(sr, by=world.agent, clause="4.4.1", note="Infected.")

    assert client.get(url, headers={"if-none-match": etag}).status_code == 200


def test_a_cached_page_never_crosses_users_or_languages(world, file_request):
    sr = file_request(world.acme_member, world.acme_member_ws, code="malfunction")
    url = f"/company/acme/requests/{sr.reference}/"
    admin, member = Client(), Client()
    admin.force_login(world.acme_admin)
    member.force_login(world.acme_member)
    etag = admin.get(url).headers["ETag"]
    member.get(url)

    assert member.get(url, headers={"if-none-match": etag}).status_code == 200
    assert admin.get(url, headers={"if-none-match": etag}).status_code == 304
    world.acme_admin.language = "ms"
    world.acme_admin.save()
    assert admin.get(url, headers={"if-none-match": etag}).status_code == 200


def test_a_new_sign_in_gets_the_page_again(world, file_request):
    """Signing in again rotates the CSRF token the page's forms carry."""
    _sr, url = _page(world, file_request)
    client = Client()
    client.force_login(world.acme_admin)
    etag = client.get(url).headers["ETag"]
    client.logout()
    client.force_login(world.acme_admin)

    assert client.get(url, headers={"if-none-match": etag}).status_code == 200


def test_a_page_out_of_reach_stays_404_with_any_tag(world, file_request):
    _sr, url = _page(world, file_request)
    client = Client()
    client.force_login(world.globex_admin)

    assert client.get(url, headers={"if-none-match": '"x"'}).status_code == 404


def test_the_api_detail_answers_304_until_a_reply(world, api, file_request):
    sr = file_request()
    client = api(world.home_user)
    url = f"/api/v1/requests/{sr.reference}/"
    first = client.get(url)
    etag = first.headers["ETag"]

    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert api(world.agent).get(url, HTTP_IF_NONE_MATCH=etag).status_code == 200

    lifecycle.add_reply(sr, by=world.agent, body="Fixed in 21.22.")
    changed = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed.json()["messages_count"] == first.json()["messages_count"] + 1


def test_the_api_list_answers_304_until_a_request_changes(world, api, file_request):
    sr = file_request()
    client = api(world.home_user)
    url = "/api/v1/requests/?page_size=50"
    etag = client.get(url).headers["ETag"]

    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert client.get(url + "&status=new", HTTP_IF_NONE_MATCH=etag).status_code == 200

    lifecycle.add_reply(sr, by=world.agent, body="Fixed in 21.22.")
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 200
