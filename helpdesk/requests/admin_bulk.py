"""The request list's bulk actions: each asks what it needs on a page of its own (the
assignee, the queue, the clause ...), then calls the same service as the work page's
buttons for every selected request, so each request gets its own timeline line and email.
An action is offered only where the list can hold requests it applies to."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.template.response import TemplateResponse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from accounts import access
from accounts.errors import DomainError

from . import lifecycle, service_level, triage
from .admin_filters import StatusFilter
from .models import Priority, Queue, SupportRequest
from .transitions import MAX_BODY

Status = SupportRequest.Status
ACTIVE = frozenset(SupportRequest.ACTIVE_STATUSES)
NOT_FINAL = frozenset(Status.values) - frozenset(SupportRequest.FINAL_STATUSES)
# At most this many requests per bulk action: each goes through its own service call.
BULK_LIMIT = 500


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(label=_("Assign to"), required=False,
                                      empty_label=_("Nobody"), queryset=None)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = access.agents().order_by("email")
        self.fields["assignee"].label_from_instance = (
            lambda user: f"{user.full_name} <{user.email}>" if user.full_name else user.email)


class QueueForm(forms.Form):
    queue = forms.ModelChoiceField(label=_("Move to the queue"), queryset=None)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["queue"].queryset = Queue.objects.order_by("name")


class PriorityForm(forms.Form):
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices,
                                 help_text=_("Due times are computed again for the new "
                                             "priority."))


class ResolveForm(forms.Form):
    note = forms.CharField(label=_("Note to each customer"), required=False,
                           max_length=MAX_BODY, widget=forms.Textarea(attrs={"rows": 4}))


class RejectForm(forms.Form):
    clause = forms.ChoiceField(label=_("Clause"))
    reason = forms.CharField(label=_("Explanation to each customer"), max_length=MAX_BODY,
                             widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["clause"].choices = lifecycle.rejection_clauses()


class BulkActionsMixin:
    """Bulk actions of `SupportRequestAdmin` (which provides `message_user`)."""

    # action name -> the statuses it applies to
    BULK_APPLIES = {
        "assign_to_me": NOT_FINAL, "assign_selected": NOT_FINAL, "move_to_queue": NOT_FINAL,
        "change_priority": ACTIVE, "resolve_selected": ACTIVE, "reject_selected": ACTIVE,
        "close_selected": frozenset({Status.RESOLVED, Status.WAITING_ON_CUSTOMER}),
    }

    def get_actions(self, request):
        actions = super().get_actions(request)
        shown = StatusFilter(request, {k: request.GET.getlist(k) for k in request.GET},
                             self.model, self).statuses()
        for name, applies in self.BULK_APPLIES.items():
            if name in actions and not applies.intersection(shown):
                del actions[name]
        return actions

    def _run_each(self, request, queryset, call, done_message):
        count = queryset.count()
        if count > BULK_LIMIT:
            self.message_user(request, gettext(
                "Select at most %(limit)d requests at a time (%(count)d selected).") % {
                "limit": BULK_LIMIT, "count": count}, messages.ERROR)
            return
        done, refused = 0, []
        for support_request in queryset.order_by("pk"):
            try:
                call(support_request)
                done += 1
            except DomainError as exc:
                refused.append(f"{support_request.reference}: {exc.message}")
        if done:
            self.message_user(request, done_message(done), messages.SUCCESS)
        for line in refused[:20]:
            self.message_user(request, line, messages.WARNING)
        if len(refused) > 20:
            self.message_user(request, ngettext("… and %d more refused.",
                                                "… and %d more refused.",
                                                len(refused) - 20) % (len(refused) - 20),
                              messages.WARNING)

    def _ask(self, request, queryset, *, form_class, title, call, done_message):
        """The action's own page (GET-like first visit from the list), then the service
        call for every request once its form is posted valid."""
        form = form_class(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            self._run_each(request, queryset, lambda sr: call(sr, form.cleaned_data),
                           done_message)
            return None  # back to the list, with the messages
        return TemplateResponse(request, "admin/helpdesk/supportrequest/bulk_action.html", {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.model._meta,
            "form": form,
            "action": request.POST.get("action", ""),
            "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
            "select_across": request.POST.get("select_across", "0"),
            "requests": list(queryset.select_related("category")[:50]),
            "count": queryset.count(),
            "limit": BULK_LIMIT,
        })

    @admin.action(description=_("Assign to me"), permissions=["change"])
    def assign_to_me(self, request, queryset):
        self._run_each(request, queryset,
                       lambda sr: lifecycle.assign_to_me(sr, by=request.user),
                       lambda n: ngettext("%d request assigned to you.",
                                          "%d requests assigned to you.", n) % n)

    @admin.action(description=_("Assign to …"), permissions=["change"])
    def assign_selected(self, request, queryset):
        return self._ask(
            request, queryset, form_class=AssignForm, title=gettext("Assign requests"),
            call=lambda sr, data: lifecycle.assign(sr, to=data["assignee"], by=request.user),
            done_message=lambda n: ngettext("%d request assigned.", "%d requests assigned.",
                                            n) % n)

    @admin.action(description=_("Move to a queue …"), permissions=["change"])
    def move_to_queue(self, request, queryset):
        return self._ask(
            request, queryset, form_class=QueueForm, title=gettext("Move requests"),
            call=lambda sr, data: triage.move_to_queue(sr, queue=data["queue"],
                                                       by=request.user),
            done_message=lambda n: ngettext("%d request moved.", "%d requests moved.", n) % n)

    @admin.action(description=_("Change the priority …"), permissions=["change"])
    def change_priority(self, request, queryset):
        return self._ask(
            request, queryset, form_class=PriorityForm, title=gettext("Change the priority"),
            call=lambda sr, data: service_level.change_priority(
                sr, priority=data["priority"], by=request.user),
            done_message=lambda n: ngettext("Priority changed on %d request.",
                                            "Priority changed on %d requests.", n) % n)

    @admin.action(description=_("Resolve …"), permissions=["change"])
    def resolve_selected(self, request, queryset):
        return self._ask(
            request, queryset, form_class=ResolveForm, title=gettext("Resolve requests"),
            call=lambda sr, data: lifecycle.resolve_request(sr, note=data["note"],
                                                            by=request.user),
            done_message=lambda n: ngettext("%d request resolved.", "%d requests resolved.",
                                            n) % n)

    @admin.action(description=_("Reject under a clause …"), permissions=["change"])
    def reject_selected(self, request, queryset):
        return self._ask(
            request, queryset, form_class=RejectForm, title=gettext("Reject requests"),
            call=lambda sr, data: lifecycle.reject_request(
                sr, clause=data["clause"], reason=data["reason"], by=request.user),
            done_message=lambda n: ngettext("%d request rejected.", "%d requests rejected.",
                                            n) % n)

    @admin.action(description=_("Close"), permissions=["change"])
    def close_selected(self, request, queryset):
        self._run_each(request, queryset,
                       lambda sr: lifecycle.close_request(sr, by=request.user),
                       lambda n: ngettext("%d request closed.", "%d requests closed.", n) % n)
