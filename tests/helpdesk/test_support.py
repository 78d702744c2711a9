"""Smaller pieces: safe Markdown, the staff groups, emails in the customer's language,
reference numbers under concurrency, and the demo data."""

import threading

import pytest
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.utils import timezone

from accounts.access import AGENTS, SUPERVISORS
from helpdesk.models import SupportRequest
from helpdesk.requests import filing, markup
from notifications.models import Notification


@pytest.mark.parametrize(("text", "absent", "present"), [
    ("<script>alert(1)</script>", "<script", "&lt;script&gt;"),
    ('<img src=x onerror="alert(1)">', "<img", "&lt;img"),
    ("[click](javascript:alert(1))", "javascript:", "click"),
    ("**bold** and `<b>code</b>`", "<b>", "<strong>bold</strong>"),
    ("[site](https://example.com)", "onclick", 'rel="noopener noreferrer nofollow"'),
])
def test_markdown_is_rendered_without_raw_html(text, absent, present):
    html = markup.render(text)
    assert absent not in html and present in html


@pytest.mark.django_db
def test_the_groups_hold_their_permissions():
    agents = set(Group.objects.get(name=AGENTS).permissions.values_list("codename", flat=True))
    supervisors = set(
        Group.objects.get(name=SUPERVISORS).permissions.values_list("codename", flat=True))
    assert {"view_supportrequest", "change_supportrequest", "add_message",
            "view_licence"} <= agents
    assert "change_queue" not in agents and "change_ruleset" not in agents
    assert {"change_queue", "add_queueroute", "change_ruleset", "change_clause",
            "change_product", "change_requestcategory"} <= supervisors
    assert agents <= supervisors


@pytest.mark.django_db
def test_emails_are_queued_in_the_customers_language(world, file_request, run_outbox):
    world.home_user.language = "ms"
    world.home_user.save()
    sr = file_request()
    notification = Notification.objects.get()
    assert notification.language == "ms" and notification.template == "request_received"
    assert notification.context == {
        "reference": sr.reference, "subject": sr.subject, "url": sr.portal_path,
        "name": notification.context["name"], "rule_set": world.rules.pk, "follows_up": "",
        "premium_plan": "", "filed_under_standard": False}
    assert len(run_outbox()) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_references_are_unique_when_filed_at_once():
    now = timezone.now()
    got, errors = [], []

    def take():
        try:
            with transaction.atomic():
                got.append(filing.next_reference(now))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=take) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    numbers = sorted(int(ref.rsplit("-", 1)[1]) for ref in got)
    assert numbers == list(range(1, 13))


@pytest.mark.django_db
def test_the_demo_seed_is_idempotent_and_covers_every_state():
    from accounts import demo as accounts_demo
    from helpdesk import demo as helpdesk_demo
    from licensing import demo as licensing_demo

    def run():
        demo: dict = {}
        for module in (accounts_demo, licensing_demo, helpdesk_demo):
            module.seed(demo, lambda line: None)

    run()
    counts = SupportRequest.objects.count()
    run()
    assert SupportRequest.objects.count() == counts
    assert set(SupportRequest.objects.values_list("status", flat=True)) == set(
        SupportRequest.Status.values)
    for email in ("home@example.com", "member@acme.example", "admin@acme.example",
                  "admin@globex.example"):
        assert SupportRequest.objects.filter(requester__email=email).exists()
    agent = Group.objects.get(name=AGENTS).user_set.get()
    assert agent.email == "agent@example.com" and agent.check_password("demo-pass-2026")
