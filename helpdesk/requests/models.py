"""Requests, queues and the conversation (DESIGN.md sections 4 and 6)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Company, Segment
from licensing.eligibility import Decision
from licensing.models import (
    Licence,
    OperatingSystem,
    Product,
    ProductVersion,
    RequestCategory,
    SupportPlan,
)

from ..rules.models import RuleSet
from .querysets import (
    AttachmentQuerySet,
    MessageQuerySet,
    SupportRequestQuerySet,
    TimelineEventQuerySet,
)


class Queue(models.Model):
    """A team's work list. Requests are routed to one by segment and category
    (`QueueRoute`), else to the segment's default queue."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    segment = models.CharField(_("segment"), max_length=32, choices=Segment)
    is_default = models.BooleanField(
        _("default for its segment"), default=False,
        help_text=_("Requests of this segment that no route matches land here."),
    )
    agents = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="agent_queues",
        limit_choices_to={"is_staff": True}, verbose_name=_("agents"),
    )
    supervisors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="supervised_queues",
        limit_choices_to={"is_staff": True}, verbose_name=_("supervisors"),
    )

    class Meta:
        verbose_name = _("queue")
        verbose_name_plural = _("queues")
        ordering = ["segment", "name"]
        constraints = [
            models.UniqueConstraint(fields=["segment"], condition=Q(is_default=True),
                                    name="queue_one_default_per_segment"),
        ]

    def __str__(self):
        return self.name


class QueueRoute(models.Model):
    """Sends one category (optionally of one segment only) to a queue; the route naming
    the segment wins over the one for every segment."""

    queue = models.ForeignKey(Queue, on_delete=models.CASCADE, related_name="routes")
    category = models.ForeignKey(RequestCategory, on_delete=models.CASCADE, related_name="+",
                                 verbose_name=_("category"))
    segment = models.CharField(_("segment"), max_length=32, choices=Segment, blank=True,
                               help_text=_("Empty means every segment."))

    class Meta:
        verbose_name = _("queue route")
        verbose_name_plural = _("queue routes")
        constraints = [
            models.UniqueConstraint(fields=["category", "segment"], name="queue_route_unique"),
        ]

    def __str__(self):
        return f"{self.category.code} / {self.segment or '*'} -> {self.queue}"


