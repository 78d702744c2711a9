"""Self-help of clause 2.1: what a workspace is shown, and what a subject suggests.

The table is small and edited by staff (a few dozen rows per segment), so a workspace's
resources are read in one query and matched in Python: no full-text index to keep up, and
the same words work in English and Malay.
"""

import re

from django.conf import settings
from django.utils import translation

from licensing import offers
from licensing.models import ProductSegment

from .models import SelfHelpResource

WORD = re.compile(r"\w+")
MIN_WORD_LENGTH = 3  # "the", "dan" and shorter carry no meaning worth matching
PREFIX_LENGTH = 4  # "scan" matches "scanning", but "app" does not match "apple"
MAX_QUERY_LENGTH = 200
SUGGESTION_LIMIT = 5


def segment_of(workspace) -> str:
    """Home users read the home & mobile resources, companies the business ones (2.1)."""
    return ProductSegment.HOME if workspace.is_home else ProductSegment.BUSINESS


def _language(language: str | None) -> str:
    code = (language or translation.get_language() or settings.LANGUAGE_CODE).lower()
    return code.split("-")[0]


def resources_for(workspace, language: str | None = None) -> list[SelfHelpResource]:
    """The listed resources of the workspace's segment, in the user's language.

    Per kind, a resource in the user's language wins; a kind with nothing in that language
    falls back to the site's default language, so a Malay reader is never left without the
    knowledge base just because only the English one is entered yet.
    """
    wanted = _language(language)
    fallback = _language(settings.LANGUAGE_CODE)
    rows = SelfHelpResource.objects.filter(
        is_active=True, segment=segment_of(workspace), language__in={wanted, fallback},
    ).order_by("kind", "title", "pk")
    by_kind: dict[str, dict[str, list[SelfHelpResource]]] = {}
    for resource in rows:
        by_kind.setdefault(resource.kind, {}).setdefault(resource.language, []).append(resource)
    chosen = []
    for kind in SelfHelpResource.Kind.values:
        languages = by_kind.get(kind, {})
        chosen += languages.get(wanted) or languages.get(fallback) or []
    return chosen


# The offer of a refusal (licensing.offers) each kind of resource is the link of.
OFFER_OF_KIND = {
    SelfHelpResource.Kind.KNOWLEDGE_BASE: offers.KNOWLEDGE_BASE,
    SelfHelpResource.Kind.COMMUNITY: offers.COMMUNITY,
    SelfHelpResource.Kind.COURSE: offers.ONLINE_COURSES,
}


def offer_links(workspace) -> dict[str, str]:
    """{offer code: URL}: the first listed resource of each kind for the workspace, in the
    active language (as `resources_for` chooses), for the free routes a refusal offers."""
    links: dict[str, str] = {}
    for resource in resources_for(workspace):
        links.setdefault(OFFER_OF_KIND[resource.kind], resource.url)
    return links


def _words(text: str) -> set[str]:
    return {w for w in WORD.findall((text or "").casefold()) if len(w) >= MIN_WORD_LENGTH}


def _matches(word: str, keywords: set[str]) -> bool:
    if word in keywords:
        return True
    if len(word) < PREFIX_LENGTH:
        return False
    return any(len(k) >= PREFIX_LENGTH and (k.startswith(word) or word.startswith(k))
               for k in keywords)


def suggest(text: str, workspace, language: str | None = None,
            limit: int = SUGGESTION_LIMIT) -> list[SelfHelpResource]:
    """Resources whose keywords (or title) share words with `text`, best match first."""
    words = _words((text or "")[:MAX_QUERY_LENGTH])
    if not words:
        return []
    scored = []
    for position, resource in enumerate(resources_for(workspace, language)):
        keywords = _words(resource.keywords)
        title = _words(resource.title)
        score = sum(2 for w in words if _matches(w, keywords))
        score += sum(1 for w in words if w in title)
        if score:
            scored.append((-score, position, resource))
    scored.sort(key=lambda item: item[:2])
    return [resource for _score, _position, resource in scored[:limit]]
