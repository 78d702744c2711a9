import re
from datetime import date, timedelta

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from helpdesk.models import Clause, RuleSet
from helpdesk.rules.files import read_rules
from helpdesk.rules.markup import text_blocks
from helpdesk.rules.services import (
    copy_as_draft,
    current_rule_set,
    load_published_rules,
    publish_rule_set,
)
from tests.accounts.factories import AgentFactory, UserFactory

pytestmark = pytest.mark.django_db

# Every label SUPPORT_RULES.md writes, in its order; the unnumbered ones are the portal's.
LABELS = [
    "1",
    "2.1",
    "2.2",
    "3.1",
    "3.2",
    "3.3",
    "3.4",
    "4.1.1",
    "4.1.2",
    "4.1.3",
    "4.1.4",
    *(f"4.2.{n}" for n in range(1, 15)),
    "4.3.1",
    "4.3.2",
    *(f"4.4.{n}" for n in range(1, 7)),
    "4.5a",
    "4.5b",
    "5.1",
    "5.2",
    "6.1",
    "6.2",
    "6.3",
    "6.4",
    "7.1",
    "7.2",
]
UNNUMBERED = {"3.3", "3.4", "5.1", "5.2", "6.1", "6.2", "6.3", "6.4"}


def _clause_html(body: str, label: str) -> str:
    """The HTML of one clause's section on the rules page."""
    start = body.index(f'<section id="clause-{label}"')
    end = body.find("</section>", start)
    return body[start:end]


def _newer_rule_set(version="2024-01-01", effective_from=date(2024, 1, 1), publish=True):
    rule_set = RuleSet.objects.create(
        version=version,
        title="Support Rules, revised",
        title_ms="Peraturan Sokongan, disemak",
        effective_from=effective_from,
    )
    Clause.objects.create(
        rule_set=rule_set,
        label="1",
        title="About these Rules",
        title_ms="Mengenai Peraturan ini",
        text="Revised introduction.",
        text_ms="Pengenalan yang disemak.",
        position=10,
    )
    if publish:
        assert publish_rule_set(rule_set)
    return rule_set


# Loading ---------------------------------------------------------------------------------


def test_load_published_rules_is_idempotent():
    first = load_published_rules()
    rows = list(Clause.objects.order_by("pk").values_list("pk", "label", "position"))
    second = load_published_rules()
    assert first.pk == second.pk
    assert RuleSet.objects.count() == 1
    assert list(Clause.objects.order_by("pk").values_list("pk", "label", "position")) == rows
    assert second.version == "2022-04-07" and second.is_published
    assert second.effective_from == date(2022, 4, 7)
    assert (second.title, second.title_ms) == (
        "Support Rules for the vendor's software",
        "Peraturan Sokongan untuk Perisian",
    )
    assert current_rule_set() == second


def test_load_repairs_edited_text_of_the_shipped_version():
    rule_set = load_published_rules()
    Clause.objects.filter(rule_set=rule_set, label="4.2.14").update(text_ms="")
    RuleSet.objects.filter(pk=rule_set.pk).update(is_published=False)
    load_published_rules()
    clause = Clause.objects.get(rule_set=rule_set, label="4.2.14")
    assert "Incident Response" in clause.text_ms
    assert RuleSet.objects.get(pk=rule_set.pk).is_published


def test_every_label_has_english_and_malay_text():
    rule_set = load_published_rules()
    clauses = list(rule_set.clauses.order_by("position"))
    assert [c.label for c in clauses] == LABELS
    for clause in clauses:
        assert clause.title.strip() and clause.title_ms.strip(), clause.label
        assert clause.text.strip() and clause.text_ms.strip(), clause.label
        assert clause.is_unnumbered == (clause.label in UNNUMBERED), clause.label


def test_malay_text_is_the_published_wording():
    load_published_rules()
    by_label = {c.label: c for c in Clause.objects.all()}
    assert "Latihan perisian" in by_label["4.2.11"].text_ms
    assert "tanpa mengira status Lesen" in by_label["4.5a"].text_ms
    assert by_label["3.3"].text_ms.startswith("Sokongan Teknikal Kaspersky berusaha sedaya upaya")
    assert "Perjanjian Lesen Pengguna Akhir" in by_label["6.1"].text_ms


