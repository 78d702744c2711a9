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


def test_a_home_request_is_filed_with_its_rules_decision_and_email(hd, file_request,
                                                                   run_outbox):
    sr = file_request()
    assert re.fullmatch(rf"INC-{timezone.now().year}-\d{{6}}", sr.reference)
    assert sr.status == SupportRequest.Status.NEW
    assert (sr.home_user, sr.company, sr.requester) == (hd.home_user, None, hd.home_user)
    assert sr.rule_set == hd.rules
    assert sr.decision["eligible"] is True and sr.decision["clause"] is None
    assert sr.plan.code == "standard" and sr.queue == hd.queues["home"]
    # Standard Support: no targets (3.3).
    assert sr.first_response_due is None and sr.sla_state is None
    assert kinds(sr) == ["filed"]
    [mail] = run_outbox()
    assert mail.to == [hd.home_user.email]
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


def test_a_business_request_takes_the_licence_and_its_plan(hd, file_request):
    sr = file_request(hd.globex_admin, hd.globex_ws)
    assert sr.company == hd.globex and sr.home_user is None
    assert sr.licence == hd.globex_licence and sr.plan == hd.premium
    assert sr.segment == "medium_large_business"


def test_a_refused_request_is_not_created_and_the_refusal_is_recorded(hd, file_request):
    with pytest.raises(Refused) as refused:
        file_request(product=hd.free, version=hd.free_v)
    assert refused.value.decision.clause == "4.5a"
    assert not SupportRequest.objects.exists()
    assert AuditEvent.objects.filter(action="eligibility.refused").count() == 1


def test_an_out_of_scope_topic_is_refused_with_its_clause(hd, file_request):
    with pytest.raises(Refused) as refused:
        file_request(code="oos_4_2_5")
    assert refused.value.decision.clause == "4.2.5"


def test_an_unverified_company_cannot_file(hd, file_request):
    hd.acme.is_verified = False
    hd.acme.save()
    with pytest.raises(WorkspaceNotVerified, match="not verified"):
        file_request(hd.acme_admin, hd.acme_admin_ws)
    assert not SupportRequest.objects.exists()


def test_staff_file_for_a_customer_on_the_phone_under_the_same_rules(hd, file_request,
                                                                      run_outbox):
    workspace = filing.customer_workspace(hd.acme_member, hd.acme)
    sr = file_request(hd.acme_member, workspace, by=hd.agent)
    assert (sr.requester, sr.filed_by, sr.company) == (hd.acme_member, hd.agent, hd.acme)
    assert [m.to for m in run_outbox()] == [[hd.acme_member.email]]
    with pytest.raises(Refused):
        file_request(hd.home_user, by=hd.agent, product=hd.free, version=hd.free_v)


def test_only_staff_file_for_someone_else(hd, file_request):
    with pytest.raises(NotAllowed):
        file_request(hd.acme_member, hd.acme_member_ws, by=hd.acme_member2)
    with pytest.raises(NotAllowed):
        filing.customer_workspace(hd.home_user, hd.acme)


def test_routes_send_a_category_to_its_queue(hd, file_request):
    lab = QueueFactory(name="Virus lab")
    QueueRoute.objects.create(queue=lab, category=category("undetected_malware"), segment="")
    assert file_request(code="undetected_malware").queue == lab
    assert file_request(hd.acme_admin, hd.acme_admin_ws, code="undetected_malware").queue == lab
    assert file_request().queue == hd.queues["home"]


def test_consultation_needs_no_product(hd, file_request):
    sr = file_request(code="howto_download")
    assert sr.product is None and sr.os == ""
