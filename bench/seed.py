"""The bench data set: 50 companies with members and licences, 5,000 home users and N
support requests in every status, with their conversation, timeline, service level
(premium plan) and feedback. Deterministic: one `random.Random(seed)` draws everything,
and times are counted back from an anchor (the start of the current UTC day, unless
given), so the same seed and anchor give the same rows.

Rows are written with COPY (`bench.writer`), but what the product computes comes from the
product's own code: references from `helpdesk.requests.filing.format_reference` (and the
per-year counters set to the last number used, so requests filed later go on from there),
due times and SLA states from the hooks of `helpdesk.sla.clock` run on unsaved requests
(`bench.seed_history`).

A few rows are made on purpose and recorded in the metadata, so `bench` can measure the
same page with one row and with many:

* `home_one` has 1 request, `home_many` has 120 (most of them active);
* company `bench-50` has 1 request and 1 licence, company `bench-01` has thousands of
  requests and 60 licences;
* `detail_small` has 1 message, `detail_large` 20 messages and 5 attachments;
* the last `dispatch` requests were resolved two days before the anchor and have no
  feedback request: the post-resolution dispatch is measured on them (`bench` moves them
  to two days before "now" first).
"""

from __future__ import annotations

import bisect
import itertools
import random
import sys
from datetime import UTC, datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone
from tqdm import tqdm

from helpdesk.requests.filing import format_reference

from .common import DATASET_VERSION, broker_publishing_disabled, write_metadata
from .seed_history import CUSTOMER_LINES, HOUR, HistorySeeding
from .seed_people import Catalogue, PeopleSeeding, Workspace
from .writer import BulkWriter

DISPATCH_MAX = 10_000
HOME_MANY_REQUESTS = 120
DAY = timedelta(days=1)

SUBJECTS = [
    "Scan stops at {n}%", "Update fails with error {n}", "Agent uses 100% CPU",
    "Licence not recognised", "Database update stuck", "False positive on tool {n}",
    "Cannot install on {n} computers", "Slow start after update", "Web protection blocks site",
    "Where do I download the installer?", "Firewall blocks printer", "Quarantine is full",
]


def default_anchor() -> datetime:
    now = timezone.now().astimezone(UTC)
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


