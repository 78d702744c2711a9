"""Timed changes, called by the beat tasks one request at a time."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from . import storage as files
from .lifecycle import close_locked, no_response_clause
from .models import (
    Attachment,
    SupportRequest,
    TimelineEvent,
)
from .transitions import (
    event,
    notify_customer,
)

Status = SupportRequest.Status
Kind = TimelineEvent.Kind


# Timed changes (called by the beat tasks, one request at a time) -----------------------

def _claim(pk: int, **conditions) -> SupportRequest | None:
    """The request, locked, if it still meets `conditions`: a second run, or one that
    overlaps, finds nothing to do."""
    return SupportRequest.objects.select_for_update().filter(pk=pk, **conditions).first()


def send_waiting_reminder(pk: int, *, now: datetime | None = None) -> bool:
    """Remind a customer who has not answered for WAITING_REMINDER_DAYS, once."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _claim(pk, status=Status.WAITING_ON_CUSTOMER, reminded_at__isnull=True,
                        waiting_since__lte=now - timedelta(days=settings.WAITING_REMINDER_DAYS))
        if locked is None:
            return False
        locked.reminded_at = now
        locked.save(update_fields=["reminded_at", "updated_at"])
        close_on = locked.waiting_since + timedelta(days=settings.WAITING_CLOSE_DAYS)
        event(locked, Kind.REMINDER_SENT, at=now)
        notify_customer(locked, "request_reminder",
                         close_on=timezone.localdate(close_on).isoformat())
    return True


def close_for_no_response(pk: int, *, now: datetime | None = None) -> bool:
    """Close a request whose customer stayed silent for WAITING_CLOSE_DAYS after being
    asked, and was reminded (clause 6.4, with 4.4.5 where flagged)."""
    now = now or timezone.now()
    close_days = settings.WAITING_CLOSE_DAYS
    grace = max(close_days - settings.WAITING_REMINDER_DAYS, 1)
    with transaction.atomic():
        locked = _claim(pk, status=Status.WAITING_ON_CUSTOMER,
                        waiting_since__lte=now - timedelta(days=close_days),
                        # the reminder must have had time to be read
                        reminded_at__lte=now - timedelta(days=grace))
        if locked is None:
            return False
        close_locked(locked, by=None, reason=SupportRequest.CloseReason.NO_RESPONSE,
                     clause=no_response_clause(locked), now=now)
    return True


def close_after_reopen_window(pk: int, *, now: datetime | None = None) -> bool:
    """Close a resolved request once its reopen window has passed."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _claim(pk, status=Status.RESOLVED, resolved_at__lte=now - timedelta(
            days=settings.REOPEN_WINDOW_DAYS))
        if locked is None:
            return False
        close_locked(locked, by=None, reason=SupportRequest.CloseReason.REOPEN_WINDOW_ENDED,
                     now=now)
    return True


def purge_sample(pk: int, *, now: datetime | None = None) -> bool:
    """Delete a sample's file after SAMPLE_RETENTION_DAYS, keeping its metadata."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.SAMPLE_RETENTION_DAYS)
    with transaction.atomic():
        claimed = Attachment.objects.filter(pk=pk, is_sample=True, purged_at__isnull=True,
                                            created_at__lte=cutoff).update(purged_at=now)
        if not claimed:
            return False
        attachment = Attachment.objects.get(pk=pk)
        name = attachment.file.name
        Attachment.objects.filter(pk=pk).update(file="")
        event(attachment.request, Kind.SAMPLE_PURGED, at=now, attachment=pk,
               name=attachment.original_name, sha256=attachment.sha256,
               retention_days=settings.SAMPLE_RETENTION_DAYS)
        # The file goes only once the purge is committed; a rollback keeps both.
        transaction.on_commit(lambda: files.delete_stored(name))
    return True
