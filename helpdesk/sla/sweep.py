"""The SLA sweep: reminders at a share of a target, escalations at its breach, each at
most once (see `helpdesk.sla.clock`)."""

from __future__ import annotations

import logging
import time as clock_time
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone, translation

from accounts import access
from notifications.services import Email, notify_many

from ..email.outbound import staff_email
from ..requests.models import Priority, SupportRequest, TimelineEvent
from .clock import (
    SLA_FIELDS,
    clock_of,
    is_late,
    notices_sent,
    pending_targets,
    recompute,
    refresh,
    set_fields,
    was_sent,
)
from .models import SlaNotice

logger = logging.getLogger(__name__)

Status = SupportRequest.Status
SlaState = SupportRequest.SlaState
Reason = SupportRequest.StandardReason
Kind = TimelineEvent.Kind
Target = SlaNotice.Target
NoticeKind = SlaNotice.Kind


def sweep(*, now: datetime | None = None, batch: int | None = None,
          time_budget: float | None = None) -> int:
    """Send the reminders and escalations that are due; returns how many were sent.

    One indexed range query finds the requests with something due (`sla_check_at`); they
    are then handled in chunks, each in one transaction under row locks (`skip_locked`: a
    request another sweep holds is left to it, and one it finished no longer matches). The
    notices, emails, timeline lines and state changes of a chunk are written with one
    statement each, whatever its size; should a notice row of the chunk exist already (the
    unique constraint), the chunk is done again one request at a time, skipping what was
    sent. Stops after `batch` requests or `time_budget` seconds; the next run goes on where
    this one stopped.
    """
    now = now or timezone.now()
    batch = batch or settings.SLA_SWEEP_BATCH
    deadline = clock_time.monotonic() + (time_budget or settings.SLA_SWEEP_SECONDS)
    ids = list(SupportRequest.objects.filter(sla_check_at__lte=now)
               .order_by("sla_check_at").values_list("pk", flat=True)[:batch])
    sent = 0
    supervisors: dict[int | None, list] = {}
    for start in range(0, len(ids), SWEEP_CHUNK):
        sent += _sweep_chunk(ids[start:start + SWEEP_CHUNK], now, supervisors)
        if clock_time.monotonic() > deadline:
            break
    return sent


# Requests handled in one transaction, under their row locks: a chunk costs a statement per
# kind of row written, so a larger one costs less per request but holds its locks longer.
SWEEP_CHUNK = 500
# What the sweep reads of a request, its assignee and its queue: a request row is wide,
# and each of its columns costs on every row of a backlog.
SWEEP_FIELDS = (
    *SLA_FIELDS, "reference", "subject", "priority", "status", "first_response_at",
    "sla_paused_at", "escalated_at", "assignee__email", "assignee__full_name",
    "assignee__language", "assignee__time_zone", "assignee__is_active", "queue__name",
)


def _locked(ids, now):
    return (SupportRequest.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("assignee", "queue").only(*SWEEP_FIELDS)
            .filter(pk__in=ids, sla_check_at__lte=now).order_by("pk"))


def _due_notices(sr: SupportRequest, sent: set[tuple], now: datetime) -> list[tuple]:
    """(target, kind, due) of the notices the request is owed now: the escalation of a
    target past its due time, else the reminder of one past its reminder share."""
    due_now = []
    for target, (due, remind) in pending_targets(sr).items():
        if due <= now:
            if not was_sent(sent, target, NoticeKind.ESCALATION, due):
                due_now.append((target, NoticeKind.ESCALATION, due))
        elif remind is not None and remind <= now and not was_sent(
                sent, target, NoticeKind.REMINDER, due):
            due_now.append((target, NoticeKind.REMINDER, due))
    return due_now


