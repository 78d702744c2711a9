"""Service levels of paid plans (clause 3.3; DESIGN.md section 5).

Standard Support has no targets: its requests keep every SLA field empty. A request filed
under a licence with a paid plan (Premium Support) gets, per priority (`SlaTarget`), a
first-response, a next-response and a resolution target in business minutes of its support
calendar (`helpdesk.sla.calendars`), or around the clock. Premium requests are limited to the
plan's authorised technical contacts of a company and to a yearly allowance per licence; a
request outside those limits is filed under Standard Support, with the reason stored on it
(`standard_reason`) and on its timeline.

The clock
---------
Due times are stored on the request and computed only on the events that change them, by
the hooks below that the request services call inside its transitions:

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
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings

from licensing.models import SupportPlan

from ..requests.models import SupportRequest, TimelineEvent
from .calendars import calendar_for, schedule_for
from .hours import Schedule, add_business_minutes, business_minutes_between
from .models import SlaNotice, SlaTarget

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
ONCE_PER_REQUEST = {Target.FIRST_RESPONSE, Target.RESOLUTION}
RUNNING = (Status.NEW, Status.OPEN)
SLA_FIELDS = [
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


def set_fields(sr: SupportRequest, fields: list[str], **values) -> None:
    for name, value in values.items():
        setattr(sr, name, value)
        if name not in fields:
            fields.append(name)


def is_late(due: datetime | None, at: datetime | None) -> bool:
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
    sr.sla_check_at = next_check(sr, set())


def staff_responded(sr: SupportRequest, now: datetime, fields: list[str], *, first: bool,
                    waiting: bool = False) -> None:
    """Support answered publicly (call after the status change; `first`: no response had
    been given before). The first answer meets the first-response target (or misses it);
    while support holds the ball the next-response target starts from now; `waiting`
    (information or a utility run requested) stops the clock instead."""
    if not _has_clock(sr):
        return
    if first and is_late(sr.first_response_due, now):
        set_fields(sr, fields, sla_state=SlaState.BREACHED)
    if waiting or sr.status == Status.WAITING_ON_CUSTOMER:
        set_fields(sr, fields, next_response_due=None, next_response_remind_at=None)
        if sr.sla_paused_at is None:
            set_fields(sr, fields, sla_paused_at=now)
    elif sr.status in RUNNING:
        clock = clock_of(sr)
        if clock is not None:
            set_fields(sr, fields, next_response_due=clock.due(now, Target.NEXT_RESPONSE),
                 next_response_remind_at=clock.remind(now, Target.NEXT_RESPONSE))
    refresh(sr, now, fields)


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
        set_fields(sr, fields, sla_paused_at=None,
             sla_paused_minutes=sr.sla_paused_minutes + paused,
             resolution_due=clock.push(sr.resolution_due, paused),
             resolution_remind_at=clock.push(sr.resolution_remind_at, paused))
    if sr.first_response_at is not None and sr.status in RUNNING:
        set_fields(sr, fields, next_response_due=clock.due(now, Target.NEXT_RESPONSE),
             next_response_remind_at=clock.remind(now, Target.NEXT_RESPONSE))
    if sr.sla_state == SlaState.MET:
        set_fields(sr, fields, sla_state=SlaState.ON_TRACK)  # re-opened: running again
    refresh(sr, now, fields)


def settled(sr: SupportRequest, now: datetime, fields: list[str]) -> None:
    """Resolved, rejected or closed while active (call after the change): the targets were
    met unless one was missed. The clock stops, so a re-opening resumes it."""
    if not _has_clock(sr):
        return
    stopped = sr.sla_paused_at or now
    missed = (
        sr.sla_state == SlaState.BREACHED
        or is_late(sr.first_response_due, sr.first_response_at or now)
        or is_late(sr.next_response_due, now)
        or is_late(sr.resolution_due, stopped)
    )
    set_fields(sr, fields, sla_state=SlaState.BREACHED if missed else SlaState.MET,
         next_response_due=None, next_response_remind_at=None, sla_check_at=None,
         sla_paused_at=stopped)


def recompute(sr: SupportRequest, now: datetime, fields: list[str]) -> None:
    """Due times for the request's (new) plan, as if it had been filed under it: used when
    staff change the plan. Standard Support clears them."""
    clock = clock_of(sr)
    if clock is None:
        set_fields(sr, fields, **dict.fromkeys(SLA_FIELDS), sla_paused_at=None,
             sla_paused_minutes=0)
        return
    if sr.status == Status.WAITING_ON_CUSTOMER and sr.sla_paused_at is None:
        set_fields(sr, fields, sla_paused_at=sr.waiting_since or now)
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
    if sr.first_response_at is not None and sr.status in RUNNING:
        last = max(d for d in (sr.first_response_at, sr.last_staff_reply_at,
                               sr.last_customer_reply_at) if d is not None)
        values["next_response_due"] = clock.due(last, Target.NEXT_RESPONSE)
        values["next_response_remind_at"] = clock.remind(last, Target.NEXT_RESPONSE)
    set_fields(sr, fields, **values)
    stopped = sr.sla_paused_at or now
    missed = (is_late(sr.first_response_due, sr.first_response_at or now)
              or is_late(sr.next_response_due, now) or is_late(sr.resolution_due, stopped))
    set_fields(sr, fields, sla_state=SlaState.BREACHED if missed else SlaState.ON_TRACK)
    refresh(sr, now, fields)


def pending_targets(sr: SupportRequest) -> dict[str, tuple[datetime, datetime | None]]:
    """{target: (due, remind_at)} of the targets still running."""
    if sr.status not in (*RUNNING, Status.WAITING_ON_CUSTOMER) or sr.sla_state is None:
        return {}
    running = sr.status in RUNNING and sr.sla_paused_at is None
    pending = {}
    if sr.first_response_at is None and sr.first_response_due is not None:
        pending[Target.FIRST_RESPONSE] = (sr.first_response_due, sr.first_response_remind_at)
    if running and sr.next_response_due is not None:
        pending[Target.NEXT_RESPONSE] = (sr.next_response_due, sr.next_response_remind_at)
    if running and sr.resolution_due is not None:
        pending[Target.RESOLUTION] = (sr.resolution_due, sr.resolution_remind_at)
    return pending


def notices_sent(sr: SupportRequest) -> set[tuple]:
    return set(SlaNotice.objects.filter(request=sr).values_list("target", "kind", "due_at"))


def was_sent(sent: set[tuple], target: str, kind: str, due: datetime) -> bool:
    if target in ONCE_PER_REQUEST:
        return any(t == target and k == kind for t, k, _due in sent)
    return (target, kind, due) in sent


def next_check(sr: SupportRequest, sent: set[tuple]) -> datetime | None:
    moments = []
    for target, (due, remind) in pending_targets(sr).items():
        if was_sent(sent, target, NoticeKind.ESCALATION, due):
            continue  # escalated: nothing more to say about this target
        if remind is not None and remind < due and not was_sent(
                sent, target, NoticeKind.REMINDER, due):
            moments.append(remind)
        moments.append(due)
    return min(moments, default=None)


def refresh(sr: SupportRequest, now: datetime, fields: list[str],
             sent: set[tuple] | None = None) -> None:
    """The state (on track / at risk; breached stays) and the next check, after a change."""
    if sr.sla_state is None:
        return
    if sent is None:
        sent = notices_sent(sr) if sr.pk else set()
    pending = pending_targets(sr)
    if sr.sla_state not in (SlaState.BREACHED, SlaState.MET):
        at_risk = any(remind is not None and remind <= now for _due, remind in pending.values())
        set_fields(sr, fields, sla_state=SlaState.AT_RISK if at_risk else SlaState.ON_TRACK)
    set_fields(sr, fields, sla_check_at=next_check(sr, sent))
