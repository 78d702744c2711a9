"""Working a request (DESIGN.md section 4): one function per change."""

from __future__ import annotations

import re
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import access
from accounts.errors import DomainError, InvalidState, NotAllowed
from accounts.workspace import Workspace
from licensing.eligibility import Refused

from ..rules.models import RuleSet
from ..sla import clock as sla_clock
from .filing import RequestIntake, customer_workspace, file_request
from .models import (
    Message,
    NoGuaranteeFlag,
    SupportRequest,
    TimelineEvent,
    UtilityRequest,
)
from .permissions import may_work, require_agent
from .transitions import (
    MAX_SUBJECT,
    clean_body,
    event,
    first_response,
    lock,
    new_message,
    notify_customer,
    status_event,
    stop_waiting,
)

Status = SupportRequest.Status
Kind = TimelineEvent.Kind
CLAUSE_NO_RESPONSE = "6.4"
CLAUSE_MISSING_INFORMATION = NoGuaranteeFlag.Clause.MISSING_INFORMATION.value
# Clauses a request can be rejected under: the topics support does not cover (4.2.x), the
# unsupported platforms and versions (4.3.x) and the licence conditions (4.5a, 4.5b).
REJECTION_CLAUSE = re.compile(r"^(4\.2\.(1[0-4]|[1-9])|4\.3\.[12]|4\.5[ab])$")


# Working a request ----------------------------------------------------------------------

@transaction.atomic
def assign(support_request: SupportRequest, *, to, by) -> SupportRequest:
    """Give the request to `to` (an agent), or to nobody with `to=None`. Taking a new
    request opens it."""
    require_agent(by, support_request)
    if to is not None and not access.is_agent(to):
        raise DomainError(_("%(user)s is not a support agent.") % {"user": to},
                            field="assignee")
    locked = lock(support_request)
    if locked.is_final:
        raise InvalidState(_("A closed or rejected request cannot be assigned."))
    new_id = to.pk if to is not None else None
    if locked.assignee_id == new_id:
        return locked
    previous = locked.assignee.email if locked.assignee_id else None
    locked.assignee = to
    fields = ["assignee", "updated_at"]
    old = locked.status
    if to is not None and old == Status.NEW:
        locked.status = Status.OPEN
        fields.append("status")
    locked.save(update_fields=fields)
    event(locked, Kind.ASSIGNED, actor=by, internal=True,
           to=to.email if to is not None else None, previous=previous)
    status_event(locked, old, locked.status, actor=by)
    return locked


def assign_to_me(support_request: SupportRequest, *, by) -> SupportRequest:
    return assign(support_request, to=by, by=by)


def add_reply(support_request: SupportRequest, *, by, body: str,
              internal: bool = False) -> Message:
    """A public reply or (staff only) an internal note.

    A customer reply re-opens a request waiting on them, and a resolved one within
    REOPEN_WINDOW_DAYS; after the window, or once the request is closed or rejected, it
    files a new request that follows up this one (under the rules, like any filing). The
    returned message's `request` is the one the reply landed on.
    """
    body = clean_body(body)
    if may_work(by, support_request):
        return _staff_reply(support_request, by=by, body=body, internal=internal)
    if internal or access.is_agent(by):
        raise NotAllowed(_("Only support staff working this request's queue may write "
                           "internal notes."))
    if not access.is_customer_of(by, support_request):
        raise NotAllowed(_("You cannot reply to this request."))
    with transaction.atomic():
        locked = lock(support_request)
        now = timezone.now()
        if not _is_settled(locked, now):
            return _customer_reply(locked, by=by, body=body, now=now)
        try:
            return _follow_up(locked, by=by, body=body, now=now)
        except Refused as refused:
            # The refusal is on record (the check wrote it in this transaction) and nothing
            # else was written: commit that, then tell the customer why.
            refusal = refused
    raise refusal


def _is_settled(locked: SupportRequest, now) -> bool:
    """Closed, rejected, or resolved longer ago than the reopen window."""
    window = timedelta(days=settings.REOPEN_WINDOW_DAYS)
    return locked.is_final or (
        locked.status == Status.RESOLVED and locked.resolved_at is not None
        and locked.resolved_at + window <= now)


