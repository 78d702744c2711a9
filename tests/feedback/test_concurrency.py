"""Two beat runs at once (two workers picking the same schedule) send each email once.

On PostgreSQL the rows are inserted with ON CONFLICT DO NOTHING against the unique
constraints, and reminders are claimed with SELECT ... FOR UPDATE SKIP LOCKED.
"""

import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from feedback import dispatch
from feedback.models import FeedbackRequest
from notifications.models import Notification

from .factories import resolved_request

N = 120


def _run_twice_at_once(function):
    barrier = threading.Barrier(2)
    results, errors = [], []

    def worker():
        try:
            barrier.wait(timeout=10)
            results.append(function())
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_dispatch_sends_one_email_per_request(mailoutbox):
    requests = [resolved_request(at=timezone.now() - timedelta(days=2)) for _ in range(N)]

    results = _run_twice_at_once(dispatch.send_post_resolution_requests)

    assert sum(results) == N
    assert FeedbackRequest.objects.count() == N
    sent = Counter(n.context["reference"]
                   for n in Notification.objects.filter(template="feedback_request"))
    assert set(sent) == {r.reference for r in requests}
    assert set(sent.values()) == {1}
    assert len(mailoutbox) == N


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_reminders_send_one_each(mailoutbox, settings):
    for _ in range(N // 2):
        resolved_request(at=timezone.now() - timedelta(days=2))
    dispatch.send_post_resolution_requests()
    FeedbackRequest.objects.update(
        sent_at=timezone.now() - timedelta(days=settings.FEEDBACK_REMINDER_DAYS + 1))

    results = _run_twice_at_once(dispatch.send_reminders)

    assert sum(results) == N // 2
    reminders = Counter(n.context["reference"]
                        for n in Notification.objects.filter(template="feedback_reminder"))
    assert len(reminders) == N // 2
    assert set(reminders.values()) == {1}
