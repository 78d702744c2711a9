"""The measurements of `manage.py bench`: SQL query counts and in-process timings of the
pages (Django test client, signed in with force_login), the SLA sweep, the
post-resolution feedback dispatch, and the query plans of those two.

Every figure goes with its budget and an `ok`; a page that is not there (404) is a
failed budget with `"missing": true`, so the harness runs against whatever exists.
"""

from __future__ import annotations

import contextlib
import re
import statistics
import time
import traceback
from collections import Counter
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.db.models import F, Q
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from .common import broker_publishing_disabled

REQUESTS_TABLE = "helpdesk_supportrequest"
BUDGETS = {
    "queries": 15,          # SQL queries per page, whatever the number of rows
    "median_ms": 40.0,      # in-process median of the timed pages
    "sla_sweep_s": 2.0,     # the SLA sweep over all open requests
    "dispatch_s": 20.0,     # post-resolution feedback dispatch of 10,000 requests
}


def scaled_budgets(scale: float) -> dict:
    return {
        "queries": int(BUDGETS["queries"] * scale),
        "median_ms": round(BUDGETS["median_ms"] * scale, 3),
        "sla_sweep_s": round(BUDGETS["sla_sweep_s"] * scale, 3),
        "dispatch_s": round(BUDGETS["dispatch_s"] * scale, 3),
    }


_NUMBER = re.compile(r"\b\d+(\.\d+)?\b")
_STRING = re.compile(r"'(?:[^']|'')*'")
_IN_LIST = re.compile(r"IN \((?:[^()]|\([^()]*\))*\)")


def query_shape(sql: str) -> str:
    """The SQL with literals taken out, so the same statement for another row looks the
    same: what an N+1 repeats."""
    shape = _STRING.sub("?", sql)
    shape = _IN_LIST.sub("IN (...)", shape)
    return _NUMBER.sub("?", shape)


def repeated_queries(queries: list[dict], baseline: list[dict] | None = None,
                     limit: int = 5) -> list[dict]:
    """Statements run more than once (more often than in `baseline`), most repeated first,
    each with one example."""
    counts = Counter(query_shape(q["sql"]) for q in queries)
    base = Counter(query_shape(q["sql"]) for q in baseline or [])
    example = {}
    for q in queries:
        example.setdefault(query_shape(q["sql"]), q["sql"])
    grown = [(shape, n) for shape, n in counts.items()
             if n > 1 and (baseline is None or n > base.get(shape, 0))]
    grown.sort(key=lambda item: -item[1])
    return [{"times": n, "was": base.get(shape, 0) if baseline is not None else None,
             "sql": example[shape][:600]} for shape, n in grown[:limit]]


class StatementRecorder:
    """Counts every statement, and keeps the SELECTs on the requests table with their
    parameters (for EXPLAIN). Unlike CaptureQueriesContext it has no 9,000-query cap and
    no debug-cursor formatting cost."""

    def __init__(self):
        self.count = 0
        self.selects: dict[str, tuple[str, object]] = {}

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        if sql.lstrip()[:6].upper() == "SELECT" and REQUESTS_TABLE in sql:
            self.selects.setdefault(query_shape(sql), (sql, params))
        return execute(sql, params, many, context)

    @contextmanager
    def recording(self):
        with connection.execute_wrapper(self):
            yield self


@contextmanager
def locmem_email():
    previous = settings.EMAIL_BACKEND
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    try:
        yield
    finally:
        settings.EMAIL_BACKEND = previous


