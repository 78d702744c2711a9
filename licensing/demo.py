"""Demo catalogue, plans, paid services and licences (DESIGN.md section 8).

Runs after accounts.demo. Idempotent: rows are found by their code or fixed key and only
created when missing, so a second run changes nothing (dates relative to today are set
when a licence is first created, and kept after).
"""

from datetime import date, timedelta

from django.utils import timezone

from .models import (
    Licence,
    OperatingSystem,
    PaidService,
    PaidServiceCode,
    Product,
    ProductKind,
    ProductSegment,
    ProductVersion,
    SupportPlan,
    SystemRequirement,
)

DEMO_COUNTRY = "MY"
PAST_END_OF_SUPPORT = date(2024, 6, 30)

# code, name, segment, kind, [(version, release date, end of support, {os: minimum})]
PRODUCTS = [
    ("kaspersky-premium", "Kaspersky Premium", ProductSegment.HOME, ProductKind.COMMERCIAL, [
        ("21.21", date(2025, 3, 1), None,
         {OperatingSystem.WINDOWS: "10", OperatingSystem.MACOS: "12",
          OperatingSystem.ANDROID: "9", OperatingSystem.IOS: "15"}),
        ("21.3", date(2021, 6, 1), PAST_END_OF_SUPPORT,
         {OperatingSystem.WINDOWS: "7", OperatingSystem.MACOS: "10.13"}),
    ]),
    ("kaspersky-free", "Kaspersky Free", ProductSegment.HOME, ProductKind.FREE, [
        ("21.21", date(2025, 3, 1), None,
         {OperatingSystem.WINDOWS: "10", OperatingSystem.ANDROID: "9"}),
    ]),
    ("endpoint-security-business", "Kaspersky Endpoint Security for Business",
     ProductSegment.BUSINESS, ProductKind.COMMERCIAL, [
         ("12.8", date(2025, 1, 15), None,
          {OperatingSystem.WINDOWS: "10", OperatingSystem.MACOS: "12",
           OperatingSystem.LINUX: "5.4"}),
         ("11.1", date(2019, 2, 1), PAST_END_OF_SUPPORT,
          {OperatingSystem.WINDOWS: "7", OperatingSystem.MACOS: "10.13"}),
     ]),
]

PAID_SERVICES = [
    (PaidServiceCode.PROFESSIONAL_SERVICES, "Kaspersky Professional Services",
     "On-site and remote sessions, expert configuration and performance reviews, "
     "deployment (4.2.5, 4.2.10, 4.2.12).", [DEMO_COUNTRY]),
    (PaidServiceCode.INCIDENT_RESPONSE, "Kaspersky Incident Response",
     "Investigation of the causes of incidents resulting from malware infection (4.2.14).",
     [DEMO_COUNTRY]),
    (PaidServiceCode.PREMIUM_SUPPORT, "Kaspersky Premium Support",
     "Response-time commitments and priority handling (3.3).", [DEMO_COUNTRY]),
    (PaidServiceCode.SUPPORT_EXTENSION, "Support extension",
     "Support for a version past its end of support (4.3.2).", []),
]

# The vendor's Premium Support tiers: code, name, premium requests a year (None: unlimited),
# authorised technical contacts. `premium` above stays for Globex's demo licence.
PREMIUM_TIERS = [
    ("premium-start", "Premium Support Start", 6, 1),
    ("premium-plus", "Premium Support Plus", 12, 2),
    ("premium-business", "Premium Support Business", 36, 4),
    ("premium-enterprise", "Premium Support Enterprise", None, 8),
]
PREMIUM_TIER_DESCRIPTION = ("Response-time targets per priority (3.3), for a yearly number of "
                            "premium requests and named technical contacts.")

# Fixed activation codes, so a rerun finds what the first run made.
KEYS = {
    "acme_active": "ACME0-ESB00-ACTIV-E0001",
    "acme_expired": "ACME0-ESB00-EXPIR-ED001",
    "globex_active": "GLBX0-ESB00-ACTIV-E0001",
    "globex_expired": "GLBX0-ESB00-EXPIR-ED001",
    "unclaimed_home": "DEMO0-PREM0-UNCLA-IMED1",
    "unclaimed_business_1": "DEMO0-ESB00-UNCLA-IMED1",
    "unclaimed_business_2": "DEMO0-ESB00-UNCLA-IMED2",
}


