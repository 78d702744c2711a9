"""Every change to users, companies, memberships, invitations and tokens."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from notifications.services import Email, notify, notify_many

from . import access, audit
from .errors import DomainError, InvalidState, NotAllowed, RateLimited
from .models import ApiToken, Company, Invitation, Membership, User
from .workspace import Workspace


def notify_users(users, template: str, context: dict) -> None:
    """The same email to each of `users`, in their own language: one INSERT."""
    notify_many([Email(user.email, template, context, user.language) for user in users])


def _create_with_free_slug(**fields) -> Company:
    """The company under the first free slug of `acme`, `acme-2`, ...: one taken already
    is skipped with one query; one taken by a registration running at the same moment
    fails its insert, and the next is tried."""
    base = slugify(fields["name"])[:50] or "company"
    n = 1
    while True:
        slug = base if n == 1 else f"{base}-{n}"
        n += 1
        if slug == "my" or Company.objects.filter(slug=slug).exists():
            continue
        try:
            with transaction.atomic():
                return Company.objects.create(slug=slug, **fields)
        except IntegrityError:
            if not Company.objects.filter(slug=slug).exists():
                raise


@transaction.atomic
def register_company(*, user: User, name: str, country: str, segment: str) -> Company:
    """A signed-in user registers a company and becomes its first admin; staff verify it."""
    company = _create_with_free_slug(name=name, country=country, segment=segment)
    Membership.objects.create(user=user, company=company, role=Membership.Role.ADMIN)
    audit.record("company.registered", actor=user, obj=company,
                 workspace=Workspace(user=user, company=company))
    return company


@transaction.atomic
def verify_company(company: Company, *, by: User) -> None:
    if company.is_verified:
        return
    company.is_verified = True
    company.save(update_fields=["is_verified"])
    audit.record("company.verified", actor=by, obj=company,
                 workspace=Workspace(user=by, company=company))
    admins = company.memberships.filter(role=Membership.Role.ADMIN).select_related("user")
    notify_users([membership.user for membership in admins], "company_verified",
                 {"company": company.name, "url": f"/company/{company.slug}/"})


def _require_admin(company: Company, user: User) -> None:
    if not (access.administers(user, company) or access.is_agent(user)):
        raise NotAllowed(_("Only the company's administrators may do this."))


def _invitation_language(email: str, fallback: str) -> str:
    """An invitation goes out in the language of the person it invites when they already
    have an account, else in the inviting admin's."""
    return (User.objects.filter(email__iexact=email).values_list("language", flat=True).first()
            or fallback)


def _send_invitation(invitation: Invitation, token: str, by: User) -> None:
    notify(invitation.email, "invitation", {
        "company": invitation.company.name,
        "invited_by": by.get_full_name(),
        "expires": invitation.expires_at.date().isoformat(),
    }, language=_invitation_language(invitation.email, by.language),
        credentials={"url": reverse("accounts:invitation", kwargs={"token": token})})


def _new_token() -> tuple[str, str]:
    """A one-time invitation token and the hash that is all the database keeps of it."""
    token = secrets.token_urlsafe(32)
    return token, Invitation.hash_token(token)


@transaction.atomic
def invite_member(*, company: Company, email: str, role: str, by: User) -> tuple[Invitation, str]:
    """Invite `email` to the company. Returns the invitation and its one-time token."""
    _require_admin(company, by)
    email = email.strip().lower()
    if Membership.objects.filter(company=company, user__email__iexact=email).exists():
        raise DomainError(_("%(email)s is already a member of this company.") % {"email": email},
                          field="email")
    Invitation.objects.pending().filter(company=company, email__iexact=email).update(
        revoked_at=timezone.now()
    )
    token, token_hash = _new_token()
    invitation = Invitation.objects.create(
        company=company, email=email, role=role, invited_by=by, token_hash=token_hash,
        expires_at=timezone.now() + timedelta(days=settings.INVITATION_EXPIRY_DAYS),
    )
    audit.record("company.member_invited", actor=by, obj=invitation,
                 workspace=Workspace(user=by, company=company), email=email, role=role)
    _send_invitation(invitation, token, by)
    return invitation, token


