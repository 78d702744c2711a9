"""Factories of the helpdesk, kept inside one tenant: a request's workspace, requester and
licence always belong together."""

import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts.models import Segment
from helpdesk.groups import AGENTS, SUPERVISORS
from helpdesk.models import Message, Queue, SupportRequest
from licensing.models import RequestCategory
from tests.accounts.factories import UserFactory
from tests.licensing.factories import SupportPlanFactory


class AgentFactory(UserFactory):
    """Support staff in the Agents group (created by the data migration)."""

    is_staff = True

    @factory.post_generation
    def group(self, create, extracted, **kwargs):
        if create:
            self.groups.add(Group.objects.get(name=extracted or AGENTS))


def supervisor(**kwargs):
    """Support staff in the Supervisors group."""
    return AgentFactory(group=SUPERVISORS, **kwargs)


class QueueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Queue

    name = factory.Sequence(lambda n: f"Queue {n}")
    segment = Segment.HOME
    is_default = False


class SupportRequestFactory(factory.django.DjangoModelFactory):
    """A request written straight to the table (for lists and counts). Tests of the
    lifecycle file requests through `services.file_request` instead."""

    class Meta:
        model = SupportRequest

    reference = factory.Sequence(lambda n: f"INC-{timezone.now().year}-9{n:05d}")
    requester = factory.SubFactory(UserFactory)
    home_user = factory.LazyAttribute(lambda o: None if o.company else o.requester)
    company = None
    segment = factory.LazyAttribute(lambda o: o.company.segment if o.company else Segment.HOME)
    category = factory.LazyFunction(lambda: RequestCategory.objects.get(code="malfunction"))
    subject = factory.Sequence(lambda n: f"Problem {n}")
    description = "It does not work."
    plan = factory.SubFactory(SupportPlanFactory)
    decision = factory.LazyFunction(
        lambda: {"eligible": True, "clause": None, "reason": "Covered.", "offers": []})


class MessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Message

    request = factory.SubFactory(SupportRequestFactory)
    author = factory.LazyAttribute(lambda o: o.request.requester)
    body = "A message."
    body_html = "<p>A message.</p>"