def _sweep_chunk(ids: list[int], now: datetime, supervisors: dict) -> int:
    try:
        with transaction.atomic():
            rows = list(_locked(ids, now))
            if not rows:
                return 0
            sent_by_request: dict[int, set] = {sr.pk: set() for sr in rows}
            for request_id, *notice in SlaNotice.objects.filter(request__in=rows).values_list(
                    "request_id", "target", "kind", "due_at"):
                sent_by_request[request_id].add(tuple(notice))
            plans = [(sr, _due_notices(sr, sent_by_request[sr.pk], now)) for sr in rows]
            SlaNotice.objects.bulk_create(
                SlaNotice(request=sr, target=target, kind=kind, due_at=due)
                for sr, due_now in plans for target, kind, due in due_now)
            events, emails, changed = [], [], set()
            for sr, due_now in plans:
                fields: list[str] = []
                for target, kind, due in due_now:
                    sent_by_request[sr.pk].add((target, kind, due))
                    event, to_send = _announce(sr, target, kind, due, now, fields, supervisors)
                    events.append(event)
                    emails += to_send
                refresh(sr, now, fields, sent_by_request[sr.pk])
                changed.update(fields)
            notify_many(emails)
            TimelineEvent.objects.bulk_create(events)
            if changed:
                _save(rows, sorted(changed))
            return len(events)
    except IntegrityError:
        # A notice of this chunk was written meanwhile: one by one, skipping it.
        return sum(_sweep_one(pk, now, supervisors) for pk in ids)


def _save(rows: list[SupportRequest], fields: list[str]) -> None:
    """Write `fields` of every row of a chunk in one UPDATE. On PostgreSQL each column's
    new values go as one array (`unnest`): `bulk_update` builds a CASE branch per row and
    column, which cost more than the rest of the chunk; other databases use it as it is."""
    if connection.vendor != "postgresql":
        SupportRequest.objects.bulk_update(rows, fields)
        return
    meta = SupportRequest._meta
    columns = [meta.pk, *(meta.get_field(name) for name in fields)]
    quote = connection.ops.quote_name
    table, key = quote(meta.db_table), quote(meta.pk.column)
    names = [quote(field.column) for field in columns]
    arrays = ", ".join(f"%s::{field.db_type(connection).split('(')[0]}[]" for field in columns)
    assignments = ", ".join(f"{name} = new.{name}" for name in names[1:])
    # Only names from the model's metadata are put in the text; the values are parameters.
    sql = (f"UPDATE {table} SET {assignments} FROM unnest({arrays}) "  # noqa: S608
           f"AS new({', '.join(names)}) WHERE {table}.{key} = new.{key}")
    values = [[field.get_db_prep_save(getattr(sr, field.attname), connection) for sr in rows]
              for field in columns]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)


def _sweep_one(pk: int, now: datetime, supervisors: dict) -> int:
    """One request in its own transaction; a notice that exists already is skipped."""
    with transaction.atomic():
        sr = _locked([pk], now).first()
        if sr is None:
            return 0  # another sweep has it, or it changed since
        sent = notices_sent(sr)
        fields: list[str] = []
        events, emails = [], []
        for target, kind, due in _due_notices(sr, sent, now):
            try:
                with transaction.atomic():
                    SlaNotice.objects.create(request=sr, target=target, kind=kind, due_at=due)
            except IntegrityError:
                continue  # already sent by an overlapping sweep
            sent.add((target, kind, due))
            event, to_send = _announce(sr, target, kind, due, now, fields, supervisors)
            events.append(event)
            emails += to_send
        notify_many(emails)
        TimelineEvent.objects.bulk_create(events)
        refresh(sr, now, fields, sent)
        if fields:
            sr.save(update_fields=fields)
    return len(events)


