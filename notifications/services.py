"""The outbox: write a notification now, deliver it after commit through Celery."""

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone

from .models import Notification
from .rendering import render_html, render_subject, render_text
from .sealing import seal, unseal
from .threading import apply_headers

logger = logging.getLogger(__name__)


def notify(to: str, template: str, context: dict, language: str = "en", *, thread: str = "",
           headers: dict | None = None, credentials: dict | None = None) -> Notification:
    """Queue the email `template` to `to`, rendered in `language` when it is sent.

    `context` must be JSON: ids, strings and numbers, never model instances. The row is
    written in the caller's transaction, so the email exists exactly when the change does.
    The emails of one `thread` key are threaded together; `headers` (strings) are put on
    the message as given (see `notifications.threading`). `credentials` are context too,
    but a link or code that lets the reader act as someone: stored sealed, never readable
    in the outbox (`notifications.sealing`).
    """
    notification = Notification.objects.create(
        to=to, template=template, context=context, language=language or "en",
        queued_at=timezone.now(), thread=thread, headers=headers or {},
        carries_credentials=bool(credentials),
        sealed=seal(credentials) if credentials else "",
    )
    _enqueue_after_commit(notification.pk)
    return notification


@dataclass(frozen=True)
class Email:
    """The arguments of one `notify` call, for `notify_many`."""

    to: str
    template: str
    context: dict
    language: str = "en"
    thread: str = ""
    headers: dict | None = None
    credentials: dict | None = None


def notify_many(emails: Iterable[Email]) -> list[Notification]:
    """`notify` for many emails at once: the same rows, written with one multi-row INSERT
    in the caller's transaction and handed to the broker after its commit, in order.

    For the batch work (surveys, SLA notices), where one INSERT per email was most of the
    cost."""
    now = timezone.now()
    rows = Notification.objects.bulk_create([
        Notification(to=email.to, template=email.template, context=email.context,
                     language=email.language or "en", queued_at=now, thread=email.thread,
                     headers=email.headers or {}, carries_credentials=bool(email.credentials),
                     sealed=seal(email.credentials) if email.credentials else "")
        for email in emails
    ])
    if rows:
        ids = [row.pk for row in rows]
        transaction.on_commit(lambda: _enqueue_each(ids))
    return rows


def _enqueue_each(notification_ids: list[int]) -> None:
    for notification_id in notification_ids:
        enqueue_delivery(notification_id)


def queue_message(message: EmailMessage, language: str = "en", *,
                  carries_credentials: bool = False) -> list[Notification]:
    """Queue an already rendered message (allauth's), one row per recipient. The bodies of
    a message that `carries_credentials` are stored sealed (`notifications.sealing`)."""
    html = ""
    if isinstance(message, EmailMultiAlternatives):
        html = next((body for body, mime in message.alternatives if mime == "text/html"), "")
    bodies = {"body_text": message.body, "body_html": html}
    if carries_credentials:
        bodies = {"body_text": "", "body_html": "", "sealed": seal(bodies)}
    now = timezone.now()
    rows = [
        Notification.objects.create(
            to=recipient, language=language, subject=str(message.subject), queued_at=now,
            carries_credentials=carries_credentials, **bodies,
        )
        for recipient in message.to
    ]
    for row in rows:
        _enqueue_after_commit(row.pk)
    return rows


def _enqueue_after_commit(notification_id: int) -> None:
    transaction.on_commit(lambda: enqueue_delivery(notification_id))


def enqueue_delivery(notification_id: int) -> bool:
    """Hand one notification to the broker; no database write (the row's `queued_at` is set
    when it is written, and by the re-scan). A broker outage is logged, not raised: the row
    stays pending and the re-scan queues it again, so the user's action never fails."""
    from .tasks import deliver_notification

    try:
        deliver_notification.apply_async((notification_id,), retry=False)
    except Exception:
        logger.warning("Broker unavailable; notification %s stays queued", notification_id,
                       exc_info=True)
        return False
    return True


class TemporaryDeliveryError(Exception):
    """The mail server could not take the message now; the task retries with backoff."""


def render(notification: Notification) -> EmailMultiAlternatives:
    from django.conf import settings
    from django.utils import translation

    sealed = unseal(notification.sealed) if notification.sealed else {}
    if notification.template:
        context = {
            **notification.context,
            **sealed,
            "site_url": settings.SITE_URL,
            "site_name": settings.SITE_NAME,
        }
        base = f"emails/{notification.template}"
        with translation.override(notification.language):
            # No request, so no context processor: the layout's `<html lang>` comes from here.
            context["LANGUAGE_CODE"] = translation.get_language()
            subject = render_subject(f"{base}/subject.txt", context)
            text = render_text(f"{base}/body.txt", context)
            html = render_html(f"{base}/body.html", context)
    else:
        subject = notification.subject
        text = sealed.get("body_text", notification.body_text)
        html = sealed.get("body_html", notification.body_html)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[notification.to])
    if html:
        message.attach_alternative(html, "text/html")
    return message


def deliver(notification_id: int) -> bool:
    """Send one pending notification at most once; True when this call sent it.

    The row is claimed under `select_for_update(skip_locked=True)`, so a redelivered or
    re-queued task finds it locked or already sent and does nothing.
    """
    from django.conf import settings

    temporary_error = None
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(skip_locked=True)
            .filter(pk=notification_id, status=Notification.Status.PENDING)
            .first()
        )
        if notification is None:
            return False
        notification.attempts += 1
        try:
            message = apply_headers(render(notification), notification)
        except Exception as exc:
            logger.exception("Notification %s cannot be rendered", notification_id)
            notification.status = Notification.Status.FAILED
            notification.last_error = f"render: {exc}"[:2000]
            notification.save(update_fields=["status", "attempts", "last_error"])
            return False
        try:
            message.send()
        except OSError as exc:  # smtplib.SMTPException and socket errors are OSErrors
            notification.last_error = str(exc)[:2000]
            if notification.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS:
                notification.status = Notification.Status.FAILED
                logger.error("Notification %s failed for good: %s", notification_id, exc)
            else:
                temporary_error = exc
            notification.save(update_fields=["status", "attempts", "last_error"])
            if temporary_error is None:
                return False
        except Exception as exc:
            # Not the mail server being away (a header the backend refuses, say): sending
            # again cannot help, so it fails now instead of being re-queued for ever.
            logger.exception("Notification %s cannot be sent", notification_id)
            notification.status = Notification.Status.FAILED
            notification.last_error = f"send: {exc}"[:2000]
            notification.save(update_fields=["status", "attempts", "last_error"])
            return False
        else:
            notification.status = Notification.Status.SENT
            notification.sent_at = timezone.now()
            notification.sealed = ""  # sent: the link is the recipient's alone now
            notification.save(update_fields=["status", "attempts", "sent_at", "sealed"])
    if temporary_error is not None:
        raise TemporaryDeliveryError(str(temporary_error)) from temporary_error
    return True


def requeue_pending(older_than, limit: int = 1000) -> int:
    """Queue again what is still pending and was last queued before `older_than` (the
    broker was down, or a worker died with it). Their `queued_at` is moved on in one
    UPDATE, so the next re-scan leaves them alone for a while even if the broker is still
    away. Returns how many were handed to the broker."""
    stale = list(
        Notification.objects.pending()
        .filter(created_at__lt=older_than)
        .exclude(queued_at__gte=older_than)
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    if not stale:
        return 0
    Notification.objects.filter(pk__in=stale, status=Notification.Status.PENDING).update(
        queued_at=timezone.now()
    )
    return sum(enqueue_delivery(pk) for pk in stale)
