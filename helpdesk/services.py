"""Every change to a support request (DESIGN.md section 4).

One function per change. Each checks who may do it, changes the request under
`select_for_update` in one transaction, writes a line to the request's timeline and queues
its emails to the outbox in the same transaction, so an email exists exactly when the change
does. The admin, the API, the portals and the beat tasks all call these; none of them
changes a request's state on its own.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import audit
from accounts.models import Company, Membership
from accounts.workspace import Workspace
from licensing.eligibility import decide
from licensing.models import SupportPlan
from licensing.services import record_refusal
from notifications.services import notify

from . import attachments as files
from . import markup, sla_services
from .errors import (
    AttachmentRefused,
    HelpdeskError,
    InvalidState,
    NotAllowed,
    Refused,
    WorkspaceNotVerified,
)
from .models import (
    Attachment,
    Message,
    NoGuaranteeFlag,
    Priority,
    Queue,
    QueueRoute,
    ReferenceCounter,
    RuleSet,
    SupportRequest,
    TimelineEvent,
    UtilityRequest,
)
from .querysets import customer_requests_q
from .rules import load_published_rules

__all__ = [
    "AttachmentRefused", "HelpdeskError", "InvalidState", "NotAllowed", "Refused",
    "WorkspaceNotVerified", "add_reply", "assign", "assign_to_me", "change_plan",
    "close_after_reopen_window", "close_for_no_response", "close_request",
    "customer_workspace", "download_sample",
    "file_request", "may_work", "merge_duplicate", "purge_sample", "reject_request",
    "request_information", "request_utility_run", "resolve_request", "send_waiting_reminder",
    "set_no_guarantee_flag", "upload_attachment",
]

Status = SupportRequest.Status
Kind = TimelineEvent.Kind
MAX_BODY = 20000
CLAUSE_NO_RESPONSE = "6.4"
CLAUSE_MISSING_INFORMATION = NoGuaranteeFlag.Clause.MISSING_INFORMATION.value
# Clauses a request can be rejected under: the topics support does not cover (4.2.x), the
# unsupported platforms and versions (4.3.x) and the licence conditions (4.5a, 4.5b).
REJECTION_CLAUSE = re.compile(r"^(4\.2\.(1[0-4]|[1-9])|4\.3\.[12]|4\.5[ab])$")


# Who may ------------------------------------------------------------------------------

def is_agent(user) -> bool:
    """Support staff who may work requests (the Agents and Supervisors groups)."""
    return bool(
        user is not None and user.is_authenticated and user.is_active and user.is_staff
        and user.has_perm("helpdesk.change_supportrequest")
    )


def is_supervisor(user) -> bool:
    return is_agent(user) and (user.is_superuser or user.has_perm("helpdesk.change_queue"))


def may_work(user, support_request: SupportRequest) -> bool:
    """Agents work the requests of their queues (and unrouted ones, and those assigned to
    them); supervisors work every request."""
    if not is_agent(user):
        return False
    if is_supervisor(user) or support_request.queue_id is None:
        return True
    if support_request.assignee_id == user.pk:
        return True
    return Queue.objects.filter(pk=support_request.queue_id).filter(
        Q(agents=user) | Q(supervisors=user)).exists()


def _is_customer_of(user, support_request: SupportRequest) -> bool:
    """The customer side: the home user, the company member who filed it, or a company
    admin. Staff powers are not customer powers, so this never looks at is_staff."""
    return bool(user is not None and user.is_authenticated) and SupportRequest.objects.filter(
        customer_requests_q(user), pk=support_request.pk).exists()


def _require_agent(user, support_request: SupportRequest) -> None:
    if not may_work(user, support_request):
        raise NotAllowed(_("Only support staff working this request's queue may do this."))


def customer_workspace(customer, company=None) -> Workspace:
    """The workspace staff file in on a customer's behalf (phone intake): the customer's
    home workspace, or a company the customer belongs to."""
    if company is None:
        return Workspace(user=customer)
    membership = Membership.objects.filter(user=customer, company=company).first()
    if membership is None:
        raise NotAllowed(_("%(user)s is not a member of %(company)s.") % {
            "user": customer.email, "company": company.name}, field="requester")
    return Workspace(user=customer, company=company, membership=membership)


# Shared pieces --------------------------------------------------------------------------

def _lock(support_request: SupportRequest) -> SupportRequest:
    return SupportRequest.objects.select_for_update().get(pk=support_request.pk)


def _event(support_request, kind, *, actor=None, internal=False, at=None, **data):
    return TimelineEvent.objects.create(
        request=support_request, kind=kind, actor=actor, is_internal=internal, data=data,
        created_at=at or timezone.now(),
    )


def _status_event(support_request, old, new, *, actor=None, at=None):
    if old != new:
        _event(support_request, Kind.STATUS_CHANGED, actor=actor, at=at,
               **{"from": old, "to": new})


def _notify_customer(support_request: SupportRequest, template: str, **extra) -> None:
    """The email to the customer, in their language. Its context is JSON (strings, ids) and
    never holds an internal note: callers pass only public text."""
    customer = support_request.customer
    if customer is None or not customer.is_active or customer.erased_at is not None:
        return
    notify(customer.email, template, {
        "reference": support_request.reference,
        "subject": support_request.subject,
        "url": support_request.portal_path,
        "name": customer.get_short_name(),
        **extra,
    }, language=customer.language)


def _clean_body(body: str, field: str = "body") -> str:
    body = (body or "").strip()
    if not body:
        raise HelpdeskError(_("Write a message first."), field=field)
    if len(body) > MAX_BODY:
        raise HelpdeskError(_("A message may be at most %(max)d characters long.") % {
            "max": MAX_BODY}, field=field)
    return body


def _message(support_request, *, author, body, internal=False, at=None) -> Message:
    return Message.objects.create(
        request=support_request, author=author, is_internal=internal,
        from_staff=is_agent(author), body=body, body_html=markup.render(body),
        created_at=at or timezone.now(),
    )


def _first_response(locked: SupportRequest, now: datetime, fields: list[str]) -> None:
    if locked.first_response_at is None:
        locked.first_response_at = now
        fields.append("first_response_at")
    locked.last_staff_reply_at = now
    fields.append("last_staff_reply_at")


def _stop_waiting(locked: SupportRequest, fields: list[str]) -> None:
    locked.waiting_since = None
    locked.reminded_at = None
    fields += ["waiting_since", "reminded_at"]


def _next_reference(now: datetime) -> str:
    """`INC-<year>-<six digits>`, numbered per year. The counter row is locked until the
    filing commits, so concurrent filings take consecutive numbers, never the same."""
    year = timezone.localtime(now).year
    ReferenceCounter.objects.bulk_create([ReferenceCounter(year=year, last=0)],
                                         ignore_conflicts=True)
    counter = ReferenceCounter.objects.select_for_update().get(year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"INC-{year}-{counter.last:06d}"


def route(segment: str, category) -> Queue | None:
    """The queue for a new request: a route for its category in its segment, else one for
    its category in every segment, else the segment's default queue."""
    routes = {
        r.segment: r.queue
        for r in QueueRoute.objects.filter(category=category, segment__in=[segment, ""])
        .select_related("queue")
    }
    if segment in routes:
        return routes[segment]
    if "" in routes:
        return routes[""]
    return Queue.objects.filter(segment=segment, is_default=True).first()


