from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from . import services
from .models import Notification


def retry_countdown(retries: int) -> float:
    """Seconds before the next try after `retries` failed ones: doubling, capped at an hour."""
    return min(settings.NOTIFICATION_RETRY_BASE_SECONDS * 2**retries, 3600)


# One first try and five retries: as many tries as NOTIFICATION_MAX_ATTEMPTS, after which
# `services.deliver` has marked the row failed (with its last error), so nothing is dropped.
@shared_task(bind=True, max_retries=5, acks_late=True)
def deliver_notification(self, notification_id: int) -> bool:
    try:
        return services.deliver(notification_id)
    except services.TemporaryDeliveryError as exc:
        raise self.retry(exc=exc, countdown=retry_countdown(self.request.retries)) from exc


@shared_task
def requeue_pending_notifications() -> int:
    return services.requeue_pending(timezone.now() - settings.NOTIFICATION_REQUEUE_AFTER)


@shared_task
def purge_old_notifications() -> int:
    cutoff = timezone.now() - timedelta(days=settings.NOTIFICATION_RETENTION_DAYS)
    deleted, _ = Notification.objects.filter(
        status=Notification.Status.SENT, sent_at__lt=cutoff
    ).delete()
    return deleted


@shared_task
def purge_delivered_credentials() -> int:
    """Delete the emails that carried a password-reset or invitation link once they are
    sent (or failed for good) and NOTIFICATION_CREDENTIAL_RETENTION has passed: their
    secret part was wiped at sending, and nothing else in them is worth keeping."""
    cutoff = timezone.now() - settings.NOTIFICATION_CREDENTIAL_RETENTION
    deleted, _ = Notification.objects.filter(carries_credentials=True).filter(
        Q(status=Notification.Status.SENT, sent_at__lt=cutoff)
        | Q(status=Notification.Status.FAILED, created_at__lt=cutoff)
    ).delete()
    return deleted
