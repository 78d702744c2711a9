"""Factories for the feedback tests: support requests (the helpdesk's factory) resolved or
not, and feedback requests and answers on them."""

from datetime import timedelta

import factory
from django.utils import timezone

from accounts.models import Membership
from feedback import tokens
from feedback.models import FeedbackRequest, FeedbackResponse, Survey
from tests.accounts.factories import CompanyFactory, MembershipFactory
from tests.helpdesk.factories import SupportRequestFactory as HelpdeskSupportRequestFactory


class SupportRequestFactory(HelpdeskSupportRequestFactory):
    """The helpdesk's request factory (written straight to the table), open by default; pass
    `company=` (and a member as `requester=`) for a company's request."""

    status = "open"


def resolve(support_request, at=None):
    """Mark a request resolved as the request services would (status and time only)."""
    support_request.status = "resolved"
    support_request.resolved_at = at or timezone.now()
    support_request.save(update_fields=["status", "resolved_at"])
    return support_request


def reopen(support_request):
    support_request.status = "open"
    support_request.save(update_fields=["status"])
    return support_request


def resolved_request(at=None, **kwargs):
    return resolve(SupportRequestFactory(**kwargs), at)


def company_member(company=None, role=Membership.Role.MEMBER):
    return MembershipFactory(company=company or CompanyFactory(), role=role).user


class FeedbackRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FeedbackRequest

    survey = factory.LazyFunction(lambda: Survey.objects.get(code=Survey.POST_RESOLUTION))
    support_request = factory.SubFactory(SupportRequestFactory, status="resolved",
                                         resolved_at=factory.LazyFunction(timezone.now))
    user = factory.LazyAttribute(lambda o: o.support_request.requester)
    company = factory.LazyAttribute(lambda o: o.support_request.company)
    segment = factory.LazyAttribute(lambda o: o.support_request.segment)
    sent_at = factory.LazyFunction(timezone.now)
    expires_at = factory.LazyFunction(lambda: timezone.now() + tokens.answer_max_age())


class FeedbackResponseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FeedbackResponse
        skip_postgeneration_save = True

    feedback_request = factory.SubFactory(FeedbackRequestFactory)
    respondent = factory.LazyAttribute(lambda o: o.feedback_request.user)
    channel = FeedbackResponse.Channel.PORTAL
    satisfaction = 5
    solved = True
    effort = 2
    comment = ""

    @factory.post_generation
    def mark_answered(self, create, extracted, **kwargs):
        if create:
            FeedbackRequest.objects.filter(pk=self.feedback_request_id).update(
                answered_at=self.created_at)
            self.feedback_request.answered_at = self.created_at


def days(n):
    return timedelta(days=n)
