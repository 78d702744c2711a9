"""Filing a request: the one pipeline every face ends in (DESIGN.md sections 2 and 3).

A face (the portal's form, the API, the admin's phone intake, the email channel) hands its
raw input to `parse_request`: the eligibility block goes through `licensing.intake`, the
request's own text through the same cleaners the services use, and every problem comes
back at once by field. `file_request` then asks the Rules through `licensing.intake.check`
(which records a refusal by the one policy), and numbers, routes and files the request with
its clock, its timeline and its email in one transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import access
from accounts.errors import DomainError, NotAllowed
from accounts.models import Company, Membership
from accounts.workspace import Workspace
from licensing.eligibility import Refused
from licensing.intake import (
    Catalogue,
    EligibilityFacts,
    IntakeInvalid,
    check,
    parse_eligibility,
)
from licensing.models import SupportPlan

from ..rules.models import RuleSet
from ..rules.services import load_published_rules
from ..sla import clock as sla_clock
from ..sla import entitlements
from . import markup, search
from .models import Priority, Queue, QueueRoute, ReferenceCounter, SupportRequest, TimelineEvent
from .transitions import (
    clean_body,
    clean_priority,
    clean_subject,
    event,
    in_customer_language,
    notify_customer,
)

Kind = TimelineEvent.Kind


class WorkspaceNotVerified(NotAllowed):
    """A company staff have not verified yet cannot file requests."""


@dataclass(frozen=True)
class RequestIntake:
    """A request ready to be filed: the facts the Rules decide on, and its own text."""

    facts: EligibilityFacts
    subject: str
    description: str
    priority: str = Priority.NORMAL

    @classmethod
    def of(cls, *, workspace: Workspace, category, subject: str, description: str,
           priority: str = Priority.NORMAL, product=None, version=None, os: str | None = None,
           os_version: str | None = None, licence_key: str | None = None) -> RequestIntake:
        """An intake from catalogue rows already in hand (a follow-up, demo data), with
        the licence key already normalised."""
        return cls(facts=EligibilityFacts(
            workspace=workspace, category=category, product=product, version=version,
            os=os or None, os_version=os_version or None, licence_key=licence_key or None),
            subject=subject, description=description, priority=priority)


def parse_request(raw: Mapping[str, Any], *, workspace: Workspace,
                  catalogue: Catalogue) -> RequestIntake:
    """Raw input of any face -> `RequestIntake`; `IntakeInvalid` lists every problem."""
    errors: dict[str, list[str]] = {}
    facts = None
    try:
        facts = parse_eligibility(raw, workspace=workspace, catalogue=catalogue)
    except IntakeInvalid as exc:
        errors.update(exc.errors)
    text = {}
    for name, clean in (("subject", clean_subject), ("priority", clean_priority),
                        ("description", lambda value: clean_body(value, "description"))):
        try:
            text[name] = clean(raw.get(name))
        except DomainError as exc:
            errors[exc.field or name] = [exc.message]
    if errors:
        raise IntakeInvalid(errors)
    return RequestIntake(facts=facts, **text)


def customer_workspace(customer, company=None) -> Workspace:
    """The workspace staff file in on a customer's behalf (phone intake): the customer's
    home workspace, or a company the customer belongs to."""
    if company is None:
        return Workspace(user=customer)
    membership = Membership.objects.filter(user=customer, company=company).first()
    if membership is None:
        raise NotAllowed(_("%(user)s is not a member of %(company)s.") % {
            "user": customer.email, "company": company.name}, field="company")
    return Workspace(user=customer, company=company, membership=membership)


def format_reference(year: int, number: int) -> str:
    """The reference of the `number`-th request filed in `year`: `INC-<year>-<six digits>`.
    Pure, so a bulk load can number many requests and set the counter once."""
    return f"INC-{year}-{number:06d}"


def next_reference(now: datetime) -> str:
    """The next reference, numbered per year (of the local date). The counter row is locked
    until the filing commits, so concurrent filings take consecutive numbers, never the
    same."""
    year = timezone.localtime(now).year
    ReferenceCounter.objects.bulk_create([ReferenceCounter(year=year, last=0)],
                                         ignore_conflicts=True)
    counter = ReferenceCounter.objects.select_for_update().get(year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return format_reference(year, counter.last)


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


def file_request(intake: RequestIntake, *, by, follows_up: SupportRequest | None = None,
                 http_request=None) -> SupportRequest:
    """File a request for the intake's workspace, if the Support Rules allow it.

    `by` is the customer, or staff filing on the customer's behalf (phone intake) under the
    same rules. Raises `Refused` (with the decision, recorded for staff) when the Rules say
    no, and `WorkspaceNotVerified` for a company staff have not verified yet. Called inside
    a transaction (a follow-up under its request's lock), a refusal leaves only its record
    (and, for a feature request, 4.2.1, the idea kept as product feedback).
    """
    facts = intake.facts
    workspace = facts.workspace
    customer = workspace.user
    if by.pk != customer.pk and not access.is_agent(by):
        raise NotAllowed(_("Only support staff may file a request for someone else."))
    if workspace.company is not None and not Company.objects.filter(
            pk=workspace.company.pk, is_verified=True).exists():
        raise WorkspaceNotVerified(_(
            "%(company)s is not verified yet. Requests can be filed for it once support "
            "staff have verified the company."
        ) % {"company": workspace.company.name}, field="workspace")
    subject = clean_subject(intake.subject)
    description = clean_body(intake.description, "description")
    priority = clean_priority(intake.priority)

    decision = check(facts, by=by, http_request=http_request, subject=subject,
                     description=description)
    if not decision.eligible:
        raise Refused(decision)

    licence = decision.licence
    now = timezone.now()
    with transaction.atomic():
        # A paid plan only for its authorised contacts, within its yearly allowance (3.3).
        standard_reason, why = entitlements.premium_check(workspace=workspace,
                                                          licence=licence, now=now)
        plan = _standard_plan() if licence is None or standard_reason else licence.plan
        support_request = SupportRequest(
            reference=next_reference(now),
            requester=customer,
            filed_by=by if by.pk != customer.pk else None,
            home_user=None if workspace.company else customer,
            company=workspace.company,
            segment=workspace.segment,
            category=facts.category,
            product=facts.product,
            version=facts.version,
            os=facts.os or "",
            os_version=facts.os_version or "",
            subject=subject,
            description=description,
            description_html=markup.render(description),
            priority=priority,
            licence=licence,
            plan=plan,
            standard_reason=standard_reason,
            queue=route(workspace.segment, facts.category),
            rule_set=_current_rule_set(),
            decision=decision.as_data(),
            follows_up=follows_up,
            created_at=now,
        )
        sla_clock.start_clock(support_request, now, country=workspace.country)
        support_request.save(force_insert=True)
        search.index_request(support_request)
        event(support_request, Kind.FILED, actor=by, at=now,
              rule_set=support_request.rule_set.version if support_request.rule_set else None,
              on_behalf=support_request.filed_by_id is not None,
              follows_up=follows_up.reference if follows_up else None)
        if standard_reason:
            event(support_request, Kind.FILED_UNDER_STANDARD, actor=by, at=now,
                  reason=standard_reason, **why)
        if follows_up is not None:
            event(follows_up, Kind.FOLLOW_UP_OPENED, actor=by, at=now,
                  reference=support_request.reference)
        with in_customer_language(support_request):
            premium_plan = (support_request.plan.localized_name
                            if support_request.first_response_due else "")
        notify_customer(support_request, "request_received",
                        follows_up=follows_up.reference if follows_up else "",
                        premium_plan=premium_plan, filed_under_standard=bool(standard_reason))
    return support_request