def _current_rule_set() -> RuleSet:
    """The rules in force, recorded on every request (6.1); on a database nobody has
    seeded yet, the published rules are loaded first."""
    return RuleSet.objects.current() or load_published_rules()


def _standard_plan() -> SupportPlan:
    plan, _created = SupportPlan.objects.get_or_create(
        code=SupportPlan.STANDARD, defaults={"name": "Standard Support", "is_paid": False})
    return plan


# Filing ---------------------------------------------------------------------------------

def file_request(*, by, workspace: Workspace, category, subject: str, description: str,
                 priority: str = Priority.NORMAL, product=None, version=None, os: str = "",
                 os_version: str = "", licence_key: str | None = None,
                 follows_up: SupportRequest | None = None, http_request=None) -> SupportRequest:
    """File a request in `workspace` for `workspace.user`, if the Support Rules allow it.

    `by` is the customer, or staff filing on the customer's behalf (phone intake) under the
    same rules. `licence_key` must already be normalised (`licensing.keys.normalize_key`).
    Raises Refused (with the decision, recorded for staff) when the rules say no, and
    WorkspaceNotVerified for a company staff have not verified yet.
    """
    customer = workspace.user
    if by.pk != customer.pk and not is_agent(by):
        raise NotAllowed(_("Only support staff may file a request for someone else."))
    if workspace.company is not None and not Company.objects.filter(
            pk=workspace.company.pk, is_verified=True).exists():
        raise WorkspaceNotVerified(_(
            "%(company)s is not verified yet. Requests can be filed for it once support "
            "staff have verified the company."
        ) % {"company": workspace.company.name}, field="workspace")
    if priority not in Priority.values:
        raise HelpdeskError(_("Choose a priority from the list."), field="priority")
    subject = (subject or "").strip()
    if not subject:
        raise HelpdeskError(_("Give the request a subject."), field="subject")
    description = _clean_body(description, "description")

    decision = decide(workspace=workspace, category=category, product=product,
                      version=version, os=os or None, os_version=os_version or None,
                      licence_key=licence_key or None)
    if not decision.eligible:
        # Recorded outside any transaction of ours, so the refusal stays on record.
        record_refusal(decision, user=by, workspace=workspace, category=category,
                       product=product, version=version, request=http_request)
        raise Refused(decision)

    licence = decision.licence
    now = timezone.now()
    with transaction.atomic():
        # A paid plan only for its authorised contacts, within its yearly allowance (3.3).
        standard_reason, why = sla_services.premium_check(workspace=workspace,
                                                          licence=licence, now=now)
        plan = _standard_plan() if licence is None or standard_reason else licence.plan
        support_request = SupportRequest(
            reference=_next_reference(now),
            requester=customer,
            filed_by=by if by.pk != customer.pk else None,
            home_user=None if workspace.company else customer,
            company=workspace.company,
            segment=workspace.segment,
            category=category,
            product=product,
            version=version,
            os=os or "",
            os_version=os_version or "",
            subject=subject[:200],
            description=description,
            priority=priority,
            licence=licence,
            plan=plan,
            standard_reason=standard_reason,
            queue=route(workspace.segment, category),
            rule_set=_current_rule_set(),
            decision=decision.as_dict(),
            follows_up=follows_up,
            created_at=now,
        )
        sla_services.start_clock(support_request, now, country=workspace.country)
        support_request.save(force_insert=True)
        _event(support_request, Kind.FILED, actor=by, at=now,
               rule_set=support_request.rule_set.version if support_request.rule_set else None,
               on_behalf=support_request.filed_by_id is not None,
               follows_up=follows_up.reference if follows_up else None)
        if standard_reason:
            _event(support_request, Kind.FILED_UNDER_STANDARD, actor=by, at=now,
                   reason=standard_reason, **why)
        if follows_up is not None:
            _event(follows_up, Kind.FOLLOW_UP_OPENED, actor=by, at=now,
                   reference=support_request.reference)
        _notify_customer(support_request, "request_received",
                         follows_up=follows_up.reference if follows_up else "",
                         premium_plan=support_request.plan.name if support_request.plan
                         and support_request.first_response_due else "",
                         filed_under_standard=bool(standard_reason))
    return support_request


