import re

import pytest
from django.utils import timezone

from accounts.errors import NotAllowed
from accounts.models import AuditEvent
from helpdesk.models import QueueRoute, SupportRequest
from helpdesk.requests import filing
from helpdesk.requests.filing import WorkspaceNotVerified
from licensing.eligibility import Refused

from .conftest import kinds
from .factories import QueueFactory, category

pytestmark = pytest.mark.django_db


def test_a_home_request_is_filed_with_its_rules_decision_and_email(world, file_request,
                                                                   run_outbox):
    sr = file_request()
    assert re.fullmatch(rf"INC-{timezone.now().year}-\d{{6}}", sr.reference)
    assert sr.status == SupportRequest.Status.NEW
    assert (sr.home_user, sr.company, sr.requester) == (world.home_user, None, world.home_user)
    assert sr.rule_set == world.rules
    assert sr.decision["eligible"] is True and sr.decision["clause"] is None
    assert sr.plan.code == "standard" and sr.queue == world.queues["home"]
    # Standard Support: no targets (3.3).
    assert sr.first_response_due is None and sr.sla_state is None
    assert kinds(sr) == ["filed"]
    [mail] = run_outbox()
    assert mail.to == [world.home_user.email]
    assert sr.reference in mail.subject
    assert sr.portal_path in mail.body
    assert mail.alternatives[0][1] == "text/html"


def test_a_reference_is_its_year_and_six_digit_number():
    assert filing.format_reference(2026, 42) == "INC-2026-000042"
    assert filing.format_reference(2027, 999_999) == "INC-2027-999999"


def test_references_count_up_within_the_year(file_request):
    first, second = file_request(), file_request()
    number = int(first.reference.rsplit("-", 1)[1])
    assert second.reference.endswith(f"-{number + 1:06d}")


def test_a_business_request_takes_the_licence_and_its_plan(world, file_request):
    sr = file_request(world.globex_admin, world.globex_ws)
    assert sr.company == world.globex and sr.home_user is None
    assert sr.licence == world.globex_licence and sr.plan == world.premium
    assert sr.segment == "medium_large_business"


def test_a_refused_request_is_not_created_and_the_refusal_is_recorded(world, file_request):
    with pytest.raises(Refused) as refused:
        file_request(product=world.free, version=world.free_v)
    assert refused.value.decision.clause == "4.5a"
    assert not SupportRequest.objects.exists()
    assert AuditEvent.objects.filter(action="eligibility.refused").count() == 1


def test_an_out_of_scope_topic_is_refused_with_its_clause(world, file_request):
    with pytest.raises(Refused) as refused:
        file_request(code="oos_4_2_5")
    assert refused.value.decision.clause == "4.2.5"


def test_an_unverified_company_cannot_file(world, file_request):
    world.acme.is_verified = False
    world.acme.save()
    with pytest.raises(WorkspaceNotVerified, match="not verified"):
        file_request(world.acme_admin, world.acme_admin_ws)
    assert not SupportRequest.objects.exists()


def test_staff_file_for_a_customer_on_the_phone_under_the_same_rules(world, file_request,
                                                                      run_outbox):
    workspace = filing.customer_workspace(world.acme_member, world.acme)
    sr = file_request(world.acme_member, workspace, by=world.agent)
    assert (sr.requester, sr.filed_by, sr.company) == (world.acme_member, world.agent, world.acme)
    assert [m.to for m in run_outbox()] == [[world.acme_member.email]]
    with pytest.raises(Refused):
        file_request(world.home_user, by=world.agent, product=world.free, version=world.free_v)


def test_only_staff_file_for_someone_else(world, file_request):
    with pytest.raises(NotAllowed):
        file_request(world.acme_member, world.acme_member_ws, by=world.acme_member2)
    with pytest.raises(NotAllowed):
        filing.customer_workspace(world.home_user, world.acme)


def test_routes_send_a_category_to_its_queue(world, file_request):
    lab = QueueFactory(name="Virus lab")
    QueueRoute.objects.create(queue=lab, category=category("undetected_malware"), segment="")
    assert file_request(code="undetected_malware").queue == lab
    assert file_request(world.acme_admin, world.acme_admin_ws,
                        code="undetected_malware").queue == lab
    assert file_request().queue == world.queues["home"]


def test_consultation_needs_no_product(world, file_request):
    sr = file_request(code="howto_download")
    assert sr.product is None and sr.os == ""
