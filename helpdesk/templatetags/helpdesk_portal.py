"""Template helpers of the customer portals.

The workspace start page (`/my/`, `/company/<slug>/`) is accounts' view; the helpdesk adds
its part of it (open requests, licences, self-help) through `portal_dashboard`, so accounts
never imports the helpdesk (DESIGN.md section 2: apps depend downward).
"""

from django import template

from helpdesk.requests.forms import CUSTOMER_STATUS_LABELS
from helpdesk.requests.portal import dashboard_context

register = template.Library()


@register.inclusion_tag("helpdesk/portal/includes/dashboard.html", takes_context=True)
def portal_dashboard(context):
    return dashboard_context(context["request"], context["workspace"])


@register.filter
def status_label(status: str) -> str:
    """A request status as the customer reads it ("Waiting for your reply")."""
    return CUSTOMER_STATUS_LABELS.get(status, status)
