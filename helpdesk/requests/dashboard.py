"""The staff dashboard on the admin index: a few counts, each a link into the filtered
request list."""

from urllib.parse import urlencode

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts import access

from .models import Queue, SupportRequest

Status = SupportRequest.Status
SlaState = SupportRequest.SlaState


def staff_dashboard(user) -> dict | None:
    """Counts for `user` in two queries (their queues, then one aggregate), or None for
    someone who does not work requests."""
    if not access.is_agent(user):
        return None
    my_queues = list(
        Queue.objects.filter(Q(agents=user) | Q(supervisors=user)).distinct()
        .values_list("pk", flat=True)
    )
    working = [Status.NEW, Status.OPEN]
    # Only active requests that are the user's or in their queues can count, so the
    # aggregate reads those rows through the indexes instead of the whole table.
    counts = (
        SupportRequest.objects.filter(status__in=SupportRequest.ACTIVE_STATUSES)
        .filter(Q(assignee=user) | Q(queue__in=my_queues))
        .aggregate(
            mine=Count("pk", filter=Q(assignee=user, status__in=working)),
            unassigned=Count("pk", filter=Q(assignee__isnull=True, queue__in=my_queues)),
            waiting=Count("pk", filter=Q(assignee=user, status=Status.WAITING_ON_CUSTOMER)),
            at_risk=Count("pk", filter=Q(sla_state=SlaState.AT_RISK)),
            breached=Count("pk", filter=Q(sla_state=SlaState.BREACHED)),
        )
    )
    changelist = reverse("admin:helpdesk_supportrequest_changelist")

    def link(**params) -> str:
        return f"{changelist}?{urlencode(params)}"

    return {
        "cards": [
            {"label": _("My open requests"), "count": counts["mine"],
             "url": link(assigned="me", status="working")},
            {"label": _("Unassigned in my queues"), "count": counts["unassigned"],
             "url": link(assigned="none", queue="mine", status="active")},
            {"label": _("Waiting on the customer (mine)"), "count": counts["waiting"],
             "url": link(assigned="me", status=Status.WAITING_ON_CUSTOMER)},
            {"label": _("At risk (mine and my queues)"), "count": counts["at_risk"],
             "url": link(queue="mine", status="active", sla=SlaState.AT_RISK)},
            {"label": _("Breached (mine and my queues)"), "count": counts["breached"],
             "url": link(queue="mine", status="active", sla=SlaState.BREACHED)},
        ],
        "queues": len(my_queues),
    }
