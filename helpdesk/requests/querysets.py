"""Reads of the helpdesk, scoped to who asks: a row outside the caller's reach is simply not
in the queryset, so views and the API answer 404 for it without a separate check."""

from django.db import models
from django.db.models import Q

from accounts.models import Membership


def is_helpdesk_staff(user) -> bool:
    """Support staff who may read every request (the Agents and Supervisors groups)."""
    return bool(
        user.is_authenticated and user.is_active and user.is_staff
        and user.has_perm("helpdesk.view_supportrequest")
    )


def customer_requests_q(user, prefix: str = "") -> Q:
    """A home user's own home requests; in a company, admins reach all of the company's
    requests and members only those they filed.

    The user's companies are read first and put in as literal ids: PostgreSQL plans
    `company_id IN (1, 2)` onto the indexes, where an OR of subqueries is checked row by
    row across a big company's requests.
    """
    administered, member_of = [], []
    for company_id, role in Membership.objects.filter(user=user).values_list("company_id",
                                                                            "role"):
        (administered if role == Membership.Role.ADMIN else member_of).append(company_id)
    q = Q(**{f"{prefix}company__isnull": True, f"{prefix}home_user": user})
    if administered:
        q |= Q(**{f"{prefix}company__in": administered})
    if member_of:
        q |= Q(**{f"{prefix}company__in": member_of, f"{prefix}requester": user})
    return q


class SupportRequestQuerySet(models.QuerySet):
    def visible_to(self, user, workspace=None):
        """Requests `user` may see; with a `workspace` resolved for that user (so their
        membership is already checked), only those of that workspace.

        Within one workspace the rule is a single indexed condition (the company; for a
        member also the requester), which PostgreSQL counts and pages far faster than the
        OR across every workspace.
        """
        if not user.is_authenticated:
            return self.none()
        if workspace is not None:
            if workspace.user != user:
                return self.none()
            if workspace.is_home:
                return self.filter(company__isnull=True, home_user=user)
            if workspace.is_admin or is_helpdesk_staff(user):
                return self.filter(company=workspace.company)
            return self.filter(company=workspace.company, requester=user)
        if is_helpdesk_staff(user):
            return self.all()
        return self.filter(customer_requests_q(user))

    def in_workspace(self, workspace):
        return self.filter(**workspace.owner_filter())

    def active(self):
        from .models import SupportRequest

        return self.filter(status__in=SupportRequest.ACTIVE_STATUSES)

    def for_list(self):
        """Everything a list row shows, in one query."""
        return self.select_related("company", "home_user", "requester", "category", "queue",
                                   "assignee", "plan")

    def for_portal_list(self):
        """What a row of the customers' lists shows. The few catalogue rows come in their
        own small queries: joining them too costs PostgreSQL more time to plan than the
        page takes to read."""
        return self.select_related("requester").prefetch_related("category", "plan")

    def for_detail(self):
        from .models import NoGuaranteeFlag, UtilityRequest

        return self.for_list().select_related(
            "product", "version", "rule_set", "follows_up", "merged_into", "licence"
        ).prefetch_related(
            models.Prefetch("no_guarantee_flags",
                            queryset=NoGuaranteeFlag.objects.order_by("clause")),
            models.Prefetch("utility_requests",
                            queryset=UtilityRequest.objects.order_by("created_at")),
        )


class MessageQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Messages of the requests the user reaches; customers never see internal notes."""
        if not user.is_authenticated:
            return self.none()
        if is_helpdesk_staff(user):
            return self.all()
        return self.filter(customer_requests_q(user, "request__")).public()

    def public(self):
        return self.filter(is_internal=False)


class AttachmentQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Attachments of the requests the user reaches; customers never see files on
        internal notes (samples are listed, as metadata only)."""
        if not user.is_authenticated:
            return self.none()
        if is_helpdesk_staff(user):
            return self.all()
        return self.filter(customer_requests_q(user, "request__")).public()

    def public(self):
        return self.filter(Q(message__isnull=True) | Q(message__is_internal=False))

    def samples(self):
        return self.filter(is_sample=True)


class TimelineEventQuerySet(models.QuerySet):
    def visible_to(self, user):
        if not user.is_authenticated:
            return self.none()
        if is_helpdesk_staff(user):
            return self.all()
        return self.filter(customer_requests_q(user, "request__"), is_internal=False)
