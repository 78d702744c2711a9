"""Inbound email: store first, then process, by one function whatever the transport.

`receive` stores a raw message (once per Message-ID, up to INBOUND_EMAIL_MAX_BYTES) and,
after the commit, hands its id to the worker; `process_stored_message` turns a stored
message into a reply on its request through the portal's own services, or records why it
was ignored. A beat re-scan (`requeue_unprocessed`) hands out again what was stored but
never processed, so a crash between the two loses nothing.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.errors import DomainError, NotAllowed
from accounts.models import Segment
from accounts.workspace import portal_url, workspaces_of
from licensing.eligibility import Refused
from notifications.services import notify

from ..requests.files import upload_attachment
from ..requests.lifecycle import add_reply
from ..requests.models import SupportRequest
from ..requests.transitions import MAX_BODY
from .addresses import is_own_address, read_token, token_in
from .models import InboundEmail, ReplyAddressRevocation
from .outbound import customer_email
from .parsing import ParsedEmail, envelope, parse

logger = logging.getLogger(__name__)

Status = InboundEmail.Status
Reason = InboundEmail.Reason
MAX_ATTEMPTS = 5
LANGUAGE_CODES = frozenset(code for code, _name in settings.LANGUAGES)
# RFC 3834: what the portal sends in answer to an email is an automatic reply, which no
# other auto-responder answers again.
AUTO_REPLIED = {"Auto-Submitted": "auto-replied", "X-Auto-Response-Suppress": "All"}
# What processing a reply reads of its request and requester (the services lock and read
# the request again): a request row is wide, and a reply should cost little.
REQUEST_FIELDS = (
    "reference", "subject", "company_id", "home_user_id", "requester_id", "queue_id",
    "assignee_id", "category__takes_sample", "requester__email", "requester__full_name",
    "requester__language", "requester__is_active", "requester__is_staff",
    "requester__is_superuser", "requester__erased_at",
)


# Receiving ------------------------------------------------------------------------------

def _header_block(raw: bytes) -> bytes:
    """The header of a message (up to the first empty line), for one too large to keep."""
    for separator in (b"\r\n\r\n", b"\n\n"):
        end = raw.find(separator, 0, 256 * 1024)
        if end != -1:
            return raw[:end + len(separator)]
    return raw[:64 * 1024]


def receive(raw: bytes, *, transport: str, envelope_recipient: str = "",
            enqueue: bool = True, size: int | None = None) -> tuple[InboundEmail, bool]:
    """Store `raw` as received; (row, True) when it is new, (the stored row, False) when a
    message with its Message-ID was stored before.

    A message over INBOUND_EMAIL_MAX_BYTES keeps only its header and is recorded as ignored
    (`size` is its full size when the caller read only the start of it), and so is one
    from a sender who already sent INBOUND_EMAIL_SENDER_LIMIT in the hour: a flood is cut
    at the door, before any of it is read. With `enqueue`, the worker is handed the new
    row once it is committed.
    """
    size = len(raw) if size is None else size
    too_large = size > settings.INBOUND_EMAIL_MAX_BYTES
    kept = _header_block(raw) if too_large else raw
    facts = envelope(kept)
    row = InboundEmail(
        dedupe_key=facts.dedupe_key, transport=transport, raw=kept, size=size,
        truncated=too_large, envelope_recipient=envelope_recipient[:254],
        sender=facts.sender, subject=facts.subject)
    if too_large:
        _settle(row, Status.IGNORED, Reason.TOO_LARGE,
                f"{size} bytes; limit {settings.INBOUND_EMAIL_MAX_BYTES}")
        row.processed_at = row.received_at
    elif _over_rate_limit(facts.sender):
        _settle(row, Status.IGNORED, Reason.RATE_LIMITED,
                f"More than {settings.INBOUND_EMAIL_SENDER_LIMIT} in an hour")
        row.processed_at = row.received_at
    try:
        with transaction.atomic():
            row.save(force_insert=True)
    except IntegrityError:
        return InboundEmail.objects.get(dedupe_key=facts.dedupe_key), False
    if enqueue and row.status == Status.PENDING:
        pk = row.pk
        transaction.on_commit(lambda: enqueue_processing(pk))
    return row, True


def _over_rate_limit(sender: str) -> bool:
    """Whether `sender` already sent INBOUND_EMAIL_SENDER_LIMIT messages in the last hour."""
    if not sender:
        return False
    since = timezone.now() - timedelta(hours=1)
    limit = settings.INBOUND_EMAIL_SENDER_LIMIT
    recent = InboundEmail.objects.filter(sender=sender, received_at__gte=since)
    return len(recent.values_list("pk", flat=True)[:limit]) >= limit


def enqueue_processing(pk: int) -> bool:
    """Hand one stored message to the worker; a broker outage is logged, not raised: the
    row stays pending and the re-scan hands it out again."""
    from ..tasks import process_inbound_email

    try:
        process_inbound_email.apply_async((pk,), retry=False)
    except Exception:
        logger.warning("Broker unavailable; inbound email %s waits for the re-scan", pk,
                       exc_info=True)
        return False
    return True


def requeue_unprocessed(older_than, limit: int = 500) -> int:
    """Hand out again the messages still pending that were stored before `older_than`."""
    ids = list(InboundEmail.objects.filter(status=Status.PENDING, received_at__lt=older_than)
               .order_by("received_at").values_list("pk", flat=True)[:limit])
    return sum(enqueue_processing(pk) for pk in ids)


# Processing -----------------------------------------------------------------------------

def process_stored_message(pk: int) -> bool:
    """Process one stored message, at most once: True when this call processed it.

    The row is claimed under a lock that other workers skip, and only while pending, so a
    message handed out twice (a redelivered task, the re-scan) is processed once. An
    unexpected error rolls everything back and leaves the row pending for another try;
    after MAX_ATTEMPTS it is marked failed for staff to look at.
    """
    try:
        with transaction.atomic():
            row = (InboundEmail.objects.select_for_update(skip_locked=True)
                   .filter(pk=pk, status=Status.PENDING).first())
            if row is None:
                return False
            _process(row, parse(bytes(row.raw), envelope_recipient=row.envelope_recipient))
            row.processed_at = timezone.now()
            row.save(update_fields=["status", "reason", "detail", "processed_at", "user",
                                    "request", "message"])
    except Exception as exc:
        logger.exception("Inbound email %s could not be processed", pk)
        _count_failure(pk, exc)
        return False
    return True


def _count_failure(pk: int, exc: Exception) -> None:
    InboundEmail.objects.filter(pk=pk, status=Status.PENDING).update(
        attempts=F("attempts") + 1, detail=f"{type(exc).__name__}: {exc}"[:2000])
    InboundEmail.objects.filter(pk=pk, status=Status.PENDING,
                                attempts__gte=MAX_ATTEMPTS).update(
        status=Status.FAILED, reason=Reason.ERROR, processed_at=timezone.now())


def _settle(row: InboundEmail, status: str, reason: str = "", detail: str = "") -> None:
    row.status, row.reason, row.detail = status, reason, detail[:2000]


def _process(row: InboundEmail, parsed: ParsedEmail) -> None:
    if parsed.automatic:
        reason = Reason.BOUNCE if parsed.automatic == "bounce" else Reason.AUTO_REPLY
        return _settle(row, Status.IGNORED, reason)
    if not parsed.sender:
        return _settle(row, Status.IGNORED, Reason.ERROR, "No sender address could be read.")
    if is_own_address(parsed.sender):
        return _settle(row, Status.IGNORED, Reason.LOOP)
    token = token_in(parsed.recipients)
    if token is None:
        return _answer_new_mail(row, parsed)
    return _reply(row, parsed, token)


def _reply(row: InboundEmail, parsed: ParsedEmail, token: str) -> None:
    found = read_token(token)
    if found is None:
        return _settle(row, Status.IGNORED, Reason.BAD_TOKEN, "The signature does not match.")
    support_request = (SupportRequest.objects.select_related("category", "requester")
                       .only(*REQUEST_FIELDS).filter(pk=found.request_id).first())
    user = _recipient(support_request, found.user_id)
    if support_request is None or user is None:
        return _settle(row, Status.IGNORED, Reason.BAD_TOKEN,
                       "The request or its recipient no longer exists.")
    row.request, row.user = support_request, user
    if _revoked(found):
        return _settle(row, Status.IGNORED, Reason.BAD_TOKEN, "The reply address was revoked.")
    if not _is_address_of(user, parsed.sender):
        return _settle(row, Status.IGNORED, Reason.SENDER_MISMATCH,
                       f"Sent by {parsed.sender}; the address was issued to {user.email}.")
    body = parsed.text[:MAX_BODY].strip()
    if not body and not parsed.attachments:
        return _settle(row, Status.IGNORED, Reason.EMPTY)
    with translation.override(user.language):
        try:
            message = add_reply(support_request, by=user,
                                body=body or _("(Files sent by email.)"))
        except Refused as refused:
            _answer_refused_follow_up(row, user, support_request, refused.decision)
            return _settle(row, Status.ANSWERED, Reason.REFUSED, refused.decision.reason)
        except NotAllowed as exc:
            return _settle(row, Status.IGNORED, Reason.NOT_ALLOWED, exc.message)
        row.request, row.message = message.request, message
        refused_files = _attach(row, parsed, user, message)
    detail = "; ".join(f"{f['name']}: {f['reason']}" for f in refused_files)
    return _settle(row, Status.ACCEPTED, detail=detail)


def _revoked(found) -> bool:
    """Whether a revocation of the request (for this recipient, or for all) came after the
    token was issued. A plain query: cheaper to build than a subquery on the request's."""
    revoked_for = ReplyAddressRevocation.objects.filter(
        request_id=found.request_id, revoked_at__gte=found.issued_at,
    ).values_list("user_id", flat=True)
    return any(user_id in (None, found.user_id) for user_id in revoked_for)