def _product(code, name, segment, kind, versions) -> tuple[Product, list[ProductVersion]]:
    product, _ = Product.objects.get_or_create(
        code=code, defaults={"name": name, "segment": segment, "kind": kind})
    made = []
    for number, released, end_of_support, requirements in versions:
        version, _ = ProductVersion.objects.get_or_create(
            product=product, version=number,
            defaults={"release_date": released, "end_of_support": end_of_support})
        for os, minimum in requirements.items():
            SystemRequirement.objects.get_or_create(version=version, os=os,
                                                    defaults={"min_os_version": minimum})
        made.append(version)
    return product, made


def _licence(key, *, product, plan, starts_on, expires_on, order_number, company=None,
             claimed_by=None, seats=1) -> Licence:
    licence, _ = Licence.objects.get_or_create(key=key, defaults={
        "product": product, "plan": plan, "seats": seats, "starts_on": starts_on,
        "expires_on": expires_on, "order_number": order_number,
        "purchaser_email": f"purchasing@{company.slug}.example" if company else
        "buyer@example.com",
        "company": company, "claimed_by": claimed_by,
        "claimed_at": timezone.now() if company else None,
    })
    return licence


def seed(demo: dict, out) -> None:
    today = timezone.localdate()
    catalogue = {code: _product(code, *rest) for code, *rest in PRODUCTS}
    home_product, (home_version, home_version_eos) = catalogue["kaspersky-premium"]
    free_product, (free_version,) = catalogue["kaspersky-free"]
    business_product, (business_version, business_version_eos) = catalogue[
        "endpoint-security-business"]

    standard, _ = SupportPlan.objects.get_or_create(code=SupportPlan.STANDARD, defaults={
        "name": "Standard Support", "is_paid": False,
        "description": "Best effort, without response-time targets (3.3)."})
    premium, _ = SupportPlan.objects.get_or_create(code="premium", defaults={
        "name": "Premium Support", "is_paid": True, "yearly_request_allowance": 12,
        "authorised_contacts": 2,
        "description": "Response-time targets per priority, for a yearly number of "
        "premium requests."})
    tiers = {code: SupportPlan.objects.get_or_create(code=code, defaults={
        "name": name, "is_paid": True, "yearly_request_allowance": allowance,
        "authorised_contacts": contacts, "description": PREMIUM_TIER_DESCRIPTION})[0]
        for code, name, allowance, contacts in PREMIUM_TIERS}

    services = {}
    for code, name, description, countries in PAID_SERVICES:
        services[code.value], _ = PaidService.objects.get_or_create(code=code, defaults={
            "name": name, "description": description, "countries": countries})

    acme, globex = demo["acme"], demo["globex"]
    active = {"starts_on": today - timedelta(days=180), "expires_on": today + timedelta(days=550)}
    expired = {"starts_on": today - timedelta(days=800),
               "expires_on": today - timedelta(days=70)}
    licences = {
        "acme_active": _licence(KEYS["acme_active"], product=business_product, plan=standard,
                                order_number="DEMO-1001", company=acme,
                                claimed_by=demo["acme_admin"], seats=25, **active),
        "acme_expired": _licence(KEYS["acme_expired"], product=business_product,
                                 plan=standard, order_number="DEMO-0901", company=acme,
                                 seats=20, **expired),
        "globex_active": _licence(KEYS["globex_active"], product=business_product,
                                  plan=premium, order_number="DEMO-1002", company=globex,
                                  claimed_by=demo["globex_admin"], seats=500, **active),
        "globex_expired": _licence(KEYS["globex_expired"], product=business_product,
                                   plan=standard, order_number="DEMO-0902", company=globex,
                                   seats=400, **expired),
        "unclaimed_home": _licence(KEYS["unclaimed_home"], product=home_product,
                                   plan=standard, order_number="DEMO-2001", **active),
        "unclaimed_business_1": _licence(KEYS["unclaimed_business_1"],
                                         product=business_product, plan=standard,
                                         order_number="DEMO-2002", seats=10, **active),
        "unclaimed_business_2": _licence(KEYS["unclaimed_business_2"],
                                         product=business_product, plan=premium,
                                         order_number="DEMO-2003", seats=50, **active),
    }

    demo.update(
        home_product=home_product, home_version=home_version,
        home_version_eos=home_version_eos, free_product=free_product,
        free_version=free_version, business_product=business_product,
        business_version=business_version, business_version_eos=business_version_eos,
        standard_plan=standard, premium_plan=premium, premium_tiers=tiers,
        paid_services=services,
        licences=licences,
    )
    out("Demo catalogue, plans and paid services ready. Unclaimed activation codes to try:")
    for name in ("unclaimed_home", "unclaimed_business_1", "unclaimed_business_2"):
        licence = licences[name]
        out(f"  {licence.key}  {licence.product.name} ({licence.plan.name})")
