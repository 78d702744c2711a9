"""`python manage.py seed_bench --requests N`: the benchmark's data set, in its own database.

Refuses (exit 1) unless the database is a bench database (`<name>_bench` on PostgreSQL,
`bench.sqlite3` on SQLite). A bench database that already holds the same data set (same
number of requests, seed and DATASET_VERSION) is reused as it is; otherwise it is emptied
(migrated again from zero) and seeded. See `bench/seed.py` for what is made.
"""

import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from bench.common import (
    DATASET_VERSION,
    NotABenchDatabase,
    read_metadata,
    refuse_and_exit,
    require_bench_database,
)
from bench.seed import Seeder, default_anchor


def _tables_exist() -> bool:
    return "accounts_auditevent" in connection.introspection.table_names()


def empty_bench_database(out) -> None:
    """Back to a freshly migrated, empty database (only ever called on a bench database)."""
    require_bench_database()
    out.write("Emptying the bench database and migrating it again ...\n")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE")
            cursor.execute("CREATE SCHEMA public")
    else:
        name = Path(settings.DATABASES["default"]["NAME"])
        connection.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{name}{suffix}").unlink(missing_ok=True)
    call_command("migrate", interactive=False, verbosity=0, stdout=out)
    call_command("createcachetable", stdout=out)


class Command(BaseCommand):
    help = ("Seed the benchmark data set (deterministic) into the bench database; reuses it "
            "when it already holds the same data set.")

    def add_arguments(self, parser):
        parser.add_argument("--requests", type=int, default=100_000,
                            help="Number of support requests (default 100,000).")
        parser.add_argument("--seed", type=int, default=2026, help="Random seed.")
        parser.add_argument("--anchor", default="",
                            help="Date (YYYY-MM-DD) the data set's times count back from; "
                            "default: today (UTC).")
        parser.add_argument("--reuse", action="store_true", default=True,
                            help="Keep a bench database that already holds this data set "
                            "(the default).")
        parser.add_argument("--fresh", dest="reuse", action="store_false",
                            help="Empty the bench database and seed it again.")
        parser.add_argument("--no-progress", action="store_true",
                            help="No progress bar.")

    def handle(self, *args, **options):
        try:
            require_bench_database()
        except NotABenchDatabase as exc:
            refuse_and_exit(exc)
        n = options["requests"]
        if n < 1:
            raise CommandError("--requests must be at least 1.")
        out = sys.stderr
        if not _tables_exist():
            raise CommandError("The bench database is not migrated: run `manage.py migrate` "
                               "first (`make bench` does).")
        call_command("createcachetable", stdout=out)  # the database cache, when used
        if options["anchor"]:
            anchor = datetime.fromisoformat(options["anchor"]).replace(tzinfo=UTC)
        else:
            anchor = default_anchor()

        from helpdesk.models import SupportRequest

        meta = read_metadata()
        same = bool(meta) and meta.get("version") == DATASET_VERSION and (
            meta.get("requests") == n and meta.get("seed") == options["seed"]
            and (not options["anchor"] or meta.get("anchor") == anchor.isoformat()))
        if options["reuse"] and same and SupportRequest.objects.count() >= n:
            out.write(f"Bench database already holds {n:,} requests (seed {meta['seed']}, "
                      f"anchor {meta['anchor'][:10]}): reusing it.\n")
            return
        if meta or SupportRequest.objects.exists():
            empty_bench_database(out)
        started = time.monotonic()
        out.write(f"Seeding {n:,} requests (seed {options['seed']}, anchor "
                  f"{anchor.date()}) into {connection.vendor} ...\n")
        result = Seeder(requests=n, seed=options["seed"], anchor=anchor, out=out,
                        progress=not options["no_progress"]).run()
        rows = ", ".join(f"{label.split('.')[-1]} {count:,}"
                         for label, count in result["rows"].items())
        out.write(f"Seeded in {time.monotonic() - started:.1f} s: {rows}.\n")
