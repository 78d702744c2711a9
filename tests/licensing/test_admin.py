"""The support desk's licensing screens: masked keys, the audited reveal, search, the CSV
import, quote status changes through services, and changelists without N+1 queries."""

import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.errors import NotAllowed
from accounts.models import AuditEvent
from licensing import imports, licences
from licensing.models import Licence, PaidService, QuoteRequest
from notifications.models import Notification
from tests.accounts.factories import UserFactory

from .factories import LicenceFactory, QuoteRequestFactory, today

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(db):
    return UserFactory(email="siti@support.example", is_staff=True, is_superuser=True)


@pytest.fixture
def desk(client, staff):
    client.force_login(staff)
    return client


def test_changelist_and_change_page_show_only_the_masked_key(world, desk):
    licence = LicenceFactory(product=world.biz, company=world.acme)
    listing = desk.get("/admin/licensing/licence/").content.decode()
    change = desk.get(f"/admin/licensing/licence/{licence.pk}/change/").content.decode()
    for page in (listing, change):
        assert licence.masked_key in page
        assert licence.key not in page
    assert f"/admin/licensing/licence/{licence.pk}/reveal/" in change
    assert "/admin/licensing/licence/import/" in listing


def test_revealing_a_key_is_audited(world, desk, staff):
    licence = LicenceFactory(product=world.biz, company=world.acme)
    url = f"/admin/licensing/licence/{licence.pk}/reveal/"
    confirm = desk.get(url)
    assert confirm.status_code == 200
    assert licence.key not in confirm.content.decode()
    assert not AuditEvent.objects.filter(action="licence.key_revealed").exists()
    shown = desk.post(url)
    assert licence.key in shown.content.decode()
    event = AuditEvent.objects.get(action="licence.key_revealed")
    assert (event.actor, event.object_id, event.company) == (staff, str(licence.pk), world.acme)


def test_customers_cannot_reach_the_reveal(world, client):
    licence = LicenceFactory(product=world.biz, company=world.acme)
    client.force_login(world.acme_admin)
    response = client.post(f"/admin/licensing/licence/{licence.pk}/reveal/")
    assert response.status_code in (302, 403, 404)
    assert licence.key not in response.content.decode()
    assert not AuditEvent.objects.filter(action="licence.key_revealed").exists()
    with pytest.raises(NotAllowed):
        licences.reveal_key(licence, by=world.acme_admin)


@pytest.mark.parametrize("typed", [
    "{key}", "{lower}", "{compact}", "  {spaced}  ", "ORD-424242", "ord-424242",
    "buyer@purchase.example",
])
def test_staff_search_by_key_order_number_or_purchaser_email(world, desk, typed):
    wanted = LicenceFactory(product=world.biz, key="QWERT-YUIOP-ASDFG-HJKL1",
                            order_number="ORD-424242", purchaser_email="buyer@purchase.example")
    LicenceFactory.create_batch(3, product=world.biz)
    term = typed.format(key=wanted.key, lower=wanted.key.lower(),
                        compact=wanted.key.replace("-", ""),
                        spaced=wanted.key.replace("-", " ").lower())
    response = desk.get("/admin/licensing/licence/", {"q": term})
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [wanted]


def test_a_whole_key_searched_in_the_list_is_an_audited_look_up(world, desk, staff):
    wanted = LicenceFactory(product=world.biz, key="QWERT-YUIOP-ASDFG-HJKL1")
    desk.get("/admin/licensing/licence/", {"q": "qwert yuiop asdfg hjkl1"})
    event = AuditEvent.objects.get(action="licence.key_lookup")
    assert (event.actor, event.data["found"], event.data["partial"]) == (staff, 1, False)
    assert wanted.key not in str(event.data)