def test_english_text_stays_vendor_neutral():
    for clause in read_rules("2022-04-07").clauses:
        assert "Kaspersky" not in clause.title + clause.text, clause.label


def test_load_rules_command_prints_the_version(capsys):
    call_command("load_rules")
    call_command("load_rules")
    assert "2022-04-07" in capsys.readouterr().out
    assert RuleSet.objects.count() == 1
    assert Clause.objects.count() == len(LABELS)


def test_text_blocks_paragraphs_lists_and_sub_lists():
    blocks = text_blocks("Lead in:\n- one\n  - one a\n  - one b\n- two\nAfter.")
    assert [b.is_list for b in blocks] == [False, True, False]
    assert blocks[0].text == "Lead in:" and blocks[2].text == "After."
    items = blocks[1].items
    assert [(i.text, i.children) for i in items] == [("one", ["one a", "one b"]), ("two", [])]


# Pages -----------------------------------------------------------------------------------


def test_rules_page_in_english(client):
    load_published_rules()
    response = client.get("/rules/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    body = response.content.decode()
    assert '<html lang="en">' in body
    assert "Support Rules for the vendor&#x27;s software" in body
    for label in LABELS:
        assert f'id="clause-{label}"' in body
        assert f'href="#clause-{label}"' in body
    assert "Standard Support does not cover training in the software." in body
    assert "unnumbered in the published text" in _clause_html(body, "3.3")
    assert "unnumbered in the published text" in _clause_html(body, "6.4")
    assert "unnumbered" not in _clause_html(body, "4.2.14")
    assert "<ul>" in _clause_html(body, "4.1.2")  # a) b) c) are a list


def test_rules_page_in_malay_by_accept_language(client):
    load_published_rules()
    response = client.get("/rules/", HTTP_ACCEPT_LANGUAGE="ms")
    assert response.status_code == 200
    body = response.content.decode()
    assert '<html lang="ms">' in body
    assert "Peraturan Sokongan untuk Perisian" in body
    assert "Latihan perisian" in _clause_html(body, "4.2.11")
    assert "berusaha sedaya upaya" in _clause_html(body, "3.3")
    assert "unnumbered" in _clause_html(body, "3.3") or "bernombor" in _clause_html(body, "3.3")
    assert "Standard Support does not cover training" not in body


def test_rules_page_in_malay_by_language_cookie(client):
    load_published_rules()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ms"
    body = client.get("/rules/").content.decode()
    assert '<html lang="ms">' in body
    assert "Pangkalan pengetahuan" in _clause_html(body, "2.1")


def test_malay_page_marks_clauses_shown_in_english(client):
    rule_set = load_published_rules()
    Clause.objects.filter(rule_set=rule_set, label="4.2.4").update(text_ms="", title_ms="")
    body = client.get("/rules/", HTTP_ACCEPT_LANGUAGE="ms").content.decode()
    section = _clause_html(body, "4.2.4")
    assert 'lang="en"' in section and "Standard Support does not cover describing" in section


def test_rules_page_is_public_and_linked_from_the_layout(client):
    load_published_rules()
    body = client.get(reverse("rules")).content.decode()
    assert 'href="/rules/"' in body
    assert "/accounts/login/" not in client.get("/rules/").get("Location", "")


def test_rules_page_has_no_inline_script_or_style(client):
    load_published_rules()
    body = client.get("/rules/").content.decode()
    for tag in re.findall(r"<script\b[^>]*>", body, flags=re.I):
        assert "src=" in tag, tag
    assert not re.search(r"<script\b[^>]*>\s*\S", body, flags=re.I)
    assert "<style" not in body.lower()
    assert not re.search(r"\sstyle=", body, flags=re.I)
    assert not re.search(r"\son[a-z]+=", body, flags=re.I)


def test_rules_page_without_any_published_rules(client):
    response = client.get("/rules/")
    assert response.status_code == 200
    assert "No Support Rules have been published yet." in response.content.decode()


def test_older_version_stays_readable_after_a_newer_one(client):
    old = load_published_rules()
    new = _newer_rule_set()
    assert current_rule_set() == new
    assert load_published_rules() == new  # reloading the shipped set does not demote it

    current = client.get("/rules/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Revised introduction." in current
    assert 'href="/rules/2022-04-07/"' in current

    response = client.get(f"/rules/{old.version}/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="clause-4.2.14"' in body
    assert "This version is no longer in force." in body
    assert "Revised introduction." not in body


def test_upcoming_version_is_readable_but_not_in_force(client):
    old = load_published_rules()
    later = timezone.localdate() + timedelta(days=30)
    upcoming = _newer_rule_set(version="next", effective_from=later)
    assert current_rule_set() == old
    body = client.get(f"/rules/{upcoming.version}/", HTTP_ACCEPT_LANGUAGE="en")
    assert body.status_code == 200
    assert "This version takes effect on" in body.content.decode()


def test_unpublished_and_unknown_versions_are_404(client):
    load_published_rules()
    draft = _newer_rule_set(version="2025-01-01", effective_from=date(2025, 1, 1), publish=False)
    assert client.get(f"/rules/{draft.version}/").status_code == 404
    assert client.get("/rules/1999-01-01/").status_code == 404
    body = client.get("/rules/").content.decode()
    assert "2025-01-01" not in body
    assert "Revised introduction." not in body


# Admin -----------------------------------------------------------------------------------


def _supervisor(*codenames):
    """An agent (the support desk is for the staff groups) with exactly these permissions
    on the helpdesk's models on top of the group's."""
    user = AgentFactory()
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="helpdesk", codename__in=codenames)
    )
    return user


def test_admin_lists_versions_and_publishes(client):
    load_published_rules()
    draft = _newer_rule_set(version="2025-01-01", effective_from=date(2025, 1, 1), publish=False)
    user = _supervisor(
        "view_ruleset",
        "change_ruleset",
        "view_clause",
        "change_clause",
        "add_clause",
        "delete_clause",
    )
    client.force_login(user)
    changelist = client.get("/admin/helpdesk/ruleset/")
    assert changelist.status_code == 200
    assert "2022-04-07" in changelist.content.decode()
    assert client.get(f"/admin/helpdesk/ruleset/{draft.pk}/change/").status_code == 200

    response = client.post(
        "/admin/helpdesk/ruleset/", {"action": "publish", "_selected_action": [draft.pk]}
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.is_published
    assert current_rule_set() == draft
    assert AuditEvent.objects.filter(action="rules.published", actor=user).exists()
    assert client.get("/rules/2025-01-01/").status_code == 200


def test_admin_needs_the_model_permission(client):
    load_published_rules()
    client.force_login(AgentFactory())  # agents read the rules; supervisors edit them
    assert client.get("/admin/helpdesk/ruleset/").status_code == 200
    assert client.get("/admin/helpdesk/ruleset/add/").status_code == 403
    client.force_login(UserFactory(is_staff=True))  # not in a staff group: not the desk's
    assert client.get("/admin/helpdesk/ruleset/")["Location"] == "/my/"


def test_view_only_staff_cannot_publish(client):
    load_published_rules()
    draft = _newer_rule_set(version="2025-01-01", effective_from=date(2025, 1, 1), publish=False)
    client.force_login(_supervisor("view_ruleset", "view_clause"))
    assert client.get("/admin/helpdesk/ruleset/").status_code == 200
    client.post("/admin/helpdesk/ruleset/", {"action": "publish", "_selected_action": [draft.pk]})
    draft.refresh_from_db()
    assert not draft.is_published


def test_copy_as_draft_keeps_the_clauses_unpublished():
    rule_set = load_published_rules()
    draft = copy_as_draft(rule_set)
    assert not draft.is_published
    assert draft.clauses.count() == len(LABELS)
    assert current_rule_set() == rule_set
    assert copy_as_draft(rule_set).version != draft.version
