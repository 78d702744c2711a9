"""Moving a request to another queue and changing its priority: one service each, with its
timeline line, refused where it does not apply; a new priority recomputes a paid plan's
due times."""

from datetime import date

import pytest

from accounts.errors import DomainError, InvalidState, NotAllowed
from helpdesk.models import TimelineEvent
from helpdesk.requests import lifecycle, service_level, triage

from .conftest import kinds
from .factories import QueueFactory
from .test_sla_due import fresh, kl, malaysia_calendar, targets

pytestmark = pytest.mark.django_db
Kind = TimelineEvent.Kind


def test_moving_to_another_queue(world, file_request):
    sr = file_request()
    lab = QueueFactory(name="Virus lab")
    triage.move_to_queue(sr, queue=lab, by=world.agent)
    sr.refresh_from_db()
    assert sr.queue == lab
    event = sr.timeline.get(kind=Kind.QUEUE_CHANGED)
    assert event.is_internal and event.data == {"from": "Default home", "to": "Virus lab"}
    triage.move_to_queue(sr, queue=lab, by=world.supervisor)  # no change, no line
    assert kinds(sr).count(Kind.QUEUE_CHANGED) == 1
    # The agent is not in the new queue: the request is no longer theirs to move.
    with pytest.raises(NotAllowed):
        triage.move_to_queue(sr, queue=world.queues["home"], by=world.agent)
    with pytest.raises(DomainError):
        triage.move_to_queue(sr, queue=None, by=world.supervisor)


def test_a_settled_request_keeps_its_queue_and_priority(world, file_request):
    sr = file_request()
    lifecycle.reject_request(sr, by=world.agent, clause="4.2.7", reason="Another vendor's app.")
    with pytest.raises(InvalidState):
        triage.move_to_queue(sr, queue=world.queues["small_business"], by=world.agent)
    with pytest.raises(InvalidState):
        service_level.change_priority(sr, priority="high", by=world.agent)


def test_a_new_priority_is_recorded_and_checked(world, file_request):
    sr = file_request()
    service_level.change_priority(sr, priority="critical", by=world.agent)
    assert fresh(sr).priority == "critical"
    data = sr.timeline.get(kind=Kind.PRIORITY_CHANGED).data
    assert (data["from"], data["to"]) == ("normal", "critical")
    with pytest.raises(DomainError):
        service_level.change_priority(sr, priority="urgent!!", by=world.agent)
    with pytest.raises(NotAllowed):
        service_level.change_priority(sr, priority="low", by=world.outsider)


def test_a_higher_priority_brings_a_paid_plans_due_times_forward(world, file_request, at):
    world.globex_licence.starts_on, world.globex_licence.expires_on = date(2025, 6, 1), \
        date(2027, 12, 31)
    world.globex_licence.save()
    malaysia_calendar()
    targets(world.premium, "normal", first=480)
    targets(world.premium, "critical", first=60, around_the_clock=True)
    at(kl(2026, 3, 4, 10, 0))
    sr = file_request(world.globex_admin, world.globex_ws)
    assert fresh(sr).first_response_due == kl(2026, 3, 4, 18, 0)
    service_level.change_priority(sr, priority="critical", by=world.agent)
    assert fresh(sr).first_response_due == kl(2026, 3, 4, 11, 0)
