"""Staff's changes to the email channel."""

from __future__ import annotations

from django.db import transaction

from accounts import audit

from ..requests.models import SupportRequest
from ..requests.permissions import require_agent
from .inbound import enqueue_processing
from .models import InboundEmail, ReplyAddressRevocation


@transaction.atomic
def revoke_reply_addresses(support_request: SupportRequest, *, by,
                           user=None) -> ReplyAddressRevocation:
    """Refuse every reply address of the request (of `user` only, if given) issued until
    now, e.g. after one was forwarded to someone who should not answer; the next email
    about the request carries a new one. Audited."""
    require_agent(by, support_request)
    revocation = ReplyAddressRevocation.objects.create(request=support_request, user=user,
                                                       revoked_by=by)
    audit.record("helpdesk.reply_addresses_revoked", actor=by, obj=support_request,
                 reference=support_request.reference,
                 recipient=user.email if user is not None else None)
    return revocation


@transaction.atomic
def process_again(inbound_emails) -> list[int]:
    """Put failed inbound emails back in line; the worker gets them after the commit."""
    ids = list(inbound_emails.filter(status=InboundEmail.Status.FAILED)
               .values_list("pk", flat=True))
    InboundEmail.objects.filter(pk__in=ids).update(
        status=InboundEmail.Status.PENDING, reason="", attempts=0, processed_at=None)
    for pk in ids:
        transaction.on_commit(lambda pk=pk: enqueue_processing(pk))
    return ids
