"""Who reaches which request through the API: outside one's reach is 404, for every
method, and nothing is written."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from helpdesk.models import Attachment, Message
from helpdesk.requests import files, lifecycle

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def requests_(world, file_request):
    """One request per person, each with a reply and a screenshot."""
    made = {}
    for name, workspace in [("home_user", world.home_ws), ("acme_member", world.acme_member_ws),
                            ("acme_member2", world.acme_member2_ws),
                            ("acme_admin", world.acme_admin_ws), ("globex_admin", world.globex_ws)]:
        user = getattr(world, name)
        sr = file_request(user, workspace)
        lifecycle.add_reply(sr, by=user, body=f"More from {name}.")
        attachment = files.upload_attachment(
            sr, by=user, file=SimpleUploadedFile("screen.png", PNG, "image/png"))
        made[name] = (sr, attachment)
    return made


def _calls(client, sr, attachment):
    base = f"/api/v1/requests/{sr.reference}"
    return {
        "detail": client.get(f"{base}/"),
        "messages": client.get(f"{base}/messages/"),
        "reply": client.post(f"{base}/messages/", {"body": "Hi"}, format="json"),
        "files": client.get(f"{base}/attachments/"),
        "upload": client.post(f"{base}/attachments/",
                              {"file": SimpleUploadedFile("x.png", PNG)}, format="multipart"),
        "download": client.get(f"{base}/attachments/{attachment.pk}/download/"),
    }


OUT_OF_REACH = [
    ("acme_member", "acme_member2"),  # another member of the same company
    ("acme_member", "acme_admin"),
    ("acme_member", "globex_admin"),
    ("acme_member", "home_user"),
    ("acme_admin", "globex_admin"),
    ("acme_admin", "home_user"),  # a company admin does not reach anybody's home requests
    ("globex_admin", "acme_member"),
    ("home_user", "acme_member"),
    ("home_user", "acme_admin"),
    ("home_user", "globex_admin"),
]


@pytest.mark.parametrize(("caller", "owner"), OUT_OF_REACH)
def test_outside_ones_reach_everything_is_404(world, api, requests_, caller, owner):
    sr, attachment = requests_[owner]
    messages, files = Message.objects.count(), Attachment.objects.count()
    answers = _calls(api(getattr(world, caller)), sr, attachment)
    assert {name: r.status_code for name, r in answers.items()} == dict.fromkeys(answers, 404)
    assert (Message.objects.count(), Attachment.objects.count()) == (messages, files)


@pytest.mark.parametrize(("caller", "owner"), [
    ("acme_admin", "acme_member"), ("acme_admin", "acme_member2"),
    ("acme_member", "acme_member"), ("home_user", "home_user"),
    ("globex_admin", "globex_admin"),
])
def test_within_reach_everything_works(world, api, requests_, caller, owner):
    sr, attachment = requests_[owner]
    answers = _calls(api(getattr(world, caller)), sr, attachment)
    assert {name: r.status_code for name, r in answers.items()} == {
        "detail": 200, "messages": 200, "reply": 201, "files": 200, "upload": 201,
        "download": 200}


def test_an_attachment_is_reached_only_through_its_own_request(world, api, requests_):
    mine, _ = requests_["acme_member"]
    _, theirs = requests_["acme_member2"]
    response = api(world.acme_member).get(
        f"/api/v1/requests/{mine.reference}/attachments/{theirs.pk}/download/")
    assert response.status_code == 404


def test_a_guessed_reference_is_404(world, api, requests_):
    assert api(world.acme_member).get("/api/v1/requests/INC-2026-999999/").status_code == 404


def test_lists_hold_only_what_one_reaches(world, api, requests_):
    def refs(user):
        results = api(user).get("/api/v1/requests/").json()["results"]
        return {r["reference"] for r in results}

    ref = {name: sr.reference for name, (sr, _a) in requests_.items()}
    assert refs(world.acme_member) == {ref["acme_member"]}
    assert refs(world.acme_admin) == {ref["acme_member"], ref["acme_member2"], ref["acme_admin"]}
    assert refs(world.home_user) == {ref["home_user"]}
    assert refs(world.agent) == set(ref.values())
