"""A real Celery worker process, on PostgreSQL and Redis, sends what the outbox queued."""

import os
import shutil
import subprocess
import time
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import pytest
from django.db import connection, transaction

from notifications.models import Notification
from notifications.services import notify
from notifications.tasks import deliver_notification
from tests.notifications.factories import NotificationFactory

pytestmark = [
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
]

BASE_DIR = Path(__file__).resolve().parents[2]
CELERY = BASE_DIR / ".venv" / "bin" / "celery"
# A Redis database of its own, so the worker's queue never meets anything else.
REDIS_DB = 15
WAIT_SECONDS = 30


def worker_database_url() -> str:
    """The test database this process uses, as a DATABASE_URL for the worker."""
    db = connection.settings_dict
    auth = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"], safe="")
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    return f"postgres://{auth}@{host}/{db['NAME']}"



def private_redis_url() -> str:
    parts = urlsplit(os.environ["REDIS_URL"])
    return urlunsplit((parts.scheme, parts.netloc, f"/{REDIS_DB}", "", ""))


def wait_for(condition, what: str, log: Path):
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    tail = log.read_text()[-3000:] if log.exists() else "(no log)"
    pytest.fail(f"{what} did not happen within {WAIT_SECONDS} s; worker log:\n{tail}")


@pytest.fixture
def worker(tmp_path, celery_broker):
    """A worker started like production starts it, and the test process publishing to it."""
    import redis

    broker_url = private_redis_url()
    redis.Redis.from_url(broker_url).flushdb()
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    log = tmp_path / "worker.log"
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "SECRET_KEY": "worker-test-" + "x" * 50,
        "DATABASE_URL": worker_database_url(),
        "REDIS_URL": broker_url,
        "EMAIL_URL": f"filemail:///{mail_dir}",  # four slashes: an absolute path
        "CELERY_BEAT_SCHEDULE_FILENAME": str(tmp_path / "beat-schedule"),
        "PRIVATE_MEDIA_ROOT": str(tmp_path / "private"),
        "CONN_MAX_AGE": "0",
    }
    celery_broker.use(broker_url, {"max_retries": 1, "interval_start": 0})
    with log.open("w") as out:
        process = subprocess.Popen(
            [str(CELERY), "-A", "config", "worker", "--pool=solo", "-Q", "celery",
             "--loglevel=INFO", "--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    try:
        yield {"mail_dir": mail_dir, "log": log, "process": process}
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        redis.Redis.from_url(broker_url).flushdb()
        shutil.rmtree(mail_dir, ignore_errors=True)


def status_of(pk: int) -> str:
    return Notification.objects.values_list("status", flat=True).get(pk=pk)


def test_worker_runs_a_task_sent_to_the_broker(worker):
    notification = NotificationFactory(to="roundtrip@example.org")
    deliver_notification.apply_async((notification.pk,), retry=False)
    wait_for(lambda: status_of(notification.pk) == Notification.Status.SENT,
             "the worker delivering the notification", worker["log"])
    notification.refresh_from_db()
    assert notification.attempts == 1 and notification.sent_at is not None
    assert worker["process"].poll() is None


def test_committed_notification_is_sent_once_by_the_worker(worker):
    with transaction.atomic():
        notification = notify("worker@example.org", "company_verified",
                              {"company": "Acme", "url": "/company/acme/"})
        # Not handed to the broker before the commit (the worker could not see the row
        # yet): the hand-over waits among the transaction's on-commit hooks.
        assert len(connection.run_on_commit) == 1
    wait_for(lambda: status_of(notification.pk) == Notification.Status.SENT,
             "the worker sending the committed notification", worker["log"])
    files = list(worker["mail_dir"].iterdir())
    assert len(files) == 1
    content = files[0].read_text()
    assert "To: worker@example.org" in content
    assert "Acme is verified" in content
    # Nothing else is on its way: after a moment there is still one email.
    time.sleep(1)
    assert len(list(worker["mail_dir"].iterdir())) == 1
