"""Template tags for the portal pages: the support hours block (clause 2.2) and a
company's premium-support allowance (3.3).

    {% load support_hours %}
    {% support_hours workspace as hours %}
    {% include "helpdesk/includes/support_hours.html" with hours=hours %}

    {% premium_allowance workspace.company as allowance %}
"""

from django import template

from ..sla import calendars, entitlements

register = template.Library()


@register.simple_tag(takes_context=True)
def support_hours(context, workspace=None, user=None):
    """`calendars.hours_for_workspace` for `workspace` (default: the context's
    `workspace`), on the clock of `user` (default: the signed-in user)."""
    workspace = workspace or context.get("workspace")
    if workspace is None:
        return None
    if user is None:
        request = context.get("request")
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            user = workspace.user
    return calendars.hours_for_workspace(workspace, user)


@register.simple_tag
def premium_allowance(company):
    """`entitlements.premium_allowance(company)`; None for no company or no paid plan."""
    if company is None:
        return None
    return entitlements.premium_allowance(company)