def _recipient(support_request, user_id: int):
    """The active person a reply address was issued to: nearly always the request's
    requester, read with the request."""
    if support_request is not None and support_request.requester_id == user_id:
        user = support_request.requester
        return user if user.is_active and user.erased_at is None else None
    return get_user_model().objects.filter(pk=user_id, is_active=True,
                                           erased_at__isnull=True).first()


def _is_address_of(user, address: str) -> bool:
    """The address the reply address was issued to, or another verified one of the user."""
    return address == user.email.lower() or EmailAddress.objects.filter(
        user=user, email__iexact=address, verified=True).exists()


def _attach(row, parsed: ParsedEmail, user, message) -> list[dict]:
    """Each file through the portal's upload checks; those refused are told to the sender,
    and the rest of the message counts."""
    refused = []
    for attachment in parsed.attachments:
        try:
            upload_attachment(message.request, by=user, message=message,
                              file=ContentFile(attachment.content, name=attachment.name))
        except DomainError as exc:
            refused.append({"name": attachment.name[:150], "reason": exc.message})
    if refused:
        notify(user.email, "inbound_files_refused", {
            "name": user.get_short_name(), "reference": message.request.reference,
            "subject": message.request.subject, "url": message.request.portal_path,
            "files": refused,
        }, language=user.language, **_answer_options(row, message.request_id, user.pk))
    return refused


