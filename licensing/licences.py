"""Licences: claimed by their key, issued and corrected by staff (clauses 4.1.3, 4.5b)."""

from __future__ import annotations

from datetime import date

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Replace
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import access, audit
from accounts.errors import DomainError, NotAllowed, RateLimited
from accounts.workspace import Workspace

from . import ratelimit
from .keys import generate_key, normalize_key
from .models import (
    Licence,
    Product,
    SupportPlan,
)
from .signals import licence_plan_changed


def _ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") if request is not None else None


def holder_workspace(licence: Licence, by) -> Workspace | None:
    """The workspace holding `licence`, for the audit record of what `by` did to it."""
    if licence.company_id:
        return Workspace(user=by, company=licence.company)
    if licence.home_user_id:
        return Workspace(user=licence.home_user)
    return None


def require_staff(user) -> None:
    if not access.is_agent(user):
        raise NotAllowed(_("Only support staff may do this."))


PARTIAL_KEY_MIN = 8
KEY_LOOKUPS_PER_WINDOW = 60
KEY_LOOKUP_WINDOW_SECONDS = 10 * 60
KEY_LOOKUP_RESULTS = 50
RECOVERY_CATEGORY = "licence_recovery"


def find_licences_by_key(raw: str, *, by, request=None, within=None) -> list[Licence]:
    """The one audited look-up of licences by activation code, for staff (4.1.3).

    A whole key is looked up anywhere; a partial one (at least PARTIAL_KEY_MIN letters and
    digits) only inside a licence-recovery request, given as `within`. Every look-up is
    audited (at most one row a minute per person and key, repeats counted) with the last
    five characters typed, never the key; a person making too many is refused for a while.
    Callers show the licences' masked keys only.
    """
    require_staff(by)
    text = str(raw or "").strip()[:64]
    compact = "".join(ch for ch in text.upper() if ch.isalnum())
    try:
        key, partial = normalize_key(text), False
    except ValidationError:
        key, partial = None, True
    if partial and (within is None or within.category.code != RECOVERY_CATEGORY):
        raise DomainError(_("Type the whole activation code. A partial code can only be "
                            "looked up from a licence-recovery request (clause 4.1.3)."),
                          field="code", code="partial_key")
    if partial and (len(compact) < PARTIAL_KEY_MIN or not compact.isascii()):
        raise DomainError(_("Type at least %(count)d letters and digits of the activation "
                            "code.") % {"count": PARTIAL_KEY_MIN}, field="code",
                          code="partial_key")
    _count_key_lookup(by)
    licences = Licence.objects.select_related("product", "plan", "company", "home_user").order_by(
        "-expires_on", "pk")
    if partial:  # compared without dashes, so however the part is typed it matches
        found = list(licences.annotate(compact_key=Replace("key", Value("-"), Value("")))
                     .filter(compact_key__contains=compact)[:KEY_LOOKUP_RESULTS])
    else:
        found = list(licences.filter(key=key))
    audit.record_repeatable(
        "licence.key_lookup", key=f"{by.pk}:{compact[-5:]}", actor=by, request=request,
        key_ends_with=compact[-5:], partial=partial, found=len(found),
        within=getattr(within, "reference", None))
    return found


