"""Admin for support hours and service levels (imported by helpdesk/admin.py): support
calendars with their opening hours and exceptions, SLA targets of the paid plans,
authorised technical contacts, the notices the sweep sent, and the breach report per plan,
queue and month.

The calendars' inlines follow the calendar's own permissions, so whoever may change a
calendar may change its hours and days.
"""

import csv
from datetime import date, datetime, time

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, F, Q
from django.db.models.functions import TruncMonth
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.errors import DomainError
from accounts.forms import add_domain_error
from licensing.models import SupportPlan

from ..requests.models import Queue, SupportRequest
from . import calendars, entitlements
from .hours import Schedule
from .models import (
    AuthorisedContact,
    CalendarException,
    OpeningHours,
    SlaNotice,
    SlaTarget,
    SupportCalendar,
)

SlaState = SupportRequest.SlaState
Status = SupportRequest.Status
REPORT_MONTHS = 12
EXCEPTIONS_SHOWN = 200


# The request list's SLA filter (used by SupportRequestAdmin) ------------------------------

class SlaStateFilter(admin.SimpleListFilter):
    title = _("SLA state")
    parameter_name = "sla"

    def lookups(self, request, model_admin):
        return [("standard", _("Standard Support (no targets)")), *SlaState.choices,
                ("overdue", _("Overdue now"))]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "standard":
            return queryset.filter(sla_state__isnull=True)
        if value == "overdue":
            now = timezone.now()
            return queryset.filter(status__in=[Status.NEW, Status.OPEN]).filter(
                Q(first_response_at__isnull=True, first_response_due__lt=now)
                | Q(next_response_due__lt=now)
                | Q(sla_paused_at__isnull=True, resolution_due__lt=now))
        if value in SlaState.values:
            return queryset.filter(sla_state=value)
        return queryset


# Calendars ---------------------------------------------------------------------------------

class _FollowsCalendar:
    """An inline that anyone who may change the calendar may edit."""

    def _may(self, request, action):
        return request.user.has_perm(f"helpdesk.{action}_supportcalendar")

    def has_view_permission(self, request, obj=None):
        return self._may(request, "view") or self._may(request, "change")

    def has_add_permission(self, request, obj=None):
        return self._may(request, "change")

    def has_change_permission(self, request, obj=None):
        return self._may(request, "change")

    def has_delete_permission(self, request, obj=None):
        return self._may(request, "change")


class OpeningHoursFormSet(forms.BaseInlineFormSet):
    """The week must make a valid schedule: ordered intervals that do not overlap."""

    def clean(self):
        super().clean()
        weekly: dict[int, list] = {}
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or data.get("weekday") is None:
                continue
            if data.get("opens") is None or data.get("closes") is None:
                continue
            weekly.setdefault(int(data["weekday"]), []).append((data["opens"], data["closes"]))
        if not weekly:
            return
        try:
            Schedule(time_zone=self.instance.time_zone or "UTC",
                     weekly={day: sorted(spans) for day, spans in weekly.items()})
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc


class OpeningHoursInline(_FollowsCalendar, admin.TabularInline):
    model = OpeningHours
    formset = OpeningHoursFormSet
    extra = 1
    ordering = ["weekday", "opens"]


class CalendarExceptionInline(_FollowsCalendar, admin.TabularInline):
    model = CalendarException
    extra = 1
    ordering = ["-date"]
    fields = ["date", "kind", "note"]
    verbose_name_plural = _("days closed or opened by staff (the latest ones)")

    def get_queryset(self, request):
        # Capped: years of one-off days would make the page slow; older ones stay stored.
        queryset = super().get_queryset(request)
        keep = list(queryset.order_by("-date").values_list("pk", flat=True)[:EXCEPTIONS_SHOWN])
        return queryset.filter(pk__in=keep)


class SupportCalendarForm(forms.ModelForm):
    class Meta:
        model = SupportCalendar
        fields = ["name", "country", "segment", "time_zone", "holiday_country",
                  "holiday_subdivision"]

    def clean(self):
        data = super().clean()
        country = (data.get("holiday_country") or "").upper()
        subdivision = data.get("holiday_subdivision") or None
        if country:
            import holidays

            try:
                holidays.country_holidays(country, subdiv=subdivision, years=date.today().year)
            except NotImplementedError as exc:
                self.add_error("holiday_subdivision" if subdivision else "holiday_country",
                               str(exc))
            data["holiday_country"] = country
        elif subdivision:
            self.add_error("holiday_country", _("Give the country of the state or region."))
        return data


