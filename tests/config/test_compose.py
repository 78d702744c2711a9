"""docker-compose.yml describes the production shape, and what it runs exists here."""

import re
import shlex
from importlib import import_module
from pathlib import Path

import pytest
import yaml

BASE_DIR = Path(__file__).resolve().parents[2]
APP_SERVICES = ("web", "worker", "beat")
SHARED_VARIABLES = ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DJANGO_ENV", "ALLOWED_HOSTS",
                    "EMAIL_URL")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())


def command_of(service: dict) -> str:
    command = service.get("command", "")
    if isinstance(command, list):
        # ["sh", "-c", "a && b"] runs the last item as a shell line.
        command = command[-1] if command[:2] == ["sh", "-c"] else shlex.join(command)
    return command


def steps(command: str) -> list[list[str]]:
    """The simple commands of a shell line, split on && and ;."""
    return [shlex.split(part) for part in re.split(r"&&|;", command) if part.strip()]


def test_the_production_services_are_there(compose):
    services = compose["services"]
    assert set(APP_SERVICES) <= set(services)
    assert services["postgres"]["image"].startswith("postgres:16")
    assert services["redis"]["image"].startswith("redis:7")
    assert any(s.get("image", "").startswith("axllent/mailpit") for s in services.values())


def test_web_worker_and_beat_share_the_same_settings(compose):
    environments = [compose["services"][name]["environment"] for name in APP_SERVICES]
    assert environments[0] == environments[1] == environments[2]
    environment = environments[0]
    for variable in SHARED_VARIABLES:
        assert environment.get(variable), variable
    assert environment["DJANGO_ENV"] == "production"
    assert environment["DATABASE_URL"].startswith("postgres://")
    assert "@postgres:" in environment["DATABASE_URL"]
    assert environment["REDIS_URL"].startswith("redis://redis:")
    assert "mailpit" in environment["EMAIL_URL"]


def test_the_mail_catcher_receives_the_portals_email(compose):
    email_url = compose["services"]["web"]["environment"]["EMAIL_URL"]
    assert re.search(r"smtp://mailpit:1025", email_url)


def test_web_runs_gunicorn_with_three_workers_after_migrate_and_collectstatic(compose):
    services = compose["services"]
    web = steps(command_of(services["web"]))
    programs = [step[0] for step in web]
    assert "gunicorn" in programs or ["exec", "gunicorn"] in [s[:2] for s in web]
    gunicorn = next(s[s.index("gunicorn"):] for s in web if "gunicorn" in s)
    assert gunicorn[1] == "config.wsgi"
    assert gunicorn[gunicorn.index("--workers") + 1] == "3"
    assert import_module("config.wsgi").application is not None

    # The schema is migrated first: in web's own command, or in a one-off it waits for.
    before = [" ".join(s) for s in web[: web.index(next(s for s in web if "gunicorn" in s))]]
    assert any("manage.py collectstatic" in s for s in before)
    migrated_in_web = any("manage.py migrate" in s for s in before)
    one_offs = [name for name, condition in services["web"].get("depends_on", {}).items()
                if condition.get("condition") == "service_completed_successfully"
                and "manage.py migrate" in command_of(services[name])]
    assert migrated_in_web or one_offs


def test_worker_and_beat_run_the_projects_celery_app(compose, settings):
    from config.celery import app

    worker = shlex.split(command_of(compose["services"]["worker"]))
    beat = shlex.split(command_of(compose["services"]["beat"]))
    assert worker[:4] == ["celery", "-A", "config", "worker"]
    assert beat[:4] == ["celery", "-A", "config", "beat"]
    app.loader.import_default_modules()  # what `celery -A config` does: find the tasks
    assert "notifications.tasks.deliver_notification" in app.tasks
    # Everything beat is to send, a worker knows.
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert scheduled and scheduled <= set(app.tasks), scheduled - set(app.tasks)


def test_every_manage_py_command_exists(compose):
    from django.core.management import get_commands

    commands = get_commands()
    for name, service in compose["services"].items():
        for step in steps(command_of(service)):
            if "manage.py" in step:
                subcommand = step[step.index("manage.py") + 1]
                assert subcommand in commands, f"{name}: manage.py {subcommand}"
    assert (BASE_DIR / "manage.py").exists()


def test_the_image_is_built_from_the_locked_requirements(compose):
    assert all(compose["services"][name].get("build") for name in APP_SERVICES)
    dockerfile = (BASE_DIR / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim", dockerfile, re.M)
    install = next(line for line in dockerfile.splitlines() if "pip install" in line)
    assert "--require-hashes" in install and "requirements.lock" in install
    assert (BASE_DIR / "requirements.lock").exists()
    assert "gunicorn==" in (BASE_DIR / "requirements.lock").read_text()
