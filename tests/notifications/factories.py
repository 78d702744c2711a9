import factory

from notifications.models import Notification


class NotificationFactory(factory.django.DjangoModelFactory):
    """A pending outbox row for a template of the product."""

    class Meta:
        model = Notification

    to = factory.Sequence(lambda n: f"recipient{n}@example.org")
    language = "en"
    template = "company_verified"
    context = factory.LazyFunction(lambda: {"company": "Acme", "url": "/company/acme/"})
