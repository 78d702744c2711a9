"""Due times of paid plans (clause 3.3, DESIGN.md section 5), filed and moved through the
real services at fixed moments: the calendar is Kuala Lumpur's (Mon-Fri 09:00-18:00, the
public holidays of Malaysia / KUL), the plan Premium Support with a first response within
four business hours. Also: who may file premium requests, and how many."""

from datetime import date, datetime, timedelta

import pytest

from accounts.errors import DomainError, NotAllowed
from accounts.workspace import resolve_workspace
from helpdesk.models import (
    AuthorisedContact,
    SupportRequest,
)
from helpdesk.requests import lifecycle, service_level
from helpdesk.sla import entitlements, sweep
from helpdesk.sla.hours import add_business_minutes, business_minutes_between
from tests.accounts.factories import MembershipFactory
from tests.licensing.factories import LicenceFactory

from .conftest import KL, fresh, kinds, kl, malaysia_calendar, targets

pytestmark = pytest.mark.django_db

SlaState = SupportRequest.SlaState


@pytest.mark.parametrize(("filed", "due"), [
    # Friday five minutes before closing: 5 minutes, then 3 h 55 on Monday.
    (kl(2026, 3, 6, 17, 55), kl(2026, 3, 9, 12, 55)),
    # Monday 1 June (the King's birthday) and Tuesday 2 June (Vesak, observed) are closed.
    (kl(2026, 5, 29, 17, 55), kl(2026, 6, 3, 12, 55)),
    # Filed on National Day (31 August): the clock starts on the next working morning.
    (kl(2026, 8, 31, 10, 0), kl(2026, 9, 1, 13, 0)),
])
def test_first_response_due_counts_business_hours_and_holidays(sla, premium, at, filed, due):
    at(filed)
    sr = premium()
    assert sr.plan.code == "premium" and sr.standard_reason == ""
    sr = fresh(sr)
    assert sr.first_response_due == due
    assert sr.first_response_due.astimezone(KL).isoformat() == due.isoformat()
    assert sr.sla_state == SlaState.ON_TRACK
    assert sr.next_response_due is None
    assert sr.resolution_due == add_business_minutes(filed, 1440, sla.schedule)
    # The sweep looks at it when 75 % of the first-response time has passed.
    assert sr.sla_check_at == add_business_minutes(filed, 180, sla.schedule)


def test_two_business_hours_waiting_on_the_customer_move_the_resolution_due_time(
        world, sla, premium, at):
    at(kl(2026, 3, 10, 9, 0))
    sr = premium()
    before = fresh(sr).resolution_due
    at(kl(2026, 3, 10, 17, 0))
    lifecycle.request_information(sr, by=world.agent, body="Which policy is applied?")
    paused = fresh(sr)
    assert paused.sla_paused_at == kl(2026, 3, 10, 17, 0)
    assert paused.next_response_due is None and paused.sla_check_at is None
    # One hour that evening and one the next morning: two business hours.
    at(kl(2026, 3, 11, 10, 0))
    lifecycle.add_reply(sr, by=world.globex_admin, body="The default one.")
    after = fresh(sr)
    assert after.status == SupportRequest.Status.OPEN
    assert after.sla_paused_at is None and after.sla_paused_minutes == 120
    assert after.resolution_due == add_business_minutes(before, 120, sla.schedule)
    assert business_minutes_between(before, after.resolution_due, sla.schedule) == 120
    # The customer's answer starts a next-response target of eight business hours.
    assert after.next_response_due == kl(2026, 3, 11, 18, 0)
    # Escalation or not, the first-response due time stays as filed.
    assert after.first_response_due == fresh(sr).first_response_due


