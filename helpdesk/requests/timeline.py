"""A request's history as lines a person reads ("Amir Agent resolved the request · Open →
Resolved"), in the reader's language, for the staff's work page.

A status change made in the same instant by the same person as the action that caused it
(a reply that opened the request, a resolution) is read as part of that action's line, so
one action is one line. Details written by older code or by bulk loads may lack keys or
hold ids instead of names: a line then says less, and never fails.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.template.defaultfilters import filesizeformat
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.timezone import is_naive, localtime, make_aware
from django.utils.translation import gettext as _

from ..sla.models import SlaNotice
from .models import Priority, SupportRequest, TimelineEvent

Kind = TimelineEvent.Kind
Status = SupportRequest.Status


@dataclass
class Line:
    at: datetime
    who: str
    text: str
    internal: bool
    kind: str
    changes: list[str] = field(default_factory=list)


class _Details(dict):
    """An event's details for a sentence: a detail the event lacks reads as a dash."""

    def __missing__(self, key):
        return "—"


def _label(choices, value) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value or "—")


def _who(event: TimelineEvent) -> str:
    return event.actor.get_full_name() if event.actor_id else _("The system")


def _when(value) -> str:
    try:
        moment = parse_datetime(value) if isinstance(value, str) else None
    except ValueError:  # shaped like a date, but not one
        moment = None
    if moment is None:
        return ""
    if is_naive(moment):
        moment = make_aware(moment, UTC)
    return date_format(localtime(moment), "SHORT_DATETIME_FORMAT")


def describe(event: TimelineEvent) -> str:
    """One event as a sentence in the active language."""
    data = event.data if isinstance(event.data, dict) else {}
    params = _Details({str(k): "" if v is None else str(v) for k, v in data.items()})
    params["who"] = _who(event)
    kind = event.kind
    if kind == Kind.FILED:
        text = _("%(who)s filed the request under the Support Rules of %(rule_set)s") % params \
            if data.get("rule_set") else _("%(who)s filed the request") % params
        if data.get("on_behalf"):
            text += " " + _("on the customer's behalf")
        if data.get("follows_up"):
            text += " " + _("as a follow-up to %(follows_up)s") % params
        return text
    if kind == Kind.ASSIGNED:
        if data.get("to"):
            text = _("%(who)s assigned the request to %(to)s") % params
        else:
            text = _("%(who)s took the request off its assignee") % params
        if data.get("previous"):
            text += " " + _("(was %(previous)s)") % params
        return text
    if kind == Kind.STATUS_CHANGED:
        return _("%(who)s changed the status: %(change)s") % {**params,
                                                               "change": status_change(data)}
    if kind == Kind.ATTACHMENT_ADDED:
        params["size"] = filesizeformat(data["size"]) if isinstance(
            data.get("size"), int) else ""
        text = _("%(who)s attached %(name)s (%(size)s)") % params if data.get("name") \
            else _("%(who)s attached a file") % params
        return text + (" · " + _("malware sample") if data.get("sample") else "")
    if kind == Kind.FILED_UNDER_STANDARD:
        return _("Handled under Standard Support: %(reason)s") % {
            "reason": _label(SupportRequest.StandardReason, data.get("reason"))}
    if kind == Kind.CLOSED:
        text = _("%(who)s closed the request: %(reason)s") % {
            **params, "reason": _label(SupportRequest.CloseReason, data.get("reason"))}
        return text + (" " + _("(clause %(clause)s)") % params if data.get("clause") else "")
    if kind == Kind.MERGED:
        if data.get("into"):
            return _("%(who)s merged this request into %(into)s") % params
        return _("%(who)s merged %(duplicate)s into this request") % params
    if kind in (Kind.SLA_REMINDER, Kind.ESCALATED):
        params["target"] = _label(SlaNotice.Target, data.get("target")).lower()
        params["due"] = _when(data.get("due"))
        if kind == Kind.ESCALATED:
            return _("Escalated: the %(target)s target (due %(due)s) was missed") % params
        return _("Reminder: the %(target)s target is due %(due)s") % params
    if kind in (Kind.PRIORITY_CHANGED, Kind.PLAN_CHANGED, Kind.QUEUE_CHANGED):
        change = {"from": params.get("from") or "—", "to": params.get("to") or "—"}
        if kind == Kind.PRIORITY_CHANGED:
            change = {k: _label(Priority, data.get(k)) for k in ("from", "to")}
        sentence = {
            Kind.PRIORITY_CHANGED: _("%(who)s changed the priority from %(from)s to %(to)s"),
            Kind.PLAN_CHANGED: _("%(who)s changed the support plan from %(from)s to %(to)s"),
            Kind.QUEUE_CHANGED: _("%(who)s moved the request from %(from)s to %(to)s"),
        }[kind]
        return sentence % _Details(who=params["who"], **change)
    sentence = _SENTENCES.get(kind)
    if sentence is None:
        return f"{params['who']}: {event.get_kind_display()}"
    return sentence() % params


# Events whose sentence needs at most the details they always carry.
_SENTENCES = {
    Kind.REPLIED: lambda: _("%(who)s replied to the customer"),
    Kind.CUSTOMER_REPLIED: lambda: _("%(who)s wrote a reply"),
    Kind.NOTE_ADDED: lambda: _("%(who)s added an internal note"),
    Kind.INFORMATION_REQUESTED: lambda: _("%(who)s asked the customer for information"),
    Kind.UTILITY_REQUESTED: lambda: _("%(who)s asked the customer to run %(utility)s"),
    Kind.UTILITY_ANSWERED: lambda: _("%(who)s sent the output of %(utility)s"),
    Kind.REOPENED: lambda: _("%(who)s reopened the request by replying"),
    Kind.RESOLVED: lambda: _("%(who)s resolved the request"),
    Kind.REJECTED: lambda: _("%(who)s rejected the request under clause %(clause)s"),
    Kind.FLAG_SET: lambda: _("%(who)s noted clause %(clause)s (no guarantee): %(note)s"),
    Kind.FOLLOW_UP_OPENED: lambda: _("%(who)s opened the follow-up request %(reference)s"),
    Kind.SAMPLE_DOWNLOADED: lambda: _("%(who)s downloaded the malware sample"),
    Kind.SAMPLE_PURGED: lambda: _("The malware sample was deleted after the retention period"),
    Kind.REMINDER_SENT: lambda: _("The customer was reminded to answer"),
}


def status_change(data: dict) -> str:
    return f"{_label(Status, data.get('from'))} → {_label(Status, data.get('to'))}"


def lines(events) -> list[Line]:
    """The events (oldest first, with `actor` loaded) as lines, each status change folded
    into the action it came with."""
    result: list[Line] = []
    previous = None
    for event in events:
        if (event.kind in (Kind.STATUS_CHANGED, Kind.REOPENED) and previous is not None
                and previous.actor_id == event.actor_id
                and abs((event.created_at - previous.created_at).total_seconds()) < 2):
            if event.kind == Kind.STATUS_CHANGED:  # a reopening shows as its status change
                result[-1].changes.append(status_change(event.data or {}))
            continue
        result.append(Line(at=event.created_at, who=_who(event), text=describe(event),
                           internal=event.is_internal, kind=event.kind))
        previous = event
    return result