# Working a request ----------------------------------------------------------------------

@transaction.atomic
def assign(support_request: SupportRequest, *, to, by) -> SupportRequest:
    """Give the request to `to` (an agent), or to nobody with `to=None`. Taking a new
    request opens it."""
    _require_agent(by, support_request)
    if to is not None and not is_agent(to):
        raise HelpdeskError(_("%(user)s is not a support agent.") % {"user": to},
                            field="assignee")
    locked = _lock(support_request)
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
    _event(locked, Kind.ASSIGNED, actor=by, internal=True,
           to=to.email if to is not None else None, previous=previous)
    _status_event(locked, old, locked.status, actor=by)
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
    body = _clean_body(body)
    if may_work(by, support_request):
        return _staff_reply(support_request, by=by, body=body, internal=internal)
    if internal or is_agent(by):
        raise NotAllowed(_("Only support staff working this request's queue may write "
                           "internal notes."))
    if not _is_customer_of(by, support_request):
        raise NotAllowed(_("You cannot reply to this request."))
    with transaction.atomic():
        locked = _lock(support_request)
        now = timezone.now()
        window = timedelta(days=settings.REOPEN_WINDOW_DAYS)
        follow_up = locked.is_final or (
            locked.status == Status.RESOLVED and locked.resolved_at is not None
            and locked.resolved_at + window <= now)
        if not follow_up:
            return _customer_reply(locked, by=by, body=body, now=now)
    return _follow_up(locked, by=by, body=body)


