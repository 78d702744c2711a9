"""The staff dashboard on the admin index: a few counts, each a link into the filtered
request list."""

from urllib.parse import urlencode

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts import access

from .models import Queue, SupportRequest

Status = SupportRequest.Status
SlaState = SupportRequest.SlaState


# Each card counts up to here and then shows "1000+": a supervisor's queues can hold every
# active request, and counting them all grew with the table (about 200 ms at 1,000,000).
COUNT_CAP = 1000


def _bounded_counts(querysets: dict) -> dict[str, int]:
    """How many rows each queryset holds, up to COUNT_CAP + 1, in one statement (one round
    trip and one planning instead of one per card)."""
    parts, params = [], []
    for name, queryset in querysets.items():
        bounded = queryset.order_by().values("pk")[:COUNT_CAP + 1]
        try:
            sql, part_params = bounded.query.sql_with_params()
        except EmptyResultSet:  # e.g. `queue__in` a staff member without queues
            parts.append("0")
            continue
        # Django compiled `sql` and keeps its values apart as parameters; `name` is ours.
        parts.append(f'(SELECT COUNT(*) FROM ({sql}) AS "{name}_rows")')  # noqa: S608
        params.extend(part_params)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(parts)}", params)
        return dict(zip(querysets, cursor.fetchone(), strict=True))


def _shown(count: int) -> int | str:
    return f"{COUNT_CAP}+" if count > COUNT_CAP else count


def staff_dashboard(user) -> dict | None:
    """Counts for `user`, each read through an index and stopped at COUNT_CAP (their
    queues, then one statement for every card), or None for someone who does not work
    requests."""
    if not access.is_agent(user):
        return None
    my_queues = list(
        Queue.objects.filter(Q(agents=user) | Q(supervisors=user)).distinct()
        .values_list("pk", flat=True)
    )
    active = SupportRequest.objects.filter(status__in=SupportRequest.ACTIVE_STATUSES)
    mine_or_queues = Q(assignee=user) | Q(queue__in=my_queues)
    counts = _bounded_counts({
        "mine": SupportRequest.objects.filter(assignee=user,
                                              status__in=[Status.NEW, Status.OPEN]),
        "unassigned": active.filter(assignee__isnull=True, queue__in=my_queues),
        "waiting": SupportRequest.objects.filter(assignee=user,
                                                 status=Status.WAITING_ON_CUSTOMER),
        "at_risk": active.filter(mine_or_queues, sla_state=SlaState.AT_RISK),
        "breached": active.filter(mine_or_queues, sla_state=SlaState.BREACHED),
    })
    counts = {name: _shown(count) for name, count in counts.items()}
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
