"""Post-resolution surveys, reminders and periodic surveys, with the mail outbox."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail

from feedback import dispatch, reports, tasks
from feedback.models import FeedbackOptOut, FeedbackRequest, FeedbackResponse
from helpdesk.requests import lifecycle
from tests.accounts.factories import AgentFactory, CompanyFactory, MembershipFactory, UserFactory

from .factories import (
    FeedbackResponseFactory,
    SupportRequestFactory,
    reopen,
    resolve,
    resolved_request,
)
from .helpers import answer_path, unsubscribe_path

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ANSWERS = {"satisfaction": "5", "solved": "yes", "effort": "2", "comment": "Clear and quick."}


def survey_mails(outbox):
    return [m for m in outbox if "/feedback/" in m.body]


def test_whole_flow_resolve_wait_email_answer_once_report(client, run_outbox, at):
    at(T0)
    agent = AgentFactory()
    support_request = SupportRequestFactory()
    lifecycle.resolve_request(support_request, by=agent, note="Update the databases.")
    assert tasks.send_post_resolution_requests() == 0

    at(T0 + timedelta(hours=23, minutes=59))
    assert tasks.send_post_resolution_requests() == 0
    assert survey_mails(run_outbox()) == []

    at(T0 + timedelta(hours=24, minutes=1))
    assert tasks.send_post_resolution_requests() == 1
    outbox = survey_mails(run_outbox())
    assert len(outbox) == 1
    message = outbox[0]
    assert message.to == [support_request.requester.email]
    assert support_request.reference in message.subject
    html = message.alternatives[0][0]
    path = answer_path(message)
    assert path in html
    assert unsubscribe_path(message) in html

    # Opening the link records nothing.
    response = client.get(path)
    assert response.status_code == 200
    assert b"How satisfied are you" in response.content
    assert FeedbackResponse.objects.count() == 0
    assert FeedbackRequest.objects.get().answered_at is None

    # Out of range: refused, with the error next to the question.
    response = client.post(path, {**ANSWERS, "satisfaction": "9"})
    assert response.status_code == 400
    assert 'id="id_satisfaction-errors"' in response.content.decode()
    assert FeedbackResponse.objects.count() == 0

    response = client.post(path, ANSWERS)
    assert response.status_code == 302
    assert response["Location"] == "/feedback/thanks/"
    answer = FeedbackResponse.objects.get()
    assert (answer.satisfaction, answer.solved, answer.effort) == (5, True, 2)
    assert answer.respondent == support_request.requester
    assert answer.channel == "link"

    # A second answer is refused with a clear page.
    response = client.post(path, {**ANSWERS, "satisfaction": "1"})
    assert response.status_code == 410
    assert b"already been answered" in response.content
    assert client.get(path).status_code == 410
    assert FeedbackResponse.objects.get().satisfaction == 5

    summary = reports.summary()
    assert summary.responses == 1
    assert summary.csat == 100.0
    assert summary.effort == 2

    # Another run later sends nothing more for this request.
    at(T0 + timedelta(days=3))
    assert tasks.send_post_resolution_requests() == 0
    assert len(survey_mails(run_outbox())) == 1


def test_dispatch_twice_sends_once(run_outbox, at):
    at(T0)
    resolved_request()
    resolved_request()
    at(T0 + timedelta(hours=25))
    assert dispatch.send_post_resolution_requests() == 2
    assert dispatch.send_post_resolution_requests() == 0
    assert len(run_outbox()) == 2
    assert FeedbackRequest.objects.count() == 2


def test_reminder_exactly_once(run_outbox, at, settings):
    settings.FEEDBACK_REMINDER_DAYS = 4
    at(T0)
    support_request = resolved_request()
    at(T0 + timedelta(hours=25))
    dispatch.send_post_resolution_requests()
    assert len(run_outbox()) == 1

    at(T0 + timedelta(days=4))
    assert tasks.send_feedback_reminders() == 0
    at(T0 + timedelta(days=5, hours=2))
    assert tasks.send_feedback_reminders() == 1
    outbox = run_outbox()
    assert len(outbox) == 2
    reminder = outbox[1]
    assert reminder.to == [support_request.requester.email]
    assert support_request.reference in reminder.subject
    assert answer_path(reminder) and unsubscribe_path(reminder)

    for later in (6, 10, 20):
        at(T0 + timedelta(days=later))
        assert tasks.send_feedback_reminders() == 0
        assert dispatch.send_post_resolution_requests() == 0
    assert len(run_outbox()) == 2


def test_no_reminder_once_answered(client, run_outbox, at):
    at(T0)
    resolved_request()
    at(T0 + timedelta(hours=25))
    dispatch.send_post_resolution_requests()
    path = answer_path(run_outbox()[0])
    assert client.post(path, ANSWERS).status_code == 302
    at(T0 + timedelta(days=10))
    assert dispatch.send_reminders() == 0
    assert len(run_outbox()) == 1


def test_reopened_request_gets_no_survey(run_outbox, at):
    at(T0)
    agent = AgentFactory()
    support_request = SupportRequestFactory()
    lifecycle.resolve_request(support_request, by=agent)
    at(T0 + timedelta(hours=2))
    # The customer replies within the reopen window: the request is open again.
    lifecycle.add_reply(support_request, by=support_request.requester,
                                body="Still stops at 40 per cent.")
    support_request.refresh_from_db()
    assert support_request.status == "open"
    at(T0 + timedelta(days=2))
    assert dispatch.send_post_resolution_requests() == 0
    assert survey_mails(run_outbox()) == []


def test_reopened_and_resolved_again_gets_no_second_survey(run_outbox, at):
    at(T0)
    agent = AgentFactory()
    support_request = SupportRequestFactory()
    lifecycle.resolve_request(support_request, by=agent)
    at(T0 + timedelta(hours=25))
    assert dispatch.send_post_resolution_requests() == 1
    lifecycle.add_reply(support_request, by=support_request.requester,
                                body="It came back.")
    at(T0 + timedelta(days=2))
    support_request.refresh_from_db()
    lifecycle.resolve_request(support_request, by=agent)
    at(T0 + timedelta(days=4))
    assert dispatch.send_post_resolution_requests() == 0
    assert len(survey_mails(run_outbox())) == 1
    assert FeedbackRequest.objects.filter(support_request=support_request).count() == 1


def test_reopened_survey_gets_no_reminder_while_open(run_outbox, at):
    at(T0)
    support_request = resolved_request()
    at(T0 + timedelta(hours=25))
    dispatch.send_post_resolution_requests()
    reopen(support_request)
    at(T0 + timedelta(days=10))
    assert dispatch.send_reminders() == 0


@pytest.mark.parametrize(("status", "close_reason", "sent"), [
    ("closed", "reopen_window_ended", 1),
    ("closed", "by_staff", 1),
    ("closed", "no_response", 0),
    ("rejected", "", 0),
    ("waiting_on_customer", "", 0),
])
def test_which_settled_requests_are_surveyed(run_outbox, at, status, close_reason,
                                             sent):
    at(T0)
    SupportRequestFactory(status=status, close_reason=close_reason, resolved_at=T0)
    at(T0 + timedelta(hours=25))
    assert dispatch.send_post_resolution_requests() == sent
    assert len(run_outbox()) == sent


def test_old_resolutions_are_not_surveyed(run_outbox, at, settings):
    at(T0)
    resolved_request(at=T0 - timedelta(days=settings.FEEDBACK_SEND_WITHIN_DAYS + 1))
    assert dispatch.send_post_resolution_requests() == 0


def test_delay_is_a_setting(run_outbox, at, settings):
    settings.FEEDBACK_DELAY_HOURS = 2
    at(T0)
    resolved_request()
    at(T0 + timedelta(hours=2, minutes=1))
    assert dispatch.send_post_resolution_requests() == 1


def test_company_request_goes_to_its_requester_in_their_language(run_outbox, at):
    at(T0)
    company = CompanyFactory()
    member = MembershipFactory(company=company, user__language="ms").user
    resolve(SupportRequestFactory(company=company, requester=member))
    at(T0 + timedelta(hours=25))
    dispatch.send_post_resolution_requests()
    request = FeedbackRequest.objects.get()
    assert request.company == company
    assert request.segment == company.segment
    (message,) = run_outbox()
    assert message.to == [member.email]
    from notifications.models import Notification

    assert Notification.objects.get().language == "ms"


def test_opted_out_requester_gets_no_survey_nor_reminder(client, run_outbox, at):
    at(T0)
    first = resolved_request()
    at(T0 + timedelta(hours=25))
    dispatch.send_post_resolution_requests()
    (message,) = run_outbox()
    path = unsubscribe_path(message)

    # GET only asks.
    response = client.get(path)
    assert response.status_code == 200
    assert b"Unsubscribe" in response.content
    assert not FeedbackOptOut.objects.exists()
    response = client.post(path)
    assert response.status_code == 200
    assert FeedbackOptOut.objects.filter(user=first.requester).exists()
    # Again: harmless.
    assert client.post(path).status_code == 200

    at(T0 + timedelta(days=1))
    resolved_request(requester=first.requester)
    at(T0 + timedelta(days=3))
    assert dispatch.send_post_resolution_requests() == 0
    at(T0 + timedelta(days=10))
    assert dispatch.send_reminders() == 0
    assert len(run_outbox()) == 1


# Periodic surveys ---------------------------------------------------------------------

Q1 = datetime(2026, 2, 10, 10, 0, tzinfo=UTC)
APRIL_2 = datetime(2026, 4, 2, 2, 30, tzinfo=UTC)


def test_periods():
    period = dispatch.period_containing(datetime(2026, 5, 17, tzinfo=UTC))
    assert period.label == "2026-Q2"
    assert (period.start.month, period.end.month) == (4, 7)
    previous = dispatch.previous_period(datetime(2026, 1, 3, tzinfo=UTC))
    assert previous.label == "2025-Q4"
    assert previous.end.year == 2026
    assert dispatch.period_containing(datetime(2026, 12, 31, tzinfo=UTC), 1).label == "2026-12"
    assert dispatch.period_containing(datetime(2026, 12, 31, tzinfo=UTC), 12).label == "2026"


def test_periodic_survey_goes_to_home_users_and_company_admins(run_outbox, at):
    at(Q1)
    home = SupportRequestFactory().requester
    company = CompanyFactory()
    admin = MembershipFactory(company=company, role="admin").user
    member = MembershipFactory(company=company).user
    SupportRequestFactory(company=company, requester=member)
    SupportRequestFactory(company=company, requester=member)
    bystander = UserFactory()  # no request in the period

    at(APRIL_2)
    assert tasks.send_periodic_surveys() == 2
    outbox = run_outbox()
    assert sorted(m.to[0] for m in outbox) == sorted([home.email, admin.email])
    assert all("2026-Q1" in m.subject for m in outbox)
    assert {r.period for r in FeedbackRequest.objects.all()} == {"2026-Q1"}
    assert FeedbackRequest.objects.get(user=admin).company == company
    assert not FeedbackRequest.objects.filter(user__in=[member, bystander]).exists()

    # Daily runs send nothing new.
    at(APRIL_2 + timedelta(days=1))
    assert tasks.send_periodic_surveys() == 0
    assert len(run_outbox()) == 2


def test_periodic_survey_skips_recent_answerers_and_opt_outs(run_outbox, at):
    at(Q1)
    answered_recently = SupportRequestFactory().requester
    answered_long_ago = SupportRequestFactory().requester
    opted_out = SupportRequestFactory().requester
    FeedbackOptOut.objects.create(user=opted_out)
    FeedbackResponseFactory(feedback_request__support_request__requester=answered_recently,
                            created_at=APRIL_2 - timedelta(days=89))
    FeedbackResponseFactory(feedback_request__support_request__requester=answered_long_ago,
                            created_at=APRIL_2 - timedelta(days=91))

    at(APRIL_2)
    assert dispatch.send_periodic_surveys() == 1
    assert [m.to[0] for m in run_outbox()] == [answered_long_ago.email]


def test_periodic_survey_is_sent_only_early_in_the_next_period(run_outbox, at,
                                                               settings):
    at(Q1)
    SupportRequestFactory()
    at(datetime(2026, 4, 1, tzinfo=UTC)
       + timedelta(days=settings.FEEDBACK_PERIODIC_WINDOW_DAYS, hours=1))
    assert dispatch.send_periodic_surveys() == 0


def test_periodic_answer_link_works(client, run_outbox, at):
    at(Q1)
    SupportRequestFactory()
    at(APRIL_2)
    dispatch.send_periodic_surveys()
    path = answer_path(run_outbox()[0])
    response = client.get(path)
    assert response.status_code == 200
    assert b"recommend" in response.content
    assert client.post(path, {"recommend": "11"}).status_code == 400
    assert client.post(path, {"recommend": "9", "comment": "Good"}).status_code == 302
    assert FeedbackResponse.objects.get().recommend == 9
    assert reports.summary().nps == 100.0


def test_periodic_reminder_once(run_outbox, at, settings):
    at(Q1)
    SupportRequestFactory()
    at(APRIL_2)
    dispatch.send_periodic_surveys()
    at(APRIL_2 + timedelta(days=settings.FEEDBACK_REMINDER_DAYS, hours=1))
    assert dispatch.send_reminders() == 1
    assert dispatch.send_reminders() == 0
    assert len(run_outbox()) == 2
    assert "2026-Q1" in mail.outbox[1].body


def _dispatch_queries(n, at):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    at(T0)
    for _ in range(n):
        resolved_request()
    at(T0 + timedelta(hours=25))
    with CaptureQueriesContext(connection) as ctx:
        assert dispatch.send_post_resolution_requests() == n
    from helpdesk.models import SupportRequest

    SupportRequest.objects.all().delete()
    return len(ctx.captured_queries)


def test_dispatch_makes_as_many_queries_for_40_requests_as_for_3(at):
    # The candidates, the recipients, the feedback requests and their emails are read and
    # written in bulk: nothing is done one request at a time.
    few = _dispatch_queries(3, at)
    many = _dispatch_queries(40, at)
    assert many == few


def _reminder_queries(n, at, settings):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from helpdesk.models import SupportRequest

    at(T0)
    for _ in range(n):
        resolved_request()
    at(T0 + timedelta(hours=25))
    assert dispatch.send_post_resolution_requests() == n
    at(T0 + timedelta(days=settings.FEEDBACK_REMINDER_DAYS, hours=26))
    with CaptureQueriesContext(connection) as ctx:
        assert dispatch.send_reminders() == n
    SupportRequest.objects.all().delete()
    return len(ctx.captured_queries)


def test_reminders_make_as_many_queries_for_40_surveys_as_for_3(at, settings):
    assert _reminder_queries(40, at, settings) == _reminder_queries(3, at, settings)
