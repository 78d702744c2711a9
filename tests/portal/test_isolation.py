"""Tenant isolation: a request outside the caller's reach answers 404 on every portal URL
and for every method, and nothing is written."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from helpdesk.models import Attachment, Message
from helpdesk.requests.files import upload_attachment

pytestmark = pytest.mark.django_db

SUFFIXES = ["", "reply/", "upload/", "files/{file}/"]


@pytest.fixture
def rows(world, file_request):
    mine = file_request(world.home_user)
    member = file_request(world.acme_member, world.acme_member_ws)
    globex = file_request(world.globex_admin, world.globex_ws)
    files = {
        sr.reference: upload_attachment(
            sr, by=sr.requester, file=SimpleUploadedFile("log.txt", b"scan log\n")).pk
        for sr in (mine, member, globex)
    }
    return mine, member, globex, files


METHODS = ["get", "post", "put", "delete"]


def _hit(client, method, url):
    if method == "post":
        return client.post(url, {"body": "hello", "file": SimpleUploadedFile("x.txt", b"x\n")})
    return getattr(client, method)(url)


def _urls(prefix, sr, files):
    return [f"{prefix}requests/{sr.reference}/" + s.format(file=files[sr.reference])
            for s in SUFFIXES]


@pytest.mark.parametrize("method", METHODS)
def test_another_home_users_request_is_not_found(client, world, rows, method):
    mine, _member, _globex, files = rows
    client.force_login(world.other_home)
    before = (Message.objects.count(), Attachment.objects.count())
    for url in _urls("/my/", mine, files):
        assert _hit(client, method, url).status_code == 404, url
    assert (Message.objects.count(), Attachment.objects.count()) == before
    listing = client.get("/my/requests/").content.decode()
    assert mine.reference not in listing


@pytest.mark.parametrize("method", METHODS)
def test_another_companys_request_is_not_found(client, world, rows, method):
    _mine, member, globex, files = rows
    client.force_login(world.acme_admin)
    urls = (_urls("/company/acme/", globex, files) + _urls("/company/globex/", globex, files)
            + _urls("/my/", member, files))  # a company request is not in the home portal
    for url in urls:
        assert _hit(client, method, url).status_code == 404, url
    assert globex.reference not in client.get("/company/acme/requests/").content.decode()


@pytest.mark.parametrize("path", [
    "requests/", "requests/new/", "requests/new/check/", "requests/new/suggestions/",
])
@pytest.mark.parametrize("method", METHODS)
def test_a_company_one_is_not_in_is_not_found(client, world, path, method):
    client.force_login(world.home_user)
    response = getattr(client, method)(f"/company/acme/{path}")
    assert response.status_code == 404
    assert client.get(f"/company/no-such-company/{path}").status_code == 404


@pytest.mark.parametrize("method", METHODS)
def test_a_member_does_not_reach_a_colleagues_request(client, world, rows, method):
    _mine, member, _globex, files = rows
    client.force_login(world.acme_member2)
    for url in _urls("/company/acme/", member, files):
        assert _hit(client, method, url).status_code == 404, url
    assert member.reference not in client.get("/company/acme/requests/").content.decode()


def test_the_admin_reaches_every_company_request_and_its_files(client, world, rows):
    _mine, member, _globex, files = rows
    client.force_login(world.acme_admin)
    assert client.get(f"/company/acme/requests/{member.reference}/").status_code == 200
    download = client.get(f"/company/acme/requests/{member.reference}/files/"
                          f"{files[member.reference]}/")
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content) == b"scan log\n"


def test_signed_out_visitors_go_to_the_login_page(client, rows):
    mine, *_rest = rows
    for url in ["/my/requests/", "/my/requests/new/", f"/my/requests/{mine.reference}/"]:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    response = client.post(f"/my/requests/{mine.reference}/upload/",
                           {"file": SimpleUploadedFile("x.txt", b"x\n")})
    assert response.status_code == 302
    assert Attachment.objects.filter(request=mine).count() == 1


def test_upload_still_checks_csrf(world, rows):
    from django.test import Client

    mine, *_rest = rows
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.home_user)
    response = client.post(f"/my/requests/{mine.reference}/upload/",
                           {"file": SimpleUploadedFile("x.txt", b"x\n")})
    assert response.status_code == 403
    assert Attachment.objects.filter(request=mine).count() == 1
