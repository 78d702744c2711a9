"""Answering surveys: the questions asked, the checks every face shares, the one answer a
feedback request gets, and opting out of survey emails (clauses 6.3, 7.1, 7.2)."""

import re

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import record
from accounts.errors import DomainError, InvalidState, NotAllowed
from accounts.models import User
from helpdesk.models import SupportRequest

from . import tokens
from .models import (
    COMMENT_MAX_LENGTH,
    FeedbackOptOut,
    FeedbackRequest,
    FeedbackResponse,
    Question,
    QuestionCode,
    Survey,
)

ANSWER_FIELDS = [code.value for code in QuestionCode]


class AlreadyAnswered(InvalidState):
    """A feedback request gets one answer, ever."""

    code = "already_answered"

    def __init__(self, message: str = ""):
        super().__init__(message or _("Feedback on this request has already been given."))


class InvalidAnswers(DomainError):
    """Answers out of range, missing or too long; `errors` maps fields to messages."""

    def __init__(self, errors: dict[str, list[str]]):
        first_field, messages = next(iter(errors.items()))
        super().__init__(messages[0], field=first_field)
        self.errors = errors


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

    Only the request's customer may give it (`SupportRequest.of_customer`). It uses the
    request's feedback request when one was sent (so the emailed link is then spent), or
    creates one: a request has one feedback request and one answer, ever.
    """
    if not SupportRequest.objects.of_customer(respondent).filter(
            pk=support_request.pk).exists():
        # Staff reach every request, but feedback is the customer's to give.
        raise NotAllowed(_("Only the customer can give feedback on a request."),
                         code="not_customer")
    survey = Survey.objects.get(code=Survey.POST_RESOLUTION)  # seeded by a data migration
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


def may_give_feedback(support_request) -> bool:
    """Whether to offer feedback on a request: once support has answered or settled it
    (there is a service to rate), until feedback is given."""
    if support_request.first_response_at is None and support_request.status not in (
            SupportRequest.Status.RESOLVED, SupportRequest.Status.CLOSED):
        return False
    return not FeedbackResponse.objects.filter(
        feedback_request__support_request=support_request).exists()


def opt_out(user: User, *, request=None) -> bool:
    """Stop survey emails to `user`; True when this call opted them out."""
    with transaction.atomic():
        _row, created = FeedbackOptOut.objects.get_or_create(user=user)
        if created:
            record("feedback.opted_out", actor=user, obj=user, request=request)
    return created


def has_opted_out(user: User) -> bool:
    return FeedbackOptOut.objects.filter(user=user).exists()


