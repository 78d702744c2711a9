"""Service levels of paid plans (clause 3.3; DESIGN.md section 5).

Standard Support has no targets: its requests keep every SLA field empty. A request filed
under a licence with a paid plan (Premium Support) gets, per priority (`SlaTarget`), a
first-response, a next-response and a resolution target in business minutes of its support
calendar (`helpdesk.calendars`), or around the clock. Premium requests are limited to the
plan's authorised technical contacts of a company and to a yearly allowance per licence; a
request outside those limits is filed under Standard Support, with the reason stored on it
(`standard_reason`) and on its timeline.

The clock
---------
Due times are stored on the request and computed only on the events that change them, by
the hooks below that `helpdesk.services` calls inside its transitions:

* filing (`start_clock`): first response and resolution due from the filing time;
* a staff response (`staff_responded`): the first one meets the first-response target; a
  public reply while support holds the ball starts the next-response target from it;
* waiting on the customer (`staff_responded(waiting=True)`): the clock stops
  (`sla_paused_at`) and no next response is owed;
* a customer reply (`customer_replied`): restarts the next-response target; leaving
  waiting-on-customer (or re-opening a resolved request) pushes the resolution due time
  (and its reminder) by the business minutes the clock stood still;
* resolving, rejecting or closing (`settled`): `met`, unless a target was missed;
* a plan change by staff (`recompute`): everything again from the filing time.

Escalation never moves a due time. Each target also stores the instant it reaches
SLA_REMINDER_SHARE of its time (`*_remind_at`), and the request stores the next instant the
sweep has something to do (`sla_check_at`, a partial index), so `sweep` is one range query
over the requests with something due, and per-request work only for those.

Reminders and escalations
-------------------------
At the reminder share, the assignee (or the queue's supervisors when nobody is assigned)
gets a reminder; at the due time, the supervisors get an escalation, the request is marked
breached and escalated, with a line on its timeline. Each is sent at most once: a
`SlaNotice` row (unique) is written in the same transaction as the email's outbox row, after
the request row is locked; a conflict means another sweep sent it, and is skipped. First
response and resolution are reminded and escalated once per request; the next response once
per due time (each exchange starts a new one).
"""

from __future__ import annotations

import logging
import math
import time as clock_time
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Company, Membership
from licensing.models import Licence, SupportPlan
from notifications.services import notify

from .calendars import calendar_for, schedule_for
from .errors import HelpdeskError, NotAllowed
from .groups import SUPERVISORS
from .models import (
    AuthorisedContact,
    Priority,
    SlaNotice,
    SlaTarget,
    SupportRequest,
    TimelineEvent,
)
from .sla import Schedule, add_business_minutes, business_minutes_between

__all__ = [
    "TARGETS", "Clock", "add_authorised_contact", "authorised_contacts", "backfill",
    "clock_for", "clock_of", "contacts_limit", "customer_replied", "licence_year",
    "premium_allowance", "premium_check", "premium_requests_used", "recompute",
    "remove_authorised_contact", "settled", "staff_responded", "start_clock", "sweep",
]

logger = logging.getLogger(__name__)

Status = SupportRequest.Status
SlaState = SupportRequest.SlaState
Reason = SupportRequest.StandardReason
Kind = TimelineEvent.Kind
Target = SlaNotice.Target
NoticeKind = SlaNotice.Kind

TARGETS = (Target.FIRST_RESPONSE, Target.NEXT_RESPONSE, Target.RESOLUTION)
# Reminded and escalated once per request, whatever their due time becomes; the next
# response is once per due time.
_ONCE_PER_REQUEST = {Target.FIRST_RESPONSE, Target.RESOLUTION}
_RUNNING = (Status.NEW, Status.OPEN)
_SLA_FIELDS = [
    "first_response_due", "next_response_due", "resolution_due", "first_response_remind_at",
    "next_response_remind_at", "resolution_remind_at", "sla_state", "sla_check_at",
]


