"""The steps every change of a request is made of: the row lock, the message, the
timeline line and the customer's email, all in the caller's transaction."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts import access
from accounts.errors import DomainError
from notifications.services import notify

from ..email.outbound import customer_email
from . import markup, search
from .models import Message, Priority, SupportRequest, TimelineEvent

Status = SupportRequest.Status
Kind = TimelineEvent.Kind
# Emails a timer sends, not a person's action (RFC 3834 auto-generated).
AUTOMATIC_TEMPLATES = frozenset({"request_reminder"})
MAX_BODY = 20000
MAX_SUBJECT = 200


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


def in_customer_language(support_request: SupportRequest):
    """A context in which names kept per language (a plan's) are read as the customer's
    emails say them."""
    customer = support_request.customer
    return translation.override(customer.language if customer is not None else None)


def notify_customer(support_request: SupportRequest, template: str, **extra) -> None:
    """The email to the customer, in their language. Its context is JSON (strings, ids) and
    never holds an internal note: callers pass only public text. It carries the id of the
    rule set the request was filed under, which the email cites its clauses under. It is
    threaded with the request's other emails to the customer, whose answer to its reply
    address comes back to the request (`helpdesk.email`)."""
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
    }, language=customer.language, **customer_email(
        support_request.pk, customer.pk, automatic=template in AUTOMATIC_TEMPLATES))


def _text(value, field: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise DomainError(_("Enter text."), field=field)
    return value.strip()


def clean_body(body, field: str = "body") -> str:
    """A message (or description) as stored: stripped, not empty, not too long."""
    body = _text(body, field)
    if not body:
        raise DomainError(_("Write a message first."), field=field)
    if len(body) > MAX_BODY:
        raise DomainError(_("A message may be at most %(max)d characters long.") % {
            "max": MAX_BODY}, field=field)
    return body


def clean_subject(subject) -> str:
    subject = _text(subject, "subject")
    if not subject:
        raise DomainError(_("Give the request a subject."), field="subject")
    if len(subject) > MAX_SUBJECT:
        raise DomainError(_("A subject may be at most %(max)d characters long.") % {
            "max": MAX_SUBJECT}, field="subject")
    return subject


def clean_priority(priority) -> str:
    """A priority code; none given is normal."""
    priority = _text(priority, "priority") or Priority.NORMAL
    if priority not in Priority.values:
        raise DomainError(_("Choose a priority from the list."), field="priority")
    return priority


def new_message(support_request, *, author, body, internal=False, at=None) -> Message:
    message = Message.objects.create(
        request=support_request, author=author, is_internal=internal,
        from_staff=access.is_agent(author), body=body, body_html=markup.render(body),
        created_at=at or timezone.now(),
    )
    search.index_message(message)
    return message


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
