"""Demo feedback: answers on a few resolved demo requests, and one survey still waiting.

Only the helpdesk demo's own requests (`demo["requests"]`) are used: a real customer's
resolved request never gets an invented answer, and their real survey is never touched.
Idempotent: a request that already has a feedback request is left as it is.
"""

from datetime import timedelta

from django.utils import timezone

from . import answering, tokens
from .models import FeedbackRequest, Survey

SAMPLE_ANSWERS = [
    {"satisfaction": 5, "solved": True, "effort": 1,
     "comment": "Quick and clear answer, thank you."},
    {"satisfaction": 4, "solved": True, "effort": 2, "comment": ""},
    {"satisfaction": 2, "solved": False, "effort": 4,
     "comment": "It took several replies before the right log file was requested."},
]


def seed(demo: dict, out) -> None:
    try:
        from helpdesk.models import SupportRequest
    except ImportError:  # the helpdesk app has no requests yet
        return
    survey = Survey.objects.filter(code=Survey.POST_RESOLUTION).first()
    if survey is None:
        return
    status = SupportRequest.Status
    settled = list(
        SupportRequest.objects.filter(pk__in=[r.pk for r in demo.get("requests", [])],
                                      status__in=[status.RESOLVED, status.CLOSED],
                                      requester__isnull=False)
        .exclude(close_reason=SupportRequest.CloseReason.NO_RESPONSE)
        .order_by("pk")[:len(SAMPLE_ANSWERS) + 1]
    )
    if not settled:
        out("Feedback: no resolved demo requests, nothing to add.")
        return
    answered = pending = 0
    for support_request, answers in zip(settled, SAMPLE_ANSWERS, strict=False):
        if FeedbackRequest.objects.filter(support_request=support_request).exists():
            continue
        answering.answer_support_request(support_request, answers=answers,
                                        respondent=support_request.requester, language="en")
        answered += 1
    if len(settled) > len(SAMPLE_ANSWERS):
        waiting = settled[len(SAMPLE_ANSWERS)]
        now = timezone.now()
        _row, created = FeedbackRequest.objects.get_or_create(
            support_request=waiting,
            defaults={
                "survey": survey, "user_id": waiting.customer.pk,
                "company_id": waiting.company_id,
                "segment": waiting.segment,
                "origin": FeedbackRequest.Origin.EMAIL, "sent_at": now - timedelta(hours=2),
                "expires_at": now + tokens.answer_max_age(),
            },
        )
        pending += int(created)
    out(f"Feedback: {answered} answers and {pending} waiting survey added.")
