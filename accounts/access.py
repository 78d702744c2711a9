"""Who is who, and whose rows are whose: the one access layer of every face.

Roles
-----
* a **customer** is anyone signed in: a home user in their own workspace, and in a company
  an administrator or a member (`Membership.role`);
* **agents** are support staff: active users with `is_staff` in one of the staff groups
  (Agents, Supervisors), or superusers; **supervisors** also run queues, the catalogue and
  the rules.

Where the deployment requires a second factor (`ADMIN_REQUIRES_MFA`, always on in
production), staff without an authenticator are not staff here: every staff power is
withheld from them (they see no more than a customer would), the API refuses them with
`mfa_required` (`accounts.authentication`), and the admin sends them to set one up.

Ownership
---------
`customer_q` is the one condition for "whose rows": a home user's own home rows; in a
company, every row of the companies they administer and their own rows of the companies
they are a member of (`member_q`: every row of every company they belong to, for rows a
whole company shares, such as licences). `visible_q` adds the agents, who reach every row;
each model's `visible_to` applies it, and the admin's querysets come from `visible_to`, so
pages, API, admin and services agree.
"""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext as _

from .errors import SecondFactorRequired
from .models import Membership

AGENTS = "Agents"
SUPERVISORS = "Supervisors"
STAFF_GROUPS = (AGENTS, SUPERVISORS)


