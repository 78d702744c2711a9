"""Filling a reply template for one request, in its customer's language.

Placeholders are `{name}` with a name from `PLACEHOLDERS`; the text is never run through a
template engine (a template is staff's text, a value is customer data), so nothing but
these names is replaced.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from ..rules.citing import cite
from ..sla import calendars
from .models import ReplyTemplate

PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
PLACEHOLDERS = {
    "customer_name": _("the customer's first name"),
    "reference": _("the request's reference"),
    "product": _("the product's name"),
    "version": _("the product version"),
    "clause": _("the clause, as the Support Rules cite it"),
    "clause_link": _("the link to that clause in the Support Rules"),
    "support_hours": _("the support hours for the customer's country, on their clock"),
    "agent_name": _("your name"),
}
Action = ReplyTemplate.Action


def unknown_placeholders(text: str) -> list[str]:
    return sorted({name for name in PLACEHOLDER.findall(text or "")
                   if name not in PLACEHOLDERS})


def offered_for(support_request):
    """The active templates that fit the request: those of its category and those of
    none."""
    return ReplyTemplate.objects.filter(is_active=True).filter(
        Q(category__isnull=True) | Q(category_id=support_request.category_id))


@dataclass(frozen=True)
class Filled:
    template: ReplyTemplate
    language: str  # the language of `text`
    text: str
    action: str
    clause: str
    utility: str
    utility_url: str


def customer_language(support_request) -> str:
    customer = support_request.customer
    language = getattr(customer, "language", "") or settings.LANGUAGE_CODE
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def fill(template: ReplyTemplate, support_request, *, agent) -> Filled:
    """The template's text for `support_request`, in its customer's language where the
    template has it (else English), with the placeholders replaced."""
    malay = customer_language(support_request) == "ms" and bool(template.body_ms.strip())
    text, language = (template.body_ms, "ms") if malay else (template.body, "en")
    clause = template.clause or support_request.rejection_clause or (
        support_request.decision or {}).get("clause") or ""
    with translation.override(language):
        values = _values(support_request, clause, agent)
        text = PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)
    return Filled(template=template, language=language, text=text, action=template.action,
                  clause=clause, utility=template.utility, utility_url=template.utility_url)


def _values(support_request, clause: str, agent) -> dict[str, str]:
    customer = support_request.customer
    return {
        "customer_name": customer.get_short_name() if customer is not None else "",
        "reference": support_request.reference,
        "product": support_request.product.name if support_request.product_id else "",
        "version": support_request.version.version if support_request.version_id else "",
        "clause": cite(clause, support_request.rule_set_id) if clause else "",
        "clause_link": (f"{settings.SITE_URL.rstrip('/')}{reverse('rules')}"
                        f"#clause-{quote(clause)}") if clause else "",
        "support_hours": _support_hours(support_request),
        "agent_name": agent.get_short_name() if agent is not None else "",
    }


def _support_hours(support_request) -> str:
    customer = support_request.customer
    company = support_request.company if support_request.company_id else None
    country = company.country if company is not None else getattr(customer, "country", "")
    zone = getattr(customer, "time_zone", "") or settings.DEFAULT_USER_TIME_ZONE
    hours = calendars.hours_for(country, support_request.segment, zone)
    if hours is None:
        return ""
    return f"{calendars.week_summary(hours['week'])} ({zone})"
