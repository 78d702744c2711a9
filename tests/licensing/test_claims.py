"""Adding an issued licence by its activation code: who may, what is refused (and that a
refusal changes nothing), and the limit on wrong keys."""

import pytest

from accounts.errors import DomainError, NotAllowed
from accounts.models import AuditEvent
from licensing import licences
from licensing.models import Licence

from .factories import LicenceFactory

pytestmark = pytest.mark.django_db

CANNOT_ADD = "This key cannot be added."


def _claim(api, user, workspace, key, ip="192.0.2.10"):
    return api(user).post("/api/v1/licences/", {"workspace": workspace, "licence_key": key},
                          format="json", REMOTE_ADDR=ip)


def _snapshot():
    return list(Licence.objects.order_by("pk").values())


def test_a_home_user_claims_for_their_own_workspace(world, api):
    licence = LicenceFactory(product=world.home_product)
    response = _claim(api, world.home_user, "my", licence.key)
    assert response.status_code == 201
    licence.refresh_from_db()
    assert (licence.home_user, licence.company, licence.claimed_by) == (
        world.home_user, None, world.home_user)
    assert licence.claimed_at is not None
    event = AuditEvent.objects.get(action="licence.claimed")
    assert (event.actor, event.home_user, event.object_id) == (
        world.home_user, world.home_user, str(licence.pk))
    assert licence.key not in str(event.data) + event.object_repr


def test_input_is_normalised_before_the_look_up(world, api):
    licence = LicenceFactory(product=world.biz, key="ABCDE-12345-FGHIJ-67890")
    response = _claim(api, world.acme_admin, "acme", " abcde 12345\u2013fghij_67890 ")
    assert response.status_code == 201
    assert Licence.objects.get(pk=licence.pk).company == world.acme


def test_a_malformed_key_shows_the_expected_form_and_changes_nothing(world, api):
    LicenceFactory(product=world.biz)
    before = _snapshot()
    response = _claim(api, world.acme_admin, "acme", "ABCDE-12345")
    assert response.status_code == 400
    assert "XXXXX-XXXXX-XXXXX-XXXXX" in response.json()["errors"]["licence_key"][0]
    assert _snapshot() == before


def test_unknown_and_held_keys_get_the_same_answer(world, api):
    held = LicenceFactory(product=world.biz, company=world.globex)
    before = _snapshot()
    unknown = _claim(api, world.acme_admin, "acme", "ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ")
    taken = _claim(api, world.acme_admin, "acme", held.key)
    assert unknown.status_code == taken.status_code == 400
    assert unknown.json() == taken.json()
    assert unknown.json()["errors"]["licence_key"] == [CANNOT_ADD]
    assert "Globex" not in taken.content.decode()
    assert _snapshot() == before


def test_a_revoked_unclaimed_key_cannot_be_added(world, api):
    licence = LicenceFactory(product=world.biz, status=Licence.Status.REVOKED)
    response = _claim(api, world.acme_admin, "acme", licence.key)
    assert response.json()["errors"]["licence_key"] == [CANNOT_ADD]
    assert not Licence.objects.get(pk=licence.pk).is_claimed


def test_the_same_key_twice(world, api):
    licence = LicenceFactory(product=world.biz)
    assert _claim(api, world.acme_admin, "acme", licence.key).status_code == 201
    before = _snapshot()
    again = _claim(api, world.acme_admin, "acme", licence.key)
    assert again.status_code == 400
    assert "already" in again.json()["errors"]["licence_key"][0]
    elsewhere = _claim(api, world.acme_admin, "my", licence.key)
    assert elsewhere.json()["errors"]["licence_key"] == [CANNOT_ADD]
    assert _snapshot() == before
    assert AuditEvent.objects.filter(action="licence.claimed").count() == 1


def test_a_member_cannot_claim_for_the_company(world, api):
    licence = LicenceFactory(product=world.biz)
    before = _snapshot()
    response = _claim(api, world.acme_member, "acme", licence.key)
    assert response.status_code == 403
    assert response.json()["detail"]
    assert _snapshot() == before
    # ...but may claim for their own home workspace.
    assert _claim(api, world.acme_member, "my", licence.key).status_code == 201


def test_claiming_for_a_company_one_is_not_in_is_404(world, api):
    licence = LicenceFactory(product=world.biz)
    assert _claim(api, world.acme_admin, "globex", licence.key).status_code == 404
    assert not Licence.objects.get(pk=licence.pk).is_claimed


