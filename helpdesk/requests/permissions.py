"""Who may work a request, and who is its customer."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _

from ..errors import (
    NotAllowed,
)
from .models import (
    Queue,
    SupportRequest,
    TimelineEvent,
)
from .querysets import customer_requests_q

Status = SupportRequest.Status
Kind = TimelineEvent.Kind


# Who may ------------------------------------------------------------------------------

def is_agent(user) -> bool:
    """Support staff who may work requests (the Agents and Supervisors groups)."""
    return bool(
        user is not None and user.is_authenticated and user.is_active and user.is_staff
        and user.has_perm("helpdesk.change_supportrequest")
    )


def is_supervisor(user) -> bool:
    return is_agent(user) and (user.is_superuser or user.has_perm("helpdesk.change_queue"))


def may_work(user, support_request: SupportRequest) -> bool:
    """Agents work the requests of their queues (and unrouted ones, and those assigned to
    them); supervisors work every request."""
    if not is_agent(user):
        return False
    if is_supervisor(user) or support_request.queue_id is None:
        return True
    if support_request.assignee_id == user.pk:
        return True
    return Queue.objects.filter(pk=support_request.queue_id).filter(
        Q(agents=user) | Q(supervisors=user)).exists()


def is_customer_of(user, support_request: SupportRequest) -> bool:
    """The customer side: the home user, the company member who filed it, or a company
    admin. Staff powers are not customer powers, so this never looks at is_staff."""
    return bool(user is not None and user.is_authenticated) and SupportRequest.objects.filter(
        customer_requests_q(user), pk=support_request.pk).exists()


def require_agent(user, support_request: SupportRequest) -> None:
    if not may_work(user, support_request):
        raise NotAllowed(_("Only support staff working this request's queue may do this."))
