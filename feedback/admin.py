import io
from datetime import date, timedelta

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from accounts.admin_base import VisibleRowsAdmin

from . import reports
from .models import FeedbackOptOut, FeedbackRequest, FeedbackResponse, Question, Survey


class QuestionInline(admin.TabularInline):
    model = Question
    extra = 0
    fields = ["position", "code", "text", "text_ms", "low_label", "low_label_ms", "high_label",
              "high_label_ms", "is_required", "is_active"]


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    list_display = ["title", "code", "kind", "is_active", "updated_at"]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", "title", "title_ms"]
    inlines = [QuestionInline]
    fieldsets = [
        (None, {"fields": ["code", "kind", "is_active"]}),
        (_("English"), {"fields": ["title", "intro"]}),
        (_("Malay"), {"fields": ["title_ms", "intro_ms"]}),
    ]

    def get_readonly_fields(self, request, obj=None):
        # The sending tasks find their survey by code and kind.
        return ["code", "kind"] if obj else []

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.code in (Survey.POST_RESOLUTION, Survey.RELATIONSHIP):
            return False
        return super().has_delete_permission(request, obj)


class AnsweredFilter(admin.SimpleListFilter):
    title = _("answered")
    parameter_name = "answered"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(answered_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(answered_at__isnull=True)
        return queryset


@admin.register(FeedbackRequest)
class FeedbackRequestAdmin(VisibleRowsAdmin):
    list_display = ["__str__", "survey", "user", "company", "segment", "origin", "sent_at",
                    "reminded_at", "answered_at", "expires_at"]
    list_select_related = ["survey", "support_request", "user", "company"]
    list_filter = [AnsweredFilter, "survey", "origin", "segment", "period"]
    search_fields = ["support_request__reference", "user__email", "company__name", "period"]
    date_hierarchy = "created_at"
    raw_id_fields = ["support_request", "user", "company"]
    readonly_fields = ["survey", "support_request", "user", "company", "segment", "period",
                       "origin", "created_at", "sent_at", "reminded_at", "expires_at",
                       "answered_at"]
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        # One feedback request per support request, ever: deleting it would let the
        # dispatch survey the request again.
        return False


@admin.register(FeedbackResponse)
class FeedbackResponseAdmin(VisibleRowsAdmin):
    list_display = ["created_at", "subject", "survey", "satisfaction", "solved", "effort",
                    "recommend", "short_comment", "respondent", "channel"]
    list_select_related = ["feedback_request__survey", "feedback_request__support_request",
                           "feedback_request__user", "respondent"]
    list_filter = ["channel", "feedback_request__survey", "satisfaction", "solved",
                   "feedback_request__segment"]
    search_fields = ["feedback_request__support_request__reference", "respondent__email",
                     "comment"]
    date_hierarchy = "created_at"
    readonly_fields = ["feedback_request", "respondent", "channel", "language", "satisfaction",
                       "solved", "effort", "recommend", "comment", "created_at"]
    fields = readonly_fields
    change_list_template = "admin/feedback/feedbackresponse/change_list.html"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("about"), ordering="feedback_request__support_request")
    def subject(self, obj):
        fr = obj.feedback_request
        if fr.support_request_id:
            return fr.support_request.reference
        return fr.period

    @admin.display(description=_("survey"))
    def survey(self, obj):
        return obj.feedback_request.survey

    @admin.display(description=_("comment"))
    def short_comment(self, obj):
        # Returned as a plain string: the admin escapes it.
        return Truncator(obj.comment).chars(80)

    def get_urls(self):
        return [
            path("reports/", self.admin_site.admin_view(self.reports_view),
                 name="feedback_feedbackresponse_reports"),
            *super().get_urls(),
        ]

    def reports_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = ReportForm(request.GET or None)
        start, end, dimension, survey = form.range()
        months = reports.by_month(start, end, survey)
        groups = reports.by_dimension(dimension, start, end, survey)
        if request.GET.get("format") == "csv":
            out = io.StringIO()
            reports.write_csv(out, [("month", months), (dimension, groups)])
            response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = (
                f'attachment; filename="feedback-{start:%Y%m%d}-{end:%Y%m%d}.csv"')
            return response
        context = {
            **self.admin_site.each_context(request),
            "title": _("Feedback reports"),
            "opts": self.model._meta,
            "form": form,
            "summary": reports.summary(start, end, survey),
            "months": months,
            "groups": groups,
            "dimension_label": dict(reports.DIMENSION_CHOICES)[dimension],
            "charts": [reports.chart(months, m) for m in reports.MEASURES],
            "csv_query": _with_format(request.GET, "csv"),
            "changelist_url": reverse("admin:feedback_feedbackresponse_changelist"),
        }
        return TemplateResponse(request, "admin/feedback/reports.html", context)


def _with_format(query, value):
    params = query.copy()
    params["format"] = value
    return params.urlencode()


class ReportForm(forms.Form):
    start = forms.DateField(label=_("From"), required=False,
                           widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("Until (excluded)"), required=False,
                         widget=forms.DateInput(attrs={"type": "date"}))
    dimension = forms.ChoiceField(label=_("Group by"), choices=reports.DIMENSION_CHOICES,
                                  required=False)
    survey = forms.ChoiceField(label=_("Survey"), required=False, choices=[
        ("", _("All surveys")), (Survey.POST_RESOLUTION, _("After resolution")),
        (Survey.RELATIONSHIP, _("Periodic")),
    ])

    def range(self) -> tuple[date, date, str, str]:
        """The chosen range, by default the twelve months up to today."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        today = timezone.localdate()
        end = data.get("end") or today + timedelta(days=1)
        start = data.get("start") or date(end.year - 1, end.month, 1)
        if start >= end:
            start = end - timedelta(days=1)
        return start, end, data.get("dimension") or "queue", data.get("survey") or ""


@admin.register(FeedbackOptOut)
class FeedbackOptOutAdmin(admin.ModelAdmin):
    list_display = ["user", "created_at"]
    list_select_related = ["user"]
    search_fields = ["user__email"]
    raw_id_fields = ["user"]
