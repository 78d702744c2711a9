"""The SLA sweep: one reminder at 75 % of a target, one escalation at its breach, however
often and however concurrently it runs, and a cost that does not grow with the requests
that are not due yet."""

import threading
from datetime import date, timedelta
from types import SimpleNamespace
from unittest import mock

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from helpdesk import tasks
from helpdesk.models import SlaNotice, SupportRequest, TimelineEvent
from helpdesk.requests import lifecycle
from helpdesk.sla import sweep
from notifications.models import Notification

from .conftest import emails_to, fresh, kl, malaysia_calendar, targets
from .factories import SupportRequestFactory

pytestmark = pytest.mark.django_db
SlaState = SupportRequest.SlaState


@pytest.fixture
def world(world):
    malaysia_calendar()
    targets(world.premium)  # normal: first response 4 h, next 8 h, resolution 24 business hours
    world.globex_licence.starts_on, world.globex_licence.expires_on = (date(2025, 6, 1),
                                                                 date(2027, 12, 31))
    world.globex_licence.save()
    return world


@pytest.fixture
def filed(world, file_request, at, run_outbox):
    """A premium request filed Tuesday 10 March 2026 09:00 in Kuala Lumpur and taken by the
    agent: first response due 13:00, reminder at 12:00."""
    at(kl(2026, 3, 10, 9, 0))
    sr = file_request(world.globex_admin, world.globex_ws)
    lifecycle.assign(sr, to=world.agent, by=world.agent)
    run_outbox().clear()
    return sr


def sla_mail(outbox, template_word):
    return [m for m in outbox if template_word in m.subject]


def notices(sr, kind=None):
    queryset = SlaNotice.objects.filter(request=sr)
    return queryset.filter(kind=kind) if kind else queryset


def test_one_reminder_at_75_percent_and_one_escalation_at_breach(world, filed, at,
                                                                 run_outbox):
    at(kl(2026, 3, 10, 11, 59))
    assert tasks.sweep_sla() == 0
    at(kl(2026, 3, 10, 12, 0))
    assert tasks.sweep_sla() == 1
    assert tasks.sweep_sla() == 0  # run twice: nothing more
    sr = fresh(filed)
    assert sr.sla_state == SlaState.AT_RISK and sr.escalated_at is None
    outbox = run_outbox()
    [reminder] = sla_mail(outbox, "SLA reminder")
    assert reminder.to == [world.agent.email]
    assert sr.reference in reminder.subject
    assert "2026-03-10 13:00" in reminder.body and "Asia/Kuala_Lumpur" in reminder.body
    assert f"/admin/helpdesk/supportrequest/{sr.pk}/change/" in reminder.body
    outbox.clear()

    at(kl(2026, 3, 10, 13, 0))
    assert tasks.sweep_sla() == 1
    assert tasks.sweep_sla() == 0
    sr = fresh(filed)
    assert sr.sla_state == SlaState.BREACHED
    assert sr.escalated_at == kl(2026, 3, 10, 13, 0)
    # Escalation does not move due times.
    assert sr.first_response_due == filed.first_response_due == kl(2026, 3, 10, 13, 0)
    assert sr.resolution_due == filed.resolution_due
    [escalation] = sla_mail(run_outbox(), "Escalation")
    assert escalation.to == [world.supervisor.email]  # the Supervisors group: no queue ones
    assert "first response" in escalation.subject
    events = TimelineEvent.objects.filter(request=sr, kind__in=["sla_reminder", "escalated"])
    assert [(e.kind, e.is_internal) for e in events.order_by("pk")] == [
        ("sla_reminder", True), ("escalated", True)]
    assert notices(sr).count() == 2


def test_an_unassigned_request_reminds_the_queues_supervisors(world, file_request, at,
                                                              run_outbox):
    boss = world.supervisor
    queue = world.queues["medium_large_business"]
    queue.supervisors.add(boss)
    at(kl(2026, 3, 10, 9, 0))
    sr = file_request(world.globex_admin, world.globex_ws)
    run_outbox().clear()
    at(kl(2026, 3, 10, 12, 30))
    assert tasks.sweep_sla() == 1
    [reminder] = sla_mail(run_outbox(), "SLA reminder")
    assert reminder.to == [boss.email]
    assert fresh(sr).sla_state == SlaState.AT_RISK


