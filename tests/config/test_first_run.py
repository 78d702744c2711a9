"""What a fresh clone does on its first run: the links in emails follow the port served,
`migrate` then `seed_demo` suffice on the embedded default, the console reads clean, and
Ctrl-C stops web, worker and beat without errors."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.config.test_settings import SECRET

BASE_DIR = Path(__file__).resolve().parents[2]


@pytest.fixture
def embedded(tmp_path):
    """The variables of a fresh machine (nothing set but PATH and HOME), with every file
    the portal writes kept in the test's temporary directory."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "SECRET_KEY": SECRET,
        "BROKER_DIR": str(tmp_path / "broker"),
        "PRIVATE_MEDIA_ROOT": str(tmp_path / "private"),
        "CELERY_BEAT_SCHEDULE_FILENAME": str(tmp_path / "beat-schedule"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }

    def manage(*args, timeout=300, **variables):
        return subprocess.run([sys.executable, "manage.py", *args], cwd=BASE_DIR,
                              env={**env, **variables}, capture_output=True, text=True,
                              timeout=timeout)

    manage.env = env
    return manage


def _setting(manage, name: str, **variables) -> str:
    result = manage("shell", "-c", f"from django.conf import settings; "
                    f"print('VALUE', settings.{name})", **variables)
    line = next((ln for ln in result.stdout.splitlines() if ln.startswith("VALUE ")), None)
    assert line, result.stdout + result.stderr
    return line.removeprefix("VALUE ")


def test_development_links_follow_the_port_served(embedded):
    assert _setting(embedded, "SITE_URL") == "http://127.0.0.1:8000"
    assert _setting(embedded, "SITE_URL", PORT="8793") == "http://127.0.0.1:8793"
    # honcho gives the worker PORT+100; `make run` hands it the web's SITE_URL.
    assert _setting(embedded, "SITE_URL", PORT="8893",
                    SITE_URL="http://127.0.0.1:8793/") == "http://127.0.0.1:8793"


def test_production_links_use_https_on_the_public_host(embedded):
    production = {"DJANGO_ENV": "production", "ALLOWED_HOSTS": "support.example.com,10.0.0.5"}
    assert _setting(embedded, "SITE_URL", **production) == "https://support.example.com"
    assert _setting(embedded, "SITE_URL", SITE_URL="https://help.example.com",
                    **production) == "https://help.example.com"
    assert _setting(embedded, "ACCOUNT_DEFAULT_HTTP_PROTOCOL", **production) == "https"


