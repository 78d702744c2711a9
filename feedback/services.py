"""Every change of feedback state: sending surveys, answering them, opting out.

The dispatch functions are what the Celery beat tasks run. Each send writes its
FeedbackRequest row and its outbox email in one transaction, and the row is inserted with
"on conflict do nothing" against the unique constraints (one per support request, ever; one
per person, survey and period), so two runs at once send one email per request.
"""

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from accounts.audit import record
from accounts.models import Membership, Segment, User
from notifications.services import notify

from . import tokens
from .models import (
    COMMENT_MAX_LENGTH,
    FeedbackOptOut,
    FeedbackRequest,
    FeedbackResponse,
    Question,
    QuestionCode,
    Survey,
    SurveyKind,
    new_token_key,
)

logger = logging.getLogger(__name__)

BATCH_SIZE = 500
ANSWER_FIELDS = [code.value for code in QuestionCode]


class FeedbackError(Exception):
    """A domain refusal; `code` is stable for the API and the pages."""

    code = "refused"


class AlreadyAnswered(FeedbackError):
    code = "already_answered"


class InvalidAnswers(FeedbackError):
    """Answers out of range, missing or too long; `errors` maps fields to messages."""

    code = "invalid"

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("invalid answers")
        self.errors = errors


# Statuses ---------------------------------------------------------------------------


def _request_model():
    from helpdesk.models import SupportRequest

    return SupportRequest


def _settled_statuses() -> list[str]:
    """Statuses of a request that stays settled: resolved, or closed after resolving."""
    status = _request_model().Status
    return [status.RESOLVED, status.CLOSED]


def _no_response_reason() -> str:
    return _request_model().CloseReason.NO_RESPONSE


# Surveys and questions --------------------------------------------------------------


def survey_by_code(code: str) -> Survey | None:
    return Survey.objects.filter(code=code, is_active=True).first()


def questions_of(survey: Survey) -> list[Question]:
    """The questions asked, in order (one query; reuses a prefetch when there is one)."""
    cache = getattr(survey, "_prefetched_objects_cache", {})
    if "questions" in cache:
        return sorted((q for q in cache["questions"] if q.is_active),
                      key=lambda q: (q.position, q.pk))
    return list(survey.questions.filter(is_active=True).order_by("position", "pk"))


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def clean_comment(text: str) -> str:
    """A comment as stored: plain text, trimmed, no control or bidi-override characters.

    It is never rendered as HTML: every page escapes it (and the CSV export defuses
    formulas), so markup someone types shows as typed.
    """
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text).strip()


def clean_answers(questions: list[Question], data: dict) -> dict:
    """Check answers against the questions asked; InvalidAnswers lists what is wrong.

    `data` holds Python values (ints, bools, str) keyed by question code; the portal form
    and the API both hand over what they parsed, and this is the rule they share.
    """
    from django.utils.translation import gettext as _

    errors: dict[str, list[str]] = {}
    cleaned: dict = {}
    asked = {q.code: q for q in questions}
    for code in ANSWER_FIELDS:
        value = data.get(code)
        question = asked.get(code)
        if value in (None, "") or question is None:
            if question is not None and question.is_required:
                errors[code] = [_("Please answer this question.")]
            continue
        scale = question.scale
        if scale.kind == "scale":
            if isinstance(value, bool) or not isinstance(value, int):
                errors[code] = [_("Choose a number.")]
            elif not scale.minimum <= value <= scale.maximum:
                errors[code] = [_("Choose a number from %(min)s to %(max)s.") % {
                    "min": scale.minimum, "max": scale.maximum}]
            else:
                cleaned[code] = value
        elif scale.kind == "yes_no":
            if not isinstance(value, bool):
                errors[code] = [_("Answer yes or no.")]
            else:
                cleaned[code] = value
        else:
            text = clean_comment(str(value))
            if len(text) > COMMENT_MAX_LENGTH:
                errors[code] = [_("Keep the comment under %(max)s characters.") % {
                    "max": COMMENT_MAX_LENGTH}]
            elif text:
                cleaned[code] = text
            elif question.is_required:
                errors[code] = [_("Please answer this question.")]
    if errors:
        raise InvalidAnswers(errors)
    if not cleaned:
        raise InvalidAnswers({"non_field_errors": [_("Answer at least one question.")]})
    return cleaned


