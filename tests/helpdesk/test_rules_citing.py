"""Clauses are cited to customers as /rules/ shows them: a label the published text leaves
unnumbered says so, in emails and on request pages, without a query per citation."""

from datetime import date, timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from helpdesk.models import Clause, RuleSet, SupportRequest
from helpdesk.requests import lifecycle
from helpdesk.rules import citing
from helpdesk.rules.citing import cite, unnumbered_labels
from helpdesk.rules.services import load_published_rules, publish_rule_set

from .conftest import emails_to
from .test_rules import UNNUMBERED, _clause_html

pytestmark = pytest.mark.django_db

NOTE = "unnumbered in the published text"


@pytest.fixture(autouse=True)
def _in_english():
    """Citations are translated: these tests read them in English, whatever language an
    earlier test's request left active in the thread."""
    with translation.override("en"):
        yield


def _rule_set_with(version, effective_from, *, unnumbered=()):
    rule_set = RuleSet.objects.create(version=version, title="Rules", title_ms="Peraturan",
                                      effective_from=effective_from)
    for position, label in enumerate(("4.2.14", "6.4"), start=1):
        Clause.objects.create(rule_set=rule_set, label=label, title=label, text=label,
                              is_unnumbered=label in unnumbered, position=position)
    assert publish_rule_set(rule_set)
    return rule_set


def test_an_unnumbered_label_says_so_and_a_numbered_one_is_left_alone():
    load_published_rules()
    assert cite("6.4") == f"6.4 ({NOTE})"
    assert cite("4.2.14") == "4.2.14"
    assert cite("6.4, 4.4.5") == f"6.4 ({NOTE}), 4.4.5"  # a close clause holds two
    assert cite("") == "" and cite(None) == ""
    assert unnumbered_labels() == frozenset(UNNUMBERED)


