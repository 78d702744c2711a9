"""The feedback API: the emailed link without login, and feedback on one's own requests."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from feedback import tokens
from feedback.models import FeedbackResponse
from tests.accounts.factories import CompanyFactory, MembershipFactory, UserFactory

from .factories import FeedbackRequestFactory, FeedbackResponseFactory, SupportRequestFactory

pytestmark = pytest.mark.django_db

ANSWERS = {"satisfaction": 5, "solved": True, "effort": 1, "comment": "Great"}


@pytest.fixture
def api():
    return APIClient()


def link(feedback_request):
    return f"/api/v1/feedback/{tokens.make_answer_token(feedback_request.token_key)}/"


def test_get_link_returns_the_survey_and_records_nothing(api):
    feedback_request = FeedbackRequestFactory()
    response = api.get(link(feedback_request))
    assert response.status_code == 200
    body = response.json()
    assert body["state"] == "open"
    assert body["reference"] == feedback_request.support_request.reference
    codes = [q["code"] for q in body["survey"]["questions"]]
    assert codes == ["satisfaction", "solved", "effort", "comment"]
    satisfaction = body["survey"]["questions"][0]
    assert (satisfaction["min"], satisfaction["max"], satisfaction["required"]) == (1, 5, True)
    assert not FeedbackResponse.objects.exists()
    feedback_request.refresh_from_db()
    assert feedback_request.answered_at is None


def test_post_link_answers_once(api):
    feedback_request = FeedbackRequestFactory()
    url = link(feedback_request)
    response = api.post(url, {"satisfaction": 6, "effort": 0, "comment": "x" * 2001},
                        format="json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == {"satisfaction", "effort", "comment"}
    response = api.post(url, {"effort": 2}, format="json")
    assert response.status_code == 400
    assert "satisfaction" in response.json()["errors"]
    assert not FeedbackResponse.objects.exists()

    response = api.post(url, ANSWERS, format="json")
    assert response.status_code == 201
    assert response.json()["satisfaction"] == 5
    assert response.json()["solved"] is True
    answer = FeedbackResponse.objects.get()
    assert answer.channel == "api"
    assert answer.respondent == feedback_request.user

    response = api.post(url, ANSWERS, format="json")
    assert response.status_code == 410
    assert response.json()["code"] == "used"
    assert api.get(url).status_code == 410
    assert FeedbackResponse.objects.count() == 1


def test_link_needs_no_login_even_with_a_session(api):
    # A signed-in browser posting without a CSRF token is still fine: the token is the
    # credential, no session authentication applies.
    feedback_request = FeedbackRequestFactory()
    api.force_login(UserFactory())
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(UserFactory())
    assert client.post(link(feedback_request), ANSWERS, format="json").status_code == 201


def test_expired_tampered_and_wrong_purpose_links(api, time_machine):
    feedback_request = FeedbackRequestFactory()
    good = tokens.make_answer_token(feedback_request.token_key)
    tampered = good[:-1] + ("A" if good[-1] != "A" else "B")
    unsubscribe = tokens.make_unsubscribe_token(feedback_request.user.pk)
    for token in (tampered, unsubscribe, "garbage"):
        for method in (api.get, api.post):
            response = method(f"/api/v1/feedback/{token}/", ANSWERS, format="json")
            assert response.status_code == 400
            assert response.json()["code"] == "invalid"
    time_machine.move_to(timezone.now() + timedelta(days=31), tick=False)
    response = api.post(f"/api/v1/feedback/{good}/", ANSWERS, format="json")
    assert response.status_code == 410
    assert response.json()["code"] == "expired"
    assert not FeedbackResponse.objects.exists()


def test_request_feedback_of_own_request(api):
    user = UserFactory()
    support_request = SupportRequestFactory(requester=user)
    url = f"/api/v1/requests/{support_request.reference}/feedback/"
    api.force_authenticate(user)
    response = api.get(url)
    assert response.status_code == 200
    assert response.json()["state"] == "open"
    assert response.json()["response"] is None
    response = api.post(url, {"satisfaction": 9}, format="json")
    assert response.status_code == 400
    assert "satisfaction" in response.json()["errors"]
    response = api.post(url, ANSWERS, format="json")
    assert response.status_code == 201
    assert response.json()["state"] == "answered"
    assert response.json()["response"]["comment"] == "Great"
    response = api.post(url, ANSWERS, format="json")
    assert response.status_code == 409
    assert FeedbackResponse.objects.count() == 1


def test_request_feedback_outside_reach_is_404(api):
    acme, globex = CompanyFactory(), CompanyFactory()
    acme_admin = MembershipFactory(company=acme, role="admin").user
    acme_member = MembershipFactory(company=acme).user
    globex_admin = MembershipFactory(company=globex, role="admin").user
    globex_request = SupportRequestFactory(company=globex, requester=globex_admin)
    other_members = SupportRequestFactory(company=acme, requester=acme_admin)
    home_request = SupportRequestFactory()

    api.force_authenticate(acme_member)
    for support_request in (globex_request, other_members, home_request):
        url = f"/api/v1/requests/{support_request.reference}/feedback/"
        assert api.get(url).status_code == 404
        assert api.post(url, ANSWERS, format="json").status_code == 404
    assert api.get("/api/v1/requests/INC-0000-000000/feedback/").status_code == 404
    assert not FeedbackResponse.objects.exists()

    # The company admin reaches the member's request.
    member_request = SupportRequestFactory(company=acme, requester=acme_member)
    api.force_authenticate(acme_admin)
    url = f"/api/v1/requests/{member_request.reference}/feedback/"
    assert api.post(url, ANSWERS, format="json").status_code == 201


def test_request_feedback_needs_authentication(api):
    support_request = SupportRequestFactory()
    response = api.get(f"/api/v1/requests/{support_request.reference}/feedback/")
    assert response.status_code in (401, 403)


def test_answered_request_shows_its_answer(api):
    answer = FeedbackResponseFactory(comment="<b>bold</b>")
    api.force_authenticate(answer.feedback_request.user)
    reference = answer.feedback_request.support_request.reference
    body = api.get(f"/api/v1/requests/{reference}/feedback/").json()
    assert body["state"] == "answered"
    assert body["response"]["comment"] == "<b>bold</b>"  # JSON carries the text as given


def test_schema_documents_the_feedback_endpoints(api):
    response = api.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    text = response.content.decode()
    assert "/api/v1/feedback/{token}/" in text
    assert "/api/v1/requests/{reference}/feedback/" in text


def test_staff_read_feedback_but_never_give_it(api):
    from tests.accounts.factories import AgentFactory

    answer = FeedbackResponseFactory(comment="Thanks")
    agent = AgentFactory()
    api.force_authenticate(agent)
    reference = answer.feedback_request.support_request.reference
    body = api.get(f"/api/v1/requests/{reference}/feedback/").json()
    assert body["state"] == "answered"
    unanswered = SupportRequestFactory()
    url = f"/api/v1/requests/{unanswered.reference}/feedback/"
    assert api.get(url).status_code == 200
    response = api.post(url, ANSWERS, format="json")
    assert response.status_code == 403
    assert FeedbackResponse.objects.count() == 1
