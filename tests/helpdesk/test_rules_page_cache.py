"""/rules/ renders each version's clauses once per language and process, and shows a
clause edited by staff on the next visit."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from helpdesk.models import Clause
from helpdesk.rules.services import load_published_rules

pytestmark = pytest.mark.django_db


def _clause_queries(client, url, **headers) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, **headers).status_code == 200
    return sum('"helpdesk_clause"."text_ms"' in q["sql"]
               for q in captured)


def test_the_clauses_are_read_once_per_language(client):
    load_published_rules()

    assert _clause_queries(client, "/rules/", HTTP_ACCEPT_LANGUAGE="en") == 1
    assert _clause_queries(client, "/rules/", HTTP_ACCEPT_LANGUAGE="en") == 0
    assert _clause_queries(client, "/rules/", HTTP_ACCEPT_LANGUAGE="ms") == 1


def test_an_edited_clause_shows_on_the_next_visit(client):
    load_published_rules()
    client.get("/rules/", HTTP_ACCEPT_LANGUAGE="en")
    clause = Clause.objects.get(rule_set__is_published=True, label="4.2.14")
    clause.text = "Standard Support does not cover juggling lessons."
    clause.save()

    body = client.get("/rules/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "Standard Support does not cover juggling lessons." in body
