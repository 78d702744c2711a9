"""Reads of the helpdesk, scoped to who asks through the access layer (`accounts.access`): a
row outside the caller's reach is simply not in the queryset, so pages, API and admin
answer 404 for it without a separate check."""

from datetime import UTC, datetime

from django.db import models
from django.db.models import Case, DateTimeField, F, Q, Value, When
from django.db.models.functions import Coalesce, Least, NullIf

from accounts import access

# Stands in for "no due time" inside LEAST(), which SQLite makes NULL if any input is NULL.
_NEVER = Value(datetime(9999, 12, 31, tzinfo=UTC), output_field=DateTimeField())


# What a list row never shows: read only on a request's own page.
LONG_TEXTS = ("description", "description_html", "decision")


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
            return self.filter(access.workspace_q(workspace, user))
        if access.is_agent(user):
            return self.all()
        return self.filter(access.customer_q(user))

    def of_customer(self, user):
        """Requests on `user`'s customer side whatever staff powers they hold: those they
        may reply to as a customer and rate (7.1, 7.2). An agent never rates a request."""
        return self.filter(access.customer_q(user))

    def in_workspace(self, workspace):
        return self.filter(**workspace.owner_filter())

    def active(self):
        from .models import SupportRequest

        return self.filter(status__in=SupportRequest.ACTIVE_STATUSES)

    def with_due(self):
        """Each request's nearest due time of a target still running, as `due_at`: None on
        Standard Support, while waiting on the customer and once settled. The staff's work
        list shows it as a countdown and sorts by it."""
        from .models import SupportRequest

        Status = SupportRequest.Status
        nearest = Least(
            Coalesce("next_response_due", _NEVER),
            Case(When(first_response_at__isnull=True, first_response_due__isnull=False,
                      then=F("first_response_due")), default=_NEVER),
            Case(When(sla_paused_at__isnull=True, resolution_due__isnull=False,
                      then=F("resolution_due")), default=_NEVER),
        )
        return self.annotate(due_at=Case(
            When(status__in=[Status.NEW, Status.OPEN], then=NullIf(nearest, _NEVER)),
            default=None, output_field=DateTimeField()))

    def with_catalogue(self):
        """Categories, plans, queues, products, versions and rule sets attached from the
        process's copy of the catalogue (`helpdesk.catalogue`) instead of joined."""
        from ..catalogue import CatalogueIterable

        clone = self._chain()
        clone._iterable_class = CatalogueIterable
        return clone

    def for_list(self):
        """Everything a list row shows, in one query of three tables: PostgreSQL plans a
        join of many tables longer than it takes to read the page."""
        return (self.select_related("company", "requester")
                .defer(*LONG_TEXTS).with_catalogue())

    def for_portal_list(self):
        """What a row of the customers' lists shows (not the long texts it does not)."""
        return self.select_related("requester").defer(*LONG_TEXTS).with_catalogue()

    def for_detail(self):
        from .models import NoGuaranteeFlag, UtilityRequest

        # Relations most requests leave empty are read apart (no query when empty).
        return self.select_related("company", "requester").prefetch_related(
            "follows_up", "merged_into",
            models.Prefetch("no_guarantee_flags",
                            queryset=NoGuaranteeFlag.objects.order_by("clause")),
            models.Prefetch("utility_requests",
                            queryset=UtilityRequest.objects.order_by("created_at")),
        ).with_catalogue()


class MessageQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Messages of the requests the user reaches; customers never see internal notes."""
        if not user.is_authenticated:
            return self.none()
        if access.is_agent(user):
            return self.all()
        return self.filter(access.customer_q(user, "request__")).public()

    def public(self):
        return self.filter(is_internal=False)


class AttachmentQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Attachments of the requests the user reaches; customers never see files on
        internal notes (samples are listed, as metadata only)."""
        if not user.is_authenticated:
            return self.none()
        if access.is_agent(user):
            return self.all()
        return self.filter(access.customer_q(user, "request__")).public()

    def public(self):
        return self.filter(Q(message__isnull=True) | Q(message__is_internal=False))

    def samples(self):
        return self.filter(is_sample=True)


class TimelineEventQuerySet(models.QuerySet):
    def visible_to(self, user):
        if not user.is_authenticated:
            return self.none()
        if access.is_agent(user):
            return self.all()
        return self.filter(access.customer_q(user, "request__"), is_internal=False)