def _staff_reply(support_request, *, by, body, internal) -> Message:
    with transaction.atomic():
        locked = lock(support_request)
        now = timezone.now()
        if internal:
            message = new_message(locked, author=by, body=body, internal=True, at=now)
            event(locked, Kind.NOTE_ADDED, actor=by, internal=True, at=now,
                   message=message.pk)
            return message
        if locked.is_final:
            raise InvalidState(_("This request is closed; write an internal note instead."))
        message = new_message(locked, author=by, body=body, at=now)
        fields = ["updated_at"]
        first = locked.first_response_at is None
        first_response(locked, now, fields)
        old = locked.status
        if old == Status.NEW:
            locked.status = Status.OPEN
            fields.append("status")
        sla_clock.staff_responded(locked, now, fields, first=first)
        locked.save(update_fields=fields)
        event(locked, Kind.REPLIED, actor=by, at=now, message=message.pk)
        status_event(locked, old, locked.status, actor=by, at=now)
        notify_customer(locked, "request_reply", body=body,
                         author=by.get_short_name())
        return message


def _customer_reply(locked, *, by, body, now) -> Message:
    message = new_message(locked, author=by, body=body, at=now)
    old = locked.status
    fields = ["last_customer_reply_at", "updated_at"]
    locked.last_customer_reply_at = now
    if old == Status.WAITING_ON_CUSTOMER:
        locked.status = Status.OPEN
        fields.append("status")
        stop_waiting(locked, fields)
    elif old == Status.RESOLVED:
        locked.status = Status.OPEN
        locked.resolved_at = None
        fields += ["status", "resolved_at"]
    sla_clock.customer_replied(locked, now, fields,
                                  resumed=old in (Status.WAITING_ON_CUSTOMER, Status.RESOLVED))
    locked.save(update_fields=fields)
    event(locked, Kind.CUSTOMER_REPLIED, actor=by, at=now, message=message.pk)
    if old == Status.RESOLVED:
        event(locked, Kind.REOPENED, actor=by, at=now)
    status_event(locked, old, locked.status, actor=by, at=now)
    return message


def _follow_up(old: SupportRequest, *, by, body, now) -> Message:
    """A reply to a settled request, with `old` locked: it lands on the follow-up this
    customer already opened, if that is still active, else opens one (under the Rules, like
    any filing). Two late replies thus open one follow-up, never two."""
    current = (SupportRequest.objects.active().filter(follows_up=old)
               .order_by("-created_at", "-pk").first())
    if current is not None and access.is_customer_of(by, current):
        return _customer_reply(lock(current), by=by, body=body, now=now)
    workspace = customer_workspace(by, old.company) if old.company_id else Workspace(user=by)
    params = {"reference": old.reference, "subject": old.subject}
    # The customer's words are the new request's first message, so the description only
    # says where it comes from.
    new = file_request(RequestIntake.of(
        workspace=workspace, category=old.category, product=old.product, version=old.version,
        os=old.os, os_version=old.os_version,
        licence_key=old.licence.key if old.licence_id else None,
        subject=(_("Follow-up to %(reference)s: %(subject)s") % params)[:MAX_SUBJECT],
        description=_("A reply to %(reference)s after it was settled.") % params,
        priority=old.priority,
    ), by=by, follows_up=old)
    message = new_message(new, author=by, body=body, at=now)
    new.last_customer_reply_at = message.created_at
    new.save(update_fields=["last_customer_reply_at", "updated_at"])
    event(new, Kind.CUSTOMER_REPLIED, actor=by, at=now, message=message.pk)
    return message


@transaction.atomic
def request_information(support_request: SupportRequest, *, by, body: str) -> Message:
    """Ask the customer for what is needed (6.4); the request waits on them."""
    require_agent(by, support_request)
    body = clean_body(body)
    locked = lock(support_request)
    if not locked.is_active:
        raise InvalidState(_("Information can only be requested on an open request."))
    now = timezone.now()
    message = new_message(locked, author=by, body=body, at=now)
    fields = ["status", "waiting_since", "reminded_at", "updated_at"]
    first = locked.first_response_at is None
    first_response(locked, now, fields)
    old = locked.status
    locked.status = Status.WAITING_ON_CUSTOMER
    locked.waiting_since = now  # asking again restarts the silence clock and the reminder
    locked.reminded_at = None
    sla_clock.staff_responded(locked, now, fields, first=first, waiting=True)
    locked.save(update_fields=fields)
    event(locked, Kind.INFORMATION_REQUESTED, actor=by, at=now, message=message.pk)
    status_event(locked, old, locked.status, actor=by, at=now)
    notify_customer(locked, "request_information", body=body)
    return message


