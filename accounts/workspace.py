"""The workspace a portal URL or an API call works in: a home user's own, or one company's."""

from dataclasses import dataclass

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.urls import path, reverse

from .models import Company, Membership, Segment, User

HOME_SLUG = "my"


@dataclass(frozen=True)
class Workspace:
    """Where a request, a licence or a survey belongs. Exactly one of the two is set."""

    user: User
    company: Company | None = None
    membership: Membership | None = None

    @property
    def is_company(self) -> bool:
        return self.company is not None

    @property
    def is_home(self) -> bool:
        return self.company is None

    @property
    def slug(self) -> str:
        return self.company.slug if self.company else HOME_SLUG

    @property
    def name(self) -> str:
        return self.company.name if self.company else self.user.get_full_name()

    @property
    def segment(self) -> str:
        return self.company.segment if self.company else Segment.HOME

    @property
    def country(self) -> str:
        return str(self.company.country if self.company else self.user.country)

    @property
    def is_admin(self) -> bool:
        """May manage the workspace: a home user always, in a company only its admins."""
        return self.company is None or bool(self.membership and self.membership.is_admin)

    @property
    def url(self) -> str:
        return portal_url("accounts:workspace", self)

    def owner_filter(self, prefix: str = "") -> dict:
        """Field lookups that select rows owned by this workspace (home user or company)."""
        if self.company:
            return {f"{prefix}company": self.company}
        return {f"{prefix}home_user": self.user, f"{prefix}company__isnull": True}


def portal_paths(route: str, view, name: str) -> list:
    """`company/<slug>/<route>` and `my/<route>` under ONE name, so every workspace page is
    reversed the same way whichever portal it is in: `portal_url(name, workspace)` in
    Python, `{% url name slug=workspace.slug %}` in templates.

    The home pattern passes slug="my" as a default argument (which `WorkspaceMixin`
    resolves to the home workspace). It must come after the company one: Django's reverse()
    tries the later pattern first, and only the home pattern accepts exactly slug="my".
    """
    return [
        path(f"company/<slug:slug>/{route}", view, name=name),
        path(f"my/{route}", view, {"slug": HOME_SLUG}, name=name),
    ]


def slug_of(row) -> str:
    """The workspace a row (a request, a licence, a quote) belongs to, as URLs name it."""
    return row.company.slug if row.company_id else HOME_SLUG


def portal_url(name: str, workspace: Workspace | str, **kwargs) -> str:
    """The URL of a workspace page (named with `portal_paths`) in `workspace` (or the
    workspace of that slug)."""
    slug = workspace if isinstance(workspace, str) else workspace.slug
    return reverse(name, kwargs={"slug": slug, **kwargs})


def resolve_workspace(user, slug: str) -> Workspace:
    """The workspace `slug` names for `user`; Http404 when the user is not in it.

    A company the user is not a member of and a company that does not exist answer the
    same, so a slug reveals nothing.
    """
    if not user.is_authenticated:
        raise Http404
    if slug == HOME_SLUG:
        return Workspace(user=user)
    membership = (
        Membership.objects.select_related("company")
        .filter(user=user, company__slug=slug)
        .first()
    )
    if membership is None:
        raise Http404
    return Workspace(user=user, company=membership.company, membership=membership)


def workspaces_of(user) -> list[Workspace]:
    """Every workspace the user reaches: their own, then their companies by name."""
    if not user.is_authenticated:
        return []
    memberships = (
        Membership.objects.filter(user=user).select_related("company").order_by("company__name")
    )
    return [Workspace(user=user)] + [
        Workspace(user=user, company=m.company, membership=m) for m in memberships
    ]


class WorkspaceMixin(LoginRequiredMixin):
    """Resolves `self.workspace` from the URL (`/my/...` or `/company/<slug>/...`) once.

    Logged-out visitors go to the login page; a company the user is not in answers 404.
    """

    workspace_admin_required = False

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.workspace = resolve_workspace(request.user, kwargs.get("slug", HOME_SLUG))
        if self.workspace_admin_required and not self.workspace.is_admin:
            raise Http404
        request.workspace = self.workspace
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        kwargs.setdefault("workspace", self.workspace)
        return super().get_context_data(**kwargs)