@pytest.mark.parametrize("language", ["en", "ms"])
def test_the_citation_reads_as_on_the_rules_page(client, language):
    load_published_rules()
    with translation.override(language):
        body = client.get("/rules/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
        shown = _clause_html(body, "3.3").split('<small class="clause-unnumbered">(')[1]
        assert cite("3.3") == f"3.3 ({shown.split(')</small>')[0]})"


def test_a_citation_under_a_given_rule_set_uses_its_labels():
    old = load_published_rules()
    new = _rule_set_with("2024-01-01", date(2024, 1, 1))  # 6.4 numbered there
    assert cite("6.4") == "6.4"  # the rule set in force
    assert cite("6.4", old) == cite("6.4", old.pk) == cite("6.4", str(old.pk)) == f"6.4 ({NOTE})"
    assert cite("6.4", new) == "6.4"
    assert cite("6.4", 10**9) == "6.4"  # no such rule set: nothing to say


def test_citations_cost_no_query_once_cached(django_assert_num_queries):
    old = load_published_rules()
    new = _rule_set_with("2024-01-01", date(2024, 1, 1), unnumbered=("6.4",))
    with django_assert_num_queries(2):  # the rule set in force, and the labels
        cite("6.4")
    with django_assert_num_queries(0):
        for _ in range(50):
            for rule_set in (None, old, new.pk):
                cite("6.4, 4.4.5", rule_set)
        Template("{% load support_rules %}{{ '3.3'|cite_clause }}").render(Context())


def test_a_request_keeps_its_snapshot_even_when_the_cache_is_dropped(
        django_assert_num_queries):
    load_published_rules()
    # What the request_started / request_finished receivers do (sending the signals here
    # would also close the test's database connection).
    citing._request_started()
    try:
        cite("6.4")
        cache.clear()
        with django_assert_num_queries(0):
            assert cite("6.4") == f"6.4 ({NOTE})"
    finally:
        citing._request_finished()
    with django_assert_num_queries(2):
        cite("6.4")


def test_saving_a_clause_or_a_rule_set_is_seen_at_the_next_citation():
    rule_set = load_published_rules()
    assert cite("4.2.14") == "4.2.14"
    clause = Clause.objects.get(rule_set=rule_set, label="4.2.14")
    clause.is_unnumbered = True
    clause.save()
    assert cite("4.2.14") == f"4.2.14 ({NOTE})"
    clause.delete()
    assert cite("4.2.14") == "4.2.14"
    _rule_set_with("2024-01-01", date(2024, 1, 1))  # a newer rule set takes effect
    assert cite("6.4") == "6.4"


def test_the_rule_set_in_force_is_looked_up_again_the_next_day(time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    load_published_rules()
    _rule_set_with("next", timezone.localdate() + timedelta(days=1))
    assert cite("6.4") == f"6.4 ({NOTE})"
    time_machine.shift(timedelta(days=1))
    assert cite("6.4") == "6.4"


def test_the_filter_cites_under_the_rule_set_given():
    old = load_published_rules()
    _rule_set_with("2024-01-01", date(2024, 1, 1))
    template = Template("{% load support_rules %}[{{ a|cite_clause }}] "
                        "[{{ a|cite_clause:old }}] [{{ missing|cite_clause }}]")
    assert template.render(Context({"a": "6.4", "old": old.pk})) == f"[6.4] [6.4 ({NOTE})] []"


# Emails and request pages -----------------------------------------------------------------


def test_emails_cite_unnumbered_clauses_as_the_rules_page_does(world, file_request, run_outbox):
    sr = file_request()
    lifecycle.request_information(sr, by=world.agent, body="Send the logs, please.")
    lifecycle.set_no_guarantee_flag(sr, by=world.agent, clause="4.4.5", note="No logs.")
    lifecycle.close_request(sr, by=world.agent)
    bodies = {m.subject.split("]", 1)[1].strip(): m.body
              for m in emails_to(run_outbox(), world.home_user.email)}
    received = next(body for subject, body in bodies.items() if "received" in subject)
    information = next(body for subject, body in bodies.items() if "information" in subject)
    closed = next(body for subject, body in bodies.items() if subject.startswith("Closed"))
    assert f"best-effort basis (clause 3.3 ({NOTE}))" in received
    assert f"closed after a while (clause 6.4 ({NOTE}))" in information
    assert f"(clause 6.4 ({NOTE}), 4.4.5)" in closed
    assert "clause 6.4)" not in received + information + closed


def test_an_email_cites_under_the_rule_set_the_request_was_filed_under(world, file_request,
                                                                       run_outbox):
    sr = file_request()
    run_outbox().clear()
    # The rules change after filing: 6.4 is numbered in the new version.
    _rule_set_with("2024-01-01", date(2024, 1, 1))
    lifecycle.request_information(sr, by=world.agent, body="Send the logs, please.")
    [mail] = run_outbox()
    assert f"(clause 6.4 ({NOTE}))" in mail.body


def test_a_closed_request_page_cites_its_clauses_as_the_rules_page_does(client, world,
                                                                       file_request):
    sr = file_request()
    lifecycle.request_information(sr, by=world.agent, body="Send the logs, please.")
    lifecycle.set_no_guarantee_flag(sr, by=world.agent, clause="4.4.5", note="No logs.")
    lifecycle.close_request(sr, by=world.agent)
    assert SupportRequest.objects.get(pk=sr.pk).close_clause == "6.4, 4.4.5"
    client.force_login(world.home_user)
    body = client.get(sr.portal_path).content.decode()
    assert f'<a href="/rules/#clause-6.4">Read clause 6.4 ({NOTE})</a>' in body
    assert '<a href="/rules/#clause-4.4.5">Read clause 4.4.5</a>' in body
    assert "Clause 4.4.5</a>" in body
    assert "(clause 6.4)" not in body


def test_a_request_page_reads_the_labels_once_however_many_it_cites(client, world,
                                                                   file_request):
    sr = file_request()
    lifecycle.request_information(sr, by=world.agent, body="Send the logs, please.")
    for n in range(1, 7):
        lifecycle.set_no_guarantee_flag(sr, by=world.agent, clause=f"4.4.{n}", note="Noted.")
    lifecycle.close_request(sr, by=world.agent)
    client.force_login(world.home_user)
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        body = client.get(sr.portal_path).content.decode()
    assert body.count(f"({NOTE})") == 1 and "Clause 4.4.6</a>" in body
    assert sum('"helpdesk_clause"' in query["sql"] for query in captured) == 1
