"""The page measurements of `manage.py bench`: the calibration page, SQL query counts and
in-process timings (Django test client, signed in with force_login), each timed page as a
multiple of the calibration. The background work is in `bench.jobs`.

Every figure goes with its budget and an `ok`; a page that is not there (404) is a
failed budget with `"missing": true`, so the harness runs against whatever exists.
"""

from __future__ import annotations

import statistics
import time
from datetime import timedelta

from django.db import connection
from django.db.models import F
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from . import budgets
from .calibration import CALIBRATION_PATH
from .jobs import Jobs
from .pages import TIMED, pages
from .statements import repeated_queries

# Who signs in to the calibration page: a customer, as most visitors are.
CALIBRATION_USER = "home_one"
# A calibration that moved more than this between the start and the end of a run is noted.
CALIBRATION_DRIFT = 0.25
# Each timed page is timed in this many rounds, each after a block of calibration calls.
CALIBRATION_ROUNDS = 5
CALIBRATION_BLOCK = 10


def _p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.95 * len(ordered)) - 1)]


class Bench(Jobs):
    def __init__(self, meta: dict, *, budget_scale: float = 1.0, iterations: int = 30,
                 warmup: int = 5, out=None):
        from accounts.models import User

        self.meta = meta
        self.budgets = budgets.scaled(budget_scale)
        self.iterations = iterations
        self.warmup = warmup
        self.out = out
        self.failed: list[str] = []
        keys = ("home_one", "home_many", "home_few", "company_one_admin",
                "company_many_admin", "company_few_admin", "supervisor", "agent")
        users = {u.email: u for u in User.objects.filter(email__in=[meta[k] for k in keys])}
        self.users = {key: users[meta[key]] for key in keys}
        self._clients: dict[str, Client] = {}
        self._pages: dict | None = None
        self.calibration_ms: float | None = None

    def refresh(self) -> None:
        """The data set's times count back from its anchor; surveys that were waiting for
        an answer at the anchor are made to wait (unexpired) at the time of this run."""
        from datetime import datetime

        from feedback.models import FeedbackRequest

        anchor = datetime.fromisoformat(self.meta["anchor"])
        shift = max(timezone.now() - anchor, timedelta(0))
        (FeedbackRequest.objects
         .filter(answered_at__isnull=True, created_at__gt=anchor - timedelta(days=30),
                 created_at__lte=anchor)
         .update(expires_at=F("created_at") + (shift + timedelta(days=30))))

    def log(self, text: str) -> None:
        if self.out is not None:
            self.out.write(text + "\n")
            self.out.flush()

    def fail(self, name: str) -> None:
        self.failed.append(name)

    def client(self, who: str) -> Client:
        if who not in self._clients:
            client = Client(HTTP_HOST="127.0.0.1")
            client.force_login(self.users[who])
            self._clients[who] = client
        return self._clients[who]

    def pages(self) -> dict:
        if self._pages is None:
            self._pages = pages(self.meta)
        return self._pages

    def _get(self, who: str, url: str):
        """(status, error, response) of one GET."""
        try:
            response = self.client(who).get(url)
        except Exception as exc:  # a page that crashes is a finding, not a harness failure
            return 500, f"{type(exc).__name__}: {exc}".splitlines()[0][:300], None
        return response.status_code, None, response

    def _time(self, who: str, url: str) -> float:
        started = time.perf_counter()
        self._get(who, url)
        return (time.perf_counter() - started) * 1000

    # Calibration ---------------------------------------------------------------------------

    def _calibration_samples(self, n: int | None = None) -> list[float]:
        return [self._time(CALIBRATION_USER, CALIBRATION_PATH)
                for _ in range(n or max(60, 2 * self.iterations))]

    def between_calibrations(self, job):
        """(`job()`, the calibration then): a job that runs for seconds is judged against
        the mean of a short calibration block before it and one after; None without a
        calibration."""
        if self.calibration_ms is None:
            return job(), None
        before = statistics.median(self._calibration_samples(CALIBRATION_BLOCK * 2))
        result = job()
        after = statistics.median(self._calibration_samples(CALIBRATION_BLOCK * 2))
        return result, (before + after) / 2

    def _timed_with_calibration(self, who: str, url: str) -> tuple[list[float], list[float]]:
        """(page samples, calibration samples) taken in turns: a block of calibration
        calls, a few page calls, and again, so both medians come from the same stretch of
        time and a change of load moves both alike. The first calibration calls after a
        heavy page run slower (cold caches, by the look of it); in a block of 10 the
        median is the warm one, as in the first calibration."""
        rounds = max(1, min(CALIBRATION_ROUNDS, self.iterations))
        samples: list[float] = []
        calibration: list[float] = []
        for round_ in range(rounds):
            calibration += self._calibration_samples(CALIBRATION_BLOCK)
            share = self.iterations * (round_ + 1) // rounds - len(samples)
            samples += [self._time(who, url) for _ in range(share)]
        return samples, calibration

    def measure_calibration(self) -> dict:
        """The calibration page, timed first and at length; every ratio of the run is to
        its median. Without it no time budget can be judged, so each of them fails."""
        status, error, _response = self._get(CALIBRATION_USER, CALIBRATION_PATH)
        entry: dict = {"path": CALIBRATION_PATH, "who": CALIBRATION_USER}
        if status != 200:
            entry.update(ok=False, status=status, error=error or "the page did not answer 200")
            self.fail("calibration")
            return entry
        with CaptureQueriesContext(connection) as ctx:
            self._get(CALIBRATION_USER, CALIBRATION_PATH)
        # Read now: the next request clears the connection's query log.
        statements = [q["sql"][:80] for q in ctx.captured_queries]
        for _ in range(self.warmup * 4):
            self._get(CALIBRATION_USER, CALIBRATION_PATH)
        samples = self._calibration_samples()
        self.calibration_ms = statistics.median(samples)
        entry.update(median_ms=round(self.calibration_ms, 3), p95_ms=round(_p95(samples), 3),
                     min_ms=round(min(samples), 3), n=len(samples), ok=True,
                     queries=len(statements), statements=statements)
        return entry

    def recheck_calibration(self, entry: dict) -> None:
        """The calibration once more at the end of the run, for the record: a large drift
        means the load on the machine changed while the pages were timed."""
        if self.calibration_ms is None:
            return
        again = statistics.median(self._calibration_samples())
        drift = again / self.calibration_ms - 1
        entry["at_end"] = {"median_ms": round(again, 3), "drift": f"{drift:+.0%}"}
        if abs(drift) > CALIBRATION_DRIFT:
            entry["at_end"]["note"] = ("the calibration moved by more than "
                                       f"{CALIBRATION_DRIFT:.0%} during the run: the load "
                                       "changed, so the ratios are rough")

    # Query counts --------------------------------------------------------------------------

    def count_queries(self, who: str, url: str) -> dict:
        status, error, _response = self._get(who, url)  # warm: sessions, caches, templates
        if status == 404:
            return {"status": 404, "missing": True}
        with CaptureQueriesContext(connection) as ctx:
            status, error, _response = self._get(who, url)
        result = {"status": status, "queries": len(ctx.captured_queries),
                  "captured": ctx.captured_queries}
        if error:
            result["error"] = error
        return result

    def measure_queries(self) -> dict:
        budget = self.budgets["queries"]
        results = {}
        for name, (small, large, note) in self.pages().items():
            self.log(f"  queries: {name}")
            a = self.count_queries(*small)
            b = self.count_queries(*large)
            entry: dict = {"1_row": a.get("queries"), "50_rows": b.get("queries"),
                           "budget": budget}
            if note:
                entry["note"] = note
            if a.get("missing") or b.get("missing"):
                entry.update(ok=False, missing=True,
                             note=f"missing: {small[1] if a.get('missing') else large[1]} "
                             "answers 404 (page not built yet)")
            elif a["status"] != 200 or b["status"] != 200:
                entry.update(ok=False, status=[a["status"], b["status"]],
                             error=a.get("error") or b.get("error")
                             or "the page did not answer 200")
            else:
                flat = a["queries"] == b["queries"]
                entry["ok"] = flat and a["queries"] <= budget and b["queries"] <= budget
                if not flat:
                    entry["growth"] = repeated_queries(b["captured"], a["captured"])
                elif b["queries"] > budget:
                    entry["repeated"] = repeated_queries(b["captured"])
            if not entry["ok"]:
                self.fail(f"queries.{name}")
            results[name] = entry
        return results

    # Timings -------------------------------------------------------------------------------

    def measure_timings(self) -> dict:
        """Each timed page against its budget, a multiple of the calibration median timed
        in turns with it."""
        results = {}
        for name, page in TIMED.items():
            who, url = self.pages()[page][1]
            budget = self.budgets["page_x_calibration"][name]
            self.log(f"  timing: {name}")
            status, error, _response = self._get(who, url)
            entry: dict = {"path": url, "budget_x": budget}
            if status != 200 or self.calibration_ms is None:
                entry.update(median_ms=None, ok=False)
                if self.calibration_ms is None:
                    entry["error"] = "no calibration: no ratio to judge"
                elif status == 404:
                    entry.update(missing=True, note=f"missing: {url} answers 404")
                else:
                    entry.update(status=status, error=error or "not 200")
                results[name] = entry
                self.fail(f"timings.{name}")
                continue
            for _ in range(self.warmup):
                self._get(who, url)
            samples, calibration_samples = self._timed_with_calibration(who, url)
            median = statistics.median(samples)
            calibration = statistics.median(calibration_samples)
            ratio = median / calibration
            entry.update(median_ms=round(median, 2), p95_ms=round(_p95(samples), 2),
                         calibration_ms=round(calibration, 3), x_calibration=round(ratio, 2),
                         budget_ms=round(budget * calibration, 2), ok=ratio <= budget,
                         n=len(samples))
            if not entry["ok"]:
                self.fail(f"timings.{name}")
                entry["one_call"] = self._one_call(who, url)
            results[name] = entry
        return results

    def _one_call(self, who: str, url: str) -> dict:
        """Where one call of a page over its budget spends its time."""
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            self._get(who, url)
            total = (time.perf_counter() - started) * 1000
        spent = sorted(ctx.captured_queries, key=lambda q: -float(q["time"]))
        return {
            "total_ms": round(total, 1),
            "sql_ms": round(sum(float(q["time"]) for q in spent) * 1000, 1),
            "slowest_sql": [{"ms": round(float(q["time"]) * 1000, 1), "sql": q["sql"][:400]}
                            for q in spent[:3]],
        }
