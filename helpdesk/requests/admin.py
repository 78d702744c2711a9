"""The support desk in the Django admin: the request list and the request's work page.

Nothing here changes a request by itself: the reply box, the work forms on the change page
and the list actions each call one service function of `helpdesk.requests`, and report
its refusal with `message_user`. Status, due times and the timeline are read-only.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from accounts import access
from accounts.admin_base import VisibleRowsAdmin
from accounts.errors import DomainError
from accounts.forms import add_domain_error
from accounts.models import Company
from licensing import intake
from licensing.eligibility import Refused
from licensing.keys import normalize_key
from licensing.models import OperatingSystem, Product, RequestCategory, SupportPlan

from ..sla.admin import SlaStateFilter
from . import files, filing, lifecycle, permissions, service_level
from .files import file_response
from .models import (
    NoGuaranteeFlag,
    Priority,
    Queue,
    QueueRoute,
    SupportRequest,
    TimelineEvent,
)
from .transitions import MAX_BODY, MAX_SUBJECT

CONVERSATION_CAP = 50
TIMELINE_CAP = 100
Status = SupportRequest.Status


# List filters -----------------------------------------------------------------------------

class StatusFilter(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [("active", _("Active (new, open, waiting)")), ("working", _("New or open")),
                *Status.choices]

    def queryset(self, request, queryset):
        if self.value() == "active":
            return queryset.filter(status__in=SupportRequest.ACTIVE_STATUSES)
        if self.value() == "working":
            return queryset.filter(status__in=[Status.NEW, Status.OPEN])
        if self.value() in Status.values:
            return queryset.filter(status=self.value())
        return queryset


class QueueFilter(admin.SimpleListFilter):
    title = _("queue")
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [("mine", _("My queues")), ("none", _("No queue")),
                *[(str(q.pk), q.name) for q in Queue.objects.order_by("name")]]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "mine":
            return queryset.filter(queue__in=_my_queues(request.user))
        if value == "none":
            return queryset.filter(queue__isnull=True)
        if value and value.isdigit():
            return queryset.filter(queue_id=int(value))
        return queryset


class AssigneeFilter(admin.SimpleListFilter):
    title = _("assignee")
    parameter_name = "assigned"

    def lookups(self, request, model_admin):
        agents = access.agents().order_by("email")
        return [("me", _("Me")), ("none", _("Nobody")),
                *[(str(u.pk), u.email) for u in agents]]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "me":
            return queryset.filter(assignee=request.user)
        if value == "none":
            return queryset.filter(assignee__isnull=True)
        if value and value.isdigit():
            return queryset.filter(assignee_id=int(value))
        return queryset


def _my_queues(user):
    return Queue.objects.filter(Q(agents=user) | Q(supervisors=user)).values("pk")


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

    def __init__(self, *args, support_request=None, **kwargs):
        super().__init__(*args, **kwargs)
        choices = lifecycle.rejection_clauses(support_request)
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


class PriorityForm(forms.Form):
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices,
                                 help_text=_("Due times are computed again for the new "
                                             "priority."))


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


# Phone intake --------------------------------------------------------------------------------

class IntakeForm(forms.Form):
    """Staff file a request for a customer on the phone, under the same rules and through
    the same intake as the portal and the API (`filing.parse_request`)."""

    customer = forms.EmailField(label=_("Customer's email"))
    company = forms.ModelChoiceField(label=_("Company"), required=False,
                                     queryset=Company.objects.all(),
                                     help_text=_("Empty for the customer's home workspace."))
    category = forms.CharField(label=_("Category"), required=False, widget=forms.Select)
    product = forms.CharField(label=_("Product"), required=False, widget=forms.Select)
    version = forms.CharField(label=_("Version"), required=False,
                              max_length=intake.MAX_VERSION_LENGTH)
    os = forms.CharField(label=_("Platform"), required=False, widget=forms.Select(
        choices=[("", "---------"), *OperatingSystem.choices]))
    os_version = forms.CharField(label=_("Platform version"), required=False,
                                 max_length=intake.MAX_VERSION_LENGTH)
    licence_key = forms.CharField(label=_("Activation code"), required=False,
                                  max_length=intake.MAX_KEY_INPUT_LENGTH)
    subject = forms.CharField(label=_("Subject"), required=False, max_length=MAX_SUBJECT)
    description = forms.CharField(label=_("Description"), required=False,
                                  widget=forms.Textarea, max_length=MAX_BODY)
    priority = forms.CharField(label=_("Priority"), required=False, initial=Priority.NORMAL,
                               widget=forms.Select(choices=Priority.choices))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.intake = None
        categories = list(RequestCategory.objects.listed().order_by("-in_scope", "position",
                                                                    "code"))
        products = list(Product.objects.listed().with_catalogue().order_by("name"))
        self.catalogue = intake.Catalogue(user, products=products, categories=categories)
        self.fields["category"].widget.choices = [("", "---------")] + [
            (c.code, f"{c.clause} {c.localized_name}") for c in categories]
        self.fields["product"].widget.choices = [("", "---------")] + [
            (p.code, p.name) for p in products]

    def clean_customer(self):
        user = get_user_model().objects.filter(
            email__iexact=self.cleaned_data["customer"].strip()).first()
        if user is None:
            raise forms.ValidationError(_("No user has this email address."))
        return user

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            workspace = filing.customer_workspace(data["customer"], data.get("company"))
            self.intake = filing.parse_request(data, workspace=workspace,
                                               catalogue=self.catalogue)
        except DomainError as exc:
            add_domain_error(self, exc)
        return data


# Admins ----------------------------------------------------------------------------------

@admin.register(SupportRequest)
class SupportRequestAdmin(VisibleRowsAdmin):
    list_display = ["reference", "subject", "status", "priority", "customer_workspace",
                    "segment", "plan", "category_code", "queue", "assignee", "created_at",
                    "next_due", "resolution_due", "sla_state"]
    list_display_links = ["reference", "subject"]
    list_filter = [StatusFilter, QueueFilter, "segment", "plan", SlaStateFilter, AssigneeFilter,
                   "category", "priority"]
    search_fields = ["=reference", "=requester__email", "subject"]
    search_help_text = _("A reference, the requester's email, an activation code, or words "
                         "of the subject.")
    list_select_related = ["company", "home_user", "requester", "category", "queue",
                           "assignee", "plan"]
    list_per_page = 50
    show_full_result_count = False  # a second COUNT over a large table is not worth it
    ordering = ["-created_at", "-pk"]
    actions = ["assign_to_me", "resolve_selected", "close_selected"]
    change_form_template = "admin/helpdesk/supportrequest/change_form.html"
    fieldsets = [
        (None, {"fields": ["reference", "status", "subject", "description_html", "priority",
                           "category", "queue", "assignee"]}),
        (_("Customer"), {"fields": ["requester", "filed_by", "customer_workspace", "segment",
                                    "licence", "plan"]}),
        (_("Product"), {"fields": ["product", "version", "os", "os_version"]}),
        (_("Rules"), {"fields": ["rule_set", "decision", "rejection_clause", "close_reason",
                                 "close_clause", "follows_up", "merged_into"]}),
        (_("Milestones"), {"fields": ["created_at", "first_response_at", "last_staff_reply_at",
                                      "last_customer_reply_at", "waiting_since", "reminded_at",
                                      "resolved_at", "closed_at", "rejected_at"]}),
        (_("Service level (paid plans)"), {"fields": [
            "first_response_due", "next_response_due", "resolution_due", "sla_state",
            "escalated_at", "standard_reason", "sla_paused_at", "sla_paused_minutes",
            "sla_check_at"]}),
    ]

    def get_readonly_fields(self, request, obj=None):
        # Every field: changes go through the work forms, which call the services.
        return [f for fieldset in self.fieldsets for f in fieldset[1]["fields"]]

    def has_delete_permission(self, request, obj=None):
        return False  # requests are a record of what the rules allowed; close them instead

    def get_queryset(self, request):
        return super().get_queryset(request).select_related(*self.list_select_related)

    def get_object(self, request, object_id, from_field=None):
        """The request with everything its work page shows, read once per HTTP request (the
        page, its forms and the admin's own change view all ask for it)."""
        cached = getattr(request, "_support_request", None)
        if cached is not None and str(cached.pk) == str(object_id) and from_field is None:
            return cached
        queryset = self.get_queryset(request).select_related(
            "licence__product", "product", "version__product", "rule_set", "follows_up",
            "merged_into", "filed_by",
        )
        try:
            obj = queryset.get(pk=self.model._meta.pk.to_python(object_id)) \
                if from_field is None else super().get_object(request, object_id, from_field)
        except (self.model.DoesNotExist, ValidationError, ValueError):
            obj = None
        if from_field is None:
            request._support_request = obj
        return obj

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        try:
            key = normalize_key(term)
        except ValidationError:  # not an activation code: search as usual
            key = None
        if key:
            return queryset.filter(licence__key=key), False
        return super().get_search_results(request, queryset, search_term)

    @admin.display(description=_("workspace"))
    def customer_workspace(self, obj):
        return obj.company.name if obj.company_id else (
            obj.home_user.email if obj.home_user_id else "")

    @admin.display(description=_("category"), ordering="category__code")
    def category_code(self, obj):
        return obj.category.code

    @admin.display(description=_("next due"))
    def next_due(self, obj):
        """The nearest due time of a target still running."""
        if obj.status not in (Status.NEW, Status.OPEN):
            return None
        dues = [obj.next_response_due]
        if obj.first_response_at is None:
            dues.append(obj.first_response_due)
        if obj.sla_paused_at is None:
            dues.append(obj.resolution_due)
        dues = [d for d in dues if d is not None]
        return min(dues) if dues else None

    @admin.display(description=_("description"))
    def description_html(self, obj):
        from django.utils.safestring import mark_safe

        from .markup import render

        return mark_safe(render(obj.description))  # noqa: S308 - sanitised by nh3

    # List actions --------------------------------------------------------------------

    def _run_each(self, request, queryset, call, done_message):
        done, refused = 0, []
        for support_request in queryset:
            try:
                call(support_request)
                done += 1
            except DomainError as exc:
                refused.append(f"{support_request.reference}: {exc.message}")
        if done:
            self.message_user(request, done_message(done), messages.SUCCESS)
        for line in refused[:20]:
            self.message_user(request, line, messages.WARNING)

    @admin.action(description=_("Assign the selected requests to me"), permissions=["change"])
    def assign_to_me(self, request, queryset):
        self._run_each(request, queryset,
                       lambda sr: lifecycle.assign_to_me(sr, by=request.user),
                       lambda n: ngettext("%d request assigned to you.",
                                          "%d requests assigned to you.", n) % n)

    @admin.action(description=_("Resolve the selected requests"), permissions=["change"])
    def resolve_selected(self, request, queryset):
        self._run_each(request, queryset,
                       lambda sr: lifecycle.resolve_request(sr, by=request.user),
                       lambda n: ngettext("%d request resolved.", "%d requests resolved.",
                                          n) % n)

    @admin.action(description=_("Close the selected requests"), permissions=["change"])
    def close_selected(self, request, queryset):
        self._run_each(request, queryset,
                       lambda sr: lifecycle.close_request(sr, by=request.user),
                       lambda n: ngettext("%d request closed.", "%d requests closed.", n) % n)

    # The work page -----------------------------------------------------------------------

    def get_urls(self):
        return [
            path("<int:pk>/attachments/<int:attachment_pk>/download/",
                 self.admin_site.admin_view(self.download_view),
                 name="helpdesk_supportrequest_download"),
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

    def _work_context(self, request, object_id) -> dict:
        support_request = self.get_object(request, object_id)
        if support_request is None:
            return {}
        conversation = list(
            support_request.messages.select_related("author")
            .prefetch_related("attachments").order_by("-created_at", "-pk")[:CONVERSATION_CAP]
        )[::-1]
        timeline = list(
            TimelineEvent.objects.filter(request=support_request).select_related("actor")
            .order_by("-created_at", "-pk")[:TIMELINE_CAP]
        )[::-1]
        forms_ = []
        for name, (label, form_class, _call) in WORK_ACTIONS.items():
            kwargs = {"support_request": support_request} if form_class is RejectForm else {}
            if form_class is AssignForm:
                kwargs["initial"] = {"assignee": support_request.assignee_id}
            if form_class is PlanForm:
                kwargs["initial"] = {"plan": support_request.plan_id}
            if form_class is PriorityForm:
                kwargs["initial"] = {"priority": support_request.priority}
            forms_.append({"name": name, "label": label,
                           "form": form_class(prefix=name, **kwargs)})
        return {
            "support_request": support_request,
            "conversation": conversation,
            "conversation_total": support_request.messages.count(),
            "conversation_cap": CONVERSATION_CAP,
            "timeline": timeline,
            "loose_attachments": support_request.attachments.filter(message__isnull=True)
            .order_by("created_at")[:100],
            "flags": support_request.no_guarantee_flags.all(),
            "utility_requests": support_request.utility_requests.order_by("created_at"),
            "reply_form": ReplyForm(),
            "work_forms": forms_,
            "may_work": permissions.may_work(request.user, support_request),
        }

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
