"""The stage of `make attack`: a throwaway PostgreSQL database of its own, the portal under
production settings (config/settings/production.py) served by gunicorn on a free local port,
with the demo data in it. Everything is removed afterwards."""

import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import requests

BASE_DIR = Path(__file__).resolve().parent.parent
ATTACK_SUFFIX = "_attack"
DEMO_PASSWORD = "attack-pass-2026"
# Small enough that the oversize upload case stays cheap.
ATTACHMENT_MAX_BYTES = 1024 * 1024


class StageError(SystemExit):
    def __init__(self, problem: str):
        sys.stderr.write(f"make attack: {problem}\n")
        super().__init__(2)


def attack_database(url: str) -> tuple[str, str]:
    """(URL, name) of the suite's own database beside the one DATABASE_URL names."""
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql", "pgsql"):
        raise StageError("needs PostgreSQL: set DATABASE_URL=postgres://user@host:5432/name")
    name = parts.path.lstrip("/") or "portal"
    if not name.endswith(ATTACK_SUFFIX):
        name += ATTACK_SUFFIX
    return urlunsplit(parts._replace(path=f"/{name}")), name


def _server_connection(url: str):
    parts = urlsplit(url)
    return psycopg.connect(
        host=parts.hostname or "127.0.0.1", port=parts.port or 5432,
        user=parts.username or "postgres", password=parts.password, dbname="postgres",
        autocommit=True)


def _drop(url: str, name: str) -> None:
    with _server_connection(url) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def throwaway_database(url: str):
    database_url, name = attack_database(url)
    _drop(url, name)
    with _server_connection(url) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield database_url
    finally:
        _drop(url, name)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def environment(database_url: str, port: int, scratch: Path) -> dict[str, str]:
    """Production settings, with the limits that would stop a test drive from one address
    raised through their environment knobs (each limit has a test of its own)."""
    # No REDIS_URL: the emails the cases cause are queued in a folder of the scratch
    # directory and cached in the database, so nothing is left in a Redis that workers of
    # other runs read.
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("DJANGO_") and key != "REDIS_URL"}
    env.update(
        DJANGO_ENV="production",
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DATABASE_URL=database_url,
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SITE_URL=f"https://127.0.0.1:{port}",
        API_ANON_RATE="100000/min",
        API_USER_RATE="100000/min",
        LOGIN_RATE_LIMITS="false",
        LICENCE_CLAIM_MAX_FAILURES="100000",
        CACHE_KEY_PREFIX=f"attack-{secrets.token_hex(4)}",
        STATIC_ROOT=str(scratch / "static"),
        PRIVATE_MEDIA_ROOT=str(scratch / "private"),
        BROKER_DIR=str(scratch / "broker"),
        ATTACHMENT_MAX_BYTES=str(ATTACHMENT_MAX_BYTES),
        DEMO_PASSWORD=DEMO_PASSWORD,
        LOG_LEVEL="WARNING",
    )
    return env


def manage(env: dict, *args: str) -> None:
    done = subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, capture_output=True,
        text=True, check=False)
    if done.returncode:
        raise StageError(f"manage.py {' '.join(args)} failed:\n{done.stderr[-3000:]}")


@contextmanager
def served(env: dict, port: int, log: Path):
    """gunicorn serving config.wsgi on 127.0.0.1:`port` until the block ends."""
    with log.open("w") as errors:
        server = subprocess.Popen(  # noqa: S603 - gunicorn with fixed arguments
            [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}",
             "--workers", "2", "--threads", "4", "--timeout", "60",
             # Idle kept-alive connections stay open for the whole run.
             "--keep-alive", "300",
             "--log-level", "warning"],
            cwd=BASE_DIR, env=env, stdout=subprocess.DEVNULL, stderr=errors)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(f"http://127.0.0.1:{port}/healthz", timeout=10)
                break
            except requests.RequestException:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise StageError(
                        f"gunicorn did not start:\n{log.read_text()[-3000:]}") from None
                time.sleep(0.3)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()


@contextmanager
def stage(timings: dict):
    """(base URL, environment, scratch folder) of a served, seeded portal; `timings` gets
    the seconds each set-up step took."""
    url = os.environ.get("DATABASE_URL", "")
    with throwaway_database(url) as database_url, \
            tempfile.TemporaryDirectory(prefix="attack-") as folder:
        scratch = Path(folder)
        port = free_port()
        env = environment(database_url, port, scratch)
        # The demo seeding acts as the demo agent, who has no second factor: production
        # settings (staff need one) would refuse it, so the set-up steps run under the
        # default settings against the same database; only the serving is production.
        setup_env = {**env, "DJANGO_ENV": "",
                     "DJANGO_SETTINGS_MODULE": "config.settings.development"}
        static = subprocess.Popen(
            [sys.executable, "manage.py", "collectstatic", "--noinput"], cwd=BASE_DIR, env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        for command in (("migrate", "--noinput"), ("createcachetable",), ("seed_demo",)):
            started = time.monotonic()
            manage(setup_env, *command)
            timings[command[0]] = round(time.monotonic() - started, 1)
        if static.wait():
            raise StageError(f"collectstatic failed:\n{static.stderr.read()[-3000:]}")
        with served(env, port, scratch / "gunicorn.log") as base_url:
            yield base_url, env, scratch
