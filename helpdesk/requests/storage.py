"""Checking, storing and handing out files (DESIGN.md section 6).

The order matters: the declared size is checked before a byte is read, the name before
anything is stored, the type from the content (never from the client's name or header),
and the SHA-256 on the same pass over the chunks that sniffs the type. Files land in the
private storage under a random name; the client's name is kept only for display.
"""


import hashlib
import re
import tempfile
import unicodedata
import uuid
from dataclasses import dataclass
from pathlib import PurePath

import filetype
import pyzipper
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.errors import DomainError

SAMPLE_ZIP_PASSWORD = b"infected"  # the industry's convention for exchanging samples

# Sniffed types that are accepted, by MIME type as `filetype` names them.
ALLOWED_TYPES = {
    "image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp", "image/tiff",
    "application/pdf",
    "application/zip", "application/x-7z-compressed", "application/gzip",
    "application/x-rar-compressed", "application/x-tar",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
}
# Text has no magic number: these extensions are accepted when the content reads as text.
TEXT_EXTENSIONS = {".txt", ".log", ".csv", ".json", ".xml", ".ini", ".cfg", ".conf", ".reg",
                   ".md"}
TEXT_TYPE = "text/plain"
SNIFF_BYTES = 8192
CHUNK_SIZE = 64 * 1024
MAX_NAME_LENGTH = 150
_FORBIDDEN_NAME_CHARS = set('/\\:*?"<>|')


class AttachmentRefused(DomainError):
    """A file refused (size, type, name); nothing was stored."""

    def __init__(self, message: str, *, field: str = "file"):
        super().__init__(message, field=field)


@dataclass(frozen=True)
class StoredFile:
    name: str  # the storage name (random)
    original_name: str  # cleaned, for display
    size: int
    sha256: str
    content_type: str


def max_bytes() -> int:
    return settings.ATTACHMENT_MAX_BYTES


def too_large_message() -> str:
    return _("The file is larger than the limit of %(limit)s.") % {
        "limit": filesizeformat(max_bytes())}


def clean_name(raw) -> str:
    """The client's file name, checked and tidied for display; never used on disk.

    What reaches this check depends on the face. From a web form, the API or the admin,
    Django has already kept only the part after the last `/` or `\\` and dropped control
    characters (NUL included), so `../../etc/passwd` arrives as `passwd`. An email
    attachment's name arrives whole. Refused here: an empty name, `.` and `..`, a name
    containing `..`, a control or other non-printable character, or any of
    `/ \\ : * ? " < > |`. A name longer than MAX_NAME_LENGTH is shortened, keeping its
    extension.
    """
    name = unicodedata.normalize("NFC", str(raw or "")).strip()
    if not name:
        raise AttachmentRefused(_("The file has no name."))
    if (
        name in {".", ".."}
        or ".." in name
        or any(char in _FORBIDDEN_NAME_CHARS for char in name)
        or any(not char.isprintable() for char in name)
    ):
        shown = "".join(char if char.isprintable() else "?" for char in name[:80])
        raise AttachmentRefused(
            _("The file name “%(name)s” is not allowed: a file name may not contain “..”, "
              "control characters or any of / \\ : * ? \" < > |. Rename the file and "
              "send it again.") % {"name": shown}
        )
    if len(name) > MAX_NAME_LENGTH:
        suffix = PurePath(name).suffix[:20]
        name = name[: MAX_NAME_LENGTH - len(suffix)] + suffix
    return name


def _looks_like_text(head: bytes) -> bool:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 with a byte-order mark
        return True
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sniffed block is still text.
        return exc.start >= len(head) - 3
    return True


def sniff_type(head: bytes, name: str) -> str | None:
    """The type of the content, or None when it is not one we accept."""
    kind = filetype.guess(head)
    if kind is not None:
        return kind.mime if kind.mime in ALLOWED_TYPES else None
    if PurePath(name).suffix.lower() in TEXT_EXTENSIONS and _looks_like_text(head):
        return TEXT_TYPE
    return None


# What a browser would take for a web page or an image with scripts: a text file holding
# any of these is refused, wherever in the file it is.
_MARKUP = re.compile(
    rb"<\s*(?:!doctype\s+html|html|head|body|script|iframe|frame|frameset|object|embed|"
    rb"svg|math|style|link|meta|base|form|img|title)[\s/>]",
    re.IGNORECASE)
