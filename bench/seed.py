"""The bench data set: 50 companies with members and licences, 5,000 home users and N
support requests in every status, with their conversation, timeline, SLA due times
(premium plan) and feedback. Deterministic: one `random.Random(seed)` draws everything,
and times are counted back from an anchor (the start of the current UTC day, unless
given), so the same seed and anchor give the same rows.

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
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from unittest import mock

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.utils import timezone
from tqdm import tqdm

from .common import BENCH_DOMAIN, DATASET_VERSION, write_metadata
from .writer import BulkWriter

HOME_USERS = 5000
COMPANIES = 50
AGENTS = 20
DISPATCH_MAX = 10_000
BIG_COMPANY_LICENCES = 60
HOME_MANY_REQUESTS = 120
LARGE_DETAIL_MESSAGES = 20
LARGE_DETAIL_ATTACHMENTS = 5

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)

CUSTOMER_LINES = [
    "The scan stops at {n} per cent and the application stops answering.",
    "After the update the computer starts slowly; it began on {n} March.",
    "The licence is shown as expired although it was renewed {n} days ago.",
    "I attached the report from the utility. The error code is {n}.",
    "It happens on {n} computers out of our fleet, all with the same build.",
    "Thank you, that worked. The problem is gone after the restart.",
    "I still see the warning. Here is the screenshot and the trace log.",
    "We cannot install the agent: the installer ends with error 1603 ({n}).",
]
STAFF_LINES = [
    "Thank you for the details. Could you send the **trace logs** of the application?",
    "Please run GetSystemInfo and upload the report here.",
    "This is a known issue fixed in the next patch; install patch {n} and restart.",
    "We reproduced the problem in the lab; a fix is in progress.",
    "Allow the update server address in your proxy and run the update again.",
    "The database update was blocked by the firewall rule {n}; see the article.",
]
NOTE_LINES = [
    "Looks like the known installer issue; checking with L2.",
    "Customer is on build {n}; escalate if the patch does not help.",
]
SUBJECTS = [
    "Scan stops at {n}%", "Update fails with error {n}", "Agent uses 100% CPU",
    "Licence not recognised", "Database update stuck", "False positive on tool {n}",
    "Cannot install on {n} computers", "Slow start after update", "Web protection blocks site",
    "Where do I download the installer?", "Firewall blocks printer", "Quarantine is full",
]


@dataclass
class Workspace:
    company_id: int | None
    home_user_id: int | None
    segment: str
    members: list[int] = field(default_factory=list)  # requesters to pick from
    premium: bool = False
    licence_id: int | None = None


@dataclass
class Catalogue:
    categories: list  # in-scope RequestCategory rows
    home_product: object
    home_version: object
    business_product: object
    business_version: object
    standard_plan_id: int
    premium_plan_id: int
    queues: dict  # segment -> queue id
    lab_queue_id: int | None
    lab_categories: set
    rule_set_id: int | None
    survey_id: int


@contextmanager
def broker_publishing_disabled():
    """Outbox rows are written, but nothing is handed to the broker: seeding and the
    measured runs never reach a worker (the rows stay pending)."""
    from notifications.tasks import deliver_notification

    with mock.patch.object(deliver_notification, "apply_async", lambda *a, **k: None):
        yield


def default_anchor() -> datetime:
    now = timezone.now().astimezone(UTC)
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


class Seeder:
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
        self.counters: dict[int, int] = {}

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
            catalogue = self._catalogue()
            with transaction.atomic():
                staff = self._staff()
                homes = self._home_users()
                companies = self._companies()
                self._requests(catalogue, staff, homes, companies)
                self.writer.flush()
                if connection.vendor == "postgresql":
                    self.writer.reset_sequences()
                self._reference_counters()
                self.meta.update(
                    version=DATASET_VERSION, requests=self.n, seed=self.seed,
                    anchor=self.anchor.isoformat(), rows=self.writer.counts(),
                    seeded_in_s=round((datetime.now(UTC) - started).total_seconds(), 1),
                )
                write_metadata(self.meta)
        self._analyze()
        return self.meta

    def _analyze(self) -> None:
        # A live PostgreSQL database is kept vacuumed by autovacuum; after a bulk load the
        # visibility map is empty and counts would read every heap page, so the data set is
        # brought to that steady state before anything is measured.
        statement = "VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE"
        self.log(f"Updating planner statistics ({statement}) ...")
        with connection.cursor() as cursor:
            cursor.execute(statement)

    # Catalogue ---------------------------------------------------------------------------

    def _catalogue(self) -> Catalogue:
        from feedback.models import Survey
        from helpdesk.demo import LAB_CATEGORIES
        from helpdesk.models import Queue, RuleSet
        from licensing.models import Product, ProductSegment, RequestCategory, SupportPlan

        categories = list(RequestCategory.objects.filter(in_scope=True, is_active=True)
                          .order_by("position", "code"))
        home_product = (Product.objects.filter(segment=ProductSegment.HOME, kind="commercial")
                        .order_by("pk").first())
        business_product = (Product.objects.filter(segment=ProductSegment.BUSINESS)
                            .order_by("pk").first())

        def supported(product):
            return (product.versions.filter(end_of_support__isnull=True)
                    .order_by("-release_date").first()) or product.versions.first()

        queues = {}
        lab = None
        for queue in Queue.objects.order_by("pk"):
            if queue.is_default:
                queues[queue.segment] = queue.pk
            elif lab is None:
                lab = queue.pk
        premium = SupportPlan.objects.filter(is_paid=True).order_by("pk").first()
        standard = SupportPlan.objects.get(code=SupportPlan.STANDARD)
        rule_set = RuleSet.objects.current()
        survey = Survey.objects.get(code=Survey.POST_RESOLUTION)
        return Catalogue(
            categories=categories, home_product=home_product,
            home_version=supported(home_product), business_product=business_product,
            business_version=supported(business_product), standard_plan_id=standard.pk,
            premium_plan_id=premium.pk, queues=queues, lab_queue_id=lab,
            lab_categories=set(LAB_CATEGORIES), rule_set_id=rule_set.pk if rule_set else None,
            survey_id=survey.pk,
        )

    # People ------------------------------------------------------------------------------

    def _user(self, email: str, full_name: str, *, is_staff: bool = False) -> int:
        from allauth.account.models import EmailAddress

        from accounts.models import User

        pk = self.writer.add(
            User, email=email, full_name=full_name, country="MY",
            language="ms" if self.rng.random() < 0.1 else "en",
            time_zone=settings.DEFAULT_USER_TIME_ZONE, is_staff=is_staff, is_active=True,
            is_superuser=False, password=self.password, last_login=None,
            date_joined=self.anchor - timedelta(days=self.rng.randint(30, 1500)),
            erased_at=None,
        )
        self.writer.add(EmailAddress, user_id=pk, email=email, verified=True, primary=True)
        return pk

    def _staff(self) -> dict:
        from helpdesk.groups import AGENTS as AGENTS_GROUP
        from helpdesk.groups import SUPERVISORS
        from helpdesk.models import Queue

        self.password = make_password(settings_password())
        agents = [self._user(f"agent-{i:02d}@{BENCH_DOMAIN}", f"Agent {i:02d}", is_staff=True)
                  for i in range(1, AGENTS + 1)]
        supervisor = self._user(f"supervisor@{BENCH_DOMAIN}", "Bench Supervisor",
                                is_staff=True)
        self.writer.flush()
        from accounts.models import User

        groups = User.groups.through
        agents_group = Group.objects.get(name=AGENTS_GROUP)
        supervisors_group = Group.objects.get(name=SUPERVISORS)
        groups.objects.bulk_create(
            [groups(user_id=a, group_id=agents_group.pk) for a in agents]
            + [groups(user_id=supervisor, group_id=supervisors_group.pk)])
        by_queue: dict[int, list[int]] = {}
        queues = list(Queue.objects.order_by("pk"))
        for i, agent in enumerate(agents):
            queue = queues[i % len(queues)]
            by_queue.setdefault(queue.pk, []).append(agent)
        agent_links = Queue.agents.through
        supervisor_links = Queue.supervisors.through
        agent_links.objects.bulk_create(
            [agent_links(queue_id=q, user_id=a) for q, members in by_queue.items()
             for a in members])
        supervisor_links.objects.bulk_create(
            [supervisor_links(queue_id=q.pk, user_id=supervisor) for q in queues])
        self.meta["supervisor"] = f"supervisor@{BENCH_DOMAIN}"
        self.meta["agent"] = f"agent-01@{BENCH_DOMAIN}"
        return {"agents": agents, "supervisor": supervisor, "by_queue": by_queue}

    def _home_users(self) -> list[Workspace]:
        from licensing.models import Product, ProductSegment, SupportPlan

        home_product = (Product.objects.filter(segment=ProductSegment.HOME, kind="commercial")
                        .order_by("pk").first())
        standard = SupportPlan.objects.get(code=SupportPlan.STANDARD)
        homes = []
        for i in range(1, HOME_USERS + 1):
            email = f"home-{i:05d}@{BENCH_DOMAIN}"
            pk = self._user(email, f"Home User {i:05d}")
            ws = Workspace(company_id=None, home_user_id=pk, segment="home", members=[pk])
            if self.rng.random() < 0.7:
                ws.licence_id = self._licence(product=home_product, plan_id=standard.pk,
                                              home_user_id=pk, email=email,
                                              expired=self.rng.random() < 0.2)
            homes.append(ws)
        self.meta["home_one"] = "home-00001@" + BENCH_DOMAIN
        self.meta["home_many"] = "home-00002@" + BENCH_DOMAIN
        self.meta["home_few"] = "home-00003@" + BENCH_DOMAIN
        return homes

    def _licence(self, *, product, plan_id, email, home_user_id=None, company_id=None,
                 expired=False, revoked=False, seats=1) -> int:
        from licensing.models import Licence

        table = self.writer.table(Licence)
        pk = table.new_id()
        serial = f"{pk:018d}"
        compact = "BN" + serial
        key = "-".join(compact[i:i + 5] for i in range(0, 20, 5))
        today = self.anchor.date()
        if expired:
            starts, expires = today - timedelta(days=800), today - timedelta(days=70)
        else:
            starts = today - timedelta(days=self.rng.randint(10, 300))
            expires = today + timedelta(days=self.rng.randint(60, 700))
        return self.writer.add(
            Licence, id=pk, key=key, product_id=product.pk, plan_id=plan_id, seats=seats,
            starts_on=starts, expires_on=expires,
            status=Licence.Status.REVOKED if revoked else Licence.Status.ACTIVE,
            order_number=f"BN-ORD-{pk:07d}", purchaser_email=email, home_user_id=home_user_id,
            company_id=company_id, claimed_at=self.anchor - timedelta(days=5),
            claimed_by_id=home_user_id, issued_at=self.anchor - timedelta(days=30),
        )

    def _companies(self) -> list[Workspace]:
        from accounts.models import Company, CompanySegment, Membership
        from licensing.models import Product, ProductSegment, SupportPlan

        business = (Product.objects.filter(segment=ProductSegment.BUSINESS)
                    .order_by("pk").first())
        standard = SupportPlan.objects.get(code=SupportPlan.STANDARD)
        premium = SupportPlan.objects.filter(is_paid=True).order_by("pk").first()
        companies = []
        for i in range(1, COMPANIES + 1):
            slug = f"bench-{i:02d}"
            segment = (CompanySegment.MEDIUM_LARGE_BUSINESS if i % 2 else
                       CompanySegment.SMALL_BUSINESS)
            company = self.writer.add(
                Company, name=f"Bench Company {i:02d}", slug=slug, country="MY",
                segment=segment, is_verified=True, created_at=self.anchor - 800 * DAY)
            size = 40 if i == 1 else 2 if i >= COMPANIES - 1 else self.rng.randint(3, 20)
            members = []
            for j in range(1, size + 1):
                role = Membership.Role.ADMIN if j == 1 or (j == 2 and size > 10) else (
                    Membership.Role.MEMBER)
                email = f"{slug}-{'admin' if j == 1 else f'user{j:02d}'}@{BENCH_DOMAIN}"
                user = self._user(email, f"{slug} person {j:02d}")
                self.writer.add(Membership, user_id=user, company_id=company, role=role,
                                created_at=self.anchor - 700 * DAY)
                members.append(user)
            is_premium = i % 3 == 1
            ws = Workspace(company_id=company, home_user_id=None, segment=segment,
                           members=members, premium=is_premium)
            email = f"purchasing@{slug}.example"
            ws.licence_id = self._licence(
                product=business, plan_id=premium.pk if is_premium else standard.pk,
                company_id=company, email=email, seats=self.rng.randint(5, 500))
            extra = (BIG_COMPANY_LICENCES - 1 if i == 1 else 0 if i >= COMPANIES - 1
                     else self.rng.randint(1, 4))
            for _ in range(extra):
                roll = self.rng.random()
                self._licence(product=business, plan_id=standard.pk, company_id=company,
                              email=email, expired=roll < 0.4, revoked=0.4 <= roll < 0.5,
                              seats=self.rng.randint(5, 200))
            companies.append(ws)
        self.meta["company_many"] = "bench-01"
        self.meta["company_one"] = f"bench-{COMPANIES:02d}"
        self.meta["company_many_admin"] = f"bench-01-admin@{BENCH_DOMAIN}"
        self.meta["company_one_admin"] = f"bench-{COMPANIES:02d}-admin@{BENCH_DOMAIN}"
        self.meta["company_few"] = f"bench-{COMPANIES - 1:02d}"
        self.meta["company_few_admin"] = f"bench-{COMPANIES - 1:02d}-admin@{BENCH_DOMAIN}"
        return companies

    # Requests ------------------------------------------------------------------------------

    def _reference(self, created: datetime) -> str:
        year = created.year
        if year not in self.counters:
            from helpdesk.models import ReferenceCounter

            row = ReferenceCounter.objects.filter(year=year).first()
            self.counters[year] = row.last if row else 0
        self.counters[year] += 1
        return f"INC-{year}-{self.counters[year]:06d}"

    def _reference_counters(self) -> None:
        from helpdesk.models import ReferenceCounter

        for year, last in self.counters.items():
            ReferenceCounter.objects.update_or_create(year=year, defaults={"last": last})

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
                row["waiting_since"] = created + timedelta(hours=rng.uniform(1, 24))
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
        if premium:
            self._sla(row, status, created)
        row["updated_at"] = end if end < anchor else anchor - timedelta(minutes=1)
        row["reference"] = self._reference(created)
        pk = self.writer.add(SupportRequest, **row)
        if role in ("detail_small", "detail_large"):
            self.meta[role] = row["reference"]
        self._conversation(pk, row, status, staff, role, end, feedback)
        return pk

    def _sla(self, row: dict, status: str, created: datetime) -> None:
        """Due times as the SLA clock stores them: each target's due time and reminder
        instant (75 % of its time), the clock stopped while waiting on the customer, and
        the next instant the sweep has something to do. Fields the model does not have
        are left out by the writer."""
        rng, anchor = self.rng, self.anchor
        first = (created + 4 * HOUR, created + 3 * HOUR)
        resolution = (created + 5 * DAY, created + 3 * DAY + 18 * HOUR)
        row["first_response_due"], row["first_response_remind_at"] = first
        row["resolution_due"], row["resolution_remind_at"] = resolution
        pending = []
        if status == "new":
            pending = [first, resolution]
        elif status == "open":
            hours = rng.uniform(2, 16)
            start = row.get("last_staff_reply_at") or created
            nxt = (start + timedelta(hours=hours), start + timedelta(hours=hours * 0.75))
            row["next_response_due"], row["next_response_remind_at"] = nxt
            pending = [nxt, resolution]
        elif status == "waiting_on_customer":
            row["sla_paused_at"] = row.get("waiting_since")
        if status in ("new", "open", "waiting_on_customer"):
            soonest = min((due for due, _remind in pending), default=None)
            if soonest is not None and soonest < anchor:
                row["sla_state"] = "breached"
            elif any(remind < anchor for _due, remind in pending):
                row["sla_state"] = "at_risk"
            else:
                row["sla_state"] = "on_track"
            moments = [m for due, remind in pending for m in (due, remind) if m >= anchor]
            row["sla_check_at"] = min(moments, default=None)
        else:
            row["sla_state"] = "met" if rng.random() < 0.9 else "breached"

    def _conversation(self, pk: int, row: dict, status: str, staff: dict, role: str,
                      end: datetime, feedback: str | None) -> None:
        from helpdesk.models import Attachment, Message, TimelineEvent

        rng = self.rng
        created = row["created_at"]
        customer = row["requester_id"]
        agent = row["assignee_id"] or rng.choice(staff["agents"])
        counts = {"new": (0, 1), "open": (1, 3), "waiting_on_customer": (2, 4),
                  "resolved": (2, 5), "closed": (2, 6), "rejected": (1, 1)}
        low, high = counts[status]
        n_messages = {"detail_large": LARGE_DETAIL_MESSAGES, "detail_small": 1}.get(
            role, rng.randint(low, high))
        write = self.writer.add
        write(TimelineEvent, request_id=pk, kind="filed", actor_id=customer, is_internal=False,
              data={"rule_set": None, "on_behalf": False, "follows_up": None},
              created_at=created)
        if row["assignee_id"]:
            write(TimelineEvent, request_id=pk, kind="assigned", actor_id=agent,
                  is_internal=True, data={"to": agent}, created_at=created + HOUR / 4)
        span = max((end - created).total_seconds(), 60.0)
        times = sorted(created + timedelta(seconds=rng.uniform(0.1, 1.0) * span)
                       for _ in range(n_messages))
        attach_on = set()
        if role == "detail_large":
            attach_on = set(range(0, LARGE_DETAIL_MESSAGES, 4))
        elif n_messages and rng.random() < 0.02:
            attach_on = {0}
        for k, at in enumerate(times):
            from_staff = k % 2 == 1
            internal = from_staff and role != "detail_large" and rng.random() < 0.12
            n = rng.randint(1, 9999)
            if internal:
                text = rng.choice(NOTE_LINES).format(n=n)
            elif from_staff:
                text = rng.choice(STAFF_LINES).format(n=n)
            else:
                text = rng.choice(CUSTOMER_LINES).format(n=n)
            message = write(Message, request_id=pk, author_id=agent if from_staff else customer,
                            is_internal=internal, from_staff=from_staff, body=text,
                            body_html=f"<p>{text}</p>", created_at=at)
            kind = "note_added" if internal else "replied" if from_staff else "customer_replied"
            write(TimelineEvent, request_id=pk, kind=kind,
                  actor_id=agent if from_staff else customer, is_internal=internal, data={},
                  created_at=at)
            if k in attach_on:
                digest = f"{rng.getrandbits(256):064x}"
                write(Attachment, request_id=pk, message_id=message, uploaded_by_id=customer,
                      file=f"bench/{digest[:2]}/{digest}.log", original_name=f"trace-{n}.log",
                      size=rng.randint(2_000, 4_000_000), content_type="text/plain",
                      sha256=digest, is_sample=False, created_at=at, purged_at=None)
        if status != "new":
            write(TimelineEvent, request_id=pk, kind="status_changed", actor_id=agent,
                  is_internal=False, data={"from": "new", "to": "open"},
                  created_at=created + HOUR / 4)
        final = {"waiting_on_customer": ("information_requested", row.get("waiting_since")),
                 "resolved": ("resolved", row.get("resolved_at")),
                 "closed": ("closed", row.get("closed_at")),
                 "rejected": ("rejected", row.get("rejected_at"))}.get(status)
        if final and final[1]:
            write(TimelineEvent, request_id=pk, kind=final[0], actor_id=agent,
                  is_internal=False, data={"to": status}, created_at=final[1])
        if status in ("resolved", "closed") and role != "dispatch" and row.get("resolved_at"):
            self._feedback(pk, row, forced=feedback)

    def _feedback(self, pk: int, row: dict, forced: str | None = None) -> None:
        from feedback.models import FeedbackRequest, FeedbackResponse

        rng, anchor = self.rng, self.anchor
        resolved = row["resolved_at"]
        if forced is None and resolved < anchor - 30 * DAY and rng.random() < 0.4:
            return  # older requests were not all surveyed
        sent = min(resolved + DAY, anchor - HOUR)
        answered = None
        if forced == "answered" or (forced is None and rng.random() < 0.45):
            answered = min(sent + timedelta(hours=rng.uniform(0.5, 96)), anchor - 10 * (
                timedelta(minutes=1)))
        portal = answered is not None and rng.random() < 0.2
        customer = row["requester_id"]
        request_pk = self.writer.add(
            FeedbackRequest, survey_id=self.catalogue_survey, support_request_id=pk,
            user_id=customer, company_id=row["company_id"], segment=row["segment"],
            period="", origin="portal" if portal else "email",
            token_key=f"{rng.getrandbits(96):024x}", created_at=sent,
            sent_at=None if portal else sent,
            reminded_at=None if answered or rng.random() < 0.5 else sent + 5 * DAY,
            expires_at=sent + 30 * DAY, answered_at=answered,
        )
        if answered is None:
            return
        satisfaction = rng.choices([1, 2, 3, 4, 5], [1, 1, 2, 4, 6])[0]
        self.writer.add(
            FeedbackResponse, feedback_request_id=request_pk, respondent_id=customer,
            channel="portal" if portal else "link", language="en",
            satisfaction=satisfaction, solved=satisfaction >= 3,
            effort=rng.randint(1, 5), recommend=rng.randint(0, 10),
            comment="" if rng.random() < 0.7 else "Quick and clear answer, thank you.",
            created_at=answered,
        )

    @property
    def catalogue_survey(self) -> int:
        if not hasattr(self, "_survey_id"):
            from feedback.models import Survey

            self._survey_id = Survey.objects.get(code=Survey.POST_RESOLUTION).pk
        return self._survey_id


def settings_password() -> str:
    import os

    return os.environ.get("DEMO_PASSWORD", "demo-pass-2026")


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
