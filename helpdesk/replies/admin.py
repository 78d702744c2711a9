"""Reply templates in the admin: supervisors write them, agents read them (and use them on
the request's work page)."""

from django.contrib import admin
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from .models import ReplyTemplate
from .rendering import PLACEHOLDERS


@admin.register(ReplyTemplate)
class ReplyTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "name_ms", "action", "category", "clause", "position", "is_active",
                    "updated_at"]
    list_editable = ["position", "is_active"]
    list_filter = ["is_active", "action", "category"]
    list_select_related = ["category"]
    search_fields = ["name", "name_ms", "body", "body_ms"]
    readonly_fields = ["placeholders", "updated_at", "updated_by"]
    fieldsets = [
        (None, {"fields": ["name", "name_ms", "position", "is_active"]}),
        (_("Text"), {"fields": ["placeholders", "body", "body_ms"]}),
        (_("When and what"), {"fields": ["category", "action", "clause", "utility",
                                         "utility_url"]}),
        (_("Changes"), {"fields": ["updated_at", "updated_by"]}),
    ]

    @admin.display(description=_("placeholders"))
    def placeholders(self, obj=None):
        return format_html_join("", "<div><code>{{{}}}</code> {}</div>",
                                ((name, label) for name, label in PLACEHOLDERS.items()))

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "utility_url":
            kwargs["assume_scheme"] = "https"
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)