_MARKUP_OVERLAP = 64  # a tag cut between two chunks is still found


def _declared_size(upload) -> int | None:
    size = getattr(upload, "size", None)
    return int(size) if size is not None else None


def check_and_store(upload, *, is_sample: bool) -> StoredFile:
    """Check `upload` (an UploadedFile or a File) and store it; AttachmentRefused if not.

    Samples skip the type allow-list (a sample is whatever the customer found) and go to
    their own folder, stored exactly as received.
    """
    limit = max_bytes()
    declared = _declared_size(upload)
    # The upload handler already put the body on disk (or in memory for small files) and
    # knows its size: refuse before reading any of it.
    if declared is not None and declared > limit:
        raise AttachmentRefused(too_large_message())
    if declared == 0:
        raise AttachmentRefused(_("The file is empty."))
    original_name = clean_name(getattr(upload, "name", ""))

    digest = hashlib.sha256()
    head = b""
    size = 0
    has_markup, tail = False, b""
    upload.seek(0)
    for chunk in upload.chunks(CHUNK_SIZE):
        size += len(chunk)
        if size > limit:  # the declared size can be wrong; the bytes are not
            raise AttachmentRefused(too_large_message())
        if len(head) < SNIFF_BYTES:
            head += chunk[: SNIFF_BYTES - len(head)]
        digest.update(chunk)
        # Without NULs, UTF-16 text reads as ASCII too.
        window = tail + chunk.replace(b"\x00", b"")
        has_markup = has_markup or _MARKUP.search(window) is not None
        tail = window[-_MARKUP_OVERLAP:]
    if size == 0:
        raise AttachmentRefused(_("The file is empty."))

    if is_sample:
        content_type = "application/octet-stream"
        sniffed = filetype.guess(head)
        if sniffed is not None:
            content_type = sniffed.mime
    else:
        content_type = sniff_type(head, original_name)
        if content_type is None:
            raise AttachmentRefused(_(
                "This type of file is not accepted. Send images, PDF, text or log files, "
                "or archives such as ZIP."
            ))
        if content_type == TEXT_TYPE and has_markup:
            raise AttachmentRefused(_(
                "“%(name)s” holds HTML or SVG markup, which is not accepted in a text file. "
                "Put it in a ZIP archive and send that instead.") % {"name": original_name[:80]})

    folder = "samples" if is_sample else "attachments"
    stored_name = f"{folder}/{timezone.now():%Y/%m}/{uuid.uuid4().hex}"
    upload.seek(0)
    stored_name = default_storage.save(stored_name, upload)
    return StoredFile(name=stored_name, original_name=original_name, size=size,
                      sha256=digest.hexdigest(), content_type=content_type)


def delete_stored(name: str) -> None:
    if name:
        default_storage.delete(name)


def open_stored(name: str):
    return default_storage.open(name, "rb")


def encrypted_sample_zip(attachment):
    """A temporary file holding the sample inside a ZIP encrypted (AES) with `infected`.

    Written in chunks to a spooled file, so a large sample never sits whole in memory.
    """
    spooled = tempfile.SpooledTemporaryFile(max_size=4 * 1024 * 1024)  # noqa: SIM115
    with pyzipper.AESZipFile(spooled, "w", compression=pyzipper.ZIP_DEFLATED,
                             encryption=pyzipper.WZ_AES) as archive:
        archive.setpassword(SAMPLE_ZIP_PASSWORD)
        with open_stored(attachment.file.name) as source, \
                archive.open(attachment.original_name, "w", force_zip64=True) as target:
            for chunk in iter(lambda: source.read(CHUNK_SIZE), b""):
                target.write(chunk)
    spooled.seek(0)
    return spooled


class AttachmentSizeLimitHandler(FileUploadHandler):
    """First in the upload handler chain: stops taking a file as soon as it passes the limit,
    so an oversize body is drained, never kept. The view reads `request.upload_too_large`
    to tell the uploader why the file is missing."""

    def __init__(self, request=None):
        super().__init__(request)
        self.limit = max_bytes()

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > self.limit:
            self.request.upload_too_large = True
            raise SkipFile
        return raw_data

    def file_complete(self, file_size):
        return None