# Answering ----------------------------------------------------------------------------


def find_by_token(token: str) -> FeedbackRequest:
    """The feedback request an emailed link names, ready to answer.

    Raises InvalidToken (tampered, wrong purpose), ExpiredToken (too old, or the row is gone)
    or UsedToken (answered already). Reads only: a GET of the link records nothing.
    """
    key = tokens.read_answer_token(token)
    if not isinstance(key, str):
        raise tokens.InvalidToken
    feedback_request = (
        FeedbackRequest.objects.select_related("survey", "support_request", "user")
        .filter(token_key=key).first()
    )
    if feedback_request is None or not feedback_request.survey.is_active:
        raise tokens.ExpiredToken
    if feedback_request.is_answered:
        raise tokens.UsedToken
    if feedback_request.is_expired:
        raise tokens.ExpiredToken
    return feedback_request


def answer(feedback_request: FeedbackRequest, *, answers: dict, channel: str,
           respondent: User | None = None, language: str = "") -> FeedbackResponse:
    """Record the one answer to `feedback_request`; AlreadyAnswered for a second one.

    `respondent` is who answered: the signed-in user, or for an emailed link the person it
    was sent to.
    """
    cleaned = clean_answers(questions_of(feedback_request.survey), answers)
    now = timezone.now()
    try:
        with transaction.atomic():
            locked = FeedbackRequest.objects.select_for_update().get(pk=feedback_request.pk)
            if locked.answered_at is not None:
                raise AlreadyAnswered
            response = FeedbackResponse.objects.create(
                feedback_request=locked,
                respondent=respondent or locked.user,
                channel=channel,
                language=language[:8],
                created_at=now,
                **cleaned,
            )
            locked.answered_at = now
            locked.save(update_fields=["answered_at"])
    except IntegrityError:
        # Another answer won the race to the one-to-one row.
        raise AlreadyAnswered from None
    feedback_request.answered_at = now
    return response


def answer_support_request(support_request, *, answers: dict, respondent: User,
                           channel: str = FeedbackResponse.Channel.PORTAL,
                           language: str = "") -> FeedbackResponse:
    """Feedback given from a portal or the API about one registered request (7.1, 7.2).

    The caller has already looked the request up within the respondent's reach. It uses the
    request's feedback request when one was sent (so the emailed link is then spent), or
    creates one: a request has one feedback request and one answer, ever.
    """
    survey = Survey.objects.filter(code=Survey.POST_RESOLUTION).first()
    if survey is None:
        raise FeedbackError("the post-resolution survey is missing")
    existing = (FeedbackRequest.objects.select_related("survey")
                .filter(support_request=support_request).first())
    # Checked before anything is written: a refused answer leaves no feedback request
    # behind (which would stop the emailed survey).
    clean_answers(questions_of(existing.survey if existing else survey), answers)
    now = timezone.now()
    with transaction.atomic():
        feedback_request, _created = FeedbackRequest.objects.get_or_create(
            support_request=support_request,
            defaults={
                "survey": survey,
                "user_id": (support_request.requester_id or support_request.home_user_id
                            or respondent.pk),
                "company_id": support_request.company_id,
                "segment": support_request.segment,
                "origin": FeedbackRequest.Origin.PORTAL,
                "expires_at": now + tokens.answer_max_age(),
            },
        )
        return answer(feedback_request, answers=answers, channel=channel,
                      respondent=respondent, language=language)


def feedback_for_request(support_request) -> FeedbackRequest | None:
    """The feedback request of one support request with its answer (`.answer`, or None),
    for the request's page in the support desk."""
    feedback_request = (
        FeedbackRequest.objects.select_related("survey", "user", "response",
                                               "response__respondent")
        .filter(support_request=support_request).first()
    )
    if feedback_request is not None:
        feedback_request.answer = getattr(feedback_request, "response", None)
    return feedback_request


