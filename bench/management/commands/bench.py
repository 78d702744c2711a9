"""`python manage.py bench`: measure the bench database against the budgets of DESIGN.md
section 10 and print ONE JSON object on stdout (progress goes to stderr). Exits 1 when a
budget is missed, or when the database is not a bench database.

Run it through `make bench`, which creates, migrates and seeds the bench database first.
The calibration page is timed first; every time budget is a multiple of its median
(`bench.budgets`). With `--peer FOLDER` the peer's harness runs first and the `vs_peer`
ratios count as budgets (also with `--peer-result FILE`, a result saved earlier); with
`--compare BASE.json` each page's ratio is checked against a base run's (growth).
`--budget-scale 0` (or BENCH_BUDGET_SCALE=0) makes every budget fail: a run that must
fail, used by the self-test.
"""

import contextlib
import json
import os
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import django
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection
from django.test.utils import override_settings

from bench import budgets
from bench.common import (
    NotABenchDatabase,
    read_metadata,
    refuse_and_exit,
    require_bench_database,
)
from bench.compare import compare
from bench.measure import Bench
from bench.peer import PeerError, load_peer, run_peer, versus_peer
from bench.serve import measure_throughput

# The product's URLconf plus the calibration page, in this process only.
BENCH_URLCONF = "bench.urls"


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


def _load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


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
        parser.add_argument("--peer", default="",
                            help="Folder of the peer's harness: run its run.sh first and "
                            "compare (the vs_peer targets become budgets).")
        parser.add_argument("--peer-result", default="",
                            help="A peer result saved earlier (JSON), instead of --peer.")
        parser.add_argument("--compare", default="",
                            help="A report of an earlier run (JSON): each page's ratio to "
                            "the calibration must stay within the growth tolerance of it.")
        parser.add_argument("--save", default="",
                            help="Also write the report to this file (and, with --peer, "
                            "the peer's result next to it as peer-result.json).")
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
        base = None
        if options["compare"]:
            try:
                base = json.loads(Path(options["compare"]).read_text())
            except (OSError, ValueError) as exc:
                sys.stderr.write(f"Cannot read the base report {options['compare']!r}: {exc}\n")
                sys.exit(1)
        stdout = sys.stdout
        started = time.monotonic()
        # Only the JSON goes to stdout: anything else printed on the way (a console email
        # backend, a library, the peer's harness) goes to stderr.
        with contextlib.redirect_stdout(sys.stderr):
            peer = self.peer(options)
            with override_settings(ROOT_URLCONF=BENCH_URLCONF):
                report = self.measure(meta, options)
            self.side_by_side(report, peer, options)
            if base is not None:
                self.growth(report, base, options["compare"])
        report["meta"]["took_s"] = round(time.monotonic() - started, 1)
        # Other work on the machine inflates the times: the load says how much there was.
        report["meta"]["machine"]["load_average_at_end"] = _load_average()
        report["ok"] = not report["failed"]
        text = json.dumps(report, indent=2, default=str) + "\n"
        if options["save"]:
            self.save(options["save"], text, peer)
        stdout.write(text)
        stdout.flush()
        if not report["ok"]:
            sys.stderr.write("Budgets missed: " + ", ".join(report["failed"]) + "\n")
            sys.exit(1)

    # The peer ------------------------------------------------------------------------------

    def peer(self, options) -> dict | None:
        """The peer's result: its harness run now (right before our measurements), or a
        result saved earlier; None when neither is given."""
        if options["peer"]:
            sys.stderr.write(f"Running the peer's harness ({options['peer']}/run.sh) ...\n")
            source = f"{options['peer']}/run.sh, run right before"
            try:
                return {"data": run_peer(options["peer"], stderr=sys.stderr), "source": source}
            except PeerError as exc:
                return {"error": str(exc), "source": source}
        if options["peer_result"]:
            source = f"saved result {options['peer_result']}"
            try:
                return {"data": load_peer(options["peer_result"]), "source": source}
            except PeerError as exc:
                return {"error": str(exc), "source": source}
        return None

    def side_by_side(self, report: dict, peer: dict | None, options) -> None:
        """The vs_peer block; its targets are budgets only when a peer result was given."""
        if peer is None:
            report["vs_peer"] = {"skipped": "no peer result given: make bench "
                                 "PEER=<folder of the peer harness> (or PEER_RESULT=<file>)"}
            return
        if "error" in peer:
            report["vs_peer"] = {"ok": False, "source": peer["source"], "error": peer["error"]}
            report["failed"].append("vs_peer")
            return
        block = versus_peer(report, peer["data"], self.budgets["vs_peer_at_least"],
                            source=peer["source"])
        for name, entry in block["comparisons"].items():
            if entry.get("ok") is False:
                report["failed"].append(f"vs_peer.{name}")
        block["ok"] = all(e.get("ok") is not False for e in block["comparisons"].values())
        report["vs_peer"] = block

    def growth(self, report: dict, base: dict, path: str) -> None:
        block = compare(base, report, tolerance=self.budgets["growth_tolerance"])
        block["base"]["file"] = path
        for name, entry in block["pages"].items():
            if not entry["ok"]:
                report["failed"].append(f"growth.{name}")
        if not block["pages"]:
            report["failed"].append("growth")
        report["growth"] = block

    def save(self, path: str, text: str, peer: dict | None) -> None:
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
        sys.stderr.write(f"Report saved to {target}\n")
        if peer and "data" in peer and peer["source"].endswith("run right before"):
            saved = target.parent / "peer-result.json"
            saved.write_text(json.dumps(peer["data"], indent=2) + "\n")
            sys.stderr.write(f"The peer's result saved to {saved} (reuse: PEER_RESULT=...)\n")

    # Our measurements ----------------------------------------------------------------------

    def measure(self, meta: dict, options) -> dict:
        out = sys.stderr
        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
        bench = Bench(meta, budget_scale=options["budget_scale"],
                      iterations=options["iterations"], warmup=options["warmup"], out=out)
        self.budgets = bench.budgets
        report: dict = {"meta": {
            "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "database": _database_version(),
            "machine": {"nproc": os.cpu_count(), "memory_gb": _memory_gb(),
                        "platform": platform.platform(),
                        "load_average_at_start": _load_average()},
            "python": platform.python_version(), "django": django.get_version(),
            "debug": settings.DEBUG,
            "server_side_binding": bool(
                connection.settings_dict.get("OPTIONS", {}).get("server_side_binding")),
            "data_set": {k: meta.get(k) for k in ("requests", "seed", "anchor", "rows",
                                                   "seeded_in_s")},
            "budget_scale": options["budget_scale"],
            "budgets": budgets.json_safe(bench.budgets),
        }}
        bench.refresh()
        out.write("Timing the calibration page ...\n")
        report["calibration"] = bench.measure_calibration()
        out.write("Counting SQL queries per page ...\n")
        report["queries"] = bench.measure_queries()
        out.write("Timing pages in-process ...\n")
        report["timings"] = bench.measure_timings()
        out.write("SLA sweep ...\n")
        report["sla_sweep"], sweep_queries = bench.measure_sweep()
        out.write("Feedback dispatch ...\n")
        report["feedback_dispatch"], dispatch_queries = bench.measure_dispatch()
        report["inbound_email"] = bench.measure_inbound_email()
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
        bench.recheck_calibration(report["calibration"])
        report["failed"] = bench.failed
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
