"""The steps every change of a request is made of: the row lock, the message, the
timeline line and the customer's email, all in the caller's transaction."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from notifications.services import notify

from ..errors import (
    HelpdeskError,
)
from . import markup
from .models import (
    Message,
    SupportRequest,
    TimelineEvent,
)
from .permissions import is_agent

Status = SupportRequest.Status
Kind = TimelineEvent.Kind
MAX_BODY = 20000


# Shared pieces --------------------------------------------------------------------------

def lock(support_request: SupportRequest) -> SupportRequest:
    return SupportRequest.objects.select_for_update().get(pk=support_request.pk)


def event(support_request, kind, *, actor=None, internal=False, at=None, **data):
    return TimelineEvent.objects.create(
        request=support_request, kind=kind, actor=actor, is_internal=internal, data=data,
        created_at=at or timezone.now(),
    )


def status_event(support_request, old, new, *, actor=None, at=None):
    if old != new:
        event(support_request, Kind.STATUS_CHANGED, actor=actor, at=at,
               **{"from": old, "to": new})


def notify_customer(support_request: SupportRequest, template: str, **extra) -> None:
    """The email to the customer, in their language. Its context is JSON (strings, ids) and
    never holds an internal note: callers pass only public text. It carries the id of the
    rule set the request was filed under, which the email cites its clauses under."""
    customer = support_request.customer
    if customer is None or not customer.is_active or customer.erased_at is not None:
        return
    notify(customer.email, template, {
        "reference": support_request.reference,
        "subject": support_request.subject,
        "url": support_request.portal_path,
        "name": customer.get_short_name(),
        "rule_set": support_request.rule_set_id,
        **extra,
    }, language=customer.language)


def clean_body(body: str, field: str = "body") -> str:
    body = (body or "").strip()
    if not body:
        raise HelpdeskError(_("Write a message first."), field=field)
    if len(body) > MAX_BODY:
        raise HelpdeskError(_("A message may be at most %(max)d characters long.") % {
            "max": MAX_BODY}, field=field)
    return body


def new_message(support_request, *, author, body, internal=False, at=None) -> Message:
    return Message.objects.create(
        request=support_request, author=author, is_internal=internal,
        from_staff=is_agent(author), body=body, body_html=markup.render(body),
        created_at=at or timezone.now(),
    )


def first_response(locked: SupportRequest, now: datetime, fields: list[str]) -> None:
    if locked.first_response_at is None:
        locked.first_response_at = now
        fields.append("first_response_at")
    locked.last_staff_reply_at = now
    fields.append("last_staff_reply_at")


def stop_waiting(locked: SupportRequest, fields: list[str]) -> None:
    locked.waiting_since = None
    locked.reminded_at = None
    fields += ["waiting_since", "reminded_at"]