def _announce(sr, target, kind, due, now, fields, supervisors) -> tuple[TimelineEvent,
                                                                         list[Email]]:
    """One reminder or escalation (its SlaNotice row is written): the change of state, and
    its timeline line and its emails, returned for bulk inserts."""
    escalation = kind == NoticeKind.ESCALATION
    if escalation:
        recipients = _supervisors(sr, supervisors)
        set_fields(sr, fields, sla_state=SlaState.BREACHED, escalated_at=sr.escalated_at or now)
    else:
        assignee = sr.assignee if sr.assignee_id and sr.assignee.is_active else None
        recipients = [assignee] if assignee is not None else _supervisors(sr, supervisors)
        if sr.sla_state != SlaState.BREACHED:
            set_fields(sr, fields, sla_state=SlaState.AT_RISK)
    url = reverse("admin:helpdesk_supportrequest_change", args=[sr.pk])
    template = "sla_escalation" if escalation else "sla_reminder"
    emails = []
    for user in recipients:
        zone = ZoneInfo(user.time_zone or settings.DEFAULT_USER_TIME_ZONE)
        target_label, priority_label = _labels(user.language, target, sr.priority)
        emails.append(Email(user.email, template, {
            "reference": sr.reference,
            "subject": sr.subject,
            "priority": priority_label,
            "target": str(target),
            "target_label": target_label,
            "due": due.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
            "time_zone": zone.key,
            "assignee": sr.assignee.email if sr.assignee_id else "",
            "queue": sr.queue.name if sr.queue_id else "",
            "url": url,
            "name": user.get_short_name(),
        }, user.language, **staff_email(sr.pk, user.pk)))
    event = TimelineEvent(
        request=sr, kind=Kind.ESCALATED if escalation else Kind.SLA_REMINDER,
        is_internal=True, created_at=now,
        data={"target": str(target), "due": due.isoformat(),
              "to": [u.email for u in recipients]})
    return event, emails


@lru_cache(maxsize=64)
def _labels(language: str, target: str, priority: str) -> tuple[str, str]:
    """The target and the priority as an email in `language` names them."""
    with translation.override(language):
        return str(Target(target).label).lower(), str(Priority(priority).label).lower()


def _supervisors(sr: SupportRequest, cache: dict) -> list:
    """The queue's supervisors; without any, every active member of the Supervisors
    group. Looked up once per queue and sweep."""
    if sr.queue_id not in cache:
        users = []
        if sr.queue_id is not None:
            users = list(sr.queue.supervisors.filter(is_active=True).order_by("pk"))
        if not users:
            users = list(access.supervisors().order_by("pk"))
        cache[sr.queue_id] = users
    return cache[sr.queue_id]


def backfill(queryset=None, *, now: datetime | None = None) -> int:
    """Compute the due times of paid-plan requests that have none (filed before the plan had
    targets, or written straight to the table); returns how many changed. Active ones get
    a running clock; settled ones their due times and whether they were met."""
    now = now or timezone.now()
    queryset = queryset if queryset is not None else SupportRequest.objects.all()
    changed = 0
    for pk in queryset.filter(plan__is_paid=True, sla_state__isnull=True).values_list(
            "pk", flat=True):
        with transaction.atomic():
            sr = SupportRequest.objects.select_for_update().get(pk=pk)
            fields: list[str] = []
            if sr.is_active:
                recompute(sr, now, fields)
            else:
                _settled_backfill(sr, fields)
            if sr.sla_state is not None:
                sr.save(update_fields=fields)
                changed += 1
    return changed


def _settled_backfill(sr: SupportRequest, fields: list[str]) -> None:
    clock = clock_of(sr)
    if clock is None:
        return
    end = sr.resolved_at or sr.rejected_at or sr.closed_at or sr.updated_at
    first_due = clock.due(sr.created_at, Target.FIRST_RESPONSE)
    resolution_due = clock.due(sr.created_at, Target.RESOLUTION, sr.sla_paused_minutes)
    missed = is_late(first_due, sr.first_response_at or end) or is_late(resolution_due, end)
    set_fields(sr, fields, first_response_due=first_due, resolution_due=resolution_due,
         sla_state=SlaState.BREACHED if missed else SlaState.MET, sla_check_at=None)
