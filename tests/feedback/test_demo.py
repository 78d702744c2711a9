import pytest

from feedback import demo
from feedback.models import FeedbackRequest, FeedbackResponse

from .factories import SupportRequestFactory, resolved_request

pytestmark = pytest.mark.django_db


def test_seed_adds_answers_and_a_waiting_survey_once():
    for _ in range(5):
        resolved_request()
    SupportRequestFactory()  # open: left alone
    lines = []
    demo.seed({}, lines.append)
    assert FeedbackResponse.objects.count() == 3
    assert FeedbackRequest.objects.filter(answered_at__isnull=True).count() == 1
    demo.seed({}, lines.append)
    assert FeedbackResponse.objects.count() == 3
    assert FeedbackRequest.objects.count() == 4


def test_seed_without_resolved_requests_does_nothing():
    SupportRequestFactory()
    lines = []
    demo.seed({}, lines.append)
    assert not FeedbackRequest.objects.exists()
    assert lines
