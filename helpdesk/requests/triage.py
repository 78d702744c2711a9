"""Sorting the work: which queue a request waits in. One function per change, like the rest
of the lifecycle: the row lock, the change, its timeline line, in one transaction. (How
urgent a request is belongs to its service level: `service_level.change_priority`.)"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.errors import DomainError, InvalidState

from .models import Queue, SupportRequest, TimelineEvent
from .permissions import require_agent
from .transitions import event, lock

Kind = TimelineEvent.Kind


@transaction.atomic
def move_to_queue(support_request: SupportRequest, *, by, queue: Queue) -> SupportRequest:
    """Send the request to another team's queue; its assignee stays until someone there
    takes it over."""
    require_agent(by, support_request)
    if queue is None:
        raise DomainError(_("Choose a queue."), field="queue")
    locked = lock(support_request)
    if locked.is_final:
        raise InvalidState(_("A closed or rejected request cannot be moved."))
    if locked.queue_id == queue.pk:
        return locked
    previous = Queue.objects.filter(pk=locked.queue_id).values_list("name", flat=True).first()
    locked.queue = queue
    locked.save(update_fields=["queue", "updated_at"])
    event(locked, Kind.QUEUE_CHANGED, actor=by, internal=True,
          **{"from": previous, "to": queue.name})
    return locked