def _pending_invitation(invitation: Invitation, by: User) -> Invitation:
    """The invitation locked for a change by one of its company's admins; InvalidState once
    it was accepted, cancelled or has expired."""
    _require_admin(invitation.company, by)
    invitation = Invitation.objects.select_for_update().select_related("company").get(
        pk=invitation.pk)
    if not invitation.is_pending:
        raise InvalidState(_("This invitation has already been used, cancelled or has "
                             "expired."))
    return invitation


@transaction.atomic
def resend_invitation(invitation: Invitation, *, by: User) -> tuple[Invitation, str]:
    """Send a pending invitation again, with a new link that works for the full period.

    The old link stops working: only a hash of the token is kept, so the email cannot be
    repeated as it was, and one invitation has one working link."""
    invitation = _pending_invitation(invitation, by)
    token, invitation.token_hash = _new_token()
    invitation.expires_at = timezone.now() + timedelta(days=settings.INVITATION_EXPIRY_DAYS)
    invitation.save(update_fields=["token_hash", "expires_at"])
    audit.record("company.invitation_resent", actor=by, obj=invitation,
                 workspace=Workspace(user=by, company=invitation.company),
                 email=invitation.email)
    _send_invitation(invitation, token, by)
    return invitation, token


@transaction.atomic
def cancel_invitation(invitation: Invitation, *, by: User) -> Invitation:
    """Withdraw a pending invitation: its link stops working, and the person invited is
    told, so a link they still have does not look like a fault."""
    invitation = _pending_invitation(invitation, by)
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    audit.record("company.invitation_cancelled", actor=by, obj=invitation,
                 workspace=Workspace(user=by, company=invitation.company),
                 email=invitation.email)
    notify(invitation.email, "invitation_cancelled", {"company": invitation.company.name},
           language=_invitation_language(invitation.email, by.language))
    return invitation


def find_invitation(token: str) -> Invitation | None:
    return (
        Invitation.objects.select_related("company")
        .filter(token_hash=Invitation.hash_token(token))
        .first()
    )