def _reminder_share() -> float:
    share = float(getattr(settings, "SLA_REMINDER_SHARE", 0.75))
    return min(max(share, 0.0), 1.0)


# The clock of a request ------------------------------------------------------------------

@dataclass(frozen=True)
class Clock:
    """The targets of one plan and priority, and the hours they count."""

    target: SlaTarget
    schedule: Schedule

    def minutes(self, name: str) -> int:
        return getattr(self.target, f"{name}_minutes")

    def due(self, start: datetime, name: str, extra: int = 0) -> datetime:
        return add_business_minutes(start, self.minutes(name) + extra, self.schedule)

    def remind(self, start: datetime, name: str, extra: int = 0) -> datetime:
        share = math.ceil(self.minutes(name) * _reminder_share())
        return add_business_minutes(start, share + extra, self.schedule)

    def push(self, moment: datetime | None, minutes: int) -> datetime | None:
        if moment is None or minutes <= 0:
            return moment
        return add_business_minutes(moment, minutes, self.schedule)

    def between(self, a: datetime, b: datetime) -> int:
        return business_minutes_between(a, b, self.schedule)


def clock_for(*, plan: SupportPlan | None, priority: str, country, segment: str) -> Clock | None:
    """The clock of a request of `plan` and `priority` in (`country`, `segment`); None under
    Standard Support, and for a paid plan without a target for the priority."""
    if plan is None or not plan.is_paid:
        return None
    target = SlaTarget.objects.filter(plan=plan, priority=priority).first()
    if target is None:
        return None
    calendar = calendar_for(country, segment)
    if target.around_the_clock:
        return Clock(target, Schedule.always_open(calendar.time_zone if calendar else "UTC"))
    if calendar is not None:
        try:
            return Clock(target, schedule_for(calendar))
        except ValueError:
            logger.error("Support calendar %s has no opening hours; counting around the "
                         "clock", calendar.pk)
    else:
        logger.error("No support calendar for %s/%s; counting around the clock", country,
                     segment)
    return Clock(target, Schedule.always_open("UTC"))


def _country(support_request: SupportRequest):
    if support_request.company_id:
        return support_request.company.country
    owner = support_request.home_user or support_request.requester
    return owner.country if owner is not None else settings.DEFAULT_COUNTRY


def clock_of(support_request: SupportRequest) -> Clock | None:
    if support_request.plan_id is None:
        return None
    return clock_for(plan=support_request.plan, priority=support_request.priority,
                     country=_country(support_request), segment=support_request.segment)


def _has_clock(sr: SupportRequest) -> bool:
    """Cheap test, without a query: whether the request runs an SLA clock at all."""
    return sr.sla_state is not None


def _set(sr: SupportRequest, fields: list[str], **values) -> None:
    for name, value in values.items():
        setattr(sr, name, value)
        if name not in fields:
            fields.append(name)


def _late(due: datetime | None, at: datetime | None) -> bool:
    return due is not None and at is not None and at > due


# Hooks of the transitions (helpdesk.services) -------------------------------------------

def start_clock(sr: SupportRequest, now: datetime, *, country=None,
                clock: Clock | None = None) -> None:
    """Set the due times of a request being filed at `now` (not saved yet). A data seed
    writing many rows may pass the `clock` (`clock_for`) it looked up once."""
    if clock is None:
        clock = clock_for(plan=sr.plan, priority=sr.priority,
                          country=country if country is not None else _country(sr),
                          segment=sr.segment)
    if clock is None:
        return
    sr.first_response_due = clock.due(now, Target.FIRST_RESPONSE)
    sr.first_response_remind_at = clock.remind(now, Target.FIRST_RESPONSE)
    sr.resolution_due = clock.due(now, Target.RESOLUTION)
    sr.resolution_remind_at = clock.remind(now, Target.RESOLUTION)
    sr.sla_state = SlaState.ON_TRACK
    sr.sla_check_at = _next_check(sr, set())


