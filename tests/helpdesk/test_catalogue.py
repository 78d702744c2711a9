"""The catalogue (categories, plans, queues, products, versions, rule sets) is read once per
process and attached to requests from memory; a change to it reaches every process."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from helpdesk import catalogue
from helpdesk.models import SupportRequest
from licensing.models import RequestCategory
from tests.helpdesk.factories import SupportRequestFactory

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_requests_carry_their_catalogue_rows_without_joining_them(client):
    support_request = SupportRequestFactory()
    catalogue.current()  # the process's copy, as any earlier page would have read it

    with CaptureQueriesContext(connection) as captured:
        row = SupportRequest.objects.filter(pk=support_request.pk).for_list().get()
        assert row.category.code == "malfunction"
        assert row.plan.code == support_request.plan.code

    assert len(captured) == 1
    assert "licensing_requestcategory" not in captured[0]["sql"]
    assert "licensing_supportplan" not in captured[0]["sql"]


@pytest.mark.django_db
def test_a_renamed_category_shows_at_once_in_the_process_that_changed_it():
    support_request = SupportRequestFactory()
    SupportRequest.objects.filter(pk=support_request.pk).for_list().get()
    category = RequestCategory.objects.get(code="malfunction")
    category.name = "Something else"
    category.save()

    row = SupportRequest.objects.filter(pk=support_request.pk).for_list().get()

    assert row.category.name == "Something else"


@pytest.mark.django_db
def test_a_category_added_in_this_transaction_is_found():
    catalogue.current()
    added = RequestCategory.objects.create(code="new-topic", name="New topic", clause="4.1.9")
    support_request = SupportRequestFactory(category=added)

    row = SupportRequest.objects.filter(pk=support_request.pk).for_list().get()

    assert row.category.name == "New topic"


# A second process that keeps its copy of the catalogue between two "requests" and prints
# a category's name in each; it waits for a line on stdin before the second.
SECOND_PROCESS = textwrap.dedent("""
    import json, sys
    import django
    from django.conf import settings

    django.setup()
    settings.CACHES = json.loads(sys.argv[1])
    from django.core.signals import request_finished, request_started
    from helpdesk import catalogue

    def name_in_a_request(pk):
        request_started.send(sender=None)
        try:
            return catalogue.current().categories[pk].name
        finally:
            request_finished.send(sender=None)

    pk = int(sys.argv[2])
    print(name_in_a_request(pk), flush=True)
    sys.stdin.readline()
    print(name_in_a_request(pk), flush=True)
""")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_change_in_one_process_reaches_another(settings):
    shared = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache",
                          "LOCATION": "portal_cache"}}
    settings.CACHES = shared
    call_command("createcachetable", verbosity=0)
    category = RequestCategory.objects.get(code="malfunction")
    db = connection.settings_dict
    url = (f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or 'localhost'}:"
           f"{db['PORT'] or 5432}/{db['NAME']}")
    other = subprocess.Popen(
        [sys.executable, "-c", SECOND_PROCESS, json.dumps(shared), str(category.pk)],
        cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        env={**os.environ, "DATABASE_URL": url,
             "DJANGO_SETTINGS_MODULE": "config.settings.test"})
    try:
        assert other.stdout.readline().strip() == category.name

        category.name = "Renamed in the first process"
        category.save()
        other.stdin.write("go\n")
        other.stdin.flush()

        assert other.stdout.readline().strip() == "Renamed in the first process"
    finally:
        other.kill()
        other.wait(timeout=30)