def _staff_reply(support_request, *, by, body, internal) -> Message:
    with transaction.atomic():
        locked = _lock(support_request)
        now = timezone.now()
        if internal:
            message = _message(locked, author=by, body=body, internal=True, at=now)
            _event(locked, Kind.NOTE_ADDED, actor=by, internal=True, at=now,
                   message=message.pk)
            return message
        if locked.is_final:
            raise InvalidState(_("This request is closed; write an internal note instead."))
        message = _message(locked, author=by, body=body, at=now)
        fields = ["updated_at"]
        first = locked.first_response_at is None
        _first_response(locked, now, fields)
        old = locked.status
        if old == Status.NEW:
            locked.status = Status.OPEN
            fields.append("status")
        sla_services.staff_responded(locked, now, fields, first=first)
        locked.save(update_fields=fields)
        _event(locked, Kind.REPLIED, actor=by, at=now, message=message.pk)
        _status_event(locked, old, locked.status, actor=by, at=now)
        _notify_customer(locked, "request_reply", body=body,
                         author=by.get_short_name())
        return message


def _customer_reply(locked, *, by, body, now) -> Message:
    message = _message(locked, author=by, body=body, at=now)
    old = locked.status
    fields = ["last_customer_reply_at", "updated_at"]
    locked.last_customer_reply_at = now
    if old == Status.WAITING_ON_CUSTOMER:
        locked.status = Status.OPEN
        fields.append("status")
        _stop_waiting(locked, fields)
    elif old == Status.RESOLVED:
        locked.status = Status.OPEN
        locked.resolved_at = None
        fields += ["status", "resolved_at"]
    sla_services.customer_replied(locked, now, fields,
                                  resumed=old in (Status.WAITING_ON_CUSTOMER, Status.RESOLVED))
    locked.save(update_fields=fields)
    _event(locked, Kind.CUSTOMER_REPLIED, actor=by, at=now, message=message.pk)
    if old == Status.RESOLVED:
        _event(locked, Kind.REOPENED, actor=by, at=now)
    _status_event(locked, old, locked.status, actor=by, at=now)
    return message


def _follow_up(old: SupportRequest, *, by, body) -> Message:
    """A reply to a settled request becomes a new request linked to it."""
    old = SupportRequest.objects.select_related("company", "licence").get(pk=old.pk)
    workspace = customer_workspace(by, old.company) if old.company_id else Workspace(user=by)
    params = {"reference": old.reference, "subject": old.subject}
    # The customer's words are the new request's first message, so the description only
    # says where it comes from.
    new = file_request(
        by=by, workspace=workspace, category=old.category,
        subject=(_("Follow-up to %(reference)s: %(subject)s") % params)[:200],
        description=_("A reply to %(reference)s after it was settled.") % params,
        priority=old.priority, product=old.product, version=old.version, os=old.os,
        os_version=old.os_version, licence_key=old.licence.key if old.licence_id else None,
        follows_up=old,
    )
    with transaction.atomic():
        locked = _lock(new)
        message = _message(locked, author=by, body=body)
        locked.last_customer_reply_at = message.created_at
        locked.save(update_fields=["last_customer_reply_at", "updated_at"])
        _event(locked, Kind.CUSTOMER_REPLIED, actor=by, message=message.pk)
    return message


