"""The staff's work list: "my work" by default, category titles, due times as countdowns
sortable by due, the customer's email, company and activation code as filters, bulk
actions through the services (one timeline line per request) offered only where they
apply, and a constant number of queries."""

import re
from datetime import timedelta

import pytest
from django.contrib.admin import helpers
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import AuditEvent
from helpdesk.models import SupportRequest
from helpdesk.requests import admin_bulk, lifecycle, timeline
from tests.accounts.factories import StaffFactory

from .factories import QueueFactory, SupportRequestFactory, category

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/helpdesk/supportrequest/"
Status = SupportRequest.Status


@pytest.fixture
def desk(client, world):
    client.force_login(world.agent)
    return client


def listed(client, **params) -> list[str]:
    response = client.get(CHANGELIST, params)
    assert response.status_code == 200
    return [sr.reference for sr in response.context["cl"].result_list]


def test_my_work_by_default_all_requests_on_request(world, desk, file_request):
    in_my_queue = file_request()
    mine_elsewhere = file_request(world.acme_member, world.acme_member_ws)
    other_queue = QueueFactory(name="Elsewhere")
    mine_elsewhere.queue = other_queue
    mine_elsewhere.assignee = world.agent
    mine_elsewhere.save()
    not_mine = file_request(world.acme_member, world.acme_member_ws)
    not_mine.queue = other_queue
    not_mine.save()
    done = file_request()
    lifecycle.resolve_request(done, by=world.agent)
    assert set(listed(desk)) == {in_my_queue.reference, mine_elsewhere.reference}
    assert set(listed(desk, view="all")) == {r.reference for r in (in_my_queue, mine_elsewhere,
                                                                     not_mine, done)}
    # Any other filter looks at every request, unless "my work" is asked for too.
    assert listed(desk, status="resolved") == [done.reference]
    assert listed(desk, status="resolved", view="mine") == []
    assert desk.get(CHANGELIST).context["title"] == "My work"


def test_rows_read_at_a_glance(world, desk, file_request):
    sr = file_request(world.acme_member, world.acme_member_ws, code="howto_download")
    html = desk.get(CHANGELIST).content.decode()
    assert "How and where to download the software" in html and ">howto_download<" not in html
    assert f">{world.acme_member.get_full_name()} · Acme<" in html
    assert f'href="/admin/helpdesk/supportrequest/{sr.pk}/change/"' in html


def test_due_times_count_down_coloured_and_sort_nulls_last(world, desk, at):
    now = at(timezone.now().replace(second=0, microsecond=0))
    soon = SupportRequestFactory(requester=world.home_user, queue=world.queues["home"],
                                 status=Status.OPEN, sla_state="at_risk",
                                 next_response_due=now + timedelta(minutes=90))
    late = SupportRequestFactory(requester=world.home_user, queue=world.queues["home"],
                                 status=Status.OPEN, sla_state="on_track",
                                 resolution_due=now - timedelta(minutes=40))
    later = SupportRequestFactory(requester=world.home_user, queue=world.queues["home"],
                                  status=Status.NEW, sla_state="on_track",
                                  first_response_due=now + timedelta(days=3, hours=2))
    waiting = SupportRequestFactory(requester=world.home_user, queue=world.queues["home"],
                                    status=Status.WAITING_ON_CUSTOMER,
                                    resolution_due=now - timedelta(days=1))
    standard = SupportRequestFactory(requester=world.home_user, queue=world.queues["home"])
    response = desk.get(CHANGELIST)
    html = response.content.decode()
    assert re.search(r'class="desk-due desk-due-risk"[^>]*>in 1 h 30 min<', html)
    assert re.search(r'class="desk-due desk-due-late"[^>]*>40 min overdue<', html)
    assert re.search(r'class="desk-due desk-due-ok"[^>]*>in 3 d 2 h<', html)
    column = response.context["cl"].list_display.index("due_cell")
    ordered = listed(desk, o=str(column))
    assert ordered[:3] == [late.reference, soon.reference, later.reference]
    assert set(ordered[3:]) == {waiting.reference, standard.reference}


def test_text_filters_for_the_customer_the_company_and_the_activation_code(world, desk,
                                                                          file_request):
    home = file_request()
    acme = file_request(world.acme_member, world.acme_member_ws)
    globex = file_request(world.globex_admin, world.globex_ws)
    assert listed(desk, customer=world.home_user.email.upper()) == [home.reference]
    assert listed(desk, customer="@acme.example") == [acme.reference]
    assert listed(desk, company="glob") == [globex.reference]
    assert listed(desk, company="acme") == [acme.reference]
    assert listed(desk, code=world.globex_licence.key.lower()) == [globex.reference]
    assert AuditEvent.objects.filter(action="licence.key_lookup", actor=world.agent).exists()
    assert listed(desk, code="not a key at all") == []
    page = desk.get(CHANGELIST, {"company": "acme", "q": "scan"}).content.decode()
    # Each typed filter keeps the others in its form.
    assert '<input type="hidden" name="q" value="scan">' in page


def bulk(client, action, requests, **data):
    # Posted, as the list does, to the list's own address with its filters.
    return client.post(f"{CHANGELIST}?view=all", {"action": action, "index": 0, "select_across": 0,
                                    helpers.ACTION_CHECKBOX_NAME: [r.pk for r in requests],
                                    **data}, follow=True)