def test_the_first_staff_reply_meets_the_first_response_and_starts_the_next(
        world, sla, premium, at):
    at(kl(2026, 3, 10, 9, 0))
    sr = premium()
    resolution_due = fresh(sr).resolution_due
    at(kl(2026, 3, 10, 11, 0))
    lifecycle.add_reply(sr, by=world.agent, body="Looking into it.")
    sr = fresh(sr)
    assert sr.first_response_at == kl(2026, 3, 10, 11, 0)
    assert sr.first_response_due == kl(2026, 3, 10, 13, 0)  # kept
    assert sr.next_response_due == kl(2026, 3, 11, 10, 0)  # 8 business hours on
    assert sr.resolution_due == resolution_due  # kept
    assert sr.sla_state == SlaState.ON_TRACK
    # A customer reply restarts it from the reply.
    at(kl(2026, 3, 10, 15, 0))
    lifecycle.add_reply(sr, by=world.globex_admin, body="Thanks, here is the log.")
    assert fresh(sr).next_response_due == kl(2026, 3, 11, 14, 0)


def test_resolved_in_time_is_met_and_late_is_breached(world, sla, premium, at):
    at(kl(2026, 3, 10, 9, 0))
    on_time, late = premium(), premium(subject="Another one")
    at(kl(2026, 3, 10, 12, 0))
    lifecycle.resolve_request(on_time, by=world.agent, note="Fixed by the patch.")
    at(kl(2026, 3, 10, 14, 0))  # after the 13:00 first-response due time
    lifecycle.resolve_request(late, by=world.agent, note="Fixed by the patch.")
    assert fresh(on_time).sla_state == SlaState.MET
    assert fresh(late).sla_state == SlaState.BREACHED
    assert fresh(on_time).sla_check_at is None


def test_a_reopened_request_resumes_its_clock(world, sla, premium, at):
    at(kl(2026, 3, 10, 9, 0))
    sr = premium()
    before = fresh(sr).resolution_due
    at(kl(2026, 3, 10, 10, 0))
    lifecycle.resolve_request(sr, by=world.agent, note="Done.")
    at(kl(2026, 3, 10, 12, 0))
    lifecycle.add_reply(sr, by=world.globex_admin, body="It came back.")
    sr = fresh(sr)
    assert sr.status == SupportRequest.Status.OPEN and sr.sla_state == SlaState.ON_TRACK
    assert sr.resolution_due == add_business_minutes(before, 120, sla.schedule)


def test_critical_counts_around_the_clock(world, sla, premium, at):
    targets(world.premium, "critical", first=60, following=120, resolution=480,
            around_the_clock=True)
    at(kl(2026, 3, 7, 23, 30))  # a Saturday night
    sr = fresh(premium(priority="critical"))
    assert sr.first_response_due == kl(2026, 3, 8, 0, 30)
    assert sr.resolution_due == kl(2026, 3, 8, 7, 30)


def test_a_paid_plan_without_a_target_for_the_priority_has_no_due_times(sla, premium, at):
    at(kl(2026, 3, 10, 9, 0))
    sr = fresh(premium(priority="low"))
    assert sr.plan.code == "premium"
    assert (sr.first_response_due, sr.resolution_due, sr.sla_state) == (None, None, None)


def test_standard_support_has_no_due_times_and_no_state(world, sla, file_request, api, at):
    at(kl(2026, 3, 10, 9, 0))
    sr = file_request(world.acme_member, world.acme_member_ws)
    lifecycle.add_reply(sr, by=world.agent, body="Hello")
    lifecycle.add_reply(sr, by=world.acme_member, body="Hi")
    sr = fresh(sr)
    assert sr.plan.code == "standard"
    assert [sr.first_response_due, sr.next_response_due, sr.resolution_due, sr.sla_state,
            sr.sla_check_at] == [None] * 5
    body = api(world.acme_member).get(f"/api/v1/requests/{sr.reference}/").json()
    assert body["first_response_due"] is None and body["next_response_due"] is None
    assert body["resolution_due"] is None and body["sla_state"] is None


def test_the_api_shows_premium_due_times_in_iso_8601(world, sla, premium, api, at):
    at(kl(2026, 3, 6, 17, 55))
    sr = premium()
    body = api(world.globex_admin).get(f"/api/v1/requests/{sr.reference}/").json()
    assert datetime.fromisoformat(body["first_response_due"]) == kl(2026, 3, 9, 12, 55)
    assert datetime.fromisoformat(body["resolution_due"]) == fresh(sr).resolution_due
    assert body["next_response_due"] is None and body["sla_state"] == "on_track"


