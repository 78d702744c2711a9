"""The feedback sections of the home (7.1) and company (7.2) portals."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from feedback import tokens
from feedback.models import FeedbackRequest, FeedbackResponse
from tests.accounts.factories import CompanyFactory, MembershipFactory, UserFactory

from .factories import (
    FeedbackRequestFactory,
    FeedbackResponseFactory,
    SupportRequestFactory,
    resolved_request,
)

pytestmark = pytest.mark.django_db

XSS = "<script>alert('x')</script><img src=x onerror=alert(1)>"
ANSWERS = {"satisfaction": "4", "solved": "yes", "effort": "2", "comment": "Fine"}


@pytest.fixture
def acme():
    return CompanyFactory(name="Acme", slug="acme")


@pytest.fixture
def globex():
    return CompanyFactory(name="Globex", slug="globex")


@pytest.fixture
def acme_admin(acme):
    return MembershipFactory(company=acme, role="admin").user


@pytest.fixture
def acme_member(acme):
    return MembershipFactory(company=acme).user


@pytest.fixture
def other_member(acme):
    return MembershipFactory(company=acme).user


@pytest.fixture
def globex_admin(globex):
    return MembershipFactory(company=globex, role="admin").user


def test_logged_out_goes_to_login(client):
    for url in ("/my/feedback/", "/company/acme/feedback/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_home_section_lists_pending_requests_and_answers(client):
    user = UserFactory()
    pending = FeedbackRequestFactory(support_request__requester=user)
    open_request = SupportRequestFactory(requester=user)
    answered = FeedbackResponseFactory(feedback_request__support_request__requester=user,
                                       comment="Helpful agent")
    stranger = FeedbackRequestFactory()
    client.force_login(user)
    page = client.get("/my/feedback/").content.decode()
    assert f"/my/feedback/surveys/{pending.pk}/" in page
    assert f"/my/feedback/requests/{open_request.reference}/" in page
    assert "Helpful agent" in page
    assert answered.feedback_request.support_request.reference in page
    assert stranger.support_request.reference not in page
    assert f"/my/feedback/surveys/{stranger.pk}/" not in page


def test_feedback_on_any_request_at_any_time_once(client):
    user = UserFactory()
    support_request = SupportRequestFactory(requester=user, status="open")
    url = f"/my/feedback/requests/{support_request.reference}/"
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    assert not FeedbackRequest.objects.exists()
    response = client.post(url, {**ANSWERS, "satisfaction": "0"})
    assert response.status_code == 400
    assert not FeedbackResponse.objects.exists()
    response = client.post(url, ANSWERS)
    assert response.status_code == 302
    assert response["Location"] == "/my/feedback/"
    answer = FeedbackResponse.objects.get()
    assert answer.respondent == user
    assert answer.channel == "portal"
    assert answer.feedback_request.origin == "portal"
    # Once per request: the page now shows the answer, a second POST changes nothing.
    assert b"already been given" in client.get(url).content
    client.post(url, {**ANSWERS, "satisfaction": "1"})
    assert FeedbackResponse.objects.get().satisfaction == 4


def test_portal_answer_spends_the_emailed_link(client):
    feedback_request = FeedbackRequestFactory()
    user = feedback_request.user
    client.force_login(user)
    url = f"/my/feedback/requests/{feedback_request.support_request.reference}/"
    assert client.post(url, ANSWERS).status_code == 302
    assert FeedbackRequest.objects.count() == 1
    client.logout()
    link = f"/feedback/{tokens.make_answer_token(feedback_request.token_key)}/"
    assert client.get(link).status_code == 410


def test_answer_pending_survey_in_portal(client):
    feedback_request = FeedbackRequestFactory()
    client.force_login(feedback_request.user)
    url = f"/my/feedback/surveys/{feedback_request.pk}/"
    assert client.get(url).status_code == 200
    assert client.post(url, ANSWERS).status_code == 302
    assert FeedbackResponse.objects.get().feedback_request == feedback_request
    # No longer pending.
    assert client.get(url).status_code == 404


def test_company_member_sees_own_requests_admin_sees_all(client, acme, acme_admin,
                                                         acme_member, other_member):
    mine = SupportRequestFactory(company=acme, requester=acme_member)
    theirs = FeedbackResponseFactory(
        feedback_request__support_request__company=acme,
        feedback_request__support_request__requester=other_member,
        comment="Other member's opinion")
    their_ref = theirs.feedback_request.support_request.reference

    client.force_login(acme_member)
    page = client.get("/company/acme/feedback/").content.decode()
    assert mine.reference in page
    assert their_ref not in page
    assert "Other member&#x27;s opinion" not in page
    assert client.get(f"/company/acme/feedback/requests/{their_ref}/").status_code == 404

    client.force_login(acme_admin)
    page = client.get("/company/acme/feedback/").content.decode()
    assert mine.reference in page
    assert their_ref in page
    assert "Other member&#x27;s opinion" in page
    assert client.get(f"/company/acme/feedback/requests/{their_ref}/").status_code == 200
    # The admin may give feedback on a member's request.
    response = client.post(f"/company/acme/feedback/requests/{mine.reference}/", ANSWERS)
    assert response.status_code == 302
    assert response["Location"] == "/company/acme/feedback/"


def test_company_member_cannot_see_or_answer_another_companys_feedback(
        client, acme, globex, acme_admin, globex_admin):
    globex_request = FeedbackRequestFactory(support_request__company=globex,
                                            support_request__requester=globex_admin)
    reference = globex_request.support_request.reference
    client.force_login(acme_admin)
    urls = [
        "/company/globex/feedback/",
        f"/company/globex/feedback/surveys/{globex_request.pk}/",
        f"/company/globex/feedback/requests/{reference}/",
        f"/company/acme/feedback/surveys/{globex_request.pk}/",
        f"/company/acme/feedback/requests/{reference}/",
        f"/my/feedback/surveys/{globex_request.pk}/",
        f"/my/feedback/requests/{reference}/",
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url
        assert client.post(url, ANSWERS).status_code == 404, url
    assert not FeedbackResponse.objects.exists()
    page = client.get("/company/acme/feedback/").content.decode()
    assert reference not in page


def test_home_and_company_feedback_stay_apart(client, acme, acme_member):
    home_request = SupportRequestFactory(requester=acme_member)
    company_request = SupportRequestFactory(company=acme, requester=acme_member)
    client.force_login(acme_member)
    home_page = client.get("/my/feedback/").content.decode()
    company_page = client.get("/company/acme/feedback/").content.decode()
    assert home_request.reference in home_page
    assert company_request.reference not in home_page
    assert company_request.reference in company_page
    assert home_request.reference not in company_page
    assert client.get(f"/my/feedback/requests/{company_request.reference}/").status_code == 404


def test_comment_is_escaped_on_every_page(client, admin_client):
    answer = FeedbackResponseFactory(comment=XSS)
    user = answer.feedback_request.user
    reference = answer.feedback_request.support_request.reference
    client.force_login(user)
    pages = [
        client.get("/my/feedback/"),
        client.get(f"/my/feedback/requests/{reference}/"),
        admin_client.get("/admin/feedback/feedbackresponse/"),
        admin_client.get(f"/admin/feedback/feedbackresponse/{answer.pk}/change/"),
    ]
    for response in pages:
        assert response.status_code == 200
        content = response.content.decode()
        assert "<script>alert" not in content
        assert "<img src=x" not in content
        assert "&lt;script&gt;" in content or "&lt;script" in content


def test_comment_is_stored_as_plain_text(client):
    user = UserFactory()
    support_request = SupportRequestFactory(requester=user)
    client.force_login(user)
    client.post(f"/my/feedback/requests/{support_request.reference}/",
                {"satisfaction": "3", "comment": f"  {XSS}\u202e  "})
    assert FeedbackResponse.objects.get().comment == XSS


def _count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("workspace", ["home", "company"])
def test_section_queries_do_not_grow_with_rows(client, acme, acme_admin, workspace):
    def make_rows(n):
        extra = {"company": acme} if workspace == "company" else {}
        for _ in range(n):
            SupportRequestFactory(requester=acme_admin, **extra)
            FeedbackRequestFactory(support_request=resolved_request(requester=acme_admin,
                                                                    **extra))
            FeedbackResponseFactory(
                feedback_request__support_request=resolved_request(requester=acme_admin,
                                                                   **extra),
                comment="ok")

    url = "/company/acme/feedback/" if workspace == "company" else "/my/feedback/"
    client.force_login(acme_admin)
    make_rows(1)
    one = _count(client, url)
    make_rows(6)
    many = _count(client, url)
    assert one == many


def test_staff_member_of_a_company_cannot_rate_other_members_requests(client, acme,
                                                                      acme_member):
    from tests.accounts.factories import AgentFactory

    agent = AgentFactory()
    MembershipFactory(company=acme, user=agent)
    colleague_request = SupportRequestFactory(company=acme, requester=acme_member)
    client.force_login(agent)
    url = f"/company/acme/feedback/requests/{colleague_request.reference}/"
    assert client.get(url).status_code == 404
    assert client.post(url, ANSWERS).status_code == 404
    assert colleague_request.reference not in client.get("/company/acme/feedback/").content.decode()


def test_refused_answer_leaves_no_feedback_request_behind():
    from feedback import answering

    support_request = resolved_request()
    with pytest.raises(answering.InvalidAnswers):
        answering.answer_support_request(support_request, answers={"satisfaction": 7},
                                        respondent=support_request.requester)
    assert not FeedbackRequest.objects.exists()
