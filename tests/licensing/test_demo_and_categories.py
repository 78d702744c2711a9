"""The seeded categories (data migration) and the demo data (seed_demo)."""

from importlib import import_module

import pytest
from django.apps import apps
from django.core.management import call_command

from licensing.models import (
    Licence,
    PaidService,
    Product,
    ProductVersion,
    RequestCategory,
    SupportPlan,
    SystemRequirement,
)

pytestmark = pytest.mark.django_db

IN_SCOPE = {
    "malfunction": "4.1.1", "database_update": "4.1.1", "false_positive": "4.1.2",
    "undetected_malware": "4.1.2", "infection_cleanup_advice": "4.1.2",
    "licence_recovery": "4.1.3", "howto_download": "4.1.4", "find_documentation": "4.1.4",
    "online_services": "4.1.4",
}
PAID = {5: "professional_services", 10: "professional_services", 12: "professional_services",
        14: "incident_response"}


def test_every_category_and_topic_is_seeded():
    rows = {c.code: c for c in RequestCategory.objects.all()}
    assert set(rows) == set(IN_SCOPE) | {f"oos_4_2_{n}" for n in range(1, 15)}
    for code, clause in IN_SCOPE.items():
        assert (rows[code].clause, rows[code].in_scope, rows[code].paid_service) == (
            clause, True, "")
    assert {c for c, r in rows.items() if r.takes_sample} == {"false_positive",
                                                              "undetected_malware"}
    no_product = {"licence_recovery", "howto_download", "find_documentation",
                  "online_services"}
    for code in no_product:
        assert not rows[code].needs_product and not rows[code].needs_licence
    for code in set(IN_SCOPE) - no_product:
        assert rows[code].needs_product and rows[code].needs_licence
    for n in range(1, 15):
        topic = rows[f"oos_4_2_{n}"]
        assert (topic.clause, topic.in_scope, topic.needs_product, topic.needs_licence) == (
            f"4.2.{n}", False, False, False)
        assert topic.paid_service == PAID.get(n, "")
    for row in rows.values():
        assert row.name and row.name_ms and row.description and row.description_ms
    assert rows["malfunction"].name_ms == "Kepincangan tugas perisian"
    assert rows["oos_4_2_5"].name_ms == "Sesi Sokongan Tapak dan Sokongan Jauh"


def test_the_category_migration_is_idempotent():
    migration = import_module("licensing.migrations.0002_categories")
    RequestCategory.objects.filter(code="malfunction").update(name="changed by hand")
    migration.seed_categories(apps, None)
    migration.seed_categories(apps, None)
    assert RequestCategory.objects.count() == 23
    assert RequestCategory.objects.get(code="malfunction").name == "Software malfunction"


def _licensing_snapshot():
    models = [Product, ProductVersion, SystemRequirement, SupportPlan, PaidService, Licence,
              RequestCategory]
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in models}


def test_seed_demo_twice_changes_nothing_in_licensing():
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    first = _licensing_snapshot()
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert _licensing_snapshot() == first


def test_seed_demo_makes_the_contracted_catalogue_and_licences():
    from io import StringIO

    out = StringIO()
    call_command("seed_demo", stdout=out)
    business = Product.objects.filter(segment="business", kind="commercial")
    assert business.count() == 1
    home = Product.objects.filter(segment="home", kind="commercial")
    assert home.exists()
    for product in (business.get(), home.first()):
        flags = {v.supported for v in product.versions.all()}
        assert flags == {True, False}
    free = Product.objects.get(segment="home", kind="free")
    assert any(v.supported for v in free.versions.all())
    assert not ProductVersion.objects.filter(requirements__isnull=True).exists()
    assert set(PaidService.objects.offered_in("MY").values_list("code", flat=True)) == {
        "professional_services", "incident_response", "premium_support", "support_extension"}
    premium = SupportPlan.objects.get(code="premium")
    assert premium.is_paid and SupportPlan.objects.filter(code="standard").exists()
    for slug, plan in (("acme", "standard"), ("globex", "premium")):
        licences = Licence.objects.filter(company__slug=slug, product=business.get())
        valid = [lic for lic in licences if lic.is_valid]
        expired = [lic for lic in licences if not lic.is_valid]
        assert len(valid) == 1 and len(expired) == 1
        assert valid[0].plan.code == plan
    assert not Licence.objects.filter(home_user__isnull=False).exists()
    unclaimed = Licence.objects.unclaimed()
    assert unclaimed.count() >= 2
    for licence in unclaimed:
        assert licence.key in out.getvalue()


def test_seed_demo_makes_the_vendors_premium_tiers_beside_premium():
    call_command("seed_demo", stdout=None)
    plans = {p.code: (p.is_paid, p.yearly_request_allowance, p.authorised_contacts)
             for p in SupportPlan.objects.all()}
    assert plans["premium-start"] == (True, 6, 1)
    assert plans["premium-plus"] == (True, 12, 2)
    assert plans["premium-business"] == (True, 36, 4)
    assert plans["premium-enterprise"] == (True, None, 8)  # unlimited requests
    assert plans["standard"][0] is False
    globex = Licence.objects.get(key="GLBX0-ESB00-ACTIV-E0001")
    assert globex.plan.code == "premium"
    from helpdesk.models import SlaTarget
    for code in ("premium-start", "premium-plus", "premium-business", "premium-enterprise"):
        assert SlaTarget.objects.filter(plan__code=code).count() == 4, code