@transaction.atomic
def request_utility_run(support_request: SupportRequest, *, by, utility: str,
                        instructions: str, url: str = "") -> UtilityRequest:
    """Ask the customer to run a vendor utility and upload its output (6.2)."""
    require_agent(by, support_request)
    utility, instructions = (utility or "").strip(), (instructions or "").strip()
    if not utility:
        raise DomainError(_("Name the utility to run."), field="utility")
    if not instructions:
        raise DomainError(_("Say how to run it and which file to send back."),
                            field="instructions")
    locked = lock(support_request)
    if not locked.is_active:
        raise InvalidState(_("A utility run can only be requested on an open request."))
    now = timezone.now()
    utility_request = UtilityRequest.objects.create(
        request=locked, utility=utility[:100], instructions=instructions, url=url or "",
        requested_by=by, created_at=now)
    fields = ["status", "waiting_since", "reminded_at", "updated_at"]
    first = locked.first_response_at is None
    first_response(locked, now, fields)
    old = locked.status
    locked.status = Status.WAITING_ON_CUSTOMER
    locked.waiting_since = now
    locked.reminded_at = None
    sla_clock.staff_responded(locked, now, fields, first=first, waiting=True)
    locked.save(update_fields=fields)
    event(locked, Kind.UTILITY_REQUESTED, actor=by, at=now, utility=utility_request.utility,
           utility_request=utility_request.pk)
    status_event(locked, old, locked.status, actor=by, at=now)
    notify_customer(locked, "request_utility", utility=utility_request.utility,
                     instructions=instructions, utility_url=utility_request.url)
    return utility_request


@transaction.atomic
def set_no_guarantee_flag(support_request: SupportRequest, *, by, clause: str,
                          note: str) -> NoGuaranteeFlag:
    """Note a condition of 4.4.1-4.4.6: support goes on without a guarantee of success.
    Setting the same clause again replaces its note."""
    require_agent(by, support_request)
    if clause not in NoGuaranteeFlag.Clause.values:
        raise DomainError(_("Choose one of the conditions of clauses 4.4.1 to 4.4.6."),
                            field="clause")
    note = (note or "").strip()
    if not note:
        raise DomainError(_("Explain the condition to the customer."), field="note")
    locked = lock(support_request)
    if locked.is_final:
        raise InvalidState(_("A closed or rejected request cannot be flagged."))
    flag, _created = NoGuaranteeFlag.objects.update_or_create(
        request=locked, clause=clause, defaults={"note": note[:2000], "set_by": by})
    event(locked, Kind.FLAG_SET, actor=by, clause=clause, note=flag.note)
    return flag


@transaction.atomic
def resolve_request(support_request: SupportRequest, *, by, note: str = "") -> SupportRequest:
    """Support considers the request solved; the customer may re-open it by replying
    within REOPEN_WINDOW_DAYS, after which it closes."""
    require_agent(by, support_request)
    locked = lock(support_request)
    if not locked.is_active:
        raise InvalidState(_("Only an open request can be resolved."))
    now = timezone.now()
    fields = ["status", "resolved_at", "updated_at"]
    note = (note or "").strip()
    message = None
    if note:
        message = new_message(locked, author=by, body=clean_body(note, "note"), at=now)
        first_response(locked, now, fields)
    old = locked.status
    locked.status = Status.RESOLVED
    locked.resolved_at = now
    stop_waiting(locked, fields)
    sla_clock.settled(locked, now, fields)
    locked.save(update_fields=fields)
    event(locked, Kind.RESOLVED, actor=by, at=now,
           message=message.pk if message else None)
    status_event(locked, old, locked.status, actor=by, at=now)
    notify_customer(locked, "request_resolved", body=note,
                     reopen_days=settings.REOPEN_WINDOW_DAYS)
    return locked


def rejection_clauses(support_request: SupportRequest | None = None) -> list[tuple[str, str]]:
    """(label, title) of the clauses a request may be rejected under, from the rule set it
    was filed under (or the current one)."""
    rule_set = (support_request.rule_set if support_request is not None
                and support_request.rule_set_id else RuleSet.objects.current())
    if rule_set is None:
        return []
    return [(c.label, f"{c.label} {c.localized_title}") for c in rule_set.clauses.all()
            if REJECTION_CLAUSE.match(c.label)]