class ReferenceCounter(models.Model):
    """The last reference number handed out in a year, taken under a row lock so two
    requests filed at once never share a number."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("reference counter")
        verbose_name_plural = _("reference counters")

    def __str__(self):
        return f"{self.year}: {self.last}"


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


class SupportRequest(models.Model):
    """The ticket. Every change of state goes through the services of `helpdesk.requests`."""

    class Status(models.TextChoices):
        NEW = "new", _("New")
        OPEN = "open", _("Open")
        WAITING_ON_CUSTOMER = "waiting_on_customer", _("Waiting on customer")
        RESOLVED = "resolved", _("Resolved")
        CLOSED = "closed", _("Closed")
        REJECTED = "rejected", _("Rejected")

    class CloseReason(models.TextChoices):
        REOPEN_WINDOW_ENDED = "reopen_window_ended", _("Resolved, and the reopen window ended")
        NO_RESPONSE = "no_response", _("No response from the customer (clause 6.4)")
        DUPLICATE = "duplicate", _("Duplicate of another request")
        BY_STAFF = "by_staff", _("Closed by support")

    class SlaState(models.TextChoices):
        ON_TRACK = "on_track", _("On track")
        AT_RISK = "at_risk", _("At risk")
        BREACHED = "breached", _("Breached")
        MET = "met", _("Met")

    class StandardReason(models.TextChoices):
        NOT_AUTHORISED = "not_authorised", _(
            "Premium requests can only be filed by the company's authorised technical "
            "contacts, so this request is handled under Standard Support.")
        ALLOWANCE_USED = "allowance_used", _(
            "The premium requests of this licence year are used up, so this request is "
            "handled under Standard Support.")
        LICENCE_NOT_VALID = "licence_not_valid", _(
            "The licence with premium support is not valid today, so this request is "
            "handled under Standard Support.")

    ACTIVE_STATUSES = (Status.NEW, Status.OPEN, Status.WAITING_ON_CUSTOMER)
    FINAL_STATUSES = (Status.CLOSED, Status.REJECTED)

    reference = models.CharField(_("reference"), max_length=24, unique=True, editable=False)
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
        related_name="support_requests", verbose_name=_("requester"),
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("filed by"),
        help_text=_("Staff who took the request on the customer's behalf (phone intake)."),
    )
    # The workspace, with the field names of licensing.Licence: exactly one is set.
    home_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
        related_name="+", verbose_name=_("home workspace of"),
    )
    company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.CASCADE,
        related_name="support_requests", verbose_name=_("company"),
    )
    # Kept as filed: a company may change segment later, the routing and reports may not.
    segment = models.CharField(_("segment"), max_length=32, choices=Segment)
    category = models.ForeignKey(RequestCategory, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("category"))
    product = models.ForeignKey(Product, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+", verbose_name=_("product"))
    version = models.ForeignKey(ProductVersion, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+", verbose_name=_("product version"))
    os = models.CharField(_("operating system"), max_length=16, choices=OperatingSystem,
                          blank=True)
    os_version = models.CharField(_("OS version"), max_length=32, blank=True)
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("description"), max_length=20000)
    # Rendered once when filed, as messages are (helpdesk.requests.markup).
    description_html = models.TextField(_("description (HTML)"), blank=True, editable=False)
    priority = models.CharField(_("priority"), max_length=16, choices=Priority,
                                default=Priority.NORMAL)
    licence = models.ForeignKey(Licence, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="support_requests", verbose_name=_("licence"))
    plan = models.ForeignKey(SupportPlan, null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+", verbose_name=_("support plan"))
    status = models.CharField(_("status"), max_length=24, choices=Status, default=Status.NEW)
    queue = models.ForeignKey(Queue, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="requests", verbose_name=_("queue"))
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="assigned_requests", verbose_name=_("assignee"),
    )
    rule_set = models.ForeignKey(RuleSet, null=True, on_delete=models.PROTECT,
                                 related_name="requests", verbose_name=_("rules version"))
    decision = models.JSONField(_("eligibility decision"), default=dict, blank=True)
    rejection_clause = models.CharField(_("rejected under clause"), max_length=16, blank=True)
    close_reason = models.CharField(_("close reason"), max_length=24, choices=CloseReason,
                                    blank=True)
    close_clause = models.CharField(_("closed under clause"), max_length=32, blank=True)
    follows_up = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="follow_ups",
        verbose_name=_("follows up"),
    )
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="duplicates",
        verbose_name=_("merged into"),
    )

    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    first_response_at = models.DateTimeField(_("first response"), null=True, blank=True)
    last_staff_reply_at = models.DateTimeField(_("last staff reply"), null=True, blank=True)
    last_customer_reply_at = models.DateTimeField(_("last customer reply"), null=True,
                                                  blank=True)
    waiting_since = models.DateTimeField(_("waiting on customer since"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("customer reminded"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    rejected_at = models.DateTimeField(_("rejected"), null=True, blank=True)

    # Paid plans only (clause 3.3): Standard Support keeps these empty.
    first_response_due = models.DateTimeField(_("first response due"), null=True, blank=True,
                                              db_index=True)
    next_response_due = models.DateTimeField(_("next response due"), null=True, blank=True,
                                             db_index=True)
    resolution_due = models.DateTimeField(_("resolution due"), null=True, blank=True,
                                          db_index=True)
    sla_state = models.CharField(_("SLA state"), max_length=16, choices=SlaState, null=True,
                                 blank=True)
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)
    # The SLA clock (helpdesk.sla.clock): when each target reaches its reminder share,
    # when it stopped (waiting on the customer, or resolved) and for how many business
    # minutes it has stood still, and the next instant the sweep has something to do.
    first_response_remind_at = models.DateTimeField(_("first response reminder"), null=True,
                                                    blank=True)
    next_response_remind_at = models.DateTimeField(_("next response reminder"), null=True,
                                                   blank=True)
    resolution_remind_at = models.DateTimeField(_("resolution reminder"), null=True,
                                                blank=True)
    sla_paused_at = models.DateTimeField(_("SLA clock stopped"), null=True, blank=True)
    sla_paused_minutes = models.PositiveIntegerField(_("business minutes paused"), default=0)
    sla_check_at = models.DateTimeField(_("next SLA check"), null=True, blank=True)
    standard_reason = models.CharField(
        _("filed under Standard Support because"), max_length=24, choices=StandardReason,
        blank=True,
        help_text=_("Why a request under a licence with a paid plan gets Standard Support."),
    )

    objects = SupportRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("support request")
        verbose_name_plural = _("support requests")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(home_user__isnull=False, company__isnull=True)
                           | Q(home_user__isnull=True, company__isnull=False)),
                name="request_one_workspace",
            ),
        ]
        indexes = [
            models.Index(fields=["company", "status", "-created_at"],
                         name="request_company_status_idx"),
            models.Index(fields=["home_user", "status", "-created_at"],
                         name="request_home_status_idx"),
            models.Index(fields=["company", "requester", "-created_at"],
                         name="request_company_member_idx"),
            # A customer's latest requests, whatever the workspace (the staff's work page).
            models.Index(fields=["requester", "-created_at"], name="request_requester_idx"),
            models.Index(fields=["queue", "status"], name="request_queue_status_idx"),
            models.Index(fields=["assignee", "status"], name="request_assignee_status_idx"),
            models.Index(fields=["status", "waiting_since"], name="request_waiting_idx"),
            models.Index(fields=["status", "resolved_at"], name="request_resolved_idx"),
            models.Index(fields=["-created_at"], name="request_created_idx"),
            # The SLA sweep reads only the requests with something due (helpdesk.sla.sweep).
            models.Index(fields=["sla_check_at"], name="request_sla_check_idx",
                         condition=Q(sla_check_at__isnull=False)),
            # The staff dashboard's cards (helpdesk.requests.dashboard): the unassigned
            # requests of a queue, and the active ones at risk or breached.
            models.Index(fields=["queue", "status"], name="request_unassigned_idx",
                         condition=Q(assignee__isnull=True)),
            models.Index(fields=["sla_state", "queue", "assignee"], name="request_sla_alert_idx",
                         condition=Q(sla_state__in=["at_risk", "breached"],
                                     status__in=["new", "open", "waiting_on_customer"])),
            # Premium requests of a licence in its licence year (the yearly allowance).
            models.Index(fields=["licence", "created_at"], name="request_licence_idx"),
        ]

    def __str__(self):
        return f"{self.reference} {self.subject}"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES

    @property
    def is_final(self) -> bool:
        return self.status in self.FINAL_STATUSES

    @property
    def workspace_slug(self) -> str:
        from accounts.workspace import HOME_SLUG

        return self.company.slug if self.company_id else HOME_SLUG

    @property
    def portal_path(self) -> str:
        """Where the customer follows this request in their portal."""
        if self.company_id:
            return f"/company/{self.company.slug}/requests/{self.reference}/"
        return f"/my/requests/{self.reference}/"

    @property
    def filed_decision(self) -> Decision:
        """The eligibility decision it was filed under, in the reader's words."""
        return Decision.from_data(self.decision, category=self.category)

    @property
    def customer(self):
        """Who hears about the request: the person who filed it (for phone intake, the
        customer it was filed for)."""
        return self.requester or self.home_user