def test_a_late_sweep_escalates_without_reminding_first(world, filed, at, run_outbox):
    at(kl(2026, 3, 10, 15, 0))  # the sweep was down through the reminder and the due time
    assert tasks.sweep_sla() == 1
    assert list(notices(filed).values_list("kind", flat=True)) == ["escalation"]
    assert sla_mail(run_outbox(), "SLA reminder") == []


def test_a_worker_dying_mid_sweep_sends_nothing_and_the_next_run_sends_once(
        world, filed, at, run_outbox):
    at(kl(2026, 3, 10, 12, 0))
    with mock.patch("helpdesk.sla.sweep.notify_many", side_effect=RuntimeError("killed")), \
            pytest.raises(RuntimeError):
        tasks.sweep_sla()
    assert not notices(filed).exists()
    assert not Notification.objects.filter(template="sla_reminder").exists()
    assert tasks.sweep_sla() == 1
    assert tasks.sweep_sla() == 0
    assert len(sla_mail(run_outbox(), "SLA reminder")) == 1


def test_an_overlapping_sweep_finds_the_work_done(world, filed, at, run_outbox):
    at(kl(2026, 3, 10, 12, 0))
    now = kl(2026, 3, 10, 12, 0)
    # A second sweep read the same ids before the first one committed ...
    assert sweep._sweep_one(filed.pk, now, {}) == 1
    assert sweep._sweep_one(filed.pk, now, {}) == 0
    # ... and even with the next check put back, the notice row keeps it to one.
    SupportRequest.objects.filter(pk=filed.pk).update(sla_check_at=now - timedelta(hours=1))
    assert tasks.sweep_sla() == 0
    assert len(sla_mail(run_outbox(), "SLA reminder")) == 1
    assert notices(filed, "reminder").count() == 1


def test_a_notice_written_meanwhile_sends_nothing_twice(world, filed, at, run_outbox):
    """The chunk read the notices, then another sweep wrote one: the bulk insert meets the
    unique constraint, and the chunk is done again one by one, skipping it."""
    at(kl(2026, 3, 10, 12, 0))
    SlaNotice.objects.create(request=filed, target="first_response", kind="reminder",
                             due_at=filed.first_response_due)
    with mock.patch("helpdesk.sla.sweep.was_sent", return_value=False):
        assert tasks.sweep_sla() == 0
    assert notices(filed).count() == 1
    assert sla_mail(run_outbox(), "SLA reminder") == []
    assert not TimelineEvent.objects.filter(request=filed, kind="sla_reminder").exists()


def test_each_next_response_gets_its_own_reminder(world, filed, at, run_outbox):
    at(kl(2026, 3, 10, 10, 0))
    lifecycle.add_reply(filed, by=world.agent, body="Looking into it.")  # next due 18:00
    at(kl(2026, 3, 10, 16, 30))  # 6.5 h of 8 passed
    assert tasks.sweep_sla() == 1
    assert fresh(filed).next_response_due == kl(2026, 3, 10, 18, 0)
    at(kl(2026, 3, 10, 17, 0))
    lifecycle.add_reply(filed, by=world.globex_admin, body="Any news?")
    assert fresh(filed).next_response_due == kl(2026, 3, 11, 16, 0)
    assert fresh(filed).sla_state == SlaState.ON_TRACK  # a new target, on track again
    at(kl(2026, 3, 11, 15, 0))  # 7 h of the new 8 passed
    assert tasks.sweep_sla() == 1
    targets_sent = list(notices(filed, "reminder").values_list("target", flat=True))
    assert targets_sent == ["next_response", "next_response"]
    assert len(emails_to(sla_mail(run_outbox(), "SLA reminder"), world.agent.email)) == 2


