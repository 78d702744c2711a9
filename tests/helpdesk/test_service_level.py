"""A new priority, or a new plan on a request's licence, moves its due times through the
one SLA clock, in business hours, with a timeline line, and tells the customer by email
when a promised time moved (DESIGN.md section 5). Times are Kuala Lumpur's working hours
(Mon-Fri 09:00-18:00); Premium Support answers normal requests within four business hours
and high ones within one."""

from datetime import datetime

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.errors import DomainError, InvalidState, NotAllowed
from accounts.workspace import resolve_workspace
from helpdesk.models import SupportRequest
from helpdesk.requests import lifecycle, service_level
from licensing import licences
from tests.accounts.factories import MembershipFactory, StaffFactory
from tests.licensing.factories import PremiumPlanFactory

from .conftest import emails_to, fresh, kinds, kl, targets

pytestmark = pytest.mark.django_db


@pytest.fixture
def high(world, sla):
    return targets(world.premium, "high", first=60, following=120, resolution=480)


def test_a_new_priority_moves_the_due_times_in_business_hours_and_tells_the_customer(
        world, sla, high, premium, at, run_outbox):
    at(kl(2026, 3, 6, 17, 30))  # Friday, half an hour before closing
    sr = premium()
    assert fresh(sr).first_response_due == kl(2026, 3, 9, 12, 30)
    run_outbox().clear()
    at(kl(2026, 3, 6, 17, 45))
    service_level.change_priority(sr, by=world.agent, priority="high")
    sr = fresh(sr)
    assert sr.priority == "high"
    # One business hour from the filing time: 30 minutes on Friday, 30 on Monday.
    assert sr.first_response_due == kl(2026, 3, 9, 9, 30)
    assert sr.resolution_due == kl(2026, 3, 9, 16, 30)
    assert kinds(sr)[-1] == "priority_changed"
    line = sr.timeline.last()
    assert (line.data["from"], line.data["to"], line.actor) == ("normal", "high", world.agent)
    assert datetime.fromisoformat(line.data["due"]["first_response_due"]) == kl(2026, 3, 9, 9,
                                                                                  30)
    mail = emails_to(run_outbox(), world.globex_admin.email)[-1]
    assert f"[{sr.reference}] New answer times" in mail.subject
    assert "First answer due: 9 March 2026, 09:30 (Asia/Kuala_Lumpur)" in mail.body
    assert "Resolution due: 9 March 2026, 16:30" in mail.body
    assert "Premium Support, priority High" in mail.body


def test_only_staff_change_the_priority_of_an_active_request(world, sla, premium, at):
    at(kl(2026, 3, 10, 9, 0))
    sr = premium()
    with pytest.raises(NotAllowed):
        service_level.change_priority(sr, by=world.globex_admin, priority="high")
    with pytest.raises(DomainError):
        service_level.change_priority(sr, by=world.agent, priority="urgent")
    lifecycle.resolve_request(sr, by=world.agent, note="Fixed.")
    with pytest.raises(InvalidState):
        service_level.change_priority(sr, by=world.agent, priority="high")
    assert fresh(sr).priority == "normal"


def test_a_standard_request_changes_priority_without_an_email(world, file_request, run_outbox):
    sr = file_request(world.home_user)
    run_outbox().clear()
    service_level.change_priority(sr, by=world.agent, priority="critical")
    assert fresh(sr).priority == "critical" and fresh(sr).first_response_due is None
    assert kinds(sr)[-1] == "priority_changed"
    assert not emails_to(run_outbox(), world.home_user.email)


def test_staff_change_the_priority_on_the_work_page_and_in_the_api(world, sla, high, premium,
                                                                   client, at):
    at(kl(2026, 3, 10, 9, 0))
    sr = premium()
    client.force_login(world.agent)
    url = reverse("admin:helpdesk_supportrequest_change", args=[sr.pk])
    assert 'value="change_priority"' in client.get(url).content.decode()
    response = client.post(url, {"_work": "change_priority",
                                 "change_priority-priority": "high"})
    assert response.status_code == 302
    assert fresh(sr).first_response_due == kl(2026, 3, 10, 10, 0)
    api = APIClient()
    api.force_authenticate(world.agent)
    answer = api.patch(f"/api/v1/requests/{sr.reference}/", {"priority": "normal"},
                       format="json")
    assert answer.status_code == 200
    assert answer.json()["priority"] == "normal"
    assert datetime.fromisoformat(answer.json()["first_response_due"]) == kl(2026, 3, 10, 13, 0)
    assert api.patch(f"/api/v1/requests/{sr.reference}/", {"priority": "soon"},
                     format="json").status_code == 400
    customer = APIClient()
    customer.force_authenticate(world.globex_admin)
    assert customer.patch(f"/api/v1/requests/{sr.reference}/", {"priority": "high"},
                          format="json").status_code == 403
    outsider = APIClient()
    outsider.force_authenticate(world.acme_admin)
    assert outsider.patch(f"/api/v1/requests/{sr.reference}/", {"priority": "high"},
                          format="json").status_code == 404
    assert fresh(sr).priority == "normal"