def staff_responded(sr: SupportRequest, now: datetime, fields: list[str], *, first: bool,
                    waiting: bool = False) -> None:
    """Support answered publicly (call after the status change; `first`: no response had
    been given before). The first answer meets the first-response target (or misses it);
    while support holds the ball the next-response target starts from now; `waiting`
    (information or a utility run requested) stops the clock instead."""
    if not _has_clock(sr):
        return
    if first and _late(sr.first_response_due, now):
        _set(sr, fields, sla_state=SlaState.BREACHED)
    if waiting or sr.status == Status.WAITING_ON_CUSTOMER:
        _set(sr, fields, next_response_due=None, next_response_remind_at=None)
        if sr.sla_paused_at is None:
            _set(sr, fields, sla_paused_at=now)
    elif sr.status in _RUNNING:
        clock = clock_of(sr)
        if clock is not None:
            _set(sr, fields, next_response_due=clock.due(now, Target.NEXT_RESPONSE),
                 next_response_remind_at=clock.remind(now, Target.NEXT_RESPONSE))
    _refresh(sr, now, fields)


def customer_replied(sr: SupportRequest, now: datetime, fields: list[str], *,
                     resumed: bool) -> None:
    """The customer answered (call after the status change). `resumed`: the request left
    waiting-on-customer or resolved, so the resolution due time moves by the business
    minutes the clock stood still. Once support has answered first, the customer's words
    start a new next-response target."""
    if not _has_clock(sr):
        return
    clock = clock_of(sr)
    if clock is None:
        return
    if resumed and sr.sla_paused_at is not None:
        paused = clock.between(sr.sla_paused_at, now)
        _set(sr, fields, sla_paused_at=None,
             sla_paused_minutes=sr.sla_paused_minutes + paused,
             resolution_due=clock.push(sr.resolution_due, paused),
             resolution_remind_at=clock.push(sr.resolution_remind_at, paused))
    if sr.first_response_at is not None and sr.status in _RUNNING:
        _set(sr, fields, next_response_due=clock.due(now, Target.NEXT_RESPONSE),
             next_response_remind_at=clock.remind(now, Target.NEXT_RESPONSE))
    if sr.sla_state == SlaState.MET:
        _set(sr, fields, sla_state=SlaState.ON_TRACK)  # re-opened: running again
    _refresh(sr, now, fields)


def settled(sr: SupportRequest, now: datetime, fields: list[str]) -> None:
    """Resolved, rejected or closed while active (call after the change): the targets were
    met unless one was missed. The clock stops, so a re-opening resumes it."""
    if not _has_clock(sr):
        return
    stopped = sr.sla_paused_at or now
    missed = (
        sr.sla_state == SlaState.BREACHED
        or _late(sr.first_response_due, sr.first_response_at or now)
        or _late(sr.next_response_due, now)
        or _late(sr.resolution_due, stopped)
    )
    _set(sr, fields, sla_state=SlaState.BREACHED if missed else SlaState.MET,
         next_response_due=None, next_response_remind_at=None, sla_check_at=None,
         sla_paused_at=stopped)


