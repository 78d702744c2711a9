"""Pieces the reliability tests share: a private Redis they may stop and start, a real
Celery worker process they may kill, and a small demo-like world of customers and staff."""

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

from tests.notifications.conftest import CeleryBroker

BASE_DIR = Path(__file__).resolve().parents[2]
CELERY = BASE_DIR / ".venv" / "bin" / "celery"
WAIT_SECONDS = 30


def free_port() -> int:
    """A TCP port nobody listens on now (the kernel's pick for port 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(condition, what: str, *, seconds: float = WAIT_SECONDS, log: Path | None = None):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    tail = ""
    if log is not None:
        tail = "\nworker log:\n" + (log.read_text()[-4000:] if log.exists() else "(none)")
    pytest.fail(f"{what} did not happen within {seconds} s{tail}")


def test_database_url() -> str:
    """The test database this process uses, as a DATABASE_URL for a worker process."""
    db = connection.settings_dict
    auth = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"], safe="")
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    return f"postgres://{auth}@{host}/{db['NAME']}"


test_database_url.__test__ = False  # a helper, not a test


class PrivateRedis:
    """A redis-server of the test's own, on a free port, that the test may stop and start
    again on the same port. Nothing is saved to disk."""

    def __init__(self, workdir: Path):
        self.port = free_port()
        self.workdir = workdir
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "PrivateRedis":
        import redis

        self.workdir.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--dir", str(self.workdir),
             "--logfile", str(self.workdir / "redis.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )

        def answers() -> bool:
            try:
                return redis.Redis.from_url(self.url, socket_connect_timeout=0.2).ping()
            except redis.RedisError:
                return False

        wait_for(answers, f"redis-server on port {self.port} answering", seconds=10)
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self.process = None


class Worker:
    """`celery -A config worker`, started as production starts it, against the test
    database and a given broker, with extra environment (an email backend, say)."""

    def __init__(self, tmp_path: Path, broker_url: str, **env):
        self.log = tmp_path / f"worker-{time.monotonic_ns()}.log"
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(tmp_path),
            "SECRET_KEY": "worker-test-" + "x" * 50,
            "DATABASE_URL": test_database_url(),
            "REDIS_URL": broker_url,
            "CELERY_BEAT_SCHEDULE_FILENAME": str(tmp_path / "beat-schedule"),
            "PRIVATE_MEDIA_ROOT": str(tmp_path / "private"),
            "CONN_MAX_AGE": "0",
            **env,
        }
        self.process: subprocess.Popen | None = None

    def start(self) -> "Worker":
        with self.log.open("w") as out:
            self.process = subprocess.Popen(
                [str(CELERY), "-A", "config", "worker", "--pool=solo", "-Q", "celery",
                 "--loglevel=INFO", "--without-gossip", "--without-mingle",
                 "--without-heartbeat"],
                cwd=BASE_DIR, env=self.env, stdout=out, stderr=subprocess.STDOUT,
            )
        return self

    def kill(self) -> None:
        """SIGKILL: no shutdown, no acknowledgement, no rollback sent to the database."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


@pytest.fixture
def private_redis(tmp_path):
    server = PrivateRedis(tmp_path / "redis")
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture
def celery_broker(settings):
    broker = CeleryBroker(settings)
    try:
        yield broker
    finally:
        broker.restore()


@pytest.fixture
def workers(tmp_path):
    """Start workers with `workers(broker_url, **env)`; every one is stopped at the end."""
    started: list[Worker] = []

    def start(broker_url: str, **env) -> Worker:
        worker = Worker(tmp_path, broker_url, **env).start()
        started.append(worker)
        return worker

    try:
        yield start
    finally:
        for worker in started:
            worker.stop()


@pytest.fixture
def mail_dir(tmp_path):
    path = tmp_path / "mail"
    path.mkdir()
    yield path
    shutil.rmtree(path, ignore_errors=True)