def _is_signed_in(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def _group_names(user) -> frozenset[str]:
    """The user's group names, read once per user object (one request's `request.user`),
    with their permissions (`accounts.backends.load_identity`)."""
    if getattr(user, "_access_group_names", None) is None:
        from .backends import load_identity

        load_identity(user)
    return user._access_group_names


def has_second_factor(user) -> bool:
    return is_mfa_enabled(user, [Authenticator.Type.TOTP])


def second_factor_missing(user) -> bool:
    """A staff account the deployment does not trust yet: it must set up an authenticator
    before anything else (the admin sends it there, the API answers `mfa_required`)."""
    return bool(
        settings.ADMIN_REQUIRES_MFA and _is_signed_in(user) and user.is_staff
        and not has_second_factor(user)
    )


def is_agent(user) -> bool:
    """Support staff who work requests: staff in a staff group, or superusers, who passed
    the second-factor requirement. Supervisors are agents too."""
    if not (_is_signed_in(user) and user.is_staff):
        return False
    if not (user.is_superuser or _group_names(user) & set(STAFF_GROUPS)):
        return False
    return not second_factor_missing(user)


def is_supervisor(user) -> bool:
    """Agents who also run queues, the rules, the catalogue and the reports."""
    return is_agent(user) and (user.is_superuser or SUPERVISORS in _group_names(user))


def administers(user, company) -> bool:
    """A company administrator of `company`."""
    administered, _member_of = memberships(user)
    return company is not None and company.pk in administered


def memberships(user) -> tuple[list[int], list[int]]:
    """(ids of the companies `user` administers, ids of those they are a plain member of).

    Read as literal ids: PostgreSQL plans `company_id IN (1, 2)` onto the indexes, where an
    OR of subqueries is checked row by row across a big company's rows.
    """
    administered, member_of = [], []
    if not _is_signed_in(user):
        return administered, member_of
    # Read once per user object (one request's `request.user`): each `visible_to` of a page
    # asks again. A membership saved or deleted in this process since makes it read anew.
    memo = getattr(user, "_access_memberships", None)
    if memo is not None and memo[0] == _membership_changes:
        return list(memo[1]), list(memo[2])
    for company_id, role in Membership.objects.filter(user=user).values_list("company_id",
                                                                            "role"):
        (administered if role == Membership.Role.ADMIN else member_of).append(company_id)
    user._access_memberships = (_membership_changes, tuple(administered), tuple(member_of))
    return administered, member_of


_membership_changes = 0


def _membership_changed(**kwargs) -> None:
    global _membership_changes
    _membership_changes += 1


post_save.connect(_membership_changed, sender=Membership, dispatch_uid="access-memberships")
post_delete.connect(_membership_changed, sender=Membership, dispatch_uid="access-memberships")


def customer_q(user, prefix: str = "", *, owner: str = "requester") -> Q:
    """Rows on `user`'s customer side: their home rows, every row of the companies they
    administer, and in the companies they are a member of the rows whose `owner` they are.

    `prefix` reaches the owning row through a relation (`"request__"`). Staff powers never
    count here: staff see more through `is_agent`, not through this condition.
    """
    if not _is_signed_in(user):
        return Q(pk__in=[])
    administered, member_of = memberships(user)
    q = Q(**{f"{prefix}company__isnull": True, f"{prefix}home_user": user})
    if administered:
        q |= Q(**{f"{prefix}company__in": administered})
    if member_of:
        q |= Q(**{f"{prefix}company__in": member_of, f"{prefix}{owner}": user})
    return q


def member_q(user, prefix: str = "") -> Q:
    """Rows a whole workspace shares (licences): the user's home rows and every row of each
    company they belong to, whatever their role."""
    if not _is_signed_in(user):
        return Q(pk__in=[])
    administered, member_of = memberships(user)
    q = Q(**{f"{prefix}company__isnull": True, f"{prefix}home_user": user})
    if administered or member_of:
        q |= Q(**{f"{prefix}company__in": administered + member_of})
    return q


def visible_q(user, prefix: str = "", *, owner: str = "requester", shared: bool = False) -> Q:
    """The one condition behind every model's `visible_to`: agents reach every row (the
    support desk works them all); anyone else the rows of their customer side
    (`customer_q`), or for rows a whole workspace shares (`shared`, e.g. licences) those of
    every workspace they belong to (`member_q`)."""
    if is_agent(user):
        return Q()
    return member_q(user, prefix) if shared else customer_q(user, prefix, owner=owner)


def workspace_q(workspace, user, prefix: str = "", *, owner: str = "requester") -> Q:
    """`customer_q` within one workspace already resolved for `user` (so their membership
    is checked): a single indexed condition, which pages far faster than the OR across
    every workspace. Staff reading a company workspace see all of it."""
    if workspace.user.pk != getattr(user, "pk", None):
        return Q(pk__in=[])
    if workspace.is_home:
        return Q(**{f"{prefix}company__isnull": True, f"{prefix}home_user": user})
    if workspace.is_admin or is_agent(user):
        return Q(**{f"{prefix}company": workspace.company})
    return Q(**{f"{prefix}company": workspace.company, f"{prefix}{owner}": user})


def is_customer_of(user, obj, *, owner: str = "requester") -> bool:
    """Whether `obj` (a row with `company`, `home_user` and `owner`) is on `user`'s customer
    side, without a query beyond their memberships."""
    if not _is_signed_in(user):
        return False
    company_id = getattr(obj, "company_id", None)
    if company_id is None:
        return getattr(obj, "home_user_id", None) == user.pk
    administered, member_of = memberships(user)
    if company_id in administered:
        return True
    return company_id in member_of and getattr(obj, f"{owner}_id", None) == user.pk


def require_second_factor(user) -> None:
    """Raise `SecondFactorRequired` for staff the deployment does not trust yet: every face
    calls it before acting for a signed-in user."""
    if second_factor_missing(user):
        raise SecondFactorRequired(_(
            "Set up an authenticator app for your staff account before you use the portal."))


def agents():
    """Every active agent (supervisors included), for assignment lists: staff in a staff
    group, or superusers. Whether each has a second factor is checked when they act."""
    return get_user_model().objects.filter(
        Q(is_superuser=True) | Q(groups__name__in=STAFF_GROUPS), is_active=True, is_staff=True,
    ).distinct()


def supervisors():
    """Every active supervisor: who is escalated to when a queue names none."""
    return get_user_model().objects.filter(
        Q(is_superuser=True) | Q(groups__name=SUPERVISORS), is_active=True, is_staff=True,
    ).distinct()
