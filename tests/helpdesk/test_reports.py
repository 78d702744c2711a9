"""Response times for the staff: first response and resolution per queue, agent and plan,
as medians and averages, on a page with charts and as CSV; satisfaction per agent comes
from the feedback app through the page's slot."""

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
from django.urls import reverse

from helpdesk.requests import reports
from tests.accounts.factories import AgentFactory
from tests.feedback.factories import FeedbackResponseFactory

from .factories import QueueFactory, SupportRequestFactory

pytestmark = pytest.mark.django_db
FILED = datetime(2026, 2, 2, 9, 0, tzinfo=UTC)
REPORT = reverse("admin:helpdesk_supportrequest_reports")


@pytest.fixture
def timed(world):
    """Three requests of one queue and agent answered after 1, 2 and 6 hours, two resolved
    after 10 and 30 hours; one of another queue never answered."""
    lab = QueueFactory(name="=HYPERLINK(\"x\")")  # a name a spreadsheet must not run
    agent = AgentFactory(full_name="Nadia Lab")
    for first, resolved in ((1, 10), (2, 30), (6, None)):
        SupportRequestFactory(
            requester=world.home_user, queue=lab, assignee=agent, plan=world.premium,
            created_at=FILED, first_response_at=FILED + timedelta(hours=first),
            resolved_at=FILED + timedelta(hours=resolved) if resolved else None)
    SupportRequestFactory(requester=world.home_user, queue=world.queues["home"], created_at=FILED)
    return {"lab": lab, "agent": agent}


def test_medians_and_averages_per_queue_agent_and_plan(world, timed):
    period = (date(2026, 2, 1), date(2026, 3, 1))
    [lab, home] = reports.response_times("queue", *period)
    assert (lab.label, lab.filed, lab.responded, lab.resolved) == (timed["lab"].name, 3, 3, 2)
    assert (lab.first_response_hours, lab.first_response_average_hours) == (2.0, 3.0)
    assert (lab.resolution_hours, lab.resolution_average_hours) == (20.0, 20.0)
    assert (home.responded, home.first_response_hours, home.resolution_hours) == (0, None, None)
    by_agent = {row.label: row for row in reports.response_times("agent", *period)}
    assert by_agent["Nadia Lab"].first_response_hours == 2.0 and "None" in by_agent
    by_plan = {row.label: row.filed for row in reports.response_times("plan", *period)}
    assert by_plan == {"Premium Support": 3, "Standard Support": 1}
    assert reports.response_times("queue", date(2026, 3, 1), date(2026, 4, 1)) == []


def test_the_page_charts_and_exports_them(world, client, timed):
    client.force_login(world.agent)
    page = client.get(REPORT, {"start": "2026-02-01", "end": "2026-03-01"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "Median first response (hours)" in html and "<svg" in html and "Nadia Lab" in html
    exported = client.get(REPORT, {"start": "2026-02-01", "end": "2026-03-01",
                                   "format": "csv"})
    rows = list(csv.reader(io.StringIO(exported.content.decode())))
    assert rows[0][:3] == ["group", "key", "label"]
    lab = next(row for row in rows if row[0] == "queue" and row[4] == "3")
    assert lab[2].startswith("'=") and lab[5:7] == ["2.0", "3.0"]
    # Nonsense in the form never fails: the default period is used.
    assert client.get(REPORT, {"start": "yesterday", "end": "2026-13-45"}).status_code == 200


def test_satisfaction_per_agent_for_those_who_may_read_survey_results(world, client, timed):
    request = timed["lab"].requests.filter(resolved_at__isnull=False).first()
    FeedbackResponseFactory(feedback_request__support_request=request, satisfaction=5,
                            created_at=datetime(2026, 2, 10, tzinfo=UTC))
    params = {"start": "2026-02-01", "end": "2026-03-01"}
    client.force_login(world.supervisor)
    html = client.get(REPORT, params).content.decode()
    assert "Satisfaction per agent" in html and "100.0 %" in html
    client.force_login(world.agent)
    assert "Satisfaction per agent" not in client.get(REPORT, params).content.decode()


def test_customers_do_not_see_reports(world, client):
    client.force_login(world.home_user)
    assert client.get(REPORT).status_code == 302


def test_a_time_before_the_filing_is_left_out(world):
    SupportRequestFactory(requester=world.home_user, queue=world.queues["home"], created_at=FILED,
                          first_response_at=FILED - timedelta(hours=3),
                          resolved_at=FILED - timedelta(days=2))
    [row] = reports.response_times("queue", date(2026, 2, 1), date(2026, 3, 1))
    assert (row.filed, row.responded, row.resolved) == (1, 0, 0)
    assert row.first_response_hours is None and row.resolution_hours is None
