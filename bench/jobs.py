"""The background work `manage.py bench` times: the SLA sweep, the post-resolution
feedback dispatch and inbound email processing, each as a cost per item
and a multiple of the calibration; and the query plans of the sweep and the dispatch.

A mixin of `bench.measure.Bench`.
"""

from __future__ import annotations

import contextlib
import importlib
import re
import time
import traceback
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from .common import broker_publishing_disabled
from .statements import REQUESTS_TABLE, StatementRecorder

# Where inbound email is processed (skipped, with the reason, in a build without it).
INBOUND_EMAIL_PROCESSOR = "helpdesk.email.inbound.process_stored_message"


# A customer's answer from their mail program: their words, their signature and the quoted
# history the processing strips.
INBOUND_REPLY = """From: Customer <{sender}>
To: {to}
Subject: Re: [{reference}] {subject}
Message-ID: <bench-reply-{n}@customer.example>
Date: Tue, 01 Dec 2026 09:00:00 +0800
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

I ran the quick scan again as you asked and it still stops at 40 per cent.
The log is from this morning; the error code is 0x80070643.

Regards,
Customer

On Mon, 30 Nov 2026 at 16:00, Support <{support}> wrote:
> Please run the quick scan and send us the log it writes.
>
> Follow your request: https://support.example.com/my/requests/{reference}/
"""


@contextmanager
def inbound_limit_above(count: int):
    """Every stored reply is processed: the per-sender limit would otherwise store most of
    them as ignored at the door, which is cheaper than processing and would flatter it."""
    previous = settings.INBOUND_EMAIL_SENDER_LIMIT
    settings.INBOUND_EMAIL_SENDER_LIMIT = count + 1
    try:
        yield
    finally:
        settings.INBOUND_EMAIL_SENDER_LIMIT = previous


@contextmanager
def locmem_email():
    previous = settings.EMAIL_BACKEND
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    try:
        yield
    finally:
        settings.EMAIL_BACKEND = previous


