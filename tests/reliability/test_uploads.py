"""Uploads under attack: oversize, a program renamed .pdf, HTML and SVG carrying script,
path-traversal and NUL-byte names, an empty file and a zip bomb, through the API and the
portal. Whatever happens, a file is never shown inline (downloads are attachments with
nosniff), never lands outside the private storage, is stored exactly as received (a zip is
never expanded), and an upload never costs memory in proportion to its size.

The single checks (size before reading, sniffed type, samples for staff only) are in
tests/helpdesk/test_attachments.py; this file runs the attack set end to end.
"""

import hashlib
import io
import tracemalloc
import zipfile
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.test.client import ClientHandler
from rest_framework.test import APIClient

from accounts.services import create_api_token
from accounts.workspace import Workspace
from helpdesk.models import Attachment
from helpdesk.requests import files, filing
from helpdesk.requests.storage import AttachmentRefused
from helpdesk.rules.services import load_published_rules
from licensing.models import RequestCategory
from tests.accounts.factories import UserFactory
from tests.licensing.factories import (
    ProductFactory,
    ProductVersionFactory,
    SupportPlanFactory,
    SystemRequirementFactory,
)

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 120 + b"This program cannot be run in DOS mode"
HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
       b"<script>alert(2)</script></svg>")
MB = 1024 * 1024


def zip_bomb(expanded: int = 64 * MB) -> bytes:
    """A small ZIP whose one member expands to `expanded` bytes of zeros."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive, \
            archive.open("zeros.bin", "w", force_zip64=True) as member:
        chunk = b"\x00" * MB
        for _ in range(expanded // MB):
            member.write(chunk)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return zip_bomb()


@pytest.fixture
def setup(db):
    load_published_rules()
    SupportPlanFactory()
    product = ProductFactory(code="home-premium")
    version = ProductVersionFactory(product=product, version="21.21")
    SystemRequirementFactory(version=version)
    user = UserFactory()
    workspace = Workspace(user=user)
    plain = filing.file_request(filing.RequestIntake.of(
        workspace=workspace, subject="Lost code", description="Order 123.",
        category=RequestCategory.objects.get(code="licence_recovery")), by=user)
    sample = filing.file_request(filing.RequestIntake.of(
        workspace=workspace, subject="False alarm", description="On my tool.",
        category=RequestCategory.objects.get(code="false_positive"), product=product,
        version=version, os="windows", os_version="11"), by=user)
    _token, key = create_api_token(user, name="uploads")
    api = APIClient()
    api.force_authenticate(user)
    portal = Client()
    portal.force_login(user)
    return SimpleNamespace(user=user, plain=plain, sample=sample, key=key, api=api,
                           portal=portal)


def private_root() -> Path:
    return Path(settings.PRIVATE_MEDIA_ROOT).resolve()


def stored_files() -> list[Path]:
    root = private_root()
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def api_upload(setup, request, name, content):
    return setup.api.post(f"/api/v1/requests/{request.reference}/attachments/",
                          {"file": SimpleUploadedFile(name, content)}, format="multipart")


def portal_upload(setup, request, name, content):
    return setup.portal.post(f"/my/requests/{request.reference}/upload/",
                             {"file": SimpleUploadedFile(name, content)})


REFUSED = [
    ("setup.pdf", EXE, "not accepted"),  # a program renamed
    ("page.html", HTML, "not accepted"),
    ("image.svg", SVG, "not accepted"),
    ("image.png", SVG, "not accepted"),  # SVG under a picture's name
    ("empty.txt", b"", "empty"),
]


@pytest.mark.parametrize(("name", "content", "message"), REFUSED)
@pytest.mark.parametrize("channel", ["api", "portal"])
def test_the_attack_set_is_refused_and_nothing_is_stored(setup, channel, name, content,
                                                         message):
    upload = api_upload if channel == "api" else portal_upload
    response = upload(setup, setup.plain, name, content)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Attachment.objects.exists()
    assert stored_files() == []


def test_an_oversize_file_is_refused_through_both_channels(setup, settings):
    settings.ATTACHMENT_MAX_BYTES = MB
    for upload in (api_upload, portal_upload):
        response = upload(setup, setup.plain, "big.png", PNG + b"\x00" * MB)
        assert response.status_code == 400
        assert "larger than the limit" in response.content.decode()
    assert not Attachment.objects.exists() and stored_files() == []


def multipart(name: str, content: bytes) -> tuple[bytes, str]:
    """A multipart body with the file name exactly as given (a browser or a script can
    send any bytes there; Django's test helpers would tidy the name first)."""
    boundary = "----attack-boundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"{name}\"\r\nContent-Type: text/plain\r\n\r\n").encode() + content \
        + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


