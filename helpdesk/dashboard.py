"""The staff dashboard on the admin index: a few counts, each a link into the filtered
request list."""

from urllib.parse import urlencode

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from .models import Queue, SupportRequest

Status = SupportRequest.Status


def staff_dashboard(user) -> dict | None:
    """Counts for `user` in two queries (their queues, then one aggregate), or None for
    someone who does not work requests."""
    if not (user.is_authenticated and user.is_staff
            and user.has_perm("helpdesk.view_supportrequest")):
        return None
    my_queues = list(
        Queue.objects.filter(Q(agents=user) | Q(supervisors=user)).distinct()
        .values_list("pk", flat=True)
    )
    working = [Status.NEW, Status.OPEN]
    counts = SupportRequest.objects.aggregate(
        mine=Count("pk", filter=Q(assignee=user, status__in=working)),
        unassigned=Count("pk", filter=Q(assignee__isnull=True, queue__in=my_queues,
                                        status__in=SupportRequest.ACTIVE_STATUSES)),
        waiting=Count("pk", filter=Q(assignee=user, status=Status.WAITING_ON_CUSTOMER)),
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
        ],
        "queues": len(my_queues),
    }
