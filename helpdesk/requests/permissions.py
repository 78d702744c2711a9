"""Who may work a request, on top of the access layer's roles (`accounts.access`)."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _

from accounts import access
from accounts.errors import NotAllowed

from .models import Queue, SupportRequest


def may_work(user, support_request: SupportRequest) -> bool:
    """Agents work the requests of their queues (and unrouted ones, and those assigned to
    them); supervisors work every request."""
    if not access.is_agent(user):
        return False
    if access.is_supervisor(user) or support_request.queue_id is None:
        return True
    if support_request.assignee_id == user.pk:
        return True
    return Queue.objects.filter(pk=support_request.queue_id).filter(
        Q(agents=user) | Q(supervisors=user)).exists()


def require_agent(user, support_request: SupportRequest) -> None:
    if not may_work(user, support_request):
        raise NotAllowed(_("Only support staff working this request's queue may do this."))
