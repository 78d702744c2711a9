"""Fixtures for the whole suite, and the rule that a test needing a missing service skips
with its reason, except under REQUIRE_ALL_TESTS=1 (CI), where such a skip fails the run."""

import os
import shutil
from functools import cache, partial

import pytest
from django.conf import settings

REQUIRE_ALL_TESTS = os.environ.get("REQUIRE_ALL_TESTS") == "1"
CHROMIUM = "/usr/bin/chromium"
DOVECOT = "/usr/sbin/dovecot"


@cache
def _redis_available() -> str | None:
    """None when Redis answers, else the reason it does not."""
    url = os.environ.get("REDIS_URL")
    if not url:
        return "REDIS_URL is not set"
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        return f"Redis at {url} does not answer ({exc})"
    return None


def _missing(marker: str) -> str | None:
    if marker == "postgres":
        if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
            return "needs PostgreSQL: DATABASE_URL does not point at a PostgreSQL server"
    elif marker == "redis":
        reason = _redis_available()
        return f"needs Redis: {reason}" if reason else None
    elif marker == "worker":
        if shutil.which("redis-server") is None:
            return "needs redis-server on PATH to start a private broker"
    elif marker == "browser" and not os.path.exists(CHROMIUM):
        return f"needs Debian's chromium at {CHROMIUM}"
    elif marker == "imap" and not os.path.exists(DOVECOT):
        return f"needs Debian's dovecot-imapd ({DOVECOT}) to start a private IMAP server"
    return None


def pytest_runtest_setup(item):
    for marker in ("postgres", "redis", "worker", "browser", "imap"):
        if item.get_closest_marker(marker) and (reason := _missing(marker)):
            if REQUIRE_ALL_TESTS:
                pytest.fail(f"REQUIRE_ALL_TESTS=1 but this test {reason}", pytrace=False)
            pytest.skip(reason)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if REQUIRE_ALL_TESTS and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"REQUIRE_ALL_TESTS=1 forbids skipping: {report.longrepr}"


@pytest.fixture(autouse=True)
def _isolated_cache_and_files(settings, tmp_path):
    """Rate-limit counters, uploads and what the process keeps in memory (the catalogue,
    rendered rules) of one test never leak into another."""
    from django.core.cache import cache

    from accounts import process_memo

    cache.clear()
    process_memo.clear_all()
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private"), "base_url": None},
        },
    }
    yield
    cache.clear()
    process_memo.clear_all()


# Reference data that data migrations seed. A transactional test empties every table when
# it ends, so the next one puts these rows back before it starts.
REFERENCE_DATA_MIGRATIONS = [
    ("licensing.migrations.0002_categories", "seed_categories"),
    ("feedback.migrations.0002_seed_surveys", "seed"),
]


@pytest.fixture(autouse=True)
def _reference_data_for_transactional_tests(request):
    marker = request.node.get_closest_marker("django_db")
    if marker is None or not marker.kwargs.get("transaction"):
        return
    from importlib import import_module

    from django.apps import apps

    request.getfixturevalue("transactional_db")
    from django.contrib.auth.management import create_permissions

    from accounts.registry import sync_staff_groups

    for module, function in REFERENCE_DATA_MIGRATIONS:
        getattr(import_module(module), function)(apps, None)
    for app_config in apps.get_app_configs():
        create_permissions(app_config, verbosity=0)
    sync_staff_groups(apps)


@pytest.fixture
def world(db):
    """The one test world (tests/world.py)."""
    from tests.world import build_world

    return build_world()


@pytest.fixture
def file_request(world):
    """File a request through the service, with the workspace's product by default."""
    from tests.helpdesk.factories import file_test_request

    return partial(file_test_request, world)


@pytest.fixture
def api():
    """`api(user)`: an API client signed in as `user` (anonymous without one)."""
    from rest_framework.test import APIClient

    def make(user=None):
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return make


@pytest.fixture
def run_outbox(mailoutbox):
    """Deliver every pending notification, as the worker would; returns the mail outbox."""
    from notifications.models import Notification
    from notifications.services import deliver

    def run():
        for pk in Notification.objects.pending().order_by("pk").values_list("pk", flat=True):
            deliver(pk)
        return mailoutbox

    return run


@pytest.fixture
def at(time_machine):
    """Freeze the clock at a moment: `at(datetime(...))` returns the moment, so a test reads
    `filed = at(kl(2026, 3, 6, 17, 55))`."""

    def move(moment):
        time_machine.move_to(moment, tick=False)
        return moment

    return move


@pytest.fixture
def race():
    """Run callables at the same instant, each in its own thread and database connection
    (a transactional test sees what they commit): `race(f, g)` returns their results in
    order, or raises the first error one of them met."""
    import threading

    from django.db import connection

    def run(*functions, timeout: float = 60):
        barrier = threading.Barrier(len(functions))
        results: list = [None] * len(functions)
        errors: list = []

        def worker(index, function):
            try:
                barrier.wait(timeout=timeout)
                results[index] = function()
            except Exception as exc:  # reported to the test below
                errors.append(exc)
            finally:
                connection.close()

        threads = [threading.Thread(target=worker, args=(i, f)) for i, f in enumerate(functions)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=timeout * 2)
        if errors:
            raise errors[0]
        return results

    return run


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server (aiosmtpd) on a free local port, with the SMTP email backend
    pointed at it; `smtp_server.messages` holds each received message, parsed from the
    bytes that came over the wire."""
    import socket
    from email import message_from_bytes, policy

    from aiosmtpd.controller import Controller

    class Collector:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):
            message = message_from_bytes(envelope.original_content, policy=policy.default)
            message.envelope_recipients = list(envelope.rcpt_tos)
            self.messages.append(message)
            return "250 Message accepted for delivery"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    collector = Collector()
    controller = Controller(collector, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    try:
        yield collector
    finally:
        controller.stop()
