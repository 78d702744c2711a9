"""Who may file premium requests, and how many (clause 3.3): the yearly allowance of a
licence and the authorised technical contacts of a company."""

from __future__ import annotations

import logging
from datetime import date, datetime, time

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import access, audit
from accounts.errors import DomainError, NotAllowed
from accounts.models import Company, Membership
from accounts.workspace import Workspace
from licensing.models import Licence, SupportPlan

from ..requests.models import SupportRequest, TimelineEvent
from .models import AuthorisedContact, SlaNotice

logger = logging.getLogger(__name__)

Status = SupportRequest.Status
SlaState = SupportRequest.SlaState
Reason = SupportRequest.StandardReason
Kind = TimelineEvent.Kind
Target = SlaNotice.Target
NoticeKind = SlaNotice.Kind


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


def named_contacts(company: Company):
    """The company's named authorised contacts who are still active members of it: someone
    who left the company neither files for it nor holds one of its places."""
    return (AuthorisedContact.objects.filter(
        company=company, user__is_active=True, user__memberships__company=company)
        .select_related("user").order_by("added_at", "pk"))


def authorised_contacts(company: Company, plan: SupportPlan) -> tuple[list, bool]:
    """(users, named): the company's authorised technical contacts for `plan`. Until the
    company names any, its administrators act as them (named is then False). A plan
    without a number allows every member (an empty list, named False)."""
    named = [c.user for c in named_contacts(company)]
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
    contacts = named_contacts(company)
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
    return access.is_supervisor(by) or access.administers(by, company)


def contacts_limit(company: Company, day: date | None = None) -> int | None:
    """How many authorised contacts the company may name under its paid plan (None =
    unlimited); DomainError without a valid paid licence."""
    licence = _paid_licence(company, day or timezone.localdate())
    if licence is None:
        raise DomainError(_("%(company)s has no valid licence on a paid support plan.") % {
            "company": company.name}, field="company")
    return licence.plan.authorised_contacts


def check_contacts(company: Company, users) -> None:
    """Raise DomainError unless `users` may be the company's named authorised contacts
    together: members of it, under a paid plan that limits its contacts, within that
    number. What the staff admin's form and the services below check."""
    members = set(Membership.objects.filter(company=company, user__in=users)
                  .values_list("user_id", flat=True))
    outsider = next((user for user in users if user.pk not in members), None)
    if outsider is not None:
        raise DomainError(_("%(user)s is not a member of %(company)s.") % {
            "user": outsider.email, "company": company.name}, field="user")
    limit = contacts_limit(company)
    if limit is None:
        raise DomainError(_("Under the plan of %(company)s every member may file premium "
                            "requests: there are no contacts to name.") % {
            "company": company.name}, field="company")
    if len({user.pk for user in users}) > limit:
        raise DomainError(_("%(company)s's plan allows %(limit)d authorised contacts; remove "
                            "one first.") % {"company": company.name, "limit": limit},
                          field="user")


def require_manager(by, company: Company) -> None:
    """Raise NotAllowed unless `by` may name the company's contacts (its administrators,
    supervisors)."""
    if not _may_manage_contacts(by, company):
        raise NotAllowed(_("Only the company's administrators or support staff may name "
                           "authorised contacts."))


def _workspace(by, company: Company) -> Workspace:
    return Workspace(user=by, company=company)


@transaction.atomic
def add_authorised_contact(*, company: Company, user, by, request=None) -> AuthorisedContact:
    """Name `user` (a member of `company`) an authorised technical contact, within the
    number the company's paid plan allows. Company administrators and supervisors may."""
    require_manager(by, company)
    Company.objects.select_for_update().filter(pk=company.pk).first()
    existing = named_contacts(company).filter(user=user).first()
    if existing is not None:
        return existing
    check_contacts(company, [*(c.user for c in named_contacts(company)), user])
    # A row left by someone who left the company and came back is named again.
    AuthorisedContact.objects.filter(company=company, user=user).delete()
    contact = AuthorisedContact.objects.create(company=company, user=user)
    audit.record("authorised_contact.added", actor=by, obj=contact,
                 workspace=_workspace(by, company), request=request, user=user.email)
    return contact


@transaction.atomic
def remove_authorised_contact(*, company: Company, user, by, request=None) -> bool:
    """`user` is no longer one of the company's authorised contacts; False if they were
    not one."""
    require_manager(by, company)
    Company.objects.select_for_update().filter(pk=company.pk).first()
    deleted, _rows = AuthorisedContact.objects.filter(company=company, user=user).delete()
    if deleted:
        audit.record("authorised_contact.removed", actor=by,
                     workspace=_workspace(by, company), request=request, user=user.email)
    return bool(deleted)


@transaction.atomic
def set_authorised_contacts(*, company: Company, users, by, request=None) -> list:
    """Make `users` the company's named authorised contacts, all or nothing: the others
    are removed, the new ones named (each change audited). An empty list leaves the
    administrators acting as the contacts again."""
    require_manager(by, company)
    Company.objects.select_for_update().filter(pk=company.pk).first()
    wanted = {user.pk: user for user in users}
    if wanted:
        check_contacts(company, list(wanted.values()))
    for contact in AuthorisedContact.objects.filter(company=company).exclude(
            user__in=list(wanted)).select_related("user"):
        remove_authorised_contact(company=company, user=contact.user, by=by, request=request)
    kept = set(named_contacts(company).values_list("user_id", flat=True))
    for user in wanted.values():
        if user.pk not in kept:
            add_authorised_contact(company=company, user=user, by=by, request=request)
    return [contact.user for contact in named_contacts(company)]
