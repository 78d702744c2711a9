"""Admin for the self-help resources of clause 2.1 (imported by helpdesk/admin.py).

Staff keep the knowledge base, Community and course links per segment and language; the
portals list them and suggest them while a customer writes a request's subject.
"""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import SelfHelpResource


@admin.register(SelfHelpResource)
class SelfHelpResourceAdmin(admin.ModelAdmin):
    list_display = ["title", "segment", "kind", "language", "is_active", "url"]
    list_display_links = ["title"]
    list_filter = ["segment", "kind", "language", "is_active"]
    search_fields = ["title", "title_ms", "keywords", "url"]
    ordering = ["segment", "kind", "language", "title"]
    fields = ["title", "title_ms", "url", ("segment", "kind", "language"), "keywords",
              "is_active"]
    actions = ["list_resources", "unlist_resources"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "url":
            kwargs["assume_scheme"] = "https"  # a link typed without a scheme is https
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    @admin.action(description=_("List the selected resources in the portals"),
                  permissions=["change"])
    def list_resources(self, request, queryset):
        self._set_listed(request, queryset, True)

    @admin.action(description=_("Unlist the selected resources"), permissions=["change"])
    def unlist_resources(self, request, queryset):
        self._set_listed(request, queryset, False)

    def _set_listed(self, request, queryset, listed: bool):
        changed = queryset.exclude(is_active=listed).update(is_active=listed)
        text = (ngettext("%(count)d resource is now listed.",
                         "%(count)d resources are now listed.", changed) if listed
                else ngettext("%(count)d resource is no longer listed.",
                              "%(count)d resources are no longer listed.", changed))
        self.message_user(request, text % {"count": changed}, messages.SUCCESS)
