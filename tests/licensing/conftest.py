from datetime import timedelta
from types import SimpleNamespace

import pytest
from rest_framework.test import APIClient

from accounts.workspace import Workspace, resolve_workspace
from licensing.models import (
    OperatingSystem,
    PaidServiceCode,
    ProductKind,
    ProductSegment,
    RequestCategory,
)
from tests.accounts.factories import CompanyFactory, MembershipFactory, UserFactory

from .factories import (
    PaidServiceFactory,
    ProductFactory,
    ProductVersionFactory,
    SupportPlanFactory,
    SystemRequirementFactory,
    today,
)


def category(code: str) -> RequestCategory:
    """Categories and topics are seeded by the data migration."""
    return RequestCategory.objects.get(code=code)


def _version(product, number, *, end_of_support=None, **requirements):
    version = ProductVersionFactory(product=product, version=number,
                                    end_of_support=end_of_support)
    for os, minimum in requirements.items():
        SystemRequirementFactory(version=version, os=os, min_os_version=minimum)
    return version


@pytest.fixture
def world(db):
    """Two companies in MY (Acme: admin + member; Globex: admin), a home user in MY and
    one in SG, a catalogue and the paid services (all but the extension offered in MY)."""
    w = SimpleNamespace()
    w.standard = SupportPlanFactory()
    w.services = {code: PaidServiceFactory(code=code) for code in PaidServiceCode.values}

    w.home_product = ProductFactory(code="home-premium", name="Home Premium")
    w.home_v = _version(w.home_product, "21.21", windows="10", macos="10.15")
    w.home_old = _version(w.home_product, "21.3", end_of_support=today() - timedelta(days=1),
                          windows="7")
    w.freemium = ProductFactory(code="home-freemium", name="Home Freemium",
                                kind=ProductKind.FREE_PREMIUM)
    w.freemium_v = _version(w.freemium, "5.0", windows="10")
    w.free = ProductFactory(code="home-free", name="Home Free", kind=ProductKind.FREE)
    w.free_v = _version(w.free, "3.1", windows="10", android="9")
    w.biz = ProductFactory(code="endpoint", name="Endpoint Security",
                           segment=ProductSegment.BUSINESS)
    w.biz_v = _version(w.biz, "12.8", windows="10", macos="10.15", linux="5.4")
    w.biz_old = _version(w.biz, "11.1", end_of_support=today() - timedelta(days=30),
                         windows="7")
    w.biz_free = ProductFactory(code="business-free-tool", name="Business Free Tool",
                                segment=ProductSegment.BUSINESS, kind=ProductKind.FREE_PREMIUM)
    w.biz_free_v = _version(w.biz_free, "1.0", windows="10")

    w.home_user = UserFactory(email="hana@example.org")
    w.sg_user = UserFactory(email="sam@example.sg", country="SG")
    w.acme = CompanyFactory(name="Acme", slug="acme")
    w.globex = CompanyFactory(name="Globex", slug="globex")
    w.sgco = CompanyFactory(name="Lion Pte", slug="lion", country="SG")
    w.acme_admin = MembershipFactory(company=w.acme, role="admin",
                                     user__email="admin@acme.example").user
    w.acme_member = MembershipFactory(company=w.acme, user__email="member@acme.example").user
    w.acme_member2 = MembershipFactory(company=w.acme, user__email="member2@acme.example").user
    w.globex_admin = MembershipFactory(company=w.globex, role="admin",
                                       user__email="admin@globex.example").user
    w.sg_admin = MembershipFactory(company=w.sgco, role="admin",
                                   user__email="admin@lion.example").user

    w.home_ws = Workspace(user=w.home_user)
    w.sg_ws = Workspace(user=w.sg_user)
    w.acme_ws = resolve_workspace(w.acme_admin, "acme")
    w.acme_member_ws = resolve_workspace(w.acme_member, "acme")
    w.acme_admin_home_ws = Workspace(user=w.acme_admin)
    w.globex_ws = resolve_workspace(w.globex_admin, "globex")
    w.sgco_ws = resolve_workspace(w.sg_admin, "lion")
    w.os = OperatingSystem
    return w


@pytest.fixture
def api():
    def make(user=None):
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return make