BAD_NAMES = ["../../../../etc/passwd.txt", "..\\..\\boot.ini.txt", "/etc/cron.d/job.txt",
             "C:\\Windows\\win.ini.txt", "notes/../../x.txt", "..", ".", "report\x00.exe.txt",
             "line\r\nX-Injected: 1.txt", 'quote".txt']


@pytest.mark.parametrize("name", BAD_NAMES)
def test_a_crafted_name_is_refused_or_tidied_and_never_leaves_the_private_storage(
        setup, name, tmp_path):
    # Handed straight to the service, the name is refused: no folders, no control
    # characters, no quotes.
    with pytest.raises(AttachmentRefused):
        files.upload_attachment(setup.plain, by=setup.user,
                                   file=ContentFile(b"words\n", name=name))
    # Over HTTP, Django's parser keeps only the last part of a path and drops control
    # characters first; what is left is refused or stored under a random name.
    body, content_type = multipart(name, b"words\n")
    for client, url in ((setup.api, f"/api/v1/requests/{setup.plain.reference}/attachments/"),
                        (setup.portal, f"/my/requests/{setup.plain.reference}/upload/")):
        response = client.post(url, data=body, content_type=content_type)
        assert response.status_code in (201, 302, 400), response.content[:300]
    for attachment in Attachment.objects.all():
        shown = attachment.original_name
        assert not set(shown) & set("/\\\"\x00\r\n") and ".." not in shown, shown
        assert Path(attachment.file.path).resolve().is_relative_to(private_root())
        assert Path(attachment.file.name).name != shown  # stored under a random name
    for path in stored_files():
        assert path.resolve().is_relative_to(private_root())
    assert not [p for p in tmp_path.parent.rglob("*") if p.name in {
        "passwd.txt", "boot.ini.txt", "job.txt", "win.ini.txt", "x.txt"}]


def test_html_and_svg_under_a_text_name_are_refused_and_text_downloads_as_plain_text(setup):
    """Markup is not taken as a text file; what is taken as text is served as text/plain,
    as a download, never sniffed or rendered."""
    for name, content in (("page.txt", HTML), ("drawing.xml", SVG)):
        response = api_upload(setup, setup.plain, name, content)
        assert response.status_code == 400
        assert "holds HTML or SVG markup" in response.json()["errors"]["file"][0]
    text = b"12:00 scan started\n12:01 scan stopped at 40%\n"
    response = api_upload(setup, setup.plain, "scan.txt", text)
    assert response.status_code == 201, response.json()
    attachment = Attachment.objects.get(pk=response.json()["id"])
    assert attachment.content_type == "text/plain"
    for client, url in (
        (setup.api, f"/api/v1/requests/{setup.plain.reference}/attachments/"
                    f"{attachment.pk}/download/"),
        (setup.portal, f"/my/requests/{setup.plain.reference}/files/{attachment.pk}/"),
    ):
        download = client.get(url, HTTP_ACCEPT="text/html")
        assert download.status_code == 200, url
        assert download["Content-Type"].startswith("text/plain")
        assert download["Content-Disposition"].startswith("attachment;")
        assert download["X-Content-Type-Options"] == "nosniff"
        assert b"".join(download.streaming_content) == text