def opt_out(user: User, *, request=None) -> bool:
    """Stop survey emails to `user`; True when this call opted them out."""
    with transaction.atomic():
        _row, created = FeedbackOptOut.objects.get_or_create(user=user)
        if created:
            record("feedback.opted_out", actor=user, obj=user, request=request)
    return created


def has_opted_out(user: User) -> bool:
    return FeedbackOptOut.objects.filter(user=user).exists()


# Sending ------------------------------------------------------------------------------


def answer_path(token: str) -> str:
    return reverse("feedback:answer", kwargs={"token": token})


def unsubscribe_path(user_id: int) -> str:
    return reverse("feedback:unsubscribe",
                   kwargs={"token": tokens.make_unsubscribe_token(user_id)})


def _email_context(*, token_key: str, user_id: int, name: str, expires_at: datetime,
                   reference: str = "", period: str = "") -> dict:
    return {
        "name": name,
        "reference": reference,
        "period": period,
        "answer_url": answer_path(tokens.make_answer_token(token_key)),
        "unsubscribe_url": unsubscribe_path(user_id),
        "expires_on": timezone.localdate(expires_at).isoformat(),
    }


@dataclass(frozen=True)
class _Candidate:
    user_id: int
    email: str
    name: str
    language: str
    company_id: int | None
    segment: str
    support_request_id: int | None = None
    reference: str = ""


def _insert_and_notify(survey: Survey, candidates: list[_Candidate], *, template: str,
                       period: str, now: datetime) -> int:
    """One transaction: insert the rows that do not exist yet and queue one email for each
    row this call inserted. Rows another run inserted first are skipped, silently."""
    expires_at = now + tokens.answer_max_age()
    rows = [
        FeedbackRequest(
            survey=survey,
            support_request_id=c.support_request_id,
            user_id=c.user_id,
            company_id=c.company_id,
            segment=c.segment,
            period=period,
            origin=FeedbackRequest.Origin.EMAIL,
            token_key=new_token_key(),
            created_at=now,
            sent_at=now,
            expires_at=expires_at,
        )
        for c in candidates
    ]
    sent = 0
    with transaction.atomic():
        FeedbackRequest.objects.bulk_create(rows, ignore_conflicts=True)
        mine = set(
            FeedbackRequest.objects.filter(token_key__in=[r.token_key for r in rows])
            .values_list("token_key", flat=True)
        )
        for row, candidate in zip(rows, candidates, strict=True):
            if row.token_key not in mine:
                continue
            notify(
                candidate.email,
                template,
                _email_context(token_key=row.token_key, user_id=candidate.user_id,
                               name=candidate.name, expires_at=expires_at,
                               reference=candidate.reference, period=period),
                language=candidate.language,
            )
            sent += 1
    return sent


def _opted_out(user_ref: str) -> Exists:
    return Exists(FeedbackOptOut.objects.filter(user_id=OuterRef(user_ref)))