@pytest.mark.parametrize("fragment", [
    "QWERT", "HJKL1", "yuiop-asdfg", "QWERTYUIOP", "QWERT-YUIOP-ASDFG", "WERT-YUIOP-ASDFG-HJKL",
])
def test_a_key_cannot_be_rebuilt_from_fragments_in_the_list(world, desk, fragment):
    LicenceFactory(product=world.biz, key="QWERT-YUIOP-ASDFG-HJKL1")
    response = desk.get("/admin/licensing/licence/", {"q": fragment})
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == []


def test_the_list_does_not_sort_by_key(world, desk):
    keys = ["ZZZZZ-ZZZZZ-ZZZZZ-AAAA1", "AAAAA-AAAAA-AAAAA-ZZZZ2", "MMMMM-MMMMM-MMMMM-MMMM3"]
    for number, key in enumerate(keys):
        LicenceFactory(product=world.biz, key=key, expires_on=today() + timedelta(days=number))
    by_expiry = desk.get("/admin/licensing/licence/").context["cl"].result_list
    for order in ("1", "-1"):  # the activation code is the first column
        response = desk.get("/admin/licensing/licence/", {"o": order})
        assert list(response.context["cl"].result_list) == list(by_expiry)
    assert not re.search(r'href="\?o=-?1[."]', desk.get("/admin/licensing/licence/")
                         .content.decode())


def test_too_many_key_searches_in_the_list_are_refused(world, desk):
    LicenceFactory(product=world.biz, key="QWERT-YUIOP-ASDFG-HJKL1")
    for _n in range(licences.KEY_LOOKUPS_PER_WINDOW):
        desk.get("/admin/licensing/licence/", {"q": "AAAAA-BBBBB-CCCCC-DDDDD"})
    response = desk.get("/admin/licensing/licence/", {"q": "QWERT-YUIOP-ASDFG-HJKL1"},
                        follow=True)
    assert list(response.context["cl"].result_list) == []
    assert "Too many activation codes" in response.content.decode()


def test_changelists_run_a_constant_number_of_queries(world, desk):
    def count(url):
        with CaptureQueriesContext(connection) as queries:
            assert desk.get(url).status_code == 200
        return len(queries)

    LicenceFactory(product=world.biz, company=world.acme)
    QuoteRequestFactory(company=world.acme, requester=world.acme_admin)
    QuoteRequestFactory(requester=world.home_user)
    urls = ["/admin/licensing/licence/", "/admin/licensing/quoterequest/",
            "/admin/licensing/productversion/", "/admin/licensing/requestcategory/"]
    before = [count(url) for url in urls]
    for _ in range(6):
        LicenceFactory(product=world.home_product, home_user=world.home_user)
        LicenceFactory(product=world.biz, company=world.globex)
        QuoteRequestFactory(company=world.globex, requester=world.globex_admin)
    assert [count(url) for url in urls] == before


def test_every_licensing_admin_page_opens(world, desk):
    licence = LicenceFactory(product=world.biz, company=world.acme)
    quote = QuoteRequestFactory(company=world.acme, requester=world.acme_admin)
    for url in [
        "/admin/licensing/product/", "/admin/licensing/product/add/",
        f"/admin/licensing/product/{world.biz.pk}/change/",
        f"/admin/licensing/productversion/{world.biz_v.pk}/change/",
        "/admin/licensing/supportplan/", "/admin/licensing/paidservice/",
        "/admin/licensing/requestcategory/", "/admin/licensing/licence/add/",
        f"/admin/licensing/licence/{licence.pk}/change/", "/admin/licensing/licence/import/",
        "/admin/licensing/quoterequest/", f"/admin/licensing/quoterequest/{quote.pk}/change/",
        "/admin/licensing/licence/?holder=unclaimed", "/admin/licensing/licence/?status=revoked",
    ]:
        assert desk.get(url).status_code == 200, url