@transaction.atomic
def request_information(support_request: SupportRequest, *, by, body: str) -> Message:
    """Ask the customer for what is needed (6.4); the request waits on them."""
    _require_agent(by, support_request)
    body = _clean_body(body)
    locked = _lock(support_request)
    if not locked.is_active:
        raise InvalidState(_("Information can only be requested on an open request."))
    now = timezone.now()
    message = _message(locked, author=by, body=body, at=now)
    fields = ["status", "waiting_since", "reminded_at", "updated_at"]
    first = locked.first_response_at is None
    _first_response(locked, now, fields)
    old = locked.status
    locked.status = Status.WAITING_ON_CUSTOMER
    locked.waiting_since = now  # asking again restarts the silence clock and the reminder
    locked.reminded_at = None
    sla_services.staff_responded(locked, now, fields, first=first, waiting=True)
    locked.save(update_fields=fields)
    _event(locked, Kind.INFORMATION_REQUESTED, actor=by, at=now, message=message.pk)
    _status_event(locked, old, locked.status, actor=by, at=now)
    _notify_customer(locked, "request_information", body=body)
    return message


@transaction.atomic
def request_utility_run(support_request: SupportRequest, *, by, utility: str,
                        instructions: str, url: str = "") -> UtilityRequest:
    """Ask the customer to run a vendor utility and upload its output (6.2)."""
    _require_agent(by, support_request)
    utility, instructions = (utility or "").strip(), (instructions or "").strip()
    if not utility:
        raise HelpdeskError(_("Name the utility to run."), field="utility")
    if not instructions:
        raise HelpdeskError(_("Say how to run it and which file to send back."),
                            field="instructions")
    locked = _lock(support_request)
    if not locked.is_active:
        raise InvalidState(_("A utility run can only be requested on an open request."))
    now = timezone.now()
    utility_request = UtilityRequest.objects.create(
        request=locked, utility=utility[:100], instructions=instructions, url=url or "",
        requested_by=by, created_at=now)
    fields = ["status", "waiting_since", "reminded_at", "updated_at"]
    first = locked.first_response_at is None
    _first_response(locked, now, fields)
    old = locked.status
    locked.status = Status.WAITING_ON_CUSTOMER
    locked.waiting_since = now
    locked.reminded_at = None
    sla_services.staff_responded(locked, now, fields, first=first, waiting=True)
    locked.save(update_fields=fields)
    _event(locked, Kind.UTILITY_REQUESTED, actor=by, at=now, utility=utility_request.utility,
           utility_request=utility_request.pk)
    _status_event(locked, old, locked.status, actor=by, at=now)
    _notify_customer(locked, "request_utility", utility=utility_request.utility,
                     instructions=instructions, utility_url=utility_request.url)
    return utility_request


@transaction.atomic
def set_no_guarantee_flag(support_request: SupportRequest, *, by, clause: str,
                          note: str) -> NoGuaranteeFlag:
    """Note a condition of 4.4.1-4.4.6: support goes on without a guarantee of success.
    Setting the same clause again replaces its note."""
    _require_agent(by, support_request)
    if clause not in NoGuaranteeFlag.Clause.values:
        raise HelpdeskError(_("Choose one of the conditions of clauses 4.4.1 to 4.4.6."),
                            field="clause")
    note = (note or "").strip()
    if not note:
        raise HelpdeskError(_("Explain the condition to the customer."), field="note")
    locked = _lock(support_request)
    if locked.is_final:
        raise InvalidState(_("A closed or rejected request cannot be flagged."))
    flag, _created = NoGuaranteeFlag.objects.update_or_create(
        request=locked, clause=clause, defaults={"note": note[:2000], "set_by": by})
    _event(locked, Kind.FLAG_SET, actor=by, clause=clause, note=flag.note)
    return flag


