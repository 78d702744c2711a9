"""Quote requests: asked by customers, answered by staff through services, emailed through
the outbox, visible to the right people only."""

import pytest
from django.utils import translation

from accounts.errors import DomainError, NotAllowed
from accounts.models import AuditEvent
from licensing import quotes
from licensing.models import QuoteRequest
from notifications.models import Notification
from tests.accounts.factories import AgentFactory

from .conftest import category
from .factories import QuoteRequestFactory

pytestmark = pytest.mark.django_db


def _ask(world, **kwargs):
    defaults = {"workspace": world.acme_member_ws, "user": world.acme_member,
                "service": "professional_services", "message": "Remote session, please.",
                "category": category("oos_4_2_5")}
    return quotes.request_quote(**{**defaults, **kwargs})


def test_request_quote_records_clause_audits_and_emails(world, run_outbox):
    quote = _ask(world)
    assert (quote.status, quote.clause, quote.company, quote.home_user) == (
        "new", "4.2.5", world.acme, None)
    assert AuditEvent.objects.filter(action="quote.requested", object_id=str(quote.pk)).exists()
    mail = run_outbox()
    assert len(mail) == 1
    assert mail[0].to == [world.acme_member.email]
    assert "Professional Services" in mail[0].subject
    assert "/company/acme/quotes/" in mail[0].body
    assert mail[0].alternatives and "4.2.5" in mail[0].alternatives[0][0]


def test_a_home_quote_belongs_to_the_home_workspace(world):
    quote = _ask(world, workspace=world.home_ws, user=world.home_user, category=None,
                 service="incident_response")
    assert (quote.home_user, quote.company, quote.clause) == (world.home_user, None, "")


def test_a_quote_for_a_service_not_offered_in_the_country_is_refused(world):
    with pytest.raises(DomainError) as refused:
        _ask(world, workspace=world.sgco_ws, user=world.sg_admin)
    assert refused.value.field == "service"
    assert not QuoteRequest.objects.exists()
    assert not Notification.objects.exists()


def test_staff_answer_and_move_a_quote_on(world, run_outbox):
    staff = AgentFactory()
    quote = _ask(world)
    run_outbox().clear()
    quotes.update_quote(quote, by=staff, status="quoted",
                          staff_reply="Two sessions: 1,200 MYR & travel.")
    quote.refresh_from_db()
    assert (quote.status, quote.staff_reply) == ("quoted", "Two sessions: 1,200 MYR & travel.")
    event = AuditEvent.objects.get(action="quote.updated")
    assert (event.data["old_status"], event.data["status"], event.actor) == (
        "new", "quoted", staff)
    mail = run_outbox()
    assert len(mail) == 1 and mail[0].to == [world.acme_member.email]
    assert "1,200 MYR & travel." in mail[0].body  # plain text is not HTML-escaped
    assert "Quoted" in mail[0].body
    quotes.update_quote(quote, by=staff, status="accepted")
    assert QuoteRequest.objects.get(pk=quote.pk).status == "accepted"


def test_emails_go_out_in_the_requesters_language(world, run_outbox):
    world.acme_member.language = "ms"
    world.acme_member.save()
    _ask(world)
    assert Notification.objects.get(template="quote_received").language == "ms"
    assert len(run_outbox()) == 1


def test_nothing_changed_sends_nothing(world):
    staff = AgentFactory()
    quote = _ask(world)
    Notification.objects.all().delete()
    quotes.update_quote(quote, by=staff, status="new", staff_reply="")
    assert not Notification.objects.exists()
    assert not AuditEvent.objects.filter(action="quote.updated").exists()


@pytest.mark.parametrize(("start", "target"), [
    ("new", "accepted"), ("declined", "quoted"), ("accepted", "new"), ("quoted", "new"),
    ("new", "bogus"),
])
def test_impossible_status_changes_are_refused(world, start, target):
    staff = AgentFactory()
    quote = QuoteRequestFactory(status=start)
    with pytest.raises(DomainError):
        quotes.update_quote(quote, by=staff, status=target)
    assert QuoteRequest.objects.get(pk=quote.pk).status == start


def test_only_staff_update_quotes(world):
    quote = _ask(world)
    with pytest.raises(NotAllowed):
        quotes.update_quote(quote, by=world.acme_admin, status="quoted")


# Portal pages --------------------------------------------------------------------------

def test_portal_quote_form_from_a_refusal(world, client):
    client.force_login(world.acme_member)
    page = client.get("/company/acme/quotes/new/?service=professional_services"
                      "&category=oos_4_2_5&clause=4.2.5")
    assert page.status_code == 200
    assert "4.2.5" in page.content.decode()
    response = client.post("/company/acme/quotes/new/", {
        "service": "professional_services", "category": "oos_4_2_5", "clause": "4.2.5",
        "message": "Deploy it for us."})
    quote = QuoteRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/company/acme/quotes/{quote.pk}/"
    detail = client.get(response["Location"]).content.decode()
    assert "Deploy it for us." in detail and "New" in detail


def test_portal_quote_form_offers_only_services_of_the_country(world, client):
    client.force_login(world.sg_admin)
    page = client.get("/company/lion/quotes/").content.decode()
    assert "quotes/new/?service=support_extension" in page
    assert "service=professional_services" not in page
    response = client.post("/company/lion/quotes/new/", {"service": "professional_services",
                                                          "message": "x"})
    assert response.status_code == 400
    assert not QuoteRequest.objects.exists()


def test_portal_quotes_of_others_are_404(world, client):
    colleague = QuoteRequestFactory(requester=world.acme_member2, company=world.acme)
    client.force_login(world.acme_member)
    assert client.get(f"/company/acme/quotes/{colleague.pk}/").status_code == 404
    assert client.get(f"/my/quotes/{colleague.pk}/").status_code == 404
    client.force_login(world.acme_admin)
    assert client.get(f"/company/acme/quotes/{colleague.pk}/").status_code == 200
    assert client.get("/company/globex/quotes/").status_code == 404


def test_portal_quote_pages_in_malay(world, client):
    world.home_user.language = "ms"
    world.home_user.save()
    client.force_login(world.home_user)
    with translation.override("ms"):
        response = client.get("/my/quotes/")
    assert response.status_code == 200
    assert '<html lang="ms">' in response.content.decode()
