"""Template helpers of the customer portals' request pages."""

from django import template

from helpdesk.requests.forms import CUSTOMER_STATUS_LABELS

register = template.Library()


@register.filter
def status_label(status: str) -> str:
    """A request status as the customer reads it ("Waiting for your reply")."""
    return CUSTOMER_STATUS_LABELS.get(status, status)
