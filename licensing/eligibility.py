"""Whether a support request may be filed: the rules of DESIGN.md section 3, in order.

`decide()` is the one place the Rules are applied. It reads the catalogue and the
workspace's licences and writes nothing; every face reaches it through `licensing.intake`,
which parses the input the same way everywhere and records refusals by one policy.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from accounts.errors import DomainError

from . import offers as offer_routes
from . import reasons
from .models import (
    Licence,
    OperatingSystem,
    Product,
    ProductKind,
    ProductSegment,
    ProductVersion,
    RequestCategory,
)
from .offers import Offer
from .versions import parse_platform_version

if TYPE_CHECKING:
    from accounts.workspace import Workspace

# Clause labels as SUPPORT_RULES.md writes them.
CLAUSE_UNSUPPORTED_PLATFORM = "4.3.1"
CLAUSE_END_OF_SUPPORT = "4.3.2"
CLAUSE_HOME = "4.5a"
CLAUSE_BUSINESS = "4.5b"


@dataclass(frozen=True)
class Decision:
    """A decision as data: whether, under which clause, why (a reason code of
    `licensing.reasons` and its parameters) and what instead. `reason` and `as_dict()` put
    it into words in the active language, so a stored decision reads in its reader's."""

    eligible: bool
    clause: str | None  # None when eligible
    reason_code: str
    params: Mapping[str, Any] = field(default_factory=dict)
    offers: tuple[Offer, ...] = ()
    licence: Licence | None = None  # the valid licence that satisfied 4.5b, or the given
    #                                 licence_key's licence when the workspace holds it
    category: RequestCategory | None = None  # names the topic in the reader's language

    @property
    def reason(self) -> str:
        """For the user, in the active language, naming the product and version."""
        return reasons.render(self.reason_code, self.params, category=self.category)

    def as_dict(self) -> dict:
        """The answer of every face: eligible, clause, reason and offers, in words."""
        return {
            "eligible": self.eligible,
            "clause": self.clause,
            "reason": self.reason,
            "offers": [offer.as_dict() for offer in self.offers],
        }

    def as_data(self) -> dict:
        """What is stored (on the request it filed): codes and parameters, no words."""
        return {
            "eligible": self.eligible,
            "clause": self.clause,
            "reason_code": self.reason_code,
            "params": dict(self.params),
            "offers": [{"code": o.code, "url": o.url} for o in self.offers],
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any] | None, *,
                  category: RequestCategory | None = None) -> Decision:
        """A stored decision (`as_data`), with the category it was about."""
        data = data or {}
        return cls(
            eligible=bool(data.get("eligible", True)), clause=data.get("clause"),
            reason_code=data.get("reason_code", ""), params=data.get("params") or {},
            offers=tuple(Offer(code=o.get("code", ""), url=o.get("url", ""))
                         for o in data.get("offers") or () if isinstance(o, Mapping)),
            category=category)

    def with_idea_kept(self) -> Decision:
        """This refusal once the feature request's idea is kept as product feedback."""
        return replace(self, params={**self.params, "idea_kept": True}, offers=tuple(
            replace(o, kept=True) if o.code == offer_routes.PRODUCT_FEEDBACK else o
            for o in self.offers))


class Refused(DomainError):
    """The Support Rules do not allow this request: `decision` says why, under which clause,
    and what the customer can do instead."""

    code = "refused"

    def __init__(self, decision: Decision):
        super().__init__(decision.reason)
        self.decision = decision


def _refusal(clause: str, code: str, params: dict, workspace, *, paid: tuple = (),
             licence=None, category=None) -> Decision:
    """A refusal with its way forward: the paid offers first, then the free routes."""
    return Decision(False, clause, code, params,
                    paid + offer_routes.free_routes(clause, workspace),
                    licence=licence, category=category)


