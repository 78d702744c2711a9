"""Sending surveys: after a request is resolved, one reminder, and the periodic surveys
(clause 6.3). These are what the Celery beat tasks run.

Each send writes its FeedbackRequest row and its outbox email in one transaction, and the
row is inserted with "on conflict do nothing" against the unique constraints (one per
support request, ever; one per person, survey and period), so two runs at once send one
email per request.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership, Segment, User
from helpdesk.email.outbound import AUTO_GENERATED, customer_email
from helpdesk.models import SupportRequest
from notifications.services import Email, notify_many

from . import tokens
from .answering import survey_by_code
from .models import (
    FeedbackOptOut,
    FeedbackRequest,
    FeedbackResponse,
    Survey,
    SurveyKind,
    new_token_key,
)

logger = logging.getLogger(__name__)

BATCH_SIZE = 500


# Statuses ---------------------------------------------------------------------------


def _settled_statuses() -> list[str]:
    """Statuses of a request that stays settled: resolved, or closed after resolving."""
    status = SupportRequest.Status
    return [status.RESOLVED, status.CLOSED]


def _no_response_reason() -> str:
    return SupportRequest.CloseReason.NO_RESPONSE


# Sending ------------------------------------------------------------------------------


# Where the token goes in a reversed path, until it is put there.
TOKEN_MARK = "token-mark"


def _path_with_token(url_name: str) -> Callable[[str], str]:
    """`reverse(url_name, kwargs={"token": token})` for many tokens: reversed once, each
    token put in place of a mark. A signed token is URL-safe (base64 and colons), so
    `reverse` would not quote it either; a batch of surveys saves one `reverse` a link."""
    head, _mark, tail = reverse(url_name, kwargs={"token": TOKEN_MARK}).partition(TOKEN_MARK)
    return lambda token: f"{head}{token}{tail}"


def _email_contexts(expires_at: datetime) -> Callable[..., dict]:
    """The function that makes the context of each survey email of a batch, which share
    their expiry and the shape of their links."""
    answer_path = _path_with_token("feedback:answer")
    unsubscribe_path = _path_with_token("feedback:unsubscribe")
    expires_on = timezone.localdate(expires_at).isoformat()

    def context(*, token_key: str, user_id: int, name: str, reference: str = "",
                period: str = "") -> dict:
        return {
            "name": name,
            "reference": reference,
            "period": period,
            "answer_url": answer_path(tokens.make_answer_token(token_key)),
            "unsubscribe_url": unsubscribe_path(tokens.make_unsubscribe_token(user_id)),
            "expires_on": expires_on,
        }

    return context


def _survey_email(context: dict, *, user_id: int, support_request_id: int | None) -> dict:
    """`notify` keywords of a survey email: bulk mail (RFC 3834 auto-generated) with the
    one-click opt-out of RFC 8058, which mail programs show as an "unsubscribe" button and
    post to the unsubscribe link. A survey about a request is threaded with the request's
    emails, and an answer to it by email comes back to the request."""
    options = (customer_email(support_request_id, user_id, automatic=True)
               if support_request_id else {"headers": dict(AUTO_GENERATED)})
    options["headers"].update({
        "List-Unsubscribe": f"<{settings.SITE_URL}{context['unsubscribe_url']}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    })
    return options


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
    with transaction.atomic():
        FeedbackRequest.objects.bulk_create(rows, ignore_conflicts=True)
        mine = set(
            FeedbackRequest.objects.filter(token_key__in=[r.token_key for r in rows])
            .values_list("token_key", flat=True)
        )
        email_context = _email_contexts(expires_at)
        emails = []
        for row, candidate in zip(rows, candidates, strict=True):
            if row.token_key not in mine:
                continue
            context = email_context(token_key=row.token_key, user_id=candidate.user_id,
                                    name=candidate.name, reference=candidate.reference,
                                    period=period)
            emails.append(Email(candidate.email, template, context, candidate.language,
                                **_survey_email(context, user_id=candidate.user_id,
                                                support_request_id=candidate.support_request_id)))
        notify_many(emails)
    return len(emails)


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
            email_context = _email_contexts(expires_at)
            emails = []
            for row in (
                FeedbackRequest.objects.filter(pk__in=ids)
                .select_related("user", "support_request").order_by("pk")
            ):
                context = email_context(
                    token_key=row.token_key, user_id=row.user_id,
                    name=row.user.get_full_name(),
                    reference=row.support_request.reference if row.support_request else "",
                    period=row.period,
                )
                emails.append(Email(row.user.email, "feedback_reminder", context,
                                    row.user.language,
                                    **_survey_email(context, user_id=row.user_id,
                                                    support_request_id=row.support_request_id)))
            notify_many(emails)
            sent += len(emails)
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
