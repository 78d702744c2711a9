"""Quote requests for paid services (clauses 5.1, 5.2)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from accounts import audit
from accounts.errors import DomainError, NotAllowed
from accounts.workspace import Workspace, portal_url, slug_of
from notifications.services import notify

from .licences import require_staff
from .models import (
    PaidService,
    QuoteRequest,
    RequestCategory,
)

QUOTE_TRANSITIONS = {
    QuoteRequest.Status.NEW: {QuoteRequest.Status.QUOTED, QuoteRequest.Status.DECLINED},
    QuoteRequest.Status.QUOTED: {QuoteRequest.Status.ACCEPTED, QuoteRequest.Status.DECLINED},
    QuoteRequest.Status.ACCEPTED: set(),
    QuoteRequest.Status.DECLINED: set(),
}
QUOTE_MESSAGE_MAX = 5000


def quote_url(quote: QuoteRequest) -> str:
    return portal_url("licensing:quote", slug_of(quote), pk=quote.pk)


def _quote_context(quote: QuoteRequest) -> dict:
    return {
        "reference": quote.pk,
        "service": quote.service.name,
        "status": quote.status,
        "staff_reply": quote.staff_reply,
        "clause": quote.clause,
        "workspace": quote.company.name if quote.company_id else "",
        "url": quote_url(quote),
    }


def _notify_requester(quote: QuoteRequest, template: str) -> None:
    requester = quote.requester
    if requester is not None and requester.is_active and requester.email:
        notify(requester.email, template, _quote_context(quote), language=requester.language)


@transaction.atomic
def request_quote(*, workspace: Workspace, user, service: str | PaidService, message: str,
                  category: RequestCategory | None = None, clause: str = "",
                  request=None) -> QuoteRequest:
    """A customer asks for a quote for a paid service offered in the workspace's country
    (5.1, 5.2), often from a refused request (its category and clause come along)."""
    if workspace.user.pk != user.pk:
        raise NotAllowed(_("You may only ask for quotes for your own workspace."))
    code = service.code if isinstance(service, PaidService) else str(service)
    service = PaidService.objects.offered_in(workspace.country).filter(code=code).first()
    if service is None:
        raise DomainError(_("This service is not offered in your country."),
                             code="not_offered", field="service")
    message = (message or "").strip()
    if not message:
        raise DomainError(_("Tell us what you need."), field="message")
    if len(message) > QUOTE_MESSAGE_MAX:
        raise DomainError(_("Keep it under %(max)d characters.") % {"max": QUOTE_MESSAGE_MAX},
                             field="message")
    clause = (clause or (category.clause if category is not None else "")).strip()
    if len(clause) > 16:
        raise DomainError(_("Not a clause label."), field="clause")
    quote = QuoteRequest.objects.create(
        service=service, requester=user, company=workspace.company,
        home_user=None if workspace.company else user, category=category, clause=clause,
        message=message,
    )
    audit.record("quote.requested", actor=user, obj=quote, workspace=workspace,
                 request=request, service=service.code, clause=clause)
    _notify_requester(quote, "quote_received")
    return quote


def check_transition(quote: QuoteRequest, status: str) -> None:
    """A quote moves new -> quoted -> accepted, or to declined; nothing else."""
    if status != quote.status and status not in QUOTE_TRANSITIONS.get(quote.status, set()):
        raise DomainError(_(
            "A quote request that is “%(old)s” cannot become “%(new)s”."
        ) % {"old": quote.get_status_display(),
             "new": QuoteRequest.Status(status).label
             if status in QuoteRequest.Status.values else status},
            code="invalid_transition", field="status")


@transaction.atomic
def update_quote(quote: QuoteRequest, *, by, status: str | None = None,
                 staff_reply: str | None = None, request=None) -> QuoteRequest:
    """Staff answer a quote request and/or move it on (new -> quoted -> accepted, or
    declined); the requester gets an email when anything changed."""
    require_staff(by)
    quote = (
        QuoteRequest.objects.select_for_update(of=("self",))
        .select_related("service", "company", "requester").get(pk=quote.pk)
    )
    old_status = quote.status
    fields = []
    if status is not None and status != quote.status:
        check_transition(quote, status)
        quote.status = status
        fields.append("status")
    if staff_reply is not None and staff_reply.strip() != quote.staff_reply:
        quote.staff_reply = staff_reply.strip()
        fields.append("staff_reply")
    if not fields:
        return quote
    quote.save(update_fields=[*fields, "updated_at"])
    workspace = (Workspace(user=quote.requester or by, company=quote.company)
                 if quote.company_id else Workspace(user=quote.home_user)
                 if quote.home_user_id else None)
    audit.record("quote.updated", actor=by, obj=quote, workspace=workspace, request=request,
                 old_status=old_status, status=quote.status,
                 replied="staff_reply" in fields)
    _notify_requester(quote, "quote_updated")
    return quote
