"""Product feedback: the idea of a feature request Standard Support does not cover (4.2.1)
is kept for the product team instead of being lost with the refusal.

`licensing.intake.check` keeps it, as part of handling the refusal, when the person filed
the request (so its text is known); asking whether a topic is covered keeps nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils import translation

from accounts import audit

from .models import ProductFeedback

if TYPE_CHECKING:
    from .intake import EligibilityFacts


def keep_idea(facts: EligibilityFacts, *, subject: str, description: str, by,
              http_request=None) -> ProductFeedback:
    """Keep the customer's idea. Filing the same text again (a form sent twice) keeps it
    once."""
    workspace = facts.workspace
    existing = ProductFeedback.objects.filter(
        requester=workspace.user, subject=subject, description=description,
        **workspace.owner_filter()).first()
    if existing is not None:
        return existing
    feedback = ProductFeedback.objects.create(
        requester=workspace.user, company=workspace.company,
        home_user=None if workspace.company else workspace.user, product=facts.product,
        version=facts.version.version if facts.version is not None else "",
        subject=subject, description=description,
        language=translation.get_language() or "en")
    audit.record("product_feedback.kept", actor=by, obj=feedback, workspace=workspace,
                 request=http_request)
    return feedback
