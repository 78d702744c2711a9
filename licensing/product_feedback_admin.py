"""Product feedback in the admin (imported by licensing/admin.py): the ideas customers
gave with feature requests Standard Support does not cover (4.2.1), for staff to read and
hand to the product team as CSV. Nobody edits what a customer wrote."""

import csv

from django.contrib import admin
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import ProductFeedback

CSV_COLUMNS = ("received", "subject", "idea", "product", "version", "workspace", "from",
               "language")
# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


class _Lines:
    """The file-like object csv.writer writes one line to at a time, for streaming."""

    def write(self, value):
        return value


def feedback_csv(queryset):
    """The rows of `queryset` as CSV lines, read from the database in chunks."""
    writer = csv.writer(_Lines())
    yield writer.writerow(CSV_COLUMNS)
    for feedback in queryset.select_related("product", "company", "home_user",
                                            "requester").iterator(chunk_size=500):
        yield writer.writerow([_cell(value) for value in (
            feedback.created_at.isoformat(), feedback.subject, feedback.description,
            feedback.product.name if feedback.product_id else "", feedback.version,
            workspace_of(feedback),
            feedback.requester.email if feedback.requester_id else "", feedback.language)])


def workspace_of(feedback) -> str:
    if feedback.company_id:
        return feedback.company.name
    return _("home user %(email)s") % {"email": feedback.home_user.email} \
        if feedback.home_user_id else ""


@admin.register(ProductFeedback)
class ProductFeedbackAdmin(admin.ModelAdmin):
    list_display = ["subject", "product", "version", "workspace", "requester", "language",
                    "created_at"]
    list_filter = ["product", "language", "created_at"]
    list_select_related = ["product", "company", "home_user", "requester"]
    search_fields = ["subject", "description", "requester__email", "company__name"]
    date_hierarchy = "created_at"
    fields = ["subject", "description", "product", "version", "workspace", "requester",
              "language", "created_at"]
    readonly_fields = fields
    actions = ["export_csv"]

    def has_add_permission(self, request):
        return False  # kept from customers' refused feature requests only

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("workspace"))
    def workspace(self, feedback):
        return workspace_of(feedback) or "—"

    @admin.action(description=_("Export the selected feedback as CSV"), permissions=["view"])
    def export_csv(self, request, queryset):
        response = StreamingHttpResponse(feedback_csv(queryset.order_by("created_at", "pk")),
                                         content_type="text/csv; charset=utf-8")
        name = f"product-feedback-{timezone.localdate():%Y-%m-%d}.csv"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