# Who may file premium requests, and how many ----------------------------------------------

def test_a_member_who_is_not_an_authorised_contact_files_under_standard(world, sla, premium, at):
    member = MembershipFactory(company=world.globex, user__email="dev@globex.example").user
    at(kl(2026, 3, 10, 9, 0))
    sr = premium(member, resolve_workspace(member, "globex"))
    sr = fresh(sr)
    assert sr.plan.code == "standard" and sr.licence == world.globex_licence
    assert sr.standard_reason == SupportRequest.StandardReason.NOT_AUTHORISED
    assert "authorised technical contacts" in sr.get_standard_reason_display()
    assert sr.first_response_due is None and sr.sla_state is None
    assert kinds(sr) == ["filed", "filed_under_standard"]
    event = sr.timeline.get(kind="filed_under_standard")
    assert not event.is_internal and event.data["reason"] == "not_authorised"


def test_named_contacts_replace_the_administrators(world, sla, premium, at):
    member = MembershipFactory(company=world.globex, user__email="dev@globex.example").user
    entitlements.add_authorised_contact(company=world.globex, user=member, by=world.globex_admin)
    at(kl(2026, 3, 10, 9, 0))
    assert premium(member, resolve_workspace(member, "globex")).plan.code == "premium"
    admin_request = premium()
    assert admin_request.plan.code == "standard"
    assert admin_request.standard_reason == "not_authorised"


def test_the_plan_limits_the_number_of_authorised_contacts(world, sla):
    members = [MembershipFactory(company=world.globex).user for _ in range(3)]
    for user in members[:2]:
        entitlements.add_authorised_contact(company=world.globex, user=user, by=world.globex_admin)
    with pytest.raises(DomainError, match="allows 2"):
        entitlements.add_authorised_contact(company=world.globex, user=members[2],
                                            by=world.globex_admin)
    with pytest.raises(NotAllowed):
        entitlements.add_authorised_contact(company=world.globex, user=members[2],
                                            by=members[0])
    with pytest.raises(DomainError, match="not a member"):
        entitlements.add_authorised_contact(company=world.globex, user=world.acme_admin,
                                            by=world.globex_admin)
    assert entitlements.remove_authorised_contact(company=world.globex, user=members[0],
                                                  by=world.globex_admin)
    entitlements.add_authorised_contact(company=world.globex, user=members[2],
                                        by=world.globex_admin)
    assert AuthorisedContact.objects.filter(company=world.globex).count() == 2


def test_a_request_beyond_the_yearly_allowance_is_filed_under_standard(world, sla, premium, at):
    world.premium.yearly_request_allowance = 2
    world.premium.save()
    # The licence year runs from 1 June; one request of the year before does not count.
    at(kl(2026, 5, 20, 9, 0))
    assert premium(subject="Last year's").plan.code == "premium"
    at(kl(2026, 6, 10, 9, 0))
    assert premium(subject="First").plan.code == "premium"
    assert premium(subject="Second").plan.code == "premium"
    third = fresh(premium(subject="Third"))
    assert third.plan.code == "standard"
    assert third.standard_reason == SupportRequest.StandardReason.ALLOWANCE_USED
    assert "used up" in third.get_standard_reason_display()
    event = third.timeline.get(kind="filed_under_standard")
    assert event.data | {"allowance": 2, "used": 2, "year_start": "2026-06-01"} == event.data
    allowance = entitlements.premium_allowance(world.globex)
    assert allowance["plan"] == world.premium and allowance["licence"] == world.globex_licence
    assert (allowance["allowance"], allowance["used"], allowance["left"]) == (2, 2, 0)
    assert (allowance["year_start"], allowance["year_end"]) == (date(2026, 6, 1),
                                                                 date(2027, 6, 1))
    assert allowance["contacts"] == [world.globex_admin] and allowance["contacts_limit"] == 2
    assert allowance["contacts_named"] is False


