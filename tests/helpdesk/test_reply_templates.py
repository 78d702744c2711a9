"""Reply templates: named texts in English and Malay with placeholders, offered on the work
page for the request's category, filled in the customer's language; a template's action is
prepared in its work form and goes through the same service as the button."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from helpdesk import demo
from helpdesk.models import ReplyTemplate, SupportRequest
from helpdesk.replies import rendering
from helpdesk.requests import lifecycle, timeline

from .factories import category
from .test_sla_due import malaysia_calendar

pytestmark = pytest.mark.django_db
Action = ReplyTemplate.Action


def change_url(sr):
    return reverse("admin:helpdesk_supportrequest_change", args=[sr.pk])


@pytest.fixture
def malay_customer(world):
    world.home_user.language = "ms"
    world.home_user.full_name = "Siti Aminah"
    world.home_user.save()
    return world.home_user


def template(**fields):
    values = {"name": "Ask for logs", "name_ms": "Minta log",
              "body": "Hello {customer_name}, send logs for {reference} ({product} {version}).",
              "body_ms": "Salam {customer_name}, hantar log untuk {reference}.",
              "action": Action.REPLY, **fields}
    return ReplyTemplate.objects.create(**values)


def test_filled_in_the_customers_language_with_every_placeholder(world, malay_customer,
                                                                  file_request):
    malaysia_calendar(segment="home")
    sr = file_request(malay_customer)
    filled = rendering.fill(template(body_ms=(
        "Salam {customer_name}: {reference}, {product} {version}, fasal {clause} "
        "{clause_link}, waktu {support_hours}, {agent_name}, {unknown}"),
        clause="4.2.5"), sr, agent=world.agent)
    assert filled.language == "ms"
    assert filled.text.startswith(f"Salam Siti: {sr.reference}, Home Premium 21.21, fasal 4.2.5 "
                                  "http://127.0.0.1:8000/rules/#clause-4.2.5, waktu ")
    # The hours in Malay, on the customer's clock; an unknown name stays as typed.
    assert "Isnin \u2013 Jumaat 09:00\u201318:00 (Asia/Kuala_Lumpur)" in filled.text
    assert filled.text.endswith(", Amir, {unknown}")


def test_english_when_the_template_has_no_malay_text(world, malay_customer, file_request):
    sr = file_request(malay_customer)
    filled = rendering.fill(template(body_ms=" "), sr, agent=world.agent)
    assert filled.language == "en" and filled.text.startswith("Hello Siti, send logs for")


def test_an_unknown_placeholder_or_a_rejection_without_a_clause_is_refused():
    with pytest.raises(ValidationError) as refused:
        ReplyTemplate(name="x", body="Hi {customer}", action=Action.REJECT,
                      clause="9.9").full_clean()
    assert set(refused.value.message_dict) == {"body", "clause"}
    with pytest.raises(ValidationError) as refused:
        ReplyTemplate(name="x", body="Run it", action=Action.REQUEST_UTILITY).full_clean()
    assert "utility" in refused.value.message_dict


def test_the_work_page_offers_the_templates_of_the_requests_category(world, client, file_request):
    sr = file_request()
    general = template(name="General")
    template(name="For samples", category=category("false_positive"))
    template(name="Retired", is_active=False)
    client.force_login(world.agent)
    html = client.get(change_url(sr)).content.decode()
    assert f'<option value="{general.pk}">General</option>' in html
    assert "For samples" not in html and "Retired" not in html


def test_picking_a_template_fills_the_reply_in_malay(world, client, malay_customer,
                                                    file_request):
    sr = file_request(malay_customer)
    picked = template()
    client.force_login(world.agent)
    page = client.get(change_url(sr), {"template": picked.pk})
    assert page.context["reply_form"].initial["body"] == (
        f"Salam Siti, hantar log untuk {sr.reference}.")
    assert "filled in Malay" in page.content.decode()
    # An id of nothing, or of a template that does not fit, is ignored.
    for raw in ("999999", "abc", "1" * 40):
        assert client.get(change_url(sr), {"template": raw}).status_code == 200


def test_a_templates_action_is_prepared_then_confirmed_through_the_service(
        world, client, malay_customer, file_request, run_outbox):
    sr = file_request(malay_customer)
    reject = template(action=Action.REJECT, clause="4.2.7",
                      body_ms="Soalan aplikasi pihak ketiga tidak diliputi (fasal {clause}).")
    client.force_login(world.agent)
    page = client.get(change_url(sr), {"template": reject.pk})
    [form] = [w for w in page.context["work_forms"] if w["name"] == "reject"]
    assert form["prefilled"] and form["form"].initial == {
        "clause": "4.2.7",
        "reason": "Soalan aplikasi pihak ketiga tidak diliputi (fasal 4.2.7)."}
    assert '<details class="desk-work-form" id="work-reject" open>' in page.content.decode()
    run_outbox().clear()
    client.post(change_url(sr), {"_work": "reject", "reject-clause": "4.2.7",
                                 "reject-reason": form["form"].initial["reason"]})
    sr.refresh_from_db()
    assert sr.status == SupportRequest.Status.REJECTED and sr.rejection_clause == "4.2.7"
    assert timeline.lines(sr.timeline.select_related("actor"))[-1].text.endswith(
        "rejected the request under clause 4.2.7")
    [mail] = run_outbox()
    assert "fasal 4.2.7" in mail.body


def test_supervisors_manage_templates_and_agents_only_read_them(world, client):
    add = reverse("admin:helpdesk_replytemplate_add")
    data = {"name": "Thanks", "name_ms": "Terima kasih", "body": "Thank you, {customer_name}.",
            "body_ms": "", "action": "reply", "clause": "", "utility": "",
            "utility_url": "", "position": 0, "is_active": "on"}
    client.force_login(world.agent)
    assert client.get(reverse("admin:helpdesk_replytemplate_changelist")).status_code == 200
    assert client.post(add, data).status_code == 403
    client.force_login(world.supervisor)
    assert client.post(add, {**data, "body": "Hi {nobody}"}).status_code == 200  # refused
    assert client.post(add, data).status_code == 302
    saved = ReplyTemplate.objects.get(name="Thanks")
    assert saved.updated_by == world.supervisor


def test_the_demo_set_is_made_once_and_keeps_staff_edits(db):
    assert demo._reply_templates() == len(demo.REPLY_TEMPLATES)
    logs = ReplyTemplate.objects.get(code="demo-ask-for-logs")
    logs.body = "Edited by a supervisor."
    logs.save()
    mine = ReplyTemplate.objects.create(name="Staff's own", body="Hello")
    assert demo._reply_templates() == 0
    logs.refresh_from_db()
    assert logs.body == "Edited by a supervisor."
    assert ReplyTemplate.objects.filter(pk=mine.pk).exists()
    for row in ReplyTemplate.objects.exclude(pk=mine.pk):
        row.full_clean()  # every placeholder known, every rejection with its clause
        assert row.body_ms
    codes = dict(ReplyTemplate.objects.values_list("code", "clause"))
    assert codes["demo-version-end-of-support"] == "4.3.2"
    assert codes["demo-not-covered-remote-session"].startswith("4.2.")


def test_a_template_whose_action_no_longer_applies_gives_its_text_as_a_reply(world, client,
                                                                              file_request):
    sr = file_request()
    lifecycle.resolve_request(sr, by=world.agent)
    ask = template(action=Action.REQUEST_INFORMATION)
    client.force_login(world.agent)
    page = client.get(change_url(sr), {"template": ask.pk})
    assert page.context["reply_form"].initial["body"].startswith("Hello ")
    assert "does not apply to this request now" in page.content.decode()