def new_lines(sr, before: int) -> list[str]:
    lines = timeline.lines(sr.timeline.select_related("actor").order_by("created_at", "pk"))
    return [line.text + "".join(f" · {c}" for c in line.changes) for line in lines[before:]]


@pytest.mark.parametrize(("action", "data", "check", "line"), [
    ("assign_selected", lambda world: {"assignee": world.supervisor.pk},
     lambda sr, world: sr.assignee == world.supervisor,
     "assigned the request to boss@example.org · New → Open"),
    ("move_to_queue", lambda world: {"queue": world.queues["small_business"].pk},
     lambda sr, world: sr.queue == world.queues["small_business"],
     "moved the request from Default home to Default small_business"),
    ("change_priority", lambda world: {"priority": "high"},
     lambda sr, world: sr.priority == "high", "changed the priority from Normal to High"),
    ("resolve_selected", lambda world: {"note": "Fixed in 21.22."},
     lambda sr, world: sr.status == Status.RESOLVED, "resolved the request · New → Resolved"),
    ("reject_selected", lambda world: {"clause": "4.2.7", "reason": "Another vendor's app."},
     lambda sr, world: sr.rejection_clause == "4.2.7",
     "rejected the request under clause 4.2.7 · New → Rejected"),
])
def test_bulk_actions_ask_then_go_through_the_services(world, desk, file_request, action, data,
                                                      check, line):
    requests = [file_request(), file_request()]
    before = [len(timeline.lines(sr.timeline.all())) for sr in requests]
    asked = bulk(desk, action, requests)
    assert asked.status_code == 200 and asked.templates[0].name.endswith("bulk_action.html")
    for sr in requests:
        assert sr.reference in asked.content.decode()
    done = bulk(desk, action, requests, apply="1", **data(world))
    assert done.redirect_chain and done.status_code == 200
    for sr, count in zip(requests, before, strict=True):
        sr.refresh_from_db()
        assert check(sr, world)
        assert new_lines(sr, count) == [f"Amir Agent {line}"]


def test_a_bulk_action_reports_each_refusal_and_does_the_rest(world, desk, file_request):
    open_one, closed = file_request(), file_request()
    lifecycle.resolve_request(closed, by=world.agent)
    lifecycle.close_request(closed, by=world.agent)
    response = bulk(desk, "resolve_selected", [open_one, closed], apply="1", note="")
    texts = [str(m) for m in response.context["messages"]]
    assert "1 request resolved." in texts
    assert any(t.startswith(f"{closed.reference}: ") for t in texts)


def test_too_many_at_once_is_refused(world, desk, file_request, monkeypatch):
    monkeypatch.setattr(admin_bulk, "BULK_LIMIT", 1)
    requests = [file_request(), file_request()]
    response = bulk(desk, "assign_to_me", requests)
    assert any("at most 1" in str(m) for m in response.context["messages"])
    assert not SupportRequest.objects.filter(assignee=world.agent).exists()


def test_an_invalid_answer_asks_again(world, desk, file_request):
    sr = file_request()
    response = bulk(desk, "reject_selected", [sr], apply="1", clause="9.9", reason="")
    assert response.status_code == 200 and response.context["form"].errors
    sr.refresh_from_db()
    assert sr.status == Status.NEW


def actions(client, **params) -> set[str]:
    form = client.get(CHANGELIST, params).context["action_form"]
    return set() if form is None else {name for name, _label in
                                       form.fields["action"].choices if name}


def test_actions_show_only_where_they_apply(world, desk):
    everything = actions(desk)
    assert {"assign_selected", "resolve_selected", "reject_selected", "close_selected",
            "move_to_queue", "change_priority"} <= everything
    assert actions(desk, status="closed") == set()
    assert actions(desk, status="resolved") == {"assign_to_me", "assign_selected",
                                                "move_to_queue", "close_selected"}
    assert "close_selected" not in actions(desk, status="working")


def list_queries(client, **params) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(CHANGELIST, params).status_code == 200
    return len(queries)


@pytest.mark.parametrize("params", [{}, {"view": "all"}, {"q": "problem"},
                                    {"customer": "x@example.org", "company": "acme"}])
def test_the_list_costs_the_same_queries_for_1_and_40_rows(world, desk, params):
    def make():
        return SupportRequestFactory(requester=world.home_user, queue=world.queues["home"],
                                     category=category("howto_download"))

    make()
    list_queries(desk, **params)
    one = list_queries(desk, **params)
    for n in range(40):
        sr = make()
        if n % 2:
            sr.assignee = world.agent
            sr.save()
    assert list_queries(desk, **params) == one <= 15


def test_the_app_list_has_one_accounts_section_and_the_helpdesk_first(world, client):
    client.force_login(StaffFactory())
    apps = client.get("/admin/").context["app_list"]
    labels = [app["app_label"] for app in apps]
    assert labels[0] == "helpdesk" and "account" not in labels
    [accounts] = [app for app in apps if app["app_label"] == "accounts"]
    assert "Email addresses" in [str(model["name"]) for model in accounts["models"]]
    assert client.get("/admin/account/").status_code == 200


def test_a_long_list_counts_up_to_a_cap(world, desk, monkeypatch):
    from helpdesk.requests import admin_list

    monkeypatch.setattr(admin_list, "COUNT_CAP", 3)
    for _n in range(5):
        SupportRequestFactory(requester=world.home_user, queue=world.queues["home"])
    response = desk.get(CHANGELIST)
    assert response.context["cl"].result_count == 4
    assert "More than 3 support requests" in response.content.decode()
