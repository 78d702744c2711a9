import pytest

from licensing.models import Licence, RequestCategory


def category(code: str) -> RequestCategory:
    """Categories and topics are seeded by the data migration."""
    return RequestCategory.objects.get(code=code)


@pytest.fixture
def world(world):
    """The test world with no licence held yet: each licensing test gives the companies the
    licences it is about."""
    Licence.objects.filter(pk__in=[world.acme_licence.pk, world.globex_licence.pk]).delete()
    del world.acme_licence, world.globex_licence
    return world
