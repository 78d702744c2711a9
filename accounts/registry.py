"""What each app contributes to pages and groups it does not own.

Apps depend downward (DESIGN.md section 2): a lower app never imports, links or includes a
higher one. Where a lower app's page shows something of a higher app (the workspace's
navigation and start page, a licence page's "lost your code?" link, a request page's
"give feedback"), the lower app names a *slot* and the higher app fills it in its
`AppConfig.ready()`. The staff groups' permissions are collected the same way: each app
grants the permissions on its own models.

Slots hold links (a label and a URL name reversed in the workspace) and panels (a template
and a function giving its context). Whether an entry shows is decided by its `when`,
called with the page's workspace and object. Where a lower app needs something only a
higher app knows (the links of the helpdesk's self-help on a licensing decision), the lower
app names a slot for a *provider* function and the higher app provides it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse
from django.utils.http import urlencode

from .access import AGENTS, SUPERVISORS
from .workspace import portal_url

# Slots of the accounts app's own pages.
WORKSPACE_NAV = "workspace.nav"
WORKSPACE_DASHBOARD = "workspace.dashboard"


def _always(*args) -> bool:
    return True


@dataclass(frozen=True)
class Link:
    """A link in a slot. `url_name` is reversed in the page's workspace (every workspace
    page is named once for both portals, see `accounts.workspace.portal_paths`), with the
    keyword arguments `kwargs(obj)` gives and `query` as the query string; a page of no
    workspace (the personal profile) says `in_workspace=False`. `label` is a lazy
    translation, or a function of the workspace."""

    key: str
    label: Any
    url_name: str
    order: int = 100
    when: Callable[..., bool] = _always
    kwargs: Callable[[Any], dict] | None = None
    query: dict = field(default_factory=dict)
    in_workspace: bool = True

    def url(self, workspace, obj=None) -> str:
        kwargs = self.kwargs(obj) if self.kwargs else {}
        url = (portal_url(self.url_name, workspace, **kwargs) if self.in_workspace
               else reverse(self.url_name, kwargs=kwargs))
        return f"{url}?{urlencode(self.query)}" if self.query else url

    def text(self, workspace) -> str:
        return str(self.label(workspace) if callable(self.label) else self.label)


@dataclass(frozen=True)
class Panel:
    """A block in a slot: `template` rendered with what `context(request, workspace, obj)`
    gives (None leaves the panel out)."""

    key: str
    template: str
    context: Callable[..., dict | None]
    order: int = 100


_links: dict[str, dict[str, Link]] = defaultdict(dict)
_panels: dict[str, dict[str, Panel]] = defaultdict(dict)
_staff_permissions: dict[str, dict[str, tuple[str, ...]]] = defaultdict(dict)
_providers: dict[str, Callable[..., Any]] = {}


def add_link(slot: str, link: Link) -> None:
    """Put `link` in `slot`; the same key again replaces it (ready() may run twice)."""
    _links[slot][link.key] = link


def add_panel(slot: str, panel: Panel) -> None:
    _panels[slot][panel.key] = panel


def links(slot: str, workspace, obj=None) -> list[dict]:
    """The links of `slot` that apply, in order: `{"key", "label", "url"}`."""
    entries = sorted(_links[slot].values(), key=lambda link: (link.order, link.key))
    return [{"key": link.key, "label": link.text(workspace), "url": link.url(workspace, obj)}
            for link in entries if link.when(workspace, obj)]


def panels(slot: str, request, workspace, obj=None) -> list[dict]:
    """The panels of `slot` with their context, in order: `{"template", "context"}`."""
    shown = []
    for panel in sorted(_panels[slot].values(), key=lambda p: (p.order, p.key)):
        context = panel.context(request, workspace, obj)
        if context is not None:
            shown.append({"key": panel.key, "template": panel.template, "context": context})
    return shown


def provide(slot: str, function: Callable[..., Any]) -> None:
    """Fill the provider slot `slot` with `function` (again replaces it)."""
    _providers[slot] = function


def provided(slot: str) -> Callable[..., Any] | None:
    """The function a higher app provided for `slot`, or None when none did."""
    return _providers.get(slot)


READ = ("view",)
WORK = ("view", "change")
ALL = ("view", "add", "change", "delete")


def grant_staff(agents: dict[str, tuple[str, ...]],
                supervisors: dict[str, tuple[str, ...]] | None = None) -> None:
    """What the staff groups may do with one app's models, as
    `{"app_label.model": ("view", "change")}`: agents work requests; supervisors may do all
    agents may, and more where `supervisors` says so."""
    _staff_permissions[AGENTS].update(agents)
    _staff_permissions[SUPERVISORS].update({**agents, **(supervisors or {})})


def staff_permissions(group: str) -> dict[str, tuple[str, ...]]:
    return dict(_staff_permissions[group])


def sync_staff_groups(apps=None) -> None:
    """Create the staff groups and add every permission the apps granted; models not
    installed (yet) are skipped. Adds only, never removes, so permissions staff granted by
    hand stay. Runs from a data migration and from the demo seed."""
    if apps is None:
        from django.apps import apps
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name in (AGENTS, SUPERVISORS):
        group, _created = Group.objects.get_or_create(name=name)
        wanted = []
        for label, actions in _staff_permissions[name].items():
            app_label, model = label.split(".")
            wanted += list(Permission.objects.filter(
                content_type__app_label=app_label, content_type__model=model,
                codename__in=[f"{action}_{model}" for action in actions],
            ).values_list("pk", flat=True))
        group.permissions.add(*wanted)


def sync_staff_groups_in_migration(apps) -> None:
    """`sync_staff_groups` from a data migration. Django creates permissions only once
    every migration has run, so those of the models migrated so far are created first."""
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    sync_staff_groups(apps)