def test_a_zip_bomb_is_stored_as_received_never_expanded(setup, bomb):
    assert len(bomb) < MB  # 64 MB of zeros inside
    for request in (setup.plain, setup.sample):
        response = api_upload(setup, request, "logs.zip", bomb)
        assert response.status_code == 201, response.json()
        body = response.json()
        assert body["size"] == len(bomb)
        assert body["sha256"] == hashlib.sha256(bomb).hexdigest()
    files = stored_files()
    assert len(files) == 2
    assert all(path.read_bytes() == bomb for path in files)
    assert sum(path.stat().st_size for path in files) == 2 * len(bomb)
    sample = Attachment.objects.get(is_sample=True)
    # A sample is listed to its customer as metadata only: no download.
    listed = setup.api.get(f"/api/v1/requests/{setup.sample.reference}/attachments/").json()
    assert [a["download_url"] for a in listed["results"]] == [None]
    assert setup.api.get(f"/api/v1/requests/{setup.sample.reference}/attachments/"
                         f"{sample.pk}/download/").status_code == 404


class StreamedUpload:
    """A multipart/form-data body made on the fly, so the test itself never holds it."""

    BOUNDARY = "----reliability-upload-boundary"

    def __init__(self, size: int, name: str = "big.png"):
        self.head = (f"--{self.BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; "
                     f"filename=\"{name}\"\r\nContent-Type: image/png\r\n\r\n").encode() + PNG
        self.tail = f"\r\n--{self.BOUNDARY}--\r\n".encode()
        self.body_size = size - len(PNG)
        self.length = len(self.head) + self.body_size + len(self.tail)
        self.position = 0

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            size = self.length - self.position
        out = bytearray()
        while size > 0 and self.position < self.length:
            p = self.position
            if p < len(self.head):
                piece = self.head[p:p + size]
            elif p < len(self.head) + self.body_size:
                piece = b"\x00" * min(size, len(self.head) + self.body_size - p)
            else:
                offset = p - len(self.head) - self.body_size
                piece = self.tail[offset:offset + size]
            out += piece
            self.position += len(piece)
            size -= len(piece)
        return bytes(out)

    def readline(self, size: int = -1) -> bytes:
        return self.read(size)


def send_streamed(setup, size: int):
    """POST a `size`-byte file to the API through Django's WSGI handling, measuring the
    memory Python allocates meanwhile; returns (response, peak bytes)."""
    body = StreamedUpload(size)
    environ = {
        "REQUEST_METHOD": "POST", "SCRIPT_NAME": "", "QUERY_STRING": "",
        "PATH_INFO": f"/api/v1/requests/{setup.plain.reference}/attachments/",
        "SERVER_NAME": "testserver", "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "testserver", "REMOTE_ADDR": "127.0.0.1",
        "HTTP_AUTHORIZATION": f"Token {setup.key}",
        "CONTENT_TYPE": f"multipart/form-data; boundary={StreamedUpload.BOUNDARY}",
        "CONTENT_LENGTH": str(body.length),
        "wsgi.input": body, "wsgi.errors": io.StringIO(), "wsgi.url_scheme": "http",
        "wsgi.version": (1, 0), "wsgi.multithread": False, "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    handler = ClientHandler(enforce_csrf_checks=False)
    tracemalloc.start()
    try:
        response = handler(environ)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return response, peak


def test_a_large_upload_streams_through_in_small_memory(setup, settings):
    settings.ATTACHMENT_MAX_BYTES = 40 * MB
    send_streamed(setup, 64 * 1024)  # warm up: imports and first queries
    Attachment.objects.all().delete()
    for path in stored_files():
        path.unlink()
    size = 32 * MB
    response, peak = send_streamed(setup, size)
    assert response.status_code == 201, response.content[:500]
    attachment = Attachment.objects.get()
    assert attachment.size == size
    assert peak < 4 * MB, f"peak {peak / MB:.1f} MB for a {size // MB} MB upload"
    [stored] = stored_files()
    assert stored.stat().st_size == size


def test_an_oversize_upload_is_dropped_as_it_streams_in_small_memory(setup, settings):
    settings.ATTACHMENT_MAX_BYTES = 8 * MB
    send_streamed(setup, 64 * 1024)
    Attachment.objects.all().delete()
    for path in stored_files():
        path.unlink()
    response, peak = send_streamed(setup, 48 * MB)
    assert response.status_code == 400
    assert b"larger than the limit" in response.content
    assert peak < 4 * MB, f"peak {peak / MB:.1f} MB for a 48 MB upload"
    assert not Attachment.objects.exists() and stored_files() == []
