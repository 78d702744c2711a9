"""Polling a mailbox over IMAP (IMAP_URL): each new message is stored, then moved out of
the way, then processed by the worker.

Messages are fetched by UID without being marked read. A message is moved to
IMAP_PROCESSED_FOLDER only once it is committed to the database, so a crash in between
leaves it in the mailbox, and the next poll stores it again as the same message (its
Message-ID), which changes nothing, and then moves it.
"""

from __future__ import annotations

import logging
import ssl
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from imap_tools import MailBox, MailBoxUnencrypted, MailMessage
from imap_tools.errors import MailboxFolderCreateError

from .inbound import receive
from .models import InboundEmail

logger = logging.getLogger(__name__)

BATCH = 50  # messages per poll: a large backlog is worked off over a few polls
TIMEOUT = 30  # seconds for the connection and each command


@dataclass(frozen=True)
class ImapSettings:
    scheme: str
    host: str
    port: int
    username: str
    password: str
    folder: str


def imap_settings(url: str) -> ImapSettings:
    """`imaps://user:password@host:993/INBOX` (TLS), or `imap://...:143/INBOX` (STARTTLS
    when the server offers it, else plain, for a server on the same host)."""
    parts = urlsplit(url)
    if parts.scheme not in ("imap", "imaps") or not parts.hostname or not parts.username:
        raise ImproperlyConfigured(
            "IMAP_URL must look like imaps://user:password@host:993/INBOX")
    return ImapSettings(
        scheme=parts.scheme, host=parts.hostname,
        port=parts.port or (993 if parts.scheme == "imaps" else 143),
        username=unquote(parts.username), password=unquote(parts.password or ""),
        folder=unquote(parts.path.lstrip("/")) or "INBOX")


class _RawMessage(MailMessage):
    """A fetched message kept as the exact bytes the server holds (imap-tools would parse
    and re-serialise it)."""

    def __init__(self, fetch_data):
        raw, uid_data, flag_data = self._get_message_data_parts(fetch_data)
        self._raw_uid_data, self._raw_flag_data = uid_data, flag_data
        self.raw = raw


def _ssl_context() -> ssl.SSLContext:
    return ssl.create_default_context(cafile=settings.IMAP_CA_FILE or None)


def _mailbox(config: ImapSettings):
    if config.scheme == "imaps":
        box = MailBox(config.host, config.port, timeout=TIMEOUT, ssl_context=_ssl_context())
    else:
        box = MailBoxUnencrypted(config.host, config.port, timeout=TIMEOUT)
        if "STARTTLS" in box.client.capabilities:
            box.client.starttls(_ssl_context())
    box.email_message_class = _RawMessage
    return box


def poll(url: str | None = None, *, limit: int = BATCH) -> int:
    """Store and move up to `limit` messages of the mailbox; returns how many were new."""
    config = imap_settings(url or settings.IMAP_URL)
    processed_folder = settings.IMAP_PROCESSED_FOLDER
    stored = 0
    with _mailbox(config).login(config.username, config.password,
                                initial_folder=config.folder) as box:
        _ensure_folder(box, processed_folder)
        box.folder.set(config.folder)
        uids = box.uids("ALL")[:limit]
        done = []
        for message in _fetch(box, uids):
            # Committed here (and handed to the worker) before the message is moved.
            _row, created = receive(message.raw, transport=InboundEmail.Transport.IMAP,
                                    size=message.size_rfc822 or None)
            stored += created
            done.append(message.uid)
        if done:
            box.move(done, processed_folder)
    if stored:
        logger.info("Stored %s new emails from %s", stored, config.host)
    return stored


def _fetch(box, uids: list[str]):
    """The messages of `uids`, whole, except those over INBOUND_EMAIL_MAX_BYTES, of which
    only the header is fetched: a huge message is never held in memory."""
    if not uids:
        return
    heads = list(box.fetch(uid_list=uids, mark_seen=False, headers_only=True, bulk=50))
    limit = settings.INBOUND_EMAIL_MAX_BYTES
    too_large = {m.uid for m in heads if (m.size_rfc822 or 0) > limit}
    yield from (m for m in heads if m.uid in too_large)
    whole = [uid for uid in uids if uid not in too_large]
    if whole:
        yield from box.fetch(uid_list=whole, mark_seen=False, bulk=10)


def _ensure_folder(box, name: str) -> None:
    if not box.folder.exists(name):
        try:
            box.folder.create(name)
        except MailboxFolderCreateError:  # made meanwhile by another poll
            if not box.folder.exists(name):
                raise
