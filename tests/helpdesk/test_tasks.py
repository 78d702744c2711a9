"""The beat tasks act once, even when two runs overlap or a run is repeated."""

from datetime import timedelta

import pytest
from django.utils import timezone

from helpdesk import tasks
from helpdesk.models import SupportRequest
from helpdesk.requests import lifecycle, timed

from .conftest import emails_to, kinds

pytestmark = pytest.mark.django_db
Status = SupportRequest.Status


def _days_ago(days):
    return timezone.now() - timedelta(days=days)


@pytest.fixture
def waiting(world, file_request, run_outbox):
    sr = file_request()
    lifecycle.request_information(sr, by=world.agent, body="Send the logs, please.")
    run_outbox().clear()
    return sr


def test_a_silent_customer_is_reminded_once(world, waiting, run_outbox, settings):
    SupportRequest.objects.filter(pk=waiting.pk).update(
        waiting_since=_days_ago(settings.WAITING_REMINDER_DAYS - 1))
    assert tasks.remind_waiting_customers() == 0
    SupportRequest.objects.filter(pk=waiting.pk).update(
        waiting_since=_days_ago(settings.WAITING_REMINDER_DAYS + 1))
    assert tasks.remind_waiting_customers() == 1
    assert tasks.remind_waiting_customers() == 0
    assert timed.send_waiting_reminder(waiting.pk) is False  # an overlapping run
    [mail] = run_outbox()
    assert mail.to == [world.home_user.email] and "Reminder" in mail.subject
    assert kinds(waiting).count("reminder_sent") == 1


def test_a_reply_after_the_reminder_resets_the_clock(world, waiting, settings):
    SupportRequest.objects.filter(pk=waiting.pk).update(
        waiting_since=_days_ago(settings.WAITING_REMINDER_DAYS + 1))
    tasks.remind_waiting_customers()
    lifecycle.add_reply(waiting, by=world.home_user, body="Here.")
    lifecycle.request_information(waiting, by=world.agent, body="And the other log?")
    sr = SupportRequest.objects.get(pk=waiting.pk)
    assert sr.reminded_at is None and sr.waiting_since > _days_ago(1)


def test_a_silent_request_is_closed_for_no_response_once(world, waiting, run_outbox, settings):
    lifecycle.set_no_guarantee_flag(waiting, by=world.agent, clause="4.4.5",
                                   note="Without logs we cannot reproduce it.")
    SupportRequest.objects.filter(pk=waiting.pk).update(
        waiting_since=_days_ago(settings.WAITING_CLOSE_DAYS + 1))
    # Never closed without the reminder first.
    assert tasks.close_silent_requests() == 0
    assert tasks.remind_waiting_customers() == 1
    assert tasks.close_silent_requests() == 0  # the reminder had no time to be read
    SupportRequest.objects.filter(pk=waiting.pk).update(reminded_at=_days_ago(
        settings.WAITING_CLOSE_DAYS - settings.WAITING_REMINDER_DAYS))
    assert tasks.close_silent_requests() == 1
    assert tasks.close_silent_requests() == 0
    assert timed.close_for_no_response(waiting.pk) is False
    sr = SupportRequest.objects.get(pk=waiting.pk)
    assert (sr.status, sr.close_reason, sr.close_clause) == (
        Status.CLOSED, "no_response", "6.4, 4.4.5")
    assert kinds(sr).count("closed") == 1
    closing = [m for m in emails_to(run_outbox(), world.home_user.email)
               if "Closed" in m.subject]
    assert len(closing) == 1 and "6.4" in closing[0].body


def test_resolved_requests_close_when_the_window_ends_once(world, file_request, run_outbox,
                                                         settings):
    old, fresh = file_request(), file_request()
    for sr in (old, fresh):
        lifecycle.resolve_request(sr, by=world.agent)
    SupportRequest.objects.filter(pk=old.pk).update(
        resolved_at=_days_ago(settings.REOPEN_WINDOW_DAYS + 1))
    run_outbox().clear()
    assert tasks.close_resolved_requests() == 1
    assert tasks.close_resolved_requests() == 0
    assert SupportRequest.objects.get(pk=old.pk).close_reason == "reopen_window_ended"
    assert SupportRequest.objects.get(pk=fresh.pk).status == Status.RESOLVED
    assert len(run_outbox()) == 1


def test_a_request_reopened_meanwhile_is_not_closed(world, file_request, settings):
    sr = file_request()
    lifecycle.resolve_request(sr, by=world.agent)
    SupportRequest.objects.filter(pk=sr.pk).update(
        resolved_at=_days_ago(settings.REOPEN_WINDOW_DAYS - 1))
    lifecycle.add_reply(sr, by=world.home_user, body="Not fixed.")
    assert timed.close_after_reopen_window(
        sr.pk, now=timezone.now() + timedelta(days=5)) is False
    assert SupportRequest.objects.get(pk=sr.pk).status == Status.OPEN