def send_post_resolution_requests(now: datetime | None = None) -> int:
    """Ask for feedback on requests resolved at least FEEDBACK_DELAY_HOURS ago that are
    still resolved or closed (not re-opened, not closed as "no response", not rejected),
    have never had a feedback request, and whose requester has not opted out.

    Requests resolved more than FEEDBACK_SEND_WITHIN_DAYS ago are left alone, so switching
    the survey on (or a long outage) never mails people about old requests. Returns how many
    emails were queued.
    """
    survey = survey_by_code(Survey.POST_RESOLUTION)
    if survey is None:
        return 0
    now = now or timezone.now()
    due = now - timedelta(hours=settings.FEEDBACK_DELAY_HOURS)
    oldest = now - timedelta(days=settings.FEEDBACK_SEND_WITHIN_DAYS)
    SupportRequest = _request_model()
    rows = list(
        SupportRequest.objects.filter(
            status__in=_settled_statuses(), resolved_at__lte=due, resolved_at__gte=oldest,
        )
        .exclude(close_reason=_no_response_reason())
        .exclude(Exists(FeedbackRequest.objects.filter(support_request=OuterRef("pk"))))
        .annotate(recipient_id=Coalesce("requester_id", "home_user_id"))
        .exclude(recipient_id__isnull=True)
        .exclude(_opted_out("recipient_id"))
        .order_by("pk")
        .values_list("pk", "reference", "recipient_id", "company_id", "segment")
    )
    people = {
        pk: (email, name or email, language)
        for pk, email, name, language in User.objects.filter(
            pk__in={row[2] for row in rows}, is_active=True, erased_at__isnull=True,
        ).values_list("pk", "email", "full_name", "language")
    }
    candidates = [
        _Candidate(user_id=user_id, email=people[user_id][0], name=people[user_id][1],
                   language=people[user_id][2], company_id=company_id,
                   segment=segment or Segment.HOME, support_request_id=pk,
                   reference=reference)
        for pk, reference, user_id, company_id, segment in rows
        if user_id in people
    ]
    sent = 0
    for start in range(0, len(candidates), BATCH_SIZE):
        sent += _insert_and_notify(survey, candidates[start:start + BATCH_SIZE],
                                   template="feedback_request", period="", now=now)
    if sent:
        logger.info("Queued %s post-resolution feedback requests", sent)
    return sent


