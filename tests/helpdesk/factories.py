"""Factories of the helpdesk, kept inside one tenant: a request's workspace, requester and
licence always belong together."""

import factory
from django.utils import timezone

from accounts.models import Segment
from accounts.workspace import Workspace
from helpdesk.models import Message, Queue, SupportRequest
from helpdesk.requests import filing, markup
from licensing.models import OperatingSystem, RequestCategory
from tests.accounts.factories import UserFactory
from tests.licensing.factories import (
    ProductVersionFactory,
    SupportPlanFactory,
    SystemRequirementFactory,
)


class QueueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Queue

    name = factory.Sequence(lambda n: f"Queue {n}")
    segment = Segment.HOME
    is_default = False


class SupportRequestFactory(factory.django.DjangoModelFactory):
    """A request written straight to the table (for lists and counts). Tests of the
    lifecycle file requests through `filing.file_request` instead."""

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
    description_html = factory.LazyAttribute(lambda o: markup.render(o.description))
    plan = factory.SubFactory(SupportPlanFactory)
    decision = factory.LazyAttribute(lambda o: {
        "eligible": True, "clause": None, "reason_code": "category_covered",
        "params": {"category": o.category.code, "clause": o.category.clause}, "offers": []})


class MessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Message

    request = factory.SubFactory(SupportRequestFactory)
    author = factory.LazyAttribute(lambda o: o.request.requester)
    body = "A message."
    body_html = "<p>A message.</p>"


def category(code: str) -> RequestCategory:
    """Categories and topics come from the data migration."""
    return RequestCategory.objects.get(code=code)


def version_with_requirements(product, number, *, end_of_support=None, **requirements):
    """A product version with a minimum OS version per platform (`windows="10"`)."""
    version = ProductVersionFactory(product=product, version=number,
                                    end_of_support=end_of_support)
    for os, minimum in requirements.items():
        SystemRequirementFactory(version=version, os=os, min_os_version=minimum)
    return version


def file_test_request(world, user=None, workspace=None, *, code="malfunction", **kwargs):
    """File a request through the service, with the workspace's product by default.

    `world` carries home_user, home_product/home_v and biz/biz_v (the test worlds of the
    helpdesk and portal suites)."""
    user = user or world.home_user
    workspace = workspace or Workspace(user=user)
    cat = category(code)
    if cat.in_scope and cat.needs_product:
        product, version = ((world.biz, world.biz_v) if workspace.is_company
                            else (world.home_product, world.home_v))
        kwargs.setdefault("product", product)
        kwargs.setdefault("version", version)
        kwargs.setdefault("os", OperatingSystem.WINDOWS)
        kwargs.setdefault("os_version", "11")
    kwargs.setdefault("subject", "The scan stops halfway")
    kwargs.setdefault("description", "It stops at 40 per cent, every time.")
    by = kwargs.pop("by", user)
    return filing.file_request(filing.RequestIntake.of(workspace=workspace, category=cat,
                                                       **kwargs), by=by)
