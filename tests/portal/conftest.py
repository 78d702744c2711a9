"""A small world for the portal pages: a home user, Acme (admin and two members, verified),
Globex (admin), an unverified company, a home and a business product with a supported and
an end-of-support version, valid company licences, the published rules and the paid
services offered in MY."""

from datetime import timedelta
from functools import partial
from types import SimpleNamespace

import pytest

from accounts.models import CompanySegment
from accounts.workspace import Workspace, resolve_workspace
from helpdesk.models import SelfHelpResource
from helpdesk.rules.services import load_published_rules
from licensing.models import (
    PaidServiceCode,
    ProductKind,
    ProductSegment,
)
from tests.accounts.factories import CompanyFactory, MembershipFactory, UserFactory
from tests.helpdesk.factories import file_test_request, version_with_requirements
from tests.licensing.factories import (
    LicenceFactory,
    PaidServiceFactory,
    PremiumPlanFactory,
    ProductFactory,
    SupportPlanFactory,
    today,
)


@pytest.fixture
def world(db):
    w = SimpleNamespace()
    w.rules = load_published_rules()
    w.standard = SupportPlanFactory()
    w.premium = PremiumPlanFactory()
    w.services = {code: PaidServiceFactory(code=code) for code in PaidServiceCode.values}

    w.home_product = ProductFactory(code="home-premium", name="Home Premium")
    w.home_v = version_with_requirements(w.home_product, "21.21", windows="10", macos="10.15")
    w.home_old = version_with_requirements(
        w.home_product, "21.3", end_of_support=today() - timedelta(days=1), windows="7")
    w.free = ProductFactory(code="home-free", name="Home Free", kind=ProductKind.FREE)
    w.free_v = version_with_requirements(w.free, "3.1", windows="10")
    w.biz = ProductFactory(code="endpoint", name="Endpoint Security",
                           segment=ProductSegment.BUSINESS)
    w.biz_v = version_with_requirements(w.biz, "12.8", windows="10", linux="5.4")

    w.home_user = UserFactory(email="hana@example.org")
    w.other_home = UserFactory(email="omar@example.org")
    w.acme = CompanyFactory(name="Acme", slug="acme")
    w.globex = CompanyFactory(name="Globex", slug="globex",
                              segment=CompanySegment.MEDIUM_LARGE_BUSINESS)
    w.pending_co = CompanyFactory(name="Newco", slug="newco", is_verified=False)
    w.acme_admin = MembershipFactory(company=w.acme, role="admin",
                                     user__email="admin@acme.example").user
    w.acme_member = MembershipFactory(company=w.acme, user__email="member@acme.example").user
    w.acme_member2 = MembershipFactory(company=w.acme,
                                       user__email="member2@acme.example").user
    w.globex_admin = MembershipFactory(company=w.globex, role="admin",
                                       user__email="admin@globex.example").user
    w.newco_admin = MembershipFactory(company=w.pending_co, role="admin",
                                      user__email="admin@newco.example").user
    w.acme_licence = LicenceFactory(product=w.biz, company=w.acme, plan=w.standard)
    w.globex_licence = LicenceFactory(product=w.biz, company=w.globex, plan=w.premium)

    w.home_ws = Workspace(user=w.home_user)
    w.acme_admin_ws = resolve_workspace(w.acme_admin, "acme")
    w.acme_member_ws = resolve_workspace(w.acme_member, "acme")
    w.acme_member2_ws = resolve_workspace(w.acme_member2, "acme")
    w.globex_ws = resolve_workspace(w.globex_admin, "globex")
    return w


@pytest.fixture
def file_request(world):
    """File a request through the service, with the workspace's product by default."""
    return partial(file_test_request, world)


@pytest.fixture
def resources(world):
    """Self-help of clause 2.1 in both segments and languages."""
    make = SelfHelpResource.objects.create
    return SimpleNamespace(
        home_kb=make(segment="home", kind="knowledge_base", language="en",
                     title="Scan stops or freezes", url="https://support.example.com/kb/scan",
                     keywords="scan scanning freeze stops slow"),
        home_kb_ms=make(segment="home", kind="knowledge_base", language="ms",
                        title="Imbasan berhenti", url="https://support.example.com/ms/kb/scan",
                        keywords="imbasan scan berhenti"),
        home_community=make(segment="home", kind="community", language="en",
                            title="Kaspersky Community", url="https://community.example.com/",
                            keywords="forum community"),
        business_kb=make(segment="business", kind="knowledge_base", language="en",
                         title="Endpoint agent does not connect",
                         url="https://support.example.com/kb/agent",
                         keywords="agent connect network server"),
        unlisted=make(segment="home", kind="course", language="en", title="Old course",
                      url="https://academy.example.com/old", keywords="scan",
                      is_active=False),
    )