def test_issuing_a_licence_in_the_admin_goes_through_the_service(world, desk):
    response = desk.post("/admin/licensing/licence/add/", {
        "key": "new12 new12 new12 new12", "product": world.biz.pk, "plan": world.standard.pk,
        "seats": 3, "starts_on": today().isoformat(),
        "expires_on": (today() + timedelta(days=365)).isoformat(),
        "order_number": "ORD-1", "purchaser_email": "Buyer@Example.com"})
    assert response.status_code == 302, response.content
    licence = Licence.objects.get(key="NEW12-NEW12-NEW12-NEW12")
    assert licence.purchaser_email == "buyer@example.com" and not licence.is_claimed
    assert AuditEvent.objects.filter(action="licence.issued", object_id=str(licence.pk)).exists()


def test_an_empty_key_in_the_admin_generates_one(world, desk):
    response = desk.post("/admin/licensing/licence/add/", {
        "key": "", "product": world.biz.pk, "plan": world.standard.pk, "seats": 1,
        "starts_on": today().isoformat(), "expires_on": today().isoformat()})
    assert response.status_code == 302, response.content
    licence = Licence.objects.get()
    assert len(licence.key) == 23 and licence.key.count("-") == 3


def test_revoking_releasing_and_editing_are_audited(world, desk):
    licence = LicenceFactory(product=world.biz, company=world.acme)
    changelist = "/admin/licensing/licence/"
    desk.post(changelist, {"action": "revoke", "_selected_action": [licence.pk]})
    desk.post(changelist, {"action": "release", "_selected_action": [licence.pk]})
    licence.refresh_from_db()
    assert licence.status == "revoked" and not licence.is_claimed
    data = {"product": world.biz.pk, "plan": world.standard.pk, "seats": 99,
            "starts_on": licence.starts_on.isoformat(),
            "expires_on": licence.expires_on.isoformat(), "order_number": licence.order_number,
            "purchaser_email": licence.purchaser_email}
    assert desk.post(f"/admin/licensing/licence/{licence.pk}/change/", data).status_code == 302
    assert Licence.objects.get(pk=licence.pk).seats == 99
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"licence.revoked", "licence.released", "licence.changed"} <= actions
    assert AuditEvent.objects.get(action="licence.changed").data["changes"]["seats"] == [
        "5", "99"]


CSV_HEADER = "key,product_code,seats,starts_on,expires_on,plan_code,order_number," \
    "purchaser_email\n"


