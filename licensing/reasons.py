"""Why a decision is what it is, kept as data and put into words for whoever reads it.

A decision is stored on the request it filed and read later by people of other languages
(the customer, a colleague, staff), so its sentence is never stored: only a reason code and
the parameters that fill it in. Parameters are JSON and the same in every language: product
and platform names, versions, clause labels, dates as ISO strings, codes. What has a name
of its own in each language (a topic, a paid service) is stored by its code and named in
the reader's language when the sentence is written.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING, Any

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import PaidServiceCode

if TYPE_CHECKING:
    from .models import RequestCategory

TOPIC_NOT_COVERED = "topic_not_covered"
CATEGORY_COVERED = "category_covered"
END_OF_SUPPORT = "end_of_support"
PLATFORM_NOT_SUPPORTED = "platform_not_supported"
PLATFORM_LINE_NOT_SUPPORTED = "platform_line_not_supported"
PLATFORM_TOO_OLD = "platform_too_old"
LICENCE_VALID = "licence_valid"
KEY_NOT_HELD = "key_not_held"
NO_LICENCE = "no_licence"
LICENCE_REVOKED = "licence_revoked"
LICENCE_NOT_STARTED = "licence_not_started"
LICENCE_EXPIRED = "licence_expired"
FREE_PRODUCT = "free_product"
HOME_ANY_LICENCE = "home_any_licence"
COVERED = "covered"

SENTENCES = {
    CATEGORY_COVERED: gettext_lazy("Standard Support covers “%(category)s” (clause %(clause)s)."),
    END_OF_SUPPORT: gettext_lazy(
        "%(product)s is no longer supported: its support ended on %(date)s (clause 4.3.2). "
        "Update to a supported version, or ask for a support extension."),
    PLATFORM_NOT_SUPPORTED: gettext_lazy(
        "%(product)s does not run on %(os)s, so this platform is not supported (clause "
        "4.3.1)."),
    PLATFORM_LINE_NOT_SUPPORTED: gettext_lazy(
        "%(product)s runs on %(supported)s, not on %(os)s %(given)s, so this platform is not "
        "supported (clause 4.3.1)."),
    PLATFORM_TOO_OLD: gettext_lazy(
        "%(product)s needs %(os)s %(minimum)s or later; %(os)s %(given)s does not meet its "
        "minimum system requirements (clause 4.3.1)."),
    LICENCE_VALID: gettext_lazy(
        "%(product)s is covered by Standard Support with your valid licence (clause 4.5b)."),
    KEY_NOT_HELD: gettext_lazy(
        "The activation code you gave is not a licence of %(product)s held by this workspace. "
        "Support for business software needs a valid licence (clause 4.5b)."),
    NO_LICENCE: gettext_lazy(
        "Support for %(product)s needs a valid licence of it held by this workspace (clause "
        "4.5b). Add your licence first."),
    LICENCE_REVOKED: gettext_lazy(
        "Your licence of %(product)s has been revoked; support for business software needs a "
        "valid licence (clause 4.5b)."),
    LICENCE_NOT_STARTED: gettext_lazy(
        "Your licence of %(product)s starts on %(date)s; support for business software needs "
        "a valid licence (clause 4.5b)."),
    LICENCE_EXPIRED: gettext_lazy(
        "Your licence of %(product)s expired on %(date)s; support for business software needs "
        "a valid licence (clause 4.5b)."),
    FREE_PRODUCT: gettext_lazy(
        "%(product)s is free software, which Standard Support does not cover (clause 4.5a). "
        "The Community can help you with it."),
    HOME_ANY_LICENCE: gettext_lazy(
        "%(product)s is supported whatever the licence status (clause 4.5a)."),
    COVERED: gettext_lazy("%(product)s is covered by Standard Support."),
}


def _date(value: str) -> str:
    return formats.date_format(date.fromisoformat(value), "DATE_FORMAT")


def _topic_sentence(params: Mapping[str, Any], name: str) -> str:
    values = {"topic": name, "clause": params.get("clause", ""),
              "product": params.get("product", "")}
    if values["product"]:
        text = _("Standard Support does not cover “%(topic)s” for %(product)s (clause "
                 "%(clause)s).") % values
    else:
        text = _("Standard Support does not cover “%(topic)s” (clause %(clause)s).") % values
    if service := params.get("service"):
        text += " " + _("You can ask for a quote for %(service)s.") % {
            "service": PaidServiceCode(service).label}
    if params.get("idea_kept"):
        text += " " + _("Your idea is kept as product feedback for the product team.")
    return text


def render(code: str, params: Mapping[str, Any], *,
           category: RequestCategory | None = None) -> str:
    """The sentence of reason `code` in the active language. `category` names the topic
    or category in that language (else its code stands in); a code this version does not
    know renders as nothing rather than failing a page."""
    if code in (TOPIC_NOT_COVERED, CATEGORY_COVERED):
        name = category.localized_name if category is not None else params.get("category", "")
        if code == TOPIC_NOT_COVERED:
            return _topic_sentence(params, name)
        return str(SENTENCES[code]) % {"category": name, "clause": params.get("clause", "")}
    sentence = SENTENCES.get(code)
    if sentence is None:
        return ""
    values = dict(params)
    if "date" in values:
        values["date"] = _date(values["date"])
    if code == PLATFORM_LINE_NOT_SUPPORTED:
        values["supported"] = ", ".join(
            _("%(platform)s or later") % {"platform": platform}
            for platform in values.get("supported", ()))
    return str(sentence) % values
