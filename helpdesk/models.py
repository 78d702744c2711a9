from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from accounts.i18n import localized
from accounts.models import Company, Segment, validate_time_zone
from licensing.models import (
    Licence,
    OperatingSystem,
    Product,
    ProductSegment,
    ProductVersion,
    RequestCategory,
    SupportPlan,
)

from .querysets import (
    AttachmentQuerySet,
    MessageQuerySet,
    SupportRequestQuerySet,
    TimelineEventQuerySet,
)


class RuleSetQuerySet(models.QuerySet):
    def published(self):
        return self.filter(is_published=True)

    def current(self):
        """The rule set in force today: the newest published one already effective."""
        return (
            self.published()
            .filter(effective_from__lte=timezone.localdate())
            .order_by("-effective_from", "-pk")
            .first()
        )


class RuleSet(models.Model):
    """One published version of the Support Rules; requests record the one they were
    filed under (6.1). Older versions stay readable."""

    version = models.CharField(_("version"), max_length=32, unique=True)
    title = models.CharField(_("title (English)"), max_length=200)
    title_ms = models.CharField(_("title (Malay)"), max_length=200, blank=True)
    effective_from = models.DateField(_("effective from"))
    is_published = models.BooleanField(_("published"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = RuleSetQuerySet.as_manager()

    class Meta:
        verbose_name = _("rule set")
        verbose_name_plural = _("rule sets")
        ordering = ["-effective_from"]

    def __str__(self):
        return f"{self.title} ({self.version})"

    @property
    def localized_title(self) -> str:
        return localized(self, "title")


class Clause(models.Model):
    """One clause of a rule set, by its label ("4.2.14", "4.5b", or a label the portal gives
    a paragraph the published text leaves unnumbered, such as "3.3")."""

    rule_set = models.ForeignKey(RuleSet, on_delete=models.CASCADE, related_name="clauses")
    label = models.CharField(_("label"), max_length=16)
    is_unnumbered = models.BooleanField(
        _("unnumbered in the published text"), default=False,
        help_text=_("The label is the portal's own; the published text carries no number."),
    )
    title = models.CharField(_("title (English)"), max_length=200)
    title_ms = models.CharField(_("title (Malay)"), max_length=200, blank=True)
    text = models.TextField(_("text (English)"))
    text_ms = models.TextField(_("text (Malay)"), blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("clause")
        verbose_name_plural = _("clauses")
        ordering = ["rule_set", "position"]
        constraints = [
            models.UniqueConstraint(fields=["rule_set", "label"], name="clause_unique_label"),
        ]

    def __str__(self):
        return f"{self.label} {self.localized_title}"

    @property
    def localized_title(self) -> str:
        return localized(self, "title")

    @property
    def localized_text(self) -> str:
        return localized(self, "text")


# ---------------------------------------------------------------------------------------
# Requests, queues and the conversation (DESIGN.md sections 4 and 6)
# ---------------------------------------------------------------------------------------

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
    """The ticket. Every change of state goes through `helpdesk.services`."""

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
    # The SLA clock (helpdesk.sla_services): when each target reaches its reminder share,
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
            models.Index(fields=["queue", "status"], name="request_queue_status_idx"),
            models.Index(fields=["assignee", "status"], name="request_assignee_status_idx"),
            models.Index(fields=["status", "waiting_since"], name="request_waiting_idx"),
            models.Index(fields=["status", "resolved_at"], name="request_resolved_idx"),
            models.Index(fields=["-created_at"], name="request_created_idx"),
            # The SLA sweep reads only the requests with something due (sla_services.sweep).
            models.Index(fields=["sla_check_at"], name="request_sla_check_idx",
                         condition=Q(sla_check_at__isnull=False)),
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


class SupportCalendar(models.Model):
    """Support working hours for a country and segment (clause 2.2): a time zone, weekly
    opening hours and the holidays of the country (and state), adjusted by staff."""

    name = models.CharField(_("name"), max_length=100)
    country = CountryField(_("country"), blank=True,
                           help_text=_("Empty: the default for countries without their own."))
    segment = models.CharField(_("segment"), max_length=32, choices=Segment)
    time_zone = models.CharField(_("time zone"), max_length=64, validators=[validate_time_zone])
    holiday_country = models.CharField(
        _("public holidays of"), max_length=2, blank=True,
        help_text=_("ISO country code for the public holidays; empty for none."),
    )
    holiday_subdivision = models.CharField(
        _("state or region"), max_length=10, blank=True,
        help_text=_("Where holidays differ by state, e.g. KUL for Kuala Lumpur."),
    )
    # Part of the cache key of the built schedule (helpdesk.calendars): saving the calendar,
    # its hours or its exceptions moves it on.
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("support calendar")
        verbose_name_plural = _("support calendars")
        ordering = ["country", "segment"]
        constraints = [
            models.UniqueConstraint(fields=["country", "segment"],
                                    name="calendar_unique_country_segment"),
        ]

    def __str__(self):
        return self.name


def _calendar_changed(calendar_id) -> None:
    """Move the calendar's `updated_at` on, so its cached schedule is built again."""
    SupportCalendar.objects.filter(pk=calendar_id).update(updated_at=timezone.now())


class OpeningHours(models.Model):
    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    calendar = models.ForeignKey(SupportCalendar, on_delete=models.CASCADE,
                                 related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField(_("day"), choices=Weekday)
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"), help_text=_("00:00 means midnight, the end of the day."))

    class Meta:
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        ordering = ["calendar", "weekday", "opens"]

    def __str__(self):
        return f"{self.get_weekday_display()} {self.opens:%H:%M}-{self.closes:%H:%M}"

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        _calendar_changed(self.calendar_id)

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        _calendar_changed(self.calendar_id)
        return result


class CalendarException(models.Model):
    """A day staff close (an extra holiday) or open (a public holiday worked)."""

    class Kind(models.TextChoices):
        CLOSED = "closed", _("Closed")
        OPEN = "open", _("Open")

    calendar = models.ForeignKey(SupportCalendar, on_delete=models.CASCADE,
                                 related_name="exceptions")
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=8, choices=Kind)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("calendar exception")
        verbose_name_plural = _("calendar exceptions")
        ordering = ["calendar", "date"]
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], name="calendar_exception_day"),
        ]

    def __str__(self):
        return f"{self.date} {self.get_kind_display()}"

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        _calendar_changed(self.calendar_id)

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        _calendar_changed(self.calendar_id)
        return result