@transaction.atomic
def accept_invitation(invitation: Invitation, *, user: User) -> Membership:
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_pending:
        raise InvalidState(_("This invitation has already been used or has expired."))
    if invitation.email.lower() != user.email.lower():
        raise NotAllowed(
            _("This invitation was sent to another email address. Sign in as %(email)s to "
              "accept it.") % {"email": invitation.email}
        )
    membership, _created = Membership.objects.get_or_create(
        user=user, company=invitation.company, defaults={"role": invitation.role}
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    workspace = Workspace(user=user, company=invitation.company)
    audit.record("company.member_joined", actor=user, obj=membership, workspace=workspace,
                 role=membership.role)
    admins = Membership.objects.filter(
        company=invitation.company, role=Membership.Role.ADMIN
    ).exclude(user=user).select_related("user")
    notify_users([admin.user for admin in admins], "member_joined", {
        "company": invitation.company.name,
        "member": user.get_full_name(),
        "url": f"/company/{invitation.company.slug}/",
    })
    return membership


def _other_admins(membership: Membership):
    return Membership.objects.filter(
        company=membership.company, role=Membership.Role.ADMIN
    ).exclude(pk=membership.pk)


@transaction.atomic
def change_role(membership: Membership, *, role: str, by: User) -> Membership:
    _require_admin(membership.company, by)
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.role == role:
        return membership
    if membership.is_admin and not _other_admins(membership).select_for_update().exists():
        raise InvalidState(_("A company needs at least one administrator."))
    previous = membership.role
    membership.role = role
    membership.save(update_fields=["role"])
    audit.record("company.role_changed", actor=by, obj=membership,
                 workspace=Workspace(user=by, company=membership.company),
                 previous=previous, role=role)
    return membership


@transaction.atomic
def remove_member(membership: Membership, *, by: User) -> None:
    _require_admin(membership.company, by)
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.is_admin and not _other_admins(membership).select_for_update().exists():
        raise InvalidState(_("A company needs at least one administrator."))
    audit.record("company.member_removed", actor=by, obj=membership,
                 workspace=Workspace(user=by, company=membership.company),
                 member=membership.user.email)
    membership.delete()


@transaction.atomic
def create_api_token(user: User, *, name: str, request=None) -> tuple[ApiToken, str]:
    """A new personal token. The key is returned once and never stored. Staff without the
    second factor the deployment requires get none: a token would act without it."""
    access.require_second_factor(user)
    _limit_token_creation(user)
    key = ApiToken.generate_key()
    token = ApiToken.objects.create(
        user=user, name=name, prefix=key[: ApiToken.PREFIX_LENGTH],
        key_hash=ApiToken.hash_key(key),
    )
    audit.record("api_token.created", actor=user, obj=token, workspace=Workspace(user=user),
                 request=request)
    return token, key


def _limit_token_creation(user: User) -> None:
    """At most API_TOKENS_PER_HOUR new tokens (and their audit rows) per person an hour;
    the person's row is locked, so tokens made at once are counted one after another."""
    User.objects.select_for_update().filter(pk=user.pk).first()
    hour_ago = timezone.now() - timedelta(hours=1)
    recent = list(ApiToken.objects.filter(user=user, created_at__gt=hour_ago)
                  .order_by("-created_at").values_list("created_at", flat=True)
                  [:settings.API_TOKENS_PER_HOUR])
    if len(recent) >= settings.API_TOKENS_PER_HOUR:
        wait = (recent[-1] - hour_ago).total_seconds()
        raise RateLimited(_("Too many API tokens were created in the last hour. Try again "
                            "in %(minutes)d minutes, or use one of your tokens.") % {
                                "minutes": max(1, int(wait + 59) // 60)},
                          retry_after=int(wait) + 1, field="name")


@transaction.atomic
def revoke_api_token(token: ApiToken, *, by: User) -> None:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record("api_token.revoked", actor=by, obj=token,
                     workspace=Workspace(user=token.user))


def _last_admin_companies(user: User) -> list[Company]:
    """Companies where `user` is the only administrator."""
    return [
        m.company
        for m in Membership.objects.filter(user=user, role=Membership.Role.ADMIN)
        .select_related("company")
        if not _other_admins(m).exists()
    ]


@transaction.atomic
def update_profile(user: User, *, full_name: str, country: str, language: str,
                   time_zone: str) -> User:
    user.full_name = full_name
    user.country = country
    user.language = language
    user.time_zone = time_zone
    user.save(update_fields=["full_name", "country", "language", "time_zone"])
    return user


@transaction.atomic
def rename_company(company: Company, *, name: str, by: User) -> Company:
    _require_admin(company, by)
    previous = company.name
    company.name = name
    company.save(update_fields=["name"])
    audit.record("company.renamed", actor=by, obj=company,
                 workspace=Workspace(user=by, company=company), previous=previous)
    return company


@transaction.atomic
def erase_account(user: User) -> None:
    """Erase a person's personal data while their requests stay, anonymised.

    The user row stays so requests, messages and audit events keep their shape; what
    identifies the person (email, name, sign-in methods, tokens, memberships) goes.
    """
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator

    blocking = _last_admin_companies(user)
    if blocking:
        raise InvalidState(
            _("You are the only administrator of %(companies)s. Make someone else an "
              "administrator first.") % {"companies": ", ".join(c.name for c in blocking)}
        )
    audit.record("account.erased", actor=None, obj=user, workspace=Workspace(user=user))
    EmailAddress.objects.filter(user=user).delete()
    Authenticator.objects.filter(user=user).delete()
    ApiToken.objects.filter(user=user).delete()
    Membership.objects.filter(user=user).delete()
    Invitation.objects.filter(email__iexact=user.email).update(revoked_at=timezone.now())
    user.email = f"erased-{user.pk}@invalid.example"
    user.full_name = ""
    user.is_active = False
    user.set_unusable_password()
    user.erased_at = timezone.now()
    user.save()
