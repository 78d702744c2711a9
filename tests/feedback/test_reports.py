"""Reports (CSAT, effort, NPS per month and per queue, agent, segment, plan) and the admin."""

import csv
import io
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from feedback import reports
from feedback.models import FeedbackRequest, Survey
from licensing.models import SupportPlan
from tests.accounts.factories import CompanyFactory, UserFactory

from .factories import FeedbackRequestFactory, FeedbackResponseFactory, SupportRequestFactory

pytestmark = pytest.mark.django_db

JAN = datetime(2026, 1, 15, 10, tzinfo=UTC)
FEB = datetime(2026, 2, 15, 10, tzinfo=UTC)


def _queue(name):
    from helpdesk.models import Queue

    return Queue.objects.create(name=name, segment="home")


def answer(created_at, *, queue=None, assignee=None, plan=None, company=None, **values):
    support_request = SupportRequestFactory(status="resolved", resolved_at=created_at,
                                            queue=queue, assignee=assignee, plan=plan,
                                            company=company)
    return FeedbackResponseFactory(feedback_request__support_request=support_request,
                                   created_at=created_at, **values)


@pytest.fixture
def data():
    first, second = _queue("Home desk"), _queue("Business desk")
    agent = UserFactory(full_name="Aida Agent", is_staff=True)
    premium = SupportPlan.objects.create(code="premium-test", name="Premium test", is_paid=True)
    company = CompanyFactory(segment="medium_large_business")
    answer(JAN, queue=first, assignee=agent, satisfaction=5, effort=1, solved=True)
    answer(JAN, queue=first, assignee=agent, satisfaction=4, effort=2, solved=True)
    answer(JAN, queue=second, satisfaction=2, effort=4, solved=False, company=company,
           plan=premium)
    answer(FEB, queue=second, satisfaction=1, effort=5, solved=False, company=company,
           plan=premium)
    # Periodic answers: 2 promoters and 2 detractors.
    survey = Survey.objects.get(code=Survey.RELATIONSHIP)
    for score, when in ((10, JAN), (9, FEB), (5, FEB), (3, FEB)):
        user = UserFactory()
        fr = FeedbackRequest.objects.create(
            survey=survey, user=user, period="2025-Q4", segment="home", expires_at=when)
        FeedbackResponseFactory(feedback_request=fr, created_at=when, recommend=score,
                                satisfaction=None, effort=None, solved=None)
    return {"first": first, "second": second, "agent": agent, "premium": premium}


def test_summary_measures(data):
    summary = reports.summary()
    assert summary.responses == 8
    assert summary.csat == 50.0  # 2 of 4 satisfaction answers are 4-5
    assert summary.effort == 3.0
    assert summary.nps == 0.0  # (2 promoters - 2 detractors) / 4
    assert summary.solved == 50.0


def test_by_month(data):
    rows = reports.by_month()
    assert [r.label for r in rows] == ["2026-01", "2026-02"]
    jan, feb = rows
    assert (jan.responses, jan.csat, jan.nps) == (4, pytest.approx(66.7), 100.0)
    assert (feb.responses, feb.csat, feb.effort) == (4, 0.0, 5.0)
    assert feb.nps == pytest.approx(-33.3)


def test_by_queue_agent_segment_plan(data):
    queues = {r.label: r for r in reports.by_dimension("queue")}
    assert queues["Home desk"].csat == 100.0
    assert queues["Business desk"].csat == 0.0
    assert queues["None"].responses == 4  # the periodic answers have no queue
    agents = {r.label: r for r in reports.by_dimension("agent")}
    assert agents["Aida Agent"].responses == 2
    segments = {r.key: r for r in reports.by_dimension("segment")}
    assert segments["medium_large_business"].responses == 2
    assert segments["home"].responses == 6
    plans = {r.label: r for r in reports.by_dimension("plan")}
    assert plans["Premium test"].effort == 4.5
    with pytest.raises(ValueError):
        reports.by_dimension("colour")


def test_range_and_survey_filters(data):
    assert reports.summary(start=FEB.date()).responses == 4
    assert reports.summary(end=FEB.date()).responses == 4
    assert reports.summary(survey=Survey.RELATIONSHIP).responses == 4
    assert reports.summary(survey=Survey.RELATIONSHIP).csat is None


