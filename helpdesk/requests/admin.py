"""The support desk in the Django admin: the work list, the request's work page, bulk
actions, reports and phone intake.

Nothing here changes a request by itself: the reply box, the work forms on the change page
and the list actions each call one service function of `helpdesk.requests`, and report
its refusal with `message_user`. Status, due times and the timeline are read-only. What the
work page reads is in `staffpage`, the list's filters in `admin_filters`, its bulk actions
in `admin_bulk`.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef, Q, Subquery
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts import access
from accounts.admin_base import VisibleRowsAdmin
from accounts.errors import DomainError
from accounts.forms import add_domain_error
from accounts.models import Membership
from licensing.eligibility import Refused
from licensing.models import SupportPlan

from ..sla.admin import SlaStateFilter
from . import files, filing, lifecycle, markup, reports, service_level, staffpage
from .admin_bulk import BulkActionsMixin, PriorityForm
from .admin_filters import (
    NOT_FILTERS,
    AssigneeFilter,
    CodeFilter,
    CompanyFilter,
    CustomerFilter,
    QueueFilter,
    StatusFilter,
    WorkFilter,
)
from .admin_intake import IntakeForm
from .admin_list import WorkListMixin
from .admin_workpage import WorkPageMixin
from .files import file_response
from .models import NoGuaranteeFlag, Priority, Queue, QueueRoute, SupportRequest
from .transitions import MAX_BODY

Status = SupportRequest.Status


# Work forms on the change page ---------------------------------------------------------------

class ReplyForm(forms.Form):
    body = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 6}),
                           max_length=MAX_BODY,
                           help_text=_("Plain text or Markdown."))
    internal = forms.BooleanField(label=_("Internal note (never shown to the customer)"),
                                  required=False)
    file = forms.FileField(label=_("Attach a file"), required=False)


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(
        label=_("Assign to"), required=False, empty_label=_("Nobody"),
        queryset=get_user_model().objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = access.agents().order_by("email")


class InformationForm(forms.Form):
    body = forms.CharField(label=_("What is needed"), widget=forms.Textarea(attrs={"rows": 4}),
                           max_length=MAX_BODY)


class UtilityForm(forms.Form):
    utility = forms.CharField(label=_("Utility"), max_length=100)
    url = forms.URLField(label=_("Download link"), required=False, assume_scheme="https")
    instructions = forms.CharField(label=_("Instructions"),
                                   widget=forms.Textarea(attrs={"rows": 4}), max_length=5000)


class ResolveForm(forms.Form):
    note = forms.CharField(label=_("Note to the customer"), required=False,
                           widget=forms.Textarea(attrs={"rows": 3}),
                           max_length=MAX_BODY)


class RejectForm(forms.Form):
    clause = forms.ChoiceField(label=_("Clause"))
    reason = forms.CharField(label=_("Explanation to the customer"),
                             widget=forms.Textarea(attrs={"rows": 3}),
                             max_length=MAX_BODY)

    def __init__(self, *args, support_request=None, clauses=None, **kwargs):
        super().__init__(*args, **kwargs)
        choices = clauses if clauses is not None else lifecycle.rejection_clauses(
            support_request)
        self.fields["clause"].choices = choices or [
            (c, c) for c in [f"4.2.{n}" for n in range(1, 15)]
            + ["4.3.1", "4.3.2", "4.5a", "4.5b"]]


class FlagForm(forms.Form):
    clause = forms.ChoiceField(label=_("Condition"), choices=NoGuaranteeFlag.Clause.choices)
    note = forms.CharField(label=_("Note to the customer"),
                           widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class MergeForm(forms.Form):
    into = forms.CharField(label=_("Merge into (reference)"), max_length=24)


class EmptyForm(forms.Form):
    pass


class PlanForm(forms.Form):
    plan = forms.ModelChoiceField(label=_("Support plan"), queryset=SupportPlan.objects.all(),
                                  help_text=_("Due times are computed again for the new plan."))


def _do_assign_to_me(sr, form, user):
    lifecycle.assign_to_me(sr, by=user)
    return gettext("The request is yours.")


def _do_assign(sr, form, user):
    lifecycle.assign(sr, to=form.cleaned_data["assignee"], by=user)
    return gettext("Assignment saved.")


def _do_information(sr, form, user):
    lifecycle.request_information(sr, by=user, body=form.cleaned_data["body"])
    return gettext("Information requested; the request waits on the customer.")


def _do_utility(sr, form, user):
    lifecycle.request_utility_run(sr, by=user, utility=form.cleaned_data["utility"],
                                 instructions=form.cleaned_data["instructions"],
                                 url=form.cleaned_data["url"])
    return gettext("Utility run requested; the request waits on the customer.")


def _do_resolve(sr, form, user):
    lifecycle.resolve_request(sr, by=user, note=form.cleaned_data["note"])
    return gettext("Request resolved.")


def _do_reject(sr, form, user):
    lifecycle.reject_request(sr, by=user, clause=form.cleaned_data["clause"],
                            reason=form.cleaned_data["reason"])
    return gettext("Request rejected under clause %(clause)s.") % {
        "clause": form.cleaned_data["clause"]}


def _do_flag(sr, form, user):
    lifecycle.set_no_guarantee_flag(sr, by=user, clause=form.cleaned_data["clause"],
                                   note=form.cleaned_data["note"])
    return gettext("No-guarantee condition %(clause)s noted.") % {
        "clause": form.cleaned_data["clause"]}


def _do_merge(sr, form, user):
    into = SupportRequest.objects.filter(reference=form.cleaned_data["into"].strip()).first()
    if into is None:
        raise DomainError(gettext("There is no request with that reference."))
    lifecycle.merge_duplicate(sr, into=into, by=user)
    return gettext("Merged into %(reference)s.") % {"reference": into.reference}


def _do_close(sr, form, user):
    lifecycle.close_request(sr, by=user)
    return gettext("Request closed.")


def _do_change_plan(sr, form, user):
    service_level.change_plan(sr, by=user, plan=form.cleaned_data["plan"])
    return gettext("Plan changed to %(plan)s.") % {"plan": form.cleaned_data["plan"]}


def _do_change_priority(sr, form, user):
    service_level.change_priority(sr, by=user, priority=form.cleaned_data["priority"])
    return gettext("Priority changed to %(priority)s.") % {
        "priority": Priority(form.cleaned_data["priority"]).label}


# name -> (label, form, service call)
WORK_ACTIONS = {
    "assign_to_me": (_("Assign to me"), EmptyForm, _do_assign_to_me),
    "assign": (_("Assign"), AssignForm, _do_assign),
    "request_information": (_("Request information"), InformationForm, _do_information),
    "request_utility": (_("Request a utility run"), UtilityForm, _do_utility),
    "resolve": (_("Resolve"), ResolveForm, _do_resolve),
    "reject": (_("Reject with a clause"), RejectForm, _do_reject),
    "flag": (_("Set a no-guarantee flag"), FlagForm, _do_flag),
    "merge": (_("Merge as a duplicate"), MergeForm, _do_merge),
    "close": (_("Close"), EmptyForm, _do_close),
    "change_plan": (_("Change the support plan"), PlanForm, _do_change_plan),
    "change_priority": (_("Change the priority"), PriorityForm, _do_change_priority),
}


# Which work forms a request offers; an action not named here is offered on active requests.
WORK_APPLIES = {
    "assign_to_me": lambda sr, user: not sr.is_final and sr.assignee_id != user.pk,
    "assign": lambda sr, user: not sr.is_final,
    "flag": lambda sr, user: not sr.is_final,
    "merge": lambda sr, user: sr.is_active or sr.status == Status.RESOLVED,
    "close": lambda sr, user: sr.status in (Status.RESOLVED, Status.WAITING_ON_CUSTOMER),
}
def _applies(name, support_request, user) -> bool:
    rule = WORK_APPLIES.get(name)
    return rule(support_request, user) if rule else support_request.is_active


# Admins ----------------------------------------------------------------------------------

@admin.register(SupportRequest)
class SupportRequestAdmin(WorkListMixin, WorkPageMixin, BulkActionsMixin, VisibleRowsAdmin):
    list_display = ["request_cell", "subject_cell", "status_cell", "category_title",
                    "queue_cell", "due_cell"]
    list_display_links = None  # the reference in `request_cell` links to the work page
    list_filter = [WorkFilter, CustomerFilter, CompanyFilter, CodeFilter, StatusFilter,
                   QueueFilter, AssigneeFilter, SlaStateFilter, "priority", "plan", "category",
                   "segment"]
    # The search is `get_search_results`; naming a field shows the search box.
    search_fields = ["subject"]
    search_help_text = _("Words of the subject, the description or any message (internal "
                         "notes too), a reference, a customer's email or a whole "
                         "activation code.")
    # Few joins: PostgreSQL plans a join of eight tables for longer than it reads a page.
    # Queue names come from the queue filter's own list (`WorkListMixin`).
    list_select_related = ["requester", "company", "assignee", "category"]
    list_per_page = 50
    show_full_result_count = False  # a second COUNT over a large table is not worth it
    ordering = ["-created_at", "-pk"]
    actions = ["assign_to_me", "assign_selected", "move_to_queue", "change_priority",
               "resolve_selected", "reject_selected", "close_selected"]
    change_form_template = "admin/helpdesk/supportrequest/change_form.html"
    change_list_template = "admin/helpdesk/supportrequest/change_list.html"
    fieldsets = [
        (None, {"fields": ["reference", "status", "subject", "description_html", "priority",
                           "category", "queue", "assignee"]}),
        (_("Customer"), {"fields": ["requester", "filed_by", "customer_workspace", "segment",
                                    "licence_text", "plan"]}),
        (_("Product"), {"fields": ["product", "version_text", "os", "os_version"]}),
        (_("Rules"), {"fields": ["rule_set", "decision_text", "rejection_clause",
                                 "close_reason", "close_clause", "follows_up", "merged_into"]}),
        (_("Milestones"), {"classes": ["collapse"], "fields": [
            "created_at", "first_response_at", "last_staff_reply_at",
            "last_customer_reply_at", "waiting_since", "reminded_at", "resolved_at",
            "closed_at", "rejected_at"]}),
        (_("Service level (paid plans)"), {"classes": ["collapse"], "fields": [
            "first_response_due", "next_response_due", "resolution_due", "sla_state",
            "escalated_at", "standard_reason", "sla_paused_at", "sla_paused_minutes",
            "sla_check_at"]}),
    ]

    def changelist_view(self, request, extra_context=None):
        mine = not set(request.GET) - NOT_FILTERS or request.GET.get("view") == WorkFilter.MINE
        title = gettext("My work") if mine else gettext("Support requests")
        return super().changelist_view(request, {"title": title, **(extra_context or {})})

    def get_readonly_fields(self, request, obj=None):
        # Every field: changes go through the work forms, which call the services.
        return [f for fieldset in self.fieldsets for f in fieldset[1]["fields"]]

    def has_delete_permission(self, request, obj=None):
        return False  # requests are a record of what the rules allowed; close them instead

    def get_queryset(self, request):
        return super().get_queryset(request).with_due()

    def get_object(self, request, object_id, from_field=None):
        """The request with everything its work page shows, read once per HTTP request (the
        page, its forms and the admin's own change view all ask for it)."""
        cached = getattr(request, "_support_request", None)
        if cached is not None and str(cached.pk) == str(object_id) and from_field is None:
            return cached
        if from_field is not None:
            return super().get_object(request, object_id, from_field)
        user = request.user
        role = Membership.objects.filter(company=OuterRef("company_id"),
                                         user=OuterRef("requester_id")).values("role")[:1]
        mine = Queue.objects.filter(pk=OuterRef("queue_id")).filter(
            Q(agents=user) | Q(supervisors=user))
        # What the page shows of each row. Rows that are rarely there (the follow-up, the
        # merge, staff who filed on the phone) are read only when they are, and the
        # catalogue's rows come from memory: a join each would cost PostgreSQL more time
        # planning than reading.
        queryset = self.get_queryset(request).select_related(
            "company", "requester", "assignee", "licence",
        ).with_catalogue().annotate(requester_role=Subquery(role), in_my_queue=Exists(mine))
        try:
            obj = queryset.get(pk=self.model._meta.pk.to_python(object_id))
        except (self.model.DoesNotExist, ValidationError, ValueError):
            obj = None
        request._support_request = obj
        return obj

    # Read-only fields of the work page ---------------------------------------------------

    @admin.display(description=_("workspace"))
    def customer_workspace(self, obj):
        return obj.company.name if obj.company_id else gettext("Home (their own)")

    @admin.display(description=_("licence"))
    def licence_text(self, obj):
        return obj.licence.masked_key if obj.licence_id else "—"

    @admin.display(description=_("product version"))
    def version_text(self, obj):
        return obj.version.version if obj.version_id else "—"

    @admin.display(description=_("eligibility decision"))
    def decision_text(self, obj):
        decision = staffpage.decision_summary(obj)
        if decision is None:
            return "—"
        verdict = gettext("Eligible") if decision["eligible"] else gettext("Not eligible")
        if decision["clause"]:
            verdict += " " + gettext("(clause %(clause)s)") % {"clause": decision["clause"]}
        offers = ", ".join(decision["offers"])
        return f"{verdict}: {decision['reason']}" + (
            " " + gettext("Offered: %(offers)s.") % {"offers": offers} if offers else "")

    @admin.display(description=_("description"))
    def description_html(self, obj):
        return mark_safe(markup.render(obj.description))  # noqa: S308 - sanitised by nh3

    # Pages ------------------------------------------------------------------------------

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/attachments/<int:attachment_pk>/download/",
                 view(self.download_view), name="helpdesk_supportrequest_download"),
            path("<int:pk>/presence/", view(self.presence_view),
                 name="helpdesk_supportrequest_presence"),
            path("reports/", view(self.reports_view), name="helpdesk_supportrequest_reports"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "POST" and ("_reply" in request.POST or "_work" in request.POST):
            support_request = self.get_object(request, object_id)
            if support_request is None:
                raise Http404
            if not self.has_change_permission(request, support_request):
                raise PermissionDenied
            if "_reply" in request.POST:
                self._handle_reply(request, support_request)
            else:
                self._handle_work(request, support_request, request.POST["_work"])
            return redirect(reverse("admin:helpdesk_supportrequest_change",
                                    args=[support_request.pk]))
        extra_context = {**(extra_context or {}), **self._work_context(request, object_id)}
        return super().change_view(request, object_id, form_url, extra_context)

    def _handle_reply(self, request, support_request):
        form = ReplyForm(request.POST, request.FILES)
        if not form.is_valid():
            for field_errors in form.errors.values():
                self.message_user(request, " ".join(field_errors), messages.ERROR)
            return
        try:
            message = lifecycle.add_reply(support_request, by=request.user,
                                          body=form.cleaned_data["body"],
                                          internal=form.cleaned_data["internal"])
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return
        self.message_user(request, gettext("Internal note saved.") if message.is_internal
                          else gettext("Reply sent."), messages.SUCCESS)
        upload = form.cleaned_data.get("file")
        if upload is not None:
            # The reply is already saved: a refused file is reported, and loses nothing.
            try:
                files.upload_attachment(support_request, by=request.user, file=upload,
                                        message=message)
            except DomainError as exc:
                self.message_user(request, gettext("The file was not attached: %(reason)s") % {
                    "reason": exc.message}, messages.ERROR)

    def _handle_work(self, request, support_request, name):
        if name not in WORK_ACTIONS:
            self.message_user(request, gettext("Unknown action."), messages.ERROR)
            return
        _label, form_class, call = WORK_ACTIONS[name]
        kwargs = {"support_request": support_request} if form_class is RejectForm else {}
        form = form_class(request.POST, prefix=name, **kwargs)
        if not form.is_valid():
            for field, field_errors in form.errors.items():
                label = form.fields[field].label if field in form.fields else ""
                self.message_user(request, f"{label}: {' '.join(field_errors)}".strip(": "),
                                  messages.ERROR)
            return
        try:
            done = call(support_request, form, request.user)
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return
        self.message_user(request, done, messages.SUCCESS)

    reply_form_class = ReplyForm

    def _work_forms(self, support_request, user, initial, lists) -> list[dict]:
        """The work forms that apply to the request, their choices from `lists`
        (`staffpage.choice_lists`), `initial` values by form name."""
        forms_ = []
        for name, (label, form_class, _call) in WORK_ACTIONS.items():
            if not _applies(name, support_request, user):
                continue
            kwargs = {"support_request": support_request,
                      "clauses": lists["clause"] or None} if form_class is RejectForm else {}
            values = dict(initial.get(name, {}))
            form = form_class(prefix=name, initial=values, **kwargs)
            if form_class is AssignForm:
                form.fields["assignee"].choices = [("", _("Nobody")), *lists["agent"]]
                form.initial.setdefault("assignee", support_request.assignee_id)
            if form_class is PlanForm:
                form.fields["plan"].choices = [("", "---------"), *lists["plan"]]
                form.initial.setdefault("plan", support_request.plan_id)
            if form_class is PriorityForm:
                form.initial.setdefault("priority", support_request.priority)
            forms_.append({"name": name, "label": label, "prefilled": name in initial,
                           "single": form_class is EmptyForm, "form": form})
        return forms_

    def download_view(self, request, pk, attachment_pk):
        support_request = get_object_or_404(SupportRequest, pk=pk)
        if not self.has_view_permission(request, support_request):
            raise PermissionDenied
        attachment = get_object_or_404(support_request.attachments, pk=attachment_pk)
        try:
            return file_response(attachment, by=request.user, http_request=request)
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return redirect(reverse("admin:helpdesk_supportrequest_change", args=[pk]))

    def reports_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        return reports.report_response(request, self.admin_site.each_context(request),
                                       self.model._meta)

    # Phone intake ------------------------------------------------------------------------

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = IntakeForm(request.POST or None, user=request.user)
        decision = None
        if request.method == "POST" and form.is_valid():
            try:
                support_request = filing.file_request(form.intake, by=request.user,
                                                      http_request=request)
            except Refused as refused:
                decision = refused.decision
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                self.message_user(request, gettext("Request %(reference)s filed.") % {
                    "reference": support_request.reference}, messages.SUCCESS)
                return redirect(reverse("admin:helpdesk_supportrequest_change",
                                        args=[support_request.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("File a request for a customer"),
            "form": form, "decision": decision, "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/helpdesk/supportrequest/intake.html", context)


class QueueRouteInline(admin.TabularInline):
    model = QueueRoute
    extra = 1
    autocomplete_fields = []


@admin.register(Queue)
class QueueAdmin(admin.ModelAdmin):
    list_display = ["name", "segment", "is_default"]
    list_filter = ["segment", "is_default"]
    search_fields = ["name"]
    filter_horizontal = ["agents", "supervisors"]
    inlines = [QueueRouteInline]

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name in {"agents", "supervisors"}:
            kwargs["queryset"] = access.agents().order_by("email")
        return super().formfield_for_manytomany(db_field, request, **kwargs)
