import pytest

from feedback import demo
from feedback.models import FeedbackRequest, FeedbackResponse

from .factories import SupportRequestFactory, resolved_request

pytestmark = pytest.mark.django_db


def test_seed_adds_answers_and_a_waiting_survey_once():
    demo_requests = [resolved_request() for _ in range(5)]
    demo_requests.append(SupportRequestFactory())  # open: left alone
    lines = []
    demo.seed({"requests": demo_requests}, lines.append)
    assert FeedbackResponse.objects.count() == 3
    assert FeedbackRequest.objects.filter(answered_at__isnull=True).count() == 1
    demo.seed({"requests": demo_requests}, lines.append)
    assert FeedbackResponse.objects.count() == 3
    assert FeedbackRequest.objects.count() == 4


def test_seed_answers_only_the_demo_requests():
    real = [resolved_request() for _ in range(4)]
    demo_request = resolved_request()
    demo.seed({"requests": [demo_request]}, [].append)
    assert set(FeedbackRequest.objects.values_list("support_request", flat=True)) == {
        demo_request.pk}
    assert not FeedbackRequest.objects.filter(support_request__in=real).exists()


def test_seed_without_resolved_requests_does_nothing():
    lines = []
    demo.seed({"requests": [SupportRequestFactory()]}, lines.append)
    assert not FeedbackRequest.objects.exists()
    assert lines
