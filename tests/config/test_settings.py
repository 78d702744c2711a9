"""Start-up from the environment: production refuses to run without its secrets, a bad
variable stops start-up in one line naming it, and the embedded default suits web, worker
and beat writing to one SQLite file."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
SECRET = "k3J9-xq7Vb2LmN8pR4sT6wY1zA5cD0eF-gH2iJ4kL6mN8oP0qR2sT4uV6wX8yZ0a"


@pytest.fixture
def run(tmp_path):
    """Run `manage.py` with only the variables given (plus a PATH and a HOME), writing
    nothing outside the test's temporary directory."""

    def manage(*args, **variables):
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(tmp_path),
            "BROKER_DIR": str(tmp_path / "broker"),
            "PRIVATE_MEDIA_ROOT": str(tmp_path / "private"),
            "CELERY_BEAT_SCHEDULE_FILENAME": str(tmp_path / "beat-schedule"),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
            **variables,
        }
        env = {name: value for name, value in env.items() if value is not None}
        return subprocess.run([sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env,
                              capture_output=True, text=True, timeout=120)

    return manage


def assert_stops_with_one_line_naming(result, variable: str):
    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert variable in lines[0]
    assert "Traceback" not in result.stderr + result.stdout


def test_production_without_secret_key_stops_with_one_line(run):
    result = run("check", DJANGO_ENV="production", ALLOWED_HOSTS="portal.example.com")
    assert_stops_with_one_line_naming(result, "SECRET_KEY")


def test_production_with_a_short_secret_key_stops_with_one_line(run):
    result = run("check", DJANGO_ENV="production", SECRET_KEY="too-short",
                 ALLOWED_HOSTS="portal.example.com")
    assert_stops_with_one_line_naming(result, "SECRET_KEY")


def test_production_without_allowed_hosts_stops_with_one_line(run):
    result = run("check", DJANGO_ENV="production", SECRET_KEY=SECRET)
    assert_stops_with_one_line_naming(result, "ALLOWED_HOSTS")


@pytest.mark.parametrize("url", ["nonsense", "mysql//x", "mysql://u:p@db/portal",
                                 "postgres://u@db:port/portal"])
@pytest.mark.parametrize("django_env", ["production", None])
def test_malformed_database_url_stops_with_one_line(run, url, django_env):
    result = run("check", DJANGO_ENV=django_env, SECRET_KEY=SECRET,
                 ALLOWED_HOSTS="portal.example.com", DATABASE_URL=url)
    assert_stops_with_one_line_naming(result, "DATABASE_URL")


def test_malformed_redis_url_stops_with_one_line(run):
    result = run("check", SECRET_KEY=SECRET, REDIS_URL="127.0.0.1:6379")
    assert_stops_with_one_line_naming(result, "REDIS_URL")


def test_production_passes_the_deployment_checks(run):
    result = run("check", "--deploy", "--fail-level", "WARNING", DJANGO_ENV="production",
                 SECRET_KEY=SECRET, ALLOWED_HOSTS="portal.example.com")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_development_is_the_default_and_any_other_value(run):
    for django_env in (None, "staging", "PRODUCTION"):
        result = run("shell", "-c", "from django.conf import settings; "
                     "print('MODULE', settings.SETTINGS_MODULE)",
                     DJANGO_ENV=django_env, SECRET_KEY=SECRET)
        assert "MODULE config.settings.development" in result.stdout, result.stderr


def test_development_sqlite_is_set_up_for_web_worker_and_beat_side_by_side(run, tmp_path):
    """WAL, IMMEDIATE transactions and a busy timeout, on a real connection."""
    script = (
        "import json\n"
        "from django.conf import settings\n"
        "from django.db import connection\n"
        "with connection.cursor() as cursor:\n"
        "    cursor.execute('PRAGMA journal_mode')\n"
        "    journal = cursor.fetchone()[0]\n"
        "    cursor.execute('PRAGMA busy_timeout')\n"
        "    busy = cursor.fetchone()[0]\n"
        "options = settings.DATABASES['default']['OPTIONS']\n"
        "print('RESULT ' + json.dumps({'journal': journal, 'busy': busy,\n"
        "      'mode': options.get('transaction_mode'), 'timeout': options.get('timeout'),\n"
        "      'module': settings.SETTINGS_MODULE}))\n"
    )
    result = run("shell", "-c", script, SECRET_KEY=SECRET)
    line = next((ln for ln in result.stdout.splitlines() if ln.startswith("RESULT ")), None)
    assert line, result.stdout + result.stderr
    found = json.loads(line.removeprefix("RESULT "))
    assert found["module"] == "config.settings.development"
    assert found["journal"] == "wal"
    assert found["mode"] == "IMMEDIATE"
    assert found["busy"] >= 5000
    assert found["timeout"] >= 5
    assert (tmp_path / "db.sqlite3").exists()


def test_development_without_database_url_uses_sqlite_with_the_same_options():
    """Import-level: the default (no DATABASE_URL) is the SQLite file with those options."""
    script = (
        "import json, os\n"
        "os.environ.pop('DATABASE_URL', None)\n"
        "import config.settings.development as s\n"
        "db = s.DATABASES['default']\n"
        "print(json.dumps({'engine': db['ENGINE'], 'name': str(db['NAME']),\n"
        "                  'options': db['OPTIONS']}))\n"
    )
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "SECRET_KEY": SECRET}
    result = subprocess.run([sys.executable, "-c", script], cwd=BASE_DIR, env=env,
                            capture_output=True, text=True, timeout=60)
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found["engine"] == "django.db.backends.sqlite3"
    assert found["name"] == str(BASE_DIR / "db.sqlite3")
    assert found["options"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in found["options"]["init_command"]
    assert "busy_timeout" in found["options"]["init_command"]