class Bench:
    def __init__(self, meta: dict, *, budget_scale: float = 1.0, iterations: int = 30,
                 warmup: int = 5, out=None):
        from accounts.models import User

        self.meta = meta
        self.budgets = scaled_budgets(budget_scale)
        self.iterations = iterations
        self.warmup = warmup
        self.out = out
        self.failed: list[str] = []
        keys = ("home_one", "home_many", "home_few", "company_one_admin",
                "company_many_admin", "company_few_admin", "supervisor", "agent")
        users = {u.email: u for u in User.objects.filter(email__in=[meta[k] for k in keys])}
        self.users = {key: users[meta[key]] for key in keys}
        self._clients: dict[str, Client] = {}

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

    # Pages ---------------------------------------------------------------------------------

    def pages(self) -> dict:
        """name -> ((who, url) with one row, (who, url) with many, note)."""
        from feedback.models import FeedbackResponse
        from helpdesk.models import SupportRequest
        from licensing.models import Licence

        m = self.meta
        one, many = m["company_one"], m["company_many"]
        small = SupportRequest.objects.get(reference=m["detail_small"])
        large = SupportRequest.objects.get(reference=m["detail_large"])
        solo_request = SupportRequest.objects.filter(company__slug=one).first()
        one_licence = Licence.objects.filter(company__slug=one).first()
        answered = (FeedbackResponse.objects.filter(feedback_request__support_request__isnull=False)
                    .select_related("feedback_request__support_request").order_by("pk").first())
        answered_ref = answered.feedback_request.support_request.reference if answered else "-"
        admin = "/admin/"
        return {
            "home_request_list": (("home_one", "/my/requests/"),
                                  ("home_many", "/my/requests/"), ""),
            "company_request_list": (("company_one_admin", f"/company/{one}/requests/"),
                                     ("company_many_admin", f"/company/{many}/requests/"),
                                     "company admin; 50 a page"),
            "request_detail": (
                ("company_many_admin", f"/company/{many}/requests/{small.reference}/"),
                ("company_many_admin", f"/company/{many}/requests/{large.reference}/"),
                "1 message vs 20 messages and 5 attachments"),
            "staff_dashboard": (("supervisor", admin), ("supervisor", admin),
                                "counts only: the same page twice"),
            "home_feedback_section": (("home_few", "/my/feedback/"),
                                      ("home_many", "/my/feedback/"),
                                      "one row in each list vs full pages"),
            "company_feedback_section": (
                ("company_few_admin", f"/company/{m['company_few']}/feedback/"),
                ("company_many_admin", f"/company/{many}/feedback/"),
                "one row in each list vs full pages"),
            "company_licences": (("company_one_admin", f"/company/{one}/licences/"),
                                 ("company_many_admin", f"/company/{many}/licences/"),
                                 "1 licence vs 60"),
            "admin_request_changelist": (
                ("supervisor", f"{admin}helpdesk/supportrequest/?q={solo_request.reference}"),
                ("supervisor", f"{admin}helpdesk/supportrequest/"), "search hit vs full page"),
            "admin_licence_changelist": (
                ("supervisor", f"{admin}licensing/licence/?q={one_licence.order_number}"),
                ("supervisor", f"{admin}licensing/licence/"), "search hit vs full page"),
            "admin_feedback_response_changelist": (
                ("supervisor", f"{admin}feedback/feedbackresponse/?q={answered_ref}"),
                ("supervisor", f"{admin}feedback/feedbackresponse/"),
                "search hit vs full page"),
            "admin_request_change": (
                ("supervisor", f"{admin}helpdesk/supportrequest/{small.pk}/change/"),
                ("supervisor", f"{admin}helpdesk/supportrequest/{large.pk}/change/"),
                "1 message vs 20 messages and 5 attachments"),
            "api_request_list": (("home_one", "/api/v1/requests/?page_size=50"),
                                 ("home_many", "/api/v1/requests/?page_size=50"), ""),
            "api_request_detail": (
                ("company_many_admin", f"/api/v1/requests/{small.reference}/"),
                ("company_many_admin", f"/api/v1/requests/{large.reference}/"),
                "1 message vs 20 messages and 5 attachments"),
        }

    def _get(self, who: str, url: str):
        """(status, error) of one GET."""
        try:
            response = self.client(who).get(url)
        except Exception as exc:  # a page that crashes is a finding, not a harness failure
            return 500, f"{type(exc).__name__}: {exc}".splitlines()[0][:300], None
        return response.status_code, None, response

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

    def measure_timings(self) -> dict:
        pages = self.pages()
        timed = {
            "company_request_list": pages["company_request_list"][1],
            "request_detail": pages["request_detail"][1],
            "api_request_list": pages["api_request_list"][1],
            "staff_dashboard": pages["staff_dashboard"][1],
        }
        budget = self.budgets["median_ms"]
        results = {}
        for name, (who, url) in timed.items():
            self.log(f"  timing: {name}")
            status, error, _response = self._get(who, url)
            if status != 200:
                entry = {"median": None, "p95": None, "budget": budget, "ok": False}
                if status == 404:
                    entry.update(missing=True, note=f"missing: {url} answers 404")
                else:
                    entry.update(status=status, error=error or "not 200")
                results[name] = entry
                self.fail(f"timings.{name}")
                continue
            for _ in range(self.warmup):
                self._get(who, url)
            samples = []
            for _ in range(self.iterations):
                started = time.perf_counter()
                self._get(who, url)
                samples.append((time.perf_counter() - started) * 1000)
            samples.sort()
            median = statistics.median(samples)
            p95 = samples[min(len(samples) - 1, round(0.95 * len(samples)) - 1)]
            entry = {"median": round(median, 1), "p95": round(p95, 1), "budget": budget,
                     "ok": median < budget, "n": len(samples)}
            if not entry["ok"]:
                self.fail(f"timings.{name}")
                with CaptureQueriesContext(connection) as ctx:
                    started = time.perf_counter()
                    self._get(who, url)
                    total = (time.perf_counter() - started) * 1000
                spent = sorted(ctx.captured_queries, key=lambda q: -float(q["time"]))
                entry["one_call"] = {
                    "total_ms": round(total, 1),
                    "sql_ms": round(sum(float(q["time"]) for q in spent) * 1000, 1),
                    "slowest_sql": [{"ms": round(float(q["time"]) * 1000, 1),
                                     "sql": q["sql"][:400]} for q in spent[:3]],
                }
            results[name] = entry
        return results

    # SLA sweep -----------------------------------------------------------------------------

    def reset_sla(self, now, due_share: float) -> dict:
        """Put the due times of the premium-plan requests that are running (new, open)
        around `now` again (the data set may be days old): `due_share` of them past their
        reminder instant or their due time (half each), the rest later; and forget the
        reminders and escalations of earlier runs. Returns what the sweep faces."""
        from helpdesk.models import SlaNotice, SupportRequest
        from notifications.models import Notification

        fields = {f.name for f in SupportRequest._meta.get_fields()}
        status = SupportRequest.Status
        SlaNotice.objects.all().delete()
        Notification.objects.filter(template__startswith="sla_",
                                    status=Notification.Status.PENDING).delete()
        running = SupportRequest.objects.filter(status__in=[status.NEW, status.OPEN],
                                                plan__is_paid=True)
        running.update(escalated_at=None, sla_state=SupportRequest.SlaState.ON_TRACK)
        buckets = 40
        due_buckets = round(due_share * buckets)
        for bucket in range(buckets):
            if bucket < due_buckets / 2:
                due = now - timedelta(minutes=30 + bucket)       # breached: escalation
            elif bucket < due_buckets:
                due = now + timedelta(minutes=50 + bucket)       # past its reminder
            else:
                due = now + timedelta(hours=3 + bucket)          # on track
            remind = due - timedelta(hours=1)
            later = {"resolution_due": due + timedelta(days=3)}
            if "resolution_remind_at" in fields:
                later["resolution_remind_at"] = due + timedelta(days=2)
            if "sla_check_at" in fields:
                later["sla_check_at"] = remind
            rows = running.alias(bucket=F("pk") % buckets).filter(bucket=bucket)
            new = {"first_response_due": due, "next_response_due": None, **later}
            opened = {"next_response_due": due, **later}
            if "first_response_remind_at" in fields:
                new["first_response_remind_at"] = remind
                new["next_response_remind_at"] = None
                opened["next_response_remind_at"] = remind
            rows.filter(status=status.NEW).update(**new)
            rows.filter(status=status.OPEN).update(**opened)
        active = SupportRequest.objects.filter(status__in=SupportRequest.ACTIVE_STATUSES)
        due_q = Q(first_response_due__isnull=False) | Q(next_response_due__isnull=False) | Q(
            resolution_due__isnull=False)
        facing = {"open_requests": active.count(),
                  "with_due_times": active.filter(due_q).count()}
        if "sla_check_at" in fields:
            facing["due_items"] = SupportRequest.objects.filter(sla_check_at__lte=now).count()
        return facing

    def _sweep_run(self, sweep, due_share: float, capture: bool = False) -> dict:
        from helpdesk.models import SlaNotice

        entry = self.reset_sla(timezone.now(), due_share)
        # Timed runs record nothing, so the figure is the task's own.
        recorder = StatementRecorder()
        ctx = recorder.recording() if capture else contextlib.nullcontext()
        with broker_publishing_disabled(), locmem_email(), ctx:
            started = time.perf_counter()
            result = sweep()
            entry["seconds"] = round(time.perf_counter() - started, 3)
        entry["result"] = result if isinstance(result, int | float | str) else repr(result)
        entry["notices_written"] = SlaNotice.objects.count()
        if capture:
            entry["queries"] = recorder.count
            entry["recorder"] = recorder
        return entry

    def measure_sweep(self, due_share: float = 0.05) -> tuple[dict, StatementRecorder | None]:
        """One run of the beat task with `due_share` of the running premium requests due
        (the figure against the budget); for the record, one with nothing due (the cost of
        finding out) and one with a quarter due (a backlog, e.g. after an outage).
        Delivery is deferred, as for the dispatch."""
        budget = self.budgets["sla_sweep_s"]
        try:
            from helpdesk import tasks
            sweep = tasks.sweep_sla
        except (ImportError, AttributeError):
            self.fail("sla_sweep")
            return {"seconds": None, "budget": budget, "ok": False, "missing": True,
                    "note": "missing: helpdesk.tasks.sweep_sla does not exist yet"}, None
        entry: dict = {"budget": budget, "due_share": due_share,
                       "delivery": "deferred (outbox rows written, broker publish stubbed)"}
        try:
            idle = self._sweep_run(sweep, 0.0)
            backlog = self._sweep_run(sweep, 0.25)
            entry.update(self._sweep_run(sweep, due_share))
            keys = ("seconds", "due_items", "result")
            entry["nothing_due"] = {k: idle[k] for k in keys if k in idle}
            entry["backlog_quarter_due"] = {k: backlog[k] for k in keys if k in backlog}
            if entry.get("due_items"):
                entry["ms_per_due_item"] = round(
                    1000 * (entry["seconds"] - idle["seconds"]) / entry["due_items"], 2)
            captured = self._sweep_run(sweep, due_share, capture=True)
            entry["queries"] = captured["queries"]
        except Exception as exc:
            self.log(traceback.format_exc())
            entry.update(ok=False, error=f"{type(exc).__name__}: {exc}"[:300])
            self.fail("sla_sweep")
            return entry, None
        entry["ok"] = entry["seconds"] < budget
        if not entry["ok"]:
            self.fail("sla_sweep")
        return entry, captured["recorder"]

    # Feedback dispatch -------------------------------------------------------------------

    def reset_dispatch(self, now) -> int:
        from feedback.models import FeedbackRequest
        from helpdesk.models import SupportRequest
        from notifications.models import Notification

        cohort = self.meta.get("dispatch") or {}
        if not cohort.get("count"):
            return 0
        ids = (cohort["first_pk"], cohort["last_pk"])
        FeedbackRequest.objects.filter(support_request__gte=ids[0],
                                       support_request__lte=ids[1]).delete()
        Notification.objects.filter(template="feedback_request").delete()
        return SupportRequest.objects.filter(pk__range=ids).update(
            status=SupportRequest.Status.RESOLVED, resolved_at=now - timedelta(days=2),
            closed_at=None, close_reason="")

    def measure_dispatch(self, deliver_sample: int = 200) -> tuple[dict, StatementRecorder | None]:
        from feedback import tasks
        from notifications.models import Notification
        from notifications.services import deliver

        budget = self.budgets["dispatch_s"]
        entry: dict = {"budget": budget,
                       "delivery": "deferred: the outbox rows are written and marked queued, "
                       "the broker publish is replaced by a no-op; delivery is timed apart "
                       "on a sample"}
        try:
            entry["requests"] = self.reset_dispatch(timezone.now())
            with broker_publishing_disabled():
                started = time.perf_counter()
                entry["queued"] = tasks.send_post_resolution_requests()
                entry["seconds"] = round(time.perf_counter() - started, 3)
            pending = list(Notification.objects.filter(
                template="feedback_request", status=Notification.Status.PENDING)
                .order_by("pk").values_list("pk", flat=True)[:deliver_sample])
            if pending:
                with locmem_email():
                    started = time.perf_counter()
                    for pk in pending:
                        deliver(pk)
                    took = time.perf_counter() - started
                entry["delivery_ms_per_email"] = round(took * 1000 / len(pending), 2)
                entry["delivery_sample"] = len(pending)
            self.reset_dispatch(timezone.now())
            recorder = StatementRecorder()
            with broker_publishing_disabled(), recorder.recording():
                tasks.send_post_resolution_requests()
            entry["queries"] = recorder.count
        except Exception as exc:
            self.log(traceback.format_exc())
            entry.update(ok=False, error=f"{type(exc).__name__}: {exc}"[:300])
            self.fail("feedback_dispatch")
            return entry, None
        entry["ok"] = entry["seconds"] < budget
        if not entry["ok"]:
            self.fail("feedback_dispatch")
        return entry, recorder

    # Query plans ---------------------------------------------------------------------------

    def explain(self, name: str, recorder: StatementRecorder | None,
                missing: bool = False) -> dict:
        """The plan of each distinct SELECT on the requests table the run made; fails when
        one of them reads the whole requests table."""
        budget = f"no Seq Scan on {REQUESTS_TABLE}"
        if missing or recorder is None:
            self.fail(f"explain.{name}")
            return {"budget": budget, "ok": False, "missing": bool(missing), "plans": []}
        plans = []
        for sql, params in list(recorder.selects.values())[:8]:
            with connection.cursor() as cursor:
                if connection.vendor == "postgresql":
                    cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
                    plan = cursor.fetchone()[0]
                    scans = _seq_scans(plan)
                else:
                    cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
                    plan = [row[-1] for row in cursor.fetchall()]
                    scans = [line for line in plan
                             if re.match(rf"SCAN {REQUESTS_TABLE}\b", line)
                             and "USING" not in line]
            plans.append({"sql": sql[:2000], "seq_scan_on_requests": bool(scans),
                          "plan": plan})
        ok = bool(plans) and not any(p["seq_scan_on_requests"] for p in plans)
        entry = {"budget": budget, "ok": ok, "plans": plans}
        if not plans:
            entry["note"] = "no SELECT on the requests table was made"
        if not ok:
            self.fail(f"explain.{name}")
        return entry


def _seq_scans(node) -> list[str]:
    found = []
    if isinstance(node, list):
        for item in node:
            found += _seq_scans(item)
    elif isinstance(node, dict):
        if node.get("Node Type") == "Seq Scan" and node.get("Relation Name") == REQUESTS_TABLE:
            found.append(REQUESTS_TABLE)
        for value in node.values():
            if isinstance(value, list | dict):
                found += _seq_scans(value)
    return found
