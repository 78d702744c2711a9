"""The people and the catalogue of the bench data set: the catalogue rows `seed_demo` made
(categories, products, plans, queues, rules, survey), 20 agents and a supervisor in the
staff groups and queues, 5,000 home users (70 % with a licence) and 50 companies with 2 to
40 members and 1 to 60 licences, every third on the premium plan.

A mixin of `bench.seed.Seeder`: it writes through the seeder's `writer`, draws from its
`rng` and records the fixture accounts in its `meta`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group

from .common import BENCH_DOMAIN

HOME_USERS = 5000
COMPANIES = 50
AGENTS = 20
BIG_COMPANY_LICENCES = 60
# Every bench account and company is in one country, so each (plan, priority, segment)
# has one SLA clock.
COUNTRY = "MY"
DAY = timedelta(days=1)


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
    plans: dict  # pk -> SupportPlan (standard and premium)
    standard_plan_id: int
    premium_plan_id: int
    queues: dict  # segment -> queue id
    lab_queue_id: int | None
    lab_categories: set
    rule_set_id: int | None
    survey_id: int


def demo_password() -> str:
    return os.environ.get("DEMO_PASSWORD", "demo-pass-2026")


class PeopleSeeding:
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
            business_version=supported(business_product),
            plans={standard.pk: standard, premium.pk: premium}, standard_plan_id=standard.pk,
            premium_plan_id=premium.pk, queues=queues, lab_queue_id=lab,
            lab_categories=set(LAB_CATEGORIES), rule_set_id=rule_set.pk if rule_set else None,
            survey_id=survey.pk,
        )

    # People ------------------------------------------------------------------------------

    def _user(self, email: str, full_name: str, *, is_staff: bool = False) -> int:
        from allauth.account.models import EmailAddress

        from accounts.models import User

        pk = self.writer.add(
            User, email=email, full_name=full_name, country=COUNTRY,
            language="ms" if self.rng.random() < 0.1 else "en",
            time_zone=settings.DEFAULT_USER_TIME_ZONE, is_staff=is_staff, is_active=True,
            is_superuser=False, password=self.password, last_login=None,
            date_joined=self.anchor - timedelta(days=self.rng.randint(30, 1500)),
            erased_at=None,
        )
        self.writer.add(EmailAddress, user_id=pk, email=email, verified=True, primary=True)
        return pk

    def _staff(self) -> dict:
        from accounts.access import AGENTS as AGENTS_GROUP
        from accounts.access import SUPERVISORS
        from helpdesk.models import Queue

        self.password = make_password(demo_password())
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
                Company, name=f"Bench Company {i:02d}", slug=slug, country=COUNTRY,
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
