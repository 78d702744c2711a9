"""Every change to licences and quote requests, and the record of refused requests.

Each function checks who may do it, changes the rows in one transaction (under
`select_for_update` where two people could race), writes an audit event and queues its
emails through the outbox in the same transaction.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import audit
from accounts.models import AuditEvent
from accounts.workspace import Workspace
from notifications.services import notify

from . import ratelimit
from .eligibility import Decision
from .keys import KEY_FORMAT, generate_key, normalize_key
from .models import (
    Licence,
    PaidService,
    Product,
    ProductVersion,
    QuoteRequest,
    RequestCategory,
    SupportPlan,
)


class LicensingError(Exception):
    """A change refused for a reason the user can read.

    `code` says what kind of refusal it is (the API maps it to a status), `field` which
    input it is about, if any.
    """

    code = "invalid"

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.field = field


class NotAllowed(LicensingError):
    """The user may not do this here (the API answers 403)."""

    code = "forbidden"


class RateLimited(LicensingError):
    """Too many wrong activation codes (the API answers 429)."""

    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


def _ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") if request is not None else None


def _holder_workspace(licence: Licence, by) -> Workspace | None:
    """The workspace holding `licence`, for the audit record of what `by` did to it."""
    if licence.company_id:
        return Workspace(user=by, company=licence.company)
    if licence.home_user_id:
        return Workspace(user=licence.home_user)
    return None


def _require_staff(user) -> None:
    if not (user is not None and user.is_authenticated and user.is_staff):
        raise NotAllowed(_("Only support staff may do this."))


# Eligibility ---------------------------------------------------------------------------

def record_refusal(decision: Decision, *, user, workspace: Workspace, category: RequestCategory,
                   product: Product | None = None, version: ProductVersion | None = None,
                   request=None) -> AuditEvent | None:
    """Record a refused decision so staff see what customers were refused and why.

    An eligible decision records nothing (and returns None).
    """
    if decision.eligible:
        return None
    return audit.record(
        "eligibility.refused", actor=user, workspace=workspace, request=request,
        clause=decision.clause, category=category.code,
        product=product.code if product is not None else None,
        version=version.version if version is not None else None,
        offers=[offer.code for offer in decision.offers],
        reason=decision.reason,
    )


# Licences ------------------------------------------------------------------------------

def cannot_add_message() -> str:
    """The one answer for an unknown key and a key somebody else holds."""
    return _("This key cannot be added.")


def claim_licence(*, key: str, workspace: Workspace, user, request=None) -> Licence:
    """Add the issued, unclaimed licence with activation code `key` to `workspace`.

    Only a home user (for their own workspace) and a company's admins may claim. The key is
    normalised and format-checked before any look-up; an unknown key and a key somebody
    else holds get the same answer, and both count towards the per-account and per-address
    limit of wrong keys (`ratelimit`).
    """
    if workspace.user.pk != user.pk or not workspace.is_admin:
        raise NotAllowed(_("Only the company's administrators may add licences."))
    ip = _ip(request)
    wait = ratelimit.retry_after(user, ip)
    if wait is not None:
        minutes = max(1, (wait + 59) // 60)
        raise RateLimited(_(
            "Too many activation codes were wrong. Try again in %(minutes)d minutes, or ask "
            "support to recover your licence information (clause 4.1.3)."
        ) % {"minutes": minutes}, retry_after=wait)
    try:
        key = normalize_key(key)
    except ValidationError as exc:
        raise LicensingError(exc.messages[0], code="invalid_key", field="licence_key") from None

    with transaction.atomic():
        licence = (
            Licence.objects.select_for_update(of=("self",)).select_related("product")
            .filter(key=key).first()
        )
        if licence is not None and licence.is_claimed and _holds(workspace, licence):
            raise LicensingError(_("This licence is already in this workspace."),
                                 code="already_added", field="licence_key")
        if (licence is not None and not licence.is_claimed
                and licence.status == Licence.Status.ACTIVE):
            if workspace.company is not None:
                licence.company = workspace.company
            else:
                licence.home_user = user
            licence.claimed_at = timezone.now()
            licence.claimed_by = user
            licence.save(update_fields=["company", "home_user", "claimed_at", "claimed_by"])
            audit.record("licence.claimed", actor=user, obj=licence, workspace=workspace,
                         request=request, product=licence.product.code)
            return licence

    # Unknown, somebody else's, or revoked: one answer, and it counts as a wrong key.
    ratelimit.record_failure(user, ip)
    audit.record("licence.claim_refused", actor=user, workspace=workspace, request=request,
                 key_ends_with=key[-5:])
    raise LicensingError(cannot_add_message(), code="cannot_add", field="licence_key")


def _holds(workspace: Workspace, licence: Licence) -> bool:
    if workspace.company is not None:
        return licence.company_id == workspace.company.pk
    return licence.company_id is None and licence.home_user_id == workspace.user.pk


@transaction.atomic
def issue_licence(*, product: Product, plan: SupportPlan, starts_on: date, expires_on: date,
                  by, key: str | None = None, seats: int = 1, order_number: str = "",
                  purchaser_email: str = "", request=None) -> Licence:
    """Staff issue a licence (unclaimed until a customer adds it by its key)."""
    _require_staff(by)
    key = normalize_key(key) if key else generate_key()
    if expires_on < starts_on:
        raise LicensingError(_("The expiry date must not be before the start date."),
                             field="expires_on")
    if Licence.objects.filter(key=key).exists():
        raise LicensingError(_("A licence with this activation code already exists."),
                             field="key")
    licence = Licence.objects.create(
        key=key, product=product, plan=plan, seats=seats, starts_on=starts_on,
        expires_on=expires_on, order_number=order_number,
        purchaser_email=purchaser_email.strip().lower(),
    )
    audit.record("licence.issued", actor=by, obj=licence, request=request,
                 product=product.code, order_number=order_number)
    return licence


LICENCE_EDITABLE_FIELDS = ("product", "plan", "seats", "starts_on", "expires_on",
                           "order_number", "purchaser_email")


@transaction.atomic
def update_licence(licence: Licence, *, by, request=None, **changes) -> Licence:
    """Staff correct a licence's sale data (not its key, holder or status)."""
    _require_staff(by)
    unknown = set(changes) - set(LICENCE_EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable here: {sorted(unknown)}")
    licence = Licence.objects.select_for_update().get(pk=licence.pk)
    changed = {}
    for name, value in changes.items():
        old = getattr(licence, name)
        if old != value:
            changed[name] = [str(old), str(value)]
            setattr(licence, name, value)
    if licence.expires_on < licence.starts_on:
        raise LicensingError(_("The expiry date must not be before the start date."),
                             field="expires_on")
    if changed:
        licence.save(update_fields=list(changed))
        audit.record("licence.changed", actor=by, obj=licence, request=request,
                     workspace=_holder_workspace(licence, by), changes=changed)
    return licence


@transaction.atomic
def revoke_licence(licence: Licence, *, by, request=None) -> bool:
    """Staff revoke a licence; it no longer counts as valid (4.5b). True if it changed."""
    _require_staff(by)
    changed = Licence.objects.filter(pk=licence.pk, status=Licence.Status.ACTIVE).update(
        status=Licence.Status.REVOKED)
    if changed:
        licence.refresh_from_db()
        audit.record("licence.revoked", actor=by, obj=licence, request=request,
                     workspace=_holder_workspace(licence, by))
    return bool(changed)


@transaction.atomic
def reinstate_licence(licence: Licence, *, by, request=None) -> bool:
    _require_staff(by)
    changed = Licence.objects.filter(pk=licence.pk, status=Licence.Status.REVOKED).update(
        status=Licence.Status.ACTIVE)
    if changed:
        licence.refresh_from_db()
        audit.record("licence.reinstated", actor=by, obj=licence, request=request,
                     workspace=_holder_workspace(licence, by))
    return bool(changed)


@transaction.atomic
def release_licence(licence: Licence, *, by, request=None) -> bool:
    """Staff take a licence away from its holder, so it can be claimed again."""
    _require_staff(by)
    licence = Licence.objects.select_for_update().get(pk=licence.pk)
    if not licence.is_claimed:
        return False
    workspace = _holder_workspace(licence, by)
    licence.home_user = licence.company = licence.claimed_by = licence.claimed_at = None
    licence.save(update_fields=["home_user", "company", "claimed_by", "claimed_at"])
    audit.record("licence.released", actor=by, obj=licence, request=request,
                 workspace=workspace)
    return True


def reveal_key(licence: Licence, *, by, request=None) -> str:
    """The full activation code, for staff, with an audit event saying who saw it."""
    _require_staff(by)
    audit.record("licence.key_revealed", actor=by, obj=licence, request=request,
                 workspace=_holder_workspace(licence, by))
    return licence.key


# CSV import ----------------------------------------------------------------------------

CSV_COLUMNS = ("key", "product_code", "seats", "starts_on", "expires_on", "plan_code",
               "order_number", "purchaser_email")
CSV_MAX_BYTES = 5 * 1024 * 1024
CSV_MAX_ROWS = 20_000


@dataclass(frozen=True)
class ImportRowError:
    line: int  # 1 is the header line; 0 is the file as a whole
    column: str
    message: str

    def __str__(self):
        if not self.line:
            return self.message
        return _("Line %(line)d, %(column)s: %(message)s") % {
            "line": self.line, "column": self.column or "-", "message": self.message}


@dataclass
class ImportResult:
    """What an import did. All or nothing: with any error, `created` is 0."""

    created: int = 0
    rows: int = 0
    errors: list[ImportRowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def import_licences_csv(file, *, by, request=None) -> ImportResult:
    """Issue the licences of a CSV file of sold licences, all or nothing.

    Columns (header line required, any order): key, product_code, seats, starts_on,
    expires_on (YYYY-MM-DD), plan_code (empty means "standard"), order_number,
    purchaser_email. Every row is checked first and every problem is reported with its
    line; if any row is bad, nothing is imported.
    """
    _require_staff(by)
    result = ImportResult()
    text = _read_text(file, result)
    if text is None:
        return result
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [name.strip().lower() for name in (reader.fieldnames or [])]
    missing = [name for name in CSV_COLUMNS if name not in header]
    if missing:
        result.errors.append(ImportRowError(0, "", _(
            "The header line must name the columns %(columns)s; missing: %(missing)s."
        ) % {"columns": ", ".join(CSV_COLUMNS), "missing": ", ".join(missing)}))
        return result
    reader.fieldnames = header
    raw_rows = []
    for row in reader:
        if len(raw_rows) >= CSV_MAX_ROWS:
            result.errors.append(ImportRowError(0, "", _(
                "A file may hold at most %(rows)d licences.") % {"rows": CSV_MAX_ROWS}))
            return result
        if not any((value or "").strip() for key, value in row.items() if key is not None):
            continue  # blank line
        raw_rows.append((reader.line_num, row))
    result.rows = len(raw_rows)
    if not raw_rows:
        result.errors.append(ImportRowError(0, "", _("The file holds no licences.")))
        return result

    products = {p.code: p for p in Product.objects.all()}
    plans = {p.code: p for p in SupportPlan.objects.all()}
    licences, seen = [], {}
    for line, row in raw_rows:
        licence = _licence_from_row(line, row, products, plans, seen, result.errors)
        if licence is not None:
            licences.append(licence)
    existing = set(
        Licence.objects.filter(key__in=[lic.key for lic in licences])
        .values_list("key", flat=True)
    )
    for licence in licences:
        if licence.key in existing:
            result.errors.append(ImportRowError(seen[licence.key], "key", _(
                "A licence with this activation code already exists.")))
    if result.errors:
        result.errors.sort(key=lambda error: error.line)
        return result
    try:
        with transaction.atomic():
            Licence.objects.bulk_create(licences, batch_size=500)
            audit.record("licence.imported", actor=by, request=request, count=len(licences),
                         order_numbers=sorted({lic.order_number for lic in licences})[:100])
    except IntegrityError:
        result.errors.append(ImportRowError(0, "", _(
            "Another import added some of these activation codes meanwhile; nothing was "
            "imported. Try again.")))
        return result
    result.created = len(licences)
    return result


def _read_text(file, result: ImportResult) -> str | None:
    if hasattr(file, "size") and file.size is not None and file.size > CSV_MAX_BYTES:
        data = b""
        too_big = True
    else:
        data = file.read(CSV_MAX_BYTES + 1) if hasattr(file, "read") else file
        too_big = len(data) > CSV_MAX_BYTES
    if too_big:
        result.errors.append(ImportRowError(0, "", _(
            "The file is larger than %(size)d MB.") % {"size": CSV_MAX_BYTES // (1024 * 1024)}))
        return None
    if isinstance(data, str):
        return data.lstrip("\ufeff")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        result.errors.append(ImportRowError(0, "", _("The file must be UTF-8 text (CSV).")))
        return None


def _licence_from_row(line, row, products, plans, seen, errors) -> Licence | None:
    def value(name):
        return (row.get(name) or "").strip()

    def error(column, message):
        errors.append(ImportRowError(line, column, message))

    before = len(errors)
    if None in row:
        error("", _("This line has more values than the header has columns."))
    key = None
    try:
        key = normalize_key(value("key"))
    except ValidationError:
        error("key", _("Expected an activation code like %(form)s.") % {"form": KEY_FORMAT})
    if key is not None:
        if key in seen:
            error("key", _("This activation code is also on line %(line)d.") % {
                "line": seen[key]})
        else:
            seen[key] = line
    product = products.get(value("product_code"))
    if product is None:
        error("product_code", _("No product has the code “%(code)s”.") % {
            "code": value("product_code")[:60]})
    plan = plans.get(value("plan_code") or SupportPlan.STANDARD)
    if plan is None:
        error("plan_code", _("No support plan has the code “%(code)s”.") % {
            "code": value("plan_code")[:40]})
    seats = None
    try:
        seats = int(value("seats"))
        if not 1 <= seats <= 1_000_000:
            raise ValueError
    except ValueError:
        error("seats", _("Seats must be a whole number from 1 to 1000000."))
    dates = {}
    for column in ("starts_on", "expires_on"):
        try:
            dates[column] = date.fromisoformat(value(column))
        except ValueError:
            error(column, _("Expected a date as YYYY-MM-DD."))
    if len(dates) == 2 and dates["expires_on"] < dates["starts_on"]:
        error("expires_on", _("The expiry date must not be before the start date."))
    order_number = value("order_number")
    if not order_number or len(order_number) > 64:
        error("order_number", _("Give the order number (at most 64 characters)."))
    email = value("purchaser_email").lower()
    try:
        validate_email(email)
    except ValidationError:
        error("purchaser_email", _("Give the purchaser's email address."))
    if len(errors) > before:
        return None
    return Licence(key=key, product=product, plan=plan, seats=seats,
                   starts_on=dates["starts_on"], expires_on=dates["expires_on"],
                   order_number=order_number, purchaser_email=email)


# Quote requests ------------------------------------------------------------------------

QUOTE_TRANSITIONS = {
    QuoteRequest.Status.NEW: {QuoteRequest.Status.QUOTED, QuoteRequest.Status.DECLINED},
    QuoteRequest.Status.QUOTED: {QuoteRequest.Status.ACCEPTED, QuoteRequest.Status.DECLINED},
    QuoteRequest.Status.ACCEPTED: set(),
    QuoteRequest.Status.DECLINED: set(),
}
QUOTE_MESSAGE_MAX = 5000


def quote_url(quote: QuoteRequest) -> str:
    slug = quote.company.slug if quote.company_id else None
    if slug:
        return reverse("licensing:company_quote", kwargs={"slug": slug, "pk": quote.pk})
    return reverse("licensing:home_quote", kwargs={"pk": quote.pk})


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
        raise LicensingError(_("This service is not offered in your country."),
                             code="not_offered", field="service")
    message = (message or "").strip()
    if not message:
        raise LicensingError(_("Tell us what you need."), field="message")
    if len(message) > QUOTE_MESSAGE_MAX:
        raise LicensingError(_("Keep it under %(max)d characters.") % {"max": QUOTE_MESSAGE_MAX},
                             field="message")
    clause = (clause or (category.clause if category is not None else "")).strip()
    if len(clause) > 16:
        raise LicensingError(_("Not a clause label."), field="clause")
    quote = QuoteRequest.objects.create(
        service=service, requester=user, company=workspace.company,
        home_user=None if workspace.company else user, category=category, clause=clause,
        message=message,
    )
    audit.record("quote.requested", actor=user, obj=quote, workspace=workspace,
                 request=request, service=service.code, clause=clause)
    _notify_requester(quote, "quote_received")
    return quote


@transaction.atomic
def update_quote(quote: QuoteRequest, *, by, status: str | None = None,
                 staff_reply: str | None = None, request=None) -> QuoteRequest:
    """Staff answer a quote request and/or move it on (new -> quoted -> accepted, or
    declined); the requester gets an email when anything changed."""
    _require_staff(by)
    quote = (
        QuoteRequest.objects.select_for_update(of=("self",))
        .select_related("service", "company", "requester").get(pk=quote.pk)
    )
    old_status = quote.status
    fields = []
    if status is not None and status != quote.status:
        if status not in QUOTE_TRANSITIONS.get(quote.status, set()):
            raise LicensingError(_(
                "A quote request that is “%(old)s” cannot become “%(new)s”."
            ) % {"old": quote.get_status_display(),
                 "new": QuoteRequest.Status(status).label
                 if status in QuoteRequest.Status.values else status},
                code="invalid_transition", field="status")
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