@transaction.atomic
def change_plan(support_request: SupportRequest, *, by, plan: SupportPlan) -> SupportRequest:
    """Staff move an active request to another support plan (a licence upgraded, a premium
    request granted by hand, or one moved back to Standard Support); its due times are
    computed again for the new plan, from the filing time (DESIGN.md section 5)."""
    _require_agent(by, support_request)
    locked = _lock(support_request)
    if not locked.is_active:
        raise InvalidState(_("Only an active request can change plan."))
    if plan is None:
        raise HelpdeskError(_("Choose a support plan."), field="plan")
    if locked.plan_id == plan.pk:
        return locked
    previous = locked.plan
    now = timezone.now()
    locked.plan = plan
    fields = ["plan", "updated_at"]
    if plan.is_paid and locked.standard_reason:
        locked.standard_reason = ""
        fields.append("standard_reason")
    sla_services.recompute(locked, now, fields)
    locked.save(update_fields=fields)
    _event(locked, Kind.PLAN_CHANGED, actor=by, at=now,
           **{"from": previous.code if previous else None, "to": plan.code})
    return locked


@transaction.atomic
def resolve_request(support_request: SupportRequest, *, by, note: str = "") -> SupportRequest:
    """Support considers the request solved; the customer may re-open it by replying
    within REOPEN_WINDOW_DAYS, after which it closes."""
    _require_agent(by, support_request)
    locked = _lock(support_request)
    if not locked.is_active:
        raise InvalidState(_("Only an open request can be resolved."))
    now = timezone.now()
    fields = ["status", "resolved_at", "updated_at"]
    note = (note or "").strip()
    message = None
    if note:
        message = _message(locked, author=by, body=_clean_body(note, "note"), at=now)
        _first_response(locked, now, fields)
    old = locked.status
    locked.status = Status.RESOLVED
    locked.resolved_at = now
    _stop_waiting(locked, fields)
    sla_services.settled(locked, now, fields)
    locked.save(update_fields=fields)
    _event(locked, Kind.RESOLVED, actor=by, at=now,
           message=message.pk if message else None)
    _status_event(locked, old, locked.status, actor=by, at=now)
    _notify_customer(locked, "request_resolved", body=note,
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
    _require_agent(by, support_request)
    clause = (clause or "").strip()
    allowed = {label for label, _title in rejection_clauses(support_request)}
    if not REJECTION_CLAUSE.match(clause) or (allowed and clause not in allowed):
        raise HelpdeskError(_("Choose the clause the request is rejected under."),
                            field="clause")
    reason = _clean_body(reason, "reason")
    locked = _lock(support_request)
    if not locked.is_active:
        raise InvalidState(_("Only an open request can be rejected."))
    now = timezone.now()
    message = _message(locked, author=by, body=reason, at=now)
    fields = ["status", "rejection_clause", "rejected_at", "updated_at"]
    _first_response(locked, now, fields)
    old = locked.status
    locked.status = Status.REJECTED
    locked.rejection_clause = clause
    locked.rejected_at = now
    _stop_waiting(locked, fields)
    sla_services.settled(locked, now, fields)
    locked.save(update_fields=fields)
    _event(locked, Kind.REJECTED, actor=by, at=now, clause=clause, message=message.pk)
    _status_event(locked, old, locked.status, actor=by, at=now)
    _notify_customer(locked, "request_rejected", clause=clause, body=reason)
    return locked


def _close(locked: SupportRequest, *, by, reason: str, clause: str = "", now=None,
           **email) -> SupportRequest:
    now = now or timezone.now()
    old = locked.status
    locked.status = Status.CLOSED
    locked.closed_at = now
    locked.close_reason = reason
    locked.close_clause = clause
    fields = ["status", "closed_at", "close_reason", "close_clause", "updated_at"]
    if old == Status.WAITING_ON_CUSTOMER:
        _stop_waiting(locked, fields)
    if old in SupportRequest.ACTIVE_STATUSES:
        sla_services.settled(locked, now, fields)
    locked.save(update_fields=fields)
    _event(locked, Kind.CLOSED, actor=by, at=now, reason=reason, clause=clause or None)
    _status_event(locked, old, locked.status, actor=by, at=now)
    _notify_customer(locked, "request_closed", reason=reason, clause=clause, **email)
    return locked


@transaction.atomic
def close_request(support_request: SupportRequest, *, by) -> SupportRequest:
    """Staff close a resolved request, or one waiting on a customer who went silent."""
    _require_agent(by, support_request)
    locked = _lock(support_request)
    if locked.status == Status.RESOLVED:
        return _close(locked, by=by, reason=SupportRequest.CloseReason.BY_STAFF)
    if locked.status == Status.WAITING_ON_CUSTOMER:
        return _close(locked, by=by, reason=SupportRequest.CloseReason.NO_RESPONSE,
                      clause=_no_response_clause(locked))
    raise InvalidState(_("Only a resolved request, or one waiting on the customer, can be "
                         "closed."))


def _no_response_clause(locked: SupportRequest) -> str:
    flagged = locked.no_guarantee_flags.filter(clause=CLAUSE_MISSING_INFORMATION).exists()
    return f"{CLAUSE_NO_RESPONSE}, {CLAUSE_MISSING_INFORMATION}" if flagged \
        else CLAUSE_NO_RESPONSE


@transaction.atomic
def merge_duplicate(duplicate: SupportRequest, *, into: SupportRequest, by) -> SupportRequest:
    """Close `duplicate` as a duplicate of `into` (same workspace only)."""
    _require_agent(by, duplicate)
    _require_agent(by, into)
    if duplicate.pk == into.pk:
        raise HelpdeskError(_("A request cannot be merged into itself."), field="into")
    # Lock both in a fixed order, so two merges of the same pair cannot deadlock.
    rows = {r.pk: r for r in SupportRequest.objects.select_for_update()
            .filter(pk__in=[duplicate.pk, into.pk]).order_by("pk")}
    duplicate, into = rows[duplicate.pk], rows[into.pk]
    if (duplicate.company_id, duplicate.home_user_id) != (into.company_id, into.home_user_id):
        raise HelpdeskError(_("Only requests of the same customer workspace can be merged."),
                            field="into")
    if not duplicate.is_active and duplicate.status != Status.RESOLVED:
        raise InvalidState(_("This request is already closed."))
    if into.is_final:
        raise InvalidState(_("A request cannot be merged into a closed or rejected one."))
    now = timezone.now()
    duplicate.merged_into = into
    duplicate.save(update_fields=["merged_into"])
    _event(into, Kind.MERGED, actor=by, at=now, duplicate=duplicate.reference)
    _event(duplicate, Kind.MERGED, actor=by, at=now, into=into.reference)
    return _close(duplicate, by=by, reason=SupportRequest.CloseReason.DUPLICATE, now=now,
                  merged_into=into.reference)


# Files ----------------------------------------------------------------------------------

def upload_attachment(support_request: SupportRequest, *, by, file,
                      message: Message | None = None,
                      utility_request: UtilityRequest | None = None) -> Attachment:
    """Attach a file; AttachmentRefused (nothing stored, nothing else changed) if it is too
    large, empty, badly named or of a type not accepted.

    A customer's file on a request of a sample-taking category (4.1.2 a, b) is a malware
    sample: any type, kept apart, never handed back to the customer. A customer's upload
    that answers a utility request fulfils it, and re-opens the request once nothing else
    is awaited.
    """
    staff = may_work(by, support_request)
    if not staff and not _is_customer_of(by, support_request):
        raise NotAllowed(_("You cannot add files to this request."))
    if message is not None and (message.request_id != support_request.pk or (
            not staff and (message.is_internal or message.author_id != by.pk))):
        raise NotAllowed(_("The file can only go with your own message on this request."))
    if utility_request is not None and (staff or utility_request.request_id
                                        != support_request.pk):
        raise NotAllowed(_("Only the customer answers a utility request of this request."))
    if not staff:
        _require_open_for_customer(
            SupportRequest.objects.values_list("status", flat=True).get(pk=support_request.pk))

    is_sample = not staff and support_request.category.takes_sample
    stored = files.check_and_store(file, is_sample=is_sample)
    try:
        with transaction.atomic():
            attachment = _record_attachment(support_request, stored, by=by, message=message,
                                            utility_request=utility_request,
                                            is_sample=is_sample, staff=staff)
    except BaseException:
        files.delete_stored(stored.name)  # nothing in the database points at it
        raise
    return attachment


def _require_open_for_customer(status: str) -> None:
    if status in SupportRequest.FINAL_STATUSES:
        raise InvalidState(_("This request is closed; reply to it to open a follow-up."))


def _record_attachment(support_request, stored, *, by, message, utility_request, is_sample,
                       staff):
    locked = _lock(support_request)
    if not staff:  # it may have closed while the file was being checked
        _require_open_for_customer(locked.status)
    now = timezone.now()
    attachment = Attachment.objects.create(
        request=locked, message=message, uploaded_by=by, file=stored.name,
        original_name=stored.original_name, size=stored.size,
        content_type=stored.content_type, sha256=stored.sha256, is_sample=is_sample,
        created_at=now)
    internal = message is not None and message.is_internal
    _event(locked, Kind.ATTACHMENT_ADDED, actor=by, internal=internal, at=now,
           attachment=attachment.pk, name=attachment.original_name, size=attachment.size,
           sha256=attachment.sha256, sample=is_sample)
    if utility_request is None:
        return attachment
    utility_request = UtilityRequest.objects.select_for_update().get(pk=utility_request.pk)
    if not utility_request.is_pending:
        raise InvalidState(_("This utility request has already been answered."))
    utility_request.fulfilled_at = now
    utility_request.attachment = attachment
    utility_request.save(update_fields=["fulfilled_at", "attachment"])
    _event(locked, Kind.UTILITY_ANSWERED, actor=by, at=now, utility=utility_request.utility,
           utility_request=utility_request.pk, attachment=attachment.pk)
    still_waiting = locked.utility_requests.filter(fulfilled_at__isnull=True).exists()
    fields = ["last_customer_reply_at", "updated_at"]
    locked.last_customer_reply_at = now
    old = locked.status
    if old == Status.WAITING_ON_CUSTOMER and not still_waiting:
        locked.status = Status.OPEN
        fields.append("status")
        _stop_waiting(locked, fields)
    if locked.status in (Status.NEW, Status.OPEN):
        sla_services.customer_replied(locked, now, fields,
                                      resumed=old == Status.WAITING_ON_CUSTOMER)
    locked.save(update_fields=fields)
    _status_event(locked, old, locked.status, actor=by, at=now)
    return attachment


def download_sample(attachment: Attachment, *, by, http_request=None):
    """The sample inside a ZIP encrypted with `infected`, for staff only; every download
    is audited. Returns an open temporary file."""
    support_request = attachment.request
    _require_agent(by, support_request)
    if not attachment.is_sample:
        raise HelpdeskError(_("This file is not a sample."))
    if attachment.purged_at is not None or not attachment.file:
        raise InvalidState(_("This sample was purged after the retention period."))
    workspace = (Workspace(user=by, company=support_request.company)
                 if support_request.company_id else Workspace(user=support_request.home_user))
    with transaction.atomic():
        audit.record("helpdesk.sample_downloaded", actor=by, obj=attachment,
                     workspace=workspace, request=http_request,
                     reference=support_request.reference, sha256=attachment.sha256,
                     name=attachment.original_name)
        _event(support_request, Kind.SAMPLE_DOWNLOADED, actor=by, internal=True,
               attachment=attachment.pk, sha256=attachment.sha256)
    return files.encrypted_sample_zip(attachment)


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
        _event(locked, Kind.REMINDER_SENT, at=now)
        _notify_customer(locked, "request_reminder",
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
        _close(locked, by=None, reason=SupportRequest.CloseReason.NO_RESPONSE,
               clause=_no_response_clause(locked), now=now)
    return True


def close_after_reopen_window(pk: int, *, now: datetime | None = None) -> bool:
    """Close a resolved request once its reopen window has passed."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _claim(pk, status=Status.RESOLVED, resolved_at__lte=now - timedelta(
            days=settings.REOPEN_WINDOW_DAYS))
        if locked is None:
            return False
        _close(locked, by=None, reason=SupportRequest.CloseReason.REOPEN_WINDOW_ENDED, now=now)
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
        _event(attachment.request, Kind.SAMPLE_PURGED, at=now, attachment=pk,
               name=attachment.original_name, sha256=attachment.sha256,
               retention_days=settings.SAMPLE_RETENTION_DAYS)
        # The file goes only once the purge is committed; a rollback keeps both.
        transaction.on_commit(lambda: files.delete_stored(name))
    return True