class Seeder(PeopleSeeding, HistorySeeding):
    def __init__(self, *, requests: int, seed: int, anchor: datetime, out=sys.stderr,
                 progress: bool = True):
        self.n = requests
        self.seed = seed
        self.anchor = anchor
        self.rng = random.Random(seed)
        self.out = out
        self.progress = progress
        self.writer = BulkWriter(anchor)
        self.meta: dict = {}
        self.counters: dict[int, int] = {}  # year -> last reference number used
        self._clocks: dict = {}  # (plan, priority, segment) -> SLA clock or None
        self.catalogue: Catalogue | None = None

    def log(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()

    # Entry point -----------------------------------------------------------------------

    def run(self) -> dict:
        from django.core.management import call_command

        started = datetime.now(UTC)
        with broker_publishing_disabled():
            self.log("Demo accounts, catalogue, rules and queues (seed_demo) ...")
            call_command("seed_demo", stdout=self.out)
            self.catalogue = self._catalogue()
            with transaction.atomic(), self.clocks_looked_up_once():
                staff = self._staff()
                homes = self._home_users()
                companies = self._companies()
                self._requests(self.catalogue, staff, homes, companies)
                self.writer.flush()
                if connection.vendor == "postgresql":
                    self.writer.reset_sequences()
                self._search_documents()
                self._reference_counters()
                self.meta.update(
                    version=DATASET_VERSION, requests=self.n, seed=self.seed,
                    anchor=self.anchor.isoformat(), rows=self.writer.counts(),
                    seeded_in_s=round((datetime.now(UTC) - started).total_seconds(), 1),
                )
                write_metadata(self.meta)
        self._analyze()
        return self.meta

    def _search_documents(self) -> None:
        """The rows went in by COPY, past the services that keep the staff search's index:
        build it as a restore would."""
        from helpdesk.requests.search import reindex

        self.log("Staff search documents ...")
        reindex()

    def _analyze(self) -> None:
        # A live PostgreSQL database is kept vacuumed by autovacuum; after a bulk load the
        # visibility map is empty and counts would read every heap page, so the data set is
        # brought to that steady state before anything is measured.
        statement = "VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE"
        self.log(f"Updating planner statistics ({statement}) ...")
        with connection.cursor() as cursor:
            cursor.execute(statement)

    # References ----------------------------------------------------------------------------

    def _reference(self, created: datetime) -> str:
        """The next reference of the year `created` falls in (of the local date, as
        `next_reference` counts), after what the counter held before the seed."""
        year = timezone.localtime(created).year
        if year not in self.counters:
            from helpdesk.models import ReferenceCounter

            row = ReferenceCounter.objects.filter(year=year).first()
            self.counters[year] = row.last if row else 0
        self.counters[year] += 1
        return format_reference(year, self.counters[year])

    def _reference_counters(self) -> None:
        """Each year's counter at the last number used, as if every request had been filed
        through `next_reference`."""
        from helpdesk.models import ReferenceCounter

        for year, last in self.counters.items():
            ReferenceCounter.objects.update_or_create(year=year, defaults={"last": last})

    # Requests ------------------------------------------------------------------------------

    def _requests(self, cat: Catalogue, staff: dict, homes: list[Workspace],
                  companies: list[Workspace]) -> None:
        rng = self.rng
        dispatch = min(DISPATCH_MAX, self.n // 10)
        special = 2 + 1 + 1 + 4 + HOME_MANY_REQUESTS  # the fixtures
        general = max(self.n - dispatch, special + 1)
        dispatch = self.n - general if self.n > general else 0

        # Ages: 12 % in the last 20 days (most of the active work), the rest over 2 years.
        ages = sorted(
            (rng.uniform(0.02, 20) if rng.random() < 0.12 else rng.uniform(20, 730))
            for _ in range(general)
        )
        ages.reverse()  # oldest first: ids and references grow with time
        recent = [i for i, age in enumerate(ages) if age < 20]
        older = [i for i, age in enumerate(ages) if age >= 20]

        home_one, home_many, home_few = homes[0], homes[1], homes[2]
        big, few, solo = companies[0], companies[-2], companies[-1]
        # index -> (workspace, status, role, feedback): the fixtures `bench` measures with.
        forced: dict[int, tuple] = {}
        take = _Taker(rng, general)
        for role in ("detail_small", "detail_large"):
            forced[take.one(recent[len(recent) // 2:])] = (big, "open", role, None)
        for i in take.many(recent, 80):
            forced[i] = (home_many, None, "", None)
        for i in take.many(range(general), HOME_MANY_REQUESTS - 80):
            forced[i] = (home_many, None, "", None)
        forced[take.one(recent)] = (home_one, "open", "", None)
        forced[take.one(recent)] = (solo, "open", "", None)
        for ws in (home_few, few):  # one row in each list of the feedback section
            forced[take.one(recent)] = (ws, "resolved", "", "pending")
            forced[take.one(older)] = (ws, "closed", "", "answered")

        pick_company = _weighted([c for c in companies if c not in (solo, few)],
                                 lambda c: 8 * len(c.members) if c is big else len(c.members))
        pick_home = _weighted(homes[3:], lambda h: 1 / (1 + (h.home_user_id % 97)) ** 0.6)

        bar = tqdm(total=general + dispatch, desc="requests", unit="req", file=sys.stderr,
                   disable=not self.progress, mininterval=1.0)
        for i, age in enumerate(ages):
            ws, status, role, feedback = forced.get(i, (None, None, "", None))
            if ws is None:
                ws = pick_company(rng) if rng.random() < 0.45 else pick_home(rng)
            created = self.anchor - timedelta(days=age)
            self._request(cat, staff, ws, created, status=status, role=role,
                          feedback=feedback)
            bar.update()
        # The dispatch cohort: resolved two days ago, no feedback request yet.
        first = None
        for _ in range(dispatch):
            ws = pick_company(rng) if rng.random() < 0.45 else pick_home(rng)
            resolved = self.anchor - 2 * DAY
            created = resolved - timedelta(hours=rng.uniform(1, 72))
            pk = self._request(cat, staff, ws, created, status="resolved", role="dispatch",
                               resolved_at=resolved)
            first = first or pk
            bar.update()
        bar.close()
        self.meta["dispatch"] = {"count": dispatch, "first_pk": first,
                                 "last_pk": first + dispatch - 1 if first else None}

    def _status(self, age_days: float) -> str:
        roll = self.rng.random()
        if age_days < 20:
            for status, share in (("new", 0.20), ("open", 0.35), ("waiting_on_customer", 0.15),
                                  ("resolved", 0.15), ("closed", 0.10)):
                if roll < share:
                    return status
                roll -= share
            return "rejected"
        if roll < 0.86:
            return "closed"
        if roll < 0.98:
            return "rejected"
        return "waiting_on_customer" if roll < 0.99 else "open"

    def _request(self, cat: Catalogue, staff: dict, ws: Workspace, created: datetime, *,
                 status: str | None, role: str, resolved_at: datetime | None = None,
                 feedback: str | None = None) -> int:
        from helpdesk.models import SupportRequest

        rng = self.rng
        anchor = self.anchor
        age = (anchor - created) / DAY
        status = status or self._status(age)
        category = rng.choice(cat.categories)
        if role.startswith("detail"):  # both details alike: a product, a licence, a plan
            category = next(c for c in cat.categories if c.needs_product)
        is_company = ws.company_id is not None
        requester = rng.choice(ws.members) if is_company and role != "detail_large" else (
            ws.members[0])
        product = version = None
        if category.needs_product:
            product, version = ((cat.business_product, cat.business_version) if is_company
                                else (cat.home_product, cat.home_version))
        queue = (cat.lab_queue_id if category.code in cat.lab_categories and cat.lab_queue_id
                 else cat.queues.get(ws.segment))
        premium = ws.premium
        n = rng.randint(1, 9999)
        row = {
            "requester_id": requester, "filed_by_id": None, "home_user_id": ws.home_user_id,
            "company_id": ws.company_id, "segment": ws.segment, "category_id": category.pk,
            "product_id": product.pk if product else None,
            "version_id": version.pk if version else None,
            "os": "windows" if product else "", "os_version": "11" if product else "",
            "subject": rng.choice(SUBJECTS).format(n=n),
            "description": rng.choice(CUSTOMER_LINES).format(n=n) * 3,
            "priority": rng.choices(["low", "normal", "high", "critical"], [2, 6, 2, 1])[0],
            "licence_id": ws.licence_id,
            "plan_id": cat.premium_plan_id if premium else cat.standard_plan_id,
            "status": status, "queue_id": queue, "assignee_id": None,
            "rule_set_id": cat.rule_set_id,
            "decision": {"eligible": True, "clause": None, "reason": "", "offers": []},
            "created_at": created,
        }
        if status != "new":
            agents = staff["by_queue"].get(queue) or staff["agents"]
            row["assignee_id"] = (staff["supervisor"] if rng.random() < 0.04
                                  else rng.choice(agents))
        end = anchor
        if status in ("open", "waiting_on_customer", "resolved", "closed"):
            first = created + timedelta(hours=rng.uniform(0.2, 8))
            row["first_response_at"] = min(first, anchor - timedelta(minutes=5))
            row["last_staff_reply_at"] = row["first_response_at"]
        if status == "waiting_on_customer":
            row["waiting_since"] = row["first_response_at"]
            if anchor - row["waiting_since"] > 3 * DAY:
                row["reminded_at"] = row["waiting_since"] + 3 * DAY
        elif status == "resolved":
            if resolved_at is None:
                latest = anchor - timedelta(hours=rng.uniform(1, 150))
                resolved_at = max(latest, created + (anchor - created) * 0.6)
            row["resolved_at"] = resolved_at
            end = resolved_at
        elif status == "closed":
            if rng.random() < 0.1 and age > 20:  # waited in vain: closed as "no response"
                row["waiting_since"] = row["first_response_at"] + timedelta(
                    hours=rng.uniform(0, 16))  # information requested, never given
                row["last_staff_reply_at"] = row["waiting_since"]
                row["reminded_at"] = row["waiting_since"] + 3 * DAY
                row["closed_at"] = row["waiting_since"] + 10 * DAY
                row["close_reason"] = SupportRequest.CloseReason.NO_RESPONSE
                row["close_clause"] = "6.4"
                end = row["closed_at"]
            else:
                row["resolved_at"] = created + timedelta(hours=rng.uniform(2, 240))
                closed = row["resolved_at"] + 7 * DAY
                if closed > anchor:
                    row["resolved_at"] = min(row["resolved_at"], anchor - HOUR)
                    closed = min(row["resolved_at"] + timedelta(hours=rng.uniform(1, 48)),
                                 anchor - timedelta(minutes=30))
                    row["close_reason"] = SupportRequest.CloseReason.BY_STAFF
                else:
                    row["close_reason"] = SupportRequest.CloseReason.REOPEN_WINDOW_ENDED
                row["closed_at"] = closed
                end = closed
        elif status == "rejected":
            row["rejected_at"] = min(created + timedelta(hours=rng.uniform(0.2, 24)),
                                     anchor - timedelta(minutes=5))
            row["rejection_clause"] = rng.choice(["4.2.2", "4.2.5", "4.3.1", "4.5b"])
            end = row["rejected_at"]
        self._sla(row, status)
        row["updated_at"] = end if end < anchor else anchor - timedelta(minutes=1)
        row["reference"] = self._reference(created)
        pk = self.writer.add(SupportRequest, **row)
        if role in ("detail_small", "detail_large"):
            self.meta[role] = row["reference"]
        self._conversation(pk, row, status, staff, role, end, feedback)
        return pk


class _Taker:
    """Draws distinct request indices for the fixtures."""

    def __init__(self, rng: random.Random, total: int):
        self.rng = rng
        self.taken: set[int] = set()
        self.total = total

    def many(self, pool, k: int) -> list[int]:
        free = [i for i in pool if i not in self.taken]
        if len(free) < k:  # a tiny data set: take from anywhere
            free = [i for i in range(self.total) if i not in self.taken]
        chosen = self.rng.sample(free, min(k, len(free)))
        self.taken.update(chosen)
        return chosen

    def one(self, pool) -> int:
        return self.many(pool, 1)[0]


def _weighted(items: list, weight):
    """A deterministic weighted picker over `items` (one rng draw per pick)."""
    cumulative = list(itertools.accumulate(weight(item) for item in items))
    total = cumulative[-1]

    def pick(rng: random.Random):
        return items[bisect.bisect_right(cumulative, rng.random() * total)]

    return pick
