"""What `seed_bench` and `bench` share: the rule that they only ever touch a bench
database, where the bench data set keeps its description, and the bench database's URL.

The bench database is its own: `<name>_bench` on PostgreSQL, a file named
`bench.sqlite3` on SQLite. Both commands refuse any other, so they can never write into
the database `make run` uses.
"""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

BENCH_SUFFIX = "_bench"
BENCH_SQLITE_NAME = "bench.sqlite3"
BENCH_DOMAIN = "bench.example"
META_ACTION = "bench.seeded"
# Bumped when the shape of the data set changes, so an older bench database is re-seeded.
# 3: the staff search's documents (helpdesk.requests.search) are built after the bulk load.
DATASET_VERSION = 3


class NotABenchDatabase(Exception):
    pass


def bench_database_problem(database: dict) -> str | None:
    """Why `database` (a DATABASES entry) is not a bench database, or None when it is."""
    engine = database.get("ENGINE", "")
    name = str(database.get("NAME") or "")
    if engine == "django.db.backends.postgresql":
        if name.endswith(BENCH_SUFFIX):
            return None
        return (f"the database is {name!r}; the benchmark runs only in a database whose "
                f"name ends with {BENCH_SUFFIX!r} (e.g. {name + BENCH_SUFFIX!r})")
    if engine == "django.db.backends.sqlite3":
        if Path(name).name == BENCH_SQLITE_NAME:
            return None
        return (f"the database is {name!r}; the benchmark runs only in a SQLite file named "
                f"{BENCH_SQLITE_NAME!r}")
    return f"the database engine {engine!r} is not supported by the benchmark"


def require_bench_database() -> None:
    from django.conf import settings

    problem = bench_database_problem(settings.DATABASES["default"])
    if problem:
        raise NotABenchDatabase(
            f"Refusing to run: {problem}. Point DATABASE_URL at the bench database "
            "(`make bench` does it for you).")


def refuse_and_exit(exc: Exception) -> None:
    sys.stderr.write(f"{exc}\n")
    sys.exit(1)


def read_metadata() -> dict | None:
    """The description `seed_bench` left of the data set, or None."""
    from accounts.models import AuditEvent

    event = (AuditEvent.objects.filter(action=META_ACTION).order_by("-pk")
             .values_list("data", flat=True).first())
    return event or None


def write_metadata(data: dict) -> None:
    from accounts.models import AuditEvent

    AuditEvent.objects.filter(action=META_ACTION).delete()
    AuditEvent.objects.create(action=META_ACTION, object_type="bench",
                              object_repr=f"bench data set ({data.get('requests')} requests)",
                              data=data)


@contextmanager
def broker_publishing_disabled():
    """Outbox rows are written, but nothing is handed to the broker: seeding and the
    measured runs never reach a worker (the rows stay pending)."""
    from notifications.tasks import deliver_notification

    with mock.patch.object(deliver_notification, "apply_async", lambda *a, **k: None):
        yield


# The bench DATABASE_URL (used by `make bench`) ------------------------------------------

def bench_database_url(url: str | None, base_dir: Path) -> str:
    """The bench database next to the one `url` names: on the same PostgreSQL server with
    `_bench` appended to the name, else the SQLite file bench.sqlite3 in `base_dir`."""
    from urllib.parse import urlsplit, urlunsplit

    if url and url.split(":", 1)[0] in {"postgres", "postgresql", "pgsql", "postgis"}:
        parts = urlsplit(url)
        name = parts.path.lstrip("/") or "postgres"
        if not name.endswith(BENCH_SUFFIX):
            name += BENCH_SUFFIX
        return urlunsplit(parts._replace(path="/" + name))
    return f"sqlite:///{base_dir / BENCH_SQLITE_NAME}"


def ensure_postgres_database(url: str) -> bool:
    """Create the PostgreSQL database `url` names when it does not exist; True if created."""
    from urllib.parse import unquote, urlsplit, urlunsplit

    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = unquote(parts.path.lstrip("/"))
    maintenance = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                              [name]).fetchone()
        if exists:
            return False
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return True


def drop_postgres_database(url: str) -> None:
    from urllib.parse import unquote, urlsplit, urlunsplit

    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = unquote(parts.path.lstrip("/"))
    if not name.endswith(BENCH_SUFFIX):
        raise NotABenchDatabase(f"will not drop {name!r}: not a bench database")
    maintenance = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(name)))


def main() -> None:
    """`python -m bench.common`: print the bench DATABASE_URL derived from $DATABASE_URL,
    creating the PostgreSQL database if needed."""
    base_dir = Path(__file__).resolve().parents[1]
    url = bench_database_url(os.environ.get("DATABASE_URL"), base_dir)
    if url.startswith("sqlite"):
        sys.stderr.write(f"Bench database: {base_dir / BENCH_SQLITE_NAME} (SQLite)\n")
    else:
        try:
            created = ensure_postgres_database(url)
        except Exception as exc:
            sys.stderr.write(f"Cannot reach or create the bench database: {exc}\n")
            sys.exit(1)
        shown = url.rsplit("@", 1)[-1]
        sys.stderr.write(f"Bench database: {shown} ({'created' if created else 'exists'})\n")
    print(url)


if __name__ == "__main__":
    main()
