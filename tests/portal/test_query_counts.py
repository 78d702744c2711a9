"""Every portal page runs the same number of queries with 1 row as with 50, and at most 15
(DESIGN.md section 10): no N+1 anywhere a list grows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from helpdesk.models import Attachment
from tests.helpdesk.factories import MessageFactory, SupportRequestFactory
from tests.licensing.factories import (
    LicenceFactory,
    ProductFactory,
    ProductVersionFactory,
    SystemRequirementFactory,
)

pytestmark = pytest.mark.django_db

BUDGET = 15


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


def _same_with_more_rows(client, url, grow):
    """Count with the rows there are, add rows with `grow()`, count again."""
    client.get(url)  # warm: the session row, content types and the like are read once
    few = _queries(client, url)
    grow()
    many = _queries(client, url)
    assert few == many, f"{url}: {few} queries with few rows, {many} with many"
    assert many <= BUDGET, f"{url}: {many} queries"
    return many


def _home_requests(world, n):
    for _ in range(n):
        sr = SupportRequestFactory(requester=world.home_user)
        MessageFactory(request=sr, author=world.home_user)


def _company_requests(world, n):
    for i in range(n):
        member = (world.acme_member, world.acme_member2, world.acme_admin)[i % 3]
        SupportRequestFactory(company=world.acme, requester=member)


def test_home_request_list(client, world):
    _home_requests(world, 1)
    client.force_login(world.home_user)
    _same_with_more_rows(client, "/my/requests/", lambda: _home_requests(world, 49))


def test_company_request_list_for_an_admin_and_a_member(client, world):
    _company_requests(world, 1)
    client.force_login(world.acme_admin)
    _same_with_more_rows(client, "/company/acme/requests/?status=active&q=Problem",
                         lambda: _company_requests(world, 49))
    client.force_login(world.acme_member)
    _same_with_more_rows(client, "/company/acme/requests/", lambda: _company_requests(world, 9))


def test_request_detail_with_20_messages_and_5_attachments(client, world, file_request):
    from helpdesk.requests import lifecycle

    sr = file_request(world.home_user)
    agent = world.agent  # in the home queue the request is routed to
    lifecycle.set_no_guarantee_flag(sr, by=agent, clause="4.4.2", note="Two antiviruses.")
    lifecycle.request_utility_run(sr, by=agent, utility="GSI", instructions="Run it.")

    def attach(message=None, n=1):
        for i in range(n):
            Attachment.objects.create(request=sr, message=message, uploaded_by=world.home_user,
                                      file=f"attachments/x{i}", original_name=f"log{i}.txt",
                                      size=10, content_type="text/plain", sha256="0" * 64)

    first = MessageFactory(request=sr, author=world.home_user)
    attach(first)

    def grow():
        for i in range(19):
            message = MessageFactory(request=sr, author=agent if i % 2 else world.home_user,
                                     from_staff=bool(i % 2))
            if i < 3:
                attach(message)
        attach(None, 1)
        lifecycle.request_utility_run(sr, by=agent, utility="AVZ", instructions="Run it too.")
        lifecycle.set_no_guarantee_flag(sr, by=agent, clause="4.4.5", note="No logs.")

    client.force_login(world.home_user)
    _same_with_more_rows(client, f"/my/requests/{sr.reference}/", grow)
    assert Attachment.objects.filter(request=sr).count() == 5
    assert sr.messages.count() == 20


def test_new_request_form(client, world):
    def grow():
        for i in range(49):
            product = ProductFactory(code=f"home-{i}", name=f"Home {i}")
            for number in ("1.0", "2.0"):
                version = ProductVersionFactory(product=product, version=number)
                SystemRequirementFactory(version=version)

    client.force_login(world.home_user)
    _same_with_more_rows(client, "/my/requests/new/?product=home-premium", grow)


def _calendars():
    """Malaysian support hours for every segment, so the dashboards show the block."""
    from datetime import time

    from helpdesk.models import OpeningHours, SupportCalendar

    for segment in ("home", "small_business", "medium_large_business"):
        calendar = SupportCalendar.objects.create(
            name=f"Malaysia {segment}", country="MY", segment=segment,
            time_zone="Asia/Kuala_Lumpur", holiday_country="MY")
        OpeningHours.objects.bulk_create(
            OpeningHours(calendar=calendar, weekday=day, opens=time(9), closes=time(18))
            for day in range(5))


def test_dashboards(client, world):
    _calendars()
    _home_requests(world, 1)
    LicenceFactory(product=world.home_product, home_user=world.home_user)

    def grow_home():
        _home_requests(world, 49)
        for _ in range(49):
            LicenceFactory(product=world.home_product, home_user=world.home_user)

    client.force_login(world.home_user)
    _same_with_more_rows(client, "/my/", grow_home)

    def grow_company():
        _company_requests(world, 50)
        for _ in range(49):
            LicenceFactory(product=world.biz, company=world.acme)

    client.force_login(world.acme_admin)
    _same_with_more_rows(client, "/company/acme/", grow_company)
    assert "Our support hours for you" in client.get("/company/acme/").content.decode()

    # A company on a paid plan also sees its premium allowance.
    SupportRequestFactory(company=world.globex, requester=world.globex_admin)
    client.force_login(world.globex_admin)
    _same_with_more_rows(client, "/company/globex/", lambda: [
        SupportRequestFactory(company=world.globex, requester=world.globex_admin)
        for _ in range(49)])
    assert "Premium requests used this licence year" in client.get(
        "/company/globex/").content.decode()


def test_licences_page(client, world):
    client.force_login(world.acme_admin)
    _same_with_more_rows(client, "/company/acme/licences/", lambda: [
        LicenceFactory(product=world.biz, company=world.acme) for _ in range(49)])


def test_feedback_sections(client, world):
    _home_requests(world, 1)
    client.force_login(world.home_user)
    _same_with_more_rows(client, "/my/feedback/", lambda: _home_requests(world, 49))
    _company_requests(world, 1)
    client.force_login(world.acme_admin)
    _same_with_more_rows(client, "/company/acme/feedback/", lambda: _company_requests(world, 49))
