from datetime import timedelta

import factory
from django.utils import timezone

from licensing.keys import generate_key
from licensing.models import (
    Licence,
    OperatingSystem,
    PaidService,
    PaidServiceCode,
    Product,
    ProductKind,
    ProductSegment,
    ProductVersion,
    QuoteRequest,
    SupportPlan,
    SystemRequirement,
)
from tests.accounts.factories import UserFactory


def today():
    return timezone.localdate()


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    code = factory.Sequence(lambda n: f"product-{n}")
    name = factory.Sequence(lambda n: f"Product {n}")
    segment = ProductSegment.HOME
    kind = ProductKind.COMMERCIAL


class ProductVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductVersion

    product = factory.SubFactory(ProductFactory)
    version = factory.Sequence(lambda n: f"1.{n}")
    release_date = factory.LazyFunction(lambda: today() - timedelta(days=200))
    end_of_support = None


class SystemRequirementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SystemRequirement

    version = factory.SubFactory(ProductVersionFactory)
    os = OperatingSystem.WINDOWS
    min_os_version = "10"


class SupportPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SupportPlan
        django_get_or_create = ["code"]

    code = SupportPlan.STANDARD
    name = "Standard Support"


class PremiumPlanFactory(SupportPlanFactory):
    code = "premium"
    name = "Premium Support"
    is_paid = True
    yearly_request_allowance = 12
    authorised_contacts = 2


class PaidServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PaidService
        django_get_or_create = ["code"]

    code = PaidServiceCode.PROFESSIONAL_SERVICES
    name = factory.LazyAttribute(lambda o: PaidServiceCode(o.code).label)
    countries = factory.LazyAttribute(
        lambda o: [] if o.code == PaidServiceCode.SUPPORT_EXTENSION else ["MY"])
    url = "https://example.com/service"


class LicenceFactory(factory.django.DjangoModelFactory):
    """A valid licence, unclaimed unless a company or home_user is given."""

    class Meta:
        model = Licence

    key = factory.LazyFunction(generate_key)
    product = factory.SubFactory(ProductFactory, segment=ProductSegment.BUSINESS)
    plan = factory.SubFactory(SupportPlanFactory)
    seats = 5
    starts_on = factory.LazyFunction(lambda: today() - timedelta(days=30))
    expires_on = factory.LazyFunction(lambda: today() + timedelta(days=335))
    order_number = factory.Sequence(lambda n: f"ORD-{n:06d}")
    purchaser_email = factory.Sequence(lambda n: f"buyer{n}@example.net")


class QuoteRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = QuoteRequest

    service = factory.SubFactory(PaidServiceFactory)
    requester = factory.SubFactory(UserFactory)
    home_user = factory.LazyAttribute(lambda o: None if o.company else o.requester)
    company = None
    message = "Please send us a quote."
