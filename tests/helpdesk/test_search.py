"""The staff search: words of the subject, the description and every message (internal
notes too), ranked and highlighted on PostgreSQL, a plain containment on SQLite; a
reference, a customer's email and a whole activation code as exact look-ups."""

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import AuditEvent
from helpdesk.models import SearchDocument
from helpdesk.requests import lifecycle, search
from tests.accounts.factories import UserFactory

from .factories import MessageFactory, SupportRequestFactory

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/helpdesk/supportrequest/"


@pytest.fixture
def desk(client, world):
    client.force_login(world.agent)
    return client


def found(client, term, **params):
    response = client.get(CHANGELIST, {"q": term, **params})
    assert response.status_code == 200
    return [sr.reference for sr in response.context["cl"].result_list]


def test_words_of_a_reply_and_of_an_internal_note_find_their_request(world, desk, file_request):
    wanted = file_request(subject="Scan stops", description="It stops halfway.")
    other = file_request(subject="Update fails", description="Error 1603 at the end.")
    lifecycle.add_reply(wanted, by=world.agent, body="Please disable the firewall plugin.")
    lifecycle.add_reply(other, by=world.agent, internal=True,
                        body="Known installer regression, see ticket KX-99.")
    assert found(desk, "firewall plugin") == [wanted.reference]
    assert found(desk, "installer regression") == [other.reference]
    assert found(desk, "1603") == [other.reference]
    assert found(desk, "nothing like this anywhere") == []


def test_a_search_looks_at_every_request_not_only_my_work(world, desk, file_request):
    elsewhere = file_request(world.acme_member, world.acme_member_ws, subject="Quarantine full")
    elsewhere.queue = None
    elsewhere.save(update_fields=["queue"])
    lifecycle.resolve_request(elsewhere, by=world.supervisor, note="Emptied the quarantine.")
    assert found(desk, "quarantine") == [elsewhere.reference]


def test_reference_email_and_whole_activation_code(world, desk, file_request):
    mine = file_request(world.acme_member, world.acme_member_ws)
    home = file_request()
    assert found(desk, mine.reference.lower()) == [mine.reference]
    assert found(desk, world.home_user.email.upper()) == [home.reference]
    key = world.acme_licence.key.replace("-", " ").lower()
    assert found(desk, key) == [mine.reference]
    # The key went through the one audited look-up, and is not in the record.
    event = AuditEvent.objects.get(action="licence.key_lookup")
    assert event.actor == world.agent and world.acme_licence.key not in str(event.data)


def test_bad_input_never_fails(world, desk, file_request):
    file_request()
    for term in ["!!!", "'", '"unclosed', "a & | ! <b>", "x" * 5000, "-", "INC-", "@",
                 "café OR", "(((("]:
        assert desk.get(CHANGELIST, {"q": term}).status_code == 200
        for name in ("customer", "company", "code", "view", "status", "queue", "assigned"):
            assert desk.get(CHANGELIST, {name: term}).status_code == 200
    # A NUL is refused where it enters, naming the field, before any query is built.
    for term in ["\u0000", "a\u0000b", "x@y\u0000", "INC-2026-1\u0000"]:
        for name in ("q", "customer", "company", "code"):
            response = desk.get(CHANGELIST, {name: term})
            assert response.status_code == 400 and name in response.content.decode()


@pytest.mark.postgres
def test_the_index_is_written_by_the_services(world, file_request):
    sr = file_request(subject="Licence lost")
    assert SearchDocument.objects.filter(request=sr).exists()
    lifecycle.add_reply(sr, by=world.home_user, body="Nombor pesanan saya ORD-777.")
    with connection.cursor() as cursor:
        cursor.execute("SELECT vector::text FROM helpdesk_searchdocument WHERE request_id = %s",
                       [sr.pk])
        vector = cursor.fetchone()[0]
    assert "'pesanan'" in vector and "'licence'" in vector


