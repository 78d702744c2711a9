"""Surveys, the feedback requests sent for them, and the answers (clauses 6.3, 7.1, 7.2).

A survey's questions are the measures the reports count (satisfaction, problem solved,
effort, likelihood to recommend, comment): staff edit their wording in English and Malay,
whether they are asked and whether they are required; the scales are fixed, so a report
compares like with like over time.
"""

import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import access
from accounts.i18n import localized

COMMENT_MAX_LENGTH = 2000


def new_token_key() -> str:
    return secrets.token_urlsafe(18)


class SurveyKind(models.TextChoices):
    POST_RESOLUTION = "post_resolution", _("After a request is resolved")
    PERIODIC = "periodic", _("Periodic relationship survey")


class Survey(models.Model):
    """One survey definition. The two the portal sends are seeded by a migration and found by
    their `code`; staff edit the texts and questions."""

    POST_RESOLUTION = "post_resolution"
    RELATIONSHIP = "relationship"

    code = models.SlugField(_("code"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=SurveyKind)
    title = models.CharField(_("title (English)"), max_length=200)
    title_ms = models.CharField(_("title (Malay)"), max_length=200, blank=True)
    intro = models.TextField(_("introduction (English)"), blank=True)
    intro_ms = models.TextField(_("introduction (Malay)"), blank=True)
    is_active = models.BooleanField(
        _("sent"), default=True,
        help_text=_("Untick to stop sending this survey; answers already given stay."),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        ordering = ["code"]

    def __str__(self):
        return self.localized_title

    @property
    def localized_title(self) -> str:
        return localized(self, "title")

    @property
    def localized_intro(self) -> str:
        return localized(self, "intro")


@dataclass(frozen=True)
class Scale:
    kind: str  # "scale", "yes_no" or "text"
    minimum: int | None = None
    maximum: int | None = None


class QuestionCode(models.TextChoices):
    SATISFACTION = "satisfaction", _("Satisfaction (1-5)")
    SOLVED = "solved", _("Problem solved (yes / no)")
    EFFORT = "effort", _("Effort (1-5)")
    RECOMMEND = "recommend", _("Likelihood to recommend (0-10)")
    COMMENT = "comment", _("Comment (free text)")


SCALES: dict[str, Scale] = {
    QuestionCode.SATISFACTION: Scale("scale", 1, 5),
    QuestionCode.SOLVED: Scale("yes_no"),
    QuestionCode.EFFORT: Scale("scale", 1, 5),
    QuestionCode.RECOMMEND: Scale("scale", 0, 10),
    QuestionCode.COMMENT: Scale("text"),
}


class Question(models.Model):
    """One question of a survey; `code` names the measure (and the answer's column)."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    code = models.CharField(_("measure"), max_length=20, choices=QuestionCode)
    text = models.CharField(_("question (English)"), max_length=300)
    text_ms = models.CharField(_("question (Malay)"), max_length=300, blank=True)
    low_label = models.CharField(_("label of the lowest value (English)"), max_length=80,
                                 blank=True)
    low_label_ms = models.CharField(_("label of the lowest value (Malay)"), max_length=80,
                                    blank=True)
    high_label = models.CharField(_("label of the highest value (English)"), max_length=80,
                                  blank=True)
    high_label_ms = models.CharField(_("label of the highest value (Malay)"), max_length=80,
                                     blank=True)
    is_required = models.BooleanField(_("required"), default=False)
    is_active = models.BooleanField(_("asked"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["survey", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "code"],
                                    name="feedback_question_unique_code"),
        ]

    def __str__(self):
        return self.localized_text

    @property
    def scale(self) -> Scale:
        return SCALES[self.code]

    @property
    def localized_text(self) -> str:
        return localized(self, "text")

    @property
    def localized_low_label(self) -> str:
        return localized(self, "low_label")

    @property
    def localized_high_label(self) -> str:
        return localized(self, "high_label")


def _workspace_q(workspace, prefix: str = "") -> Q:
    """A company's feedback, or a home user's own: on their home requests, and the periodic
    surveys sent to them as a home user."""
    if workspace.company is not None:
        return Q(**{f"{prefix}company": workspace.company})
    return Q(**{f"{prefix}company__isnull": True}) & (
        Q(**{f"{prefix}support_request__home_user": workspace.user})
        | Q(**{f"{prefix}support_request__isnull": True, f"{prefix}user": workspace.user})
    )


class FeedbackRequestQuerySet(models.QuerySet):
    def visible_to(self, user):
        """What `user` may see and answer.

        Feedback on a support request goes with the request, on the customer side: whoever
        reaches the request as its customer (the home user; in a company the member who
        filed it, and the company's admins) sees and gives its feedback. A periodic survey
        is personal: only the person asked sees it. Agents read every row (the answering
        services still take answers from the customer only).
        """
        if not user.is_authenticated:
            return self.none()
        if access.is_agent(user):
            return self.all()
        return self.filter(access.customer_q(user, "support_request__")
                           | Q(support_request__isnull=True, user=user))

    def in_workspace(self, workspace):
        """Rows of one workspace: a company's, or a home user's own (no company)."""
        return self.filter(_workspace_q(workspace))

    def pending(self, now=None):
        """Not answered yet and still answerable."""
        return self.filter(answered_at__isnull=True, expires_at__gt=now or timezone.now())


class FeedbackRequest(models.Model):
    """One invitation to answer a survey: about one support request (once, ever) or, for a
    periodic survey, one person in one period.

    The emailed link carries a token signed for this row's `token_key`; see `tokens.py`.
    """

    class Origin(models.TextChoices):
        EMAIL = "email", _("Sent by email")
        PORTAL = "portal", _("Given in the portal")

    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="requests",
                               verbose_name=_("survey"))
    support_request = models.ForeignKey(
        "helpdesk.SupportRequest", null=True, blank=True, on_delete=models.CASCADE,
        related_name="feedback_requests", verbose_name=_("support request"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="feedback_requests",
        verbose_name=_("asked"),
    )
    company = models.ForeignKey(
        "accounts.Company", null=True, blank=True, on_delete=models.CASCADE,
        related_name="feedback_requests", verbose_name=_("company workspace"),
    )
    segment = models.CharField(_("segment"), max_length=32, blank=True)
    period = models.CharField(_("period"), max_length=16, blank=True,
                              help_text=_("For a periodic survey, the period it asks about."))
    origin = models.CharField(_("origin"), max_length=10, choices=Origin, default=Origin.EMAIL)
    token_key = models.CharField(max_length=32, unique=True, default=new_token_key,
                                 editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminded"), null=True, blank=True)
    expires_at = models.DateTimeField(_("link expires"))
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    objects = FeedbackRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("feedback request")
        verbose_name_plural = _("feedback requests")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["support_request"], condition=Q(support_request__isnull=False),
                name="feedback_request_once_per_support_request",
            ),
            models.UniqueConstraint(
                fields=["user", "survey", "period"], condition=Q(support_request__isnull=True),
                name="feedback_request_once_per_person_period",
            ),
            models.CheckConstraint(
                condition=Q(support_request__isnull=False) | ~Q(period=""),
                name="feedback_request_has_subject",
            ),
        ]
        indexes = [
            models.Index(fields=["sent_at"], name="feedback_request_remind_idx",
                         condition=Q(answered_at__isnull=True, reminded_at__isnull=True)),
            models.Index(fields=["user", "answered_at"], name="feedback_request_answered_idx"),
        ]

    def __str__(self):
        if self.support_request_id:
            return str(_("Feedback on %(request)s") % {"request": self.support_request})
        return f"{self.survey} {self.period} · {self.user}"

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()


class FeedbackResponseQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Answers to the feedback requests `user` may see (`FeedbackRequest.visible_to`)."""
        if not user.is_authenticated:
            return self.none()
        if access.is_agent(user):
            return self.all()
        return self.filter(access.customer_q(user, "feedback_request__support_request__")
                           | Q(feedback_request__support_request__isnull=True,
                               feedback_request__user=user))

    def in_workspace(self, workspace):
        return self.filter(_workspace_q(workspace, "feedback_request__"))


class FeedbackResponse(models.Model):
    """The answers to one feedback request; there is at most one."""

    class Channel(models.TextChoices):
        LINK = "link", _("Emailed link")
        PORTAL = "portal", _("Portal")
        API = "api", _("API")

    feedback_request = models.OneToOneField(
        FeedbackRequest, on_delete=models.CASCADE, related_name="response",
        verbose_name=_("feedback request"),
    )
    respondent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("answered by"),
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel)
    language = models.CharField(_("language"), max_length=8, blank=True)
    satisfaction = models.PositiveSmallIntegerField(
        _("satisfaction"), null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    solved = models.BooleanField(_("problem solved"), null=True, blank=True)
    effort = models.PositiveSmallIntegerField(
        _("effort"), null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    recommend = models.PositiveSmallIntegerField(
        _("likelihood to recommend"), null=True, blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(10)],
    )
    comment = models.TextField(_("comment"), max_length=COMMENT_MAX_LENGTH, blank=True)
    created_at = models.DateTimeField(_("answered"), default=timezone.now, db_index=True)

    objects = FeedbackResponseQuerySet.as_manager()

    class Meta:
        verbose_name = _("feedback response")
        verbose_name_plural = _("feedback responses")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(satisfaction__isnull=True)
                | Q(satisfaction__gte=1, satisfaction__lte=5),
                name="feedback_response_satisfaction_range",
            ),
            models.CheckConstraint(
                condition=Q(effort__isnull=True) | Q(effort__gte=1, effort__lte=5),
                name="feedback_response_effort_range",
            ),
            models.CheckConstraint(
                condition=Q(recommend__isnull=True) | Q(recommend__gte=0, recommend__lte=10),
                name="feedback_response_recommend_range",
            ),
        ]

    def __str__(self):
        return str(_("Answer to %(request)s") % {"request": self.feedback_request})


class FeedbackOptOutQuerySet(models.QuerySet):
    def visible_to(self, user):
        if not user.is_authenticated:
            return self.none()
        return self.filter(user=user)


class FeedbackOptOut(models.Model):
    """The person asked not to receive survey emails (the unsubscribe link). They can still
    give feedback in their portal."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="feedback_opt_out", verbose_name=_("user"))
    created_at = models.DateTimeField(_("since"), default=timezone.now)

    objects = FeedbackOptOutQuerySet.as_manager()

    class Meta:
        verbose_name = _("survey opt-out")
        verbose_name_plural = _("survey opt-outs")

    def __str__(self):
        return str(self.user)
