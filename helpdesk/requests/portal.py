"""The customer portals' request pages: `/my/requests/...` and `/company/<slug>/requests/...`.

Every page starts from `SupportRequest.objects.visible_to(user, workspace)`:
a request of another workspace, or one a company member did not file, is simply not in
the queryset, so it answers 404 for every URL and method, before any form is read. Every
change is one service call of `helpdesk.requests`; these views only translate forms into
calls and refusals into messages next to the fields.

Each page runs a fixed number of queries whatever the number of rows (select_related /
prefetch, one COUNT for the pager); tests/portal/test_query_counts.py holds them to it.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Window
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.generic import TemplateView

from accounts.errors import DomainError
from accounts.forms import add_domain_error
from accounts.workspace import WorkspaceMixin, portal_url
from licensing import intake
from licensing.eligibility import Refused
from licensing.models import Licence, PaidServiceCode, Product, RequestCategory
from licensing.models import ProductSegment as Segment

from ..selfhelp import services as selfhelp
from ..sla import calendars, entitlements
from . import conditional, files, filing, lifecycle, listing, storage
from .conversation import public_conversation
from .files import file_response
from .filing import WorkspaceNotVerified
from .forms import NewRequestForm, ReplyForm, RequestFilterForm, UploadForm
from .models import Attachment, SupportRequest

PAGE_SIZE_HOME = 25
PAGE_SIZE_COMPANY = 50  # a company's list is busier; the benchmark measures this page size
DASHBOARD_ROWS = 5


def can_file(workspace) -> bool:
    """Whether to offer the form at all; `filing.file_request` still has the last word."""
    return workspace.is_home or workspace.company.is_verified


def visible_requests(user, workspace):
    """The requests this person sees in this workspace: the one scoping rule of the
    portal (a company admin sees all of the company's, a member their own)."""
    return SupportRequest.objects.visible_to(user, workspace)


def decision_view(decision, workspace, category=None) -> dict:
    """A decision as the page shows it: the quote form is linked for paid services (5.1),
    prefilled with the service, the topic and the clause; the free routes of 2.1 link to
    the workspace's self-help."""
    offers = []
    for offer in decision.offers:
        quote_url = ""
        if offer.is_paid:
            query = {"service": offer.code, "clause": decision.clause or ""}
            if category is not None:
                query["category"] = category.code
            quote_url = f"{portal_url('licensing:quote-new', workspace)}?{urlencode(query)}"
        offers.append({"code": offer.code, "name": offer.name, "url": offer.url,
                       "detail": offer.detail, "quote_url": quote_url})
    unavailable = ""
    if (category is not None and not category.in_scope and category.paid_service
            and not any(offer.is_paid for offer in decision.offers)):
        # The topic has a paid service, but not in this country (5.2): say so, rather
        # than leave the customer wondering why it is not offered.
        unavailable = str(PaidServiceCode(category.paid_service).label)
    return {"eligible": decision.eligible, "clause": decision.clause,
            "reason": decision.reason, "offers": offers, "unavailable_service": unavailable}


class PortalMixin(WorkspaceMixin):
    def visible_requests(self):
        return visible_requests(self.request.user, self.workspace)

    def url(self, name: str, **kwargs) -> str:
        return portal_url(name, self.workspace, **kwargs)

    def check_reach(self) -> None:
        """Raise Http404 if the object the URL names is out of reach (pages of one object
        override it)."""

    def http_method_not_allowed(self, request, *args, **kwargs):
        # A wrong method on somebody else's request is 404 like every other method, so
        # the answer never tells that the reference exists.
        self.check_reach()
        return super().http_method_not_allowed(request, *args, **kwargs)


# Panels of the workspace's start page (accounts.registry.WORKSPACE_DASHBOARD) ---------------

def dashboard_context(request, workspace, obj=None) -> dict:
    """Open requests, licences and self-help for the workspace's start page."""
    open_requests = visible_requests(request.user, workspace).active().order_by(
        "-created_at", "-pk")
    licences = (
        Licence.objects.visible_to(request.user).in_workspace(workspace)
        .select_related("product").order_by("-expires_on", "pk")
    )
    # The number of open requests rides along on the first rows (a window over the whole
    # filtered set, computed before the LIMIT): one query instead of a list and a COUNT,
    # as the start page also carries the support hours and the premium allowance.
    rows = list(open_requests.annotate(open_total=Window(Count("pk")))[:DASHBOARD_ROWS])
    return {
        "workspace": workspace,
        "open_requests": rows,
        "open_count": rows[0].open_total if rows else 0,
        "licences": list(licences[:DASHBOARD_ROWS]),
        "resources": selfhelp.resources_for(workspace),
        "can_file": can_file(workspace),
        "requests_url": portal_url("requests", workspace),
        "new_request_url": portal_url("request-new", workspace),
    }


def support_hours_context(request, workspace, obj=None) -> dict:
    """"Our support hours for you" (2.2) on the reader's clock, and a company's premium
    allowance (3.3)."""
    allowance = (entitlements.premium_allowance(workspace.company)
                 if workspace.company is not None else None)
    return {
        "hours": calendars.hours_for_workspace(workspace, request.user),
        "allowance": allowance,
        "contacts_url": portal_url("authorised-contacts", workspace) if allowance
        and allowance["contacts_limit"] is not None and workspace.is_admin else "",
    }


# The list ---------------------------------------------------------------------------------

class RequestListView(PortalMixin, TemplateView):
    template_name = "helpdesk/portal/request_list.html"

    def get(self, request, *args, **kwargs):
        form = RequestFilterForm(request.GET or None)
        requests = self.visible_requests().for_portal_list().order_by("-created_at", "-pk")
        valid = form.is_valid() if form.is_bound else True
        if form.is_bound and valid:
            requests = form.filter(requests)
        size = PAGE_SIZE_COMPANY if self.workspace.is_company else PAGE_SIZE_HOME
        page = Paginator(requests, size).get_page(request.GET.get("page"))
        rows = listing.list_rows(
            page.object_list,
            detail_url=lambda reference: self.url("request-detail", reference=reference))
        context = self.get_context_data(
            form=form, page=page, rows=rows, labels=listing.column_labels(),
            show_requester=self.workspace.is_company and self.workspace.is_admin,
            can_file=can_file(self.workspace), new_request_url=self.url("request-new"),
            filtered=bool(form.is_bound and valid and any(form.cleaned_data.values())))
        return self.render_to_response(context, status=200 if valid else 400)


# Filing -----------------------------------------------------------------------------------

class NewRequestMixin(PortalMixin):
    """The catalogue of the workspace's segment and the categories, read once a page."""

    def catalogue(self):
        segment = Segment.HOME if self.workspace.is_home else Segment.BUSINESS
        products = list(Product.objects.visible_to(self.request.user).filter(segment=segment)
                        .with_catalogue().order_by("name"))
        categories = list(RequestCategory.objects.visible_to(self.request.user)
                          .order_by("-in_scope", "position", "code"))
        return products, categories

    def make_form(self, data=None, *, check_only=False, initial=None):
        products, categories = self.catalogue()
        form = NewRequestForm(data, workspace=self.workspace, products=products,
                              categories=categories, check_only=check_only, initial=initial)
        check_url = self.url("request-check")
        for name in NewRequestForm.ELIGIBILITY_FIELDS:
            # htmx re-asks the server when one of these changes; without JavaScript the
            # "check" button does the same with a plain POST.
            form.fields[name].widget.attrs.update({"hx-get": check_url})
        form.fields["subject"].widget.attrs.update({
            "hx-get": self.url("request-suggestions"),
            "hx-trigger": "keyup changed delay:400ms, change",
            "hx-target": "#suggestions", "hx-include": "this",
        })
        return form

    def decision_for(self, form):
        """The decision on the form's eligibility block once it is complete, checked (and a
        refusal recorded) as the API's eligibility check does."""
        if form.facts is None:
            return None
        decision = intake.check(form.facts, by=self.request.user, http_request=self.request)
        return decision_view(decision, self.workspace, form.facts.category)

    def product_notes(self, form) -> dict:
        product, version = form.selected_product, form.selected_version
        return {"product": product, "version": version,
                "requirements": list(version.requirements.all()) if version else []}

    def page_context(self, form, *, decision=None, refusal=None, status_note=None):
        subject = form.data.get("subject", "") if form.is_bound else ""
        return {
            "workspace": self.workspace, "form": form, "decision": decision,
            "refusal": refusal, "status_note": status_note,
            "notes": self.product_notes(form),
            "suggestions": selfhelp.suggest(subject, self.workspace) if subject else [],
            "can_file": can_file(self.workspace),
            "requests_url": self.url("requests"),
            "action_url": self.url("request-new"),
        }


class RequestCreateView(NewRequestMixin, View):
    template_name = "helpdesk/portal/request_new.html"

    def get(self, request, *args, **kwargs):
        # A link may preselect the topic or product (e.g. the licences page points to
        # licence recovery, 4.1.3); anything unknown is just not preselected.
        initial = {name: request.GET.get(name, "")[:60]
                   for name in NewRequestForm.ELIGIBILITY_FIELDS if name in request.GET}
        form = self.make_form(initial=initial)
        return render(request, self.template_name, self.page_context(form))

    def post(self, request, *args, **kwargs):
        if request.POST.get("action") == "check":
            form = self.make_form(request.POST, check_only=True)
            form.is_valid()
            return render(request, self.template_name,
                          self.page_context(form, decision=self.decision_for(form)))

        form = self.make_form(request.POST)
        if not form.is_valid():
            return render(request, self.template_name,
                          self.page_context(form, decision=self.decision_for(form)),
                          status=400)
        try:
            support_request = filing.file_request(form.intake, by=request.user,
                                                  http_request=request)
        except Refused as refused:
            decision = decision_view(refused.decision, self.workspace, form.facts.category)
            return render(request, self.template_name,
                          self.page_context(form, decision=decision, refusal=True), status=422)
        except WorkspaceNotVerified as exc:
            return render(request, self.template_name,
                          self.page_context(form, status_note=exc.message), status=403)
        except DomainError as exc:
            add_domain_error(form, exc)
            return render(request, self.template_name, self.page_context(form), status=400)
        messages.success(request, _("Your request %(reference)s is registered. We will email "
                                    "you when support answers.") % {
            "reference": support_request.reference})
        return redirect(self.url("request-detail", reference=support_request.reference))


class EligibilityCheckView(NewRequestMixin, View):
    """htmx: the decision for the eligibility block as it stands, the notes on the chosen
    product and version, and, when the product changed, its versions (the notes and the
    version field are out-of-band swaps)."""

    def get(self, request, *args, **kwargs):
        if not request.htmx:
            # Without htmx this URL is only reached by hand: show the whole form instead.
            query = request.GET.urlencode()
            return HttpResponseRedirect(self.url("request-new") + (f"?{query}" if query else ""))
        form = self.make_form(request.GET, check_only=True)
        form.is_valid()
        trigger = request.htmx.trigger_name
        response = render(request, "helpdesk/portal/includes/check.html", {
            "form": form, "decision": self.decision_for(form),
            "notes": self.product_notes(form),
            # The version select is only replaced when the product changed: replacing the
            # select a person is working in would lose their place (and their focus).
            "swap_version": trigger == "product",
            "workspace": self.workspace,
        })
        patch_vary_headers(response, ("HX-Request",))
        return response


class SuggestionsView(PortalMixin, View):
    """Self-help that matches the subject typed so far (2.1): a fragment for htmx, a page
    of its own for a visitor without JavaScript."""

    def get(self, request, *args, **kwargs):
        subject = request.GET.get("subject", "")[:selfhelp.MAX_QUERY_LENGTH]
        context = {"workspace": self.workspace, "subject": subject,
                   "suggestions": selfhelp.suggest(subject, self.workspace),
                   "new_request_url": self.url("request-new")}
        template = ("helpdesk/portal/includes/suggestions.html" if request.htmx
                    else "helpdesk/portal/suggestions.html")
        response = render(request, template, context)
        patch_vary_headers(response, ("HX-Request",))
        return response


# One request ------------------------------------------------------------------------------

class RequestPageMixin(PortalMixin):
    template_name = "helpdesk/portal/request_detail.html"

    def get_request(self) -> SupportRequest:
        return get_object_or_404(self.visible_requests().for_detail(),
                                 reference=self.kwargs["reference"])

    def check_reach(self) -> None:
        if not self.visible_requests().filter(reference=self.kwargs["reference"]).exists():
            raise Http404

    def _may_open(self, other: SupportRequest | None) -> bool:
        """Linked requests (follow-up, merge) are only linked where this person may see
        them: a company member does not see a colleague's request."""
        if other is None:
            return False
        return self.workspace.is_admin or other.requester_id == self.request.user.pk

    def actions(self, support_request) -> list[dict]:
        """The links under the page, read once for its tag and its body."""
        if getattr(self, "_actions", (None,))[0] != support_request.pk:
            self._actions = (support_request.pk,
                             conditional.request_actions(self.workspace, support_request))
        return self._actions[1]

    def render_detail(self, support_request, *, reply_form=None, upload_form=None,
                      utility_forms=None, decision=None, status=200):
        conversation = public_conversation(
            support_request, self.request.user,
            file_url=lambda pk: self.url("request-file", reference=support_request.reference,
                                         pk=pk))
        names = conversation["names"]
        utility_requests = list(support_request.utility_requests.all())
        for utility_request in utility_requests:
            utility_request.output_name = names.get(utility_request.attachment_id, "")
        pending = [u for u in utility_requests if u.is_pending]
        utility_forms = utility_forms or {}
        for utility_request in pending:
            utility_request.form = utility_forms.get(utility_request.pk) or UploadForm(
                initial={"utility_request": utility_request.pk},
                auto_id=f"id_%s_utility{utility_request.pk}")
        plan = support_request.plan
        context = self.get_context_data(
            support_request=support_request, conversation=conversation["messages"],
            loose_files=conversation["loose_files"],
            utility_requests=utility_requests, pending_utilities=pending,
            flags=list(support_request.no_guarantee_flags.all()),
            show_due=bool(plan and plan.is_paid),
            reply_form=reply_form or ReplyForm(),
            upload_form=upload_form or UploadForm(auto_id="id_%s_general"),
            decision=decision, filed_decision=support_request.filed_decision,
            close_clauses=[c.strip() for c in support_request.close_clause.split(",")
                           if c.strip()],
            follows_up_url=self.url("request-detail",
                                    reference=support_request.follows_up.reference)
            if self._may_open(support_request.follows_up) else "",
            merged_into_url=self.url("request-detail",
                                     reference=support_request.merged_into.reference)
            if self._may_open(support_request.merged_into) else "",
            requests_url=self.url("requests"), actions=self.actions(support_request),
            reply_url=self.url("request-reply", reference=support_request.reference),
            upload_url=self.url("request-upload", reference=support_request.reference),
        )
        return self.render_to_response(context, status=status)


class RequestDetailView(RequestPageMixin, TemplateView):
    def get(self, request, *args, **kwargs):
        reference = self.kwargs["reference"]
        if request.headers.get("If-None-Match"):
            # The client holds a copy: answer 304 from the request's state alone if it is
            # still current.
            state = conditional.request_state_row(self.visible_requests(), reference=reference)
            if state is None:
                raise Http404
            if response := conditional.not_modified(request, self.etag(state)):
                return response
        support_request = get_object_or_404(
            conditional.with_last_event(self.visible_requests().for_detail()),
            reference=reference)
        return conditional.tagged(self.render_detail(support_request),
                                  self.etag(support_request))

    def etag(self, support_request) -> str:
        return conditional.page_etag(self.request, self.workspace, support_request,
                                     self.actions(support_request))


class ReplyView(RequestPageMixin, TemplateView):
    """POST a public reply. On a settled request the service opens a follow-up request
    (under the rules, so it can be refused): the page then goes to where it landed."""

    def get(self, request, *args, **kwargs):
        return redirect(self.url("request-detail", reference=self.get_request().reference))

    def post(self, request, *args, **kwargs):
        support_request = self.get_request()
        form = ReplyForm(request.POST)
        if not form.is_valid():
            return self.render_detail(support_request, reply_form=form, status=400)
        try:
            message = lifecycle.add_reply(support_request, by=request.user,
                                         body=form.cleaned_data["body"])
        except Refused as refused:
            decision = decision_view(refused.decision, self.workspace,
                                     support_request.category)
            return self.render_detail(support_request, reply_form=form, decision=decision,
                                      status=422)
        except DomainError as exc:
            add_domain_error(form, exc)
            return self.render_detail(support_request, reply_form=form, status=400)
        landed = message.request
        if landed.pk != support_request.pk:
            messages.success(request, _("%(old)s was already settled, so your reply went to "
                                        "its follow-up, %(new)s.") % {
                "old": support_request.reference, "new": landed.reference})
        else:
            messages.success(request, _("Your reply is sent."))
        return redirect(self.url("request-detail", reference=landed.reference) + "#conversation")


@method_decorator(csrf_protect, name="post")
class _UploadView(RequestPageMixin, TemplateView):
    def get(self, request, *args, **kwargs):
        return redirect(self.url("request-detail", reference=self.get_request().reference))

    def post(self, request, *args, **kwargs):
        support_request = self.get_request()
        utility_pk = request.POST.get("utility_request") or ""
        auto_id = f"id_%s_utility{utility_pk}" if utility_pk.isdigit() else "id_%s_general"
        form = UploadForm(request.POST, request.FILES, auto_id=auto_id)
        too_large = getattr(request, "upload_too_large", False)
        utility_request = None
        if form.is_valid() and not too_large:
            pk = form.cleaned_data.get("utility_request")
            if pk:
                # Only a utility request of this very request, still waiting for its file.
                utility_request = next((u for u in support_request.utility_requests.all()
                                        if u.pk == pk and u.is_pending), None)
                if utility_request is None:
                    form.add_error(None, _("This utility request is not waiting for a file."))
        if too_large:
            form.errors.pop("file", None)
            form.add_error("file", storage.too_large_message())
        if form.errors:
            return self._refused(support_request, form, utility_pk)
        try:
            attachment = files.upload_attachment(
                support_request, by=request.user, file=form.cleaned_data["file"],
                utility_request=utility_request)
        except DomainError as exc:
            form.add_error("file", exc.message)
            return self._refused(support_request, form, utility_pk)
        messages.success(request, _("%(name)s is uploaded.") % {
            "name": attachment.original_name})
        return redirect(self.url("request-detail", reference=support_request.reference)
                        + "#files")

    def _refused(self, support_request, form, utility_pk):
        pending = {u.pk for u in support_request.utility_requests.all() if u.is_pending}
        if utility_pk.isdigit() and int(utility_pk) in pending:
            return self.render_detail(support_request, utility_forms={int(utility_pk): form},
                                      status=400)
        # Not (or no longer) a waiting utility request: its form is gone from the page, so
        # the errors go with the general upload form.
        general = UploadForm(auto_id="id_%s_general")
        general.cleaned_data = {}
        for field, field_errors in form.errors.items():
            for error in field_errors:
                general.add_error(None if field == "__all__" else field, error)
        return self.render_detail(support_request, upload_form=general, status=400)


_upload_view = _UploadView.as_view()


@csrf_exempt
def upload(request, *args, **kwargs):
    """The size limit handler must be in place before anything reads the body, and the
    CSRF check reads it: so the check is exempted here and done by `_UploadView` right
    after (the pattern Django's documentation gives for custom upload handlers)."""
    if request.method == "POST":
        request.upload_handlers.insert(0, storage.AttachmentSizeLimitHandler(request))
    return _upload_view(request, *args, **kwargs)


class AttachmentDownloadView(PortalMixin, View):
    """A file of a request in reach, always as a download. Samples are never handed to
    customers (6): they are listed as name, size and SHA-256 only."""

    def get_attachment(self) -> Attachment:
        return get_object_or_404(
            Attachment.objects.visible_to(self.request.user).public()
            .filter(request__in=self.visible_requests(), is_sample=False)
            .select_related("request"),
            request__reference=self.kwargs["reference"], pk=self.kwargs["pk"])

    def check_reach(self) -> None:
        self.get_attachment()

    def get(self, request, *args, **kwargs):
        attachment = self.get_attachment()
        if not attachment.file:
            raise Http404
        return file_response(attachment, by=request.user, http_request=request)