def decide(*, workspace: Workspace, category: RequestCategory, product: Product | None = None,
           version: ProductVersion | None = None, os: str | None = None,
           os_version: str | None = None, licence_key: str | None = None,
           on: date | None = None) -> Decision:
    """The decision for a request in `workspace`; first match wins (DESIGN.md section 3).

    `licence_key` must already be normalised (`keys.normalize_key`), `os_version` be a
    version of `os` (`versions.parse_platform_version`). For an in-scope category that needs
    a product check, product, version, os and os_version are required (the intake enforces
    it); a call without them is a programming error (ValueError).
    """
    day = on or timezone.localdate()
    subject = _subject(product, version)

    # 1. An out-of-scope topic (4.2.x): its clause, and the paid service that covers it
    #    where it is offered in the workspace's country (5.1, 5.2).
    if not category.in_scope:
        paid = offer_routes.paid_service(category.paid_service, workspace.country) \
            if category.paid_service else None
        params = {"category": category.code, "clause": category.clause}
        if subject:
            params["product"] = subject
        if paid is not None:
            params["service"] = paid.code
        return _refusal(category.clause, reasons.TOPIC_NOT_COVERED, params, workspace,
                        paid=(paid,) if paid else (), category=category)

    # 2. Licence recovery (4.1.3) and consultation (4.1.4) need no product check.
    if not category.needs_product:
        return Decision(True, None, reasons.CATEGORY_COVERED,
                        {"category": category.code, "clause": category.clause},
                        licence=_held_licence(workspace, licence_key), category=category)

    if product is None or version is None or not os or not os_version:
        raise ValueError(f"category {category.code!r} needs product, version, os and os_version")
    if version.product_id != product.pk:
        raise ValueError(f"version {version.pk} is not a version of product {product.code!r}")

    # 3. A version past its end of support (4.3.2); a support extension can be bought.
    if not version.is_supported_on(day):
        return _refusal(CLAUSE_END_OF_SUPPORT, reasons.END_OF_SUPPORT, {
            "product": subject, "date": version.end_of_support.isoformat()}, workspace,
            paid=(offer_routes.support_extension(),))

    # 4. The platform must meet the version's minimum system requirements (4.3.1), those
    #    of the line of the platform it is (Windows, or Windows Server).
    refusal = _platform_refusal(workspace, version, subject, os, os_version)
    if refusal is not None:
        return refusal

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
            code, params = _business_refusal(workspace, product, subject, licence_key,
                                             licence, day)
            return _refusal(CLAUSE_BUSINESS, code, params, workspace, licence=held)
        return Decision(True, None, reasons.LICENCE_VALID, {"product": subject},
                        licence=licence)

    # 6. Home software: commercial and free-premium whatever the licence (4.5a); plain free
    #    software is not covered and the Community is the place for it (2.1).
    if product.segment == ProductSegment.HOME:
        if product.kind == ProductKind.FREE:
            return _refusal(CLAUSE_HOME, reasons.FREE_PRODUCT, {"product": subject},
                            workspace, licence=held)
        return Decision(True, None, reasons.HOME_ANY_LICENCE, {"product": subject},
                        licence=held)

    # 7. Everything else.
    return Decision(True, None, reasons.COVERED, {"product": subject}, licence=held)


def _subject(product: Product | None, version: ProductVersion | None) -> str:
    if product is None:
        return ""
    return f"{product.name} {version.version}" if version is not None else product.name


def _platform_refusal(workspace, version, subject, os, os_version) -> Decision | None:
    """The 4.3.1 refusal when the platform does not meet the version's requirements."""
    platform = str(OperatingSystem(os).label)
    given = parse_platform_version(os_version, os)
    on_platform = [r for r in version.requirements.all() if r.os == os]
    requirement = next((r for r in on_platform if r.line == given.line), None)
    params = {"product": subject, "os": platform, "given": given.text}
    if not on_platform:
        return _refusal(CLAUSE_UNSUPPORTED_PLATFORM, reasons.PLATFORM_NOT_SUPPORTED,
                        {"product": subject, "os": platform}, workspace)
    if requirement is None:
        return _refusal(CLAUSE_UNSUPPORTED_PLATFORM, reasons.PLATFORM_LINE_NOT_SUPPORTED, {
            **params, "supported": [f"{platform} {r.min_os_version}" for r in on_platform]},
            workspace)
    if not requirement.is_met_by(os_version):
        return _refusal(CLAUSE_UNSUPPORTED_PLATFORM, reasons.PLATFORM_TOO_OLD,
                        {**params, "minimum": requirement.min_os_version}, workspace)
    return None


def _held_licence(workspace: Workspace, licence_key: str | None) -> Licence | None:
    """The licence with `licence_key` if this workspace holds it (anybody else's is None:
    a decision never tells who holds a key)."""
    if not licence_key:
        return None
    return (
        Licence.objects.in_workspace(workspace).filter(key=licence_key)
        .select_related("product", "plan").first()
    )


def _business_refusal(workspace, product, subject, licence_key, licence,
                      day) -> tuple[str, dict]:
    """(reason code, parameters) of a 4.5b refusal: why no licence counts."""
    params = {"product": subject}
    if licence_key and licence is None:
        return reasons.KEY_NOT_HELD, params
    if licence is None:
        # Say why the workspace's own licences of the product do not count, if it has any.
        licence = (
            Licence.objects.in_workspace(workspace).filter(product=product)
            .order_by("-expires_on", "pk").first()
        )
    if licence is None:
        return reasons.NO_LICENCE, params
    if licence.status != Licence.Status.ACTIVE:
        return reasons.LICENCE_REVOKED, params
    if licence.starts_on > day:
        return reasons.LICENCE_NOT_STARTED, {**params, "date": licence.starts_on.isoformat()}
    return reasons.LICENCE_EXPIRED, {**params, "date": licence.expires_on.isoformat()}