def test_wrong_keys_are_limited_per_account(world, api):
    good = LicenceFactory(product=world.biz)
    for n in range(10):
        response = _claim(api, world.acme_admin, "acme", f"WRONG-WRONG-WRONG-{n:05d}",
                          ip=f"198.51.100.{n}")
        assert response.status_code == 400
    blocked = _claim(api, world.acme_admin, "acme", good.key, ip="203.0.113.99")
    assert blocked.status_code == 429
    assert blocked.json()["detail"]
    assert int(blocked["Retry-After"]) > 0
    assert not Licence.objects.get(pk=good.pk).is_claimed
    # Somebody else, from another address, is not affected.
    assert _claim(api, world.globex_admin, "globex", good.key, ip="203.0.113.7"
                  ).status_code == 201


def test_wrong_keys_are_limited_per_address(world, api):
    good = LicenceFactory(product=world.home_product)
    users = [world.acme_admin, world.acme_member, world.acme_member2, world.globex_admin,
             world.sg_admin]
    for n in range(10):
        _claim(api, users[n % len(users)], "my", f"WRONG-WRONG-WRONG-{n:05d}", ip="192.0.2.1")
    response = _claim(api, world.home_user, "my", good.key, ip="192.0.2.1")
    assert response.status_code == 429
    assert _claim(api, world.home_user, "my", good.key, ip="192.0.2.2").status_code == 201


def test_malformed_keys_and_successes_do_not_count_as_wrong_keys(world, api):
    for _ in range(12):
        assert _claim(api, world.home_user, "my", "nope").status_code == 400
    for _ in range(3):
        licence = LicenceFactory(product=world.home_product)
        assert _claim(api, world.home_user, "my", licence.key).status_code == 201


def test_refused_claims_are_audited_without_the_full_key(world, api):
    _claim(api, world.acme_admin, "acme", "ABCDE-ABCDE-ABCDE-QWERT")
    event = AuditEvent.objects.get(action="licence.claim_refused")
    assert event.data == {"key_ends_with": "QWERT"}
    assert event.company == world.acme


def test_the_service_refuses_a_workspace_of_somebody_else(world):
    licence = LicenceFactory(product=world.biz)
    with pytest.raises(NotAllowed):
        licences.claim_licence(key=licence.key, workspace=world.acme_admin_ws,
                               user=world.globex_admin)


# Portal pages --------------------------------------------------------------------------

def test_portal_licence_page_claims_and_masks(world, client):
    licence = LicenceFactory(product=world.biz)
    client.force_login(world.acme_admin)
    response = client.post("/company/acme/licences/", {"licence_key": licence.key.lower()})
    assert response.status_code == 302
    page = client.get("/company/acme/licences/").content.decode()
    assert licence.masked_key in page and licence.key not in page


def test_portal_licence_page_shows_members_no_key_and_no_form(world, client):
    licence = LicenceFactory(product=world.biz, company=world.acme)
    client.force_login(world.acme_member)
    page = client.get("/company/acme/licences/").content.decode()
    assert "Endpoint Security" in page
    assert licence.key[-5:] not in page
    assert 'name="licence_key"' not in page
    other = LicenceFactory(product=world.biz)
    assert client.post("/company/acme/licences/", {"licence_key": other.key}).status_code == 403
    assert not Licence.objects.get(pk=other.pk).is_claimed


def test_portal_licence_page_shows_refusals(world, client):
    client.force_login(world.home_user)
    response = client.post("/my/licences/", {"licence_key": "ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ"})
    assert response.status_code == 400
    assert CANNOT_ADD in response.content.decode()
    response = client.post("/my/licences/", {"licence_key": "short"})
    assert "XXXXX-XXXXX-XXXXX-XXXXX" in response.content.decode()


def test_portal_licence_page_of_another_company_is_404(world, client):
    client.force_login(world.acme_admin)
    assert client.get("/company/globex/licences/").status_code == 404


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_companies_racing_for_one_key_one_wins():
    import threading

    from django.db import connection

    from accounts.workspace import resolve_workspace
    from tests.accounts.factories import MembershipFactory

    from .factories import ProductFactory

    licence = LicenceFactory(product=ProductFactory(segment="business"))
    admins = [MembershipFactory(role="admin").user for _ in range(2)]
    workspaces = [resolve_workspace(a, a.memberships.get().company.slug) for a in admins]
    barrier = threading.Barrier(2)
    outcomes = []

    def claim(user, workspace):
        barrier.wait()
        try:
            licences.claim_licence(key=licence.key, workspace=workspace, user=user)
            outcomes.append("claimed")
        except DomainError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=pair) for pair in zip(admins, workspaces,
                                                                         strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["cannot_add", "claimed"]
    licence.refresh_from_db()
    assert licence.company in {w.company for w in workspaces}