def recompute(sr: SupportRequest, now: datetime, fields: list[str]) -> None:
    """Due times for the request's (new) plan, as if it had been filed under it: used when
    staff change the plan. Standard Support clears them."""
    clock = clock_of(sr)
    if clock is None:
        _set(sr, fields, **dict.fromkeys(_SLA_FIELDS), sla_paused_at=None,
             sla_paused_minutes=0)
        return
    if sr.status == Status.WAITING_ON_CUSTOMER and sr.sla_paused_at is None:
        _set(sr, fields, sla_paused_at=sr.waiting_since or now)
    created = sr.created_at
    paused = sr.sla_paused_minutes
    values = {
        "first_response_due": clock.due(created, Target.FIRST_RESPONSE),
        "first_response_remind_at": clock.remind(created, Target.FIRST_RESPONSE),
        "resolution_due": clock.due(created, Target.RESOLUTION, paused),
        "resolution_remind_at": clock.remind(created, Target.RESOLUTION, paused),
        "next_response_due": None,
        "next_response_remind_at": None,
    }
    if sr.first_response_at is not None and sr.status in _RUNNING:
        last = max(d for d in (sr.first_response_at, sr.last_staff_reply_at,
                               sr.last_customer_reply_at) if d is not None)
        values["next_response_due"] = clock.due(last, Target.NEXT_RESPONSE)
        values["next_response_remind_at"] = clock.remind(last, Target.NEXT_RESPONSE)
    _set(sr, fields, **values)
    stopped = sr.sla_paused_at or now
    missed = (_late(sr.first_response_due, sr.first_response_at or now)
              or _late(sr.next_response_due, now) or _late(sr.resolution_due, stopped))
    _set(sr, fields, sla_state=SlaState.BREACHED if missed else SlaState.ON_TRACK)
    _refresh(sr, now, fields)


def _pending(sr: SupportRequest) -> dict[str, tuple[datetime, datetime | None]]:
    """{target: (due, remind_at)} of the targets still running."""
    if sr.status not in (*_RUNNING, Status.WAITING_ON_CUSTOMER) or sr.sla_state is None:
        return {}
    running = sr.status in _RUNNING and sr.sla_paused_at is None
    pending = {}
    if sr.first_response_at is None and sr.first_response_due is not None:
        pending[Target.FIRST_RESPONSE] = (sr.first_response_due, sr.first_response_remind_at)
    if running and sr.next_response_due is not None:
        pending[Target.NEXT_RESPONSE] = (sr.next_response_due, sr.next_response_remind_at)
    if running and sr.resolution_due is not None:
        pending[Target.RESOLUTION] = (sr.resolution_due, sr.resolution_remind_at)
    return pending


def _sent(sr: SupportRequest) -> set[tuple]:
    return set(SlaNotice.objects.filter(request=sr).values_list("target", "kind", "due_at"))


def _was_sent(sent: set[tuple], target: str, kind: str, due: datetime) -> bool:
    if target in _ONCE_PER_REQUEST:
        return any(t == target and k == kind for t, k, _due in sent)
    return (target, kind, due) in sent


def _next_check(sr: SupportRequest, sent: set[tuple]) -> datetime | None:
    moments = []
    for target, (due, remind) in _pending(sr).items():
        if _was_sent(sent, target, NoticeKind.ESCALATION, due):
            continue  # escalated: nothing more to say about this target
        if remind is not None and remind < due and not _was_sent(
                sent, target, NoticeKind.REMINDER, due):
            moments.append(remind)
        moments.append(due)
    return min(moments, default=None)


def _refresh(sr: SupportRequest, now: datetime, fields: list[str],
             sent: set[tuple] | None = None) -> None:
    """The state (on track / at risk; breached stays) and the next check, after a change."""
    if sr.sla_state is None:
        return
    if sent is None:
        sent = _sent(sr) if sr.pk else set()
    pending = _pending(sr)
    if sr.sla_state not in (SlaState.BREACHED, SlaState.MET):
        at_risk = any(remind is not None and remind <= now for _due, remind in pending.values())
        _set(sr, fields, sla_state=SlaState.AT_RISK if at_risk else SlaState.ON_TRACK)
    _set(sr, fields, sla_check_at=_next_check(sr, sent))


# Who may file premium requests, and how many -------------------------------------------

def _anniversary(start: date, year: int) -> date:
    try:
        return start.replace(year=year)
    except ValueError:  # 29 February in a common year
        return date(year, 2, 28)


def licence_year(licence: Licence, day: date) -> tuple[date, date]:
    """[start, end) of the licence year holding `day`: years run from the start date."""
    start = _anniversary(licence.starts_on, day.year)
    if start > day:
        start = _anniversary(licence.starts_on, day.year - 1)
    return start, _anniversary(licence.starts_on, start.year + 1)


