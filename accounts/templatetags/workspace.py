"""Template tags of the workspace pages: the navigation and the slots other apps fill
(`accounts.registry`), so a page shows another app's links and panels without naming it.

    {% load workspace %}
    {% workspace_nav workspace "requests" %}
    {% slot_links "licences.help" workspace as help_links %}
    {% slot_panels "workspace.dashboard" workspace %}
"""

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from .. import registry

register = template.Library()


@register.inclusion_tag("accounts/includes/workspace_nav.html")
def workspace_nav(workspace, current: str = ""):
    """The workspace's pages, the one marked `current` as the page being read."""
    return {"workspace": workspace, "current": current,
            "links": registry.links(registry.WORKSPACE_NAV, workspace)}


@register.simple_tag
def slot_links(slot: str, workspace, obj=None) -> list[dict]:
    return registry.links(slot, workspace, obj)


@register.simple_tag(takes_context=True)
def slot_panels(context, slot: str, workspace, obj=None) -> str:
    """Each panel of `slot` rendered with its own context, in the page's request."""
    request = context.get("request")
    return mark_safe("".join(  # noqa: S308 - each part is a template Django escaped
        render_to_string(panel["template"], panel["context"], request=request)
        for panel in registry.panels(slot, request, workspace, obj)))
