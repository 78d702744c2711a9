"""The API's request list is written from plain rows (helpdesk.requests.api_rows): its
JSON must stay exactly what `RequestSerializer` writes for the same requests."""

from datetime import timedelta

import pytest
from django.utils import timezone

from helpdesk.models import SupportRequest
from helpdesk.requests.api import RequestSerializer
from helpdesk.requests.api_rows import LIST_COLUMNS, represent
from licensing.models import RequestCategory

from .factories import SupportRequestFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("zone", ["UTC", "Asia/Kuala_Lumpur"])
def test_list_rows_write_what_the_serializer_writes(world, zone):
    now = timezone.now()
    SupportRequestFactory(requester=world.home_user)
    SupportRequestFactory(company=world.acme, requester=world.acme_member, status="open",
                          priority="high", first_response_due=now + timedelta(hours=4),
                          next_response_due=now, resolution_due=now + timedelta(days=2),
                          sla_state="warning")
    SupportRequestFactory(company=world.globex, requester=None, status="closed")
    # A topic created after the process read its catalogue.
    fresh = RequestCategory.objects.get(code="malfunction")
    fresh.pk, fresh.code = None, "fresh_topic"
    fresh.save()
    SupportRequestFactory(requester=world.other_home, category=fresh)
    requests = SupportRequest.objects.order_by("-created_at", "-pk")
    with timezone.override(zone):
        expected = RequestSerializer(requests, many=True).data
        assert represent(requests.values(*LIST_COLUMNS)) == [dict(row) for row in expected]