class SlaTarget(models.Model):
    """Response and resolution targets of a paid plan for one priority, in business
    minutes of the support calendar (or around the clock). Standard Support has none."""

    plan = models.ForeignKey(SupportPlan, on_delete=models.CASCADE, related_name="sla_targets")
    priority = models.CharField(_("priority"), max_length=16, choices=Priority)
    first_response_minutes = models.PositiveIntegerField(_("first response (business minutes)"))
    next_response_minutes = models.PositiveIntegerField(_("next response (business minutes)"))
    resolution_minutes = models.PositiveIntegerField(_("resolution (business minutes)"))
    around_the_clock = models.BooleanField(
        _("around the clock"), default=False,
        help_text=_("Count every hour of every day instead of the support calendar."),
    )

    class Meta:
        verbose_name = _("SLA target")
        verbose_name_plural = _("SLA targets")
        ordering = ["plan", "priority"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "priority"], name="sla_target_unique"),
        ]

    def __str__(self):
        return f"{self.plan} · {self.get_priority_display()}"


class AuthorisedContact(models.Model):
    """A company member allowed to file premium requests under a paid plan."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE,
                                related_name="authorised_contacts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+")
    added_at = models.DateTimeField(_("added"), auto_now_add=True)

    class Meta:
        verbose_name = _("authorised technical contact")
        verbose_name_plural = _("authorised technical contacts")
        constraints = [
            models.UniqueConstraint(fields=["company", "user"], name="authorised_contact_unique"),
        ]

    def __str__(self):
        return f"{self.user} @ {self.company}"


class SlaNotice(models.Model):
    """A reminder or an escalation sent for one target of one request: the unique row makes
    each happen at most once, however sweeps overlap."""

    class Target(models.TextChoices):
        FIRST_RESPONSE = "first_response", _("First response")
        NEXT_RESPONSE = "next_response", _("Next response")
        RESOLUTION = "resolution", _("Resolution")

    class Kind(models.TextChoices):
        REMINDER = "reminder", _("Reminder")
        ESCALATION = "escalation", _("Escalation")

    request = models.ForeignKey("SupportRequest", on_delete=models.CASCADE,
                                related_name="sla_notices")
    target = models.CharField(_("target"), max_length=16, choices=Target)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind)
    due_at = models.DateTimeField(_("due"))
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)

    class Meta:
        verbose_name = _("SLA notice")
        verbose_name_plural = _("SLA notices")
        constraints = [
            models.UniqueConstraint(fields=["request", "target", "kind", "due_at"],
                                    name="sla_notice_once"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.get_target_display()} · {self.request_id}"


class SelfHelpResource(models.Model):
    """Self-help of clause 2.1: knowledge base articles, the Community, online courses."""

    class Kind(models.TextChoices):
        KNOWLEDGE_BASE = "knowledge_base", _("Knowledge base")
        COMMUNITY = "community", _("Community")
        COURSE = "course", _("Online course")

    segment = models.CharField(_("segment"), max_length=16, choices=ProductSegment)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    title = models.CharField(_("title"), max_length=200)
    url = models.URLField(_("link"))
    keywords = models.CharField(
        _("keywords"), max_length=500, blank=True,
        help_text=_("Words that suggest this resource, separated by spaces."),
    )
    is_active = models.BooleanField(_("listed"), default=True)

    class Meta:
        verbose_name = _("self-help resource")
        verbose_name_plural = _("self-help resources")
        ordering = ["segment", "kind", "title"]

    def __str__(self):
        return self.title
