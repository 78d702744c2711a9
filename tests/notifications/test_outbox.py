"""The outbox: an email exists exactly when the change that caused it is committed, is sent
once, in the recipient's language, and survives a broker or mail server outage."""

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from accounts import services as account_services
from config.celery import app
from notifications import services
from notifications.models import Notification
from notifications.tasks import deliver_notification, requeue_pending_notifications
from tests.accounts.factories import CompanyAdminFactory, CompanyFactory, UserFactory
from tests.notifications.factories import NotificationFactory

pytestmark = pytest.mark.django_db

BASE_DIR = Path(__file__).resolve().parents[2]
FAILING_SMTP = "tests.notifications.backends.FailingSMTPBackend"
UNREACHABLE_BROKER = "redis://127.0.0.1:1/0"


class Rollback(Exception):
    pass


def html_of(message) -> str:
    return next(body for body, mime in message.alternatives if mime == "text/html")


def test_nothing_is_sent_when_the_change_is_rolled_back(
        mailoutbox, django_capture_on_commit_callbacks):
    with (django_capture_on_commit_callbacks(execute=True) as callbacks,
          pytest.raises(Rollback), transaction.atomic()):
        services.notify("ana@example.org", "company_verified",
                        {"company": "Acme", "url": "/company/acme/"})
        assert Notification.objects.count() == 1
        raise Rollback
    assert callbacks == []
    assert Notification.objects.count() == 0
    assert mailoutbox == []


def test_after_commit_it_is_sent_once_as_text_and_html_in_the_recipients_language(
        mailoutbox, django_capture_on_commit_callbacks, settings):
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            notification = services.notify(
                "siti@example.org", "company_verified",
                {"company": "Syarikat Maju", "url": "/company/maju/"}, language="ms")
        assert mailoutbox == []  # not before the commit
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["siti@example.org"]
    assert "Syarikat Maju" in message.subject
    assert f"{settings.SITE_URL}/company/maju/" in message.body
    html = html_of(message)
    assert '<html lang="ms">' in html
    assert f'href="{settings.SITE_URL}/company/maju/"' in html
    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT
    assert notification.attempts == 1 and notification.sent_at is not None


def test_english_recipient_gets_english(mailoutbox):
    notification = NotificationFactory(language="en")
    assert services.deliver(notification.pk) is True
    assert '<html lang="en">' in html_of(mailoutbox[0])


def test_delivering_the_same_notification_again_sends_nothing(mailoutbox):
    notification = NotificationFactory()
    assert services.deliver(notification.pk) is True
    assert services.deliver(notification.pk) is False
    deliver_notification.apply(args=(notification.pk,))  # a redelivered task
    assert len(mailoutbox) == 1
    notification.refresh_from_db()
    assert notification.attempts == 1


@pytest.mark.django_db(transaction=True)
def test_broker_outage_leaves_the_email_pending_and_the_action_succeeds(
        client, mailoutbox, celery_broker):
    company = CompanyFactory(slug="acme")
    admin = CompanyAdminFactory(company=company).user
    client.force_login(admin)
    celery_broker.use(UNREACHABLE_BROKER, {"max_retries": 1, "interval_start": 0})

    response = client.post("/company/acme/members/", {"email": "new@example.org",
                                                       "role": "member"})
    assert response.status_code == 302  # the invitation is made although Redis is away
    notification = Notification.objects.get(to="new@example.org")
    assert notification.status == Notification.Status.PENDING
    assert notification.queued_at is not None
    assert mailoutbox == []

    # Redis is back (the suite delivers inline again); the beat re-scan leaves what was
    # queued a moment ago alone, and sends what has waited too long, once.
    celery_broker.restore()
    assert requeue_pending_notifications() == 0
    with time_machine.travel(timezone.now() + timedelta(minutes=10)):
        assert requeue_pending_notifications() == 1
        assert requeue_pending_notifications() == 0
    assert [m.to for m in mailoutbox] == [["new@example.org"]]
    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT


