"""Every clause path of DESIGN.md section 3, in its order (first match wins)."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from accounts.models import AuditEvent
from licensing import intake
from licensing.eligibility import Decision, Offer, decide
from licensing.intake import EligibilityFacts
from licensing.models import Licence

from .conftest import category
from .factories import LicenceFactory, today

pytestmark = pytest.mark.django_db

PAID_TOPICS = {5: "professional_services", 10: "professional_services",
               12: "professional_services", 14: "incident_response"}
# Without self-help resources listed (this world has none), the free routes are the
# Community (its link falls back to COMMUNITY_URL) and, for 4.2.1, product feedback.
FREE = ["community"]


@pytest.mark.parametrize("number", range(1, 15))
@pytest.mark.parametrize("where", ["MY", "SG"])
def test_every_out_of_scope_topic_cites_its_clause_and_offers_its_service_where_offered(
        world, number, where):
    workspace = world.acme_admin_ws if where == "MY" else world.sgco_ws
    decision = decide(workspace=workspace, category=category(f"oos_4_2_{number}"))
    assert decision.eligible is False
    assert decision.clause == f"4.2.{number}"
    paid = [PAID_TOPICS[number]] if number in PAID_TOPICS and where == "MY" else []
    free = ["product_feedback", *FREE] if number == 1 else FREE
    assert [offer.code for offer in decision.offers] == paid + free
    assert decision.licence is None


def test_a_topic_offers_the_free_routes_only_when_its_service_is_withdrawn(world):
    world.services["professional_services"].is_active = False
    world.services["professional_services"].save()
    decision = decide(workspace=world.home_ws, category=category("oos_4_2_5"))
    assert decision.clause == "4.2.5"
    assert [offer.code for offer in decision.offers] == FREE


def test_a_topic_comes_before_every_product_check(world):
    """Rule 1 wins even with a product past end of support and no licence."""
    decision = decide(workspace=world.acme_admin_ws, category=category("oos_4_2_14"),
                      product=world.biz, version=world.biz_old, os="windows", os_version="5")
    assert decision.clause == "4.2.14"
    assert [o.code for o in decision.offers] == ["incident_response", *FREE]
    assert "Endpoint Security 11.1" in decision.reason


def _licence(world, holder, **fields):
    owner = {"company": holder} if hasattr(holder, "slug") else {"home_user": holder}
    return LicenceFactory(product=fields.pop("product", world.biz), **owner, **fields)


# id, arrange(world) -> decide() kwargs, eligible, clause, offer codes
CASES = [
    ("4.1.3 licence recovery without product or licence",
     lambda w: {"workspace": w.acme_admin_ws, "category": category("licence_recovery")},
     True, None, []),
    ("4.1.4 download without product or licence",
     lambda w: {"workspace": w.acme_admin_ws, "category": category("howto_download")},
     True, None, []),
    ("4.1.4 documentation without product or licence",
     lambda w: {"workspace": w.sg_ws, "category": category("find_documentation")},
     True, None, []),
    ("4.1.4 online services, even naming an unsupported version",
     lambda w: {"workspace": w.acme_admin_ws, "category": category("online_services"),
                "product": w.biz, "version": w.biz_old},
     True, None, []),
    ("4.3.2 home version past end of support",
     lambda w: {"workspace": w.home_ws, "category": category("malfunction"),
                "product": w.home_product, "version": w.home_old, "os": "windows",
                "os_version": "11"},
     False, "4.3.2", ["support_extension", *FREE]),
    ("4.3.2 support extension offered in every country",
     lambda w: {"workspace": w.sg_ws, "category": category("malfunction"),
                "product": w.home_product, "version": w.home_old, "os": "windows",
                "os_version": "11"},
     False, "4.3.2", ["support_extension", *FREE]),
    ("4.3.2 before 4.3.1: old version on an old OS",
     lambda w: {"workspace": w.home_ws, "category": category("malfunction"),
                "product": w.home_product, "version": w.home_old, "os": "windows",
                "os_version": "5"},
     False, "4.3.2", ["support_extension", *FREE]),
    ("4.3.2 before 4.5b: business version past end of support with a valid licence",
     lambda w: {"workspace": w.acme_admin_ws, "category": category("malfunction"),
                "product": w.biz, "version": w.biz_old, "os": "windows", "os_version": "10",
                "_licence": _licence(w, w.acme)},
     False, "4.3.2", ["support_extension", *FREE]),
    ("4.3.1 macOS 10.9 is older than the minimum 10.15",
     lambda w: {"workspace": w.home_ws, "category": category("malfunction"),
                "product": w.home_product, "version": w.home_v, "os": "macos",
                "os_version": "10.9"},
     False, "4.3.1", FREE),
    ("4.3.1 a platform the version lists no requirement for",
     lambda w: {"workspace": w.home_ws, "category": category("database_update"),
                "product": w.home_product, "version": w.home_v, "os": "linux",
                "os_version": "6.1"},
     False, "4.3.1", FREE),
    ("4.3.1 before 4.5b: business product on an old OS without a licence",
     lambda w: {"workspace": w.acme_admin_ws, "category": category("malfunction"),
                "product": w.biz, "version": w.biz_v, "os": "windows", "os_version": "8.1"},
     False, "4.3.1", FREE),
    ("macOS 10.15 meets the minimum 10.15",
     lambda w: {"workspace": w.home_ws, "category": category("malfunction"),
                "product": w.home_product, "version": w.home_v, "os": "macos",
                "os_version": "10.15"},
     True, None, []),
    ("macOS 10.15.7 is newer than 10.15",
     lambda w: {"workspace": w.home_ws, "category": category("malfunction"),
                "product": w.home_product, "version": w.home_v, "os": "macos",
                "os_version": "10.15.7"},
     True, None, []),
    ("Windows 10.0 is the same as 10",
     lambda w: {"workspace": w.home_ws, "category": category("malfunction"),
                "product": w.home_product, "version": w.home_v, "os": "windows",
                "os_version": "10.0"},
     True, None, []),
    ("4.5b business product without any licence",
     lambda w: {"workspace": w.acme_admin_ws, "category": category("malfunction"),
                "product": w.biz, "version": w.biz_v, "os": "windows", "os_version": "11"},
     False, "4.5b", FREE),
    ("4.5b expired licence",
     lambda w: {"workspace": w.acme_admin_ws, "category": category("malfunction"),
                "product": w.biz, "version": w.biz_v, "os": "windows", "os_version": "11",
                "_licence": _licence(w, w.acme, starts_on=today() - timedelta(days=400),
                                     expires_on=today() - timedelta(days=1))},
     False, "4.5b", FREE),
    ("4.5b revoked licence",
     lambda w: {"workspace": w.acme_admin_ws, "category": category("false_positive"),
                "product": w.biz, "version": w.biz_v, "os": "windows", "os_version": "11",
                "_licence": _licence(w, w.acme, status=Licence.Status.REVOKED)},
     False, "4.5b", FREE),
    ("4.5b licence not started yet",
     lambda w: {"workspace": w.acme_admin_ws, "category": category("malfunction"),
                "product": w.biz, "version": w.biz_v, "os": "windows", "os_version": "11",
                "_licence": _licence(w, w.acme, starts_on=today() + timedelta(days=1))},
     False, "4.5b", FREE),
    ("4.5b another company's valid licence does not count",
     lambda w: {"workspace": w.acme_admin_ws, "category": category("malfunction"),
                "product": w.biz, "version": w.biz_v, "os": "windows", "os_version": "11",
                "_licence": _licence(w, w.globex)},
     False, "4.5b", FREE),
    ("4.5b another company's key given",
     lambda w: {"workspace": w.acme_admin_ws, "category": category("malfunction"),
                "product": w.biz, "version": w.biz_v, "os": "windows", "os_version": "11",
                "licence_key": _licence(w, w.globex).key},
     False, "4.5b", FREE),
    ("4.5b an unclaimed licence does not count",
     lambda w: {"workspace": w.acme_admin_ws, "category": category("malfunction"),
                "product": w.biz, "version": w.biz_v, "os": "windows", "os_version": "11",
                "_licence": LicenceFactory(product=w.biz)},
     False, "4.5b", FREE),
    ("4.5b a licence of another product does not count",
     lambda w: {"workspace": w.acme_admin_ws, "category": category("malfunction"),
                "product": w.biz, "version": w.biz_v, "os": "windows", "os_version": "11",
                "_licence": _licence(w, w.acme, product=w.biz_free)},
     False, "4.5b", FREE),
    ("4.5b an admin's own business licence does not count for the company",
     lambda w: {"workspace": w.acme_admin_ws, "category": category("malfunction"),
                "product": w.biz, "version": w.biz_v, "os": "windows", "os_version": "11",
                "_licence": _licence(w, w.acme_admin)},
     False, "4.5b", FREE),
    ("4.5b the given key is the one checked, even with another valid licence",
     lambda w: {"workspace": w.acme_admin_ws, "category": category("malfunction"),
                "product": w.biz, "version": w.biz_v, "os": "windows", "os_version": "11",
                "_licence": _licence(w, w.acme),
                "licence_key": _licence(w, w.acme, expires_on=today() - timedelta(days=1),
                                        starts_on=today() - timedelta(days=9)).key},
     False, "4.5b", FREE),
    ("eligible: a home user's own business licence counts in the home workspace",
     lambda w: {"workspace": w.acme_admin_home_ws, "category": category("malfunction"),
                "product": w.biz, "version": w.biz_v, "os": "windows", "os_version": "11",
                "_licence": _licence(w, w.acme_admin)},
     True, None, []),
    ("eligible: business product with a valid company licence",
     lambda w: {"workspace": w.acme_admin_ws, "category": category("undetected_malware"),
                "product": w.biz, "version": w.biz_v, "os": "linux", "os_version": "6.8",
                "_licence": _licence(w, w.acme)},
     True, None, []),
    ("eligible: the given key is a valid licence the company holds",
     lambda w: {"workspace": w.acme_admin_ws, "category": category("malfunction"),
                "product": w.biz, "version": w.biz_v, "os": "windows", "os_version": "11",
                "licence_key": _licence(w, w.acme).key},
     True, None, []),
    ("4.5a home commercial product with an expired licence",
     lambda w: {"workspace": w.home_ws, "category": category("malfunction"),
                "product": w.home_product, "version": w.home_v, "os": "windows",
                "os_version": "11",
                "licence_key": _licence(w, w.home_user, product=w.home_product,
                                        starts_on=today() - timedelta(days=800),
                                        expires_on=today() - timedelta(days=400)).key},
     True, None, []),
    ("4.5a home commercial product without any licence, in a company",
     lambda w: {"workspace": w.acme_admin_ws, "category": category("malfunction"),
                "product": w.home_product, "version": w.home_v, "os": "windows",
                "os_version": "11"},
     True, None, []),
    ("4.5a home commercial product with somebody else's key",
     lambda w: {"workspace": w.home_ws, "category": category("malfunction"),
                "product": w.home_product, "version": w.home_v, "os": "windows",
                "os_version": "11",
                "licence_key": _licence(w, w.sg_user, product=w.home_product).key},
     True, None, []),
    ("4.5a free-premium home product",
     lambda w: {"workspace": w.home_ws, "category": category("malfunction"),
                "product": w.freemium, "version": w.freemium_v, "os": "windows",
                "os_version": "11"},
     True, None, []),
    ("4.5a plain free home product is refused, pointing to the Community",
     lambda w: {"workspace": w.home_ws, "category": category("malfunction"),
                "product": w.free, "version": w.free_v, "os": "android", "os_version": "14"},
     False, "4.5a", FREE),
    ("7 otherwise eligible: a free-premium business product needs no licence",
     lambda w: {"workspace": w.acme_admin_ws, "category": category("malfunction"),
                "product": w.biz_free, "version": w.biz_free_v, "os": "windows",
                "os_version": "11"},
     True, None, []),
]


@pytest.mark.parametrize(("arrange", "eligible", "clause", "offers"),
                         [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_decision_table(world, arrange, eligible, clause, offers):
    kwargs = arrange(world)
    kwargs.pop("_licence", None)
    decision = decide(**kwargs)
    assert (decision.eligible, decision.clause) == (eligible, clause), decision.reason
    assert [offer.code for offer in decision.offers] == offers
    assert decision.reason
    if kwargs.get("version") is not None and kwargs["category"].needs_product:
        # The reason names the product and the version.
        assert kwargs["product"].name in decision.reason
        assert kwargs["version"].version in decision.reason
    body = decision.as_dict()
    assert set(body) == {"eligible", "clause", "reason", "offers"}
    assert all(set(offer) == {"code", "name", "url"} and offer["name"]
               for offer in body["offers"])


def test_the_licence_that_satisfied_4_5b_is_returned(world):
    licence = _licence(world, world.acme)
    decision = decide(workspace=world.acme_admin_ws, category=category("malfunction"),
                      product=world.biz, version=world.biz_v, os="windows", os_version="11")
    assert decision.licence == licence


def test_a_given_key_held_by_somebody_else_is_not_returned(world):
    other = _licence(world, world.globex)
    decision = decide(workspace=world.acme_admin_ws, category=category("malfunction"),
                      product=world.home_product, version=world.home_v, os="windows",
                      os_version="11", licence_key=other.key)
    assert decision.eligible and decision.licence is None


def test_the_date_decides_end_of_support(world):
    world.home_v.end_of_support = today() + timedelta(days=10)
    world.home_v.save()
    kwargs = {"workspace": world.home_ws, "category": category("malfunction"),
              "product": world.home_product, "version": world.home_v, "os": "windows",
              "os_version": "11"}
    assert decide(**kwargs).eligible
    assert decide(**kwargs, on=today() + timedelta(days=10)).eligible
    assert decide(**kwargs, on=today() + timedelta(days=11)).clause == "4.3.2"


def test_an_incomplete_product_check_is_a_programming_error(world):
    with pytest.raises(ValueError):
        decide(workspace=world.home_ws, category=category("malfunction"),
               product=world.home_product)
    with pytest.raises(ValueError):
        decide(workspace=world.home_ws, category=category("malfunction"),
               product=world.home_product, version=world.biz_v, os="windows", os_version="11")


def test_decide_writes_nothing(world):
    _licence(world, world.acme, expires_on=today() - timedelta(days=1),
             starts_on=today() - timedelta(days=5))
    with CaptureQueriesContext(connection) as queries:
        decision = decide(workspace=world.acme_admin_ws, category=category("malfunction"),
                          product=world.biz, version=world.biz_v, os="windows",
                          os_version="11")
    assert decision.clause == "4.5b"
    assert all(q["sql"].lstrip().upper().startswith("SELECT") for q in queries.captured_queries)


def test_a_refusal_is_recorded_for_staff_and_an_acceptance_is_not(world):
    refused = EligibilityFacts(workspace=world.acme_admin_ws, category=category("malfunction"),
                               product=world.biz, version=world.biz_v, os="windows",
                               os_version="11")
    assert intake.check(refused, by=world.acme_admin).clause == "4.5b"
    event = AuditEvent.objects.get(action="eligibility.refused")
    assert event.data["clause"] == "4.5b"
    assert (event.data["category"], event.data["product"], event.data["version"]) == (
        "malfunction", "endpoint", "12.8")
    assert event.company == world.acme and event.actor == world.acme_admin
    accepted = EligibilityFacts(workspace=world.acme_admin_ws, category=category("howto_download"))
    assert intake.check(accepted, by=world.acme_admin).eligible
    assert AuditEvent.objects.filter(action="eligibility.refused").count() == 1


def test_repeated_refusals_fold_into_one_row_per_person_clause_and_minute(world):
    """A script (or a live preview) asking again and again cannot flood the audit trail."""
    refused = EligibilityFacts(workspace=world.acme_admin_ws, category=category("malfunction"),
                               product=world.biz, version=world.biz_v, os="windows",
                               os_version="11")
    topic = EligibilityFacts(workspace=world.acme_admin_ws, category=category("oos_4_2_5"))
    for _ in range(50):
        intake.check(refused, by=world.acme_admin)
    intake.check(topic, by=world.acme_admin)
    intake.check(refused, by=world.acme_member)
    rows = AuditEvent.objects.filter(action="eligibility.refused")
    assert sorted((e.actor.email, e.data["clause"], e.count) for e in rows) == sorted([
        (world.acme_admin.email, "4.5b", 50), (world.acme_admin.email, "4.2.5", 1),
        (world.acme_member.email, "4.5b", 1)])


def test_reasons_follow_the_language_of_whoever_reads_them(world):
    """A decision is data: the same decision reads in English and in Malay."""
    topic = category("oos_4_2_5")
    decision = decide(workspace=world.acme_admin_ws, category=topic)
    assert decision.clause == "4.2.5"
    assert [o.code for o in decision.offers] == ["professional_services", *FREE]
    assert topic.name in decision.reason and "Professional Services" in decision.reason
    with translation.override("ms"):
        assert topic.name_ms in decision.reason  # the topic's Malay name from the Rules
        assert "Perkhidmatan Profesional" in decision.reason
        assert decision.as_dict()["offers"][0]["name"] == "Perkhidmatan Profesional"
    stored = Decision.from_data(decision.as_data(), category=topic)
    assert stored.as_dict() == decision.as_dict()
    free = decide(workspace=world.home_ws, category=category("malfunction"),
                  product=world.free, version=world.free_v, os="windows", os_version="11")
    assert (free.clause, [o.code for o in free.offers]) == ("4.5a", FREE)
    with translation.override("ms"):
        assert "Perisian percuma" in free.reason and "Home Free 3.1" in free.reason


def test_dates_in_a_reason_follow_the_readers_format(world):
    licence = _licence(world, world.acme, starts_on=date(2024, 9, 1),
                       expires_on=date(2025, 8, 31))
    decision = decide(workspace=world.acme_admin_ws, category=category("malfunction"),
                      product=world.biz, version=world.biz_v, os="windows", os_version="11")
    assert decision.params["date"] == licence.expires_on.isoformat()
    assert "31 August 2025" in decision.reason
    with translation.override("ms"):
        assert "31 Ogos 2025" in decision.reason


def test_offer_and_decision_are_immutable_values():
    offer = Offer("community", "https://community.example.com/")
    decision = Decision(False, "4.5a", "free_product", {"product": "Free 1.0"}, (offer,))
    with pytest.raises(AttributeError):
        decision.eligible = True  # type: ignore[misc]
    assert decision.as_dict()["offers"] == [{
        "code": "community", "name": "Kaspersky Community",
        "url": "https://community.example.com/"}]
