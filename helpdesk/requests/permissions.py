"""Who may work a request, on top of the access layer's roles (`accounts.access`)."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _

from accounts import access
from accounts.errors import NotAllowed

from .models import Queue, SupportRequest


def may_work(user, support_request: SupportRequest, *, in_queue: bool | None = None) -> bool:
    """Agents work the requests of their queues (and unrouted ones, and those assigned to
    them); supervisors work every request. `in_queue`: whether the request's queue is one
    of the user's, when the caller read it already."""
    if not access.is_agent(user):
        return False
    if access.is_supervisor(user) or support_request.queue_id is None:
        return True
    if support_request.assignee_id == user.pk:
        return True
    if in_queue is not None:
        return in_queue
    return Queue.objects.filter(pk=support_request.queue_id).filter(
        Q(agents=user) | Q(supervisors=user)).exists()


def require_agent(user, support_request: SupportRequest) -> None:
    if not may_work(user, support_request):
        raise NotAllowed(_("Only support staff working this request's queue may do this."))