@admin.register(SupportCalendar)
class SupportCalendarAdmin(admin.ModelAdmin):
    form = SupportCalendarForm
    list_display = ["name", "country", "segment", "time_zone", "holiday_country",
                    "holiday_subdivision", "updated_at"]
    list_filter = ["segment", "country"]
    search_fields = ["name", "country", "time_zone"]
    readonly_fields = ["upcoming_closed_days", "updated_at"]
    inlines = [OpeningHoursInline, CalendarExceptionInline]
    fieldsets = [
        (None, {"fields": ["name", ("country", "segment"), "time_zone"]}),
        (_("Public holidays"), {"fields": [("holiday_country", "holiday_subdivision"),
                                           "upcoming_closed_days", "updated_at"]}),
    ]

    @admin.display(description=_("next days without support"))
    def upcoming_closed_days(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        try:
            schedule = calendars.schedule_for(obj)
        except ValueError:
            return gettext("No opening hours yet.")
        today = timezone.localdate()
        days = sorted(d for d in schedule.closed_dates - schedule.open_dates
                      if d >= today and schedule.weekly[d.weekday()])[:8]
        names = calendars.holiday_names(obj)
        return "; ".join(f"{d:%a %Y-%m-%d} {names.get(d, '')}".strip() for d in days) or "—"


# Targets, contacts, notices --------------------------------------------------------------

class SlaTargetForm(forms.ModelForm):
    class Meta:
        model = SlaTarget
        fields = ["plan", "priority", "first_response_minutes", "next_response_minutes",
                  "resolution_minutes", "around_the_clock"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["plan"].queryset = SupportPlan.objects.filter(is_paid=True)
        self.fields["plan"].help_text = _("Only paid plans have targets: Standard Support "
                                          "answers on a best-effort basis (clause 3.3).")

    def clean(self):
        data = super().clean()
        for name in ("first_response_minutes", "next_response_minutes", "resolution_minutes"):
            if data.get(name) == 0:
                self.add_error(name, _("A target needs at least one minute."))
        return data


@admin.register(SlaTarget)
class SlaTargetAdmin(admin.ModelAdmin):
    form = SlaTargetForm
    list_display = ["plan", "priority", "first_response_minutes", "next_response_minutes",
                    "resolution_minutes", "around_the_clock"]
    list_filter = ["plan", "priority", "around_the_clock"]
    list_select_related = ["plan"]
    change_list_template = "admin/helpdesk/slatarget/change_list.html"

    def get_urls(self):
        return [
            path("report/", self.admin_site.admin_view(self.report_view),
                 name="helpdesk_sla_breach_report"),
            *super().get_urls(),
        ]

    def report_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = BreachReportForm(request.GET or None)
        filters = form.cleaned_data if form.is_valid() else {}
        rows = breach_report(months=filters.get("months") or REPORT_MONTHS,
                             plan=filters.get("plan"), queue=filters.get("queue"))
        if request.GET.get("format") == "csv":
            return _report_csv(rows)
        query = request.GET.copy()
        query["format"] = "csv"
        return TemplateResponse(request, "admin/helpdesk/sla_breach_report.html", {
            **self.admin_site.each_context(request),
            "title": gettext("SLA breach report"),
            "opts": self.model._meta,
            "changelist_url": reverse("admin:helpdesk_slatarget_changelist"),
            "form": form,
            "rows": rows,
            "totals": _totals(rows),
            "csv_query": query.urlencode(),
        })


class BreachReportForm(forms.Form):
    months = forms.IntegerField(label=_("Months"), min_value=1, max_value=60, required=False,
                                initial=REPORT_MONTHS)
    plan = forms.ModelChoiceField(label=_("Plan"), required=False,
                                  queryset=SupportPlan.objects.filter(is_paid=True))
    queue = forms.ModelChoiceField(label=_("Queue"), required=False,
                                   queryset=Queue.objects.order_by("name"))


def breach_report(*, months: int = REPORT_MONTHS, plan=None, queue=None) -> list[dict]:
    """Paid-plan requests filed in the last `months` months, per month, plan and queue:
    how many, how many met or breached their targets, missed the first response, were
    escalated, are still active. One aggregate query."""
    now = timezone.now()
    today = timezone.localdate(now)
    first = date(today.year, today.month, 1)
    for _i in range(months - 1):
        first = date(first.year - (first.month == 1), (first.month - 2) % 12 + 1, 1)
    requests = SupportRequest.objects.filter(
        plan__is_paid=True,
        created_at__gte=timezone.make_aware(datetime.combine(first, time(0, 0))))
    if plan is not None:
        requests = requests.filter(plan=plan)
    if queue is not None:
        requests = requests.filter(queue=queue)
    rows = (
        requests.annotate(month=TruncMonth("created_at"))
        .values("month", "plan__name", "queue__name")
        .annotate(
            total=Count("pk"),
            met=Count("pk", filter=Q(sla_state=SlaState.MET)),
            breached=Count("pk", filter=Q(sla_state=SlaState.BREACHED)),
            first_response_missed=Count("pk", filter=(
                Q(first_response_at__gt=F("first_response_due"))
                | Q(first_response_at__isnull=True, first_response_due__lt=now))),
            escalated=Count("pk", filter=Q(escalated_at__isnull=False)),
            active=Count("pk", filter=Q(status__in=SupportRequest.ACTIVE_STATUSES)),
        )
        .order_by("-month", "plan__name", "queue__name")
    )
    result = []
    for row in rows:
        row["breach_rate"] = round(100 * row["breached"] / row["total"], 1) if row["total"] \
            else None
        result.append(row)
    return result


def _totals(rows: list[dict]) -> dict:
    keys = ("total", "met", "breached", "first_response_missed", "escalated", "active")
    totals = {k: sum(r[k] for r in rows) for k in keys}
    totals["breach_rate"] = round(100 * totals["breached"] / totals["total"], 1) \
        if totals["total"] else None
    return totals


def _report_csv(rows: list[dict]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="sla-breaches.csv"'
    writer = csv.writer(response)
    writer.writerow(["month", "plan", "queue", "requests", "met", "breached",
                     "first_response_missed", "escalated", "active", "breach_rate_percent"])
    for r in rows:
        writer.writerow([r["month"].strftime("%Y-%m") if r["month"] else "", r["plan__name"],
                         r["queue__name"] or "", r["total"], r["met"], r["breached"],
                         r["first_response_missed"], r["escalated"], r["active"],
                         "" if r["breach_rate"] is None else r["breach_rate"]])
    return response


class AuthorisedContactForm(forms.ModelForm):
    class Meta:
        model = AuthorisedContact
        fields = ["company", "user"]

    def clean(self):
        """The checks of the service that saves the row (`entitlements`), shown on the
        form."""
        data = super().clean()
        company, user = data.get("company"), data.get("user")
        if company is None or user is None:
            return data
        named = [contact.user for contact in entitlements.named_contacts(company)]
        try:
            entitlements.check_contacts(company, [*named, user])
        except DomainError as exc:
            add_domain_error(self, exc)
        return data


class _ContactPermissions:
    """Staff who may change licences (the supervisors) manage contacts too."""

    def _may(self, request, action):
        return (request.user.has_perm(f"helpdesk.{action}_authorisedcontact")
                or request.user.has_perm("licensing.change_licence"))

    def has_view_permission(self, request, obj=None):
        return self._may(request, "view")

    def has_add_permission(self, request):
        return self._may(request, "add")

    def has_change_permission(self, request, obj=None):
        return self._may(request, "change")

    def has_delete_permission(self, request, obj=None):
        return self._may(request, "delete")

    def has_module_permission(self, request):
        return self._may(request, "view")


@admin.register(AuthorisedContact)
class AuthorisedContactAdmin(_ContactPermissions, admin.ModelAdmin):
    """Contacts are named and removed through the services, which audit each change, as
    the company portal and the API do; a contact is not edited into another."""

    form = AuthorisedContactForm
    list_display = ["company", "user", "added_at"]
    list_select_related = ["company", "user"]
    search_fields = ["company__name", "company__slug", "user__email"]
    raw_id_fields = ["company", "user"]
    ordering = ["company__name", "added_at"]

    def has_change_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        contact = entitlements.add_authorised_contact(
            company=obj.company, user=obj.user, by=request.user, request=request)
        obj.pk, obj.added_at = contact.pk, contact.added_at

    def delete_model(self, request, obj):
        entitlements.remove_authorised_contact(company=obj.company, user=obj.user,
                                               by=request.user, request=request)

    def delete_queryset(self, request, queryset):
        for contact in queryset.select_related("company", "user"):
            self.delete_model(request, contact)


@admin.register(SlaNotice)
class SlaNoticeAdmin(admin.ModelAdmin):
    list_display = ["request", "target", "kind", "due_at", "created_at"]
    list_filter = ["kind", "target"]
    list_select_related = ["request"]
    search_fields = ["=request__reference"]
    ordering = ["-created_at", "-pk"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return (request.user.has_perm("helpdesk.view_slanotice")
                or request.user.has_perm("helpdesk.view_slatarget"))

    def has_module_permission(self, request):
        return self.has_view_permission(request)
