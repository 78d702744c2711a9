"""Headers and threading of outbox emails.

A caller that wants its emails threaded gives each a `thread` key (any string it chooses,
e.g. one per request and recipient). Every email of a thread answers the one before it
(In-Reply-To) and names the thread's root and its latest emails (References), so mail
programs show the thread as one conversation. The root is a Message-ID made from the key:
it stays the same after the oldest rows are purged from the outbox.
"""

import hashlib

from .models import Notification, message_id_domain

# RFC 5322 lets References be trimmed to the first and the last few: the root and the
# latest emails are what mail programs thread on.
MAX_REFERENCES = 10


def thread_root(thread: str) -> str:
    digest = hashlib.sha256(thread.encode()).hexdigest()[:32]
    return f"<thread.{digest}@{message_id_domain()}>"


def thread_headers(notification: Notification) -> dict[str, str]:
    """In-Reply-To and References of an email of a thread: the emails written before it."""
    if not notification.thread:
        return {}
    earlier = list(
        Notification.objects.filter(thread=notification.thread, pk__lt=notification.pk)
        .exclude(message_id="").order_by("-pk")
        .values_list("message_id", flat=True)[:MAX_REFERENCES - 1]
    )[::-1]
    root = thread_root(notification.thread)
    return {"In-Reply-To": earlier[-1] if earlier else root,
            "References": " ".join([root, *earlier])}


def apply_headers(message, notification: Notification):
    """Put the row's Message-ID, its thread headers and the caller's headers on `message`
    (an EmailMessage about to be sent) and return it."""
    headers = {**thread_headers(notification), **notification.headers}
    if notification.message_id:
        headers["Message-ID"] = notification.message_id
    message.extra_headers.update({str(k): str(v) for k, v in headers.items()})
    return message