def test_waiting_on_the_customer_stops_the_sweep(world, filed, at):
    at(kl(2026, 3, 10, 10, 0))
    lifecycle.request_information(filed, by=world.agent, body="Which version?")
    assert fresh(filed).sla_check_at is None
    at(kl(2026, 3, 20, 10, 0))
    assert tasks.sweep_sla() == 0


def test_resolution_is_escalated_on_its_own(world, filed, at):
    at(kl(2026, 3, 10, 10, 0))
    lifecycle.add_reply(filed, by=world.agent, body="On it.")
    at(kl(2026, 3, 20, 10, 0))  # far past every due time
    tasks.sweep_sla()
    tasks.sweep_sla()
    escalated = set(notices(filed, "escalation").values_list("target", flat=True))
    assert escalated == {"next_response", "resolution"}
    assert fresh(filed).escalated_at == kl(2026, 3, 20, 10, 0)
    assert fresh(filed).sla_check_at is None


def test_the_sweep_reads_only_the_due_requests(world, filed, at, django_assert_num_queries):
    def not_due(count):
        SupportRequestFactory.create_batch(
            count, company=world.globex, requester=world.globex_admin, plan=world.premium,
            sla_state=SlaState.ON_TRACK, first_response_due=kl(2026, 4, 1, 9, 0),
            first_response_remind_at=kl(2026, 3, 31, 9, 0), sla_check_at=kl(2026, 3, 31, 9))

    def sweep_queries():
        SlaNotice.objects.all().delete()
        SupportRequest.objects.filter(pk=filed.pk).update(
            sla_check_at=filed.first_response_remind_at, sla_state=SlaState.ON_TRACK)
        with CaptureQueriesContext(connection) as queries:
            assert sweep.sweep(now=kl(2026, 3, 10, 12, 0)) == 1
        return len(queries)

    not_due(5)
    few = sweep_queries()
    not_due(200)
    assert sweep_queries() == few
    with CaptureQueriesContext(connection) as queries:
        assert sweep.sweep(now=kl(2026, 3, 10, 12, 1)) == 0
    assert len(queries) == 1  # nothing due: one indexed range query


def test_the_beat_runs_the_sweep(settings):
    entries = {e["task"]: e for e in settings.CELERY_BEAT_SCHEDULE.values()}
    assert entries["helpdesk.tasks.sweep_sla"]["schedule"] <= timedelta(minutes=5)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_sweeps_send_one_reminder(world, file_request, at, mailoutbox):
    """Two sweeps at once, on two connections, over the same due requests."""
    at(kl(2026, 3, 10, 9, 0))
    requests = [file_request(world.globex_admin, world.globex_ws, subject=f"Case {n}")
                for n in range(12)]
    for sr in requests:
        lifecycle.assign(sr, to=world.agent, by=world.agent)
    mailoutbox.clear()
    now = kl(2026, 3, 10, 12, 0)
    start = threading.Barrier(2)
    sent, errors = [], []

    def run():
        try:
            start.wait(timeout=10)
            sent.append(sweep.sweep(now=now))
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert sum(sent) == len(requests)
    assert SlaNotice.objects.filter(kind="reminder").count() == len(requests)
    reminders = sla_mail(mailoutbox, "SLA reminder")
    assert len(reminders) == len(requests)  # one email per request, never two
    assert len({m.subject for m in reminders}) == len(requests)


# A backlog, handled in bulk -----------------------------------------------------------

class Rollback(Exception):
    pass


@pytest.fixture
def backlog(world, file_request, at, run_outbox):
    """Tuesday 12:30 in Kuala Lumpur: two premium requests past their first-response due
    time (filed Monday 15:00, due Tuesday 10:00), three past their reminder (filed Tuesday
    09:00, reminder 12:00; two assigned, one reminded already at 12:15), and a Standard
    Support request of Acme filed on Monday."""
    world.acme_licence.starts_on, world.acme_licence.expires_on = (date(2025, 6, 1),
                                                                   date(2027, 12, 31))
    world.acme_licence.save()
    at(kl(2026, 3, 9, 15, 0))
    late = [file_request(world.globex_admin, world.globex_ws, subject=f"Late {n}")
            for n in range(2)]
    standard = file_request(world.acme_admin, world.acme_admin_ws)
    at(kl(2026, 3, 10, 9, 0))
    near = [file_request(world.globex_admin, world.globex_ws, subject=f"Near {n}")
            for n in range(3)]
    for sr in (*near[:2], late[0]):
        lifecycle.assign(sr, to=world.agent, by=world.agent)
    at(kl(2026, 3, 10, 12, 15))
    sweep._sweep_one(near[2].pk, kl(2026, 3, 10, 12, 15), {})  # reminded already
    run_outbox().clear()
    at(kl(2026, 3, 10, 12, 30))
    return SimpleNamespace(late=late, near=near, standard=standard)


