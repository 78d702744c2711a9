"""`python manage.py bench`: measure the bench database against the budgets of DESIGN.md
section 10 and print ONE JSON object on stdout (progress goes to stderr). Exits 1 when a
budget is missed, or when the database is not a bench database.

Run it through `make bench`, which creates, migrates and seeds the bench database first.
`--budget-scale 0` (or BENCH_BUDGET_SCALE=0) sets every budget to zero: a run that must
fail, used by the self-test.
"""

import contextlib
import json
import os
import platform
import sys
import time
from datetime import UTC, datetime

import django
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection

from bench.common import NotABenchDatabase, read_metadata, refuse_and_exit, require_bench_database
from bench.measure import Bench
from bench.serve import measure_throughput


def _memory_gb() -> float | None:
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemTotal:"):
                    return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        return None
    return None


def _database_version() -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            return "PostgreSQL " + cursor.fetchone()[0].split()[0]
        cursor.execute("SELECT sqlite_version()")
        return "SQLite " + cursor.fetchone()[0]


class Command(BaseCommand):
    help = "Measure the bench database against the performance budgets; prints one JSON object."

    def add_arguments(self, parser):
        parser.add_argument("--budget-scale", type=float,
                            default=float(os.environ.get("BENCH_BUDGET_SCALE", "1")),
                            help="Multiply every budget (0 makes every budget fail).")
        parser.add_argument("--iterations", type=int, default=30,
                            help="Timed calls per page (after the warm-up).")
        parser.add_argument("--warmup", type=int, default=5, help="Untimed calls first.")
        parser.add_argument("--no-serve", action="store_true",
                            help="Skip the served throughput (gunicorn + wrk).")
        parser.add_argument("--duration", type=int, default=10,
                            help="Seconds of load per throughput target.")
        parser.add_argument("--server-side-binding", action="store_true",
                            help="What-if (PostgreSQL): measure the in-process figures with "
                            "psycopg's server-side binding, so repeated statements are "
                            "prepared and not planned again.")

    def handle(self, *args, **options):
        try:
            require_bench_database()
        except NotABenchDatabase as exc:
            refuse_and_exit(exc)
        if options["server_side_binding"] and connection.vendor == "postgresql":
            connection.close()
            connection.settings_dict.setdefault("OPTIONS", {})["server_side_binding"] = True
        meta = read_metadata()
        if not meta:
            sys.stderr.write("The bench database holds no bench data set: run "
                             "`manage.py seed_bench` first (`make bench` does).\n")
            sys.exit(1)
        stdout = sys.stdout
        started = time.monotonic()
        # Only the JSON goes to stdout: anything else printed on the way (a console email
        # backend, a library) goes to stderr.
        with contextlib.redirect_stdout(sys.stderr):
            report = self.measure(meta, options)
        report["meta"]["took_s"] = round(time.monotonic() - started, 1)
        # Other work on the machine inflates the times: the load says how much there was.
        report["meta"]["machine"]["load_average_at_end"] = [round(x, 2)
                                                            for x in os.getloadavg()]
        stdout.write(json.dumps(report, indent=2, default=str) + "\n")
        stdout.flush()
        if not report["ok"]:
            sys.stderr.write("Budgets missed: " + ", ".join(report["failed"]) + "\n")
            sys.exit(1)

    def measure(self, meta: dict, options) -> dict:
        out = sys.stderr
        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
        bench = Bench(meta, budget_scale=options["budget_scale"],
                      iterations=options["iterations"], warmup=options["warmup"], out=out)
        report: dict = {"meta": {
            "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "database": _database_version(),
            "machine": {"nproc": os.cpu_count(), "memory_gb": _memory_gb(),
                        "platform": platform.platform(),
                        "load_average_at_start": [round(x, 2) for x in os.getloadavg()]},
            "python": platform.python_version(), "django": django.get_version(),
            "debug": settings.DEBUG,
            "server_side_binding": bool(
                connection.settings_dict.get("OPTIONS", {}).get("server_side_binding")),
            "data_set": {k: meta.get(k) for k in ("requests", "seed", "anchor", "rows",
                                                   "seeded_in_s")},
            "budget_scale": options["budget_scale"], "budgets": bench.budgets,
        }}
        bench.refresh()
        out.write("Counting SQL queries per page ...\n")
        report["queries"] = bench.measure_queries()
        out.write("Timing pages in-process ...\n")
        report["timings_ms"] = bench.measure_timings()
        out.write("SLA sweep ...\n")
        report["sla_sweep"], sweep_queries = bench.measure_sweep()
        out.write("Feedback dispatch ...\n")
        report["feedback_dispatch"], dispatch_queries = bench.measure_dispatch()
        out.write("Query plans ...\n")
        report["explain"] = {
            "sweep": bench.explain("sweep", sweep_queries,
                                   missing=bool(report["sla_sweep"].get("missing"))),
            "dispatch": bench.explain("dispatch", dispatch_queries),
        }
        if options["no_serve"]:
            report["throughput"] = {"skipped": "--no-serve"}
        else:
            out.write("Served throughput ...\n")
            report["throughput"] = self.throughput(bench, options["duration"])
        report["failed"] = bench.failed
        report["ok"] = not bench.failed
        return report

    def throughput(self, bench: Bench, duration: int) -> dict:
        from accounts.models import ApiToken

        session = bench.client("company_many_admin").cookies[settings.SESSION_COOKIE_NAME].value
        user = bench.users["home_many"]
        ApiToken.objects.filter(user=user, name="bench").delete()
        key = ApiToken.generate_key()
        ApiToken.objects.create(user=user, name="bench", prefix=key[:ApiToken.PREFIX_LENGTH],
                                key_hash=ApiToken.hash_key(key))
        pages = bench.pages()
        detail = pages["request_detail"][1][1]
        cookie = {"Cookie": f"{settings.SESSION_COOKIE_NAME}={session}"}
        return measure_throughput({
            "healthz": ("/healthz", {}),
            "request_detail": (detail, cookie),
            "api_request_list": ("/api/v1/requests/?page_size=50",
                                 {"Authorization": f"Token {key}"}),
        }, duration=duration, out=sys.stderr)