def _midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(0, 0)))


def premium_requests_used(licence: Licence, day: date | None = None) -> int:
    """Premium requests filed under `licence` in the licence year holding `day`; a
    duplicate merged into another request does not count."""
    start, end = licence_year(licence, day or timezone.localdate())
    return SupportRequest.objects.filter(
        licence=licence, plan__is_paid=True, merged_into__isnull=True,
        created_at__gte=_midnight(start), created_at__lt=_midnight(end),
    ).count()


def authorised_contacts(company: Company, plan: SupportPlan) -> tuple[list, bool]:
    """(users, named): the company's authorised technical contacts for `plan`. Until the
    company names any, its administrators act as them (named is then False). A plan
    without a number allows every member (an empty list, named False)."""
    named = [c.user for c in AuthorisedContact.objects.filter(company=company)
             .select_related("user").order_by("added_at", "pk")]
    if named:
        return named, True
    if plan.authorised_contacts is None:
        return [], False
    admins = get_user_model().objects.filter(
        memberships__company=company, memberships__role=Membership.Role.ADMIN,
        is_active=True).order_by("email")
    return list(admins), False


def _is_authorised(company: Company, user, plan: SupportPlan) -> bool:
    if plan.authorised_contacts is None:
        return True  # every member of the company
    if plan.authorised_contacts == 0:
        return False
    contacts = AuthorisedContact.objects.filter(company=company)
    if contacts.exists():
        return contacts.filter(user=user).exists()
    return Membership.objects.filter(company=company, user=user,
                                     role=Membership.Role.ADMIN).exists()


def premium_check(*, workspace, licence: Licence | None, now: datetime) -> tuple[str, dict]:
    """("", {}) when a request filed now in `workspace` under `licence` gets the licence's
    paid plan (or the licence has none); else (StandardReason, details) to file it under
    Standard Support. Call inside the filing transaction: it locks the licence row, so two
    filings cannot both take the last premium request."""
    if licence is None or not licence.plan.is_paid:
        return "", {}
    plan = licence.plan
    day = timezone.localdate(now)
    if not licence.is_valid_on(day):
        return Reason.LICENCE_NOT_VALID, {"plan": plan.code}
    if workspace.company is not None and not _is_authorised(workspace.company, workspace.user,
                                                             plan):
        return Reason.NOT_AUTHORISED, {"plan": plan.code}
    if plan.yearly_request_allowance is not None:
        Licence.objects.select_for_update().filter(pk=licence.pk).first()
        used = premium_requests_used(licence, day)
        if used >= plan.yearly_request_allowance:
            start, end = licence_year(licence, day)
            return Reason.ALLOWANCE_USED, {
                "plan": plan.code, "allowance": plan.yearly_request_allowance, "used": used,
                "year_start": start.isoformat(), "year_end": end.isoformat()}
    return "", {}


def _paid_licence(company: Company, day: date) -> Licence | None:
    return (Licence.objects.filter(company=company, plan__is_paid=True).valid_on(day)
            .select_related("plan").order_by("-expires_on", "pk").first())


def premium_allowance(company: Company, *, now: datetime | None = None) -> dict | None:
    """What the company portal shows of its paid plan; None without a valid licence on a
    paid plan. A dict with ``plan`` (SupportPlan), ``licence``, ``allowance`` (premium
    requests a year, None = unlimited), ``used`` and ``left`` (None = unlimited) in the
    licence year ``year_start`` - ``year_end`` (exclusive), ``contacts`` (users),
    ``contacts_limit`` (None = every member) and ``contacts_named`` (False while the
    company's administrators act as its contacts)."""
    day = timezone.localdate(now or timezone.now())
    licence = _paid_licence(company, day)
    if licence is None:
        return None
    plan = licence.plan
    used = premium_requests_used(licence, day)
    allowance = plan.yearly_request_allowance
    start, end = licence_year(licence, day)
    contacts, named = authorised_contacts(company, plan)
    return {
        "plan": plan,
        "licence": licence,
        "allowance": allowance,
        "used": used,
        "left": None if allowance is None else max(allowance - used, 0),
        "year_start": start,
        "year_end": end,
        "contacts": contacts,
        "contacts_limit": plan.authorised_contacts,
        "contacts_named": named,
    }