def test_report_functions_run_one_query_each(data):
    for call in (reports.summary, reports.by_month, lambda: reports.by_dimension("agent")):
        with CaptureQueriesContext(connection) as ctx:
            call()
        assert len(ctx.captured_queries) == 1


def test_chart_geometry(data):
    chart = reports.chart(reports.by_month(), "nps")
    assert len(chart["bars"]) == 2
    positive, negative = chart["bars"]
    assert positive["y"] + positive["height"] == pytest.approx(chart["zero_y"])
    assert negative["y"] == pytest.approx(chart["zero_y"])
    assert negative["negative"]


def test_admin_report_page_and_csv(admin_client, data):
    response = admin_client.get("/admin/feedback/feedbackresponse/reports/",
                                {"start": "2025-12-01", "end": "2026-03-01",
                                 "dimension": "agent"})
    assert response.status_code == 200
    content = response.content.decode()
    main = content.split('id="content-main"')[1]
    assert main.count('<svg role="img"') == 3
    assert "<script" not in main
    assert "style=" not in main
    assert "Aida Agent" in content
    assert "2026-02" in content

    response = admin_client.get("/admin/feedback/feedbackresponse/reports/",
                                {"start": "2025-12-01", "end": "2026-03-01",
                                 "dimension": "queue", "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    months = [r for r in rows if r["group"] == "month"]
    assert [r["label"] for r in months] == ["2026-01", "2026-02"]
    assert {r["label"] for r in rows if r["group"] == "queue"} >= {"Home desk", "Business desk"}


def test_csv_defuses_formulas(data):
    _queue("=HYPERLINK(\"http://evil\")")
    out = io.StringIO()
    reports.write_csv(out, [("queue", [reports.Row(key=1, label="=1+1"),
                                       reports.Row(key=2, label="-5")])])
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[1][2] == "'=1+1"
    assert rows[2][2] == "-5"


def test_report_needs_staff(client):
    client.force_login(UserFactory())
    response = client.get("/admin/feedback/feedbackresponse/reports/")
    assert response.status_code == 302


def _admin_queries(admin_client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert admin_client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("url", [
    "/admin/feedback/feedbackresponse/",
    "/admin/feedback/feedbackrequest/",
    "/admin/feedback/survey/",
    "/admin/feedback/feedbackoptout/",
    "/admin/feedback/feedbackresponse/reports/",
])
def test_admin_pages_constant_queries(admin_client, url):
    from feedback.models import FeedbackOptOut

    def make(n):
        for _ in range(n):
            answer(JAN, queue=_queue(f"Q{UserFactory().pk}"), satisfaction=4, comment="ok")
            FeedbackRequestFactory()
            FeedbackOptOut.objects.create(user=UserFactory())

    make(1)
    one = _admin_queries(admin_client, url)
    make(5)
    assert _admin_queries(admin_client, url) == one


def test_admin_survey_editing_keeps_code(admin_client):
    survey = Survey.objects.get(code=Survey.POST_RESOLUTION)
    response = admin_client.get(f"/admin/feedback/survey/{survey.pk}/change/")
    assert response.status_code == 200
    assert b"Sejauh manakah" in response.content
    assert b'name="code"' not in response.content
    assert admin_client.get(f"/admin/feedback/survey/{survey.pk}/delete/").status_code == 403


def test_feedback_for_request(data):
    from feedback.answering import feedback_for_request

    answer_row = FeedbackResponseFactory(comment="Shown to staff")
    support_request = answer_row.feedback_request.support_request
    found = feedback_for_request(support_request)
    assert found.answer.comment == "Shown to staff"
    assert feedback_for_request(SupportRequestFactory()) is None
    pending = FeedbackRequestFactory()
    assert feedback_for_request(pending.support_request).answer is None


def test_request_feedback_include_renders_escaped(data):
    from django.template.loader import render_to_string

    from feedback.answering import feedback_for_request

    answer_row = FeedbackResponseFactory(comment="<b>x</b>")
    html = render_to_string("admin/feedback/includes/request_feedback.html", {
        "feedback": feedback_for_request(answer_row.feedback_request.support_request)})
    assert "&lt;b&gt;x&lt;/b&gt;" in html
    html = render_to_string("admin/feedback/includes/request_feedback.html",
                            {"feedback": None})
    assert "No survey has been sent" in html