def _upload(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("licences.csv", text.encode(), content_type="text/csv")


def test_csv_import_creates_every_licence(world, desk, staff):
    text = CSV_HEADER + (
        "aaaaa-bbbbb-ccccc-ddddd,endpoint,25,2026-01-01,2027-01-01,,SO-1,Buyer@acme.example\n"
        "AAAAA BBBBB CCCCC EEEEE,home-premium,1,2026-01-01,2026-12-31,standard,SO-2,"
        "x@home.example\n"
        "\n"
    )
    response = desk.post("/admin/licensing/licence/import/", {"file": _upload(text)})
    assert response.status_code == 302
    imported = Licence.objects.order_by("key")
    assert [lic.key for lic in imported] == ["AAAAA-BBBBB-CCCCC-DDDDD", "AAAAA-BBBBB-CCCCC-EEEEE"]
    assert imported[0].purchaser_email == "buyer@acme.example"
    assert imported[0].plan == world.standard and not imported[0].is_claimed
    event = AuditEvent.objects.get(action="licence.imported")
    assert (event.actor, event.data["count"]) == (staff, 2)


def test_csv_import_rejects_bad_rows_and_imports_nothing(world, desk):
    existing = LicenceFactory(product=world.biz)
    text = CSV_HEADER + (
        "AAAAA-BBBBB-CCCCC-DDDDD,endpoint,25,2026-01-01,2027-01-01,,SO-1,a@b.example\n"
        "not-a-key,endpoint,25,2026-01-01,2027-01-01,,SO-2,a@b.example\n"
        "AAAAA-BBBBB-CCCCC-DDDDD,endpoint,1,2026-01-01,2027-01-01,,SO-3,a@b.example\n"
        f"{existing.key},endpoint,1,2026-01-01,2027-01-01,,SO-4,a@b.example\n"
        "FFFFF-BBBBB-CCCCC-DDDDD,no-such-product,zero,01/02/2026,2025-01-01,gold,,nobody\n"
        "GGGGG-BBBBB-CCCCC-DDDDD,endpoint,1,2026-05-01,2026-04-01,,SO-6,a@b.example\n"
    )
    response = desk.post("/admin/licensing/licence/import/", {"file": _upload(text)})
    assert response.status_code == 200
    assert Licence.objects.count() == 1
    result = response.context["result"]
    problems = {(e.line, e.column) for e in result.errors}
    assert {(3, "key"), (4, "key"), (5, "key"), (6, "product_code"), (6, "seats"),
            (6, "starts_on"), (6, "plan_code"), (6, "order_number"), (6, "purchaser_email"),
            (7, "expires_on")} <= problems
    page = response.content.decode()
    assert "Line 3, key" in page and "nothing was imported" in page.lower()
    assert not AuditEvent.objects.filter(action="licence.imported").exists()


@pytest.mark.parametrize(("payload", "message"), [
    (b"key,product_code\nAAAAA-BBBBB-CCCCC-DDDDD,endpoint\n", "missing"),
    (CSV_HEADER.encode(), "no licences"),
    (b"\xff\xfe\x00garbage", "UTF-8"),
])
def test_csv_import_reports_unusable_files(world, staff, payload, message):
    result = imports.import_licences_csv(
        SimpleUploadedFile("x.csv", payload), by=staff)
    assert not result.ok and result.created == 0
    assert message in str(result.errors[0])
    assert not Licence.objects.exists()


def test_csv_import_is_for_staff_only(world):
    with pytest.raises(NotAllowed):
        imports.import_licences_csv(_upload(CSV_HEADER), by=world.acme_admin)


def test_quote_status_changes_in_the_admin_go_through_services(world, desk, staff):
    quote = QuoteRequestFactory(company=world.acme, requester=world.acme_member)
    response = desk.post(f"/admin/licensing/quoterequest/{quote.pk}/change/", {
        "status": "quoted", "staff_reply": "1,000 MYR"})
    assert response.status_code == 302
    quote.refresh_from_db()
    assert (quote.status, quote.staff_reply) == ("quoted", "1,000 MYR")
    assert Notification.objects.filter(template="quote_updated",
                                       to=world.acme_member.email).count() == 1
    desk.post("/admin/licensing/quoterequest/", {"action": "mark_accepted",
                                                 "_selected_action": [quote.pk]})
    assert QuoteRequest.objects.get(pk=quote.pk).status == "accepted"
    assert AuditEvent.objects.filter(action="quote.updated").count() == 2
    # A final status cannot be left, in the form...
    response = desk.post(f"/admin/licensing/quoterequest/{quote.pk}/change/", {
        "status": "new", "staff_reply": "1,000 MYR"})
    assert response.status_code == 200 and "cannot become" in response.content.decode()
    # ...nor by an action.
    desk.post("/admin/licensing/quoterequest/", {"action": "mark_declined",
                                                 "_selected_action": [quote.pk]})
    assert QuoteRequest.objects.get(pk=quote.pk).status == "accepted"


def test_a_support_extension_cannot_be_limited_to_some_countries(world, desk):
    service = PaidService.objects.get(code="support_extension")
    response = desk.post(f"/admin/licensing/paidservice/{service.pk}/change/", {
        "code": "support_extension", "name": "Support extension", "description": "",
        "url": "", "countries": ["MY"], "is_active": "on"})
    assert response.status_code == 200
    assert "every country" in response.content.decode()
    service.refresh_from_db()
    assert not service.countries