@transaction.atomic
def reject_request(support_request: SupportRequest, *, by, clause: str,
                   reason: str) -> SupportRequest:
    """Refuse the request under a clause of the rules it was filed under."""
    require_agent(by, support_request)
    clause = (clause or "").strip()
    allowed = {label for label, _title in rejection_clauses(support_request)}
    if not REJECTION_CLAUSE.match(clause) or (allowed and clause not in allowed):
        raise DomainError(_("Choose the clause the request is rejected under."),
                            field="clause")
    reason = clean_body(reason, "reason")
    locked = lock(support_request)
    if not locked.is_active:
        raise InvalidState(_("Only an open request can be rejected."))
    now = timezone.now()
    message = new_message(locked, author=by, body=reason, at=now)
    fields = ["status", "rejection_clause", "rejected_at", "updated_at"]
    first_response(locked, now, fields)
    old = locked.status
    locked.status = Status.REJECTED
    locked.rejection_clause = clause
    locked.rejected_at = now
    stop_waiting(locked, fields)
    sla_clock.settled(locked, now, fields)
    locked.save(update_fields=fields)
    event(locked, Kind.REJECTED, actor=by, at=now, clause=clause, message=message.pk)
    status_event(locked, old, locked.status, actor=by, at=now)
    notify_customer(locked, "request_rejected", clause=clause, body=reason)
    return locked


def close_locked(locked: SupportRequest, *, by, reason: str, clause: str = "", now=None,
           **email) -> SupportRequest:
    now = now or timezone.now()
    old = locked.status
    locked.status = Status.CLOSED
    locked.closed_at = now
    locked.close_reason = reason
    locked.close_clause = clause
    fields = ["status", "closed_at", "close_reason", "close_clause", "updated_at"]
    if old == Status.WAITING_ON_CUSTOMER:
        stop_waiting(locked, fields)
    if old in SupportRequest.ACTIVE_STATUSES:
        sla_clock.settled(locked, now, fields)
    locked.save(update_fields=fields)
    event(locked, Kind.CLOSED, actor=by, at=now, reason=reason, clause=clause or None)
    status_event(locked, old, locked.status, actor=by, at=now)
    notify_customer(locked, "request_closed", reason=reason, clause=clause, **email)
    return locked


@transaction.atomic
def close_request(support_request: SupportRequest, *, by) -> SupportRequest:
    """Staff close a resolved request, or one waiting on a customer who went silent."""
    require_agent(by, support_request)
    locked = lock(support_request)
    if locked.status == Status.RESOLVED:
        return close_locked(locked, by=by, reason=SupportRequest.CloseReason.BY_STAFF)
    if locked.status == Status.WAITING_ON_CUSTOMER:
        return close_locked(locked, by=by, reason=SupportRequest.CloseReason.NO_RESPONSE,
                      clause=no_response_clause(locked))
    raise InvalidState(_("Only a resolved request, or one waiting on the customer, can be "
                         "closed."))


def no_response_clause(locked: SupportRequest) -> str:
    flagged = locked.no_guarantee_flags.filter(clause=CLAUSE_MISSING_INFORMATION).exists()
    return f"{CLAUSE_NO_RESPONSE}, {CLAUSE_MISSING_INFORMATION}" if flagged \
        else CLAUSE_NO_RESPONSE


@transaction.atomic
def merge_duplicate(duplicate: SupportRequest, *, into: SupportRequest, by) -> SupportRequest:
    """Close `duplicate` as a duplicate of `into` (same workspace only)."""
    require_agent(by, duplicate)
    require_agent(by, into)
    if duplicate.pk == into.pk:
        raise DomainError(_("A request cannot be merged into itself."), field="into")
    # Lock both in a fixed order, so two merges of the same pair cannot deadlock.
    rows = {r.pk: r for r in SupportRequest.objects.select_for_update()
            .filter(pk__in=[duplicate.pk, into.pk]).order_by("pk")}
    duplicate, into = rows[duplicate.pk], rows[into.pk]
    if (duplicate.company_id, duplicate.home_user_id) != (into.company_id, into.home_user_id):
        raise DomainError(_("Only requests of the same customer workspace can be merged."),
                            field="into")
    if not duplicate.is_active and duplicate.status != Status.RESOLVED:
        raise InvalidState(_("This request is already closed."))
    if into.is_final:
        raise InvalidState(_("A request cannot be merged into a closed or rejected one."))
    now = timezone.now()
    duplicate.merged_into = into
    duplicate.save(update_fields=["merged_into"])
    event(into, Kind.MERGED, actor=by, at=now, duplicate=duplicate.reference)
    event(duplicate, Kind.MERGED, actor=by, at=now, into=into.reference)
    return close_locked(duplicate, by=by, reason=SupportRequest.CloseReason.DUPLICATE, now=now,
                  merged_into=into.reference)
