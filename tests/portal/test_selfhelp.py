"""Self-help of clause 2.1: listed per segment and language, suggested from a subject, and
kept by staff in the admin."""

import pytest
from django.utils import translation

from accounts.workspace import Workspace
from helpdesk.models import SelfHelpResource
from helpdesk.selfhelp import services as selfhelp
from tests.accounts.factories import StaffFactory

pytestmark = pytest.mark.django_db


def test_a_workspace_gets_its_segments_resources_in_its_language(world, resources):
    home = Workspace(user=world.home_user)
    # Knowledge base first, then the Community, then courses.
    assert selfhelp.resources_for(home, "en") == [resources.home_kb, resources.home_community]
    # Malay: the Malay knowledge base replaces the English one; the Community has no Malay
    # entry, so the English one stays.
    assert selfhelp.resources_for(home, "ms") == [resources.home_kb_ms,
                                                  resources.home_community]
    assert selfhelp.resources_for(world.acme_admin_ws, "en") == [resources.business_kb]


def test_a_subject_suggests_matching_resources(world, resources):
    home = Workspace(user=world.home_user)
    assert selfhelp.suggest("My SCANNING freezes!", home, "en") == [resources.home_kb]
    assert selfhelp.suggest("Imbasan berhenti", home, "ms") == [resources.home_kb_ms]
    assert selfhelp.suggest("agent cannot connect", world.acme_admin_ws, "en") == [
        resources.business_kb]
    assert selfhelp.suggest("an of it", home, "en") == []  # no word long enough
    assert selfhelp.suggest("", home, "en") == []
    assert resources.unlisted not in selfhelp.suggest("scan", home, "en")


def test_the_suggestions_endpoint_answers_htmx_with_a_fragment(client, world, resources):
    client.force_login(world.home_user)
    response = client.get("/my/requests/new/suggestions/", {"subject": "scan stops"},
                          HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "<html" not in body and resources.home_kb.url in body
    assert "HX-Request" in response["Vary"]
    page = client.get("/my/requests/new/suggestions/", {"subject": "scan stops"})
    assert "<html" in page.content.decode() and resources.home_kb.url in page.content.decode()
    empty = client.get("/my/requests/new/suggestions/", {"subject": "x" * 5000},
                       HTTP_HX_REQUEST="true")
    assert empty.status_code == 200 and "<li>" not in empty.content.decode()


def test_without_javascript_the_form_suggests_after_a_check(client, world, resources):
    client.force_login(world.home_user)
    body = client.post("/my/requests/new/", {"action": "check",
                                             "subject": "The scan freezes"}).content.decode()
    assert resources.home_kb.url in body


def test_the_dashboards_list_self_help_and_mark_other_languages(client, world, resources):
    client.force_login(world.home_user)
    body = client.get("/my/").content.decode()
    assert resources.home_kb.url in body and resources.business_kb.url not in body
    client.force_login(world.acme_admin)
    body = client.get("/company/acme/").content.decode()
    assert resources.business_kb.url in body and resources.home_kb.url not in body
    world.home_user.language = "ms"
    world.home_user.save()
    client.force_login(world.home_user)
    body = client.get("/my/").content.decode()
    assert resources.home_kb_ms.url in body
    assert f'href="{resources.home_community.url}" rel="noopener noreferrer" hreflang="en" ' \
           f'lang="en"' in body


def test_staff_keep_resources_in_the_admin(client, resources):
    client.force_login(StaffFactory())
    with translation.override("en"):
        page = client.get("/admin/helpdesk/selfhelpresource/?q=scan")
        assert page.status_code == 200 and "Scan stops or freezes" in page.content.decode()
        assert client.get("/admin/helpdesk/selfhelpresource/add/").status_code == 200
        response = client.post("/admin/helpdesk/selfhelpresource/", {
            "action": "unlist_resources", "_selected_action": [resources.home_kb.pk]},
            follow=True)
    assert "1 resource is no longer listed." in response.content.decode()
    assert not SelfHelpResource.objects.get(pk=resources.home_kb.pk).is_active
