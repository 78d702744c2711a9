"""What a request is promised, and the changes that move the promise (DESIGN.md section 5):
its support plan (changed by staff, or following its licence's plan), and its priority.

Each change runs under the request's lock and computes the due times again through the
one SLA clock (`helpdesk.sla.clock.recompute`: business hours of the request's calendar,
from the filing time), writes a timeline line, and, when a promised time moved, emails the
customer the new times through the outbox, all in the caller's transaction.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from accounts.errors import DomainError, InvalidState
from accounts.workspace import Workspace
from licensing.models import Licence, SupportPlan

from ..sla import clock as sla_clock
from ..sla import entitlements
from .models import Priority, SupportRequest, TimelineEvent
from .permissions import require_agent
from .transitions import clean_priority, event, in_customer_language, lock, notify_customer

Kind = TimelineEvent.Kind
# The promised times, as the customer reads them, in order.
PROMISES = ("first_response_due", "next_response_due", "resolution_due")


def _promised(sr: SupportRequest) -> dict:
    """The times the request is promised now: a first answer only until it is given."""
    return {name: getattr(sr, name) for name in PROMISES
            if not (name == "first_response_due" and sr.first_response_at is not None)}


def _recompute(locked: SupportRequest, now, fields: list[str], *, kind: str, by,
               **data) -> None:
    """The due times again for the request's (new) plan and priority, saved, with a
    timeline line of `kind` and, when a promised time moved, the customer's email."""
    before = _promised(locked)
    sla_clock.recompute(locked, now, fields)
    locked.save(update_fields=fields)
    after = _promised(locked)
    event(locked, kind, actor=by, at=now, **data,
          due={name: value.isoformat() if value else None for name, value in after.items()})
    if after != before:
        _tell_customer(locked)


def _tell_customer(sr: SupportRequest) -> None:
    """The new promised times, written out in the customer's language and time zone."""
    customer = sr.customer
    zone = ZoneInfo(getattr(customer, "time_zone", "") or settings.DEFAULT_USER_TIME_ZONE)
    with in_customer_language(sr):
        labels = {"first_response_due": _("First answer due"),
                  "next_response_due": _("Next answer due"),
                  "resolution_due": _("Resolution due")}
        times = [{"label": str(labels[name]), "due": formats.date_format(
            timezone.localtime(due, zone), "DATETIME_FORMAT")}
            for name, due in _promised(sr).items() if due is not None]
        plan, priority = sr.plan.localized_name, str(Priority(sr.priority).label)
    notify_customer(sr, "request_due_changed", plan=plan, priority=priority, times=times,
                    time_zone=zone.key)


def _change_plan(locked: SupportRequest, *, by, plan: SupportPlan, now, **data) -> None:
    previous = locked.plan
    locked.plan = plan
    fields = ["plan", "updated_at"]
    if plan.is_paid and locked.standard_reason:
        locked.standard_reason = ""
        fields.append("standard_reason")
    _recompute(locked, now, fields, kind=Kind.PLAN_CHANGED, by=by,
               **{"from": previous.code if previous else None, "to": plan.code}, **data)


@transaction.atomic
def change_plan(support_request: SupportRequest, *, by, plan: SupportPlan) -> SupportRequest:
    """Staff move an active request to another support plan (a premium request granted by
    hand, or one moved back to Standard Support); its due times are computed again for the
    new plan, from the filing time."""
    require_agent(by, support_request)
    if plan is None:
        raise DomainError(_("Choose a support plan."), field="plan")
    locked = lock(support_request)
    if not locked.is_active:
        raise InvalidState(_("Only an active request can change plan."))
    if locked.plan_id != plan.pk:
        _change_plan(locked, by=by, plan=plan, now=timezone.now())
    return locked


@transaction.atomic
def change_priority(support_request: SupportRequest, *, by, priority: str) -> SupportRequest:
    """Staff set an active request's priority; under a paid plan its targets are those of
    the new priority, counted from the filing time."""
    require_agent(by, support_request)
    priority = clean_priority(priority)
    locked = lock(support_request)
    if not locked.is_active:
        raise InvalidState(_("Only an active request can change priority."))
    if locked.priority != priority:
        previous, locked.priority = locked.priority, priority
        _recompute(locked, timezone.now(), ["priority", "updated_at"],
                   kind=Kind.PRIORITY_CHANGED, by=by, **{"from": previous, "to": priority})
    return locked


def follow_licence_plan(licence: Licence, *, previous: SupportPlan, by) -> list[SupportRequest]:
    """The licence's plan changed (licensing's `licence_plan_changed`, in the transaction of
    that change): its active requests that ran on the previous plan move to the new one.

    Moving onto a paid plan from an unpaid one, each request is checked as a filing would
    be (an authorised contact, the yearly allowance, oldest request first, 3.3); one that
    does not qualify stays under Standard Support, with the reason shown on it. A request
    staff put on another plan by hand keeps it. The staff who changed the licence need not
    work each request's queue: the licence change is the authority.
    """
    now = timezone.now()
    moved = []
    check = licence.plan.is_paid and not previous.is_paid
    for sr in (SupportRequest.objects.active().filter(licence=licence, plan=previous)
               .select_related("company", "home_user", "requester", "plan")
               .order_by("created_at", "pk")):
        locked = lock(sr)
        reason = ""
        if check:
            reason, _why = entitlements.premium_check(workspace=_workspace_of(locked),
                                                      licence=licence, now=now)
        if reason:
            if locked.standard_reason != reason:
                locked.standard_reason = reason
                locked.save(update_fields=["standard_reason", "updated_at"])
            continue
        _change_plan(locked, by=by, plan=licence.plan, now=now, licence=licence.masked_key)
        moved.append(locked)
    return moved


def licence_plan_changed(sender, *, licence, previous, by, **kwargs) -> None:
    """Receiver of licensing's signal of the same name (connected in the app's ready())."""
    follow_licence_plan(licence, previous=previous, by=by)


def _workspace_of(sr: SupportRequest) -> Workspace:
    return Workspace(user=sr.requester or sr.home_user, company=sr.company)