def test_unlimited_plans_and_companies_without_a_paid_plan(world, sla, premium, at):
    world.premium.yearly_request_allowance = None
    world.premium.save()
    at(kl(2026, 6, 10, 9, 0))
    for n in range(3):
        assert premium(subject=f"Request {n}").plan.code == "premium"
    allowance = entitlements.premium_allowance(world.globex)
    assert allowance["allowance"] is None and allowance["left"] is None
    assert allowance["used"] == 3
    assert entitlements.premium_allowance(world.acme) is None


def test_an_expired_premium_licence_gives_standard_with_the_reason(world, sla, file_request, at):
    licence = LicenceFactory(product=world.home_product, home_user=world.home_user,
                             plan=world.premium, starts_on=date(2024, 1, 1),
                             expires_on=date(2025, 1, 1))
    malaysia_calendar(segment="home")
    at(kl(2026, 3, 10, 9, 0))
    sr = fresh(file_request(licence_key=licence.key))
    assert sr.licence == licence and sr.plan.code == "standard"
    assert sr.standard_reason == SupportRequest.StandardReason.LICENCE_NOT_VALID


# A plan change by staff ------------------------------------------------------------------

def test_a_plan_change_by_staff_computes_the_due_times_again(world, sla, premium, file_request,
                                                            at):
    at(kl(2026, 3, 10, 9, 0))
    member = MembershipFactory(company=world.globex).user
    sr = premium(member, resolve_workspace(member, "globex"))
    assert sr.plan.code == "standard" and sr.first_response_due is None
    at(kl(2026, 3, 10, 10, 0))
    with pytest.raises(NotAllowed):
        service_level.change_plan(sr, by=world.globex_admin, plan=world.premium)
    service_level.change_plan(sr, by=world.agent, plan=world.premium)
    sr = fresh(sr)
    assert sr.plan == world.premium and sr.standard_reason == ""
    assert sr.first_response_due == kl(2026, 3, 10, 13, 0)  # from the filing time
    assert sr.sla_state == SlaState.ON_TRACK
    assert kinds(sr)[-1] == "plan_changed"
    service_level.change_plan(sr, by=world.agent, plan=world.standard)
    sr = fresh(sr)
    assert [sr.first_response_due, sr.resolution_due, sr.sla_state, sr.sla_check_at] == \
        [None] * 4


def test_backfill_gives_older_premium_requests_their_due_times(world, sla, premium, at):
    at(kl(2026, 3, 10, 9, 0))
    active, done = premium(), premium(subject="Done")
    at(kl(2026, 3, 10, 10, 0))
    lifecycle.resolve_request(done, by=world.agent, note="Fixed.")
    SupportRequest.objects.update(first_response_due=None, resolution_due=None,
                                  sla_state=None, sla_check_at=None)
    assert sweep.backfill() == 2
    assert sweep.backfill() == 0
    assert fresh(active).first_response_due == kl(2026, 3, 10, 13, 0)
    assert fresh(active).sla_state == SlaState.ON_TRACK
    assert fresh(done).sla_state == SlaState.MET and fresh(done).sla_check_at is None


def test_the_reminder_share_is_a_setting(world, sla, premium, at, settings):
    settings.SLA_REMINDER_SHARE = 0.5
    at(kl(2026, 3, 10, 9, 0))
    sr = fresh(premium())
    assert sr.first_response_remind_at == kl(2026, 3, 10, 11, 0)
    assert sr.first_response_remind_at == sr.sla_check_at
    assert sr.resolution_remind_at == kl(2026, 3, 10, 9, 0) + timedelta(days=1, hours=3)


def test_the_received_email_promises_premium_times_only_to_premium_requests(
        world, sla, premium, file_request, at, run_outbox, django_capture_on_commit_callbacks):
    at(kl(2026, 3, 10, 9, 0))
    with django_capture_on_commit_callbacks(execute=True):
        premium()
        file_request(world.acme_member, world.acme_member_ws)
    bodies = {m.to[0]: m.body for m in run_outbox() if "received" in m.subject.lower()}
    assert "covered by Premium Support" in bodies[world.globex_admin.email]
    assert "best-effort" not in bodies[world.globex_admin.email]
    assert "best-effort basis (clause 3.3 (unnumbered in the published text))" in bodies[
        world.acme_member.email]
