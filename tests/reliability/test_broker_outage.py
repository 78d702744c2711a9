"""The broker goes away and comes back; a worker dies holding a task. Users never notice,
and every email still goes out exactly once.

Each test runs its own redis-server on a free port (so it can stop it), publishes to it from
this process for real (not eagerly) and runs real `celery worker` processes against the
test database.
"""

import time

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from helpdesk.models import SupportRequest
from helpdesk.requests import lifecycle
from notifications import services
from notifications.models import Notification
from notifications.tasks import deliver_notification
from tests.notifications.factories import NotificationFactory

from .conftest import wait_for

pytestmark = [
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
]

# Publishing gives up at once when Redis is down, as the production settings say.
PUBLISH_OPTIONS = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2}
QUICK = 2.0  # seconds a user's action may take while the broker is down


def mail_files(mail_dir) -> list:
    return sorted(p for p in mail_dir.iterdir() if p.is_file())


def all_sent() -> bool:
    return not Notification.objects.exclude(status=Notification.Status.SENT).exists()


def timed(action):
    started = time.monotonic()
    result = action()
    return result, time.monotonic() - started


def test_actions_succeed_while_redis_is_down_and_every_email_goes_out_once_after(
        world, private_redis, celery_broker, workers, mail_dir):
    celery_broker.use(private_redis.url, PUBLISH_OPTIONS)
    private_redis.stop()

    customer = APIClient()
    customer.force_authenticate(world.home_user)
    response, seconds = timed(lambda: customer.post("/api/v1/requests/", {
        "workspace": "my", "category": "licence_recovery",
        "subject": "Lost my activation code",
        "description": "The shop's email with the code is gone.",
    }, format="json"))
    assert response.status_code == 201, response.content
    assert seconds < QUICK
    reference = response.json()["reference"]
    support_request = SupportRequest.objects.get(reference=reference)

    response, seconds = timed(lambda: customer.post(
        f"/api/v1/requests/{reference}/messages/", {"body": "The order was in May."},
        format="json"))
    assert response.status_code == 201, response.content
    assert seconds < QUICK

    _, seconds = timed(lambda: lifecycle.add_reply(
        support_request, by=world.agent, body="Found it: the code is on its way."))
    assert seconds < QUICK
    _, seconds = timed(lambda: lifecycle.resolve_request(
        support_request, by=world.agent, note="Sent to your address."))
    assert seconds < QUICK

    # Everything is saved; the emails wait in the outbox, marked as queued.
    support_request.refresh_from_db()
    assert support_request.status == SupportRequest.Status.RESOLVED
    assert support_request.messages.count() == 3
    pending = list(Notification.objects.order_by("pk"))
    templates = [n.template for n in pending]
    assert templates == ["request_received", "request_reply", "request_resolved"]
    assert all(n.status == Notification.Status.PENDING for n in pending)
    assert all(n.queued_at is not None and n.attempts == 0 for n in pending)

    # Redis is back on the same address (empty: nothing was published), and the beat's
    # re-scan hands every pending email to it.
    private_redis.start()
    assert services.requeue_pending(timezone.now()) == len(pending)
    worker = workers(private_redis.url, EMAIL_URL=f"filemail:///{mail_dir}")
    wait_for(all_sent, "every pending email sent", log=worker.log)
    # A moment more: nothing else was on its way.
    time.sleep(1.5)
    files = mail_files(mail_dir)
    assert len(files) == len(pending), [f.read_text()[:300] for f in files]
    recipients = sorted(line for f in files for line in f.read_text().splitlines()
                        if line.startswith("To: "))
    assert recipients == [f"To: {world.home_user.email}"] * len(pending)
    assert all(n.attempts == 1 for n in Notification.objects.all())
    # The re-scan has nothing left to send.
    assert services.requeue_pending(timezone.now()) == 0


def test_a_worker_killed_while_holding_a_task_is_replaced_and_the_email_goes_once(
        private_redis, celery_broker, workers, mail_dir, tmp_path):
    """SIGKILL after the worker took the task and before the mail server took the email:
    the broker hands the unacknowledged task out again once the visibility timeout has
    passed, and the outbox row (whose claim died with the worker's database session) is
    sent by the next worker, once."""
    visibility = 3
    gate = tmp_path / "gate"
    gate.mkdir()
    celery_broker.use(private_redis.url, {**PUBLISH_OPTIONS, "visibility_timeout": visibility})
    env = {
        "EMAIL_URL": f"filemail:///{mail_dir}",
        "EMAIL_BACKEND": "tests.reliability.backends.GatedFileBackend",
        "MAIL_GATE_DIR": str(gate),
        "CELERY_VISIBILITY_TIMEOUT": str(visibility),
    }
    first = workers(private_redis.url, **env)
    notification = NotificationFactory(to="once@example.org", queued_at=timezone.now())
    deliver_notification.apply_async((notification.pk,), retry=False)

    wait_for(lambda: any(gate.glob("entered-*")), "the worker handing the email to the "
             "mail backend", log=first.log)
    first.kill()
    assert mail_files(mail_dir) == []
    notification.refresh_from_db()
    assert notification.status == Notification.Status.PENDING

    (gate / "open").touch()
    # Past the visibility timeout, a new worker restores the task when it starts.
    time.sleep(visibility + 0.5)
    second = workers(private_redis.url, **env)
    wait_for(all_sent, "the redelivered task sending the email", log=second.log)
    time.sleep(1.5)
    files = mail_files(mail_dir)
    assert len(files) == 1
    assert "To: once@example.org" in files[0].read_text()
    notification.refresh_from_db()
    # The first attempt died with its transaction; the second is the one on record.
    assert notification.attempts == 1 and notification.sent_at is not None
    assert len(list(gate.glob("entered-*"))) == 2


def test_a_delivery_that_keeps_failing_is_retried_a_bounded_number_of_times_then_recorded(
        private_redis, celery_broker, workers, settings):
    """The mail server refuses every time: the task retries with backoff (no wait here),
    stops after its last retry, and the row says failed, with the error, for staff."""
    celery_broker.use(private_redis.url, PUBLISH_OPTIONS)
    worker = workers(private_redis.url,
                     EMAIL_BACKEND="tests.notifications.backends.FailingSMTPBackend",
                     NOTIFICATION_RETRY_BASE_SECONDS="0")
    notification = NotificationFactory(to="refused@example.org", queued_at=timezone.now())
    deliver_notification.apply_async((notification.pk,), retry=False)

    def failed() -> bool:
        return Notification.objects.filter(pk=notification.pk,
                                           status=Notification.Status.FAILED).exists()

    wait_for(failed, "the notification being marked failed", log=worker.log)
    time.sleep(1)
    notification.refresh_from_db()
    assert notification.status == Notification.Status.FAILED
    assert notification.attempts == settings.NOTIFICATION_MAX_ATTEMPTS
    assert "Connection unexpectedly closed" in notification.last_error
    assert deliver_notification.max_retries == settings.NOTIFICATION_MAX_ATTEMPTS - 1
    log = worker.log.read_text()
    assert log.count("Retry in") == settings.NOTIFICATION_MAX_ATTEMPTS - 1, log[-3000:]
