"""A feature request Standard Support does not cover (4.2.1) keeps the customer's idea as
product feedback, whichever face it was filed through; staff list and export it."""

import csv
import io

import pytest
from rest_framework.test import APIClient

from accounts.models import AuditEvent
from helpdesk.models import SupportRequest
from licensing.models import ProductFeedback
from tests.accounts.factories import AgentFactory, StaffFactory

pytestmark = pytest.mark.django_db

IDEA = {"category": "oos_4_2_1", "subject": "Dark mode",
        "description": "Please add a **dark mode** to the main window.", "priority": "normal"}


def test_filing_a_feature_request_in_the_portal_keeps_the_idea(client, world):
    client.force_login(world.acme_member)
    response = client.post("/company/acme/requests/new/", {**IDEA, "action": "file",
                                                           "product": "endpoint"})
    assert response.status_code == 422
    body = response.content.decode()
    assert "This request cannot be filed" in body
    assert "Your idea is kept as product feedback for the product team." in body
    assert not SupportRequest.objects.exists()
    feedback = ProductFeedback.objects.get()
    assert (feedback.requester, feedback.company, feedback.home_user, feedback.product) == (
        world.acme_member, world.acme, None, world.biz)
    assert (feedback.subject, feedback.description, feedback.language) == (
        "Dark mode", IDEA["description"], "en")
    # Sent twice (a reload): kept once.
    client.post("/company/acme/requests/new/", {**IDEA, "action": "file",
                                               "product": "endpoint"})
    assert ProductFeedback.objects.count() == 1
    assert AuditEvent.objects.filter(action="product_feedback.kept").count() == 1


def test_only_checking_keeps_nothing(client, world):
    client.force_login(world.home_user)
    body = client.post("/my/requests/new/", {**IDEA, "action": "check"}).content.decode()
    assert "File the request with your idea: it is kept as product feedback" in body
    assert not ProductFeedback.objects.exists()


def test_filing_through_the_api_keeps_the_idea_and_says_so(world):
    client = APIClient()
    client.force_authenticate(world.home_user)
    response = client.post("/api/v1/requests/", {**IDEA, "workspace": "my"}, format="json")
    assert response.status_code == 422
    body = response.json()
    assert body["clause"] == "4.2.1"
    assert "Your idea is kept as product feedback" in body["reason"]
    assert body["offers"][0] == {"code": "product_feedback", "url": "",
                                 "name": "Product feedback"}
    feedback = ProductFeedback.objects.get()
    assert (feedback.home_user, feedback.company) == (world.home_user, None)


def test_another_refused_topic_keeps_no_idea(world):
    client = APIClient()
    client.force_authenticate(world.home_user)
    response = client.post("/api/v1/requests/", {**IDEA, "category": "oos_4_2_4",
                                                 "workspace": "my"}, format="json")
    assert response.status_code == 422
    assert not ProductFeedback.objects.exists()


def test_staff_list_and_export_the_feedback_as_csv(client, world):
    client.force_login(world.home_user)
    client.post("/my/requests/new/", {**IDEA, "action": "file"})
    client.force_login(world.acme_admin)
    client.post("/company/acme/requests/new/", {
        **IDEA, "action": "file", "subject": "=HYPERLINK(\"http://evil\")",
        "description": "Export to PDF"})
    staff = StaffFactory()
    client.force_login(staff)
    listing = client.get("/admin/licensing/productfeedback/")
    assert listing.status_code == 200
    assert "Dark mode" in listing.content.decode()
    response = client.post("/admin/licensing/productfeedback/", {
        "action": "export_csv",
        "_selected_action": list(ProductFeedback.objects.values_list("pk", flat=True))})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="product-feedback-')
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == ["received", "subject", "idea", "product", "version", "workspace",
                       "from", "language"]
    by_subject = {row[1]: row for row in rows[1:]}
    assert by_subject["Dark mode"][2] == IDEA["description"]
    assert by_subject["Dark mode"][5] == f"home user {world.home_user.email}"
    # A cell a spreadsheet would run as a formula is written as text.
    assert by_subject["'=HYPERLINK(\"http://evil\")"][5] == "Acme"
    # Nobody edits or adds what customers wrote.
    feedback = ProductFeedback.objects.first()
    assert client.get(f"/admin/licensing/productfeedback/{feedback.pk}/change/").status_code \
        == 200
    assert client.get("/admin/licensing/productfeedback/add/").status_code == 403


def test_agents_may_read_the_feedback(client, world):
    client.force_login(world.home_user)
    client.post("/my/requests/new/", {**IDEA, "action": "file"})
    client.force_login(AgentFactory())
    assert client.get("/admin/licensing/productfeedback/").status_code == 200
