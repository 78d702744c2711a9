"""Whether a support request may be filed: the rules of DESIGN.md section 3, in order.

`decide()` is the one place the Rules are applied. It reads the catalogue and the
workspace's licences and writes nothing; every face reaches it through `licensing.intake`,
which parses the input the same way everywhere and records refusals by one policy.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.errors import DomainError

from .models import (
    Licence,
    OperatingSystem,
    PaidService,
    PaidServiceCode,
    Product,
    ProductKind,
    ProductSegment,
    ProductVersion,
    RequestCategory,
)

if TYPE_CHECKING:
    from accounts.workspace import Workspace

COMMUNITY = "community"
DEFAULT_COMMUNITY_URL = "https://community.kaspersky.com/"

# Clause labels as SUPPORT_RULES.md writes them.
CLAUSE_UNSUPPORTED_PLATFORM = "4.3.1"
CLAUSE_END_OF_SUPPORT = "4.3.2"
CLAUSE_HOME = "4.5a"
CLAUSE_BUSINESS = "4.5b"


@dataclass(frozen=True)
class Offer:
    """Something the customer can take up instead: a paid service (5.1) or the Community."""

    code: str  # support_extension | professional_services | incident_response | premium_support
    #            | community
    name: str  # translated
    url: str = ""

    def as_dict(self) -> dict:
        return {"code": self.code, "name": self.name, "url": self.url}


@dataclass(frozen=True)
class Decision:
    eligible: bool
    clause: str | None  # None when eligible
    reason: str  # translated, naming the product and version where there is one
    offers: tuple[Offer, ...] = ()
    licence: Licence | None = None  # the valid licence that satisfied 4.5b, or the given
    #                                 licence_key's licence when the workspace holds it

    def as_dict(self) -> dict:
        return {
            "eligible": self.eligible,
            "clause": self.clause,
            "reason": self.reason,
            "offers": [offer.as_dict() for offer in self.offers],
        }


class Refused(DomainError):
    """The Support Rules do not allow this request: `decision` says why, under which clause,
    and what the customer can do instead."""

    code = "refused"

    def __init__(self, decision: Decision):
        super().__init__(decision.reason)
        self.decision = decision


def decide(*, workspace: Workspace, category: RequestCategory, product: Product | None = None,
           version: ProductVersion | None = None, os: str | None = None,
           os_version: str | None = None, licence_key: str | None = None,
           on: date | None = None) -> Decision:
    """The decision for a request in `workspace`; first match wins (DESIGN.md section 3).

    `licence_key` must already be normalised (`keys.normalize_key`). For an in-scope category
    that needs a product check, product, version, os and os_version are required (the input
    serializer enforces it); a call without them is a programming error (ValueError).
    """
    day = on or timezone.localdate()
    subject = _subject(product, version)

    # 1. An out-of-scope topic (4.2.x): its clause, and the paid service that covers it
    #    where it is offered in the workspace's country (5.1, 5.2).
    if not category.in_scope:
        offers = ()
        if category.paid_service:
            offer = _paid_service_offer(category.paid_service, workspace.country)
            offers = (offer,) if offer else ()
        params = {"topic": category.localized_name, "clause": category.clause,
                  "product": subject}
        if subject:
            reason = _("Standard Support does not cover “%(topic)s” for %(product)s "
                       "(clause %(clause)s).") % params
        else:
            reason = _("Standard Support does not cover “%(topic)s” (clause %(clause)s).") % params
        if offers:
            reason += " " + _("You can ask for a quote for %(service)s.") % {
                "service": offers[0].name}
        return Decision(False, category.clause, reason, offers)

    # 2. Licence recovery (4.1.3) and consultation (4.1.4) need no product check.
    if not category.needs_product:
        return Decision(True, None, _("Standard Support covers “%(category)s” (clause "
                                      "%(clause)s).") % {"category": category.localized_name,
                                                          "clause": category.clause},
                        licence=_held_licence(workspace, licence_key))

    if product is None or version is None or not os or not os_version:
        raise ValueError(f"category {category.code!r} needs product, version, os and os_version")
    if version.product_id != product.pk:
        raise ValueError(f"version {version.pk} is not a version of product {product.code!r}")

    # 3. A version past its end of support (4.3.2); a support extension can be bought.
    if not version.is_supported_on(day):
        return Decision(False, CLAUSE_END_OF_SUPPORT, _(
            "%(product)s is no longer supported: its support ended on %(date)s (clause 4.3.2). "
            "Update to a supported version, or ask for a support extension."
        ) % {"product": subject, "date": version.end_of_support.isoformat()},
            (_support_extension_offer(),))

    # 4. The platform must meet the version's minimum system requirements (4.3.1).
    platform = OperatingSystem(os).label
    requirement = next((r for r in version.requirements.all() if r.os == os), None)
    if requirement is None:
        return Decision(False, CLAUSE_UNSUPPORTED_PLATFORM, _(
            "%(product)s does not run on %(os)s, so this platform is not supported "
            "(clause 4.3.1)."
        ) % {"product": subject, "os": platform})
    if not requirement.is_met_by(os_version):
        return Decision(False, CLAUSE_UNSUPPORTED_PLATFORM, _(
            "%(product)s needs %(os)s %(minimum)s or later; %(os)s %(given)s does not meet "
            "its minimum system requirements (clause 4.3.1)."
        ) % {"product": subject, "os": platform, "minimum": requirement.min_os_version,
             "given": os_version})

    held = _held_licence(workspace, licence_key)

    # 5. Commercial business software needs a valid licence of that product held by the
    #    workspace (4.5b); a given licence_key is the one checked.
    if (product.segment == ProductSegment.BUSINESS and product.kind == ProductKind.COMMERCIAL
            and category.needs_licence):
        if licence_key:
            licence = held if held is not None and held.product_id == product.pk else None
        else:
            licence = (
                Licence.objects.in_workspace(workspace).filter(product=product)
                .valid_on(day).select_related("plan").order_by("-expires_on", "pk").first()
            )
        if licence is None or not licence.is_valid_on(day):
            return Decision(False, CLAUSE_BUSINESS, _business_refusal(
                workspace, product, subject, licence_key, licence, day), licence=held)
        return Decision(True, None, _(
            "%(product)s is covered by Standard Support with your valid licence (clause 4.5b)."
        ) % {"product": subject}, licence=licence)

    # 6. Home software: commercial and free-premium whatever the licence (4.5a); plain free
    #    software is not covered and the Community is the place for it (2.1).
    if product.segment == ProductSegment.HOME:
        if product.kind == ProductKind.FREE:
            return Decision(False, CLAUSE_HOME, _(
                "%(product)s is free software, which Standard Support does not cover (clause "
                "4.5a). The Community can help you with it."
            ) % {"product": subject}, (_community_offer(),), licence=held)
        return Decision(True, None, _(
            "%(product)s is supported whatever the licence status (clause 4.5a)."
        ) % {"product": subject}, licence=held)

    # 7. Everything else.
    return Decision(True, None, _("%(product)s is covered by Standard Support.") % {
        "product": subject}, licence=held)


def _subject(product: Product | None, version: ProductVersion | None) -> str:
    if product is None:
        return ""
    return f"{product.name} {version.version}" if version is not None else product.name


def _held_licence(workspace: Workspace, licence_key: str | None) -> Licence | None:
    """The licence with `licence_key` if this workspace holds it (anybody else's is None:
    a decision never tells who holds a key)."""
    if not licence_key:
        return None
    return (
        Licence.objects.in_workspace(workspace).filter(key=licence_key)
        .select_related("product", "plan").first()
    )


def _business_refusal(workspace, product, subject, licence_key, licence, day) -> str:
    params = {"product": subject}
    if licence_key and licence is None:
        return _(
            "The activation code you gave is not a licence of %(product)s held by this "
            "workspace. Support for business software needs a valid licence (clause 4.5b)."
        ) % params
    if licence is None:
        # Say why the workspace's own licences of the product do not count, if it has any.
        licence = (
            Licence.objects.in_workspace(workspace).filter(product=product)
            .order_by("-expires_on", "pk").first()
        )
    if licence is None:
        return _(
            "Support for %(product)s needs a valid licence of it held by this workspace "
            "(clause 4.5b). Add your licence first."
        ) % params
    if licence.status != Licence.Status.ACTIVE:
        return _("Your licence of %(product)s has been revoked; support for business "
                 "software needs a valid licence (clause 4.5b).") % params
    if licence.starts_on > day:
        return _("Your licence of %(product)s starts on %(date)s; support for business "
                 "software needs a valid licence (clause 4.5b).") % {
            **params, "date": licence.starts_on.isoformat()}
    return _("Your licence of %(product)s expired on %(date)s; support for business "
             "software needs a valid licence (clause 4.5b).") % {
        **params, "date": licence.expires_on.isoformat()}


def _paid_service_offer(code: str, country: str) -> Offer | None:
    service = PaidService.objects.offered_in(country).filter(code=code).first()
    if service is None:
        return None
    return Offer(code=service.code, name=service.localized_name, url=service.url)


def _support_extension_offer() -> Offer:
    """Offered in every country (4.3.2): offered even before staff list it as a service."""
    code = PaidServiceCode.SUPPORT_EXTENSION
    url = PaidService.objects.filter(code=code).values_list("url", flat=True).first() or ""
    return Offer(code=code.value, name=str(code.label), url=url)


def _community_offer() -> Offer:
    return Offer(code=COMMUNITY, name=_("Kaspersky Community"),
                 url=getattr(settings, "COMMUNITY_URL", DEFAULT_COMMUNITY_URL))