def _count_key_lookup(user) -> None:
    bucket = f"licensing:key-lookups:{user.pk}"
    if cache.add(bucket, 1, timeout=KEY_LOOKUP_WINDOW_SECONDS):
        return
    try:
        count = cache.incr(bucket)
    except ValueError:  # the window ended in between
        cache.set(bucket, 1, timeout=KEY_LOOKUP_WINDOW_SECONDS)
        return
    if count > KEY_LOOKUPS_PER_WINDOW:
        raise RateLimited(_("Too many activation codes looked up; try again in a few "
                            "minutes."), retry_after=KEY_LOOKUP_WINDOW_SECONDS, field="code")



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
        raise DomainError(exc.messages[0], code="invalid_key", field="licence_key") from None

    with transaction.atomic():
        licence = (
            Licence.objects.select_for_update(of=("self",)).select_related("product")
            .filter(key=key).first()
        )
        if licence is not None and licence.is_claimed and _holds(workspace, licence):
            raise DomainError(_("This licence is already in this workspace."),
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
    raise DomainError(cannot_add_message(), code="cannot_add", field="licence_key")


def _holds(workspace: Workspace, licence: Licence) -> bool:
    if workspace.company is not None:
        return licence.company_id == workspace.company.pk
    return licence.company_id is None and licence.home_user_id == workspace.user.pk


@transaction.atomic
def issue_licence(*, product: Product, plan: SupportPlan, starts_on: date, expires_on: date,
                  by, key: str | None = None, seats: int = 1, order_number: str = "",
                  purchaser_email: str = "", request=None) -> Licence:
    """Staff issue a licence (unclaimed until a customer adds it by its key)."""
    require_staff(by)
    key = normalize_key(key) if key else generate_key()
    if expires_on < starts_on:
        raise DomainError(_("The expiry date must not be before the start date."),
                             field="expires_on")
    if Licence.objects.filter(key=key).exists():
        raise DomainError(_("A licence with this activation code already exists."),
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
    """Staff correct a licence's sale data (not its key, holder or status). A new support
    plan is announced (`signals.licence_plan_changed`) in the same transaction, so the
    licence's open requests follow it or nothing changes."""
    require_staff(by)
    unknown = set(changes) - set(LICENCE_EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable here: {sorted(unknown)}")
    licence = Licence.objects.select_for_update().select_related("plan").get(pk=licence.pk)
    previous_plan = licence.plan
    changed = {}
    for name, value in changes.items():
        old = getattr(licence, name)
        if old != value:
            changed[name] = [str(old), str(value)]
            setattr(licence, name, value)
    if licence.expires_on < licence.starts_on:
        raise DomainError(_("The expiry date must not be before the start date."),
                             field="expires_on")
    if changed:
        licence.save(update_fields=list(changed))
        audit.record("licence.changed", actor=by, obj=licence, request=request,
                     workspace=holder_workspace(licence, by), changes=changed)
        if "plan" in changed:
            licence_plan_changed.send(sender=Licence, licence=licence,
                                      previous=previous_plan, by=by)
    return licence


@transaction.atomic
def revoke_licence(licence: Licence, *, by, request=None) -> bool:
    """Staff revoke a licence; it no longer counts as valid (4.5b). True if it changed."""
    require_staff(by)
    changed = Licence.objects.filter(pk=licence.pk, status=Licence.Status.ACTIVE).update(
        status=Licence.Status.REVOKED)
    if changed:
        licence.refresh_from_db()
        audit.record("licence.revoked", actor=by, obj=licence, request=request,
                     workspace=holder_workspace(licence, by))
    return bool(changed)


@transaction.atomic
def reinstate_licence(licence: Licence, *, by, request=None) -> bool:
    require_staff(by)
    changed = Licence.objects.filter(pk=licence.pk, status=Licence.Status.REVOKED).update(
        status=Licence.Status.ACTIVE)
    if changed:
        licence.refresh_from_db()
        audit.record("licence.reinstated", actor=by, obj=licence, request=request,
                     workspace=holder_workspace(licence, by))
    return bool(changed)


@transaction.atomic
def release_licence(licence: Licence, *, by, request=None) -> bool:
    """Staff take a licence away from its holder, so it can be claimed again."""
    require_staff(by)
    licence = Licence.objects.select_for_update().get(pk=licence.pk)
    if not licence.is_claimed:
        return False
    workspace = holder_workspace(licence, by)
    licence.home_user = licence.company = licence.claimed_by = licence.claimed_at = None
    licence.save(update_fields=["home_user", "company", "claimed_by", "claimed_at"])
    audit.record("licence.released", actor=by, obj=licence, request=request,
                 workspace=workspace)
    return True


def reveal_key(licence: Licence, *, by, request=None) -> str:
    """The full activation code, for staff, with an audit event saying who saw it."""
    require_staff(by)
    audit.record("licence.key_revealed", actor=by, obj=licence, request=request,
                 workspace=holder_workspace(licence, by))
    return licence.key
