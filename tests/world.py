"""The one test world: customers of both kinds in two countries, four companies, the
catalogue with supported and end-of-support versions, plans, the published rules and the
support staff with their queues. Every app's tests take it through a fixture
(`world`, and `world` in the helpdesk's tests).

    home_user, other_home (MY), sg_user (SG)      home customers
    acme (small business: acme_admin, acme_member, acme_member2), globex (medium & large:
    globex_admin), lion (SG: sg_admin), newco (not verified yet: newco_admin)
    agent (in every default queue), outsider (in none), supervisor
"""

from datetime import timedelta
from types import SimpleNamespace

from accounts.models import CompanySegment, Segment
from accounts.workspace import Workspace, resolve_workspace
from helpdesk.rules.services import load_published_rules
from licensing.models import PaidServiceCode, ProductKind, ProductSegment
from tests.accounts.factories import (
    AgentFactory,
    CompanyFactory,
    MembershipFactory,
    UserFactory,
    supervisor,
)
from tests.helpdesk.factories import QueueFactory, version_with_requirements
from tests.licensing.factories import (
    LicenceFactory,
    PaidServiceFactory,
    PremiumPlanFactory,
    ProductFactory,
    SupportPlanFactory,
    today,
)


def build_world(*, full_name: str | None = None, company_name: str = "Acme") -> SimpleNamespace:
    """`full_name` names every customer alike and `company_name` renames Acme, for the tests
    of what names may contain."""
    w = SimpleNamespace()
    _catalogue(w)
    _customers(w, full_name=full_name, company_name=company_name)
    _staff(w)
    return w


def _catalogue(w: SimpleNamespace) -> None:
    w.rules = load_published_rules()
    w.standard = SupportPlanFactory()
    w.premium = PremiumPlanFactory()
    w.services = {code: PaidServiceFactory(code=code) for code in PaidServiceCode.values}

    w.home_product = ProductFactory(code="home-premium", name="Home Premium")
    w.home_v = version_with_requirements(w.home_product, "21.21", windows="10", macos="10.15")
    w.home_old = version_with_requirements(
        w.home_product, "21.3", end_of_support=today() - timedelta(days=1), windows="7")
    w.freemium = ProductFactory(code="home-freemium", name="Home Freemium",
                                kind=ProductKind.FREE_PREMIUM)
    w.freemium_v = version_with_requirements(w.freemium, "5.0", windows="10")
    w.free = ProductFactory(code="home-free", name="Home Free", kind=ProductKind.FREE)
    w.free_v = version_with_requirements(w.free, "3.1", windows="10", android="9")
    w.biz = ProductFactory(code="endpoint", name="Endpoint Security",
                           segment=ProductSegment.BUSINESS)
    w.biz_v = version_with_requirements(w.biz, "12.8", windows="10", macos="10.15",
                                        linux="5.4")
    w.biz_old = version_with_requirements(
        w.biz, "11.1", end_of_support=today() - timedelta(days=30), windows="7")
    w.biz_free = ProductFactory(code="business-free-tool", name="Business Free Tool",
                                segment=ProductSegment.BUSINESS, kind=ProductKind.FREE_PREMIUM)
    w.biz_free_v = version_with_requirements(w.biz_free, "1.0", windows="10")


def _member(company, email: str, full_name: str, *, role: str = "member"):
    return MembershipFactory(company=company, role=role, user__email=email,
                             user__full_name=full_name).user


def _customers(w: SimpleNamespace, *, full_name: str | None, company_name: str) -> None:
    w.home_user = UserFactory(email="hana@example.org", full_name=full_name or "Hana Home")
    w.other_home = UserFactory(email="omar@example.org", full_name=full_name or "Omar Home")
    w.sg_user = UserFactory(email="sam@example.sg", full_name="Sam Tan", country="SG")

    w.acme = CompanyFactory(name=company_name, slug="acme")
    w.globex = CompanyFactory(name="Globex", slug="globex",
                              segment=CompanySegment.MEDIUM_LARGE_BUSINESS)
    w.sgco = CompanyFactory(name="Lion Pte", slug="lion", country="SG")
    w.pending_co = CompanyFactory(name="Newco", slug="newco", is_verified=False)
    w.acme_admin = _member(w.acme, "admin@acme.example", full_name or "Adam Acme",
                           role="admin")
    w.acme_member = _member(w.acme, "member@acme.example", full_name or "Mei Acme")
    w.acme_member2 = _member(w.acme, "member2@acme.example", "Musa Acme")
    w.globex_admin = _member(w.globex, "admin@globex.example", "Gopal Globex", role="admin")
    w.sg_admin = _member(w.sgco, "admin@lion.example", "Lim Lion", role="admin")
    w.newco_admin = _member(w.pending_co, "admin@newco.example", "Nadia Newco", role="admin")

    w.acme_licence = LicenceFactory(product=w.biz, company=w.acme, plan=w.standard)
    w.globex_licence = LicenceFactory(product=w.biz, company=w.globex, plan=w.premium)

    w.home_ws = Workspace(user=w.home_user)
    w.other_home_ws = Workspace(user=w.other_home)
    w.sg_ws = Workspace(user=w.sg_user)
    w.acme_admin_home_ws = Workspace(user=w.acme_admin)
    w.acme_admin_ws = resolve_workspace(w.acme_admin, "acme")
    w.acme_member_ws = resolve_workspace(w.acme_member, "acme")
    w.acme_member2_ws = resolve_workspace(w.acme_member2, "acme")
    w.globex_ws = resolve_workspace(w.globex_admin, "globex")
    w.sgco_ws = resolve_workspace(w.sg_admin, "lion")


def _staff(w: SimpleNamespace) -> None:
    w.agent = AgentFactory(email="agent@example.org", full_name="Amir Agent")
    w.outsider = AgentFactory(email="outsider@example.org", full_name="Olga Outsider")
    w.supervisor = supervisor(email="boss@example.org", full_name="Sara Supervisor")
    w.queues = {}
    for segment in Segment.values:
        queue = QueueFactory(name=f"Default {segment}", segment=segment, is_default=True)
        queue.agents.add(w.agent)
        w.queues[segment] = queue