def test_a_broker_outage_costs_a_request_well_under_a_second_per_email(tmp_path):
    """With REDIS_URL set, publishing to a Redis that is down gives up at once."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path),
        "SECRET_KEY": "x" * 60, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "REDIS_URL": UNREACHABLE_BROKER, "BROKER_DIR": str(tmp_path / "broker"),
    }
    script = (
        "import time\n"
        "from notifications.tasks import deliver_notification\n"
        "started = time.monotonic()\n"
        "try:\n"
        "    deliver_notification.apply_async((1,), retry=False)\n"
        "except Exception as exc:\n"
        "    print('RAISED', type(exc).__name__, time.monotonic() - started)\n"
    )
    result = subprocess.run([sys.executable, "manage.py", "shell", "-c", script], env=env,
                            cwd=BASE_DIR, capture_output=True, text=True, timeout=60)
    line = next(ln for ln in result.stdout.splitlines() if ln.startswith("RAISED"))
    _, name, seconds = line.split()
    assert name == "OperationalError"
    assert float(seconds) < 1.0


def test_mail_server_failure_is_retried_then_marked_failed(settings, mailoutbox):
    settings.EMAIL_BACKEND = FAILING_SMTP
    notification = NotificationFactory()
    for attempt in range(1, settings.NOTIFICATION_MAX_ATTEMPTS):
        with pytest.raises(services.TemporaryDeliveryError):
            services.deliver(notification.pk)
        notification.refresh_from_db()
        assert notification.attempts == attempt
        assert notification.status == Notification.Status.PENDING
        assert "Connection unexpectedly closed" in notification.last_error
    assert services.deliver(notification.pk) is False  # the last attempt
    notification.refresh_from_db()
    assert notification.status == Notification.Status.FAILED
    assert notification.attempts == settings.NOTIFICATION_MAX_ATTEMPTS
    assert "Connection unexpectedly closed" in notification.last_error
    # A failed notification is not tried again by a stray task.
    assert services.deliver(notification.pk) is False
    notification.refresh_from_db()
    assert notification.attempts == settings.NOTIFICATION_MAX_ATTEMPTS
    assert mailoutbox == []


def test_the_task_retries_as_often_as_the_outbox_allows(settings):
    from tests.notifications.backends import FailingSMTPBackend

    settings.EMAIL_BACKEND = FAILING_SMTP
    FailingSMTPBackend.calls = 0
    notification = NotificationFactory()
    app.conf.task_eager_propagates = False  # let the retries run inline, as a worker would
    try:
        deliver_notification.apply(args=(notification.pk,))
    finally:
        app.conf.task_eager_propagates = True
    notification.refresh_from_db()
    assert notification.status == Notification.Status.FAILED
    assert FailingSMTPBackend.calls == settings.NOTIFICATION_MAX_ATTEMPTS


def test_missing_template_marks_it_failed(mailoutbox):
    notification = NotificationFactory(template="no_such_email")
    assert services.deliver(notification.pk) is False
    notification.refresh_from_db()
    assert notification.status == Notification.Status.FAILED
    assert "no_such_email" in notification.last_error
    assert mailoutbox == []


def test_a_message_the_backend_refuses_fails_at_once_instead_of_for_ever(settings):
    settings.EMAIL_BACKEND = "tests.notifications.backends.RefusingHeaderBackend"
    notification = NotificationFactory()
    assert services.deliver(notification.pk) is False
    notification.refresh_from_db()
    assert notification.status == Notification.Status.FAILED
    assert notification.attempts == 1 and "linefeed" in notification.last_error


def test_a_service_writes_its_email_in_the_same_transaction(run_outbox):
    """A real change: verifying a company tells its admins, in their own language."""
    company = CompanyFactory(is_verified=False)
    admin = CompanyAdminFactory(company=company, user=UserFactory(language="ms")).user
    with pytest.raises(Rollback), transaction.atomic():
        account_services.verify_company(company, by=UserFactory(is_staff=True))
        raise Rollback
    assert not Notification.objects.exists()
    company.refresh_from_db()
    account_services.verify_company(company, by=UserFactory(is_staff=True))
    notification = Notification.objects.get()
    assert (notification.to, notification.language) == (admin.email, "ms")
    assert [m.to for m in run_outbox()] == [[admin.email]]


def test_queueing_an_email_costs_one_insert_and_the_rescan_one_update(
        monkeypatch, django_assert_num_queries, django_capture_on_commit_callbacks):
    """notify() writes the row already marked queued; handing it to the broker writes
    nothing; the re-scan moves `queued_at` on for all it re-queues in one UPDATE."""
    published = []
    monkeypatch.setattr(deliver_notification, "apply_async",
                        lambda args, **kwargs: published.append(args[0]))
    with django_capture_on_commit_callbacks(execute=True), django_assert_num_queries(1):
        notification = services.notify("ana@example.org", "company_verified",
                                       {"company": "Acme", "url": "/company/acme/"})
    assert published == [notification.pk]
    assert notification.queued_at is not None
    with django_assert_num_queries(0):
        assert services.enqueue_delivery(notification.pk) is True

    later = timezone.now() + timedelta(minutes=10)
    NotificationFactory.create_batch(4, queued_at=timezone.now())
    published.clear()
    with time_machine.travel(later):
        with django_assert_num_queries(2):  # which ones, then one UPDATE for all of them
            assert services.requeue_pending(timezone.now() - timedelta(minutes=3)) == 5
        assert len(published) == 5
        assert Notification.objects.filter(queued_at__gte=later - timedelta(seconds=1)).count() \
            == 5
        # Just re-queued: the next re-scan leaves them alone.
        assert services.requeue_pending(timezone.now() - timedelta(minutes=3)) == 0
