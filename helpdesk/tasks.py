"""Beat tasks of the request lifecycle. Each finds candidate ids with an indexed query and
hands them one by one to a service that re-checks the condition under a row lock, so two
overlapping runs (or a run repeated after a crash) never act twice on a request."""

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from .email import imap, inbound
from .models import Attachment, SupportRequest
from .requests import timed
from .sla import sweep

BATCH = 500
Status = SupportRequest.Status


def _ids(queryset) -> list[int]:
    return list(queryset.order_by("pk").values_list("pk", flat=True)[:BATCH])


@shared_task
def close_resolved_requests() -> int:
    """Close resolved requests whose reopen window has ended."""
    now = timezone.now()
    ids = _ids(SupportRequest.objects.filter(
        status=Status.RESOLVED,
        resolved_at__lte=now - timedelta(days=settings.REOPEN_WINDOW_DAYS)))
    return sum(timed.close_after_reopen_window(pk, now=now) for pk in ids)


@shared_task
def remind_waiting_customers() -> int:
    """One reminder to each customer silent for WAITING_REMINDER_DAYS."""
    now = timezone.now()
    ids = _ids(SupportRequest.objects.filter(
        status=Status.WAITING_ON_CUSTOMER, reminded_at__isnull=True,
        waiting_since__lte=now - timedelta(days=settings.WAITING_REMINDER_DAYS)))
    return sum(timed.send_waiting_reminder(pk, now=now) for pk in ids)


@shared_task
def close_silent_requests() -> int:
    """Close as "no response" (6.4) the requests whose customer stayed silent."""
    now = timezone.now()
    ids = _ids(SupportRequest.objects.filter(
        status=Status.WAITING_ON_CUSTOMER, reminded_at__isnull=False,
        waiting_since__lte=now - timedelta(days=settings.WAITING_CLOSE_DAYS)))
    return sum(timed.close_for_no_response(pk, now=now) for pk in ids)


@shared_task
def purge_expired_samples() -> int:
    """Delete malware samples kept longer than SAMPLE_RETENTION_DAYS."""
    now = timezone.now()
    ids = _ids(Attachment.objects.filter(
        is_sample=True, purged_at__isnull=True,
        created_at__lte=now - timedelta(days=settings.SAMPLE_RETENTION_DAYS)))
    return sum(timed.purge_sample(pk, now=now) for pk in ids)


@shared_task
def sweep_sla() -> int:
    """Reminders at SLA_REMINDER_SHARE of a paid plan's target, escalations at its breach;
    each at most once (see `helpdesk.sweep.sweep`)."""
    return sweep.sweep()


# The email channel ------------------------------------------------------------------------

@shared_task(acks_late=True)
def process_inbound_email(inbound_email_id: int) -> bool:
    """Process one stored email; a repeated task finds it processed and does nothing."""
    return inbound.process_stored_message(inbound_email_id)


@shared_task
def requeue_inbound_emails() -> int:
    """Hand out again the stored emails still waiting after INBOUND_EMAIL_REQUEUE_AFTER (the
    broker was down when they came, or a worker died with them)."""
    return inbound.requeue_unprocessed(timezone.now() - settings.INBOUND_EMAIL_REQUEUE_AFTER)


@shared_task
def poll_inbound_mailbox() -> int:
    """Store the new messages of the IMAP mailbox (off without IMAP_URL)."""
    if not settings.IMAP_URL:
        return 0
    return imap.poll()