def _answer_options(row: InboundEmail, request_id: int | None, user_id: int | None) -> dict:
    """`notify` keywords of the portal's answer to an email: an automatic reply to it (RFC
    3834), in the request's thread when there is one."""
    options = (customer_email(request_id, user_id) if request_id and user_id
               else {"headers": {}})
    options["headers"].update(AUTO_REPLIED)
    if not row.dedupe_key.startswith("sha256:"):
        options["headers"].update({"In-Reply-To": row.dedupe_key,
                                   "References": row.dedupe_key})
    return options


def _answer_refused_follow_up(row, user, support_request, decision) -> None:
    notify(user.email, "inbound_reply_refused", {
        "name": user.get_short_name(), "reference": support_request.reference,
        "subject": support_request.subject, "reason": decision.reason,
        "clause": decision.clause or "", "links": _new_request_links(user),
    }, language=user.language, **_answer_options(row, support_request.pk, user.pk))


def _new_request_links(user) -> list[dict]:
    """The request form of each of the user's workspaces, named in their language."""
    with translation.override(user.language):
        return [{"name": workspace.company.name if workspace.company else str(Segment.HOME.label),
                 "url": portal_url("request-new", workspace)}
                for workspace in workspaces_of(user)]


def _sender_account(address: str):
    User = get_user_model()
    user = User.objects.filter(email__iexact=address, is_active=True,
                               erased_at__isnull=True).first()
    if user is None:
        user = User.objects.filter(
            pk__in=EmailAddress.objects.filter(email__iexact=address, verified=True)
            .values("user_id"), is_active=True, erased_at__isnull=True).first()
    return user


def _answer_new_mail(row: InboundEmail, parsed: ParsedEmail) -> None:
    """New mail without a reply address creates nothing: the Rules need the product, its
    version and the licence to decide (clause 6.4), which the form asks for. The sender is
    answered, in their language, with the form's link; a sender without an account at most
    once a day."""
    user = _sender_account(parsed.sender)
    if user is None:
        since = timezone.now() - timedelta(days=1)
        if InboundEmail.objects.filter(sender=row.sender, reason=Reason.NO_TOKEN,
                                       processed_at__gte=since).exists():
            return _settle(row, Status.IGNORED, Reason.NO_TOKEN_QUIET)
        language = next((code.split("-")[0] for code in parsed.languages
                         if code.split("-")[0] in LANGUAGE_CODES), settings.LANGUAGE_CODE)
        links = [{"name": "", "url": reverse("account_signup")}]
    else:
        row.user = user
        language = user.language
        links = _new_request_links(user)
    notify(parsed.sender, "inbound_new_request", {
        "name": user.get_short_name() if user else "", "subject": row.subject,
        "links": links, "has_account": user is not None,
    }, language=language, **_answer_options(row, None, None))
    return _settle(row, Status.ANSWERED, Reason.NO_TOKEN)