def test_make_run_hands_the_served_port_to_web_worker_and_beat(tmp_path):
    """`make run PORT=8793` with stand-ins for the virtualenv's programs, which print the
    SITE_URL and PORT they were started with."""
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "activate").write_text("")
    for program in ("python", "pybabel"):
        stand_in = venv / "bin" / program
        stand_in.write_text(f'#!/bin/sh\necho "{program} $* SITE_URL=$SITE_URL PORT=$PORT"\n')
        stand_in.chmod(0o755)
    (venv / ".installed").touch()
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path)}
    result = subprocess.run(["make", "-s", "run", "PORT=8793", f"VENV={venv}"], cwd=BASE_DIR,
                            env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "python -m config.run_all SITE_URL=http://127.0.0.1:8793 PORT=8793" in result.stdout
    explicit = subprocess.run(["make", "-s", "run", "PORT=8793", f"VENV={venv}"],
                              cwd=BASE_DIR, env={**env, "SITE_URL": "https://dev.example"},
                              capture_output=True, text=True, timeout=60)
    assert "python -m config.run_all SITE_URL=https://dev.example PORT=8793" in explicit.stdout


def test_migrate_then_seed_demo_suffice_on_the_embedded_default(embedded):
    migrated = embedded("migrate", "--noinput")
    assert migrated.returncode == 0, migrated.stderr
    seeded = embedded("seed_demo")
    assert seeded.returncode == 0, seeded.stdout + seeded.stderr
    assert "Demo data is in place." in seeded.stdout
    # The pages read the database cache: its table is there without createcachetable.
    cached = embedded("shell", "-c", "from django.core.cache import cache; "
                      "cache.set('first-run', 'ok'); print('CACHE', cache.get('first-run'))")
    assert "CACHE ok" in cached.stdout, cached.stderr


def test_compiling_the_catalogues_reports_only_the_malay_statistics(tmp_path):
    """English is the source language: "20 of 1143 messages (1%) translated in locale/en"
    read as a failure."""
    dry_run = subprocess.run(["make", "-n", "messages"], cwd=BASE_DIR, capture_output=True,
                             text=True, timeout=60)
    commands = [line for line in dry_run.stdout.splitlines() if "pybabel" in line]
    assert commands, dry_run.stdout
    output = ""
    for command in commands:
        done = subprocess.run(command, shell=True, cwd=BASE_DIR, capture_output=True,
                              text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        output += done.stdout + done.stderr
    assert "locale/en" not in output
    assert "(100%) translated in locale/ms/LC_MESSAGES/django.po" in output
    assert "(100%) translated in accounts/allauth_locale/ms/LC_MESSAGES/django.po" in output


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for(predicate, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.5)
    return False


def test_make_runs_processes_print_no_warnings_and_stop_cleanly_on_ctrl_c(embedded, tmp_path):
    """The Procfile as `make run` starts it (config.run_all): an email printed by the worker
    is information, not a WARNING; kombu does not warn about the file-system broker's host;
    Ctrl-C stops web, worker and beat, the worker by a warm shutdown, not killed."""
    assert embedded("migrate", "--noinput").returncode == 0
    port = _free_port()
    log = tmp_path / "honcho.log"
    env = {**embedded.env, "PORT": str(port), "SITE_URL": f"http://127.0.0.1:{port}"}
    with open(log, "w") as output:
        honcho = subprocess.Popen([str(BASE_DIR / ".venv/bin/python"), "-m", "config.run_all"],
                                  cwd=BASE_DIR, env=env, stdout=output,
                                  stderr=subprocess.STDOUT)
    try:
        def web_answers():
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                    return True
            except OSError:
                return False

        assert _wait_for(web_answers, 90), log.read_text()
        assert _wait_for(lambda: " ready." in log.read_text(), 90), log.read_text()
        queued = embedded(
            "shell", "-c",
            "from notifications.services import notify\n"
            "from django.db import transaction\n"
            "with transaction.atomic():\n"
            "    notify('someone@example.org', 'company_verified', "
            "{'company': 'Maju', 'url': '/company/maju/'})\n", **env)
        assert queued.returncode == 0, queued.stderr
        assert _wait_for(lambda: "someone@example.org" in log.read_text(), 60), log.read_text()
    finally:
        honcho.send_signal(signal.SIGINT)
        honcho.wait(timeout=90)
    text = log.read_text()
    assert f"http://127.0.0.1:{port}/company/maju/" in text
    assert "WARNING" not in text
    assert "No hostname was supplied" not in text
    assert "Traceback" not in text and "WorkerLostError" not in text
    assert "worker: Warm shutdown" in text
    assert "worker.1 stopped (rc=0)" in text and "beat.1 stopped (rc=0)" in text
    assert "SIGKILL" not in text


def test_every_catalogue_the_portal_reads_is_compiled_by_make_and_the_image(settings):
    """A catalogue in LOCALE_PATHS that is not compiled leaves its pages in English."""
    makefile = (BASE_DIR / "Makefile").read_text()
    dockerfile = (BASE_DIR / "Dockerfile").read_text()
    for path in settings.LOCALE_PATHS:
        folder = Path(path).relative_to(BASE_DIR).as_posix()
        assert f"--directory {folder}" in makefile, folder
        assert f"--directory {folder}" in dockerfile, folder
