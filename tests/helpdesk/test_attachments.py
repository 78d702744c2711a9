"""Files (DESIGN.md section 6): checks before storing, private storage, downloads, and
malware samples handed to staff only inside an encrypted ZIP."""

import hashlib
import io
from datetime import timedelta
from pathlib import Path

import pytest
import pyzipper
from django.conf import settings
from django.core.files.base import ContentFile, File
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.utils import timezone

from accounts.errors import InvalidState, NotAllowed
from accounts.models import AuditEvent
from helpdesk import tasks
from helpdesk.models import Attachment, Message, SupportRequest
from helpdesk.requests import files, lifecycle
from helpdesk.requests.storage import AttachmentRefused

from .conftest import kinds

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 120 + b"This program cannot be run in DOS mode"


def _stored_files() -> list[Path]:
    root = Path(settings.PRIVATE_MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _upload(client, sr, upload, **data):
    return client.post(f"/api/v1/requests/{sr.reference}/attachments/",
                       {"file": upload, **data}, format="multipart")


@pytest.fixture
def sr(world, file_request):
    sr = file_request()
    lifecycle.add_reply(sr, by=world.home_user, body="Screenshot follows.")
    return sr


def test_an_image_is_stored_privately_under_a_random_name(world, api, sr):
    response = _upload(api(world.home_user), sr,
                       SimpleUploadedFile("My Screen shot.png", PNG, "text/html"))
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["name"] == "My Screen shot.png"
    assert body["content_type"] == "image/png"  # sniffed, not the client's claim
    assert body["sha256"] == hashlib.sha256(PNG).hexdigest() and body["size"] == len(PNG)
    [stored] = _stored_files()
    assert "Screen" not in str(stored) and stored.read_bytes() == PNG
    assert "attachments" in stored.parts
    assert kinds(sr)[-1] == "attachment_added"


def test_a_download_is_an_attachment_never_sniffed(world, api, sr):
    attachment = files.upload_attachment(
        sr, by=world.home_user, file=SimpleUploadedFile("trace.log", b"12:00 scan started\n"))
    assert attachment.content_type == "text/plain"
    response = api(world.home_user).get(
        f"/api/v1/requests/{sr.reference}/attachments/{attachment.pk}/download/",
        HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert 'filename="trace.log"' in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == b"12:00 scan started\n"


def _nothing_changed(sr, messages_before):
    assert not Attachment.objects.exists()
    assert not _stored_files()
    assert Message.objects.filter(request=sr).count() == messages_before
    assert SupportRequest.objects.get(pk=sr.pk).status == sr.status


def test_a_26_mb_file_is_refused_before_it_is_read(world, sr):
    upload = TemporaryUploadedFile("big.zip", "application/zip", 0, None)
    upload.seek(26 * 1024 * 1024 - 1)  # a sparse file: 26 MB on paper, nothing in memory
    upload.write(b"\0")
    upload.size = 26 * 1024 * 1024
    upload.seek(0)
    before = Message.objects.filter(request=sr).count()
    with pytest.raises(AttachmentRefused, match="larger than the limit of 25"):
        files.upload_attachment(sr, by=world.home_user, file=upload)
    _nothing_changed(sr, before)
    upload.close()


def test_an_oversize_upload_is_dropped_while_it_streams_in(world, api, sr, settings):
    settings.ATTACHMENT_MAX_BYTES = 1024
    before = Message.objects.filter(request=sr).count()
    response = _upload(api(world.home_user), sr, SimpleUploadedFile("big.png", PNG * 40))
    assert response.status_code == 400
    assert "larger than the limit" in response.json()["errors"]["file"][0]
    _nothing_changed(sr, before)


@pytest.mark.parametrize(("name", "content", "message"), [
    ("setup.exe", EXE, "type of file is not accepted"),
    ("page.html", b"<html><script>alert(1)</script></html>", "type of file is not accepted"),
    ("notes.txt", b"", "empty"),
    ("report.log", b"\x00\x01\x02binary\xff\xfe" * 10, "type of file is not accepted"),
])
def test_refused_files_through_the_api(world, api, sr, name, content, message):
    before = Message.objects.filter(request=sr).count()
    response = _upload(api(world.home_user), sr, SimpleUploadedFile(name, content))
    assert response.status_code == 400
    assert message in response.json()["errors"]["file"][0]
    _nothing_changed(sr, before)


def test_a_path_as_file_name_is_refused(world, sr):
    before = Message.objects.filter(request=sr).count()
    upload = File(io.BytesIO(b"root:x:0:0:root:/root:/bin/bash\n"), name="../../etc/passwd")
    with pytest.raises(AttachmentRefused, match="is not allowed"):
        files.upload_attachment(sr, by=world.home_user, file=upload)
    _nothing_changed(sr, before)


def test_a_path_as_file_name_is_refused_through_the_api(world, api, sr):
    # Sent raw, as a hostile client would: Django keeps only the last part ("passwd"),
    # which has no type we accept, so nothing is stored anywhere.
    before = Message.objects.filter(request=sr).count()
    boundary = "XyZ"
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="../../etc/passwd"\r\nContent-Type: text/plain\r\n\r\n'
            "root:x:0:0:root:/root:/bin/bash\n\r\n"
            f"--{boundary}--\r\n").encode()
    response = api(world.home_user).generic(
        "POST", f"/api/v1/requests/{sr.reference}/attachments/", body,
        content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 400
    assert response.json()["errors"]["file"]
    _nothing_changed(sr, before)


MARKUP_IN_TEXT = [
    ("notes.txt", b"<!DOCTYPE html><html><body>Click</body></html>"),
    ("picture.txt", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
    ("settings.xml", b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg">'
                     b"<script>alert(1)</script></svg>"),
    ("trace.log", b"12:00 scan started\n" * 8000 + b"<script>alert(1)</script>\n"),
    ("unicode.txt", "\ufeff<html><script>alert(1)</script></html>".encode("utf-16")),
]


@pytest.mark.parametrize(("name", "content"), MARKUP_IN_TEXT)
def test_markup_under_a_text_name_is_refused_through_the_api(world, api, sr, name, content):
    before = Message.objects.filter(request=sr).count()
    response = _upload(api(world.home_user), sr, SimpleUploadedFile(name, content))
    assert response.status_code == 400
    [error] = response.json()["errors"]["file"]
    assert f"“{name}” holds HTML or SVG markup" in error
    _nothing_changed(sr, before)


@pytest.mark.parametrize(("name", "content"), [
    ("settings.xml", b'<?xml version="1.0"?>\n<settings><scan depth="3"/></settings>\n'),
    ("compare.log", b"if size <limit> and a < b then html is fine as a word\n"),
])
def test_text_that_only_looks_a_little_like_markup_is_accepted(world, api, sr, name, content):
    response = _upload(api(world.home_user), sr, SimpleUploadedFile(name, content))
    assert response.status_code == 201, response.json()
    assert response.json()["content_type"] == "text/plain"


def test_a_folder_in_a_web_uploads_name_is_cut_off_by_django_before_the_check(world, api, sr):
    # What the check can and cannot see: from a form or the API only the last part of the
    # name arrives, without control characters, so the file is taken under that part.
    boundary = "XyZ"
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="../../notes\x01.txt"\r\nContent-Type: text/plain\r\n\r\n'
            "hello\n\r\n"
            f"--{boundary}--\r\n").encode()
    response = api(world.home_user).generic(
        "POST", f"/api/v1/requests/{sr.reference}/attachments/", body,
        content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 201, response.json()
    assert response.json()["name"] == "notes.txt"


@pytest.mark.parametrize("name", ["a\x00b.txt", "..\\notes.txt", "C:notes.txt", "a..b.txt"])
def test_names_that_arrive_whole_are_refused_and_shown_printable(world, sr, name):
    with pytest.raises(AttachmentRefused, match="may not contain") as refused:
        files.upload_attachment(sr, by=world.home_user,
                                file=ContentFile(b"hello\n", name=name))
    assert "\x00" not in refused.value.message


def test_customers_cannot_attach_to_a_closed_request(world, sr):
    lifecycle.resolve_request(sr, by=world.agent)
    lifecycle.close_request(sr, by=world.agent)
    with pytest.raises(InvalidState):
        files.upload_attachment(sr, by=world.home_user,
                                   file=ContentFile(PNG, name="late.png"))


def test_a_file_on_an_internal_note_is_staff_only(world, api, sr):
    note = lifecycle.add_reply(sr, by=world.agent, body="Our own analysis.", internal=True)
    attachment = files.upload_attachment(sr, by=world.agent, message=note,
                                            file=ContentFile(PNG, name="analysis.png"))
    client = api(world.home_user)
    assert client.get(f"/api/v1/requests/{sr.reference}/attachments/").json()["results"] == []
    assert client.get(f"/api/v1/requests/{sr.reference}/attachments/{attachment.pk}/"
                      "download/").status_code == 404
    with pytest.raises(NotAllowed):
        files.upload_attachment(sr, by=world.home_user, message=note,
                                   file=ContentFile(PNG, name="x.png"))


# Malware samples -----------------------------------------------------------------------

@pytest.fixture
def sample_request(world, file_request):
    return file_request(code="undetected_malware", subject="This file was not detected")


def test_an_exe_sample_is_accepted_kept_apart_and_never_served_to_the_customer(
        world, api, sample_request):
    client = api(world.home_user)
    response = _upload(client, sample_request, SimpleUploadedFile("dropper.exe", EXE))
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["is_sample"] is True and body["download_url"] is None
    assert (body["name"], body["size"], body["sha256"]) == (
        "dropper.exe", len(EXE), hashlib.sha256(EXE).hexdigest())
    [stored] = _stored_files()
    assert "samples" in stored.parts and stored.read_bytes() == EXE
    listed = client.get(f"/api/v1/requests/{sample_request.reference}/attachments/").json()
    assert listed["results"][0]["download_url"] is None
    download = client.get(f"/api/v1/requests/{sample_request.reference}/attachments/"
                          f"{body['id']}/download/")
    assert download.status_code == 404


def test_staff_download_a_sample_as_an_encrypted_zip_and_it_is_audited(
        world, api, sample_request):
    attachment = files.upload_attachment(sample_request, by=world.home_user,
                                            file=SimpleUploadedFile("dropper.exe", EXE))
    client = api(world.agent)
    listed = client.get(f"/api/v1/requests/{sample_request.reference}/attachments/").json()
    url = listed["results"][0]["download_url"]
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert 'filename="dropper.exe.zip"' in response["Content-Disposition"]
    data = b"".join(response.streaming_content)
    assert EXE not in data  # encrypted, not merely zipped
    with pyzipper.AESZipFile(io.BytesIO(data)) as archive:
        with pytest.raises(RuntimeError):
            archive.read("dropper.exe")  # no password
        archive.setpassword(b"infected")
        assert archive.read("dropper.exe") == EXE
    event = AuditEvent.objects.get(action="helpdesk.sample_downloaded")
    assert event.actor == world.agent and event.data["sha256"] == attachment.sha256
    assert "sample_downloaded" in kinds(sample_request)
    client.get(url)
    assert AuditEvent.objects.filter(action="helpdesk.sample_downloaded").count() == 2


def test_an_agent_outside_the_queue_cannot_download_a_sample(world, api, sample_request):
    attachment = files.upload_attachment(sample_request, by=world.home_user,
                                            file=SimpleUploadedFile("dropper.exe", EXE))
    response = api(world.outsider).get(f"/api/v1/requests/{sample_request.reference}/"
                                    f"attachments/{attachment.pk}/download/")
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action="helpdesk.sample_downloaded").exists()


def test_samples_are_purged_after_the_retention_period_once(
        world, sample_request, django_capture_on_commit_callbacks):
    attachment = files.upload_attachment(sample_request, by=world.home_user,
                                            file=SimpleUploadedFile("dropper.exe", EXE))
    recent = files.upload_attachment(sample_request, by=world.home_user,
                                        file=SimpleUploadedFile("other.bin", b"\x01" * 20))
    Attachment.objects.filter(pk=attachment.pk).update(
        created_at=timezone.now() - timedelta(days=settings.SAMPLE_RETENTION_DAYS + 1))
    # The file is deleted once the purge commits.
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.purge_expired_samples() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.purge_expired_samples() == 0
    attachment.refresh_from_db()
    assert attachment.purged_at is not None and attachment.file.name == ""
    assert attachment.sha256 == hashlib.sha256(EXE).hexdigest()  # metadata stays
    assert [p.read_bytes() for p in _stored_files()] == [b"\x01" * 20]
    events = sample_request.timeline.filter(kind="sample_purged")
    assert events.count() == 1 and events.get().data["attachment"] == attachment.pk
    recent.refresh_from_db()
    assert recent.purged_at is None
    with pytest.raises(InvalidState):
        files.download_sample(attachment, by=world.agent)
