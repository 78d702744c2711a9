"""A small world for the helpdesk: a home user, Acme (admin and two members) and Globex
(admin) with valid licences, the published rules, a queue per segment with one agent in
them, an agent outside them, and a supervisor."""

from datetime import date, datetime, time
from functools import partial
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from rest_framework.test import APIClient

from accounts.models import CompanySegment, Segment
from accounts.workspace import Workspace, resolve_workspace
from helpdesk.models import OpeningHours, SlaTarget, SupportCalendar, SupportRequest
from helpdesk.rules.services import load_published_rules
from helpdesk.sla.calendars import schedule_for
from licensing.models import ProductKind, ProductSegment
from tests.accounts.factories import (
    AgentFactory,
    CompanyFactory,
    MembershipFactory,
    UserFactory,
    supervisor,
)
from tests.licensing.factories import (
    LicenceFactory,
    PremiumPlanFactory,
    ProductFactory,
    SupportPlanFactory,
)

from .factories import QueueFactory, file_test_request, version_with_requirements


@pytest.fixture
def hd(db):
    w = SimpleNamespace()
    w.rules = load_published_rules()
    w.standard = SupportPlanFactory()
    w.premium = PremiumPlanFactory()

    w.home_product = ProductFactory(code="home-premium", name="Home Premium")
    w.home_v = version_with_requirements(w.home_product, "21.21", windows="10")
    w.free = ProductFactory(code="home-free", name="Home Free", kind=ProductKind.FREE)
    w.free_v = version_with_requirements(w.free, "3.1", windows="10")
    w.biz = ProductFactory(code="endpoint", name="Endpoint Security",
                           segment=ProductSegment.BUSINESS)
    w.biz_v = version_with_requirements(w.biz, "12.8", windows="10")

    w.home_user = UserFactory(email="hana@example.org")
    w.acme = CompanyFactory(name="Acme", slug="acme")
    w.globex = CompanyFactory(name="Globex", slug="globex",
                              segment=CompanySegment.MEDIUM_LARGE_BUSINESS)
    w.acme_admin = MembershipFactory(company=w.acme, role="admin",
                                     user__email="admin@acme.example").user
    w.acme_member = MembershipFactory(company=w.acme, user__email="member@acme.example").user
    w.acme_member2 = MembershipFactory(company=w.acme,
                                       user__email="member2@acme.example").user
    w.globex_admin = MembershipFactory(company=w.globex, role="admin",
                                       user__email="admin@globex.example").user
    w.acme_licence = LicenceFactory(product=w.biz, company=w.acme, plan=w.standard)
    w.globex_licence = LicenceFactory(product=w.biz, company=w.globex, plan=w.premium)

    w.home_ws = Workspace(user=w.home_user)
    w.acme_admin_ws = resolve_workspace(w.acme_admin, "acme")
    w.acme_member_ws = resolve_workspace(w.acme_member, "acme")
    w.acme_member2_ws = resolve_workspace(w.acme_member2, "acme")
    w.globex_ws = resolve_workspace(w.globex_admin, "globex")

    w.agent = AgentFactory(email="agent@example.org", full_name="Amir Agent")
    w.outsider = AgentFactory(email="outsider@example.org")
    w.supervisor = supervisor(email="boss@example.org")
    w.queues = {}
    for segment in Segment.values:
        queue = QueueFactory(name=f"Default {segment}", segment=segment, is_default=True)
        queue.agents.add(w.agent)
        w.queues[segment] = queue
    return w


@pytest.fixture
def file_request(hd):
    """File a request through the service, with the workspace's product by default."""
    return partial(file_test_request, hd)


@pytest.fixture
def api():
    def make(user=None):
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return make


def kinds(support_request) -> list[str]:
    return list(support_request.timeline.order_by("pk").values_list("kind", flat=True))


def emails_to(outbox, address) -> list:
    return [m for m in outbox if address in m.to]


# Paid plans' due times (DESIGN.md section 5) ---------------------------------------------

KL = ZoneInfo("Asia/Kuala_Lumpur")


def kl(*args) -> datetime:
    return datetime(*args, tzinfo=KL)


def malaysia_calendar(segment="medium_large_business", country="MY") -> SupportCalendar:
    calendar = SupportCalendar.objects.create(
        name=f"Malaysia {segment}", country=country, segment=segment,
        time_zone="Asia/Kuala_Lumpur", holiday_country="MY", holiday_subdivision="KUL")
    OpeningHours.objects.bulk_create(
        OpeningHours(calendar=calendar, weekday=day, opens=time(9), closes=time(18))
        for day in range(5))
    return calendar


def targets(plan, priority="normal", *, first=240, following=480, resolution=1440,
            around_the_clock=False) -> SlaTarget:
    return SlaTarget.objects.create(
        plan=plan, priority=priority, first_response_minutes=first,
        next_response_minutes=following, resolution_minutes=resolution,
        around_the_clock=around_the_clock)


def fresh(sr) -> SupportRequest:
    return SupportRequest.objects.get(pk=sr.pk)


@pytest.fixture
def sla(hd):
    """Globex (MY, medium & large business) on Premium Support, its admin filing."""
    w = SimpleNamespace(calendar=malaysia_calendar(), target=targets(hd.premium))
    # Valid through every moment the tests travel to.
    for licence in (hd.globex_licence, hd.acme_licence):
        licence.starts_on, licence.expires_on = date(2025, 6, 1), date(2027, 12, 31)
        licence.save()
    w.schedule = schedule_for(w.calendar)
    return w


@pytest.fixture
def premium(hd, file_request):
    def make(user=None, workspace=None, **kwargs):
        return file_request(user or hd.globex_admin, workspace or hd.globex_ws, **kwargs)

    return make