def outcome() -> dict:
    """Everything a sweep writes, without the ids and instants of the rows themselves."""
    return {
        "notices": sorted(SlaNotice.objects.values_list("request_id", "target", "kind",
                                                        "due_at")),
        "timeline": sorted(
            (e.request_id, e.kind, e.is_internal, e.created_at, sorted(e.data.items()))
            for e in TimelineEvent.objects.filter(kind__in=["sla_reminder", "escalated"])),
        "emails": sorted(
            (n.to, n.template, n.language, n.thread, sorted(n.context.items()),
             sorted(n.headers.items()))
            for n in Notification.objects.filter(template__startswith="sla_")),
        "requests": sorted(SupportRequest.objects.values_list(
            "pk", "sla_state", "escalated_at", "sla_check_at")),
    }


def test_a_backlog_in_bulk_gives_what_one_request_at_a_time_gives(backlog):
    now = kl(2026, 3, 10, 12, 30)
    due = list(SupportRequest.objects.filter(sla_check_at__lte=now).order_by("pk")
               .values_list("pk", flat=True))
    assert backlog.standard.pk not in due and len(due) == 4
    with pytest.raises(Rollback), transaction.atomic():
        assert sum(sweep._sweep_one(pk, now, {}) for pk in due) == 4
        one_at_a_time = outcome()
        raise Rollback
    assert sweep.sweep(now=now) == 4
    assert outcome() == one_at_a_time


def test_a_backlog_is_reminded_and_escalated_once_and_only_on_paid_plans(
        world, backlog, run_outbox):
    assert tasks.sweep_sla() == 4
    assert tasks.sweep_sla() == 0
    sent = set(SlaNotice.objects.filter(created_at__gte=kl(2026, 3, 10, 12, 30))
               .values_list("request__subject", "kind"))
    assert sent == {("Late 0", "escalation"), ("Late 1", "escalation"),
                    ("Near 0", "reminder"), ("Near 1", "reminder")}
    assert not SlaNotice.objects.filter(request=backlog.standard).exists()
    assert fresh(backlog.standard).sla_state is None
    assert [fresh(sr).sla_state for sr in backlog.late] == [SlaState.BREACHED] * 2
    assert [fresh(sr).sla_state for sr in backlog.near] == [SlaState.AT_RISK] * 3
    assert all(fresh(sr).escalated_at == kl(2026, 3, 10, 12, 30) for sr in backlog.late)
    outbox = run_outbox()
    assert sorted(m.to[0] for m in sla_mail(outbox, "SLA reminder")) == [
        world.agent.email] * 2
    assert [m.to[0] for m in sla_mail(outbox, "Escalation")] == [world.supervisor.email] * 2


def test_the_sweep_makes_as_many_queries_for_eight_due_requests_as_for_two(
        world, file_request, at):
    at(kl(2026, 3, 10, 9, 0))
    requests = [file_request(world.globex_admin, world.globex_ws, subject=f"Case {n}")
                for n in range(8)]
    now = kl(2026, 3, 10, 12, 30)

    def sweep_queries(count):
        SlaNotice.objects.all().delete()
        SupportRequest.objects.filter(pk__in=[sr.pk for sr in requests[:count]]).update(
            sla_check_at=requests[0].first_response_remind_at, sla_state=SlaState.ON_TRACK)
        with CaptureQueriesContext(connection) as queries:
            assert sweep.sweep(now=now) == count
        return len(queries)

    assert sweep_queries(8) == sweep_queries(2)