def send_reminders(now: datetime | None = None) -> int:
    """One reminder, never more, for an emailed survey still unanswered after
    FEEDBACK_REMINDER_DAYS, while its link is valid, the request is still settled and the
    person has not opted out. The reminder carries a fresh link (valid as long again)."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.FEEDBACK_REMINDER_DAYS)
    pending = (
        FeedbackRequest.objects.filter(
            origin=FeedbackRequest.Origin.EMAIL, answered_at__isnull=True,
            reminded_at__isnull=True, sent_at__lte=cutoff, expires_at__gt=now,
            survey__is_active=True, user__is_active=True, user__erased_at__isnull=True,
        )
        .filter(Q(support_request__isnull=True)
                | Q(support_request__status__in=_settled_statuses()))
        .exclude(_opted_out("user_id"))
        .order_by("pk")
    )
    sent = 0
    while True:
        with transaction.atomic():
            # Claim a batch: rows another run holds are skipped, and once reminded_at is set
            # they no longer match, so each row is reminded once.
            ids = list(
                pending.select_for_update(skip_locked=True, of=("self",))
                .values_list("pk", flat=True)[:BATCH_SIZE]
            )
            if not ids:
                break
            expires_at = now + tokens.answer_max_age()
            FeedbackRequest.objects.filter(pk__in=ids, reminded_at__isnull=True).update(
                reminded_at=now, expires_at=expires_at
            )
            for row in (
                FeedbackRequest.objects.filter(pk__in=ids)
                .select_related("user", "support_request").order_by("pk")
            ):
                notify(
                    row.user.email,
                    "feedback_reminder",
                    _email_context(
                        token_key=row.token_key, user_id=row.user_id,
                        name=row.user.get_full_name(), expires_at=expires_at,
                        reference=row.support_request.reference if row.support_request else "",
                        period=row.period,
                    ),
                    language=row.user.language,
                )
                sent += 1
    return sent


# Periodic surveys -----------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    label: str
    start: datetime
    end: datetime


def _month_start(year: int, month: int) -> datetime:
    return datetime(year, month, 1, tzinfo=timezone.get_current_timezone())


def period_containing(moment: datetime, months: int | None = None) -> Period:
    """The survey period (FEEDBACK_PERIODIC_MONTHS long, aligned to the year) of `moment`."""
    months = months or settings.FEEDBACK_PERIODIC_MONTHS
    if months not in (1, 2, 3, 4, 6, 12):
        raise ValueError("FEEDBACK_PERIODIC_MONTHS must divide 12")
    local = timezone.localtime(moment)
    index = (local.month - 1) // months
    start = _month_start(local.year, index * months + 1)
    end_month = index * months + months + 1
    end = _month_start(local.year + 1, 1) if end_month > 12 else _month_start(local.year,
                                                                              end_month)
    if months == 12:
        label = f"{local.year}"
    elif months == 3:
        label = f"{local.year}-Q{index + 1}"
    elif months == 1:
        label = f"{local.year}-{local.month:02d}"
    else:
        label = f"{local.year}-P{index + 1}"
    return Period(label=label, start=start, end=end)


def previous_period(now: datetime) -> Period:
    return period_containing(period_containing(now).start - timedelta(days=1))


def periodic_recipients(period: Period, now: datetime) -> list[_Candidate]:
    """Who is asked about `period`: home users with a request in it, and the admins of each
    company with a request in it; one row per person (their home workspace first), without
    those who opted out or answered any survey in the last FEEDBACK_QUIET_DAYS."""
    SupportRequest = _request_model()
    in_period = Q(created_at__gte=period.start, created_at__lt=period.end) | Q(
        resolved_at__gte=period.start, resolved_at__lt=period.end)
    active = SupportRequest.objects.filter(in_period)
    home_users = active.filter(company__isnull=True).values("home_user_id")
    companies = active.filter(company__isnull=False).values("company_id")
    quiet_since = now - timedelta(days=settings.FEEDBACK_QUIET_DAYS)
    recently_answered = FeedbackResponse.objects.filter(
        Q(respondent_id=OuterRef("pk")) | Q(feedback_request__user_id=OuterRef("pk")),
        created_at__gte=quiet_since,
    )
    eligible = (
        User.objects.filter(is_active=True, erased_at__isnull=True)
        .exclude(Exists(FeedbackOptOut.objects.filter(user_id=OuterRef("pk"))))
        .exclude(Exists(recently_answered))
    )
    chosen: dict[int, _Candidate] = {}
    for user_id, email, name, language in (
        eligible.filter(pk__in=home_users).order_by("pk")
        .values_list("pk", "email", "full_name", "language")
    ):
        chosen[user_id] = _Candidate(user_id=user_id, email=email, name=name or email,
                                     language=language, company_id=None, segment=Segment.HOME)
    for user_id, email, name, language, company_id, segment in (
        Membership.objects.filter(role=Membership.Role.ADMIN, company_id__in=companies,
                                  user__in=eligible)
        .order_by("user_id", "company_id")
        .values_list("user_id", "user__email", "user__full_name", "user__language",
                     "company_id", "company__segment")
    ):
        chosen.setdefault(user_id, _Candidate(
            user_id=user_id, email=email, name=name or email, language=language,
            company_id=company_id, segment=segment))
    return [chosen[k] for k in sorted(chosen)]


def send_periodic_surveys(now: datetime | None = None) -> int:
    """Send the relationship survey about the period that just ended, during the first
    FEEDBACK_PERIODIC_WINDOW_DAYS of the next one (the task runs daily; the unique row per
    person, survey and period makes repeated runs send nothing new)."""
    survey = (Survey.objects.filter(code=Survey.RELATIONSHIP, kind=SurveyKind.PERIODIC,
                                    is_active=True).first())
    if survey is None:
        return 0
    now = now or timezone.now()
    period = previous_period(now)
    if now >= period.end + timedelta(days=settings.FEEDBACK_PERIODIC_WINDOW_DAYS):
        return 0
    already = set(FeedbackRequest.objects.filter(survey=survey, period=period.label)
                  .values_list("user_id", flat=True))
    candidates = [c for c in periodic_recipients(period, now) if c.user_id not in already]
    sent = 0
    for start in range(0, len(candidates), BATCH_SIZE):
        sent += _insert_and_notify(survey, candidates[start:start + BATCH_SIZE],
                                   template="feedback_periodic", period=period.label, now=now)
    return sent
