"""The test world (tests/world.py) with, for each customer, what they own, made through
the services: requests with messages and files, a pending survey,
a quote, a licence, an API token, memberships and invitations.

Every object is listed in `world.objects` with the customers who may reach it, so a test
can ask everyone else to open it.
"""

from dataclasses import dataclass, field
from types import SimpleNamespace

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts import services as account_services
from accounts.models import Membership
from accounts.workspace import Workspace, resolve_workspace
from feedback import tokens
from feedback.models import FeedbackRequest, Survey
from helpdesk.requests import files, filing, lifecycle
from licensing.models import OperatingSystem, RequestCategory
from tests.licensing.factories import LicenceFactory, QuoteRequestFactory
from tests.world import build_world


@dataclass
class Owned:
    """One object, the workspace it lives in ("my" or a company slug) and who reaches it."""

    kind: str
    obj: object
    workspace: str
    reach: set = field(default_factory=set)
    owner: object = None


def _company_users(company) -> set:
    return {m.user for m in Membership.objects.filter(company=company).select_related("user")}


def _company_admins(company) -> set:
    return {m.user for m in Membership.objects.filter(company=company, role="admin")
            .select_related("user")}


def build_owned_world(**names) -> SimpleNamespace:
    """The test world and, for each customer, what they own. `names` may override what
    people and companies are called and what they write (for the text tests)."""
    w = build_world(full_name=names.get("full_name"),
                    company_name=names.get("company_name", "Acme"))
    w.objects = []
    w.customers = [w.home_user, w.other_home, w.acme_admin, w.acme_member, w.acme_member2,
                   w.globex_admin]
    w.home_licence = LicenceFactory(product=w.home_product, home_user=w.home_user,
                                    plan=w.standard)
    w.objects += [
        Owned("licence", w.acme_licence, "acme", _company_users(w.acme), w.acme_admin),
        Owned("licence", w.globex_licence, "globex", _company_users(w.globex),
              w.globex_admin),
        Owned("licence", w.home_licence, "my", {w.home_user}, w.home_user),
    ]
    for company, admin in ((w.acme, w.acme_admin), (w.globex, w.globex_admin)):
        w.objects.append(Owned("company", company, company.slug, _company_users(company),
                               admin))
        for membership in Membership.objects.filter(company=company):
            w.objects.append(Owned("membership", membership, company.slug,
                                   _company_users(company), admin))

    subject = names.get("subject", "The scan stops halfway")
    body = names.get("message", "It stops at 40 per cent, every time.")
    w.requests = {}
    malfunction = RequestCategory.objects.get(code="malfunction")
    for user, slug in ((w.home_user, "my"), (w.other_home, "my"), (w.acme_member, "acme"),
                       (w.acme_admin, "acme"), (w.globex_admin, "globex")):
        workspace = Workspace(user=user) if slug == "my" else resolve_workspace(user, slug)
        product, version = ((w.home_product, w.home_v) if slug == "my"
                            else (w.biz, w.biz_v))
        support_request = filing.file_request(filing.RequestIntake.of(
            workspace=workspace, category=malfunction, subject=subject,
            description=body, product=product, version=version, os=OperatingSystem.WINDOWS,
            os_version="11"), by=user)
        lifecycle.add_reply(support_request, by=user, body=body)
        lifecycle.add_reply(support_request, by=w.agent, body="Please run the quick scan.")
        attachment = files.upload_attachment(
            support_request, by=user,
            file=SimpleUploadedFile(names.get("file_name", "scan.log"), b"scan log\n"))
        reach = {user} | (_company_admins(workspace.company) if workspace.company else set())
        w.requests[user] = support_request
        w.objects += [
            Owned("request", support_request, slug, reach, user),
            Owned("attachment", attachment, slug, reach, user),
        ]
        # A resolved one with its survey waiting.
        resolved = filing.file_request(filing.RequestIntake.of(
            workspace=workspace, category=malfunction, subject=subject,
            description=body, product=product, version=version, os=OperatingSystem.WINDOWS,
            os_version="11"), by=user)
        resolved = lifecycle.resolve_request(resolved, by=w.agent, note="Fixed.")
        survey_request = FeedbackRequest.objects.create(
            survey=Survey.objects.get(code=Survey.POST_RESOLUTION), support_request=resolved,
            user=user, company=resolved.company, segment=resolved.segment,
            sent_at=timezone.now(), expires_at=timezone.now() + tokens.answer_max_age())
        w.objects += [
            Owned("request", resolved, slug, reach, user),
            Owned("survey", survey_request, slug, reach, user),
        ]
        quote = QuoteRequestFactory(requester=user, company=workspace.company,
                                    message=names.get("message", "Please quote."))
        w.objects.append(Owned("quote", quote, slug, reach, user))
        token, _key = account_services.create_api_token(user, name="script")
        w.objects.append(Owned("token", token, "my", {user}, user))
    w.invitation, w.invitation_token = account_services.invite_member(
        company=w.acme, email="new@example.org", role="member", by=w.acme_admin)
    # Only a company's administrators see and change its invitations.
    w.objects.append(Owned("invitation", w.invitation, "acme", {w.acme_admin}, w.acme_admin))
    return w