def _may_manage_contacts(by, company: Company) -> bool:
    if by is None or not by.is_authenticated or not by.is_active:
        return False
    if by.is_staff and by.has_perm("helpdesk.add_authorisedcontact"):
        return True
    return Membership.objects.filter(company=company, user=by,
                                     role=Membership.Role.ADMIN).exists()


def contacts_limit(company: Company, day: date | None = None) -> int | None:
    """How many authorised contacts the company may name under its paid plan (None =
    unlimited); HelpdeskError without a valid paid licence."""
    licence = _paid_licence(company, day or timezone.localdate())
    if licence is None:
        raise HelpdeskError(_("%(company)s has no valid licence on a paid support plan.") % {
            "company": company.name}, field="company")
    return licence.plan.authorised_contacts


@transaction.atomic
def add_authorised_contact(*, company: Company, user, by) -> AuthorisedContact:
    """Name `user` (a member of `company`) an authorised technical contact, within the
    number the company's paid plan allows. Company administrators and staff may."""
    if not _may_manage_contacts(by, company):
        raise NotAllowed(_("Only the company's administrators or support staff may name "
                           "authorised contacts."))
    Company.objects.select_for_update().filter(pk=company.pk).first()
    if not Membership.objects.filter(company=company, user=user).exists():
        raise HelpdeskError(_("%(user)s is not a member of %(company)s.") % {
            "user": user.email, "company": company.name}, field="user")
    existing = AuthorisedContact.objects.filter(company=company, user=user).first()
    if existing is not None:
        return existing
    limit = contacts_limit(company)
    if limit is not None and AuthorisedContact.objects.filter(company=company).count() >= limit:
        raise HelpdeskError(_("%(company)s's plan allows %(limit)d authorised contacts; remove "
                              "one first.") % {"company": company.name, "limit": limit},
                            field="user")
    return AuthorisedContact.objects.create(company=company, user=user)


@transaction.atomic
def remove_authorised_contact(*, company: Company, user, by) -> bool:
    if not _may_manage_contacts(by, company):
        raise NotAllowed(_("Only the company's administrators or support staff may remove "
                           "authorised contacts."))
    deleted, _rows = AuthorisedContact.objects.filter(company=company, user=user).delete()
    return bool(deleted)


# The sweep ----------------------------------------------------------------------------------