@pytest.mark.postgres
def test_accents_do_not_matter_in_either_language(world, desk, file_request):
    sr = file_request(subject="Résumé of the café's network", description="Perisian hasad.")
    assert found(desk, "resume cafe") == [sr.reference]
    assert found(desk, "perisian") == [sr.reference]
    assert found(desk, "Perísian") == [sr.reference]


@pytest.mark.postgres
def test_results_are_ranked_and_highlighted(world, desk, file_request):
    in_message = file_request(subject="Slow computer", description="Everything is slow.")
    lifecycle.add_reply(in_message, by=world.agent,
                        body="Does the <img src=x onerror=alert(1)> driver update help? a<b")
    in_subject = file_request(subject="Driver update breaks the driver",
                              description="The driver update fails.")
    response = desk.get(CHANGELIST, {"q": "driver"})
    rows = response.context["cl"].result_list
    assert [sr.reference for sr in rows] == [in_subject.reference, in_message.reference]
    html = response.content.decode()
    assert "<mark>driver</mark>" in html.lower()
    # Nothing of the customer's or the agent's text becomes markup: only the highlight is.
    assert "<img src=x" not in html and "onerror=alert(1)&gt; <mark>driver</mark>" in html


@pytest.mark.postgres
def test_reindex_rebuilds_documents_of_rows_written_in_bulk(world):
    sr = SupportRequestFactory(requester=world.home_user, subject="Bulk loaded")
    MessageFactory(request=sr, body="Written straight to the table.")
    assert not SearchDocument.objects.filter(request=sr).exists()
    assert search.reindex() >= 1
    found_requests, count = search.apply(type(sr).objects.all(),
                                         search.Search.parse("straight table"))
    assert list(found_requests) == [sr] and count == 1


@pytest.mark.postgres
def test_many_matches_are_capped_to_the_most_recent_and_said_so(world, desk, monkeypatch):
    monkeypatch.setattr(search, "MATCH_CAP", 3)
    for _n in range(5):
        SupportRequestFactory(requester=world.home_user, subject="Printer offline")
    search.reindex()
    response = desk.get(CHANGELIST, {"q": "printer"})
    assert response.context["cl"].result_count == 3
    assert "most recent are ranked here" in response.content.decode()


def test_query_count_is_the_same_for_one_and_many_matches(world, desk):
    customer = UserFactory()

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert desk.get(CHANGELIST, {"q": "antivirus"}).status_code == 200
        return len(queries)

    first = SupportRequestFactory(requester=customer, subject="Antivirus stopped")
    MessageFactory(request=first, body="The antivirus stopped again.")
    search.reindex()
    count()
    one = count()
    for n in range(30):
        sr = SupportRequestFactory(requester=customer, subject=f"Antivirus issue {n}")
        MessageFactory(request=sr, body="Antivirus log attached.")
        MessageFactory(request=sr, body="Restarted the antivirus service.", author=world.agent,
                       from_staff=True)
    search.reindex()
    assert count() == one <= 15


def test_a_partial_activation_code_is_refused_outside_a_recovery_request(world, desk):
    response = desk.get(CHANGELIST, {"code": world.acme_licence.key[:11]})
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == []
    assert any("licence-recovery" in str(m) for m in get_messages(response.wsgi_request))


def test_customers_cannot_search(world, client, file_request):
    file_request()
    client.force_login(world.home_user)
    assert client.get(CHANGELIST, {"q": "scan"}).status_code == 302


def test_the_sqlite_containment_and_excerpts_match_words_anywhere(world, file_request):
    sr = file_request(subject="Keyboard", description="Typing is slow.")
    lifecycle.add_reply(sr, by=world.agent, body="Try the <script>x</script> onscreen keyboard.",
                        internal=True)
    queryset = type(sr).objects.all()
    assert list(search._contains(queryset, ["ONSCREEN", "typing"])) == [sr]
    assert list(search._contains(queryset, ["onscreen", "nowhere"])) == []
    [(pk, hit)] = search._excerpts([sr.pk], ["onscreen"]).items()
    assert pk == sr.pk and hit.source == "note"
    assert "<mark>onscreen</mark>" in hit.html and "<script>" not in hit.html