class Jobs:
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
        """The beat task with `due_share` of the running premium requests due (a typical
        run), one with nothing due (the cost of finding out) and one with a quarter due (a
        backlog, e.g. after an outage). Its cost per item (per reminder or escalation
        sent) comes from the backlog, the largest sample, less the cost of finding out;
        it is a multiple of the calibration for the record (no budget of its own: DESIGN.md
        section 10 judges it against the peer's escalation). Delivery is deferred, as for
        the dispatch."""
        try:
            from helpdesk import tasks
            sweep = tasks.sweep_sla
        except (ImportError, AttributeError):
            self.fail("sla_sweep")
            return {"ok": False, "missing": True,
                    "note": "missing: helpdesk.tasks.sweep_sla does not exist yet"}, None
        entry: dict = {"delivery": "deferred (outbox rows written, broker publish stubbed)"}
        try:
            idle = self._sweep_run(sweep, 0.0)
            backlog, calibration = self.between_calibrations(
                lambda: self._sweep_run(sweep, 0.25))
            typical = self._sweep_run(sweep, due_share)
            keys = ("seconds", "due_items", "result", "open_requests", "with_due_times")
            entry["nothing_due"] = {k: idle[k] for k in keys if k in idle}
            entry["backlog_quarter_due"] = {k: backlog[k] for k in keys if k in backlog}
            entry[f"typical_{round(due_share * 100)}pct_due"] = {
                k: typical[k] for k in keys if k in typical}
            sent = backlog["result"] if isinstance(backlog["result"], int) else 0
            if sent:
                per_item = 1000 * (backlog["seconds"] - idle["seconds"]) / sent
                entry.update(items=sent, ms_per_item=round(per_item, 3))
                if calibration:
                    entry.update(calibration_ms=round(calibration, 3),
                                 x_calibration=round(per_item / calibration, 2))
            else:
                entry["note"] = "the backlog run sent nothing: no cost per item"
            captured = self._sweep_run(sweep, due_share, capture=True)
            entry["queries"] = captured["queries"]
        except Exception as exc:
            self.log(traceback.format_exc())
            entry.update(ok=False, error=f"{type(exc).__name__}: {exc}"[:300])
            self.fail("sla_sweep")
            return entry, None
        entry["ok"] = True
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
        """The post-resolution survey dispatch over the seeded cohort; its cost per request
        surveyed against its budget, a multiple of the calibration."""
        from feedback import tasks
        from notifications.models import Notification
        from notifications.services import deliver

        budget = self.budgets["per_item_x_calibration"]["feedback_dispatch"]
        entry: dict = {"budget_x": budget,
                       "delivery": "deferred: the outbox rows are written and marked queued, "
                       "the broker publish is replaced by a no-op; delivery is timed apart "
                       "on a sample"}
        try:
            entry["requests"] = self.reset_dispatch(timezone.now())

            def dispatch():
                with broker_publishing_disabled():
                    started = time.perf_counter()
                    entry["queued"] = tasks.send_post_resolution_requests()
                    entry["seconds"] = round(time.perf_counter() - started, 3)

            _none, calibration = self.between_calibrations(dispatch)
            if entry["queued"] and calibration:
                per_item = entry["seconds"] * 1000 / entry["queued"]
                entry.update(ms_per_item=round(per_item, 3), calibration_ms=round(calibration, 3),
                             x_calibration=round(per_item / calibration, 3),
                             budget_ms=round(budget * calibration, 3))
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
        entry["ok"] = "x_calibration" in entry and entry["x_calibration"] <= budget
        if "x_calibration" not in entry:
            entry["note"] = "nothing was queued, or no calibration: no cost per item"
        if not entry["ok"]:
            self.fail("feedback_dispatch")
        return entry, recorder

    # Inbound email -------------------------------------------------------------------------

    def measure_inbound_email(self, count: int | None = None) -> dict:
        """The cost per message of processing inbound replies, against its budget (a
        multiple of the calibration): `count` customers' replies to their active requests
        (10,000 at 100,000 requests), each with quoted history, are stored raw first (as
        the mail server's pipe stores them; not timed), then processed one by one, timed.
        Everything is rolled back afterwards: the data set stays as seeded."""
        budget = self.budgets["per_item_x_calibration"]["inbound_email"]
        module, _dot, name = INBOUND_EMAIL_PROCESSOR.rpartition(".")
        try:
            process = getattr(importlib.import_module(module), name)
        except (ImportError, AttributeError):
            return {"skipped": "no inbound email processing in this build "
                    f"({INBOUND_EMAIL_PROCESSOR} does not exist)", "budget_x": budget}
        count = count or min(10_000, max(50, int(self.meta.get("requests") or 0) // 10))
        entry: dict = {"budget_x": budget, "messages": count,
                       "delivery": "deferred: answers go to the outbox, the broker publish "
                       "is replaced by a no-op"}
        try:
            with transaction.atomic(), inbound_limit_above(count):
                pks = self._store_replies(count)
                entry["stored"] = len(pks)

                def run():
                    with broker_publishing_disabled():
                        started = time.perf_counter()
                        entry["processed"] = sum(bool(process(pk)) for pk in pks)
                        entry["seconds"] = round(time.perf_counter() - started, 3)

                _none, calibration = self.between_calibrations(run)
                entry["outcomes"] = self._inbound_outcomes(pks)
                transaction.set_rollback(True)
        except Exception as exc:
            self.log(traceback.format_exc())
            entry.update(ok=False, error=f"{type(exc).__name__}: {exc}"[:300])
            self.fail("inbound_email")
            return entry
        if entry.get("processed") and calibration:
            per_item = entry["seconds"] * 1000 / entry["processed"]
            entry.update(ms_per_item=round(per_item, 3), calibration_ms=round(calibration, 3),
                         x_calibration=round(per_item / calibration, 3),
                         budget_ms=round(budget * calibration, 3))
        entry["ok"] = "x_calibration" in entry and entry["x_calibration"] <= budget
        if not entry["ok"]:
            self.fail("inbound_email")
        return entry

    def _store_replies(self, count: int) -> list[int]:
        """Raw replies of customers to their active requests, stored as received."""
        from helpdesk.email import addresses, inbound
        from helpdesk.models import SupportRequest

        status = SupportRequest.Status
        targets = list(
            SupportRequest.objects.filter(status__in=[status.OPEN, status.WAITING_ON_CUSTOMER],
                                          requester__is_active=True)
            .order_by("-pk").values_list("pk", "reference", "subject", "requester_id",
                                         "requester__email")[:count])
        if not targets:
            return []
        pks = []
        for n in range(count):
            pk, reference, subject, user_id, email = targets[n % len(targets)]
            raw = INBOUND_REPLY.format(
                sender=email, to=addresses.reply_address(pk, user_id), reference=reference,
                subject=subject, n=n, support=addresses.support_address()).encode()
            row, _new = inbound.receive(raw, transport="pipe", enqueue=False)
            pks.append(row.pk)
        return pks

    @staticmethod
    def _inbound_outcomes(pks: list[int]) -> dict:
        from django.db.models import Count

        from helpdesk.email.models import InboundEmail

        return dict(InboundEmail.objects.filter(pk__in=pks).values_list("status")
                    .annotate(n=Count("pk")).values_list("status", "n"))

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