class NoGuaranteeFlag(models.Model):
    """A condition of clauses 4.4.1-4.4.6 staff found on a request: support goes on, but
    without a guarantee of success. The customer sees it with its clause."""

    class Clause(models.TextChoices):
        INFECTED_DEVICE = "4.4.1", _("Installed on an infected device")
        INCOMPATIBLE_SOFTWARE = "4.4.2", _("Used with incompatible applications")
        HARDWARE_FAULT = "4.4.3", _("Faults caused by hardware problems")
        UNSUITABLE_PLATFORM = "4.4.4", _("Faults caused by an unsuitable platform version")
        MISSING_INFORMATION = "4.4.5", _("Information needed to solve the problem not given")
        MISUSE = "4.4.6", _("Misuse, or support's instructions or the documentation ignored")

    request = models.ForeignKey(SupportRequest, on_delete=models.CASCADE,
                                related_name="no_guarantee_flags")
    clause = models.CharField(_("clause"), max_length=8, choices=Clause)
    note = models.TextField(_("note to the customer"), max_length=2000)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                               related_name="+", verbose_name=_("set by"))
    created_at = models.DateTimeField(_("set"), auto_now_add=True)

    class Meta:
        verbose_name = _("no-guarantee flag")
        verbose_name_plural = _("no-guarantee flags")
        ordering = ["clause"]
        constraints = [
            models.UniqueConstraint(fields=["request", "clause"], name="flag_unique_clause"),
        ]

    def __str__(self):
        return f"{self.clause} {self.get_clause_display()}"


class Message(models.Model):
    """A public reply or an internal note. Internal notes never reach customers: not in
    their views, their API answers or their emails."""

    request = models.ForeignKey(SupportRequest, on_delete=models.CASCADE,
                                related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                               related_name="+", verbose_name=_("author"))
    is_internal = models.BooleanField(_("internal note"), default=False)
    from_staff = models.BooleanField(_("from support"), default=False)
    body = models.TextField(_("text"), max_length=20000)
    # Rendered once when written: Markdown without raw HTML, then an allow-list cleaner.
    body_html = models.TextField(_("text (HTML)"), blank=True, editable=False)
    created_at = models.DateTimeField(_("written"), default=timezone.now)

    objects = MessageQuerySet.as_manager()

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["request", "created_at"], name="message_request_idx"),
        ]

    def __str__(self):
        kind = _("note") if self.is_internal else _("reply")
        return f"{self.request_id} {kind} {self.created_at:%Y-%m-%d %H:%M}"