def sweep(*, now: datetime | None = None, batch: int | None = None,
          time_budget: float | None = None) -> int:
    """Send the reminders and escalations that are due; returns how many were sent.

    One indexed range query finds the requests with something due (`sla_check_at`); they
    are then handled in chunks, each in one transaction under row locks (`skip_locked`: a
    request another sweep holds is left to it, and one it finished no longer matches). The
    notices, timeline lines and state changes of a chunk are written in bulk; should a
    notice row of the chunk exist already (the unique constraint), the chunk is done again
    one request at a time, skipping what was sent. Stops after `batch` requests or
    `time_budget` seconds; the next run goes on where this one stopped.
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


SWEEP_CHUNK = 100


def _locked(ids, now):
    return (SupportRequest.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("assignee", "queue").filter(pk__in=ids, sla_check_at__lte=now)
            .order_by("pk"))


def _due_notices(sr: SupportRequest, sent: set[tuple], now: datetime) -> list[tuple]:
    """(target, kind, due) of the notices the request is owed now: the escalation of a
    target past its due time, else the reminder of one past its reminder share."""
    due_now = []
    for target, (due, remind) in _pending(sr).items():
        if due <= now:
            if not _was_sent(sent, target, NoticeKind.ESCALATION, due):
                due_now.append((target, NoticeKind.ESCALATION, due))
        elif remind is not None and remind <= now and not _was_sent(
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
            events, changed = [], set()
            for sr, due_now in plans:
                fields: list[str] = []
                for target, kind, due in due_now:
                    sent_by_request[sr.pk].add((target, kind, due))
                    events.append(_announce(sr, target, kind, due, now, fields, supervisors))
                _refresh(sr, now, fields, sent_by_request[sr.pk])
                changed.update(fields)
            TimelineEvent.objects.bulk_create(events)
            if changed:
                SupportRequest.objects.bulk_update(rows, sorted(changed))
            return len(events)
    except IntegrityError:
        # A notice of this chunk was written meanwhile: one by one, skipping it.
        return sum(_sweep_one(pk, now, supervisors) for pk in ids)


def _sweep_one(pk: int, now: datetime, supervisors: dict) -> int:
    """One request in its own transaction; a notice that exists already is skipped."""
    with transaction.atomic():
        sr = _locked([pk], now).first()
        if sr is None:
            return 0  # another sweep has it, or it changed since
        sent = _sent(sr)
        fields: list[str] = []
        events = []
        for target, kind, due in _due_notices(sr, sent, now):
            try:
                with transaction.atomic():
                    SlaNotice.objects.create(request=sr, target=target, kind=kind, due_at=due)
            except IntegrityError:
                continue  # already sent by an overlapping sweep
            sent.add((target, kind, due))
            events.append(_announce(sr, target, kind, due, now, fields, supervisors))
        TimelineEvent.objects.bulk_create(events)
        _refresh(sr, now, fields, sent)
        if fields:
            sr.save(update_fields=fields)
    return len(events)


def _announce(sr, target, kind, due, now, fields, supervisors) -> TimelineEvent:
    """The emails of one reminder or escalation (its SlaNotice row is written), the change
    of state, and its timeline line (returned, for a bulk insert)."""
    escalation = kind == NoticeKind.ESCALATION
    if escalation:
        recipients = _supervisors(sr, supervisors)
        _set(sr, fields, sla_state=SlaState.BREACHED, escalated_at=sr.escalated_at or now)
    else:
        assignee = sr.assignee if sr.assignee_id and sr.assignee.is_active else None
        recipients = [assignee] if assignee is not None else _supervisors(sr, supervisors)
        if sr.sla_state != SlaState.BREACHED:
            _set(sr, fields, sla_state=SlaState.AT_RISK)
    url = reverse("admin:helpdesk_supportrequest_change", args=[sr.pk])
    template = "sla_escalation" if escalation else "sla_reminder"
    for user in recipients:
        zone = ZoneInfo(user.time_zone or settings.DEFAULT_USER_TIME_ZONE)
        with translation.override(user.language):
            target_label = str(Target(target).label).lower()
            priority_label = str(Priority(sr.priority).label).lower()
        notify(user.email, template, {
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
        }, language=user.language)
    return TimelineEvent(
        request=sr, kind=Kind.ESCALATED if escalation else Kind.SLA_REMINDER,
        is_internal=True, created_at=now,
        data={"target": str(target), "due": due.isoformat(),
              "to": [u.email for u in recipients]})


def _supervisors(sr: SupportRequest, cache: dict) -> list:
    """The queue's supervisors; without any, every active member of the Supervisors
    group. Looked up once per queue and sweep."""
    if sr.queue_id not in cache:
        users = []
        if sr.queue_id is not None:
            users = list(sr.queue.supervisors.filter(is_active=True).order_by("pk"))
        if not users:
            users = list(get_user_model().objects.filter(
                Q(groups__name=SUPERVISORS), is_active=True, is_staff=True)
                .distinct().order_by("pk"))
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
    missed = _late(first_due, sr.first_response_at or end) or _late(resolution_due, end)
    _set(sr, fields, first_response_due=first_due, resolution_due=resolution_due,
         sla_state=SlaState.BREACHED if missed else SlaState.MET, sla_check_at=None)
