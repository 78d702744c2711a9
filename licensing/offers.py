"""What a refusal offers instead (DESIGN.md section 3): no refusal leaves the customer
without a way forward.

A paid service covers some topics (5.1) where it is offered (5.2), a support extension an
old version (4.3.2); besides, every refusal offers the free routes of 2.1 that fit it: the
Community, the knowledge base, the online courses (4.2.11), and for a feature request
(4.2.1) product feedback, which keeps the customer's idea for the product team.

The links of the free routes are the self-help resources staff keep in the helpdesk, in
the workspace's segment and the reader's language. The helpdesk sits above this app, so it
hands them in through the registry (`accounts.registry.provide(SELF_HELP_LINKS, ...)` in
its `ready()`), asked when a decision is made; decisions are shown as they are made (a
stored decision is an accepted one, which offers nothing), so the links are those of the
reader who asked. Without a listed resource the Community falls back to COMMUNITY_URL; a
knowledge base or course nobody listed is not offered.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from accounts import registry

from .models import PaidService, PaidServiceCode

if TYPE_CHECKING:
    from accounts.workspace import Workspace

COMMUNITY = "community"
KNOWLEDGE_BASE = "knowledge_base"
ONLINE_COURSES = "online_courses"
PRODUCT_FEEDBACK = "product_feedback"
FREE_ROUTE_CODES = (COMMUNITY, KNOWLEDGE_BASE, ONLINE_COURSES, PRODUCT_FEEDBACK)
DEFAULT_COMMUNITY_URL = "https://community.kaspersky.com/"

# A registry provider: workspace -> {offer code: URL} of its self-help in the active
# language (filled by the helpdesk).
SELF_HELP_LINKS = "licensing.self_help_links"

# The free routes that fit a refusal, by its clause; any other refusal gets the default.
# The Community is in every one: it always has a link, so no refusal is without a way on.
DEFAULT_FREE_ROUTES = (KNOWLEDGE_BASE, COMMUNITY)
FREE_ROUTES = {
    "4.2.1": (PRODUCT_FEEDBACK, COMMUNITY),
    "4.2.7": (COMMUNITY,),  # other vendors' software: other users' experience helps most
    "4.2.11": (ONLINE_COURSES, KNOWLEDGE_BASE, COMMUNITY),
}

NAMES = {
    COMMUNITY: _("Kaspersky Community"),
    KNOWLEDGE_BASE: _("Knowledge base"),
    ONLINE_COURSES: _("Online courses"),
    PRODUCT_FEEDBACK: _("Product feedback"),
}
DETAILS = {
    COMMUNITY: _("Ask other users and experts. Answers are not guaranteed (clause 2.1)."),
    KNOWLEDGE_BASE: _("Articles that may already answer your question."),
    ONLINE_COURSES: _("Learn to use the software at your own pace."),
    PRODUCT_FEEDBACK: _("File the request with your idea: it is kept as product feedback for "
                        "the product team."),
}
KEPT_DETAIL = _("Your idea is kept as product feedback for the product team.")


@dataclass(frozen=True)
class Offer:
    """Something the customer can take up instead. `kept`: the idea of a feature request
    is already kept as product feedback."""

    code: str
    url: str = ""
    kept: bool = False

    @property
    def name(self) -> str:
        """In the active language."""
        if self.code in PaidServiceCode.values:
            return str(PaidServiceCode(self.code).label)
        return str(NAMES.get(self.code, self.code))

    @property
    def detail(self) -> str:
        """A line saying what the offer is, for the free routes (paid services have their
        quote)."""
        if self.kept:
            return str(KEPT_DETAIL)
        return str(DETAILS.get(self.code, ""))

    @property
    def is_paid(self) -> bool:
        return self.code in PaidServiceCode.values

    def as_dict(self) -> dict:
        return {"code": self.code, "name": self.name, "url": self.url}


def paid_service(code: str, country: str) -> Offer | None:
    """The paid service `code` where it is offered in `country` (5.2), else None."""
    service = PaidService.objects.offered_in(country).filter(code=code).first()
    return Offer(code=service.code, url=service.url) if service is not None else None


def support_extension() -> Offer:
    """Offered in every country (4.3.2): offered even before staff list it as a service."""
    code = PaidServiceCode.SUPPORT_EXTENSION
    url = PaidService.objects.filter(code=code).values_list("url", flat=True).first() or ""
    return Offer(code=code.value, url=url)


def free_routes(clause: str, workspace: Workspace) -> tuple[Offer, ...]:
    """The free routes of 2.1 that fit a refusal under `clause`, linked to the workspace's
    self-help in the active language."""
    provider = registry.provided(SELF_HELP_LINKS)
    links = provider(workspace) if provider is not None else {}
    links.setdefault(COMMUNITY, getattr(settings, "COMMUNITY_URL", DEFAULT_COMMUNITY_URL))
    offers = []
    for code in FREE_ROUTES.get(clause, DEFAULT_FREE_ROUTES):
        if code == PRODUCT_FEEDBACK:
            offers.append(Offer(code=code))
        elif links.get(code):
            offers.append(Offer(code=code, url=links[code]))
    return tuple(offers)