class Attachment(models.Model):
    """A file on a request, kept in private storage under a random name. A malware sample
    (4.1.2 a, b) is kept apart and only ever handed to staff inside an encrypted ZIP."""

    request = models.ForeignKey(SupportRequest, on_delete=models.CASCADE,
                                related_name="attachments")
    message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.CASCADE,
                                related_name="attachments")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                    on_delete=models.SET_NULL, related_name="+",
                                    verbose_name=_("uploaded by"))
    file = models.FileField(_("stored file"), max_length=255, blank=True)
    original_name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    content_type = models.CharField(_("type"), max_length=100)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    is_sample = models.BooleanField(_("malware sample"), default=False)
    created_at = models.DateTimeField(_("uploaded"), default=timezone.now)
    purged_at = models.DateTimeField(_("purged"), null=True, blank=True)

    objects = AttachmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["is_sample", "created_at"], name="attachment_sample_idx",
                         condition=Q(is_sample=True, purged_at__isnull=True)),
        ]

    def __str__(self):
        return self.original_name


class UtilityRequest(models.Model):
    """Support asks the customer to run a vendor utility (6.2); the customer's upload of
    its output answers it."""

    request = models.ForeignKey(SupportRequest, on_delete=models.CASCADE,
                                related_name="utility_requests")
    utility = models.CharField(_("utility"), max_length=100)
    url = models.URLField(_("download link"), blank=True)
    instructions = models.TextField(_("instructions"), max_length=5000)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                     on_delete=models.SET_NULL, related_name="+",
                                     verbose_name=_("requested by"))
    created_at = models.DateTimeField(_("requested"), default=timezone.now)
    fulfilled_at = models.DateTimeField(_("answered"), null=True, blank=True)
    attachment = models.OneToOneField(Attachment, null=True, blank=True,
                                      on_delete=models.SET_NULL, related_name="answers",
                                      verbose_name=_("output file"))

    class Meta:
        verbose_name = _("utility request")
        verbose_name_plural = _("utility requests")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.utility} ({self.request_id})"

    @property
    def is_pending(self) -> bool:
        return self.fulfilled_at is None


class TimelineEvent(models.Model):
    """One line of a request's history: who did what, when. Internal events (notes,
    assignments, staff downloads) are for staff only."""

    class Kind(models.TextChoices):
        FILED = "filed", _("Filed")
        ASSIGNED = "assigned", _("Assigned")
        STATUS_CHANGED = "status_changed", _("Status changed")
        REPLIED = "replied", _("Support replied")
        CUSTOMER_REPLIED = "customer_replied", _("Customer replied")
        NOTE_ADDED = "note_added", _("Internal note added")
        INFORMATION_REQUESTED = "information_requested", _("Information requested")
        UTILITY_REQUESTED = "utility_requested", _("Utility run requested")
        UTILITY_ANSWERED = "utility_answered", _("Utility output received")
        REOPENED = "reopened", _("Reopened")
        RESOLVED = "resolved", _("Resolved")
        REJECTED = "rejected", _("Rejected")
        CLOSED = "closed", _("Closed")
        FLAG_SET = "flag_set", _("No-guarantee condition noted")
        MERGED = "merged", _("Merged")
        FOLLOW_UP_OPENED = "follow_up_opened", _("Follow-up request opened")
        ATTACHMENT_ADDED = "attachment_added", _("File attached")
        SAMPLE_DOWNLOADED = "sample_downloaded", _("Sample downloaded by staff")
        SAMPLE_PURGED = "sample_purged", _("Sample purged")
        REMINDER_SENT = "reminder_sent", _("Reminder sent")
        FILED_UNDER_STANDARD = "filed_under_standard", _("Handled under Standard Support")
        SLA_REMINDER = "sla_reminder", _("Service-level reminder sent")
        ESCALATED = "escalated", _("Escalated: a service-level target was missed")
        PLAN_CHANGED = "plan_changed", _("Support plan changed")
        QUEUE_CHANGED = "queue_changed", _("Moved to another queue")
        PRIORITY_CHANGED = "priority_changed", _("Priority changed")

    request = models.ForeignKey(SupportRequest, on_delete=models.CASCADE,
                                related_name="timeline")
    kind = models.CharField(_("event"), max_length=32, choices=Kind)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+",
                              verbose_name=_("who"))
    is_internal = models.BooleanField(_("staff only"), default=False)
    data = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    objects = TimelineEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("timeline event")
        verbose_name_plural = _("timeline events")
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["request", "created_at"], name="timeline_request_idx"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.created_at:%Y-%m-%d %H:%M}"