def test_a_licence_moved_to_another_paid_plan_moves_its_open_requests(world, sla, premium, at,
                                                                      run_outbox):
    plus = PremiumPlanFactory(code="premium-plus", name="Premium Plus")
    targets(plus, first=120, following=240, resolution=720)
    at(kl(2026, 3, 10, 9, 0))
    open_request, by_hand, done = premium(), premium(subject="By hand"), premium(
        subject="Done")
    service_level.change_plan(by_hand, by=world.agent, plan=world.standard)
    lifecycle.resolve_request(done, by=world.agent, note="Fixed.")
    run_outbox().clear()
    at(kl(2026, 3, 10, 9, 30))
    licences.update_licence(world.globex_licence, by=StaffFactory(), plan=plus)
    moved = fresh(open_request)
    assert moved.plan == plus
    assert moved.first_response_due == kl(2026, 3, 10, 11, 0)  # two business hours
    assert kinds(moved)[-1] == "plan_changed"
    assert moved.timeline.last().data["licence"] == world.globex_licence.masked_key
    assert fresh(by_hand).plan == world.standard  # staff decided this one by hand
    assert fresh(done).plan == world.premium  # settled requests keep what they had
    mails = emails_to(run_outbox(), world.globex_admin.email)
    assert [m.subject for m in mails] == [f"[{moved.reference}] New answer times: "
                                          f"{moved.subject}"]
    assert "Premium Plus" in mails[0].body


def test_a_licence_upgraded_in_the_admin_checks_each_request_like_a_filing(
        world, sla, premium, at, client):
    at(kl(2026, 3, 10, 9, 0))
    member = MembershipFactory(company=world.acme, user__email="dev@acme.example").user
    by_admin = premium(world.acme_admin, world.acme_admin_ws)
    by_member = premium(member, resolve_workspace(member, "acme"))
    assert by_admin.plan == by_member.plan == world.standard
    licence = world.acme_licence
    client.force_login(StaffFactory())
    response = client.post(f"/admin/licensing/licence/{licence.pk}/change/", {
        "product": licence.product.pk, "plan": world.premium.pk, "seats": licence.seats,
        "starts_on": licence.starts_on.isoformat(), "expires_on": licence.expires_on.isoformat(),
        "order_number": licence.order_number, "purchaser_email": licence.purchaser_email})
    assert response.status_code == 302
    upgraded = fresh(by_admin)
    assert upgraded.plan == world.premium and upgraded.first_response_due == kl(2026, 3, 10, 13, 0)
    # Not an authorised contact (the administrators act as them): Standard, and why.
    kept = fresh(by_member)
    assert (kept.plan, kept.standard_reason) == (world.standard, "not_authorised")
    assert kept.first_response_due is None


def test_a_licence_back_on_standard_support_drops_the_promises_and_says_so(
        world, sla, premium, at, run_outbox):
    at(kl(2026, 3, 10, 9, 0))
    sr = premium()
    run_outbox().clear()
    licences.update_licence(world.globex_licence, by=StaffFactory(), plan=world.standard)
    sr = fresh(sr)
    assert sr.plan == world.standard
    assert [sr.first_response_due, sr.resolution_due, sr.sla_state] == [None] * 3
    mail = emails_to(run_outbox(), world.globex_admin.email)[-1]
    assert "best-effort basis" in mail.body and "without fixed times" in mail.body


def test_a_failed_move_leaves_the_licence_as_it_was(world, sla, premium, at, monkeypatch):
    """The requests follow in the licence's own transaction: all of it, or none."""
    at(kl(2026, 3, 10, 9, 0))
    sr = premium()

    def broken(*args, **kwargs):
        raise RuntimeError("the clock broke")

    monkeypatch.setattr(service_level.sla_clock, "recompute", broken)
    with pytest.raises(RuntimeError):
        licences.update_licence(world.globex_licence, by=StaffFactory(), plan=world.standard)
    world.globex_licence.refresh_from_db()
    assert world.globex_licence.plan == world.premium and fresh(sr).plan == world.premium
    assert not SupportRequest.objects.filter(plan=world.standard).exists()
